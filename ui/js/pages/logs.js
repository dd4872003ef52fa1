// Logs: live tail of the gateway's file log (logs.tail with a byte cursor), level filter, search.

import { clear, errorText, h, notice } from "../dom.js";

export const title = "Logs";
const POLL_MS = 2000;
const KEEP_LINES = 3000;
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/** One JSONL record as {time, level, subsystem, message}; unparseable lines stay raw. */
export function parseLine(line) {
  try {
    const rec = JSON.parse(line);
    const level = String(rec._meta?.logLevelName || rec.level || "INFO").toUpperCase();
    let subsystem = rec._meta?.name || "";
    try {
      const head = typeof rec["0"] === "string" ? JSON.parse(rec["0"]) : null;
      if (head && typeof head === "object" && head.subsystem) subsystem = head.subsystem;
    } catch { /* "0" is a message, not a subsystem */ }
    const message = [rec["1"], rec["2"], rec["0"]].find((v) => typeof v === "string" && !v.startsWith('{"subsystem"')) ?? JSON.stringify(rec);
    return { time: rec.time || rec._meta?.date || "", level, subsystem, message };
  } catch {
    return { time: "", level: "INFO", subsystem: "", message: line };
  }
}

export function mount(ctx, root) {
  const { gw } = ctx;
  const state = { cursor: null, entries: [], paused: false, file: "" };
  const level = h("select", { id: "logs-level" }, LEVELS.map((l) => h("option", { value: l, selected: l === "INFO" }, `${l} and above`)));
  const search = h("input", { type: "search", id: "logs-search", placeholder: "Search" });
  const follow = h("input", { type: "checkbox", id: "logs-follow", checked: true });
  const pause = h("button.ghost", { type: "button", id: "logs-pause" }, "Pause");
  const out = h("div.log", { id: "logs-out", role: "log", "aria-label": "Gateway log", tabindex: 0 });
  const status = h("div");
  const fileInfo = h("span.muted");

  root.append(
    h("div.page-head", h("h1", { id: "h-logs" }, "Logs"), fileInfo),
    h("div.toolbar",
      h("label", { for: "logs-level" }, "Level"), level,
      h("label.sr-only", { for: "logs-search" }, "Search the log"), search,
      h("label.check", follow, " Follow"), pause),
    status, out);

  const visible = (e) => {
    if (LEVELS.indexOf(e.level) < LEVELS.indexOf(level.value)) return false;
    const q = search.value.trim().toLowerCase();
    return !q || `${e.subsystem} ${e.message}`.toLowerCase().includes(q);
  };
  const lineNode = (e) => h("div.line", { dataset: { level: e.level } },
    h("span.t", e.time ? e.time.replace(/^.*T/, "").replace(/Z$/, "") : ""), " ",
    h("span.lv", e.level.padEnd(5)), " ",
    e.subsystem ? h("span.sub", `[${e.subsystem}]`) : null, e.subsystem ? " " : null,
    h("span.m", e.message));
  const redraw = () => {
    clear(out);
    const frag = document.createDocumentFragment();
    for (const e of state.entries) if (visible(e)) frag.append(lineNode(e));
    out.append(frag);
    if (follow.checked) out.scrollTop = out.scrollHeight;
  };
  const add = (lines) => {
    const fresh = lines.map(parseLine);
    state.entries.push(...fresh);
    const excess = state.entries.length - KEEP_LINES;
    if (excess > 0) { state.entries.splice(0, excess); redraw(); return; }
    for (const e of fresh) if (visible(e)) out.append(lineNode(e));
    if (follow.checked) out.scrollTop = out.scrollHeight;
  };

  let timer = null;
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    if (!state.paused && gw.state === "connected") {
      try {
        const params = state.cursor === null ? { limit: 500, maxBytes: 250000 } : { cursor: state.cursor, limit: 1000, maxBytes: 250000 };
        const res = await gw.request("logs.tail", params);
        if (res.reset) { state.entries = []; redraw(); }
        state.cursor = res.cursor;
        fileInfo.textContent = res.file || "";
        status.replaceChildren();
        if (res.lines?.length) add(res.lines);
      } catch (err) {
        status.replaceChildren(notice("error", `Could not read the log: ${errorText(err)}`));
      }
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  level.addEventListener("change", redraw);
  search.addEventListener("input", redraw);
  pause.addEventListener("click", () => {
    state.paused = !state.paused;
    pause.textContent = state.paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(state.paused));
  });
  poll();
  return () => { stopped = true; clearTimeout(timer); };
}
