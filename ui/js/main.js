// Boot: read the secret (tokenized link, saved, or login form), connect, route between pages.

import { Gateway } from "./gateway.js";
import { clear, h, notice } from "./dom.js";
import * as overview from "./pages/overview.js";
import * as chat from "./pages/chat.js";
import * as sessions from "./pages/sessions.js";
import * as channels from "./pages/channels.js";
import * as pairing from "./pages/pairing.js";
import * as config from "./pages/config.js";
import * as logs from "./pages/logs.js";

const PAGES = { overview, chat, sessions, channels, pairing, config, logs };
const DEFAULT_ROUTE = "chat";
const SECRET_KEY = "openclaw.control.secret";
const THEME_KEY = "openclaw.control.theme";

const base = document.querySelector('meta[name="openclaw-base"]')?.content || "/";
const version = document.querySelector('meta[name="openclaw-version"]')?.content || "dev";
const $ = (id) => document.getElementById(id);

const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${base}`;
const gw = new Gateway(wsUrl, version);
const ctx = { gw, base, navigate, secret: () => gw.secret, params: new URLSearchParams() };
let current = null; // { route, page, cleanup }

function loadSecret() {
  try { return localStorage.getItem(SECRET_KEY) || sessionStorage.getItem(SECRET_KEY); } catch { return null; }
}

function saveSecret(secret, remember) {
  try {
    localStorage.removeItem(SECRET_KEY);
    sessionStorage.removeItem(SECRET_KEY);
    if (secret) (remember ? localStorage : sessionStorage).setItem(SECRET_KEY, secret);
  } catch { /* storage disabled: the secret lives for this page only */ }
}

/** `#token=…` (as `openclaw dashboard` prints) or `?token=…`: used once, then removed from the URL. */
function consumeLinkSecret() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(location.search);
  const secret = hash.get("token") || hash.get("password") || query.get("token");
  if (!secret) return null;
  query.delete("token");
  const search = query.toString();
  history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
  return secret;
}

function routeFromPath() {
  const rest = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : "";
  const route = rest.split("/")[0];
  return PAGES[route] ? route : DEFAULT_ROUTE;
}

function navigate(route, params) {
  const search = params ? `?${new URLSearchParams(params)}` : "";
  history.pushState(null, "", `${base}${route}${search}`);
  render();
}

function render() {
  const route = routeFromPath();
  ctx.params = new URLSearchParams(location.search);
  for (const a of document.querySelectorAll("#nav a")) {
    a.href = `${base}${a.dataset.route}`;
    if (a.dataset.route === route) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (current?.cleanup) current.cleanup();
  current = null;
  const view = clear($("view"));
  if (!gw.secret) return;
  const page = PAGES[route];
  document.title = `${page.title} · OpenClaw Control`;
  const container = h("section.page", { "aria-labelledby": `h-${route}`, dataset: { page: route } });
  view.append(container);
  current = { route, page, cleanup: page.mount(ctx, container) };
}

function showLogin(message) {
  $("login").hidden = false;
  $("nav").hidden = true;
  $("logout").hidden = true;
  clear($("view"));
  const err = $("login-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("login-secret").focus();
}

function showApp() {
  $("login").hidden = true;
  $("nav").hidden = false;
  $("logout").hidden = false;
}

function login(secret, remember) {
  saveSecret(secret, remember);
  showApp();
  gw.start(secret);
  render();
}

function logout() {
  saveSecret(null);
  gw.secret = null;
  gw.stop();
  if (current?.cleanup) current.cleanup();
  current = null;
  showLogin("");
}

const STATE_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  connected: "Connected",
  waiting: "Reconnecting",
  rejected: "Sign-in refused",
};

gw.addEventListener("state", (ev) => {
  const { state, detail } = ev.detail;
  const pill = $("conn");
  pill.dataset.state = state;
  clear(pill);
  pill.append(STATE_TEXT[state] || state);
  if (detail && state !== "connected") pill.append(h("span.detail", `: ${detail}`));
  if (state === "waiting") {
    pill.append(" ", h("button.link", { type: "button", onclick: () => gw.retryNow() }, "Retry now"));
  }
  if (state === "rejected") {
    // A remembered secret that the gateway refuses (rotated token) must not be retried on reload.
    saveSecret(null);
    showLogin(`The gateway refused this secret: ${detail}. Paste the current gateway token or password.`);
  }
});

// Pages reload their data on every (re)connect.
gw.addEventListener("hello", () => {
  if (current?.page.onHello) current.page.onHello();
  else render();
});

function applyTheme(theme) {
  if (theme === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.dataset.theme = theme;
  $("theme").textContent = `Theme: ${theme}`;
}

function initTheme() {
  let theme = "auto";
  try { theme = localStorage.getItem(THEME_KEY) || "auto"; } catch { /* default */ }
  applyTheme(theme);
  $("theme").addEventListener("click", () => {
    const order = ["auto", "light", "dark"];
    const now = document.documentElement.dataset.theme || "auto";
    const next = order[(order.indexOf(now) + 1) % order.length];
    try { localStorage.setItem(THEME_KEY, next); } catch { /* not remembered */ }
    applyTheme(next);
  });
}

function init() {
  initTheme();
  // The policy allows no inline code; a violation is a bug worth seeing (the tests count them).
  document.addEventListener("securitypolicyviolation", (ev) => {
    const root = document.documentElement;
    root.dataset.cspViolations = String(Number(root.dataset.cspViolations || 0) + 1);
    console.warn(`Content-Security-Policy blocked ${ev.blockedURI || "inline code"} (${ev.violatedDirective})`);
  });
  $("nav").addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-route]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    navigate(a.dataset.route);
    $("main").focus();
  });
  window.addEventListener("popstate", render);
  // A tokenized link opened on an already loaded page only changes the fragment.
  window.addEventListener("hashchange", () => {
    const secret = consumeLinkSecret();
    if (secret) login(secret, true);
  });
  $("logout").addEventListener("click", logout);
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const secret = $("login-secret").value.trim();
    if (!secret) return;
    $("login-secret").value = "";
    login(secret, $("login-remember").checked);
  });
  const fromLink = consumeLinkSecret();
  const secret = fromLink || loadSecret();
  if (secret) login(secret, true);
  else showLogin("");
}

try {
  init();
} catch (err) {
  $("view").append(notice("error", `The Control UI failed to start: ${err.message}. Reload the page; if it persists, report it with the browser console output.`));
}
