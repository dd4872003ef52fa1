//! `openclaw security audit` and `--fix`.

use std::path::Path;
use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn, run_cli};

use crate::support::{State, bin, findings, mode, set_mode};

const GW_TOKEN: (&str, &str) = ("GW_TOKEN", "a-long-random-gateway-token-0123456789");

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

/// The `fix.fixes` entries of a `--fix --json` run whose path is `path`.
fn fixes_at<'a>(out: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    out["fix"]["fixes"]
        .as_array()
        .map(|list| list.iter().filter(|f| f["path"] == path).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn fix_closes_open_group_policies_keeps_unknown_keys_and_a_backup() {
    let state = State::new();
    let original = r#"// written by hand
{
  gateway: { mode: "local", auth: { token: "${GW_TOKEN}" } },
  logging: { redactSensitive: "off", level: "debug" },
  channels: {
    discord: {
      groupPolicy: "open",
      guilds: { "42": { requireMention: true } },
      accounts: { work: { token: "${WORK_TOKEN}", groupPolicy: "open" }, home: { groupPolicy: "disabled" } },
    },
    telegram: { groupPolicy: "open", dmPolicy: "pairing", futureKnob: { depth: [1, 2] } },
  },
  cron: { enabled: true, store: "~/cron.json" },
}
"#;
    state.write_config(original);
    let env = [GW_TOKEN, ("WORK_TOKEN", "work-bot-token")];
    let before = state.run_env(&["security", "audit", "--json"], &env).await;
    assert_eq!(
        findings(&before.json(), "channels.discord.group_open").len(),
        2
    );
    assert!(
        state
            .run_env(&["security", "audit"], &env)
            .await
            .stdout
            .contains("security audit --fix"),
        "the plain audit points at --fix"
    );

    let out = state.run_env(&["security", "audit", "--fix"], &env).await;
    assert_eq!(out.code, 0, "{}", out.text());
    for line in [
        r#"fixed: channels.discord.groupPolicy: "open" -> "allowlist""#,
        r#"fixed: channels.discord.accounts.work.groupPolicy: "open" -> "allowlist""#,
        r#"fixed: channels.telegram.groupPolicy: "open" -> "allowlist""#,
        r#"fixed: logging.redactSensitive: "off" -> "tools""#,
        "Previous config saved as",
    ] {
        assert!(out.stdout.contains(line), "{line} missing:\n{}", out.text());
    }

    let config = state.read_config();
    let discord = &config["channels"]["discord"];
    assert_eq!(discord["groupPolicy"], "allowlist");
    assert_eq!(discord["accounts"]["work"]["groupPolicy"], "allowlist");
    assert_eq!(discord["accounts"]["home"]["groupPolicy"], "disabled");
    assert_eq!(
        discord["accounts"]["work"]["token"], "${WORK_TOKEN}",
        "references stay references"
    );
    assert_eq!(discord["guilds"]["42"]["requireMention"], true);
    let telegram = &config["channels"]["telegram"];
    assert_eq!(telegram["groupPolicy"], "allowlist");
    assert_eq!(telegram["dmPolicy"], "pairing");
    assert_eq!(telegram["futureKnob"]["depth"], serde_json::json!([1, 2]));
    assert_eq!(config["logging"]["redactSensitive"], "tools");
    assert_eq!(config["logging"]["level"], "debug");
    assert_eq!(config["cron"]["store"], "~/cron.json");
    assert_eq!(config["gateway"]["auth"]["token"], "${GW_TOKEN}");
    // The writer is `config set`'s: plain JSON, so JSON5 comments do not survive (the backup
    // keeps them).
    let text = std::fs::read_to_string(state.config_path()).unwrap();
    assert!(!text.contains("written by hand"), "{text}");
    let backup = state.path().join("openclaw.json.bak");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    assert_eq!(mode(&backup), 0o600);

    let after = state
        .run_env(&["security", "audit", "--json"], &env)
        .await
        .json();
    for id in [
        "channels.discord.group_open",
        "channels.telegram.group_open",
        "logging.redact_off",
    ] {
        assert!(findings(&after, id).is_empty(), "{id} left: {after:#}");
    }
    let validate = state.run_env(&["config", "validate"], &env).await;
    assert_eq!(validate.code, 0, "{}", validate.text());
}

#[tokio::test]
async fn fix_makes_state_and_secret_files_private() {
    let state = State::new();
    let root = state.path();
    state.write_config(
        r#"{gateway: {mode: "local", auth: {token: "${GW_TOKEN}"}}, agents: {list: [{id: "main"}, {id: "ops"}]}}"#,
    );
    let dir = |rel: &str, m: u32| {
        let path = root.join(rel);
        std::fs::create_dir_all(&path).unwrap();
        set_mode(&path, m);
        path
    };
    let file = |rel: &str, m: u32| {
        let path = root.join(rel);
        std::fs::write(&path, "{}").unwrap();
        set_mode(&path, m);
        path
    };
    let creds = dir("credentials", 0o755);
    let agent = dir("agents/ops/agent", 0o755);
    let sessions = dir("agents/main/sessions", 0o775);
    let loose = [
        (root.to_path_buf(), 0o755, 0o700),
        (state.config_path(), 0o644, 0o600),
        (creds.clone(), 0o755, 0o700),
        (
            file("credentials/discord-allowFrom.json", 0o644),
            0o644,
            0o600,
        ),
        (agent.clone(), 0o755, 0o700),
        (
            file("agents/ops/agent/auth-profiles.json", 0o640),
            0o640,
            0o600,
        ),
        (sessions.clone(), 0o775, 0o700),
        (file("agents/main/sessions/s1.jsonl", 0o666), 0o666, 0o600),
        (file("openclaw.sqlite", 0o644), 0o644, 0o600),
        (file(".env", 0o644), 0o644, 0o600),
    ];
    set_mode(&state.config_path(), 0o644);
    set_mode(root, 0o755);
    // A stricter mode the user chose stays, and a link is not followed out of the state dir.
    let strict = file("credentials/strict.json", 0o400);
    let outside = tempfile::NamedTempFile::new().unwrap();
    set_mode(outside.path(), 0o644);
    let link = sessions.join("sessions.json");
    std::os::unix::fs::symlink(outside.path(), &link).unwrap();

    let before = state.run_env(&["security", "audit"], &[GW_TOKEN]).await;
    assert_ne!(before.code, 0, "a world-readable config is critical");

    let out = state
        .run_env(&["security", "audit", "--fix", "--json"], &[GW_TOKEN])
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let json = out.json();
    for (path, was, want) in &loose {
        assert_eq!(mode(path), *want, "{}", path.display());
        let shown = path.display().to_string();
        let fix = fixes_at(&json, &shown);
        assert_eq!(fix.len(), 1, "{shown} not listed: {json:#}");
        assert_eq!(fix[0]["kind"], "chmod");
        assert_eq!(fix[0]["before"], format!("{was:03o}"));
        assert_eq!(fix[0]["after"], format!("{want:03o}"));
    }
    assert_eq!(mode(&strict), 0o400);
    assert_eq!(mode(outside.path()), 0o644);
    let actions = json["fix"]["actions"].as_array().unwrap();
    let skipped = |path: &Path| {
        actions
            .iter()
            .find(|a| a["path"] == path.display().to_string())
            .map(|a| a["skipped"].clone())
    };
    assert_eq!(skipped(&link), Some("symlink".into()), "{json:#}");
    assert_eq!(skipped(&strict), Some("already".into()), "{json:#}");
    assert_eq!(json["fix"]["configWritten"], false);
    assert!(!root.join("openclaw.json.bak").exists());
    assert!(
        findings(&json["report"], "fs.permissions").is_empty(),
        "{json:#}"
    );
}

#[tokio::test]
async fn fix_on_a_clean_setup_changes_nothing() {
    let state = State::new();
    let original = r#"{
  // nothing to fix here
  gateway: { mode: "local", auth: { token: "${GW_TOKEN}" } },
  logging: { redactSensitive: "tools" },
  channels: { telegram: { dmPolicy: "pairing", groupPolicy: "allowlist", botToken: "${TG_TOKEN}" } },
}"#;
    state.write_config(original);
    let env = [GW_TOKEN, ("TG_TOKEN", "1:x")];
    let out = state.run_env(&["security", "audit", "--fix"], &env).await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stdout.contains("Fixes: nothing to change."),
        "{}",
        out.text()
    );
    let json = state
        .run_env(&["security", "audit", "--fix", "--json"], &env)
        .await
        .json();
    let fix = &json["fix"];
    assert_eq!(fix["ok"], true, "{json:#}");
    assert_eq!(fix["configWritten"], false);
    assert_eq!(fix["backup"], serde_json::Value::Null);
    assert_eq!(fix["fixes"], serde_json::json!([]));
    assert_eq!(fix["changes"], serde_json::json!([]));
    assert_eq!(
        std::fs::read_to_string(state.config_path()).unwrap(),
        original
    );
    assert!(!state.path().join("openclaw.json.bak").exists());
}

