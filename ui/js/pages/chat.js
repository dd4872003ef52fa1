// Chat: pick an agent and a session, read its history, send, watch the reply stream, stop it.

import { clear, errorText, h, notice } from "../dom.js";
import { renderMarkdown } from "../markdown.js";

export const title = "Chat";
const PAGE_SIZE = 50;
const SESSION_KEY = "openclaw.control.session";

let api = null;

function newId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** Text of a message's content (string or parts). */
function textOf(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter((p) => p && p.type === "text").map((p) => p.text || "").join("");
}

function prettyJson(value) {
  if (typeof value === "string") {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

function toolBlock(kind, name, body, isError) {
  return h(`details.tool${isError ? ".failed" : ""}`,
    h("summary", h("span.tool-kind", kind), " ", h("code", name || "tool"), isError ? " (failed)" : ""),
    h("pre.json", body));
}

/** One transcript message as a bubble (or null for roles not shown). */
export function messageNode(message) {
  const role = message?.role;
  if (role === "user") {
    return h("article.msg.user", { "aria-label": "You" }, h("div.body.plain", textOf(message.content)));
  }
  if (role === "assistant") {
    const body = h("div.body");
    const parts = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content || [];
    for (const part of parts) {
      if (!part) continue;
      if (part.type === "text") body.append(h("div.md", renderMarkdown(part.text || "")));
      else if (part.type === "toolCall" || part.type === "tool_use") body.append(toolBlock("Tool call", part.name, prettyJson(part.arguments ?? part.input ?? {})));
      else if (part.type === "thinking") body.append(h("details.thinking", h("summary", "Thinking"), h("div.plain", part.thinking || "")));
    }
    const meta = [message.model, message.stopReason && message.stopReason !== "stop" && message.stopReason !== "toolUse" ? message.stopReason : null].filter(Boolean).join(" · ");
    return h("article.msg.assistant", { "aria-label": "Assistant" }, body, meta ? h("div.meta", meta) : null);
  }
  if (role === "toolResult") {
    return h("article.msg.toolresult", toolBlock("Tool result", message.toolName, textOf(message.content) || prettyJson(message.content), message.isError));
  }
  return null;
}

export function mount(ctx, root) {
  const { gw } = ctx;
  // `ended` remembers finished runs: with a fast model the final event can beat the ack.
  const state = { agentId: null, sessionKey: null, limit: PAGE_SIZE, runId: null, streaming: null, hasMore: false, ended: new Set() };
  const agentSelect = h("select", { id: "chat-agent" });
  const sessionSelect = h("select", { id: "chat-session" });
  const list = h("div.messages", { role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  const older = h("button.ghost.older", { type: "button", hidden: true }, "Load older messages");
  const status = h("div.chat-status");
  const input = h("textarea", { id: "chat-input", rows: 3, placeholder: "Message (Enter to send, Shift+Enter for a new line)" });
  const send = h("button.primary", { type: "submit", id: "chat-send" }, "Send");
  const stop = h("button.danger", { type: "button", id: "chat-stop", hidden: true }, "Stop");
  const form = h("form.composer", h("label.sr-only", { for: "chat-input" }, "Message"), input, h("div.actions", stop, send));

  root.append(
    h("div.page-head", h("h1", { id: "h-chat" }, "Chat"),
      h("label", { for: "chat-agent" }, "Agent"), agentSelect,
      h("label", { for: "chat-session" }, "Session"), sessionSelect,
      h("button.ghost", { type: "button", id: "chat-new", onclick: newSession }, "New session")),
    h("div.chat", older, list, status, form),
  );

  function defaultKey(agentId) {
    return `agent:${agentId}:${state.mainKey || "main"}`;
  }

  async function loadAgents() {
    const res = await gw.request("agents.list");
    state.mainKey = res.mainKey || "main";
    clear(agentSelect);
    for (const a of res.agents || []) agentSelect.append(h("option", { value: a.id }, a.name ? `${a.name} (${a.id})` : a.id));
    let saved = null;
    try { saved = localStorage.getItem(SESSION_KEY); } catch { /* none */ }
    // On a reconnect keep what is on screen; on first load a `?session=` link wins.
    const wanted = state.sessionKey || ctx.params.get("session") || saved;
    const agentFromKey = wanted?.match(/^agent:([^:]+):/)?.[1];
    const known = (res.agents || []).map((a) => a.id);
    state.agentId = known.includes(agentFromKey) ? agentFromKey : res.defaultId || known[0] || "main";
    agentSelect.value = state.agentId;
    state.sessionKey = agentFromKey === state.agentId ? wanted : defaultKey(state.agentId);
  }

  async function loadSessions() {
    let rows = [];
    try {
      const res = await gw.request("sessions.list", { agentId: state.agentId, limit: 200 });
      rows = (res.sessions || []).filter((s) => s.key.startsWith(`agent:${state.agentId}:`));
    } catch (err) {
      status.replaceChildren(notice("error", `Could not list sessions: ${errorText(err)}`));
    }
    clear(sessionSelect);
    const keys = new Set(rows.map((r) => r.key));
    if (!keys.has(state.sessionKey)) sessionSelect.append(h("option", { value: state.sessionKey }, `${state.sessionKey} (new)`));
    for (const r of rows) sessionSelect.append(h("option", { value: r.key }, r.label || r.displayName || r.key));
    sessionSelect.value = state.sessionKey;
  }

  async function loadHistory(keepScroll) {
    const key = state.sessionKey;
    try {
      const res = await gw.request("chat.history", { sessionKey: key, limit: state.limit });
      if (key !== state.sessionKey) return;
      const messages = res.messages || [];
      state.hasMore = messages.length >= state.limit;
      const before = list.scrollHeight - list.scrollTop;
      clear(list);
      if (!messages.length) list.append(h("p.empty", "No messages yet. Say hello."));
      for (const m of messages) {
        const node = messageNode(m);
        if (node) list.append(node);
      }
      if (state.streaming) list.append(state.streaming.node);
      older.hidden = !state.hasMore;
      if (keepScroll) list.scrollTop = list.scrollHeight - before;
      else list.scrollTop = list.scrollHeight;
      // Time-to-interactive probe for the browser tests: first history shown, composer usable.
      if (!performance.getEntriesByName("openclaw:chat-ready").length) performance.mark("openclaw:chat-ready");
    } catch (err) {
      clear(list).append(notice("error", `Could not load the history of ${key}: ${errorText(err)}`));
    }
  }

  function remember() {
    try { localStorage.setItem(SESSION_KEY, state.sessionKey); } catch { /* not remembered */ }
  }

  async function reloadAll() {
    if (gw.state !== "connected") return;
    try {
      await loadAgents();
      await loadSessions();
      await loadHistory(false);
    } catch (err) {
      status.replaceChildren(notice("error", errorText(err)));
    }
  }

  function newSession() {
    state.sessionKey = `agent:${state.agentId}:ui-${Date.now().toString(36)}`;
    state.limit = PAGE_SIZE;
    setRunning(null);
    remember();
    loadSessions();
    clear(list).append(h("p.empty", "New session. Say hello."));
    input.focus();
  }

  function setRunning(runId) {
    state.runId = runId;
    stop.hidden = !runId;
    if (!runId) state.streaming = null;
  }

  function streamingBubble() {
    if (!state.streaming) {
      const body = h("div.body", h("div.md"));
      // aria-busy: screen readers announce the reply once, not every 150 ms update.
      const node = h("article.msg.assistant.streaming", { "aria-label": "Assistant (typing)", "aria-busy": "true" }, body);
      state.streaming = { node, body };
      list.querySelector(".empty")?.remove();
      list.append(node);
    }
    return state.streaming;
  }

  function onChat(ev) {
    const p = ev.detail || {};
    if (p.sessionKey !== state.sessionKey) return;
    if (p.state === "delta") {
      if (!state.runId) setRunning(p.runId);
      const bubble = streamingBubble();
      const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
      bubble.body.replaceChildren(h("div.md", renderMarkdown(textOf(p.message?.content))));
      if (nearBottom) list.scrollTop = list.scrollHeight;
      return;
    }
    if (p.state === "final" || p.state === "aborted" || p.state === "error") {
      state.ended.add(p.runId);
      const bubble = state.streaming;
      if (p.state === "error") status.replaceChildren(notice("error", `The reply failed: ${p.errorMessage || "unknown error"}`));
      else if (p.state === "aborted") status.replaceChildren(notice("info", "Reply stopped."));
      else status.replaceChildren();
      if (bubble) {
        bubble.node.classList.remove("streaming");
        bubble.node.removeAttribute("aria-busy");
      }
      setRunning(null);
      loadHistory(false).then(loadSessions);
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    const key = state.sessionKey;
    send.disabled = true;
    status.replaceChildren();
    try {
      list.querySelector(".empty")?.remove();
      list.append(h("article.msg.user.pending", { "aria-label": "You" }, h("div.body.plain", text)));
      list.scrollTop = list.scrollHeight;
      input.value = "";
      const res = await gw.request("chat.send", { sessionKey: key, message: text, deliver: false, idempotencyKey: newId() });
      remember();
      const running = res?.status === "started" || res?.status === "in_flight";
      if (running && !state.ended.has(res.runId)) setRunning(res.runId);
      if (res?.aborted !== undefined) loadHistory(false);
    } catch (err) {
      input.value = text;
      status.replaceChildren(notice("error", `Not sent: ${errorText(err)}`));
    } finally {
      send.disabled = false;
    }
  }

  async function abort() {
    stop.disabled = true;
    try {
      const params = { sessionKey: state.sessionKey };
      if (state.runId) params.runId = state.runId;
      const res = await gw.request("chat.abort", params);
      if (!res.aborted) status.replaceChildren(notice("info", "Nothing was running."));
      setRunning(null);
    } catch (err) {
      status.replaceChildren(notice("error", `Could not stop the reply: ${errorText(err)}`));
    } finally {
      stop.disabled = false;
    }
  }

  form.addEventListener("submit", submit);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  stop.addEventListener("click", abort);
  older.addEventListener("click", () => { state.limit += PAGE_SIZE; loadHistory(true); });
  agentSelect.addEventListener("change", () => {
    state.agentId = agentSelect.value;
    state.sessionKey = defaultKey(state.agentId);
    state.limit = PAGE_SIZE;
    setRunning(null);
    remember();
    loadSessions().then(() => loadHistory(false));
  });
  sessionSelect.addEventListener("change", () => {
    state.sessionKey = sessionSelect.value;
    state.limit = PAGE_SIZE;
    setRunning(null);
    remember();
    loadHistory(false);
  });
  gw.addEventListener("event:chat", onChat);
  api = { reloadAll };
  reloadAll();
  return () => {
    gw.removeEventListener("event:chat", onChat);
    api = null;
  };
}

export function onHello() {
  if (api) api.reloadAll();
}
