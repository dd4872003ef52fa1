use serde_json::json;

use super::*;

fn settings(value: serde_json::Value, agent: &str) -> ToolSettings {
    let config: Config = serde_json::from_value(value).unwrap();
    ToolSettings::from_config(&config, agent)
}

#[test]
fn defaults_match_openclaw() {
    let s = settings(json!({}), "main");
    assert_eq!(s, ToolSettings::default());
    assert_eq!(s.exec.host, ExecHost::Sandbox);
    // Sandbox off + host sandbox ⇒ OpenClaw runs on the host unchecked.
    assert_eq!(s.exec.security, ExecSecurity::Full);
    assert!(!s.exec.security_configured);
    assert_eq!(s.exec.timeout, Duration::from_secs(1800));
    assert_eq!(
        s.exec.safe_bins,
        DEFAULT_SAFE_BINS.map(String::from).to_vec()
    );
    assert_eq!(s.exec.sandbox_mode, SandboxMode::Off);
    assert!(s.web_fetch.enabled);
    assert_eq!(s.web_fetch.max_chars, 50_000);
    assert_eq!(s.web_fetch.timeout, Duration::from_secs(30));
    assert_eq!(s.web_fetch.max_redirects, 3);
    assert_eq!(s.web_fetch.max_response_bytes, 2_000_000);
    assert!(!s.web_fetch.allow_private_network);
}

#[test]
fn global_exec_values() {
    let s = settings(
        json!({"tools": {"exec": {
            "security": "allowlist",
            "safeBins": ["jq", " wc ", ""],
            "pathPrepend": ["/opt/bin"],
            "timeoutSec": 12
        }}}),
        "main",
    );
    assert_eq!(s.exec.security, ExecSecurity::Allowlist);
    assert!(s.exec.security_configured);
    assert_eq!(s.exec.safe_bins, vec!["jq", "wc"]);
    assert_eq!(s.exec.path_prepend, vec!["/opt/bin"]);
    assert_eq!(s.exec.timeout, Duration::from_secs(12));
    assert!(s.exec.config_error.is_none());
}

#[test]
fn gateway_host_defaults_to_allowlist() {
    let s = settings(json!({"tools": {"exec": {"host": "gateway"}}}), "main");
    assert_eq!(s.exec.host, ExecHost::Gateway);
    assert_eq!(s.exec.security, ExecSecurity::Allowlist);
}

#[test]
fn per_agent_exec_overrides_field_by_field() {
    let value = json!({
        "tools": {"exec": {"security": "deny", "timeoutSec": 5, "safeBins": ["jq"]}},
        "agents": {"list": [
            {"id": "main"},
            {"id": "Ops", "tools": {"exec": {"security": "full"}}}
        ]}
    });
    let ops = settings(value.clone(), "ops");
    assert_eq!(ops.exec.security, ExecSecurity::Full);
    assert_eq!(ops.exec.timeout, Duration::from_secs(5));
    assert_eq!(ops.exec.safe_bins, vec!["jq"]);
    let main = settings(value, "main");
    assert_eq!(main.exec.security, ExecSecurity::Deny);
}

#[test]
fn invalid_security_fails_closed() {
    let s = settings(json!({"tools": {"exec": {"security": "ful"}}}), "main");
    assert_eq!(s.exec.security, ExecSecurity::Deny);
    let message = s.exec.config_error.unwrap();
    assert!(message.contains("tools.exec.security"), "{message}");
    assert!(message.contains("\"ful\""), "{message}");
}

#[test]
fn invalid_host_is_reported() {
    let s = settings(json!({"tools": {"exec": {"host": "docker"}}}), "main");
    assert!(s.exec.config_error.unwrap().contains("tools.exec.host"));
}

#[test]
fn sandbox_mode_from_defaults_and_agent() {
    let value = json!({"agents": {
        "defaults": {"sandbox": {"mode": "non-main"}},
        "list": [{"id": "main"}, {"id": "kid", "sandbox": {"mode": "all"}}]
    }});
    let main = settings(value.clone(), "main");
    assert_eq!(main.exec.sandbox_mode, SandboxMode::NonMain);
    assert!(!main.exec.sandbox_mode.sandboxes("main", "agent:main:main"));
    assert!(
        main.exec
            .sandbox_mode
            .sandboxes("main", "agent:main:telegram:group:1")
    );
    let kid = settings(value, "kid");
    assert_eq!(kid.exec.sandbox_mode, SandboxMode::All);
    assert!(kid.exec.sandbox_mode.sandboxes("kid", "agent:kid:main"));
}

#[test]
fn web_fetch_values_and_clamps() {
    let s = settings(
        json!({"tools": {"web": {"fetch": {
            "enabled": false,
            "maxChars": 80000,
            "maxCharsCap": 60000,
            "maxResponseBytes": 10,
            "timeoutSeconds": 7,
            "maxRedirects": 0,
            "userAgent": "probe/1",
            "ssrfPolicy": {"dangerouslyAllowPrivateNetwork": true, "allowRfc2544BenchmarkRange": true}
        }}}}),
        "main",
    );
    let f = &s.web_fetch;
    assert!(!f.enabled);
    assert_eq!(f.max_chars_cap, 60_000);
    assert_eq!(f.max_chars, 60_000, "maxChars is capped by maxCharsCap");
    assert_eq!(f.max_response_bytes, 32_000, "clamped to the minimum");
    assert_eq!(f.timeout, Duration::from_secs(7));
    assert_eq!(f.max_redirects, 0);
    assert_eq!(f.user_agent, "probe/1");
    assert!(f.allow_private_network);
    assert!(f.allow_benchmark_range);
    assert!(!f.allow_ipv6_unique_local);
}

#[test]
fn private_network_alias_and_agent_override() {
    let value = json!({
        "tools": {"web": {"fetch": {"ssrfPolicy": {"allowPrivateNetwork": true}}}},
        "agents": {"list": [
            {"id": "main"},
            {"id": "safe", "tools": {"web": {"fetch": {"ssrfPolicy": {"dangerouslyAllowPrivateNetwork": false}}}}}
        ]}
    });
    assert!(
        settings(value.clone(), "main")
            .web_fetch
            .allow_private_network
    );
    assert!(!settings(value, "safe").web_fetch.allow_private_network);
}