#[tokio::test]
async fn fix_json_has_the_fixes_and_the_report_after_them() {
    let state = State::new();
    state.write_config(
        r#"{gateway: {mode: "local", bind: "lan"}, channels: {defaults: {groupPolicy: "open"}, whatsapp: {groupPolicy: "open"}}}"#,
    );
    let creds = state.path().join("credentials");
    std::fs::create_dir_all(&creds).unwrap();
    set_mode(&creds, 0o700);
    std::fs::write(
        creds.join("whatsapp-allowFrom.json"),
        r#"{"version": 1, "allowFrom": ["+15550001", "+15550002"]}"#,
    )
    .unwrap();
    set_mode(&creds.join("whatsapp-allowFrom.json"), 0o600);

    let out = state.run(&["security", "audit", "--fix", "--json"]).await;
    // --fix does not touch bind/auth: the critical finding remains and sets the exit code.
    assert_ne!(out.code, 0, "{}", out.text());
    let json = out.json();
    let fix = &json["fix"];
    assert_eq!(fix["ok"], true, "{json:#}");
    assert_eq!(
        fix["stateDir"],
        state.path().display().to_string(),
        "{json:#}"
    );
    assert_eq!(fix["configPath"], state.config_path().display().to_string());
    assert_eq!(fix["configWritten"], true);
    assert_eq!(
        fix["backup"],
        state.path().join("openclaw.json.bak").display().to_string()
    );
    assert_eq!(
        fixes_at(&json, "channels.defaults.groupPolicy"),
        [
            &serde_json::json!({"kind": "config", "path": "channels.defaults.groupPolicy", "before": "open", "after": "allowlist"})
        ]
    );
    assert_eq!(
        fixes_at(&json, "channels.whatsapp.groupAllowFrom"),
        [
            &serde_json::json!({"kind": "config", "path": "channels.whatsapp.groupAllowFrom", "before": null, "after": ["+15550001", "+15550002"]})
        ]
    );
    let changes = fix["changes"].as_array().unwrap();
    assert!(
        changes.contains(&"channels.whatsapp.groupPolicy=open -> allowlist".into()),
        "{json:#}"
    );
    assert!(fix["actions"].is_array() && fix["errors"].is_array());

    let report = &json["report"];
    assert!(report["ts"].is_number());
    assert!(report["summary"]["critical"].as_u64().unwrap() >= 1);
    assert_eq!(findings(report, "gateway.bind_no_auth").len(), 1);
    assert!(findings(report, "channels.defaults.group_open").is_empty());
    assert!(findings(report, "channels.whatsapp.group_open").is_empty());
    assert_eq!(
        state.read_config()["channels"]["whatsapp"]["groupAllowFrom"],
        serde_json::json!(["+15550001", "+15550002"])
    );
}

