// Config: the file (secrets redacted) in a JSON5 editor with line numbers; the server's
// validation errors point at their line; save (hot reload) or apply (restart), both guarded by
// the base hash of the version that was loaded.

import { clear, errorText, h, notice } from "../dom.js";
import { issueLine, pathLines } from "../json5lines.js";

export const title = "Config";

let api = null;

export function mount(ctx, root) {
  const { gw } = ctx;
  const state = { hash: null, loadedRaw: "", path: "", errorLines: new Set() };
  const info = h("p.muted");
  const result = h("div", { id: "config-result" });
  const issuesBox = h("ul.issues", { id: "config-issues", "aria-label": "Validation problems" });
  const gutter = h("div.gutter", { "aria-hidden": "true" });
  const editor = h("textarea.code-editor", { id: "config-editor", spellcheck: false, wrap: "off", autocapitalize: "off", autocomplete: "off" });
  const effective = h("pre.json");
  const save = h("button.primary", { type: "button", id: "config-save" }, "Save");
  const apply = h("button", { type: "button", id: "config-apply" }, "Save & restart");
  const reload = h("button.ghost", { type: "button", id: "config-reload" }, "Reload");

  root.append(
    h("div.page-head", h("h1", { id: "h-config" }, "Config"), info),
    h("p.muted", "Secrets show as ", h("code", "__OPENCLAW_REDACTED__"), "; leave them as they are to keep the stored values. Save applies the change at once (hot reload, or a restart when the change needs one); Save & restart always restarts."),
    h("div.toolbar", save, apply, reload),
    result,
    issuesBox,
    h("div.editor", gutter, h("label.sr-only", { for: "config-editor" }, "Config file (JSON5)"), editor),
    h("details", h("summary", "Effective config (resolved, secrets redacted)"), effective),
  );

  const renderGutter = () => {
    const count = editor.value.split("\n").length;
    if (gutter.childElementCount !== count || state.errorLines.size || gutter.dataset.marked) {
      const frag = document.createDocumentFragment();
      for (let n = 1; n <= count; n += 1) {
        frag.append(h(`div${state.errorLines.has(n) ? ".bad" : ""}`, { dataset: { line: n } }, String(n)));
      }
      gutter.replaceChildren(frag);
      gutter.dataset.marked = state.errorLines.size ? "1" : "";
    }
    gutter.scrollTop = editor.scrollTop;
  };

  const goToLine = (n) => {
    const lines = editor.value.split("\n");
    const start = lines.slice(0, n - 1).reduce((sum, l) => sum + l.length + 1, 0);
    editor.focus();
    editor.setSelectionRange(start, start + (lines[n - 1] || "").length);
    const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
    editor.scrollTop = Math.max(0, (n - 4) * lineHeight);
    renderGutter();
  };

  const showIssues = (issues, text) => {
    clear(issuesBox);
    state.errorLines = new Set();
    const map = pathLines(text);
    for (const issue of issues) {
      const n = issueLine(issue, text, map);
      if (n) state.errorLines.add(n);
      const message = String(issue.message || "");
      issuesBox.append(h("li",
        n ? h("button.link", { type: "button", dataset: { line: n }, onclick: () => goToLine(n) }, `Line ${n}`) : h("span", "—"),
        " ", h("span.issue-text", message)));
    }
    renderGutter();
  };

  const load = async (force) => {
    // Keep unsaved edits across reconnects; the first load always happens.
    if (!force && state.hash !== null && editor.value !== state.loadedRaw) return;
    try {
      const res = await gw.request("config.get");
      state.hash = res.hash || null;
      state.loadedRaw = res.raw ?? "";
      state.path = res.path || "";
      editor.value = state.loadedRaw;
      info.textContent = `${res.path}${res.exists ? "" : " (not created yet)"}`;
      effective.textContent = JSON.stringify(res.config ?? {}, null, 2);
      showIssues([...(res.issues || []), ...(res.warnings || [])], editor.value);
    } catch (err) {
      result.replaceChildren(notice("error", `Could not read the config: ${errorText(err)}`));
    }
  };

  const submit = async (method) => {
    save.disabled = apply.disabled = true;
    result.replaceChildren(notice("info", method === "config.set" ? "Saving…" : "Saving and restarting…"));
    const text = editor.value;
    const params = { raw: text };
    if (state.hash) params.baseHash = state.hash;
    try {
      const res = await gw.request(method, params);
      showIssues([], text);
      state.loadedRaw = text;
      if (method === "config.set") {
        result.replaceChildren(notice("ok", `Saved to ${res.path}. The gateway applied the new config.`));
        await load(true);
      } else {
        const delay = res.restart?.delayMs ?? 0;
        result.replaceChildren(notice("ok", `Saved to ${res.path}. The gateway restarts in ${Math.round(delay / 100) / 10}s; this page reconnects by itself.`));
      }
    } catch (err) {
      const issues = err.details?.issues;
      if (Array.isArray(issues) && issues.length) {
        showIssues(issues, text);
        result.replaceChildren(notice("error", `Not saved: the gateway found ${issues.length} problem${issues.length > 1 ? "s" : ""} (marked below). Fix them and save again.`));
        const first = issueLine(issues[0], text);
        if (first) goToLine(first);
      } else if (/changed since last load|base hash required/.test(err.message)) {
        result.replaceChildren(notice("error", `Not saved: the file changed on disk since you loaded it. Copy your edits, press Reload, and apply them again. (${err.message})`));
      } else {
        result.replaceChildren(notice("error", `Not saved: ${errorText(err)}`));
      }
    } finally {
      save.disabled = apply.disabled = false;
    }
  };

  editor.addEventListener("input", renderGutter);
  editor.addEventListener("scroll", () => { gutter.scrollTop = editor.scrollTop; });
  editor.addEventListener("keydown", (ev) => {
    if (ev.key === "Tab" && !ev.shiftKey && !ev.ctrlKey && !ev.altKey) {
      // Two spaces, as the file is indented; Escape then Tab still leaves the field.
      if (editor.dataset.tabTraps === "off") return;
      ev.preventDefault();
      editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
      renderGutter();
    } else if (ev.key === "Escape") {
      editor.dataset.tabTraps = "off";
    } else {
      delete editor.dataset.tabTraps;
    }
  });
  save.addEventListener("click", () => submit("config.set"));
  apply.addEventListener("click", () => submit("config.apply"));
  reload.addEventListener("click", () => { result.replaceChildren(); load(true); });
  api = { load };
  if (gw.state === "connected") load(true); // else onHello loads
  return () => { api = null; };
}

export function onHello() {
  if (api) api.load(false);
}
