//! Tool settings resolved from config: `tools.exec`, `tools.web.fetch`, and the per-agent
//! `agents.list[].tools` block, whose keys override the global ones field by field (as
//! OpenClaw's `resolveExecConfig` does).
//!
//! # The exec security default
//!
//! OpenClaw 2026.1.29 routes exec to host `sandbox` by default and computes security `deny` for
//! it, but only enforces security on the `gateway`/`node` hosts. With the sandbox off (its
//! default) the command therefore runs directly on the gateway host with no check at all. We make
//! that effective behaviour explicit: with no `security` configured, host `sandbox` resolves to
//! [`ExecSecurity::Full`] and host `gateway` to [`ExecSecurity::Allowlist`] (OpenClaw's default
//! there). A configured `security` is always enforced, whatever the host — stricter than OpenClaw,
//! never looser.
//!
//! # Private-network opt-in for `web_fetch`
//!
//! OpenClaw's `web_fetch` has no switch to reach loopback/private addresses (only
//! `ssrfPolicy.allowRfc2544BenchmarkRange` and `ssrfPolicy.allowIpv6UniqueLocalRange`). We add
//! `tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork` (OpenClaw's name for the same
//! switch on `browser.ssrfPolicy`; `allowPrivateNetwork` is accepted as an alias).

use std::time::Duration;

use openclaw_config::Config;
use serde_json::{Map, Value};

/// `tools.exec.timeoutSec` default.
pub const DEFAULT_EXEC_TIMEOUT_SECS: u64 = 1800;
/// Output kept from one exec run (OpenClaw keeps 200 000 characters).
pub const DEFAULT_EXEC_MAX_OUTPUT_BYTES: usize = 200_000;
/// Binaries that only filter stdin, allowed in `allowlist` mode when `safeBins` is unset.
pub const DEFAULT_SAFE_BINS: [&str; 7] = ["jq", "cut", "uniq", "head", "tail", "tr", "wc"];
/// `tools.web.fetch.maxChars` default (also the default `maxCharsCap`).
pub const DEFAULT_WEB_FETCH_MAX_CHARS: usize = 50_000;
/// Smallest `maxChars` a call may ask for.
pub const MIN_WEB_FETCH_MAX_CHARS: usize = 100;
/// `tools.web.fetch.maxResponseBytes` default, and its clamp range.
pub const DEFAULT_WEB_FETCH_MAX_RESPONSE_BYTES: usize = 2_000_000;
const WEB_FETCH_MAX_RESPONSE_BYTES_RANGE: (usize, usize) = (32_000, 10_000_000);
/// `tools.web.fetch.timeoutSeconds` default.
pub const DEFAULT_WEB_FETCH_TIMEOUT_SECS: u64 = 30;
/// `tools.web.fetch.maxRedirects` default.
pub const DEFAULT_WEB_FETCH_MAX_REDIRECTS: usize = 3;
/// A browser-like User-Agent: many sites refuse obvious bots, which is why OpenClaw sends one too.
pub const DEFAULT_WEB_FETCH_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";

/// Where exec runs (`tools.exec.host`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecHost {
    /// The sandbox container when sandboxing is on; the gateway host when it is off.
    Sandbox,
    Gateway,
    /// A paired node (not supported by this build: exec refuses).
    Node,
}

impl ExecHost {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Some(Self::Sandbox),
            "gateway" => Some(Self::Gateway),
            "node" => Some(Self::Node),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Gateway => "gateway",
            Self::Node => "node",
        }
    }
}

/// `tools.exec.security`, ordered from strictest to loosest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExecSecurity {
    /// Every command is refused.
    Deny,
    /// Only simple pipelines of `safeBins` run.
    Allowlist,
    /// Anything runs.
    Full,
}

impl ExecSecurity {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "deny" => Some(Self::Deny),
            "allowlist" => Some(Self::Allowlist),
            "full" => Some(Self::Full),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Allowlist => "allowlist",
            Self::Full => "full",
        }
    }
}

/// `agents.defaults.sandbox.mode` / `agents.list[].sandbox.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxMode {
    Off,
    /// Every session except the agent's main one.
    NonMain,
    All,
}

impl SandboxMode {
    fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Self::Off),
            "non-main" => Some(Self::NonMain),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::NonMain => "non-main",
            Self::All => "all",
        }
    }

    /// Whether OpenClaw would sandbox `session_key` of `agent_id` (non-main: every key but
    /// `agent:<id>:main`).
    pub fn sandboxes(self, agent_id: &str, session_key: &str) -> bool {
        match self {
            Self::Off => false,
            Self::All => true,
            Self::NonMain => {
                let main = format!("agent:{}:main", agent_id.to_ascii_lowercase());
                !session_key.eq_ignore_ascii_case(&main)
            }
        }
    }
}

