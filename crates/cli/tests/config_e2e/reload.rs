//! Hot reload of a running gateway (behavior spec §2.4): dynamic changes seen by the next
//! request on the same connection, invalid edits skipped, restart-class changes applied by an
//! in-process restart of the same PID, the `off`/`hot`/`restart` reload modes, and
//! `openclaw config set` picked up by the watcher.

use std::time::Duration;

use openclaw_testkit::{WsClient, free_port, http_get, run_cli};
use serde_json::{Value, json};

use crate::support::{
    ENV_TOKEN, UnpinnedGateway, WAIT, agent_names, another_free_port, bin, call, connect,
    connect_refused, parse_listening_line, read_config_file, seed_config, start_gateway,
    wait_port_healthy, write_config_file, write_config_in_place,
};

/// How long a correct gateway gets to *not* do something (repeat a skipped reload) before the
/// test moves on. A correct implementation never produces the line, so this cannot flake; a
/// looping watcher (every debounce period, 300 ms) is caught well within it.
const QUIET_WINDOW: Duration = Duration::from_millis(1500);

fn main_agent_named(name: &str) -> Vec<(String, Option<String>)> {
    vec![("main".to_string(), Some(name.to_string()))]
}

fn seed_with_agent_name(name: &str) -> Value {
    let mut config = seed_config();
    config["agents"]["list"][0]["name"] = json!(name);
    config
}

/// The file as the running gateway sees it (with the log file the kit added), edited.
fn edited_file(path: &std::path::Path, edit: impl FnOnce(&mut Value)) -> Value {
    let mut config = read_config_file(path);
    edit(&mut config);
    config
}

async fn expect_restart_notice(client: &mut WsClient) {
    let event = client.next_event("shutdown", WAIT).await.unwrap();
    assert_eq!(
        event["payload"],
        json!({"reason": "gateway restarting", "restartExpectedMs": 1500})
    );
    let (code, reason) = client.expect_close(WAIT).await.unwrap();
    assert_eq!((code, reason.as_str()), (1012, "service restart"));
}

#[tokio::test]
async fn dynamic_change_is_seen_by_the_next_request_on_the_same_connection() {
    let gateway = start_gateway(seed_config(), &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    assert_eq!(
        agent_names(&mut client).await,
        vec![("main".to_string(), None)]
    );

    let since = gateway.line_count();
    let config_path = gateway.config_path();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["agents"]["list"][0]["name"] = json!("Renamed");
            config["ui"] = json!({"assistant": {"name": "Clawd"}});
        }),
    );
    let (_, applied) = gateway
        .wait_for_line_since(since, "config change applied (dynamic reads:", WAIT)
        .await
        .unwrap();
    assert!(
        applied.contains("agents.list") && applied.contains(", ui"),
        "{applied}"
    );

    assert_eq!(agent_names(&mut client).await, main_agent_named("Renamed"));
    let snapshot = call(&mut client, "config.get", json!({})).await;
    assert_eq!(
        snapshot["config"]["ui"]["assistant"]["name"],
        json!("Clawd")
    );
    let after = &gateway.output()[since..];
    assert!(
        !after.iter().any(|line| line.contains("listening on")),
        "a dynamic change restarted the gateway: {after:#?}"
    );
}

#[tokio::test]
async fn invalid_edit_keeps_the_old_config_until_the_file_is_fixed() {
    let gateway = start_gateway(seed_with_agent_name("Original"), &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let config_path = gateway.config_path();

    let since = gateway.line_count();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["agents"]["list"][0]["name"] = json!("Broken");
            config["gateway"]["bnd"] = json!("lan");
        }),
    );
    let (skipped_at, skipped) = gateway
        .wait_for_line_since(since, "config reload skipped (invalid config)", WAIT)
        .await
        .unwrap();
    assert!(
        skipped.contains("openclaw.json:")
            && skipped.contains("gateway.bnd: unknown key (did you mean \"bind\"?)"),
        "the reason is missing: {skipped}"
    );
    assert_eq!(agent_names(&mut client).await, main_agent_named("Original"));
    let snapshot = call(&mut client, "config.get", json!({})).await;
    assert_eq!(snapshot["valid"], json!(false));

    // Reading the file (config.get just did) is not a change: nothing is re-evaluated.
    let repeated = gateway
        .wait_for_line_since(
            skipped_at + 1,
            "config reload skipped (invalid config)",
            QUIET_WINDOW,
        )
        .await;
    assert!(
        repeated.is_err(),
        "the unchanged invalid file was reloaded again: {repeated:?}"
    );

    // This time edited in place (truncate + write, like `echo > file`), not renamed over.
    let since = gateway.line_count();
    write_config_in_place(
        &config_path,
        &edited_file(&config_path, |config| {
            config["gateway"]
                .as_object_mut()
                .unwrap()
                .remove("bnd")
                .unwrap();
            config["agents"]["list"][0]["name"] = json!("Fixed");
        }),
    );
    gateway
        .wait_for_line_since(since, "config change applied (dynamic reads:", WAIT)
        .await
        .unwrap();
    assert_eq!(agent_names(&mut client).await, main_agent_named("Fixed"));
}

