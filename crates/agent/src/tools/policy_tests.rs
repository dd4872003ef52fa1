use serde_json::json;

use super::*;

fn config(value: serde_json::Value) -> Config {
    serde_json::from_value(value).unwrap()
}

/// (case, config, agent, provider, model, allowed, denied)
type Case = (
    &'static str,
    serde_json::Value,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

fn cases() -> Vec<Case> {
    vec![
        (
            "no tools section allows everything",
            json!({}),
            "main",
            "anthropic",
            "claude",
            &["exec", "read", "web_fetch", "sessions_list", "anything"],
            &[],
        ),
        (
            "minimal profile",
            json!({"tools": {"profile": "minimal"}}),
            "main",
            "openai",
            "gpt",
            &["session_status"],
            &["exec", "read", "sessions_list", "web_fetch"],
        ),
        (
            "coding profile expands groups",
            json!({"tools": {"profile": "coding"}}),
            "main",
            "openai",
            "gpt",
            &[
                "read",
                "write",
                "edit",
                "apply_patch",
                "exec",
                "process",
                "sessions_send",
                "session_status",
                "memory_get",
                "image",
            ],
            &["web_fetch", "message", "browser", "cron"],
        ),
        (
            "messaging profile",
            json!({"tools": {"profile": "messaging"}}),
            "main",
            "openai",
            "gpt",
            &[
                "message",
                "sessions_list",
                "sessions_history",
                "sessions_send",
                "session_status",
            ],
            &["exec", "read", "sessions_spawn", "web_fetch"],
        ),
        (
            "full profile and unknown profiles do not restrict",
            json!({"tools": {"profile": "full"}, "agents": {"list": [
                {"id": "x", "tools": {"profile": "nonsense"}}
            ]}}),
            "main",
            "openai",
            "gpt",
            &["exec", "browser"],
            &[],
        ),
        (
            "alsoAllow extends the profile",
            json!({"tools": {"profile": "coding", "alsoAllow": ["web_fetch"]}}),
            "main",
            "openai",
            "gpt",
            &["web_fetch", "read", "exec"],
            &["web_search", "message"],
        ),
        (
            "alsoAllow alone never restricts",
            json!({"tools": {"alsoAllow": ["web_fetch"]}}),
            "main",
            "openai",
            "gpt",
            &["web_fetch", "exec", "browser"],
            &[],
        ),
        (
            "deny wins over allow, case-insensitive, bash alias",
            json!({"tools": {"allow": ["*"], "deny": ["BASH", "Web_*"]}}),
            "main",
            "openai",
            "gpt",
            &["read", "write"],
            &["exec", "EXEC", "web_fetch", "web_search"],
        ),
        (
            "allow with wildcards and groups",
            json!({"tools": {"allow": ["sessions_*", "group:fs"]}}),
            "main",
            "openai",
            "gpt",
            &["sessions_list", "sessions_send", "read", "edit"],
            &["session_status", "exec", "web_fetch"],
        ),
        (
            "apply_patch follows exec",
            json!({"tools": {"allow": ["exec"]}}),
            "main",
            "openai",
            "gpt",
            &["exec", "apply_patch", "apply-patch"],
            &["read", "process"],
        ),
        (
            "every group expands",
            json!({"tools": {"deny": [
                "group:runtime", "group:web", "group:memory", "group:ui",
                "group:automation", "group:messaging", "group:nodes"
            ]}}),
            "main",
            "openai",
            "gpt",
            &["read", "sessions_list", "image"],
            &[
                "exec",
                "process",
                "web_fetch",
                "web_search",
                "memory_search",
                "browser",
                "canvas",
                "cron",
                "gateway",
                "message",
                "nodes",
            ],
        ),
        (
            "group:openclaw and group:sessions",
            json!({"tools": {"allow": ["group:openclaw"], "deny": ["group:sessions"]}}),
            "main",
            "openai",
            "gpt",
            &["browser", "web_fetch", "agents_list", "image"],
            &["sessions_list", "session_status", "exec", "read"],
        ),
        (
            "byProvider restricts further",
            json!({"tools": {"byProvider": {"OpenAI": {"deny": ["exec"]}}}}),
            "main",
            "openai",
            "gpt-5",
            &["read", "web_fetch"],
            &["exec"],
        ),
        (
            "byProvider does not touch other providers",
            json!({"tools": {"byProvider": {"openai": {"deny": ["exec"]}}}}),
            "main",
            "anthropic",
            "claude",
            &["exec"],
            &[],
        ),
        (
            "byProvider provider/model wins over provider",
            json!({"tools": {"byProvider": {
                "openai": {"deny": ["read"]},
                "openai/gpt-mini": {"allow": ["read"]}
            }}}),
            "main",
            "openai",
            "GPT-Mini",
            &["read"],
            &["exec", "web_fetch"],
        ),
        (
            "byProvider profile",
            json!({"tools": {"byProvider": {"google": {"profile": "minimal"}}}}),
            "main",
            "google",
            "gemini",
            &["session_status"],
            &["exec", "read"],
        ),
        (
            "model id already qualified",
            json!({"tools": {"byProvider": {"openrouter/meta/llama": {"deny": ["exec"]}}}}),
            "main",
            "openrouter",
            "openrouter/meta/llama",
            &["read"],
            &["exec"],
        ),
        (
            "per-agent deny adds to global allow",
            json!({"tools": {"allow": ["exec", "read"]}, "agents": {"list": [
                {"id": "ops", "tools": {"deny": ["exec"]}}
            ]}}),
            "ops",
            "openai",
            "gpt",
            &["read"],
            &["exec", "write"],
        ),
        (
            "per-agent allow cannot widen global allow",
            json!({"tools": {"allow": ["read"]}, "agents": {"list": [
                {"id": "ops", "tools": {"allow": ["read", "exec"]}}
            ]}}),
            "ops",
            "openai",
            "gpt",
            &["read"],
            &["exec"],
        ),
        (
            "per-agent profile overrides the global profile",
            json!({"tools": {"profile": "minimal"}, "agents": {"list": [
                {"id": "Dev", "tools": {"profile": "coding"}}
            ]}}),
            "dev",
            "openai",
            "gpt",
            &["exec", "read", "session_status"],
            &["web_fetch"],
        ),
        (
            "per-agent alsoAllow replaces the global alsoAllow at the profile stage",
            json!({"tools": {"profile": "coding", "alsoAllow": ["browser"]}, "agents": {"list": [
                {"id": "dev", "tools": {"alsoAllow": ["web_fetch"]}}
            ]}}),
            "dev",
            "openai",
            "gpt",
            &["web_fetch", "exec"],
            &["browser"],
        ),
        (
            "per-agent byProvider",
            json!({"agents": {"list": [
                {"id": "dev", "tools": {"byProvider": {"openai": {"allow": ["read"]}}}}
            ]}}),
            "dev",
            "openai",
            "gpt",
            &["read"],
            &["exec"],
        ),
        (
            "other agents are not affected by a per-agent policy",
            json!({"agents": {"list": [
                {"id": "main"},
                {"id": "dev", "tools": {"deny": ["*"]}}
            ]}}),
            "main",
            "openai",
            "gpt",
            &["exec", "read"],
            &[],
        ),
        (
            "deny star denies everything",
            json!({"tools": {"deny": ["*"]}}),
            "main",
            "openai",
            "gpt",
            &[],
            &["exec", "read", "session_status"],
        ),
    ]
}

#[test]
fn table() {
    for (case, value, agent, provider, model, allowed, denied) in cases() {
        let policy = ToolPolicy::resolve(&config(value), agent, provider, model);
        for name in allowed {
            assert!(policy.allows(name), "{case}: {name} should be allowed");
        }
        for name in denied {
            assert!(!policy.allows(name), "{case}: {name} should be denied");
        }
    }
}

#[test]
fn empty_name_is_never_allowed() {
    let policy = ToolPolicy::default();
    assert!(policy.is_unrestricted());
    assert!(!policy.allows("  "));
    assert!(policy.allows("exec"));
}

#[test]
fn globs() {
    for (pattern, name, expected) in [
        ("web_*", "web_fetch", true),
        ("web_*", "web", false),
        ("*_list", "sessions_list", true),
        ("s*s*t", "sessions_list", true),
        ("ab*b", "ab", false),
        ("a*", "a", true),
        ("*fetch*", "web_fetch", true),
        ("mem*get", "memory_search", false),
    ] {
        assert_eq!(glob_matches(pattern, name), expected, "{pattern} vs {name}");
    }
}

#[test]
fn normalization() {
    assert_eq!(normalize_tool_name("  BASH "), "exec");
    assert_eq!(normalize_tool_name("Apply-Patch"), "apply_patch");
    assert_eq!(normalize_tool_name("Web_Fetch"), "web_fetch");
    assert!(group_members("group:fs").is_some_and(|m| m.contains(&"edit")));
    assert!(group_members("group:nope").is_none());
}
