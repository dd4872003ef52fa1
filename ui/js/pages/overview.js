// Overview: the gateway at a glance.

import { clear, errorText, formatAgo, formatBytes, formatDuration, formatNumber, h, notice } from "../dom.js";
import { channelRows } from "./channels.js";

export const title = "Overview";
const REFRESH_MS = 10000;

let refresh = null;

export function mount(ctx, root) {
  const body = h("div.cards");
  const status = h("div");
  root.append(h("div.page-head", h("h1", { id: "h-overview" }, "Overview")), status, body);
  let timer = null;
  refresh = async () => {
    const { gw } = ctx;
    if (gw.state !== "connected") return;
    const [st, list, chans, proc] = await Promise.allSettled([
      gw.request("status"),
      gw.request("sessions.list", { limit: 1000, includeGlobal: true }),
      gw.request("channels.status", { probe: false, timeoutMs: 8000 }),
      fetchProcess(ctx),
    ]);
    clear(status);
    for (const r of [st, list, chans]) {
      if (r.status === "rejected") status.append(notice("error", errorText(r.reason)));
    }
    clear(body);
    const hello = gw.hello || {};
    const p = proc.status === "fulfilled" ? proc.value : null;
    body.append(card("Gateway", [
      ["Version", hello.server?.version || "—"],
      ["Address", hello.server?.host || location.host],
      ["Uptime", formatDuration(p?.uptimeMs ?? hello.snapshot?.uptimeMs)],
      ["Memory (RSS)", p ? formatBytes(p.rssBytes) : "— (needs the gateway secret)"],
      ["Connected clients", p ? formatNumber(p.wsConnections) : "—"],
      ["Protocol", String(hello.protocol || "—")],
    ]));
    const s = st.status === "fulfilled" ? st.value : {};
    const defaults = s.sessions?.defaults || {};
    body.append(card("Model", [
      ["Default model", defaults.model || "—"],
      ["Context window", defaults.contextTokens ? `${formatNumber(defaults.contextTokens)} tokens` : "—"],
      ["Default agent", s.heartbeat?.defaultAgentId || hello.snapshot?.sessionDefaults?.defaultAgentId || "—"],
    ]));
    const l = list.status === "fulfilled" ? list.value : {};
    const recent = l.sessions || s.sessions?.recent || [];
    body.append(h("section.card", h("h2", "Sessions"),
      h("p.big", formatNumber(l.totalCount ?? l.sessions?.length ?? s.sessions?.count ?? 0)),
      recent.length
        ? h("ul.plain", recent.slice(0, 5).map((r) => h("li", h("code", r.key), " · ", formatAgo(r.updatedAt))))
        : h("p.muted", "No sessions yet.")));
    const rows = chans.status === "fulfilled" ? channelRows(chans.value) : [];
    body.append(h("section.card", h("h2", "Channels"),
      rows.length
        ? h("ul.plain", rows.map((r) => h("li", h("span.badge", { dataset: { state: r.state } }, r.state), " ", r.label, r.accountId ? ` · ${r.accountId}` : "")))
        : h("p.muted", "No channels configured.")));
  };
  const loop = async () => {
    try { await refresh(); } finally { timer = setTimeout(loop, REFRESH_MS); }
  };
  loop();
  return () => { clearTimeout(timer); refresh = null; };
}

export function onHello() {
  if (refresh) refresh();
}

function card(titleText, rows) {
  return h("section.card", h("h2", titleText),
    h("dl.kv", rows.map(([k, v]) => [h("dt", k), h("dd", v)])));
}

async function fetchProcess(ctx) {
  const response = await fetch(`${ctx.base}ui-api/process`, {
    headers: { Authorization: `Bearer ${ctx.secret()}` },
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`process stats: HTTP ${response.status}`);
  return response.json();
}