#[tokio::test]
async fn token_change_restarts_in_process_and_switches_the_token() {
    let mut config = seed_config();
    config["gateway"]["auth"] = json!({"mode": "token", "token": "first-token-aaaa1111"});
    let gateway = start_gateway(config, &[]).await;
    let mut client = connect(&gateway.url(), "first-token-aaaa1111").await;

    let since = gateway.line_count();
    let config_path = gateway.config_path();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["gateway"]["auth"]["token"] = json!("second-token-bbbb2222");
        }),
    );
    expect_restart_notice(&mut client).await;
    gateway
        .wait_for_line_since(
            since,
            "config change requires gateway restart (gateway.auth.token)",
            WAIT,
        )
        .await
        .unwrap();
    let (_, listening) = gateway
        .wait_for_line_since(since, "listening on ws://127.0.0.1:", WAIT)
        .await
        .unwrap();
    assert_eq!(
        parse_listening_line(&listening),
        (gateway.port(), gateway.pid().unwrap())
    );

    let mut renewed = connect(&gateway.url(), "second-token-bbbb2222").await;
    assert_eq!(
        agent_names(&mut renewed).await,
        vec![("main".to_string(), None)]
    );
    let refused = connect_refused(&gateway.url(), "first-token-aaaa1111").await;
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("unauthorized")),
        "{refused}"
    );
}

#[tokio::test]
async fn port_change_restarts_in_process_on_the_new_port() {
    let first_port = free_port().unwrap();
    let mut config = seed_config();
    config["gateway"]["port"] = json!(first_port);
    let gateway = UnpinnedGateway::start(config).await;
    let (_, listening) = gateway
        .wait_for_line_since(0, "listening on ws://127.0.0.1:")
        .await;
    assert_eq!(
        parse_listening_line(&listening),
        (first_port, gateway.pid())
    );
    wait_port_healthy(first_port).await;
    gateway.wait_for_line_since(0, "gateway ready").await;
    let mut client = connect(&format!("ws://127.0.0.1:{first_port}"), ENV_TOKEN).await;

    let second_port = another_free_port(first_port);
    let since = gateway.line_count();
    let config_path = gateway.config_path();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["gateway"]["port"] = json!(second_port);
        }),
    );
    expect_restart_notice(&mut client).await;
    gateway
        .wait_for_line_since(
            since,
            "config change requires gateway restart (gateway.port)",
        )
        .await;
    let (_, listening) = gateway
        .wait_for_line_since(since, "listening on ws://127.0.0.1:")
        .await;
    assert_eq!(
        parse_listening_line(&listening),
        (second_port, gateway.pid())
    );
    wait_port_healthy(second_port).await;
    let mut moved = connect(&format!("ws://127.0.0.1:{second_port}"), ENV_TOKEN).await;
    assert_eq!(
        agent_names(&mut moved).await,
        vec![("main".to_string(), None)]
    );
    let old = std::net::SocketAddr::from(([127, 0, 0, 1], first_port));
    assert!(
        http_get(old, "/health", &[]).await.is_err(),
        "the old port {first_port} still answers"
    );
}

