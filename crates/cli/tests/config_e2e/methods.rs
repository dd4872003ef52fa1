//! `config.get|set|patch|apply|schema` over WS against a running gateway (protocol spec §3,
//! frames `v129-config.get`, `v129-config.schema`, `v129-config-write-restart`).

use openclaw_testkit::{GatewayProcess, GatewaySpawn, StateDir, WsClient};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{
    ENV_TOKEN, WAIT, all_sections_config, bin, call, call_error, connect, read_config_file,
    seed_config, start_gateway, temp_dir, with_log_file,
};

const REDACTED: &str = "__OPENCLAW_REDACTED__";
const CLEAR_GATEWAY_TOKEN: &str = "clear-gateway-token-1f2e3d4c5b6a";
const CLEAR_PROVIDER_KEY: &str = "sk-clear-provider-key-9a8b7c6d5e";
const ENV_REF_TOKEN: &str = "env-ref-token-0a1b2c3d4e5f";

/// A seed-like config with one custom provider whose API key is written in clear.
fn config_with_provider_key() -> Value {
    let mut config = seed_config();
    config["models"] = json!({
        "mode": "merge",
        "providers": {
            "fake": {
                "baseUrl": "http://127.0.0.1:9/v1",
                "apiKey": CLEAR_PROVIDER_KEY,
                "api": "openai-completions",
                "models": [{"id": "fake-1", "name": "Fake One"}]
            }
        }
    });
    config
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn config_get(client: &mut WsClient) -> Value {
    call(client, "config.get", json!({})).await
}

fn assert_invalid_request(error: &Value, message: &str) {
    assert_eq!(error["code"], json!("INVALID_REQUEST"), "{error}");
    assert_eq!(error["message"], json!(message), "{error}");
}

#[tokio::test]
async fn seed_config_starts_with_zero_issues() {
    let gateway = start_gateway(seed_config(), &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let snapshot = config_get(&mut client).await;
    assert_eq!(snapshot["exists"], json!(true));
    assert_eq!(snapshot["valid"], json!(true));
    assert_eq!(snapshot["issues"], json!([]));
    assert_eq!(snapshot["warnings"], json!([]));
    assert_eq!(
        snapshot["path"],
        json!(gateway.config_path().display().to_string())
    );
    let agents = call(&mut client, "agents.list", json!({})).await;
    assert_eq!(agents["defaultId"], json!("main"));
    assert_eq!(agents["agents"], json!([{"id": "main"}]));
    let problems: Vec<String> = gateway
        .output()
        .into_iter()
        .filter(|line| {
            let lower = line.to_lowercase();
            lower.contains("invalid") || lower.contains("error") || lower.contains("warn")
        })
        .collect();
    assert!(
        problems.is_empty(),
        "start-up reported problems: {problems:#?}"
    );
}

#[tokio::test]
async fn every_top_level_section_is_kept_verbatim_through_config_set() {
    let gateway = start_gateway(all_sections_config(), &[]).await;
    let written = read_config_file(&gateway.config_path());
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;

    let before = config_get(&mut client).await;
    assert_eq!(before["valid"], json!(true), "{}", before["issues"]);
    assert_eq!(before["parsed"].as_object().map(|o| o.len()), Some(31));
    // The env block is secret-bearing: shown redacted, restored on write.
    assert_eq!(before["parsed"]["env"]["E2E_INLINE"], json!(REDACTED));
    assert_eq!(
        before["parsed"]["env"]["vars"]["E2E_FROM_VARS"],
        json!(REDACTED)
    );

    let mut edited = before["parsed"].clone();
    edited["ui"]["seamColor"] = json!("#00aa00");
    let raw = serde_json::to_string_pretty(&edited).unwrap();
    let result = call(
        &mut client,
        "config.set",
        json!({"raw": raw, "baseHash": before["hash"]}),
    )
    .await;
    assert_eq!(result["ok"], json!(true));

    let on_disk = read_config_file(&gateway.config_path());
    let mut expected = written.clone();
    expected["ui"]["seamColor"] = json!("#00aa00");
    for (section, value) in expected.as_object().unwrap() {
        if section == "meta" {
            continue;
        }
        assert_eq!(
            &on_disk[section], value,
            "section {section} changed on disk"
        );
    }
    assert!(on_disk["meta"]["lastTouchedAt"].is_string(), "{on_disk}");

    let after = config_get(&mut client).await;
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&after["parsed"]), keys(&before["parsed"]));
    assert_eq!(after["parsed"]["ui"]["seamColor"], json!("#00aa00"));
}

