//! Single instance per state dir (flock lock file), port conflicts and `--force`
//! (spec §1.1 `--force`, §2.1 step 6, §2.5).

use std::path::Path;
use std::time::{Duration, Instant};

use openclaw_testkit::{GatewaySpawn, StateDir, run_cli_with_timeout};
use serde_json::json;

use crate::{
    BIN, EXIT_TIMEOUT, START_TIMEOUT, Secret, TOKEN, accepts, assert_refused, gateway, local,
    spawn, start, unique_port, with_log_file,
};

/// OpenClaw 2026.1.29 polls a held lock for 5 s before giving up; ours must not wait at all.
const OPENCLAW_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// A gateway on a state dir the test owns (so a second gateway can share it).
fn on_state_dir(state: &Path) -> GatewaySpawn {
    let config = with_log_file(local(json!({"auth": {"token": TOKEN}})), state);
    GatewaySpawn::new(BIN)
        .state_dir(StateDir::Path(state.to_path_buf()))
        .config_json(config)
        .args(["gateway"])
}

/// Runs a second `openclaw gateway` on `state` (another port) to completion.
async fn second_gateway(state: &Path) -> openclaw_testkit::CliOutput {
    let port = unique_port().to_string();
    let env = [
        ("HOME".to_owned(), state.display().to_string()),
        ("OPENCLAW_STATE_DIR".to_owned(), state.display().to_string()),
    ];
    run_cli_with_timeout(
        Path::new(BIN),
        &["gateway", "--port", &port],
        &env,
        EXIT_TIMEOUT,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn second_gateway_on_the_same_state_dir_fails_fast_naming_the_owner() {
    let state = tempfile::tempdir().unwrap();
    let mut first = start(on_state_dir(state.path())).await;
    let owner = first.pid().unwrap();

    let began = Instant::now();
    let out = second_gateway(state.path()).await;
    let took = began.elapsed();
    assert_refused(
        &out,
        &[
            &format!("Gateway failed to start: gateway already running (pid {owner})"),
            "If the gateway is supervised, stop it with: openclaw gateway stop",
        ],
    );
    assert!(
        took < OPENCLAW_LOCK_TIMEOUT,
        "the lock must fail fast instead of polling like OpenClaw (took {took:?})"
    );

    assert!(
        accepts(&first, Secret::Token(TOKEN)).await,
        "the refused start left the running gateway alone"
    );

    // After a SIGKILL the kernel drops the flock: the next start succeeds at once.
    first.kill_9().await.unwrap();
    let next = start(on_state_dir(state.path())).await;
    assert!(accepts(&next, Secret::Token(TOKEN)).await);
    let output = next.output().join("\n");
    assert!(!output.contains("already running"), "{output}");
}

#[tokio::test]
async fn lock_file_naming_our_own_pid_does_not_block() {
    // The container-restart failure mode: the leftover lock names the PID the new process
    // gets. The shell writes its own PID into the lock file and then exec's the gateway, which
    // keeps that PID.
    let state = tempfile::tempdir().unwrap();
    let config = with_log_file(local(json!({"auth": {"token": TOKEN}})), state.path());
    let lock_file = state.path().join("gateway.lock");
    let spec = GatewaySpawn::new("/bin/sh")
        .state_dir(StateDir::Path(state.path().to_path_buf()))
        .config_json(config)
        .args([
            "-c",
            r#"printf '%s\n' "$$" > "$OPENCLAW_STATE_DIR/gateway.lock"
               cp "$OPENCLAW_STATE_DIR/gateway.lock" "$OPENCLAW_STATE_DIR/lock-before-start"
               exec "$0" "$@""#,
            BIN,
            "gateway",
        ]);
    let gw = start(spec).await;
    let pid = gw.pid().unwrap().to_string();
    let before = std::fs::read_to_string(state.path().join("lock-before-start")).unwrap();
    assert_eq!(
        before.trim(),
        pid,
        "the leftover lock named the PID the gateway now has"
    );
    let recorded = std::fs::read_to_string(&lock_file).unwrap();
    assert_eq!(recorded.lines().next(), Some(pid.as_str()));
    assert!(accepts(&gw, Secret::Token(TOKEN)).await);
}

#[tokio::test]
async fn allow_multi_gateway_skips_the_lock() {
    let state = tempfile::tempdir().unwrap();
    let _first = start(on_state_dir(state.path())).await;
    let second = start(on_state_dir(state.path()).env("OPENCLAW_ALLOW_MULTI_GATEWAY", "1")).await;
    assert!(accepts(&second, Secret::Token(TOKEN)).await);
}

#[tokio::test]
async fn port_taken_by_another_listener_is_reported_like_openclaw() {
    let port = unique_port();
    let holder = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let mut gw = spawn(gateway(local(json!({"auth": {"token": TOKEN}}))).args([
        "gateway",
        "--port",
        &port.to_string(),
    ]))
    .await;
    let status = gw.wait_exit(EXIT_TIMEOUT).await.expect("gateway exits");
    assert_eq!(status.code(), Some(1));
    let stderr = gw.stream_output(openclaw_testkit::Stream::Stderr);
    let messages: Vec<&str> = stderr
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with('['))
        .collect();
    assert_eq!(
        messages,
        [
            format!(
                "Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:{port}"
            )
            .as_str(),
            "If the gateway is supervised, stop it with: openclaw gateway stop",
        ],
        "{stderr:#?}"
    );
    drop(holder);
}

#[tokio::test]
async fn force_stops_the_process_holding_the_port_then_starts() {
    let mut holder =
        start(gateway(local(json!({"auth": {"token": "holder"}}))).args(["gateway"])).await;
    let port = holder.port();
    let holder_pid = holder.pid().unwrap();

    // Not `start()`: until the holder is gone, `/health` on this port is answered by it.
    let forced = spawn(gateway(local(json!({"auth": {"token": TOKEN}}))).args([
        "gateway",
        "--force",
        "--port",
        &port.to_string(),
    ]))
    .await;
    forced
        .wait_for_line(
            &format!("listening on ws://127.0.0.1:{port} "),
            START_TIMEOUT,
        )
        .await
        .unwrap();
    let killed = forced
        .wait_for_line("force: killed pid", START_TIMEOUT)
        .await
        .unwrap();
    assert!(
        killed.ends_with(&format!(
            "force: killed pid {holder_pid} (openclaw) on port {port}"
        )),
        "{killed}"
    );
    assert!(
        holder.wait_exit(EXIT_TIMEOUT).await.is_some(),
        "the old listener is gone"
    );
    // The port now belongs to the new gateway.
    assert!(accepts(&forced, Secret::Token(TOKEN)).await);
    assert!(!accepts(&forced, Secret::Token("holder")).await);
}

#[tokio::test]
async fn force_on_a_free_port_says_so_and_starts() {
    let gw =
        start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway", "--force"])).await;
    let line = gw
        .wait_for_line("force: no listeners", START_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        line,
        format!("[gateway] force: no listeners on port {}", gw.port())
    );
}
