//! The interactive `openclaw onboard` wizard, driven through a pseudo-terminal the way a person
//! uses it: arrow keys, Enter, typed text, masked secrets. Every expectation has a timeout, so a
//! prompt that never comes fails the test instead of hanging it.

use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn};
use rexpect::session::{Options, PtySession, spawn_with_options};
use serde_json::json;

use crate::onboard_remote::FakeSystemctl;
use crate::support::{State, bin, mode};

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";
/// Control-H: console reads it as Backspace, and unlike DEL it is not the tty's erase character,
/// so it arrives intact even if it lands while the prompt is between two raw-mode reads.
const BACKSPACE: &str = "\x08";
const EXPECT_TIMEOUT_MS: u64 = 20_000;

/// `openclaw <args>` on a pseudo-terminal with a clean environment: HOME and the state dir are
/// `state`, PATH is `path`.
fn spawn_tty(state: &State, path: &str, args: &[&str]) -> PtySession {
    let mut command = std::process::Command::new(bin());
    command
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", state.path())
        .env("OPENCLAW_STATE_DIR", state.path())
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env("USER", "tester")
        .current_dir(state.path());
    spawn_with_options(
        command,
        Options::default()
            .timeout_ms(Some(EXPECT_TIMEOUT_MS))
            .strip_ansi_escape_codes(true),
    )
    .unwrap()
}

/// Waits for `text` on the screen, with the screen so far in the failure message.
fn expect(session: &mut PtySession, text: &str) -> String {
    session
        .exp_string(text)
        .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}"))
}

fn send(session: &mut PtySession, keys: &str) {
    session.send(keys).unwrap();
    session.flush().unwrap();
}

/// Reads the rest of the output and the exit code.
fn finish(mut session: PtySession) -> (String, i32) {
    let rest = session
        .exp_eof()
        .unwrap_or_else(|e| panic!("waiting for exit: {e}"));
    let status = session.process_mut().wait().unwrap();
    let code = match status {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("onboard did not exit normally: {other:?}\n{rest}"),
    };
    (rest, code)
}

#[test]
fn local_wizard_with_a_key_a_lan_bind_discord_and_the_service() {
    let state = State::new();
    let systemctl = FakeSystemctl::ok();
    let mut tty = spawn_tty(&state, &systemctl.path(), &["onboard"]);

    expect(&mut tty, "What do you want to set up?");
    send(&mut tty, ENTER); // Local gateway (first item)
    expect(&mut tty, "Model provider");
    send(&mut tty, ENTER); // Anthropic (first item)
    expect(&mut tty, "API key (stored in auth-profiles.json");
    send(&mut tty, "sk-ant-from-the-tty");
    send(&mut tty, ENTER);
    expect(&mut tty, "Gateway port");
    send(&mut tty, "18791");
    send(&mut tty, ENTER);
    expect(&mut tty, "Who may connect to the gateway?");
    send(&mut tty, DOWN); // loopback -> lan
    send(&mut tty, ENTER);
    expect(&mut tty, "Gateway auth");
    send(&mut tty, ENTER); // token
    expect(&mut tty, "Connect a Discord bot?");
    send(&mut tty, "y");
    expect(&mut tty, "Discord bot token");
    send(&mut tty, "discord.tty.token");
    send(&mut tty, ENTER);
    expect(&mut tty, "Guild (server) ids");
    send(&mut tty, "12345x");
    send(&mut tty, ENTER);
    // A typo is caught on Enter and can be corrected in place.
    expect(&mut tty, "is not a number");
    send(&mut tty, &BACKSPACE.repeat(6));
    send(&mut tty, "123456789012345678");
    send(&mut tty, ENTER);
    expect(&mut tty, "Install the gateway as a systemd user service?");
    send(&mut tty, ENTER); // yes (the default)
    let (rest, code) = finish(tty);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("Next: openclaw health"), "{rest}");
    assert!(
        !rest.contains("sk-ant-from-the-tty"),
        "the key is masked: {rest}"
    );

    let config = state.read_config();
    assert_eq!(config["gateway"]["mode"], "local");
    assert_eq!(config["gateway"]["port"], 18791);
    assert_eq!(config["gateway"]["bind"], "lan");
    assert_eq!(config["gateway"]["auth"]["mode"], "token");
    assert!(
        config["gateway"]["auth"]["token"].as_str().unwrap().len() >= 32,
        "{config:#}"
    );
    assert_eq!(
        config["agents"]["defaults"]["model"]["primary"],
        "anthropic/claude-opus-4-5"
    );
    assert_eq!(
        config["channels"]["discord"]["guilds"],
        json!({"123456789012345678": {"requireMention": true}})
    );

    let store_path = state.path().join("agents/main/agent/auth-profiles.json");
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&store_path).unwrap()).unwrap();
    assert_eq!(
        store["profiles"]["anthropic:default"],
        json!({"type": "api_key", "provider": "anthropic", "key": "sk-ant-from-the-tty"})
    );
    assert_eq!(mode(&store_path), 0o600);
    assert!(
        std::fs::read_to_string(state.path().join(".env"))
            .unwrap()
            .contains("DISCORD_BOT_TOKEN='discord.tty.token'")
    );

    let unit = state
        .path()
        .join(".config/systemd/user/openclaw-gateway.service");
    let unit_text = std::fs::read_to_string(&unit).unwrap();
    assert!(
        unit_text.contains(&format!("{} gateway --port 18791", bin().display())),
        "{unit_text}"
    );
    assert_eq!(
        systemctl.calls(),
        [
            "--user daemon-reload",
            "--user enable --now openclaw-gateway.service"
        ]
    );
}

