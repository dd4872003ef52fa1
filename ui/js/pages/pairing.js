// Pairing: people who messaged a channel and wait for approval (channels.pairing.*).

import { actionButton, clear, errorText, formatAgo, h, notice } from "../dom.js";

export const title = "Pairing";
const POLL_MS = 5000;

let reload = null;

export function mount(ctx, root) {
  const { gw } = ctx;
  const status = h("div", { id: "pairing-status" });
  const out = h("div", { id: "pairing-out" });
  const notify = h("input", { type: "checkbox", id: "pairing-notify", checked: true });

  const load = async () => {
    try {
      const res = await gw.request("channels.pairing.list", {});
      show(res.requests || []);
    } catch (err) {
      clear(out).append(notice("error", `Pairing requests are unavailable: ${errorText(err)}`,
        /unknown method/i.test(err.message) ? " (this gateway does not support channel pairing yet)." : ""));
    }
  };

  const show = (requests) => {
    clear(out);
    if (!requests.length) {
      out.append(h("p.empty", "No pending pairing requests. When someone messages a channel whose access policy is “pairing”, their request appears here."));
      return;
    }
    out.append(h("div.table-wrap", h("table.grid",
      h("thead", h("tr", ["Channel", "Sender", "Code", "Requested", "Last seen", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", requests.map((r) => h("tr", { dataset: { request: r.requestId } },
        h("td", r.channel, r.accountId ? h("div.muted", r.accountId) : null),
        h("td", h("code", r.senderId), r.metadata?.name || r.metadata?.username ? h("div.muted", r.metadata.name || r.metadata.username) : null),
        h("td", h("code.code-big", r.code || "—")),
        h("td", formatAgo(r.createdAt)),
        h("td", formatAgo(r.lastSeenAt)),
        h("td.actions",
          actionButton("Approve", () => decide("approve", r), "primary"),
          actionButton("Deny", () => decide("dismiss", r), "danger"))))))));
  };

  const decide = async (what, r) => {
    const params = { channel: r.channel, requestId: r.requestId };
    if (r.accountId) params.accountId = r.accountId;
    if (what === "approve") params.notify = notify.checked;
    try {
      const res = await gw.request(`channels.pairing.${what}`, params);
      if (what === "approve") {
        const note = { sent: "they were told", failed: "telling them failed", "not-requested": "they were not told" }[res.notification] || "";
        status.replaceChildren(notice("ok", `Approved ${res.senderId || r.senderId} on ${r.channel}${note ? `; ${note}` : ""}.`));
      } else {
        status.replaceChildren(notice("ok", `Denied ${r.senderId} on ${r.channel}.`));
      }
    } catch (err) {
      status.replaceChildren(notice("error", `Could not ${what === "approve" ? "approve" : "deny"} ${r.senderId}: ${errorText(err)}`));
    }
    await load();
  };

  reload = load;
  root.append(
    h("div.page-head", h("h1", { id: "h-pairing" }, "Pairing"),
      h("label.check", notify, " Tell approved senders"),
      actionButton("Refresh", load, "ghost")),
    status, out);
  if (gw.state === "connected") load(); // else onHello loads
  const timer = setInterval(() => { if (gw.state === "connected") load(); }, POLL_MS);
  return () => { clearInterval(timer); reload = null; };
}

export function onHello() {
  if (reload) reload();
}
