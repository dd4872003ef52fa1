//! `http_get` against a tiny TCP server, and process control with `/bin/sh` standing in for
//! the gateway binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::time::Duration;

use openclaw_testkit::{
    GatewayProcess, GatewaySpawn, Signal, StateDir, Stream, http_get, http_request, run_cli,
    run_cli_with_timeout,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SHORT: Duration = Duration::from_secs(5);

/// Answers each connection with `response` and reports the request it read.
async fn one_shot_http(listener: TcpListener, response: &'static str) -> String {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    socket.write_all(response.as_bytes()).await.unwrap();
    socket.shutdown().await.unwrap();
    String::from_utf8(request).unwrap()
}

#[tokio::test]
async fn http_get_sends_headers_and_parses_the_response() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(one_shot_http(
        listener,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
    ));
    let response = http_get(addr, "/health", &[("Authorization", "Bearer x")])
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(response.body_json().unwrap(), json!({"ok": true}));
    let request = server.await.unwrap();
    assert!(request.starts_with("GET /health HTTP/1.1\r\n"), "{request}");
    assert!(
        request.contains("\r\nAuthorization: Bearer x\r\n"),
        "{request}"
    );
    assert!(request.contains("\r\nConnection: close\r\n"), "{request}");
}

#[tokio::test]
async fn http_request_reports_status_of_other_methods() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(one_shot_http(
        listener,
        "HTTP/1.1 405 Method Not Allowed\r\nAllow: POST\r\nTransfer-Encoding: chunked\r\n\r\n12\r\nMethod Not Allowed\r\n0\r\n\r\n",
    ));
    let response = http_request(addr, "DELETE", "/hooks/wake", &[], b"")
        .await
        .unwrap();
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("POST"));
    assert_eq!(response.body_text(), "Method Not Allowed");
    assert!(server.await.unwrap().starts_with("DELETE /hooks/wake "));
}

#[tokio::test]
async fn http_get_fails_clearly_when_nothing_listens() {
    let port = openclaw_testkit::free_port().unwrap();
    let err = http_get(([127, 0, 0, 1], port).into(), "/", &[])
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("cannot connect"), "{err:#}");
}

/// `sh -c SCRIPT sh --port N`: the script sees the port as `$2`.
fn fake_gateway(script: &str) -> GatewaySpawn {
    GatewaySpawn::new("/bin/sh").args(["-c", script, "sh"])
}

#[tokio::test]
async fn spawn_isolates_environment_and_captures_both_streams() {
    let script = r#"echo "port=$2 home=$HOME state=$OPENCLAW_STATE_DIR color=$NO_COLOR extra=$EXTRA"
cat "$OPENCLAW_STATE_DIR/openclaw.json"
echo "warning on stderr" >&2
sleep 30"#;
    let gateway = GatewayProcess::spawn(
        fake_gateway(script)
            .env("EXTRA", "yes")
            .config_json(json!({"gateway": {"mode": "local"}})),
    )
    .await
    .unwrap();
    let line = gateway.wait_for_line("port=", SHORT).await.unwrap();
    assert_eq!(
        line,
        format!(
            "port={} home={} state={} color=1 extra=yes",
            gateway.port(),
            gateway.home_dir().display(),
            gateway.state_dir().display()
        )
    );
    assert_eq!(gateway.state_dir(), gateway.home_dir().join(".openclaw"));
    gateway
        .wait_for_line("\"mode\": \"local\"", SHORT)
        .await
        .unwrap();
    gateway
        .wait_for_line("warning on stderr", SHORT)
        .await
        .unwrap();
    assert_eq!(gateway.stream_output(Stream::Stderr), ["warning on stderr"]);
    assert!(gateway.output().len() >= 4);
    assert_eq!(gateway.url(), format!("ws://127.0.0.1:{}", gateway.port()));
    assert!(gateway.pid().is_some());
}

