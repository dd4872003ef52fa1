// Sessions: every session with channel, last activity, tokens and model; preview, reset, delete.

import { actionButton, clear, errorText, formatAgo, formatNumber, h, notice } from "../dom.js";

export const title = "Sessions";

let reload = null;

export function mount(ctx, root) {
  const { gw } = ctx;
  const status = h("div");
  const out = h("div");
  const filter = h("input", { type: "search", id: "sessions-filter", placeholder: "Filter by key, label or channel" });
  let rows = [];

  const load = async () => {
    try {
      const res = await gw.request("sessions.list", { includeGlobal: true, limit: 500 });
      rows = res.sessions || [];
      show();
    } catch (err) {
      clear(out).append(notice("error", `Could not list sessions: ${errorText(err)}`));
    }
  };

  const show = () => {
    clear(out);
    const q = filter.value.trim().toLowerCase();
    const shown = rows.filter((r) => !q || [r.key, r.label, r.displayName, channelOf(r)].some((v) => v && String(v).toLowerCase().includes(q)));
    if (!shown.length) {
      out.append(h("p.empty", rows.length ? "No session matches the filter." : "No sessions yet. Start one from Chat."));
      return;
    }
    out.append(h("div.table-wrap", h("table.grid",
      h("caption.sr-only", "Sessions"),
      h("thead", h("tr", ["Session", "Channel", "Last activity", "Tokens", "Model", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", shown.map((r) => row(r))))));
  };

  const row = (r) => {
    const preview = h("td.preview-cell", { colspan: 6, hidden: true });
    const tr = h("tr", { dataset: { key: r.key } },
      h("td", h("code", r.key), r.label ? h("div.muted", r.label) : null),
      h("td", channelOf(r) || "—"),
      h("td", h("time", { datetime: r.updatedAt ? new Date(r.updatedAt).toISOString() : "" }, formatAgo(r.updatedAt))),
      h("td.num", formatNumber(r.totalTokens ?? ((r.inputTokens || 0) + (r.outputTokens || 0)))),
      h("td", [r.modelProvider, r.model].filter(Boolean).join("/") || "—"),
      h("td.actions",
        actionButton("Preview", () => togglePreview(r, preview), "ghost"),
        h("button.ghost", { type: "button", onclick: () => ctx.navigate("chat", { session: r.key }) }, "Open"),
        actionButton("Reset", () => act("sessions.reset", { key: r.key }, `Reset ${r.key}? Its conversation starts over (the old transcript is kept).`)),
        actionButton("Delete", () => act("sessions.delete", { key: r.key, deleteTranscript: true }, `Delete ${r.key} and its transcript? This cannot be undone.`), "danger")));
    return [tr, h("tr.preview-row", preview)];
  };

  const togglePreview = async (r, cell) => {
    if (!cell.hidden) { cell.hidden = true; return; }
    cell.hidden = false;
    clear(cell).append("Loading…");
    try {
      const res = await gw.request("sessions.preview", { keys: [r.key], limit: 12 });
      const p = (res.previews || [])[0];
      clear(cell);
      if (!p || !p.items?.length) { cell.append(h("p.muted", `No messages (${p?.status || "empty"}).`)); return; }
      cell.append(h("ol.preview", p.items.map((it) => h("li", h("strong", `${it.role}: `), it.text))));
    } catch (err) {
      clear(cell).append(notice("error", `Preview failed: ${errorText(err)}`));
    }
  };

  const act = async (method, params, question) => {
    if (!window.confirm(question)) return;
    try {
      await gw.request(method, params);
      if (method === "sessions.delete") forgetChatSession(params.key);
      status.replaceChildren(notice("ok", `${method === "sessions.reset" ? "Reset" : "Deleted"} ${params.key}.`));
    } catch (err) {
      status.replaceChildren(notice("error", `${method} failed: ${errorText(err)}`));
    }
    await load();
  };

  filter.addEventListener("input", show);
  reload = load;
  root.append(
    h("div.page-head", h("h1", { id: "h-sessions" }, "Sessions"),
      h("label.sr-only", { for: "sessions-filter" }, "Filter sessions"), filter,
      actionButton("Refresh", load, "ghost")),
    status, out);
  if (gw.state === "connected") load(); // else onHello loads
  return () => { reload = null; };
}

/** Chat reopens the last session it showed; a deleted one must not come back as "new". */
function forgetChatSession(key) {
  try {
    if (localStorage.getItem("openclaw.control.session") === key) localStorage.removeItem("openclaw.control.session");
  } catch { /* storage disabled */ }
}

function channelOf(r) {
  return r.channel || r.lastChannel || r.deliveryContext?.channel || r.origin?.provider || "";
}

export function onHello() {
  if (reload) reload();
}
