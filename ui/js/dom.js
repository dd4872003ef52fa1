// Tiny DOM helpers. Text always goes in as text nodes: nothing here parses HTML.

/**
 * h("button.primary", {onclick, type: "button"}, "Label", child…)
 * Attributes starting with "on" become listeners; `null`/`false` values are skipped.
 */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className += ` ${value}`;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** A dismissible message box; kind: "error" | "ok" | "info". */
export function notice(kind, ...content) {
  return h(`p.notice.${kind}`, { role: kind === "error" ? "alert" : "status" }, ...content);
}

export function formatBytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${s % 60}s`;
  return `${s}s`;
}

/** "5m 3s ago" for an epoch-ms number or an ISO-8601 string. */
export function formatAgo(ts) {
  const at = typeof ts === "string" ? Date.parse(ts) : ts;
  if (!at || !Number.isFinite(at)) return "—";
  const ms = Date.now() - at;
  if (ms < 0) return "just now";
  return `${formatDuration(ms)} ago`;
}

export function formatNumber(n) {
  return typeof n === "number" ? n.toLocaleString() : "—";
}

/** A button that disables itself while its async action runs. */
export function actionButton(label, action, cls = "") {
  const button = h(`button${cls ? `.${cls}` : ""}`, { type: "button" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try { await action(button); } finally { button.disabled = false; }
  });
  return button;
}

/** Plain-text message of an error for display. */
export function errorText(err) {
  if (!err) return "unknown error";
  return err.message || String(err);
}