#[tokio::test]
async fn explicit_port_and_state_dir_are_respected() {
    let state = tempfile::tempdir().unwrap();
    let state_path = state.path().to_path_buf();
    let gateway = GatewayProcess::spawn(
        GatewaySpawn::new("/bin/sh")
            .args(["-c", "echo \"args=$*\"; sleep 30", "sh", "--port", "4567"])
            .state_dir(StateDir::Path(state_path.clone()))
            .config_raw("{ // json5 comment\n}"),
    )
    .await
    .unwrap();
    assert_eq!(gateway.port(), 4567);
    assert_eq!(
        gateway.wait_for_line("args=", SHORT).await.unwrap(),
        "args=--port 4567"
    );
    assert_eq!(
        std::fs::read_to_string(state_path.join("openclaw.json")).unwrap(),
        "{ // json5 comment\n}"
    );
    let env = gateway.cli_env();
    assert!(env.contains(&("OPENCLAW_GATEWAY_PORT".to_owned(), "4567".to_owned())));
}

#[tokio::test]
async fn signals_reach_the_process_and_exit_is_observed() {
    let script = r#"trap 'echo "got TERM"; exit 7' TERM
echo ready
while :; do sleep 0.05; done"#;
    let mut gateway = GatewayProcess::spawn(fake_gateway(script)).await.unwrap();
    gateway.wait_for_line("ready", SHORT).await.unwrap();
    assert!(
        gateway
            .wait_exit(Duration::from_millis(100))
            .await
            .is_none()
    );
    let mark = gateway.line_count();
    gateway.signal(Signal::Term).unwrap();
    let (index, _) = gateway
        .wait_for_line_since(mark, "got TERM", SHORT)
        .await
        .unwrap();
    assert!(index >= mark);
    let later_ready = gateway
        .wait_for_line_since(index + 1, "ready", Duration::from_millis(300))
        .await;
    assert!(later_ready.is_err(), "only lines after the mark count");
    let status = gateway
        .wait_exit(SHORT)
        .await
        .expect("exited after SIGTERM");
    assert_eq!(status.code(), Some(7));
    gateway.wait_for_line("got TERM", SHORT).await.unwrap();
}

#[tokio::test]
async fn kill_9_ends_a_process_that_ignores_term() {
    let script = "trap '' TERM; echo ready; while :; do sleep 0.05; done";
    let mut gateway = GatewayProcess::spawn(fake_gateway(script)).await.unwrap();
    gateway.wait_for_line("ready", SHORT).await.unwrap();
    gateway.signal(Signal::Term).unwrap();
    assert!(
        gateway
            .wait_exit(Duration::from_millis(200))
            .await
            .is_none()
    );
    let status = gateway.kill_9().await.unwrap();
    assert!(!status.success());
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9));
}

#[tokio::test]
async fn wait_for_line_fails_fast_when_the_process_exits() {
    let gateway = GatewayProcess::spawn(fake_gateway("echo 'Invalid port' >&2; exit 1"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = gateway
        .wait_for_line("listening", Duration::from_secs(20))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = err.to_string();
    assert!(
        text.contains("output ended") && text.contains("err| Invalid port"),
        "{text}"
    );
}

#[tokio::test]
async fn wait_healthy_polls_until_health_answers_200() {
    let mut gateway = GatewayProcess::spawn(fake_gateway("sleep 30"))
        .await
        .unwrap();
    let addr = gateway.addr();
    // Stand in for the gateway's HTTP listener after a short delay.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let listener = TcpListener::bind(addr).await.unwrap();
        loop {
            let listener_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(listener_response.as_bytes()).await;
        }
    });
    gateway.wait_healthy(SHORT).await.unwrap();
}

#[tokio::test]
async fn wait_healthy_reports_an_exited_gateway() {
    let mut gateway =
        GatewayProcess::spawn(fake_gateway("echo 'Gateway start blocked' >&2; exit 1"))
            .await
            .unwrap();
    let err = gateway.wait_healthy(SHORT).await.unwrap_err().to_string();
    assert!(err.contains("exited"), "{err}");
}

#[tokio::test]
async fn run_cli_captures_output_and_enforces_the_timeout() {
    let sh = Path::new("/bin/sh");
    let env = vec![("GREETING".to_owned(), "hi".to_owned())];
    let output = run_cli(
        sh,
        &["-c", "echo \"$GREETING $NO_COLOR\"; echo oops >&2; exit 3"],
        &env,
    )
    .await
    .unwrap();
    assert_eq!(output.code(), Some(3));
    assert_eq!(output.stdout, "hi 1\n");
    assert_eq!(output.stderr, "oops\n");

    let err = run_cli_with_timeout(sh, &["-c", "sleep 5"], &[], Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("did not finish"), "{err}");
}
