//! A gateway's life as an operator sees it: the listening line, graceful shutdown on
//! SIGTERM/SIGINT, `--verbose`, colour control and the JSONL file log (spec §2.2, §2.6, §1.2).

use std::path::Path;
use std::time::Duration;

use openclaw_testkit::{HandshakeOptions, Signal, WsClient, run_cli_with_timeout};
use serde_json::{Value, json};

use crate::{
    BIN, EXIT_TIMEOUT, START_TIMEOUT, Sandbox, Secret, TOKEN, accepts, fixture, gateway, local,
    start, unique_port,
};

#[tokio::test]
async fn fly_style_start_on_lan_prints_the_listening_line() {
    // Fly's invocation: no gateway.mode, the token only in the environment.
    let gw = start(
        gateway(json!({}))
            .args(["gateway", "--allow-unconfigured", "--bind", "lan"])
            .env("OPENCLAW_GATEWAY_TOKEN", TOKEN),
    )
    .await;
    let line = gw
        .wait_for_line("listening on", START_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        line,
        format!(
            "[gateway] listening on ws://0.0.0.0:{} (PID {})",
            gw.port(),
            gw.pid().unwrap()
        )
    );
    assert!(accepts(&gw, Secret::Token(TOKEN)).await);
    // IPv6 too (Fly's private network is IPv6-only), when the host has IPv6 at all.
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let v6 = gw
            .wait_for_line("listening on ws://[::]:", START_TIMEOUT)
            .await;
        assert!(v6.is_ok(), "{:?}", gw.output());
        let answered = tokio::net::TcpStream::connect(("::1", gw.port())).await;
        assert!(answered.is_ok(), "{answered:?}");
    }
}

#[tokio::test]
async fn loopback_is_the_default_bind() {
    let gw = start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway"])).await;
    let line = gw
        .wait_for_line("listening on", START_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        line,
        format!(
            "[gateway] listening on ws://127.0.0.1:{} (PID {})",
            gw.port(),
            gw.pid().unwrap()
        )
    );
}