#[tokio::test]
async fn reload_mode_off_ignores_changes() {
    let mut config = seed_with_agent_name("Original");
    config["gateway"]["reload"] = json!({"mode": "off"});
    let gateway = start_gateway(config, &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;

    let since = gateway.line_count();
    let config_path = gateway.config_path();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["agents"]["list"][0]["name"] = json!("Ignored");
            config["gateway"]["auth"] = json!({"token": "never-applied-token"});
        }),
    );
    let (disabled_at, _) = gateway
        .wait_for_line_since(
            since,
            "config reload disabled (gateway.reload.mode=off)",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(agent_names(&mut client).await, main_agent_named("Original"));
    // Neither a dynamic apply nor a restart: the old token still works on a new connection.
    let mut second = connect(&gateway.url(), ENV_TOKEN).await;
    assert_eq!(agent_names(&mut second).await, main_agent_named("Original"));
    let repeated = gateway
        .wait_for_line_since(disabled_at + 1, "config reload disabled", QUIET_WINDOW)
        .await;
    assert!(
        repeated.is_err(),
        "the unchanged file was evaluated again: {repeated:?}"
    );
    let after = &gateway.output()[since..];
    assert!(
        !after
            .iter()
            .any(|line| line.contains("applied") || line.contains("listening on")),
        "mode off still applied something: {after:#?}"
    );
}

#[tokio::test]
async fn hot_mode_applies_dynamic_changes_and_ignores_restart_ones() {
    let mut config = seed_with_agent_name("Original");
    config["gateway"]["reload"] = json!({"mode": "hot"});
    let gateway = start_gateway(config, &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;

    let since = gateway.line_count();
    let config_path = gateway.config_path();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["agents"]["list"][0]["name"] = json!("Hot");
            config["gateway"]["auth"] = json!({"token": "needs-a-restart-token"});
        }),
    );
    gateway
        .wait_for_line_since(
            since,
            "config reload requires gateway restart; hot mode ignoring (gateway.auth)",
            WAIT,
        )
        .await
        .unwrap();
    let (_, applied) = gateway
        .wait_for_line_since(since, "config change applied (dynamic reads:", WAIT)
        .await
        .unwrap();
    assert!(
        !applied.contains("gateway.auth"),
        "claims to apply {applied}"
    );
    assert_eq!(agent_names(&mut client).await, main_agent_named("Hot"));
    // Still the old token, still the first listener.
    let mut second = connect(&gateway.url(), ENV_TOKEN).await;
    assert_eq!(agent_names(&mut second).await, main_agent_named("Hot"));
    let after = &gateway.output()[since..];
    assert!(
        !after.iter().any(|line| line.contains("listening on")),
        "hot mode restarted: {after:#?}"
    );
}

#[tokio::test]
async fn restart_mode_restarts_even_for_dynamic_changes() {
    let mut config = seed_config();
    config["gateway"]["reload"] = json!({"mode": "restart"});
    let gateway = start_gateway(config, &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;

    let since = gateway.line_count();
    let config_path = gateway.config_path();
    write_config_file(
        &config_path,
        &edited_file(&config_path, |config| {
            config["agents"]["list"][0]["name"] = json!("After Restart");
        }),
    );
    expect_restart_notice(&mut client).await;
    let (_, listening) = gateway
        .wait_for_line_since(since, "listening on ws://127.0.0.1:", WAIT)
        .await
        .unwrap();
    assert_eq!(
        parse_listening_line(&listening),
        (gateway.port(), gateway.pid().unwrap())
    );
    let mut again = connect(&gateway.url(), ENV_TOKEN).await;
    assert_eq!(
        agent_names(&mut again).await,
        main_agent_named("After Restart")
    );
}

#[tokio::test]
async fn cli_config_set_is_picked_up_by_the_running_gateway() {
    let gateway = start_gateway(seed_config(), &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let since = gateway.line_count();

    let out = run_cli(
        bin(),
        &["config", "set", "agents.list[0].name", "Via CLI"],
        &gateway.cli_env(),
    )
    .await
    .unwrap();
    assert_eq!(out.code(), Some(0), "stderr: {}", out.stderr);

    gateway
        .wait_for_line_since(since, "config change applied (dynamic reads:", WAIT)
        .await
        .unwrap();
    assert_eq!(agent_names(&mut client).await, main_agent_named("Via CLI"));
    let on_disk = read_config_file(&gateway.config_path());
    assert_eq!(on_disk["agents"]["list"][0]["name"], json!("Via CLI"));
}
