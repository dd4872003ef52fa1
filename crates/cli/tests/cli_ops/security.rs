//! `openclaw security audit`.

use crate::support::{State, findings, set_mode};

#[tokio::test]
async fn risky_config_is_flagged_and_fails() {
    let state = State::new();
    state.write_config(
        r#"{
  gateway: { mode: "local", bind: "lan", controlUi: { allowInsecureAuth: true, dangerouslyDisableDeviceAuth: true } },
  channels: { telegram: { dmPolicy: "open", allowFrom: ["*"], groupPolicy: "open", botToken: "123:plain" } },
  tools: { exec: { security: "full" }, elevated: { enabled: true }, web: { fetch: { ssrfPolicy: { allowPrivateNetwork: true } } } },
}"#,
    );
    set_mode(&state.config_path(), 0o644);
    let out = state.run(&["security", "audit", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let report = out.json();
    assert!(report["ts"].is_number());
    assert!(
        report["summary"]["critical"].as_u64().unwrap() >= 3,
        "{report:#}"
    );
    for (id, severity) in [
        ("gateway.bind_no_auth", "critical"),
        ("gateway.control_ui.device_auth_disabled", "critical"),
        ("gateway.control_ui.insecure_auth", "critical"),
        ("channels.telegram.dm_open", "critical"),
        ("channels.telegram.group_open", "warn"),
        ("tools.exec.security_full", "critical"),
        ("tools.elevated.enabled", "warn"),
        ("tools.web_fetch.private_network", "warn"),
        ("secrets.plaintext_in_config", "warn"),
        ("fs.permissions", "critical"),
    ] {
        let found = findings(&report, id);
        assert!(!found.is_empty(), "{id} missing: {report:#}");
        assert_eq!(found[0]["severity"], severity, "{id}: {report:#}");
        assert!(found[0]["remediation"].is_string(), "{id} has no fix");
    }

    let text = state.run(&["security", "audit"]).await;
    assert_ne!(text.code, 0);
    assert!(text.stdout.contains("[CRITICAL]"), "{}", text.text());
}

#[tokio::test]
async fn safe_config_passes() {
    let state = State::new();
    state.write_config(
        r#"{
  gateway: { mode: "local", bind: "loopback", auth: { token: "${GW_TOKEN}" } },
  channels: { telegram: { dmPolicy: "pairing", groupPolicy: "allowlist", botToken: "${TG_TOKEN}" } },
}"#,
    );
    let out = state
        .run_env(
            &["security", "audit", "--json"],
            &[
                ("GW_TOKEN", "a-long-random-gateway-token-0123456789"),
                ("TG_TOKEN", "1:x"),
            ],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let report = out.json();
    assert_eq!(report["summary"]["critical"], 0, "{report:#}");
    assert_eq!(report["summary"]["warn"], 0, "{report:#}");
    assert!(report["findings"].is_array());
}

#[tokio::test]
async fn short_token_on_a_network_bind_is_critical() {
    let state = State::new();
    state.write_config(r#"{gateway: {mode: "local", bind: "lan", auth: {token: "short"}}}"#);
    let out = state.run(&["security", "audit", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let report = out.json();
    let weak = findings(&report, "gateway.auth_weak");
    assert_eq!(weak.len(), 1, "{report:#}");
    assert_eq!(weak[0]["severity"], "critical");
}

#[tokio::test]
async fn deep_audit_looks_at_session_transcripts() {
    let state = State::new();
    state.write_config(r#"{gateway: {mode: "local", auth: {token: "${GW_TOKEN}"}}}"#);
    let sessions = state.path().join("agents/main/sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    set_mode(&sessions, 0o755);
    let env = [("GW_TOKEN", "a-long-random-gateway-token-0123456789")];
    let plain = state.run_env(&["security", "audit", "--json"], &env).await;
    assert!(
        findings(&plain.json(), "fs.conversations_readable").is_empty(),
        "{}",
        plain.text()
    );
    let deep = state
        .run_env(&["security", "audit", "--deep", "--json"], &env)
        .await;
    assert_eq!(deep.code, 0, "{}", deep.text());
    let report = deep.json();
    let found = findings(&report, "fs.conversations_readable");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(found[0]["title"].as_str().unwrap().contains("sessions"));
}
