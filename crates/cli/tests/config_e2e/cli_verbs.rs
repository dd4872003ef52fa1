//! `openclaw config validate|get|set|unset` against a state dir, with no gateway running.

use std::path::Path;

use openclaw_testkit::{CliOutput, run_cli};
use serde_json::{Value, json};

use crate::support::{all_sections_config, bin, read_config_file, seed_config, temp_dir};

const TYPO_FIXTURE: &str = include_str!("../fixtures/config/typo.json5");
const SYNTAX_ERROR_FIXTURE: &str = include_str!("../fixtures/config/syntax-error.json5");
const INCLUDE_MAIN_FIXTURE: &str = include_str!("../fixtures/config/include-main.json5");
const INCLUDE_AGENTS_FIXTURE: &str = include_str!("../fixtures/config/include-agents.json5");

/// Runs `openclaw <args>` with `state` as both HOME and state dir.
async fn openclaw(state: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> CliOutput {
    let mut env = vec![
        ("HOME".to_string(), state.display().to_string()),
        (
            "OPENCLAW_STATE_DIR".to_string(),
            state.display().to_string(),
        ),
    ];
    env.extend(
        extra_env
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    run_cli(bin(), args, &env).await.expect("run openclaw")
}

fn write_config_text(state: &Path, text: &str) {
    std::fs::write(state.join("openclaw.json"), text).expect("write openclaw.json");
}

fn write_config_json(state: &Path, config: &Value) {
    write_config_text(
        state,
        &serde_json::to_string_pretty(config).expect("render config"),
    );
}

/// Output with the temp dir replaced, so snapshots and exact-line checks are stable.
fn normalized(output: &str, state: &Path) -> String {
    output.replace(&state.display().to_string(), "<state>")
}

#[tokio::test]
async fn seed_config_validates_and_lists_sections_not_active_yet() {
    let state = temp_dir("openclaw-config-cli-");
    write_config_json(state.path(), &seed_config());

    let text = openclaw(state.path(), &["config", "validate"], &[]).await;
    assert_eq!(text.code(), Some(0), "stderr: {}", text.stderr);
    insta::assert_snapshot!("seed_validate_text", normalized(&text.stdout, state.path()));

    let json_out = openclaw(state.path(), &["config", "validate", "--json"], &[]).await;
    assert_eq!(json_out.code(), Some(0), "stderr: {}", json_out.stderr);
    let report: Value = serde_json::from_str(&json_out.stdout).expect("validate --json is JSON");
    assert_eq!(report["valid"], json!(true));
    assert_eq!(report["issues"], json!([]));
    assert_eq!(report["warnings"], json!([]));
    // Everything the seed configures runs (Discord included).
    assert_eq!(report["inactiveSections"], json!([]));
}

#[tokio::test]
async fn config_with_every_top_level_section_validates() {
    let state = temp_dir("openclaw-config-cli-");
    let config = all_sections_config();
    assert_eq!(
        config.as_object().map(|o| o.len()),
        Some(31),
        "fixture covers §4.1"
    );
    write_config_json(state.path(), &config);
    let out = openclaw(state.path(), &["config", "validate", "--json"], &[]).await;
    assert_eq!(out.code(), Some(0), "stdout: {}", out.stdout);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(report["issues"], json!([]));
}

#[tokio::test]
async fn typo_key_is_reported_with_location_path_and_suggestion() {
    let state = temp_dir("openclaw-config-cli-");
    write_config_text(state.path(), TYPO_FIXTURE);
    let out = openclaw(state.path(), &["config", "validate"], &[]).await;
    assert_eq!(out.code(), Some(1), "stdout: {}", out.stdout);
    let stdout = normalized(&out.stdout, state.path());
    assert!(
        stdout.contains(
            "error: <state>/openclaw.json:5:5: gateway.bnid: unknown key (did you mean \"bind\"?)"
        ),
        "stdout:\n{stdout}"
    );
    assert!(
        stdout.contains("Config invalid: <state>/openclaw.json (1 issue)"),
        "{stdout}"
    );

    let json_out = openclaw(state.path(), &["config", "validate", "--json"], &[]).await;
    assert_eq!(json_out.code(), Some(1));
    let report: Value = serde_json::from_str(&json_out.stdout).expect("JSON");
    assert_eq!(report["valid"], json!(false));
    assert_eq!(report["issues"][0]["path"], json!("gateway.bnid"));
}

#[tokio::test]
async fn json5_syntax_error_is_reported_with_line_and_column() {
    let state = temp_dir("openclaw-config-cli-");
    write_config_text(state.path(), SYNTAX_ERROR_FIXTURE);
    let out = openclaw(state.path(), &["config", "validate"], &[]).await;
    assert_eq!(out.code(), Some(1), "stdout: {}", out.stdout);
    let stdout = normalized(&out.stdout, state.path());
    // Line 4 is `    "bind": "auto" "port": 3000`; column 20 is where the comma is missing.
    assert!(
        stdout.contains("<state>/openclaw.json:4:20:") && stdout.contains("JSON5 parse failed"),
        "stdout:\n{stdout}"
    );
}

#[tokio::test]
async fn include_and_env_references_resolve_and_missing_var_is_named() {
    let state = temp_dir("openclaw-config-cli-");
    write_config_text(state.path(), INCLUDE_MAIN_FIXTURE);
    std::fs::write(
        state.path().join("include-agents.json5"),
        INCLUDE_AGENTS_FIXTURE,
    )
    .expect("write include");

    let missing = openclaw(state.path(), &["config", "validate"], &[]).await;
    assert_eq!(missing.code(), Some(1), "stdout: {}", missing.stdout);
    assert!(
        normalized(&missing.stdout, state.path()).contains(
            "error: <state>/openclaw.json:6:35: gateway.auth.token: Missing env var \
             \"E2E_INCLUDE_TOKEN\" referenced at config path: gateway.auth.token"
        ),
        "stdout:\n{}",
        missing.stdout
    );

    let env = [("E2E_INCLUDE_TOKEN", "include-secret-4242")];
    let valid = openclaw(state.path(), &["config", "validate"], &env).await;
    assert_eq!(valid.code(), Some(0), "stdout: {}", valid.stdout);

    // `get` reads the resolved config: the included agent is there, the secret is not.
    let name = openclaw(
        state.path(),
        &["config", "get", "agents.list[0].name"],
        &env,
    )
    .await;
    assert_eq!(name.code(), Some(0), "stderr: {}", name.stderr);
    assert_eq!(name.stdout.trim(), "Included Main");
    let token = openclaw(state.path(), &["config", "get", "gateway.auth.token"], &env).await;
    assert_eq!(token.code(), Some(0), "stderr: {}", token.stderr);
    assert_eq!(token.stdout.trim(), "__OPENCLAW_REDACTED__");

    // A mistake inside the included file is located in that file.
    std::fs::write(
        state.path().join("include-agents.json5"),
        INCLUDE_AGENTS_FIXTURE.replace("name:", "nmae:"),
    )
    .expect("rewrite include");
    let typo = openclaw(state.path(), &["config", "validate"], &env).await;
    assert_eq!(typo.code(), Some(1));
    let stdout = normalized(&typo.stdout, state.path());
    assert!(
        stdout.contains(
            "<state>/include-agents.json5:4:36: agents.list[0].nmae: unknown key (did you mean \"name\"?)"
        ),
        "stdout:\n{stdout}"
    );
}

#[tokio::test]
async fn get_set_unset_edit_the_file_without_a_gateway() {
    let state = temp_dir("openclaw-config-cli-");
    write_config_json(state.path(), &seed_config());
    let config_path = state.path().join("openclaw.json");
    let run = |args: &'static [&'static str]| openclaw(state.path(), args, &[]);

    let id = run(&["config", "get", "agents.list[0].id"]).await;
    assert_eq!((id.code(), id.stdout.trim()), (Some(0), "main"));
    let fallback = run(&["config", "get", "agents.defaults.model.fallbacks[1]"]).await;
    assert_eq!(fallback.stdout.trim(), "openai/gpt-4o");
    let quoted = run(&[
        "config",
        "get",
        "channels.discord.guilds[\"YOUR_GUILD_ID\"].requireMention",
    ])
    .await;
    assert_eq!(
        (quoted.code(), quoted.stdout.trim()),
        (Some(0), "false"),
        "stderr: {}",
        quoted.stderr
    );
    let object = run(&["config", "get", "agents.defaults.model", "--json"]).await;
    let object: Value = serde_json::from_str(&object.stdout).expect("--json prints JSON");
    assert_eq!(object["primary"], json!("anthropic/claude-opus-4-5"));

    // JSON5 values, a plain-string fallback, and intermediate objects created on the way.
    for args in [
        &["config", "set", "ui.assistant.name", "Clawd"][..],
        &[
            "config",
            "set",
            "messages.queue",
            "{mode: 'collect', debounceMs: 1500}",
        ],
        &["config", "set", "agents.list[0].name", "'Main Agent'"],
        &["config", "set", "agents.defaults.maxConcurrent", "2"],
    ] {
        let out = openclaw(state.path(), args, &[]).await;
        assert_eq!(out.code(), Some(0), "{args:?}: {}", out.stderr);
        assert!(out.stdout.starts_with("Updated "), "{}", out.stdout);
    }
    let file = read_config_file(&config_path);
    assert_eq!(file["ui"], json!({"assistant": {"name": "Clawd"}}));
    assert_eq!(
        file["messages"]["queue"],
        json!({"mode": "collect", "debounceMs": 1500})
    );
    assert_eq!(file["agents"]["list"][0]["name"], json!("Main Agent"));
    assert_eq!(file["agents"]["defaults"]["maxConcurrent"], json!(2));
    // Untouched sections survive the rewrite.
    assert_eq!(file["channels"], seed_config()["channels"]);
    assert_eq!(file["bindings"], seed_config()["bindings"]);
    let mode = std::fs::metadata(&config_path).expect("stat").permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );

    let unset = run(&["config", "unset", "ui.assistant.name"]).await;
    assert_eq!(unset.code(), Some(0), "stderr: {}", unset.stderr);
    assert!(unset.stdout.starts_with("Removed "), "{}", unset.stdout);
    assert_eq!(
        read_config_file(&config_path)["ui"],
        json!({"assistant": {}})
    );

    let again = run(&["config", "unset", "ui.assistant.name"]).await;
    assert_eq!(again.code(), Some(1));
    assert!(
        again
            .stderr
            .contains("Config path not found: ui.assistant.name"),
        "{}",
        again.stderr
    );
    let missing = run(&["config", "get", "gateway.remote.url"]).await;
    assert_eq!(missing.code(), Some(1));
    assert!(
        missing
            .stderr
            .contains("Config path not found: gateway.remote.url"),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn set_that_would_make_the_config_invalid_changes_nothing() {
    let state = temp_dir("openclaw-config-cli-");
    write_config_json(state.path(), &seed_config());
    let config_path = state.path().join("openclaw.json");
    let before = std::fs::read(&config_path).expect("read");

    let out = openclaw(state.path(), &["config", "set", "gateway.bnd", "lan"], &[]).await;
    assert_eq!(out.code(), Some(1), "stdout: {}", out.stdout);
    assert!(
        out.stderr.contains("gateway.bnd") && out.stderr.contains("did you mean \"bind\""),
        "stderr:\n{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(&config_path).expect("read"),
        before,
        "file untouched"
    );
    assert!(
        !state.path().join("openclaw.json.bak").exists(),
        "no backup for a refused write"
    );
}