#[tokio::test]
async fn config_get_hashes_the_file_and_never_shows_clear_secrets() {
    let mut config = config_with_provider_key();
    config["gateway"]["auth"] = json!({"mode": "token", "token": CLEAR_GATEWAY_TOKEN});
    let gateway = start_gateway(config, &[]).await;
    let mut client = connect(&gateway.url(), CLEAR_GATEWAY_TOKEN).await;

    let snapshot = config_get(&mut client).await;
    let file_bytes = std::fs::read(gateway.config_path()).unwrap();
    assert_eq!(snapshot["hash"], json!(sha256_hex(&file_bytes)));

    let whole = snapshot.to_string();
    for secret in [CLEAR_GATEWAY_TOKEN, CLEAR_PROVIDER_KEY] {
        assert!(
            !whole.contains(secret),
            "config.get leaked {secret}: {whole}"
        );
    }
    for tree in ["parsed", "config"] {
        assert_eq!(
            snapshot[tree]["gateway"]["auth"]["token"],
            json!(REDACTED),
            "{tree}"
        );
        assert_eq!(
            snapshot[tree]["models"]["providers"]["fake"]["apiKey"],
            json!(REDACTED),
            "{tree}"
        );
    }
    let raw = snapshot["raw"].as_str().unwrap();
    assert_eq!(raw.matches(REDACTED).count(), 2, "raw:\n{raw}");
}

#[tokio::test]
async fn config_set_checks_base_hash_validates_and_writes_safely() {
    let mut config = config_with_provider_key();
    config["gateway"]["auth"] = json!({"mode": "token", "token": "${MY_TOKEN}"});
    let gateway = start_gateway(config, &[("MY_TOKEN", ENV_REF_TOKEN)]).await;
    let config_path = gateway.config_path();
    let mut client = connect(&gateway.url(), ENV_REF_TOKEN).await;
    let first = config_get(&mut client).await;
    assert!(
        !first.to_string().contains(ENV_REF_TOKEN),
        "the resolved env value leaked: {first}"
    );
    assert_eq!(
        first["parsed"]["gateway"]["auth"]["token"],
        json!("${MY_TOKEN}")
    );
    let raw = first["raw"].as_str().unwrap().to_string();

    let missing = call_error(&mut client, "config.set", json!({"raw": raw})).await;
    assert_invalid_request(
        &missing,
        "config base hash required; re-run config.get and retry",
    );
    let stale = call_error(
        &mut client,
        "config.set",
        json!({"raw": raw, "baseHash": sha256_hex(b"an older file")}),
    )
    .await;
    assert_invalid_request(
        &stale,
        "config changed since last load; re-run config.get and retry",
    );
    let invalid = call_error(
        &mut client,
        "config.set",
        json!({"raw": "{\"gateway\":{\"bogusKey\":1}}", "baseHash": first["hash"]}),
    )
    .await;
    assert_invalid_request(&invalid, "invalid config");
    let issues = invalid["details"]["issues"].as_array().expect("issues");
    assert!(
        issues.iter().any(|issue| issue["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("gateway"))
            && issue["message"]
                .as_str()
                .is_some_and(|m| m.contains("bogusKey"))),
        "issues: {issues:?}"
    );
    assert_eq!(
        sha256_hex(&std::fs::read(&config_path).unwrap()),
        first["hash"].as_str().unwrap(),
        "refused writes leave the file alone"
    );

    // Six accepted writes of the redacted raw text (the Control UI's Save): the provider key
    // comes back from the file, `${MY_TOKEN}` stays a reference, backups rotate at five.
    let mut previous_text = String::new();
    for round in 0..6 {
        let current = config_get(&mut client).await;
        let mut edited: Value = serde_json::from_str(current["raw"].as_str().unwrap()).unwrap();
        assert_eq!(
            edited["models"]["providers"]["fake"]["apiKey"],
            json!(REDACTED)
        );
        edited["ui"] = json!({"seamColor": format!("#00000{round}")});
        previous_text = std::fs::read_to_string(&config_path).unwrap();
        let result = call(
            &mut client,
            "config.set",
            json!({"raw": edited.to_string(), "baseHash": current["hash"]}),
        )
        .await;
        assert_eq!(result["ok"], json!(true));
        assert_eq!(result["path"], json!(config_path.display().to_string()));
    }
    let on_disk = read_config_file(&config_path);
    assert_eq!(on_disk["ui"]["seamColor"], json!("#000005"));
    assert_eq!(
        on_disk["models"]["providers"]["fake"]["apiKey"],
        json!(CLEAR_PROVIDER_KEY)
    );
    assert_eq!(on_disk["gateway"]["auth"]["token"], json!("${MY_TOKEN}"));
    let text = std::fs::read_to_string(&config_path).unwrap();
    assert!(!text.contains(ENV_REF_TOKEN), "secret baked into the file");
    assert!(!text.contains(REDACTED), "placeholder written to the file");

    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&config_path).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let state = gateway.state_dir();
    for name in [
        "openclaw.json.bak",
        "openclaw.json.bak.1",
        "openclaw.json.bak.2",
        "openclaw.json.bak.3",
        "openclaw.json.bak.4",
    ] {
        assert!(state.join(name).exists(), "{name} missing");
    }
    assert!(
        !state.join("openclaw.json.bak.5").exists(),
        "only five generations"
    );
    assert_eq!(
        std::fs::read_to_string(state.join("openclaw.json.bak")).unwrap(),
        previous_text,
        ".bak holds the file as it was before the last write"
    );
    let leftovers: Vec<String> = std::fs::read_dir(state)
        .unwrap()
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp files left behind: {leftovers:?}"
    );

    // The gateway runs the new config at once (ui is read dynamically).
    let latest = config_get(&mut client).await;
    assert_eq!(latest["config"]["ui"]["seamColor"], json!("#000005"));
}

