//! Tool allow/deny policy (spec §4.9, §5.6 step 4), with OpenClaw's semantics:
//!
//! - Names are compared trimmed and lowercased; `bash` means `exec`, `apply-patch` means
//!   `apply_patch`. Entries may be `group:*` names (expanded) or `*` wildcards.
//! - A policy is a stack of layers; a tool is offered only if **every** layer allows it. In each
//!   layer deny wins, and an empty (or absent) allow list allows everything. `apply_patch` is
//!   allowed wherever `exec` is.
//! - Layers, in OpenClaw's order: the profile (agent's `profile`, else the global one; with
//!   `alsoAllow` merged into it), the `byProvider` entry's profile, the global allow/deny, the
//!   global `byProvider` entry, the agent's allow/deny, the agent's `byProvider` entry.
//! - `alsoAllow` without `allow` means "everything, plus these" — i.e. it never restricts.
//! - A `byProvider` entry is looked up as `<provider>/<model>` first, then `<provider>`.
//!
//! Not modelled here (they need context this resolver does not get): the sandbox tool policy,
//! subagent denials, and channel/group `tools`/`toolsBySender` policies.

use openclaw_config::Config;
use serde_json::{Map, Value};

/// OpenClaw's tool groups (canonical lowercase names).
pub const TOOL_GROUPS: [(&str, &[&str]); 10] = [
    ("group:memory", &["memory_search", "memory_get"]),
    ("group:web", &["web_search", "web_fetch"]),
    ("group:fs", &["read", "write", "edit", "apply_patch"]),
    ("group:runtime", &["exec", "process"]),
    (
        "group:sessions",
        &[
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "sessions_spawn",
            "session_status",
        ],
    ),
    ("group:ui", &["browser", "canvas"]),
    ("group:automation", &["cron", "gateway"]),
    ("group:messaging", &["message"]),
    ("group:nodes", &["nodes"]),
    (
        "group:openclaw",
        &[
            "browser",
            "canvas",
            "nodes",
            "cron",
            "message",
            "gateway",
            "agents_list",
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "sessions_spawn",
            "session_status",
            "memory_search",
            "memory_get",
            "web_search",
            "web_fetch",
            "image",
        ],
    ),
];

/// The allow list of a profile; `None` for `full` and for unknown profiles (no restriction, as
/// in OpenClaw).
pub fn profile_allow(profile: &str) -> Option<&'static [&'static str]> {
    match profile.trim().to_ascii_lowercase().as_str() {
        "minimal" => Some(&["session_status"]),
        "coding" => Some(&[
            "group:fs",
            "group:runtime",
            "group:sessions",
            "group:memory",
            "image",
        ]),
        "messaging" => Some(&[
            "group:messaging",
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "session_status",
        ]),
        _ => None,
    }
}

/// Canonical form of a tool name or pattern.
pub fn normalize_tool_name(name: &str) -> String {
    let lowered = name.trim().to_lowercase();
    match lowered.as_str() {
        "bash" => "exec".to_owned(),
        "apply-patch" => "apply_patch".to_owned(),
        _ => lowered,
    }
}

/// The members of a `group:*` name.
pub fn group_members(name: &str) -> Option<&'static [&'static str]> {
    TOOL_GROUPS
        .iter()
        .find(|(group, _)| *group == name)
        .map(|(_, members)| *members)
}

#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    All,
    Exact(String),
    /// Lowercased pattern with at least one `*`.
    Glob(String),
}

impl Pattern {
    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Exact(exact) => exact == name,
            Pattern::Glob(glob) => glob_matches(glob, name),
        }
    }
}

/// `*` matches any run of characters; everything else is literal.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(split) => split,
        None => return name.is_empty(),
    };
    let Some(mut remaining) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Expands groups and compiles entries; blank entries are dropped.
fn compile(entries: &[String]) -> Vec<Pattern> {
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let normalized = normalize_tool_name(entry);
        if normalized.is_empty() {
            continue;
        }
        match group_members(&normalized) {
            Some(members) => names.extend(members.iter().map(|m| (*m).to_owned())),
            None => names.push(normalized),
        }
    }
    let mut patterns: Vec<Pattern> = Vec::with_capacity(names.len());
    for name in names {
        let pattern = if name == "*" {
            Pattern::All
        } else if name.contains('*') {
            Pattern::Glob(name)
        } else {
            Pattern::Exact(name)
        };
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    patterns
}

/// One allow/deny layer.
#[derive(Debug, Clone, PartialEq)]
struct Layer {
    /// Empty means "everything".
    allow: Vec<Pattern>,
    deny: Vec<Pattern>,
}

impl Layer {
    fn new(allow: &[String], deny: &[String]) -> Self {
        Self {
            allow: compile(allow),
            deny: compile(deny),
        }
    }

    fn allows(&self, name: &str) -> bool {
        if self.deny.iter().any(|p| p.matches(name)) {
            return false;
        }
        if self.allow.is_empty() || self.allow.iter().any(|p| p.matches(name)) {
            return true;
        }
        // OpenClaw treats apply_patch as part of exec.
        name == "apply_patch" && self.allow.iter().any(|p| p.matches("exec"))
    }
}