#[tokio::test]
async fn fix_leaves_values_from_variables_and_includes_where_they_are() {
    let state = State::new();
    std::fs::write(
        state.path().join("channels.json5"),
        r#"{discord: {groupPolicy: "open"}}"#,
    )
    .unwrap();
    set_mode(&state.path().join("channels.json5"), 0o644);
    let original = r#"{gateway: {mode: "local"}, logging: {redactSensitive: "${REDACT}"}, channels: {"$include": "./channels.json5"}}"#;
    state.write_config(original);
    let out = state
        .run_env(&["security", "audit", "--fix"], &[("REDACT", "off")])
        .await;
    assert!(
        out.stdout
            .contains(r#"not fixed: logging.redactSensitive is "off" through ${REDACT} in"#),
        "{}",
        out.text()
    );
    assert!(
        out.stdout.contains(
            "not fixed: channels.discord.groupPolicy is \"open\" in a file pulled in by $include"
        ),
        "{}",
        out.text()
    );
    assert_eq!(
        std::fs::read_to_string(state.config_path()).unwrap(),
        original
    );
    assert!(!state.path().join("openclaw.json.bak").exists());
    // The included file holds config too: it is made private like the main file.
    assert_eq!(mode(&state.path().join("channels.json5")), 0o600);
}

#[tokio::test]
async fn fix_reaches_a_running_gateway_through_hot_reload() {
    const WAIT: Duration = Duration::from_secs(60);
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .env("OPENCLAW_GATEWAY_TOKEN", GW_TOKEN.1)
        .config_json(serde_json::json!({
            "gateway": {"mode": "local"},
            "logging": {"redactSensitive": "off"},
            "channels": {"telegram": {"groupPolicy": "open"}},
        }));
    let mut gateway = GatewayProcess::spawn(spawn).await.unwrap();
    gateway.wait_healthy(WAIT).await.unwrap();
    // Logged once the config watcher is in place.
    gateway.wait_for_line("gateway ready", WAIT).await.unwrap();
    let since = gateway.line_count();

    let out = run_cli(
        bin(),
        &["security", "audit", "--fix", "--json"],
        &gateway.cli_env(),
    )
    .await
    .unwrap();
    assert!(out.success(), "{}\n{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["fix"]["configWritten"], true, "{json:#}");
    let (_, applied) = gateway
        // "config hot reload applied (…)" or "config change applied (dynamic reads: …)".
        .wait_for_line_since(since, "applied (", WAIT)
        .await
        .unwrap();
    assert!(
        applied.contains("channels.telegram.groupPolicy"),
        "{applied}"
    );
    let after = &gateway.output()[since..];
    assert!(
        !after.iter().any(|line| line.contains("listening on")),
        "the fix restarted the gateway: {after:#?}"
    );
}