#[tokio::test]
async fn config_set_without_a_file_needs_no_base_hash() {
    let state = temp_dir("openclaw-config-e2e-");
    let log_file = state.path().join("gateway.log");
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway", "--allow-unconfigured"])
        .env("OPENCLAW_GATEWAY_TOKEN", ENV_TOKEN)
        .state_dir(StateDir::Temp(state));
    let mut gateway = GatewayProcess::spawn(spawn).await.unwrap();
    gateway.wait_healthy(WAIT).await.unwrap();
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let snapshot = config_get(&mut client).await;
    assert_eq!(snapshot["exists"], json!(false));
    assert_eq!(snapshot["hash"], json!(sha256_hex(b"")));

    let config = with_log_file(
        json!({"gateway": {"mode": "local"}}),
        log_file.parent().unwrap(),
    );
    let result = call(
        &mut client,
        "config.set",
        json!({"raw": config.to_string()}),
    )
    .await;
    assert_eq!(result["ok"], json!(true));
    let on_disk = read_config_file(&gateway.config_path());
    assert_eq!(on_disk["gateway"]["mode"], json!("local"));
    assert!(!gateway.state_dir().join("openclaw.json.bak").exists());
}

/// Waits for the `shutdown` event and the 1012 close an in-process restart sends.
async fn expect_restart_notice(client: &mut WsClient) {
    let event = client.next_event("shutdown", WAIT).await.unwrap();
    assert_eq!(
        event["payload"],
        json!({"reason": "gateway restarting", "restartExpectedMs": 1500})
    );
    let (code, reason) = client.expect_close(WAIT).await.unwrap();
    assert_eq!((code, reason.as_str()), (1012, "service restart"));
}

/// Waits for the serve loop to listen again after `since`, and checks it is the same process.
async fn expect_same_process_listening(gateway: &GatewayProcess, since: usize) {
    let (_, line) = gateway
        .wait_for_line_since(since, "listening on ws://127.0.0.1:", WAIT)
        .await
        .unwrap();
    let (port, pid) = crate::support::parse_listening_line(&line);
    assert_eq!(port, gateway.port());
    assert_eq!(Some(pid), gateway.pid(), "a different process is listening");
}

