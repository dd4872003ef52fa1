//! The client verbs of the `openclaw` binary against a running gateway: `gateway call`, `health`,
//! `status`, with the token from `OPENCLAW_GATEWAY_TOKEN` or `--token` and the target from
//! `OPENCLAW_GATEWAY_PORT` or `--url`; exit codes and messages for success, unknown method, wrong
//! token and an unreachable gateway.
//!
//! The CLI runs with its own empty HOME/state dir, so it cannot pick the token or port up from the
//! gateway's config: only what the test passes reaches it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use openclaw_testkit::{CliOutput, free_port, run_cli};
use serde_json::{Value, json};
use tempfile::TempDir;
use ws_support::{Gateway, TOKEN, bin, start_gateway};

/// A CLI environment with nothing configured.
struct Client {
    home: TempDir,
}

impl Client {
    fn new() -> Self {
        Client {
            home: tempfile::Builder::new()
                .prefix("openclaw-e2e-cli-")
                .tempdir()
                .unwrap(),
        }
    }

    async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> CliOutput {
        let mut all = vec![
            ("HOME".to_owned(), self.home.path().display().to_string()),
            (
                "OPENCLAW_STATE_DIR".to_owned(),
                self.home.path().join(".openclaw").display().to_string(),
            ),
        ];
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        run_cli(&bin(), args, &all).await.unwrap()
    }
}

fn env_for(gateway: &Gateway) -> [(&'static str, String); 2] {
    [
        ("OPENCLAW_GATEWAY_TOKEN", TOKEN.to_owned()),
        ("OPENCLAW_GATEWAY_PORT", gateway.process.port().to_string()),
    ]
}

fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn stdout_json(output: &CliOutput) -> Value {
    serde_json::from_str(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            output.stdout, output.stderr
        )
    })
}

fn assert_exit(output: &CliOutput, code: i32) {
    assert_eq!(
        output.code(),
        Some(code),
        "exit code\nstdout:\n{}\nstderr:\n{}",
        output.stdout,
        output.stderr
    );
}

#[tokio::test]
async fn gateway_call_uses_the_env_token_and_port() {
    let gateway = start_gateway(json!({
        "agents": {"list": [{"id": "main", "name": "Main"}, {"id": "ops"}]},
    }))
    .await
    .unwrap();
    let client = Client::new();
    let env = env_for(&gateway);
    let env = as_refs(&env);

    let out = client
        .run(&["gateway", "call", "health", "--params", "{}"], &env)
        .await;
    assert_exit(&out, 0);
    let health = stdout_json(&out);
    assert_eq!(health["ok"], true);
    assert_eq!(health["defaultAgentId"], "main");

    let out = client.run(&["gateway", "call", "agents.list"], &env).await;
    assert_exit(&out, 0);
    // The CLI negotiates protocol 4, whose rows carry more fields (workspace, model, …).
    let agents = stdout_json(&out)["agents"].clone();
    let ids: Vec<(Value, Value)> = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].clone(), a["name"].clone()))
        .collect();
    assert_eq!(
        ids,
        [(json!("main"), json!("Main")), (json!("ops"), Value::Null)]
    );

    // JSON5 params are accepted, like OpenClaw's CLI.
    let out = client
        .run(
            &["gateway", "call", "logs.tail", "--params", "{limit: 2}"],
            &env,
        )
        .await;
    assert_exit(&out, 0);
    let tail = stdout_json(&out);
    assert!(tail["lines"].as_array().unwrap().len() <= 2, "{tail}");
    assert_eq!(tail["file"], gateway.log_file.display().to_string());
}

#[tokio::test]
async fn flags_override_the_environment() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let client = Client::new();
    let url = gateway.url();
    // The env points at nothing useful; --url and --token win.
    let stale = [
        ("OPENCLAW_GATEWAY_TOKEN", "stale-token"),
        ("OPENCLAW_GATEWAY_PORT", "1"),
    ];
    let out = client
        .run(
            &["gateway", "call", "status", "--url", &url, "--token", TOKEN],
            &stale,
        )
        .await;
    assert_exit(&out, 0);
    let status = stdout_json(&out);
    assert!(status["sessions"].is_object(), "{status}");
    assert!(status["heartbeat"].is_object(), "{status}");

    let out = client
        .run(&["health", "--json", "--url", &url, "--token", TOKEN], &[])
        .await;
    assert_exit(&out, 0);
    assert_eq!(stdout_json(&out)["ok"], true);
}