/// Resolved `exec` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSettings {
    pub host: ExecHost,
    pub security: ExecSecurity,
    /// Whether `security` came from config (for messages).
    pub security_configured: bool,
    pub safe_bins: Vec<String>,
    /// Directories put in front of `PATH` for the command.
    pub path_prepend: Vec<String>,
    pub timeout: Duration,
    pub max_output_bytes: usize,
    pub sandbox_mode: SandboxMode,
    /// A config value exec cannot honour safely (unknown `security`/`host`): exec refuses with
    /// this message instead of guessing.
    pub config_error: Option<String>,
}

impl Default for ExecSettings {
    fn default() -> Self {
        Self {
            host: ExecHost::Sandbox,
            security: ExecSecurity::Full,
            security_configured: false,
            safe_bins: DEFAULT_SAFE_BINS.iter().map(|s| (*s).to_owned()).collect(),
            path_prepend: Vec::new(),
            timeout: Duration::from_secs(DEFAULT_EXEC_TIMEOUT_SECS),
            max_output_bytes: DEFAULT_EXEC_MAX_OUTPUT_BYTES,
            sandbox_mode: SandboxMode::Off,
            config_error: None,
        }
    }
}

/// Resolved `web_fetch` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WebFetchSettings {
    pub enabled: bool,
    /// Default `maxChars` of a call.
    pub max_chars: usize,
    /// Hard cap for a call's `maxChars`.
    pub max_chars_cap: usize,
    pub max_response_bytes: usize,
    /// Whole-fetch time cap (all redirect hops and the body).
    pub timeout: Duration,
    pub max_redirects: usize,
    pub user_agent: String,
    /// `ssrfPolicy.dangerouslyAllowPrivateNetwork`: reach loopback/private/link-local addresses.
    pub allow_private_network: bool,
    /// `ssrfPolicy.allowRfc2544BenchmarkRange` (198.18.0.0/15).
    pub allow_benchmark_range: bool,
    /// `ssrfPolicy.allowIpv6UniqueLocalRange` (fc00::/7).
    pub allow_ipv6_unique_local: bool,
}

impl Default for WebFetchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_chars: DEFAULT_WEB_FETCH_MAX_CHARS,
            max_chars_cap: DEFAULT_WEB_FETCH_MAX_CHARS,
            max_response_bytes: DEFAULT_WEB_FETCH_MAX_RESPONSE_BYTES,
            timeout: Duration::from_secs(DEFAULT_WEB_FETCH_TIMEOUT_SECS),
            max_redirects: DEFAULT_WEB_FETCH_MAX_REDIRECTS,
            user_agent: DEFAULT_WEB_FETCH_USER_AGENT.to_owned(),
            allow_private_network: false,
            allow_benchmark_range: false,
            allow_ipv6_unique_local: false,
        }
    }
}

/// Limits and modes for the local tools, resolved once per turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolSettings {
    pub exec: ExecSettings,
    pub web_fetch: WebFetchSettings,
}

/// The global and per-agent value of one key: the agent's wins when present.
struct Layered<'a> {
    global: Option<&'a Map<String, Value>>,
    agent: Option<&'a Map<String, Value>>,
}

impl<'a> Layered<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.agent
            .and_then(|m| m.get(key))
            .or_else(|| self.global.and_then(|m| m.get(key)))
    }

    fn str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(Value::as_str)
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    /// A non-negative finite number, floored.
    fn count(&self, key: &str) -> Option<u64> {
        let n = self.get(key)?.as_f64()?;
        (n.is_finite() && n >= 0.0).then(|| n.floor() as u64)
    }

    fn strings(&self, key: &str) -> Option<Vec<String>> {
        let list = self.get(key)?.as_array()?;
        Some(
            list.iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    fn child(&self, key: &str) -> Layered<'a> {
        Layered {
            global: self
                .global
                .and_then(|m| m.get(key))
                .and_then(Value::as_object),
            agent: self
                .agent
                .and_then(|m| m.get(key))
                .and_then(Value::as_object),
        }
    }
}