#[tokio::test]
async fn config_patch_merges_answers_restart_and_sentinel_then_restarts() {
    let gateway = start_gateway(seed_config(), &[]).await;
    let mut observer = connect(&gateway.url(), ENV_TOKEN).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let current = config_get(&mut client).await;
    let since = gateway.line_count();

    let patch = json!({
        "ui": {"assistant": {"name": "Clawd"}},
        "bindings": null,
        "agents": {"defaults": {"maxConcurrent": 2}},
        // A restart-class section: the file watcher must not restart a second time for it.
        "discovery": {"mdns": {"mode": "off"}},
    });
    let result = call(
        &mut client,
        "config.patch",
        json!({
            "raw": patch.to_string(),
            "baseHash": current["hash"],
            "note": "patch test",
            "restartDelayMs": 300,
        }),
    )
    .await;
    assert_eq!(result["ok"], json!(true));
    assert_eq!(
        result["restart"],
        json!({
            "ok": true,
            "pid": gateway.pid().unwrap(),
            "signal": "SIGUSR1",
            "delayMs": 300,
            "reason": "config.patch",
            "mode": "emit",
        })
    );
    let sentinel_path = gateway.state_dir().join("restart-sentinel.json");
    assert_eq!(
        result["sentinel"]["path"],
        json!(sentinel_path.display().to_string())
    );
    let payload = &result["sentinel"]["payload"];
    assert_eq!(payload["kind"], json!("config-apply"));
    assert_eq!(payload["status"], json!("ok"));
    assert_eq!(payload["message"], json!("patch test"));
    assert_eq!(payload["stats"]["mode"], json!("config.patch"));
    assert_eq!(
        payload["stats"]["root"],
        json!(gateway.config_path().display().to_string())
    );
    assert_eq!(
        payload["doctorHint"],
        json!("Run: openclaw config validate")
    );
    assert!(payload["ts"].is_u64(), "{payload}");

    let on_disk = read_config_file(&gateway.config_path());
    assert_eq!(on_disk["ui"]["assistant"]["name"], json!("Clawd"));
    assert!(on_disk.get("bindings").is_none(), "null deletes: {on_disk}");
    assert_eq!(on_disk["agents"]["defaults"]["maxConcurrent"], json!(2));
    // Merge keeps what the patch did not mention.
    assert_eq!(on_disk["agents"]["list"], seed_config()["agents"]["list"]);
    assert_eq!(
        on_disk["agents"]["defaults"]["model"],
        seed_config()["agents"]["defaults"]["model"]
    );
    assert_eq!(on_disk["channels"], seed_config()["channels"]);

    expect_restart_notice(&mut observer).await;
    expect_restart_notice(&mut client).await;
    expect_same_process_listening(&gateway, since).await;
    gateway
        .wait_for_line_since(since, "restarted after config.patch", WAIT)
        .await
        .unwrap();
    assert!(!sentinel_path.exists(), "sentinel consumed after restart");

    let mut again = connect(&gateway.url(), ENV_TOKEN).await;
    let snapshot = config_get(&mut again).await;
    assert_eq!(
        snapshot["config"]["ui"]["assistant"]["name"],
        json!("Clawd")
    );
    assert!(snapshot["parsed"].get("bindings").is_none());

    // The scheduled restart applies the patch; the watcher must not treat the write as a
    // change of its own (that would apply it twice, or restart twice).
    let after_patch = &gateway.output()[since..];
    let restarts = after_patch
        .iter()
        .filter(|line| line.contains("restarting gateway in-process"))
        .count();
    assert_eq!(restarts, 1, "output after the patch: {after_patch:#?}");
    assert!(
        !after_patch
            .iter()
            .any(|line| line.contains("config change detected")),
        "the watcher re-evaluated the patched file: {after_patch:#?}"
    );
}

#[tokio::test]
async fn config_apply_replaces_the_whole_config_and_restarts() {
    let gateway = start_gateway(seed_config(), &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let current = config_get(&mut client).await;
    let since = gateway.line_count();

    let replacement = with_log_file(
        json!({
            "gateway": {"mode": "local", "bind": "loopback"},
            "agents": {"list": [{"id": "solo", "default": true, "name": "Solo"}]},
        }),
        gateway.state_dir(),
    );
    let result = call(
        &mut client,
        "config.apply",
        json!({
            "raw": replacement.to_string(),
            "baseHash": current["hash"],
            "restartDelayMs": 200,
        }),
    )
    .await;
    assert_eq!(result["restart"]["reason"], json!("config.apply"));
    assert_eq!(
        result["sentinel"]["payload"]["stats"]["mode"],
        json!("config.apply")
    );

    let on_disk = read_config_file(&gateway.config_path());
    for gone in ["channels", "bindings", "auth"] {
        assert!(
            on_disk.get(gone).is_none(),
            "{gone} survived apply: {on_disk}"
        );
    }
    assert_eq!(on_disk["agents"], replacement["agents"]);

    expect_restart_notice(&mut client).await;
    expect_same_process_listening(&gateway, since).await;
    let mut again = connect(&gateway.url(), ENV_TOKEN).await;
    let agents = call(&mut again, "agents.list", json!({})).await;
    assert_eq!(agents["defaultId"], json!("solo"));
    assert_eq!(agents["agents"], json!([{"id": "solo", "name": "Solo"}]));
}

#[tokio::test]
async fn config_schema_is_a_json_schema_with_ui_hints() {
    let gateway = start_gateway(seed_config(), &[]).await;
    let mut client = connect(&gateway.url(), ENV_TOKEN).await;
    let result = call(&mut client, "config.schema", json!({})).await;
    let keys: Vec<&str> = result
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["schema", "uiHints", "version", "generatedAt"]);

    let schema = &result["schema"];
    assert_eq!(schema["type"], json!("object"));
    let properties = schema["properties"].as_object().expect("schema.properties");
    for section in all_sections_config().as_object().unwrap().keys() {
        assert!(properties.contains_key(section), "schema lacks {section}");
    }
    assert!(result["uiHints"].is_object());
    assert!(
        result["version"].as_str().is_some_and(|v| !v.is_empty()),
        "{}",
        result["version"]
    );
    let generated = result["generatedAt"].as_str().unwrap();
    assert!(
        generated.len() >= 20 && generated.as_bytes()[10] == b'T',
        "generatedAt is not ISO 8601: {generated}"
    );
}
