// Channels: every channel account's state and last error, with an on-demand probe.

import { actionButton, clear, errorText, formatAgo, h, notice } from "../dom.js";

export const title = "Channels";

/** Flattens any `channels.status` result into one row per account. */
export function channelRows(res) {
  if (!res || typeof res !== "object") return [];
  const channels = isObject(res.channels) ? res.channels : {};
  const accountsById = isObject(res.channelAccounts) ? res.channelAccounts : {};
  const ids = [...new Set([...(Array.isArray(res.channelOrder) ? res.channelOrder : []), ...Object.keys(channels), ...Object.keys(accountsById)])];
  const rows = [];
  for (const id of ids) {
    const label = (isObject(res.channelLabels) && res.channelLabels[id]) || id;
    const entry = channels[id];
    let accounts = [];
    if (isObject(entry) && Array.isArray(entry.accounts)) accounts = entry.accounts;
    else if (Array.isArray(accountsById[id])) accounts = accountsById[id];
    else if (isObject(entry)) accounts = [entry];
    if (!accounts.length) rows.push({ channel: id, label, accountId: "", state: "not configured", lastError: null, raw: entry ?? null });
    for (const acc of accounts) {
      if (!isObject(acc)) continue;
      rows.push({
        channel: id,
        label,
        accountId: String(acc.accountId ?? acc.id ?? ""),
        state: String(acc.state ?? (acc.connected ? "connected" : acc.running ? "running" : acc.configured === false ? "not configured" : "unknown")),
        lastError: acc.lastError ?? acc.error ?? null,
        since: acc.lastConnectedAt ?? acc.connectedAt ?? null,
        raw: acc,
      });
    }
  }
  return rows;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

let reload = null;

export function mount(ctx, root) {
  const out = h("div");
  const stamp = h("span.muted");
  const load = async (probe) => {
    try {
      const res = await ctx.gw.request("channels.status", { probe, timeoutMs: 8000 });
      show(res, probe);
    } catch (err) {
      clear(out).append(notice("error", `Could not read channel status: ${errorText(err)}`));
    }
  };
  const show = (res, probed) => {
    clear(out);
    stamp.textContent = `${probed ? "Probed" : "Updated"} ${new Date(res.ts || Date.now()).toLocaleTimeString()}`;
    const rows = channelRows(res);
    if (!rows.length) {
      out.append(h("p.empty", "No channels are configured. Add one under ", h("code", "channels"), " in the config."));
      return;
    }
    out.append(h("div.table-wrap", h("table.grid",
      h("thead", h("tr", ["Channel", "Account", "State", "Last error", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", rows.map((r) => h("tr",
        h("td", r.label),
        h("td", r.accountId || "—"),
        h("td", h("span.badge", { dataset: { state: r.state } }, r.state), r.since ? h("div.muted", `last connected ${formatAgo(r.since)}`) : null),
        h("td", r.lastError ? h("span.error-text", typeof r.lastError === "string" ? r.lastError : JSON.stringify(r.lastError)) : "—"),
        h("td", h("details", h("summary", "Details"), h("pre.json", JSON.stringify(r.raw, null, 2)))),
      ))))));
  };
  reload = () => load(false);
  root.append(
    h("div.page-head", h("h1", { id: "h-channels" }, "Channels"), stamp,
      actionButton("Probe now", () => load(true)),
      actionButton("Refresh", () => load(false), "ghost")),
    out,
  );
  if (ctx.gw.state === "connected") load(false); // else onHello loads
  const timer = setInterval(() => { if (ctx.gw.state === "connected") load(false); }, 15000);
  return () => { clearInterval(timer); reload = null; };
}

export function onHello() {
  if (reload) reload();
}