#[test]
fn declining_to_replace_an_existing_config_writes_nothing() {
    let state = State::new();
    state.write_config(r#"{"gateway": {"mode": "local", "port": 18800}}"#);
    let before = std::fs::read_to_string(state.config_path()).unwrap();
    let mut tty = spawn_tty(&state, "/usr/bin:/bin", &["onboard", "--mode", "local"]);
    expect(&mut tty, "already exists. Replace it?");
    send(&mut tty, ENTER); // No (the default)
    let (rest, code) = finish(tty);
    assert_ne!(code, 0, "{rest}");
    assert!(rest.contains("Kept the existing config"), "{rest}");
    assert_eq!(
        std::fs::read_to_string(state.config_path()).unwrap(),
        before
    );
}

fn gateway_config(token: &str) -> serde_json::Value {
    json!({"gateway": {"mode": "local", "auth": {"mode": "token", "token": token}}})
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_wizard_checks_the_url_connects_and_keeps_the_rest_of_the_config() {
    let token = "remote-gateway-token-0123456789abcdef";
    let mut gateway = GatewayProcess::spawn(
        GatewaySpawn::new(bin())
            .args(["gateway"])
            .config_json(gateway_config(token)),
    )
    .await
    .unwrap();
    gateway.wait_healthy(Duration::from_secs(30)).await.unwrap();
    let port = gateway.port();

    let state = State::new();
    state.write_config(
        r#"{"gateway": {"mode": "local", "port": 18801, "auth": {"mode": "token", "token": "local-token-0123456789abcdefghij"}}}"#,
    );
    // The pty session blocks: keep it off the runtime that reads the gateway's output.
    let (state, rest, code) = tokio::task::spawn_blocking(move || {
        let mut tty = spawn_tty(&state, "/usr/bin:/bin", &["onboard"]);
        expect(&mut tty, "What do you want to set up?");
        send(&mut tty, DOWN); // Remote
        send(&mut tty, ENTER);
        expect(&mut tty, "Gateway WebSocket URL");
        let wrong = format!("http://127.0.0.1:{port}");
        send(&mut tty, &wrong);
        send(&mut tty, ENTER);
        expect(&mut tty, "the gateway speaks WebSocket");
        send(&mut tty, &BACKSPACE.repeat(wrong.len()));
        send(&mut tty, &format!("ws://127.0.0.1:{port}"));
        send(&mut tty, ENTER);
        expect(&mut tty, "How does this client authenticate?");
        send(&mut tty, ENTER); // Token
        expect(&mut tty, "Gateway token");
        send(&mut tty, token);
        send(&mut tty, ENTER);
        let (rest, code) = finish(tty);
        (state, rest, code)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("The gateway answered"), "{rest}");
    assert!(rest.contains("Next: openclaw health"), "{rest}");

    let config = state.read_config();
    assert_eq!(config["gateway"]["mode"], "remote");
    assert_eq!(
        config["gateway"]["remote"],
        json!({"url": format!("ws://127.0.0.1:{port}"), "token": token})
    );
    // Merged, not replaced: the local settings are still there for a later switch back.
    assert_eq!(config["gateway"]["port"], 18801);
    assert!(state.path().join("openclaw.json.bak").exists());

    // The CLI now talks to the remote gateway with the stored token.
    let health = state.run(&["health", "--json"]).await;
    assert_eq!(health.code, 0, "{}", health.text());
    assert_eq!(health.json()["ok"], true, "{}", health.text());
}