/// The `shutdown` frame and close a 2026.1.29 gateway sent (captured traffic).
fn captured_shutdown() -> (Value, u16, String) {
    let text = std::fs::read_to_string(fixture("shutdown-v129.jsonl")).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let frame = records
        .iter()
        .find_map(|r| r.get("frame").cloned())
        .unwrap();
    let close = records
        .iter()
        .find(|r| r["kind"] == "server-close")
        .unwrap();
    (
        frame,
        u16::try_from(close["code"].as_u64().unwrap()).unwrap(),
        close["reason"].as_str().unwrap().to_owned(),
    )
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

async fn stops_gracefully_on(signal: Signal, name: &str) {
    let mut gw = start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway"])).await;
    let options = HandshakeOptions {
        token: Some(TOKEN.to_owned()),
        ..HandshakeOptions::default()
    };
    let (mut client, _hello) = WsClient::connect_ok(&gw.url(), &options).await.unwrap();

    gw.signal(signal).unwrap();
    let event = client
        .next_event("shutdown", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        event["payload"],
        json!({"reason": "gateway stopping", "restartExpectedMs": null})
    );
    // A repeated signal during shutdown is ignored (no second shutdown, still exit 0).
    gw.signal(signal).unwrap();
    let (captured, captured_code, captured_reason) = captured_shutdown();
    assert_eq!(keys(&event), keys(&captured), "frame shape: {event}");
    assert_eq!(keys(&event["payload"]), keys(&captured["payload"]));
    let (code, reason) = client.expect_close(Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        (code, reason.as_str()),
        (captured_code, captured_reason.as_str())
    );

    let status = gw.wait_exit(EXIT_TIMEOUT).await.expect("gateway exits");
    assert_eq!(status.code(), Some(0), "{name}: {status}");
    let output = gw.output().join("\n");
    assert_eq!(
        output
            .matches(&format!("[gateway] received {name}; shutting down"))
            .count(),
        1,
        "{output}"
    );
    assert!(
        !output.contains("shutdown timed out"),
        "{name}: shutdown must finish before the 5 s force-exit timer\n{output}"
    );
    let log = std::fs::read_to_string(gw.state_dir().join("gateway.log")).unwrap();
    assert!(log.contains(&format!("received {name}; shutting down")));
}

#[tokio::test]
async fn sigterm_sends_shutdown_closes_1012_and_exits_0() {
    stops_gracefully_on(Signal::Term, "SIGTERM").await;
}

#[tokio::test]
async fn sigint_sends_shutdown_closes_1012_and_exits_0() {
    stops_gracefully_on(Signal::Int, "SIGINT").await;
}

#[tokio::test]
async fn verbose_mirrors_debug_lines_to_the_console() {
    let debug_marker = "start-up settings:";
    let verbose =
        start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway", "--verbose"]))
            .await;
    let line = verbose
        .wait_for_line(debug_marker, START_TIMEOUT)
        .await
        .unwrap();
    assert!(
        line.starts_with("[gateway] start-up settings: config "),
        "{line}"
    );
    assert!(line.ends_with("auth mode token"), "{line}");
    assert!(
        !line.contains(TOKEN),
        "secrets never reach the console: {line}"
    );

    let quiet = start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway"])).await;
    // The debug line would precede `listening on` on the same stream.
    quiet
        .wait_for_line("listening on", START_TIMEOUT)
        .await
        .unwrap();
    let output = quiet.output().join("\n");
    assert!(!output.contains(debug_marker), "{output}");
    // The file log keeps its own level (info): --verbose does not change it.
    let file = std::fs::read_to_string(verbose.state_dir().join("gateway.log")).unwrap();
    assert!(!file.contains(debug_marker));
}

#[tokio::test]
async fn file_log_is_jsonl_at_logging_file() {
    let gw = start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway"])).await;
    gw.wait_for_line("gateway ready", START_TIMEOUT)
        .await
        .unwrap();
    let path = gw.state_dir().join("gateway.log");
    let log_line = gw.wait_for_line("log file:", START_TIMEOUT).await.unwrap();
    assert_eq!(log_line, format!("[gateway] log file: {}", path.display()));

    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let listening = records
        .iter()
        .find(|r| {
            r["1"]
                .as_str()
                .is_some_and(|m| m.starts_with("listening on ws://127.0.0.1:"))
        })
        .unwrap_or_else(|| panic!("no listening record in:\n{text}"));
    assert_eq!(listening["0"], r#"{"subsystem":"gateway"}"#);
    assert_eq!(listening["_meta"]["logLevelName"], "INFO");
    assert!(listening["time"].as_str().is_some());
}

/// Runs `openclaw args…` under a pseudo-terminal (util-linux `script`), so colour is decided
/// by NO_COLOR / --no-color rather than by output being a pipe.
async fn run_in_terminal(sandbox: &Sandbox, args: &[&str], no_color_env: bool) -> String {
    let command = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut env = sandbox.env();
    // The kit sets NO_COLOR=1 for every child; an empty value means "not set".
    env.push((
        "NO_COLOR".into(),
        if no_color_env { "1" } else { "" }.into(),
    ));
    let out = run_cli_with_timeout(
        Path::new("script"),
        &["-qec", &command, "/dev/null"],
        &env,
        EXIT_TIMEOUT,
    )
    .await
    .unwrap();
    out.stdout
}

#[tokio::test]
async fn no_color_removes_ansi_escapes_from_terminal_output() {
    // `--force` logs an info line before the mode guard refuses (no gateway.mode): a short run
    // that still goes through the console logger.
    let sandbox = Sandbox::new();
    sandbox.write_config(json!({}));
    let port = unique_port().to_string();
    let args = ["gateway", "--force", "--port", &port];

    let coloured = run_in_terminal(&sandbox, &args, false).await;
    assert!(coloured.contains("force: no listeners"), "{coloured:?}");
    assert!(
        coloured.contains('\x1b'),
        "a terminal gets colour by default: {coloured:?}"
    );

    let plain = run_in_terminal(&sandbox, &args, true).await;
    assert!(plain.contains("[gateway] force: no listeners"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "NO_COLOR=1: {plain:?}");

    let mut flag_args = vec!["--no-color"];
    flag_args.extend(args);
    let flagged = run_in_terminal(&sandbox, &flag_args, false).await;
    assert!(
        flagged.contains("[gateway] force: no listeners"),
        "{flagged:?}"
    );
    assert!(!flagged.contains('\x1b'), "--no-color: {flagged:?}");
}
