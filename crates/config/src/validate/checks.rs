//! Cross-field checks the schema cannot express (spec §4.0 step 6, §4.0 step 8), plus warnings
//! for settings that are accepted but do not do what users expect.

use std::collections::BTreeMap;

use serde_json::Value;

use super::walker::RawIssue;
use crate::accessors::normalize_agent_id;
use crate::path::{PathSeg, format_path};
use crate::schema::KNOWN_CHANNEL_IDS;

/// The OpenClaw version whose config format this crate implements.
pub const COMPAT_VERSION: &str = "2026.1.29";

#[derive(Default)]
pub(crate) struct Findings {
    pub issues: Vec<RawIssue>,
    pub warnings: Vec<RawIssue>,
}

impl Findings {
    fn error(&mut self, path: Vec<PathSeg>, message: String) {
        self.issues.push(finding(path, message));
    }

    fn warn(&mut self, path: Vec<PathSeg>, message: String) {
        self.warnings.push(finding(path, message));
    }
}

fn finding(path: Vec<PathSeg>, message: String) -> RawIssue {
    RawIssue {
        path,
        message,
        suggestion: None,
        at_key: false,
    }
}

fn k(key: &str) -> PathSeg {
    PathSeg::key(key)
}

/// Runs every cross-field check over the resolved (substituted) config.
pub(crate) fn run(config: &Value) -> Findings {
    let mut f = Findings::default();
    check_agents(config, &mut f);
    check_bindings(config, &mut f);
    check_broadcast(config, &mut f);
    check_channels(config, &mut f);
    check_hooks(config, &mut f);
    check_misc_warnings(config, &mut f);
    f
}