/// The allow/alsoAllow/deny/profile keys of one config object (`tools`, `agents.list[].tools`,
/// a `byProvider` entry).
#[derive(Debug, Clone, Default)]
struct PolicyConfig {
    profile: Option<String>,
    allow: Option<Vec<String>>,
    also_allow: Option<Vec<String>>,
    deny: Option<Vec<String>>,
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    let list = value?.as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

impl PolicyConfig {
    fn from_map(map: &Map<String, Value>) -> Self {
        Self {
            profile: map
                .get("profile")
                .and_then(Value::as_str)
                .map(str::to_owned),
            allow: string_list(map.get("allow")),
            also_allow: string_list(map.get("alsoAllow")),
            deny: string_list(map.get("deny")),
        }
    }

    /// OpenClaw's `pickToolPolicy`: `None` when neither allow nor deny is set.
    fn layer(&self) -> Option<Layer> {
        let also = self.also_allow.as_deref().filter(|a| !a.is_empty());
        let allow: Option<Vec<String>> = match (&self.allow, also) {
            (Some(allow), None) => Some(allow.clone()),
            // An empty allowlist plus alsoAllow is "everything plus these", i.e. everything.
            (Some(allow), Some(_)) if allow.is_empty() => Some(vec!["*".to_owned()]),
            (Some(allow), Some(also)) => Some(allow.iter().chain(also).cloned().collect()),
            (None, Some(_)) => Some(vec!["*".to_owned()]),
            (None, None) => None,
        };
        if allow.is_none() && self.deny.is_none() {
            return None;
        }
        Some(Layer::new(
            allow.as_deref().unwrap_or(&[]),
            self.deny.as_deref().unwrap_or(&[]),
        ))
    }
}

/// A profile layer, with `alsoAllow` merged when the profile has an allow list.
fn profile_layer(profile: Option<&str>, also_allow: Option<&[String]>) -> Option<Layer> {
    let base = profile_allow(profile?)?;
    let mut allow: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
    allow.extend(also_allow.unwrap_or(&[]).iter().cloned());
    Some(Layer::new(&allow, &[]))
}

/// The `byProvider` entry for `provider`/`model`: `<provider>/<model>` first, then `<provider>`.
fn provider_entry(
    by_provider: Option<&Map<String, Value>>,
    provider: &str,
    model: &str,
) -> Option<PolicyConfig> {
    let by_provider = by_provider?;
    let provider = provider.trim().to_lowercase();
    if provider.is_empty() {
        return None;
    }
    let model = model.trim().to_lowercase();
    let mut candidates = Vec::with_capacity(2);
    if !model.is_empty() {
        if model.contains('/') {
            candidates.push(model);
        } else {
            candidates.push(format!("{provider}/{model}"));
        }
    }
    candidates.push(provider);
    candidates.iter().find_map(|wanted| {
        by_provider
            .iter()
            .find(|(key, _)| key.trim().to_lowercase() == *wanted)
            .and_then(|(_, value)| value.as_object())
            .map(PolicyConfig::from_map)
    })
}

/// Which tool names a turn may offer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolPolicy {
    layers: Vec<Layer>,
}

impl ToolPolicy {
    /// The effective policy for one agent talking to `provider`/`model`.
    pub fn resolve(config: &Config, agent_id: &str, provider: &str, model: &str) -> Self {
        let global_tools = config.tools.as_ref();
        let global = global_tools
            .map(|t| PolicyConfig {
                profile: t.profile.clone(),
                allow: t.allow.clone(),
                also_allow: t.also_allow.clone(),
                deny: t.deny.clone(),
            })
            .unwrap_or_default();
        let agent_map = config.agent(agent_id).and_then(|a| a.tools.as_ref());
        let agent = agent_map.map(PolicyConfig::from_map).unwrap_or_default();

        let global_provider = provider_entry(
            global_tools.and_then(|t| t.by_provider.as_ref()),
            provider,
            model,
        );
        let agent_provider = provider_entry(
            agent_map
                .and_then(|m| m.get("byProvider"))
                .and_then(Value::as_object),
            provider,
            model,
        );

        let profile = agent.profile.as_deref().or(global.profile.as_deref());
        let profile_also = agent.also_allow.as_deref().or(global.also_allow.as_deref());
        let provider_profile = agent_provider
            .as_ref()
            .and_then(|p| p.profile.as_deref())
            .or_else(|| global_provider.as_ref().and_then(|p| p.profile.as_deref()));
        let provider_profile_also = agent_provider
            .as_ref()
            .and_then(|p| p.also_allow.as_deref())
            .or_else(|| {
                global_provider
                    .as_ref()
                    .and_then(|p| p.also_allow.as_deref())
            });

        let layers = [
            profile_layer(profile, profile_also),
            profile_layer(provider_profile, provider_profile_also),
            global.layer(),
            global_provider.as_ref().and_then(PolicyConfig::layer),
            agent.layer(),
            agent_provider.as_ref().and_then(PolicyConfig::layer),
        ];
        Self {
            layers: layers.into_iter().flatten().collect(),
        }
    }

    /// Whether `tool_name` (OpenClaw's name, e.g. `exec`, `sessions_list`) is allowed.
    pub fn allows(&self, tool_name: &str) -> bool {
        let name = normalize_tool_name(tool_name);
        !name.is_empty() && self.layers.iter().all(|layer| layer.allows(&name))
    }

    /// Whether no layer restricts anything (no profile, allow or deny configured).
    pub fn is_unrestricted(&self) -> bool {
        self.layers.is_empty()
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