#[tokio::test]
async fn health_and_status_verbs_print_json_and_text() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let client = Client::new();
    let env = env_for(&gateway);
    let env = as_refs(&env);

    for args in [
        &["health", "--json"][..],
        &["gateway", "health", "--json"][..],
    ] {
        let out = client.run(args, &env).await;
        assert_exit(&out, 0);
        let health = stdout_json(&out);
        assert_eq!(health["ok"], true, "{args:?}");
        assert_eq!(health["agents"][0]["agentId"], "main", "{args:?}");
    }
    let out = client.run(&["health"], &env).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .starts_with(&format!("Gateway {}: ok", gateway.url())),
        "{}",
        out.stdout
    );

    for args in [
        &["status", "--json"][..],
        &["gateway", "status", "--json"][..],
    ] {
        let out = client.run(args, &env).await;
        assert_exit(&out, 0);
        let status = stdout_json(&out);
        assert_eq!(status["sessions"]["count"], 0, "{args:?}");
        assert_eq!(status["channelSummary"], json!([]), "{args:?}");
    }
    let out = client.run(&["status"], &env).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .contains(&format!("reachable at {}", gateway.url())),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn failures_exit_1_with_the_gateway_s_message() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let client = Client::new();
    let env = env_for(&gateway);
    let env = as_refs(&env);

    // Unknown method: OpenClaw's wording, on stderr or as JSON.
    let out = client
        .run(&["gateway", "call", "no.such.method"], &env)
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("Gateway call failed: unknown method: no.such.method"),
        "{}",
        out.stderr
    );
    let out = client
        .run(&["gateway", "call", "no.such.method", "--json"], &env)
        .await;
    assert_exit(&out, 1);
    assert_eq!(
        stdout_json(&out),
        json!({"ok": false, "error": {"code": "INVALID_REQUEST",
                                      "message": "unknown method: no.such.method"}})
    );

    // Wrong token.
    let url = gateway.url();
    let out = client
        .run(
            &[
                "gateway", "call", "health", "--url", &url, "--token", "nope",
            ],
            &[],
        )
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("unauthorized: gateway token mismatch"),
        "{}",
        out.stderr
    );
    let out = client
        .run(&["health", "--json", "--url", &url, "--token", "nope"], &[])
        .await;
    assert_exit(&out, 1);
    let error = stdout_json(&out)["error"].clone();
    assert_eq!(error["details"]["code"], "AUTH_TOKEN_MISMATCH", "{error}");

    // No token at all: the gateway asks for an identity.
    let port = gateway.process.port().to_string();
    let out = client
        .run(
            &["gateway", "call", "health"],
            &[("OPENCLAW_GATEWAY_PORT", &port)],
        )
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("device identity required"),
        "{}",
        out.stderr
    );

    // Params that are not JSON never reach the gateway.
    let out = client
        .run(&["gateway", "call", "health", "--params", "{nope"], &env)
        .await;
    assert_exit(&out, 1);
    assert!(out.stderr.contains("--params"), "{}", out.stderr);

    // Params the method refuses: the gateway's ajv-style message.
    let out = client
        .run(
            &["gateway", "call", "health", "--params", r#"{"bogus":1}"#],
            &env,
        )
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("invalid health params: at root: unexpected property 'bogus'"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn an_unreachable_gateway_is_named_in_the_error() {
    let client = Client::new();
    let port = free_port().unwrap();
    let url = format!("ws://127.0.0.1:{port}");
    let port = port.to_string();
    let env = [
        ("OPENCLAW_GATEWAY_TOKEN", TOKEN),
        ("OPENCLAW_GATEWAY_PORT", port.as_str()),
    ];

    for args in [&["gateway", "call", "health"][..], &["health"][..]] {
        let out = client.run(args, &env).await;
        assert_exit(&out, 1);
        assert!(
            out.stderr.contains(&format!("not reachable at {url}")),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = client.run(&["status"], &env).await;
    assert_exit(&out, 1);
    assert!(
        out.stdout.contains(&format!("not reachable at {url}")),
        "{}",
        out.stdout
    );
    let out = client.run(&["health", "--json"], &env).await;
    assert_exit(&out, 1);
    let message = stdout_json(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains(&url), "{message}");

    // An explicit --url is the one named.
    let other = format!("ws://127.0.0.1:{}", free_port().unwrap());
    let out = client
        .run(&["gateway", "call", "health", "--url", &other], &env)
        .await;
    assert_exit(&out, 1);
    assert!(out.stderr.contains(&other), "{}", out.stderr);
}