impl ToolSettings {
    pub fn from_config(config: &Config, agent_id: &str) -> Self {
        let agent = config.agent(agent_id);
        let agent_tools = agent.and_then(|a| a.tools.as_ref());
        let global_tools = config.tools.as_ref();
        let exec = Layered {
            global: global_tools.and_then(|t| t.exec.as_ref()),
            agent: agent_tools
                .and_then(|t| t.get("exec"))
                .and_then(Value::as_object),
        };
        let web = Layered {
            global: global_tools.and_then(|t| t.web.as_ref()),
            agent: agent_tools
                .and_then(|t| t.get("web"))
                .and_then(Value::as_object),
        };
        let sandbox = Layered {
            global: config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.sandbox.as_ref()),
            agent: agent.and_then(|a| a.sandbox.as_ref()),
        };
        Self {
            exec: resolve_exec(&exec, &sandbox),
            web_fetch: resolve_web_fetch(&web.child("fetch")),
        }
    }
}

fn resolve_exec(exec: &Layered<'_>, sandbox: &Layered<'_>) -> ExecSettings {
    let mut out = ExecSettings::default();
    let mut problems = Vec::new();
    if let Some(raw) = exec.str("host") {
        match ExecHost::parse(raw) {
            Some(host) => out.host = host,
            None => problems.push(format!(
                "tools.exec.host is {raw:?}, expected \"sandbox\", \"gateway\" or \"node\""
            )),
        }
    }
    match exec.str("security") {
        Some(raw) => match ExecSecurity::parse(raw) {
            Some(security) => {
                out.security = security;
                out.security_configured = true;
            }
            None => {
                // Fail closed: a typo in a security setting must not widen access.
                out.security = ExecSecurity::Deny;
                problems.push(format!(
                    "tools.exec.security is {raw:?}, expected \"deny\", \"allowlist\" or \"full\""
                ));
            }
        },
        None => {
            out.security = match out.host {
                ExecHost::Sandbox => ExecSecurity::Full,
                ExecHost::Gateway | ExecHost::Node => ExecSecurity::Allowlist,
            }
        }
    }
    if let Some(bins) = exec.strings("safeBins") {
        out.safe_bins = bins;
    }
    if let Some(dirs) = exec.strings("pathPrepend") {
        out.path_prepend = dirs;
    }
    if let Some(secs) = exec.count("timeoutSec")
        && secs > 0
    {
        out.timeout = Duration::from_secs(secs);
    }
    out.sandbox_mode = sandbox
        .str("mode")
        .and_then(SandboxMode::parse)
        .unwrap_or(SandboxMode::Off);
    if !problems.is_empty() {
        out.config_error = Some(format!(
            "exec is disabled because the config is invalid: {}. Fix the value in openclaw.json \
             (tools.exec or agents.list[].tools.exec).",
            problems.join("; ")
        ));
    }
    out
}

fn resolve_web_fetch(fetch: &Layered<'_>) -> WebFetchSettings {
    let mut out = WebFetchSettings::default();
    if let Some(enabled) = fetch.bool("enabled") {
        out.enabled = enabled;
    }
    if let Some(cap) = fetch.count("maxCharsCap") {
        out.max_chars_cap = (cap as usize).max(MIN_WEB_FETCH_MAX_CHARS);
    }
    if let Some(max) = fetch.count("maxChars") {
        out.max_chars = (max as usize).max(MIN_WEB_FETCH_MAX_CHARS);
    }
    out.max_chars = out.max_chars.min(out.max_chars_cap);
    if let Some(bytes) = fetch.count("maxResponseBytes")
        && bytes > 0
    {
        let (lo, hi) = WEB_FETCH_MAX_RESPONSE_BYTES_RANGE;
        out.max_response_bytes = (bytes as usize).clamp(lo, hi);
    }
    if let Some(secs) = fetch.count("timeoutSeconds")
        && secs > 0
    {
        out.timeout = Duration::from_secs(secs);
    }
    if let Some(hops) = fetch.count("maxRedirects") {
        out.max_redirects = hops as usize;
    }
    if let Some(agent) = fetch.str("userAgent").map(str::trim)
        && !agent.is_empty()
    {
        out.user_agent = agent.to_owned();
    }
    let ssrf = fetch.child("ssrfPolicy");
    out.allow_private_network = ssrf
        .bool("dangerouslyAllowPrivateNetwork")
        .or_else(|| ssrf.bool("allowPrivateNetwork"))
        .unwrap_or(false);
    out.allow_benchmark_range = ssrf.bool("allowRfc2544BenchmarkRange").unwrap_or(false);
    out.allow_ipv6_unique_local = ssrf.bool("allowIpv6UniqueLocalRange").unwrap_or(false);
    out
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