fn agent_list(config: &Value) -> &[Value] {
    config
        .pointer("/agents/list")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn known_agent_ids(config: &Value) -> Vec<String> {
    let list = agent_list(config);
    if list.is_empty() {
        return vec!["main".to_string()];
    }
    list.iter()
        .filter_map(|a| a.get("id").and_then(Value::as_str))
        .map(normalize_agent_id)
        .collect()
}

fn check_agents(config: &Value, f: &mut Findings) {
    let base = || vec![k("agents"), k("list")];
    let mut seen_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_dirs: BTreeMap<String, usize> = BTreeMap::new();
    let mut defaults = Vec::new();
    for (i, agent) in agent_list(config).iter().enumerate() {
        let at = |tail: &[&str]| {
            let mut p = base();
            p.push(PathSeg::Index(i));
            p.extend(tail.iter().map(|t| k(t)));
            p
        };
        if let Some(id) = agent.get("id").and_then(Value::as_str) {
            if id.trim().is_empty() {
                f.error(at(&["id"]), "agent id must not be empty".into());
            } else {
                let normalized = normalize_agent_id(id);
                match seen_ids.get(&normalized) {
                    Some(first) => f.error(
                        at(&["id"]),
                        format!(
                            "duplicate agent id \"{normalized}\" (also used by agents.list[{first}]); give each agent a unique id"
                        ),
                    ),
                    None => {
                        seen_ids.insert(normalized, i);
                    }
                }
            }
        }
        if let Some(dir) = agent.get("agentDir").and_then(Value::as_str) {
            let key = dir.trim().trim_end_matches('/').to_string();
            match seen_dirs.get(&key) {
                Some(first) => f.error(
                    at(&["agentDir"]),
                    format!(
                        "duplicate agentDir \"{dir}\" (also used by agents.list[{first}]); agents must not share state — give each its own agentDir"
                    ),
                ),
                None => {
                    seen_dirs.insert(key, i);
                }
            }
        }
        if agent.get("default").and_then(Value::as_bool) == Some(true) {
            defaults.push(i);
        }
        if let Some(avatar) = agent.pointer("/identity/avatar").and_then(Value::as_str)
            && !is_valid_avatar(avatar)
        {
            f.error(
                at(&["identity", "avatar"]),
                "identity.avatar must be a workspace-relative path, http(s) URL, or data URI"
                    .into(),
            );
        }
        if let Some(target) = agent.pointer("/heartbeat/target") {
            check_heartbeat_target(target, at(&["heartbeat", "target"]), f);
        }
    }
    if let [first, rest @ ..] = defaults.as_slice()
        && !rest.is_empty()
    {
        for extra in rest {
            f.warn(
                vec![k("agents"), k("list"), PathSeg::Index(*extra), k("default")],
                format!("several agents are marked default; agents.list[{first}] is used"),
            );
        }
    }
    if let Some(target) = config.pointer("/agents/defaults/heartbeat/target") {
        let path = vec![k("agents"), k("defaults"), k("heartbeat"), k("target")];
        check_heartbeat_target(target, path, f);
    }
}

fn is_valid_avatar(avatar: &str) -> bool {
    let a = avatar.trim();
    let lower = a.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("data:") {
        return true;
    }
    let windows_drive = a.len() > 1 && a.as_bytes()[1] == b':';
    !a.is_empty()
        && !a.starts_with('/')
        && !a.starts_with('\\')
        && !a.starts_with('~')
        && !windows_drive
        && !a.split(['/', '\\']).any(|part| part == "..")
}

fn check_heartbeat_target(target: &Value, path: Vec<PathSeg>, f: &mut Findings) {
    let Some(t) = target.as_str() else { return };
    let valid = matches!(t, "last" | "none" | "webchat") || KNOWN_CHANNEL_IDS.contains(&t);
    if !valid {
        f.error(
            path,
            format!(
                "heartbeat target \"{t}\" is not valid; use \"last\", \"none\", or a channel id such as \"discord\""
            ),
        );
    }
}

fn check_bindings(config: &Value, f: &mut Findings) {
    let Some(bindings) = config.get("bindings").and_then(Value::as_array) else {
        return;
    };
    let known = known_agent_ids(config);
    let default_agent = default_agent_id(config);
    for (i, binding) in bindings.iter().enumerate() {
        let Some(agent) = binding.get("agentId").and_then(Value::as_str) else {
            continue;
        };
        if !known.contains(&normalize_agent_id(agent)) {
            f.warn(
                vec![k("bindings"), PathSeg::Index(i), k("agentId")],
                format!(
                    "agent \"{agent}\" is not in agents.list; matching messages go to the default agent \"{default_agent}\""
                ),
            );
        }
    }
}

fn default_agent_id(config: &Value) -> String {
    let list = agent_list(config);
    list.iter()
        .find(|a| a.get("default").and_then(Value::as_bool) == Some(true))
        .or_else(|| list.first())
        .and_then(|a| a.get("id").and_then(Value::as_str))
        .map(normalize_agent_id)
        .unwrap_or_else(|| "main".to_string())
}

fn check_broadcast(config: &Value, f: &mut Findings) {
    let Some(groups) = config.get("broadcast").and_then(Value::as_object) else {
        return;
    };
    let known = known_agent_ids(config);
    for (peer, agents) in groups {
        if peer == "strategy" {
            continue;
        }
        let Some(agents) = agents.as_array() else {
            f.error(
                vec![k("broadcast"), k(peer)],
                "expected an array of agent ids".into(),
            );
            continue;
        };
        for (i, agent) in agents.iter().enumerate() {
            let path = vec![k("broadcast"), k(peer), PathSeg::Index(i)];
            match agent.as_str() {
                Some(id) if known.contains(&normalize_agent_id(id)) => {}
                Some(id) => f.error(
                    path,
                    format!("unknown agent id \"{id}\"; add it to agents.list or remove it here"),
                ),
                None => f.error(path, "expected an agent id string".into()),
            }
        }
    }
}

/// `dmPolicy: "open"` must be explicit about it: the allowlist has to contain `"*"`.
fn check_channels(config: &Value, f: &mut Findings) {
    let Some(channels) = config.get("channels").and_then(Value::as_object) else {
        return;
    };
    for (id, channel) in channels {
        if id == "defaults" {
            continue;
        }
        let base = vec![k("channels"), k(id)];
        check_open_dm_policy(channel, None, &base, f);
        if let Some(accounts) = channel.get("accounts").and_then(Value::as_object) {
            for (account_id, account) in accounts {
                let mut path = base.clone();
                path.extend([k("accounts"), k(account_id)]);
                check_open_dm_policy(account, Some(channel), &path, f);
            }
        }
        if id == "discord" && channel.get("requireMention").is_some() {
            let mut path = base.clone();
            path.push(k("requireMention"));
            f.warn(
                path,
                "has no effect at this level; set requireMention per guild (channels.discord.guilds.<id>.requireMention) or per channel".into(),
            );
        }
    }
}

fn check_open_dm_policy(scope: &Value, parent: Option<&Value>, base: &[PathSeg], f: &mut Findings) {
    let inherit = |pointer: &str| {
        scope
            .pointer(pointer)
            .or_else(|| parent.and_then(|p| p.pointer(pointer)))
    };
    // Top-level style (`dmPolicy` + `allowFrom`) and the nested Discord/Slack/Google Chat style
    // (`dm.policy` + `dm.allowFrom`).
    for (policy_ptr, allow_ptr, allow_path) in [
        ("/dmPolicy", "/allowFrom", vec!["allowFrom"]),
        ("/dm/policy", "/dm/allowFrom", vec!["dm", "allowFrom"]),
    ] {
        if scope.pointer(policy_ptr).and_then(Value::as_str) != Some("open") {
            continue;
        }
        let has_wildcard = inherit(allow_ptr)
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|v| v.as_str() == Some("*")));
        if !has_wildcard {
            let mut path = base.to_vec();
            path.extend(allow_path.iter().map(|p| k(p)));
            let policy = format_path(
                &[base, &policy_ptr[1..].split('/').map(k).collect::<Vec<_>>()].concat(),
            );
            f.error(
                path.clone(),
                format!(
                    "{policy}=\"open\" requires {} to include \"*\" (or use \"pairing\"/\"allowlist\")",
                    format_path(&path)
                ),
            );
        }
    }
}

