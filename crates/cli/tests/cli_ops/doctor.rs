//! `openclaw doctor`.

use openclaw_testkit::fake_llm::FakeLlm;
use serde_json::json;

use crate::support::{State, closed_port, findings, mode, set_mode};

const TOKEN: &str = "doctor-test-token-0123456789abcdef";

/// A config the doctor should be happy with: local mode, a token, a free port, and a custom
/// provider whose key sits in the config and whose base URL is `base_url`.
fn good_config(base_url: &str) -> String {
    json!({
        "gateway": {"mode": "local", "port": closed_port(), "auth": {"token": TOKEN}},
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}}},
        "models": {"providers": {"fake": {
            "baseUrl": base_url, "apiKey": "sk-placeholder", "api": "openai-completions",
        }}},
    })
    .to_string()
}

#[tokio::test]
async fn good_config_passes() {
    let state = State::new();
    state.write_config(&good_config("http://127.0.0.1:9/v1"));
    let out = state.run(&["doctor"]).await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(!out.stdout.contains("[ERROR]"), "{}", out.text());
    assert!(
        out.stdout
            .contains("fake key from models.providers.fake.apiKey"),
        "{}",
        out.text()
    );

    let report = state.run(&["doctor", "--json"]).await.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["summary"]["error"], 0);
}

