// The Gateway WebSocket client: challenge → connect → requests and events, with reconnect.
//
// The UI connects as client id "webchat-ui" in mode "ui" with the shared token/password and no
// device identity (see docs/control-ui.md for why). It offers protocol 3..4; the server picks 4.

const CLIENT_ID = "webchat-ui";
const CLIENT_MODE = "ui";
const SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"];
const CHALLENGE_WAIT_MS = 2000;
const REQUEST_TIMEOUT_MS = 30000;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 15000;

/** An error answered by the gateway (`{code, message, details}`) or raised locally. */
export class GatewayError extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

function newId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/**
 * States: "idle" (no secret), "connecting", "connected", "waiting" (reconnect scheduled),
 * "rejected" (the secret was refused: no retry until a new one is given).
 */
export class Gateway extends EventTarget {
  constructor(url, version) {
    super();
    this.url = url;
    this.version = version || "dev";
    this.secret = null;
    this.ws = null;
    this.state = "idle";
    this.detail = "";
    this.hello = null;
    this.pending = new Map();
    this.attempt = 0;
    this.retryTimer = null;
    this.tickTimer = null;
    this.lastFrameAt = 0;
  }

  /** Starts (or restarts) with this secret. */
  start(secret) {
    this.secret = secret;
    this.attempt = 0;
    this.stop();
    this.open();
  }

  /** Closes and stops reconnecting. */
  stop() {
    clearTimeout(this.retryTimer);
    clearInterval(this.tickTimer);
    this.retryTimer = null;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      try { ws.close(1000, "client closing"); } catch { /* already closed */ }
    }
    this.failPending("the connection to the gateway was closed; retry when it is back");
    this.setState("idle", "");
  }

  setState(state, detail) {
    this.state = state;
    this.detail = detail || "";
    this.dispatchEvent(new CustomEvent("state", { detail: { state, detail: this.detail } }));
  }

  open() {
    if (!this.secret) return;
    this.setState("connecting", this.attempt ? `attempt ${this.attempt + 1}` : "");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleRetry(`cannot open ${this.url}: ${err.message}`);
      return;
    }
    this.ws = ws;
    let challenged = false;
    let connectSent = false;
    let rejected = null;
    const sendConnect = (nonce) => {
      if (connectSent) return;
      connectSent = true;
      this.sendConnect(ws, nonce).then(
        (hello) => this.onHello(hello),
        (err) => {
          rejected = err;
          this.dispatchEvent(new CustomEvent("rejected", { detail: err }));
        },
      );
    };
    const challengeTimer = setTimeout(() => sendConnect(undefined), CHALLENGE_WAIT_MS);
    ws.onmessage = (msg) => {
      this.lastFrameAt = Date.now();
      let frame;
      try { frame = JSON.parse(msg.data); } catch { return; }
      if (!challenged && frame.type === "event" && frame.event === "connect.challenge") {
        challenged = true;
        clearTimeout(challengeTimer);
        sendConnect(frame.payload?.nonce);
        return;
      }
      this.onFrame(frame);
    };
    ws.onclose = (ev) => {
      clearTimeout(challengeTimer);
      clearInterval(this.tickTimer);
      if (this.ws !== ws) return;
      this.ws = null;
      this.hello = null;
      this.failPending("the connection to the gateway was lost; retry when it is back");
      if (rejected && isAuthRejection(rejected)) {
        this.setState("rejected", rejected.message);
        return;
      }
      const why = rejected ? rejected.message : ev.reason || closeText(ev.code);
      this.scheduleRetry(why);
    };
  }

  async sendConnect(ws, nonce) {
    const params = {
      minProtocol: 3,
      maxProtocol: 4,
      client: {
        id: CLIENT_ID,
        version: this.version,
        platform: (navigator.platform || "web").slice(0, 64) || "web",
        mode: CLIENT_MODE,
        instanceId: instanceId(),
      },
      caps: [],
      role: "operator",
      scopes: SCOPES,
      // Both fields: the UI cannot know whether the gateway runs in token or password mode.
      auth: { token: this.secret, password: this.secret },
      userAgent: navigator.userAgent,
      locale: navigator.language,
    };
    void nonce; // No device identity is signed, so the nonce is not needed.
    return this.rawRequest(ws, "connect", params);
  }

  onHello(hello) {
    this.hello = hello;
    this.attempt = 0;
    this.setState("connected", `protocol ${hello.protocol}`);
    const tickMs = hello.policy?.tickIntervalMs || 30000;
    clearInterval(this.tickTimer);
    // The server ticks every interval; silence for two means the link is dead.
    this.tickTimer = setInterval(() => {
      if (this.ws && Date.now() - this.lastFrameAt > tickMs * 2 + 5000) {
        this.ws.close(4000, "tick timeout");
      }
    }, Math.min(tickMs, 10000));
    this.dispatchEvent(new CustomEvent("hello", { detail: hello }));
  }

  scheduleRetry(reason) {
    if (!this.secret) return;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 1.7 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    const seconds = Math.max(1, Math.round(delay / 1000));
    this.setState("waiting", `${reason}; retrying in ${seconds}s`);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Reconnects now (the "Retry" button). */
  retryNow() {
    if (this.state === "waiting" || this.state === "rejected") {
      clearTimeout(this.retryTimer);
      this.open();
    }
  }

  onFrame(frame) {
    if (frame.type === "res") {
      const entry = this.pending.get(frame.id);
      if (!entry) return;
      this.pending.delete(frame.id);
      clearTimeout(entry.timer);
      if (frame.ok) entry.resolve(frame.payload);
      else {
        const e = frame.error || {};
        entry.reject(new GatewayError(e.code || "ERROR", e.message || "request failed", e.details));
      }
    } else if (frame.type === "event") {
      if (frame.event === "shutdown") {
        this.setState("waiting", "gateway restarting");
      }
      this.dispatchEvent(new CustomEvent("event", { detail: frame }));
      this.dispatchEvent(new CustomEvent(`event:${frame.event}`, { detail: frame.payload }));
    }
  }

  rawRequest(ws, method, params) {
    const id = newId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayError("TIMEOUT", `${method} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s; check the gateway and retry`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ type: "req", id, method, params }));
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new GatewayError("OFFLINE", `cannot send ${method}: ${err.message}`));
      }
    });
  }

  /** Calls a method; rejects with GatewayError. */
  request(method, params = {}) {
    if (!this.ws || this.state !== "connected") {
      return Promise.reject(new GatewayError("OFFLINE", `not connected to the gateway (${this.detail || this.state}); ${method} was not sent`));
    }
    return this.rawRequest(this.ws, method, params);
  }

  failPending(message) {
    for (const [, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new GatewayError("OFFLINE", message));
    }
    this.pending.clear();
  }
}

function isAuthRejection(err) {
  const text = `${err.message}`;
  return /unauthorized|token|password|device identity/i.test(text) && !/too many/i.test(text);
}

function closeText(code) {
  switch (code) {
    case 1006: return "connection lost";
    case 1012: return "gateway restarting";
    case 1008: return "refused by the gateway";
    default: return `connection closed (${code})`;
  }
}

function instanceId() {
  try {
    let id = sessionStorage.getItem("openclaw.instance");
    if (!id) {
      id = newId();
      sessionStorage.setItem("openclaw.instance", id);
    }
    return id;
  } catch {
    return newId();
  }
}