fn check_hooks(config: &Value, f: &mut Findings) {
    let Some(hooks) = config.get("hooks") else {
        return;
    };
    let enabled = hooks.get("enabled").and_then(Value::as_bool) == Some(true);
    let has_token = hooks
        .get("token")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.trim().is_empty());
    if enabled && !has_token {
        f.error(
            vec![k("hooks"), k("token")],
            "hooks.enabled requires hooks.token".into(),
        );
    }
    if let Some(path) = hooks.get("path").and_then(Value::as_str) {
        let trimmed = path.trim();
        if trimmed == "/" || trimmed.is_empty() {
            f.error(
                vec![k("hooks"), k("path")],
                "hooks.path may not be \"/\" (it would capture every request); use e.g. \"/hooks\""
                    .into(),
            );
        }
    }
}

fn check_misc_warnings(config: &Value, f: &mut Findings) {
    if config.pointer("/gateway/token").is_some() {
        f.warn(
            vec![k("gateway"), k("token")],
            "Config uses \"gateway.token\". This key is ignored; use \"gateway.auth.token\" instead."
                .into(),
        );
    }
    if config.pointer("/session/mainKey").is_some() {
        f.warn(
            vec![k("session"), k("mainKey")],
            "session.mainKey is ignored; main session is always \"main\".".into(),
        );
    }
    if config.pointer("/gateway/bind").and_then(Value::as_str) == Some("custom")
        && config
            .pointer("/gateway/customBindHost")
            .and_then(Value::as_str)
            .is_none_or(|h| h.trim().is_empty())
    {
        f.warn(
            vec![k("gateway"), k("bind")],
            "bind is \"custom\" but gateway.customBindHost is not set; the gateway will listen on 0.0.0.0".into(),
        );
    }
    if let Some(version) = config
        .pointer("/meta/lastTouchedVersion")
        .and_then(Value::as_str)
        && is_newer_version(version, COMPAT_VERSION)
    {
        f.warn(
            vec![k("meta"), k("lastTouchedVersion")],
            format!(
                "Config was last written by a newer OpenClaw ({version}); this build implements {COMPAT_VERSION}, so newer settings may be rejected or ignored."
            ),
        );
    }
}