#[tokio::test]
async fn broken_json5_reports_its_location_and_fails() {
    let state = State::new();
    state.write_config("{\n  gateway: {\n    mode: \"local\",,\n  }\n}\n");
    let out = state.run(&["doctor"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let location = format!("{}:3:", state.config_path().display());
    assert!(
        out.stdout.contains(&location),
        "no {location} in:\n{}",
        out.text()
    );
    assert!(out.stdout.contains("JSON5 parse failed"), "{}", out.text());
}

#[tokio::test]
async fn unknown_key_gets_a_did_you_mean() {
    let state = State::new();
    state.write_config(r#"{gateway: {mode: "local", bnd: "lan", auth: {token: "x"}}}"#);
    let out = state.run(&["doctor", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let report = out.json();
    let unknown = findings(&report, "config.unknown_key");
    assert_eq!(unknown.len(), 1, "{report:#}");
    let title = unknown[0]["title"].as_str().unwrap();
    assert!(
        title.contains("gateway.bnd") && title.contains("did you mean \"bind\""),
        "{title}"
    );
    assert!(title.contains(":1:"), "no location in {title}");
}

#[tokio::test]
async fn fix_migrates_legacy_keys_keeps_everything_else_and_a_backup() {
    let state = State::new();
    let original = r#"// my config
{
  gateway: { mode: "local", port: 18999, token: "legacy-token-value-0123456789" },
  agents: { defaults: { maxConcurrent: 3, workspace: "~/ws" } },
  channels: { discord: { requireMention: false, dmPolicy: "pairing", guilds: { "42": {}, "43": { requireMention: true } } } },
  session: { dmScope: "per-channel-peer" },
}
"#;
    state.write_config(original);

    let before = state.run(&["doctor", "--json"]).await.json();
    for id in [
        "config.legacy.gateway_token",
        "config.legacy.discord_require_mention",
        "config.legacy.discord_dm_policy",
    ] {
        assert_eq!(findings(&before, id).len(), 1, "{id} missing in {before:#}");
    }

    let out = state.run(&["doctor", "--fix", "--yes"]).await;
    assert!(
        out.stdout
            .contains("fixed: move gateway.token to gateway.auth.token"),
        "{}",
        out.text()
    );

    let config = state.read_config();
    assert_eq!(
        config["gateway"]["auth"]["token"],
        "legacy-token-value-0123456789"
    );
    assert!(config["gateway"].get("token").is_none(), "{config:#}");
    assert_eq!(config["gateway"]["port"], 18999);
    assert_eq!(config["gateway"]["mode"], "local");
    assert_eq!(config["agents"]["defaults"]["maxConcurrent"], 3);
    assert_eq!(config["agents"]["defaults"]["workspace"], "~/ws");
    assert_eq!(config["session"]["dmScope"], "per-channel-peer");
    let discord = &config["channels"]["discord"];
    assert!(
        discord.get("requireMention").is_none() && discord.get("dmPolicy").is_none(),
        "{config:#}"
    );
    assert_eq!(discord["dm"]["policy"], "pairing");
    assert_eq!(discord["guilds"]["42"]["requireMention"], false);
    assert_eq!(
        discord["guilds"]["43"]["requireMention"], true,
        "a guild's own value is kept"
    );

    let backup = std::fs::read_to_string(state.path().join("openclaw.json.bak")).unwrap();
    assert_eq!(backup, original, "the backup is the file as it was");

    let after = state.run(&["doctor", "--json"]).await.json();
    for id in [
        "config.legacy.gateway_token",
        "config.legacy.discord_require_mention",
    ] {
        assert!(
            findings(&after, id).is_empty(),
            "{id} still reported: {after:#}"
        );
    }
    let validate = state.run(&["config", "validate"]).await;
    assert_eq!(validate.code, 0, "{}", validate.text());
}

#[tokio::test]
async fn fix_without_yes_in_non_interactive_mode_changes_nothing() {
    let state = State::new();
    state.write_config(r#"{gateway: {mode: "local", token: "legacy-token-value-0123456789"}}"#);
    let before = std::fs::read_to_string(state.config_path()).unwrap();
    let out = state.run(&["doctor", "--fix", "--non-interactive"]).await;
    assert!(
        out.stdout.contains("--non-interactive without --yes"),
        "{}",
        out.text()
    );
    assert_eq!(
        std::fs::read_to_string(state.config_path()).unwrap(),
        before
    );
}

#[tokio::test]
async fn fix_tightens_a_world_readable_auth_profile_store() {
    let state = State::new();
    state.write_config(&good_config("http://127.0.0.1:9/v1"));
    let agent_dir = state.path().join("agents/main/agent");
    std::fs::create_dir_all(&agent_dir).unwrap();
    let store = agent_dir.join("auth-profiles.json");
    std::fs::write(&store, r#"{"version":1,"profiles":{}}"#).unwrap();
    set_mode(&store, 0o644);

    let report = state.run(&["doctor", "--json"]).await.json();
    let perms = findings(&report, "fs.permissions");
    assert!(
        perms
            .iter()
            .any(|f| f["title"].as_str().unwrap().contains("auth-profiles.json")),
        "{report:#}"
    );
    assert_eq!(mode(&store), 0o644, "doctor without --fix changes nothing");

    let out = state.run(&["doctor", "--fix", "--yes"]).await;
    assert_eq!(mode(&store), 0o600, "{}", out.text());
    let after = state.run(&["doctor", "--json"]).await.json();
    assert!(findings(&after, "fs.permissions").is_empty(), "{after:#}");
}

#[tokio::test]
async fn non_loopback_bind_without_auth_is_an_error() {
    let state = State::new();
    state.write_config(r#"{gateway: {mode: "local", bind: "lan"}}"#);
    let out = state.run(&["doctor", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let report = out.json();
    let found = findings(&report, "gateway.bind_no_auth");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["severity"], "error");

    // The same file with the token in the environment is fine.
    let out = state
        .run_env(&["doctor", "--json"], &[("OPENCLAW_GATEWAY_TOKEN", TOKEN)])
        .await;
    assert!(
        findings(&out.json(), "gateway.bind_no_auth").is_empty(),
        "{}",
        out.text()
    );
}

#[tokio::test]
async fn unset_gateway_mode_explains_allow_unconfigured() {
    let state = State::new();
    state.write_config(r#"{gateway: {auth: {token: "doctor-test-token-0123456789abcdef"}}}"#);
    let report = state.run(&["doctor", "--json"]).await.json();
    let found = findings(&report, "gateway.mode_unset");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .contains("--allow-unconfigured")
    );
}

#[tokio::test]
async fn deep_probe_reaches_a_fake_provider_and_flags_a_closed_port() {
    let fake = FakeLlm::start().await.unwrap();
    let state = State::new();
    state.write_config(&good_config(&fake.openai_base_url()));
    let out = state.run(&["doctor", "--deep", "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.text());
    let report = out.json();
    let reachable = findings(&report, "models.reachable");
    assert_eq!(reachable.len(), 1, "{report:#}");
    assert!(
        reachable[0]["title"]
            .as_str()
            .unwrap()
            .contains(&fake.openai_base_url())
    );

    let dead = format!("http://127.0.0.1:{}/v1", closed_port());
    state.write_config(&good_config(&dead));
    let out = state.run(&["doctor", "--deep", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let report = out.json();
    let unreachable = findings(&report, "models.unreachable");
    assert_eq!(unreachable.len(), 1, "{report:#}");
    assert_eq!(
        unreachable[0]["severity"], "error",
        "the primary model's provider is down"
    );

    // Without --deep nothing is probed.
    let out = state.run(&["doctor", "--json"]).await;
    assert!(findings(&out.json(), "models.unreachable").is_empty());
}

#[tokio::test]
async fn missing_provider_key_and_discord_allowlist_are_reported() {
    let state = State::new();
    state.write_config(
        r#"{gateway: {mode: "local", auth: {token: "doctor-test-token-0123456789abcdef"}},
            agents: {defaults: {model: {primary: "openai/gpt-4o"}}},
            channels: {discord: {groupPolicy: "allowlist"}}}"#,
    );
    let out = state.run(&["doctor", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    let report = out.json();
    let key = findings(&report, "models.key_missing");
    assert_eq!(key.len(), 1, "{report:#}");
    assert!(
        key[0]["remediation"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );
    assert_eq!(
        findings(&report, "discord.token_missing").len(),
        1,
        "{report:#}"
    );
    let empty = findings(&report, "discord.allowlist_empty");
    assert_eq!(empty.len(), 1, "{report:#}");
    assert!(
        empty[0]["detail"]
            .as_str()
            .unwrap()
            .contains("never replies")
    );

    let out = state
        .run_env(
            &["doctor", "--json"],
            &[
                ("OPENAI_API_KEY", "sk-test"),
                ("DISCORD_BOT_TOKEN", "bot-token"),
            ],
        )
        .await;
    let report = out.json();
    assert!(
        findings(&report, "models.key_missing").is_empty(),
        "{report:#}"
    );
    assert!(
        findings(&report, "discord.token_missing").is_empty(),
        "{report:#}"
    );
}

#[tokio::test]
async fn fix_moves_legacy_sections_whole() {
    let state = State::new();
    state.write_config(
        r#"{gateway: {mode: "local", auth: {token: "doctor-test-token-0123456789abcdef"}},
            discord: {token: "x", guilds: {"1": {requireMention: false}}},
            agent: {model: "fake/fake-1"}}"#,
    );
    let report = state.run(&["doctor", "--json"]).await.json();
    assert_eq!(
        findings(&report, "config.legacy.section").len(),
        2,
        "{report:#}"
    );
    let out = state.run(&["doctor", "--fix", "--yes"]).await;
    let config = state.read_config();
    assert!(
        config.get("discord").is_none() && config.get("agent").is_none(),
        "{}",
        out.text()
    );
    assert_eq!(
        config["channels"]["discord"]["guilds"]["1"]["requireMention"],
        false
    );
    assert_eq!(config["channels"]["discord"]["token"], "x");
    assert_eq!(config["agents"]["defaults"]["model"], "fake/fake-1");
}

#[tokio::test]
async fn fix_writes_nothing_while_an_unknown_key_remains() {
    let state = State::new();
    let original =
        r#"{gateway: {mode: "local", token: "legacy-token-value-0123456789", bnd: "lan"}}"#;
    state.write_config(original);
    let out = state.run(&["doctor", "--fix", "--yes"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(
        out.stdout.contains("must be fixed by hand first"),
        "{}",
        out.text()
    );
    assert_eq!(
        std::fs::read_to_string(state.config_path()).unwrap(),
        original
    );
    assert!(!state.path().join("openclaw.json.bak").exists());
}

#[tokio::test]
async fn lock_file_without_holder_is_fine_and_a_busy_port_is_reported() {
    let state = State::new();
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    state.write_config(
        &json!({"gateway": {"mode": "local", "port": port, "auth": {"token": TOKEN}}}).to_string(),
    );
    std::fs::write(state.path().join("gateway.lock"), "4242\n18789\n").unwrap();
    let out = state.run(&["doctor", "--json"]).await;
    let report = out.json();
    let free = findings(&report, "gateway.lock_free");
    assert_eq!(free.len(), 1, "{report:#}");
    assert_eq!(free[0]["severity"], "info");
    assert!(
        free[0]["detail"]
            .as_str()
            .unwrap()
            .contains("cannot go stale")
    );
    assert!(
        findings(&report, "gateway.running").is_empty(),
        "{report:#}"
    );
    let busy = findings(&report, "gateway.port_in_use");
    assert_eq!(busy.len(), 1, "{report:#}");
    assert!(
        busy[0]["title"]
            .as_str()
            .unwrap()
            .contains(&port.to_string())
    );
    drop(listener);
}

#[tokio::test]
async fn footguns_from_the_troubleshooting_pages_are_caught() {
    let state = State::new();
    state.write_config(
        &json!({
            "gateway": {"mode": "local", "auth": {"token": TOKEN}},
            "agents": {"defaults": {
                "workspace": "/srv/elsewhere/workspace",
                "model": {"primary": "fake/fake-1", "fallbacks": ["fake/fake-2"]},
                "models": {"fake/fake-1": {}},
            }},
            "models": {"providers": {"fake": {
                "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "sk-placeholder", "api": "openai-completions",
            }}},
        })
        .to_string(),
    );
    let out = state
        .run_env(
            &["doctor", "--json"],
            &[(
                "OPENCLAW_GATEWAY_TOKEN",
                "another-token-from-the-environment",
            )],
        )
        .await;
    let report = out.json();
    for id in [
        "workspace.outside_state_dir",
        "gateway.token_env_ignored",
        "models.fallback_not_allowed",
    ] {
        let found = findings(&report, id);
        assert_eq!(found.len(), 1, "{id} missing: {report:#}");
        assert_eq!(found[0]["severity"], "warn", "{id}");
    }
}