/// Compares dotted numeric versions (`2026.1.29`, `2026.9.6-beta.1`); pre-release suffixes are
/// ignored. Unparsable versions are never "newer".
pub(crate) fn is_newer_version(candidate: &str, current: &str) -> bool {
    fn parts(v: &str) -> Option<Vec<u64>> {
        let core = v.trim().trim_start_matches('v');
        let core = core.split(['-', '+']).next().unwrap_or(core);
        core.split('.').map(|p| p.parse::<u64>().ok()).collect()
    }
    match (parts(candidate), parts(current)) {
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issues(config: Value) -> Vec<String> {
        run(&config)
            .issues
            .into_iter()
            .map(|i| format!("{}: {}", format_path(&i.path), i.message))
            .collect()
    }

    fn warnings(config: Value) -> Vec<String> {
        run(&config)
            .warnings
            .into_iter()
            .map(|i| format!("{}: {}", format_path(&i.path), i.message))
            .collect()
    }

    #[test]
    fn duplicate_agent_dirs_and_ids_are_errors() {
        let got = issues(json!({"agents": {"list": [
            {"id": "a", "agentDir": "/x/agent"},
            {"id": "b", "agentDir": "/x/agent/"},
            {"id": "A"},
            {"id": " "}
        ]}}));
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].starts_with("agents.list[1].agentDir: duplicate agentDir"));
        assert!(got[1].starts_with("agents.list[2].id: duplicate agent id \"a\""));
        assert_eq!(got[2], "agents.list[3].id: agent id must not be empty");
    }

    #[test]
    fn open_dm_policy_requires_wildcard() {
        let got = issues(json!({"channels": {
            "telegram": {"dmPolicy": "open", "allowFrom": ["123"]},
            "whatsapp": {"dmPolicy": "open", "allowFrom": ["*"]},
            "discord": {"dm": {"policy": "open"}},
            "signal": {"allowFrom": ["*"], "accounts": {"work": {"dmPolicy": "open"}}},
            "slack": {"accounts": {"a": {"dmPolicy": "open"}}}
        }}));
        assert_eq!(
            got,
            vec![
                "channels.telegram.allowFrom: channels.telegram.dmPolicy=\"open\" requires channels.telegram.allowFrom to include \"*\" (or use \"pairing\"/\"allowlist\")",
                "channels.discord.dm.allowFrom: channels.discord.dm.policy=\"open\" requires channels.discord.dm.allowFrom to include \"*\" (or use \"pairing\"/\"allowlist\")",
                "channels.slack.accounts.a.allowFrom: channels.slack.accounts.a.dmPolicy=\"open\" requires channels.slack.accounts.a.allowFrom to include \"*\" (or use \"pairing\"/\"allowlist\")",
            ]
        );
    }

    #[test]
    fn hooks_rules() {
        assert_eq!(
            issues(json!({"hooks": {"enabled": true, "path": "/"}})),
            vec![
                "hooks.token: hooks.enabled requires hooks.token",
                "hooks.path: hooks.path may not be \"/\" (it would capture every request); use e.g. \"/hooks\""
            ]
        );
        assert!(issues(json!({"hooks": {"enabled": true, "token": "t"}})).is_empty());
        assert!(issues(json!({"hooks": {"enabled": false}})).is_empty());
    }

    #[test]
    fn avatar_heartbeat_and_broadcast_checks() {
        let got = issues(json!({
            "agents": {
                "defaults": {"heartbeat": {"target": "pigeon"}},
                "list": [
                    {"id": "main", "identity": {"avatar": "../secret.png"}, "heartbeat": {"target": "discord"}},
                    {"id": "ops", "identity": {"avatar": "https://x/y.png"}}
                ]
            },
            "broadcast": {"strategy": "parallel", "120363@g.us": ["main", "ghost"]}
        }));
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].starts_with("agents.list[0].identity.avatar: identity.avatar must be"));
        assert!(
            got[1].starts_with("agents.defaults.heartbeat.target: heartbeat target \"pigeon\"")
        );
        assert!(got[2].starts_with("broadcast.120363@g.us[1]: unknown agent id \"ghost\""));
        for ok in ["avatars/me.png", "data:image/png;base64,AA", "HTTPS://x"] {
            assert!(is_valid_avatar(ok), "{ok}");
        }
        for bad in ["/etc/passwd", "~/x.png", "C:\\x.png", "a/../../b", ""] {
            assert!(!is_valid_avatar(bad), "{bad}");
        }
    }

    #[test]
    fn warnings_for_ignored_or_surprising_settings() {
        let got = warnings(json!({
            "gateway": {"token": "x", "bind": "custom"},
            "session": {"mainKey": "work"},
            "meta": {"lastTouchedVersion": "2026.9.6"},
            "agents": {"list": [{"id": "a", "default": true}, {"id": "b", "default": true}]},
            "bindings": [{"agentId": "ghost", "match": {"channel": "discord"}}],
            "channels": {"discord": {"requireMention": false}}
        }));
        assert_eq!(got.len(), 7, "{got:?}");
        assert!(
            got.iter()
                .any(|w| w.starts_with("agents.list[1].default: several agents"))
        );
        assert!(got.iter().any(|w| w.contains("agent \"ghost\" is not in agents.list") && w.contains("\"a\"")));
        assert!(
            got.iter()
                .any(|w| w.starts_with("gateway.token: Config uses \"gateway.token\""))
        );
        assert!(got.iter().any(|w| w.starts_with("session.mainKey:")));
        assert!(
            got.iter()
                .any(|w| w.starts_with("gateway.bind: bind is \"custom\""))
        );
        assert!(got.iter().any(|w| w.contains("newer OpenClaw (2026.9.6)")));
        assert!(
            got.iter()
                .any(|w| w.starts_with("channels.discord.requireMention: has no effect"))
        );
    }

    #[test]
    fn version_comparison() {
        assert!(is_newer_version("2026.9.6", "2026.1.29"));
        assert!(is_newer_version("2026.1.30", "2026.1.29"));
        assert!(!is_newer_version("2026.1.29", "2026.1.29"));
        assert!(!is_newer_version("2026.1.29-beta.2", "2026.1.29"));
        assert!(!is_newer_version("2025.12.1", "2026.1.29"));
        assert!(!is_newer_version("garbage", "2026.1.29"));
    }
}
