//! Where settings come from: port (`--port` > `OPENCLAW_GATEWAY_PORT` > `gateway.port`),
//! credentials (`--token` > config > env; a password switches the mode), legacy `CLAWDBOT_*`
//! variables, `--profile`, and `<state>/.env` (spec §1.1, §1.2, §1.4, §7.5).

use openclaw_testkit::{GatewayProcess, GatewaySpawn, StateDir};
use serde_json::json;

use crate::{
    BIN, START_TIMEOUT, Secret, TOKEN, accepts, gateway, local, start, unique_port, with_log_file,
};

/// Runs `openclaw args…` WITHOUT a `--port` flag while still telling the test kit which port
/// to expect: `spawn()` (and the kit) add `--port <free>` when the arguments lack one, so the
/// arguments are `sh -c 'shift 2; exec "$0" "$@"' <bin> --port <port> args…`, and the shell
/// drops the `--port <port>` pair before exec'ing the gateway (same PID, so signals and PIDs
/// still match).
fn without_port_flag(spawn: GatewaySpawn, port: u16) -> GatewaySpawn {
    let GatewaySpawn {
        args,
        env,
        state_dir,
        config,
        ..
    } = spawn;
    let mut wrapped = GatewaySpawn::new("/bin/sh").args([
        "-c".to_owned(),
        r#"shift 2; exec "$0" "$@""#.to_owned(),
        BIN.to_owned(),
        "--port".to_owned(),
        port.to_string(),
    ]);
    wrapped.args.extend(args);
    wrapped.env = env;
    wrapped.state_dir = state_dir;
    wrapped.config = config;
    wrapped
}

async fn listening_line(gw: &GatewayProcess) -> String {
    gw.wait_for_line("listening on ws://", START_TIMEOUT)
        .await
        .unwrap()
}

#[tokio::test]
async fn port_flag_beats_env_and_config() {
    let (flag, env, cfg) = (unique_port(), unique_port(), unique_port());
    let gw = start(
        gateway(local(json!({"port": cfg, "auth": {"token": TOKEN}})))
            .args(["gateway", "--port", &flag.to_string()])
            .env("OPENCLAW_GATEWAY_PORT", env.to_string()),
    )
    .await;
    assert!(
        listening_line(&gw)
            .await
            .contains(&format!("127.0.0.1:{flag} "))
    );
}

#[tokio::test]
async fn env_port_beats_config_port() {
    let (env, cfg) = (unique_port(), unique_port());
    let spawn = gateway(local(json!({"port": cfg, "auth": {"token": TOKEN}})))
        .args(["gateway"])
        .env("OPENCLAW_GATEWAY_PORT", env.to_string());
    let gw = start(without_port_flag(spawn, env)).await;
    assert!(
        listening_line(&gw)
            .await
            .contains(&format!("127.0.0.1:{env} "))
    );
}

#[tokio::test]
async fn config_port_is_used_without_flag_or_env() {
    let cfg = unique_port();
    let spawn = gateway(local(json!({"port": cfg, "auth": {"token": TOKEN}}))).args(["gateway"]);
    let gw = start(without_port_flag(spawn, cfg)).await;
    assert!(
        listening_line(&gw)
            .await
            .contains(&format!("127.0.0.1:{cfg} "))
    );
}

#[tokio::test]
async fn token_flag_beats_config_which_beats_env() {
    let gw = start(
        gateway(local(json!({"auth": {"token": "from-config"}})))
            .args(["gateway", "--token", "from-flag"])
            .env("OPENCLAW_GATEWAY_TOKEN", "from-env"),
    )
    .await;
    assert!(accepts(&gw, Secret::Token("from-flag")).await);
    assert!(!accepts(&gw, Secret::Token("from-config")).await);
    assert!(!accepts(&gw, Secret::Token("from-env")).await);
    drop(gw);

    let gw = start(
        gateway(local(json!({"auth": {"token": "from-config"}})))
            .args(["gateway"])
            .env("OPENCLAW_GATEWAY_TOKEN", "from-env"),
    )
    .await;
    assert!(accepts(&gw, Secret::Token("from-config")).await);
    assert!(!accepts(&gw, Secret::Token("from-env")).await);
}

#[tokio::test]
async fn password_env_switches_auth_to_password_mode() {
    let gw = start(
        gateway(local(json!({})))
            .args(["gateway"])
            .env("OPENCLAW_GATEWAY_PASSWORD", "hunter2-e2e"),
    )
    .await;
    assert!(accepts(&gw, Secret::Password("hunter2-e2e")).await);
    assert!(!accepts(&gw, Secret::Token("hunter2-e2e")).await);
    assert!(!accepts(&gw, Secret::Password("wrong")).await);
}

#[tokio::test]
async fn legacy_clawdbot_state_dir_and_token_are_honoured() {
    let state = tempfile::tempdir().unwrap();
    // No token in the config: it must come from CLAWDBOT_GATEWAY_TOKEN. No
    // --allow-unconfigured: the mode guard passes only if the legacy state dir was used.
    let config = with_log_file(local(json!({})), state.path());
    let state_path = state.path().display().to_string();
    let gw = start(
        GatewaySpawn::new(BIN)
            .state_dir(StateDir::Temp(state))
            .config_json(config)
            .args(["gateway"])
            .env("OPENCLAW_STATE_DIR", "")
            .env("CLAWDBOT_STATE_DIR", &state_path)
            .env("CLAWDBOT_GATEWAY_TOKEN", "legacy-token"),
    )
    .await;
    assert!(accepts(&gw, Secret::Token("legacy-token")).await);
    assert!(!accepts(&gw, Secret::Token(TOKEN)).await);
}

#[tokio::test]
async fn profile_uses_dot_openclaw_dash_name_under_home() {
    let home = tempfile::tempdir().unwrap();
    let state = home.path().join(".openclaw-e2eprofile");
    std::fs::create_dir_all(&state).unwrap();
    let config = with_log_file(local(json!({"auth": {"token": "profile-token"}})), &state);
    let gw = start(
        GatewaySpawn::new(BIN)
            .state_dir(StateDir::Path(state.clone()))
            .config_json(config)
            .args(["--profile", "e2eprofile", "gateway"])
            .env("HOME", home.path().display().to_string())
            // Blank counts as unset, so the profile decides the state dir.
            .env("OPENCLAW_STATE_DIR", ""),
    )
    .await;
    assert!(accepts(&gw, Secret::Token("profile-token")).await);
    assert!(
        state.join("gateway.lock").exists(),
        "the profile's state dir holds the lock"
    );
    assert!(
        !home.path().join(".openclaw").exists(),
        "the default state dir must stay untouched"
    );
}

#[tokio::test]
async fn state_dir_dotenv_is_read_but_never_overrides_the_process_env() {
    let dotenv = "# comment\nOPENCLAW_GATEWAY_TOKEN=from-dotenv\n";
    let spawn = || {
        let state = tempfile::tempdir().unwrap();
        std::fs::write(state.path().join(".env"), dotenv).unwrap();
        let config = with_log_file(local(json!({})), state.path());
        GatewaySpawn::new(BIN)
            .state_dir(StateDir::Temp(state))
            .config_json(config)
            .args(["gateway"])
    };

    let gw = start(spawn()).await;
    assert!(accepts(&gw, Secret::Token("from-dotenv")).await);
    drop(gw);

    let gw = start(spawn().env("OPENCLAW_GATEWAY_TOKEN", "from-process")).await;
    assert!(accepts(&gw, Secret::Token("from-process")).await);
    assert!(!accepts(&gw, Secret::Token("from-dotenv")).await);
}

#[tokio::test]
async fn login_shell_import_fills_only_missing_expected_keys() {
    let state = tempfile::tempdir().unwrap();
    let shell = state.path().join("login-shell");
    std::fs::write(
        &shell,
        "#!/bin/sh\nprintf 'OPENCLAW_GATEWAY_TOKEN=from-shell\\0PATH=/nowhere\\0'\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shell, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let shell = shell.display().to_string();
    let config = with_log_file(local(json!({})), state.path());
    let spawn = GatewaySpawn::new(BIN)
        .state_dir(StateDir::Path(state.path().to_path_buf()))
        .config_json(config)
        .env("SHELL", &shell)
        .env("OPENCLAW_LOAD_SHELL_ENV", "1")
        .args(["gateway"]);
    let gw = start(spawn).await;
    assert!(accepts(&gw, Secret::Token("from-shell")).await);
    gw.wait_for_line("shell env: imported OPENCLAW_GATEWAY_TOKEN", START_TIMEOUT)
        .await
        .unwrap();
    drop(gw);

    // A key the process already has is never replaced by the shell's.
    let config = with_log_file(local(json!({})), state.path());
    let spawn = GatewaySpawn::new(BIN)
        .state_dir(StateDir::Path(state.path().to_path_buf()))
        .config_json(config)
        .env("SHELL", &shell)
        .env("OPENCLAW_LOAD_SHELL_ENV", "1")
        .env("OPENCLAW_GATEWAY_TOKEN", TOKEN)
        .args(["gateway"]);
    let gw = start(spawn).await;
    assert!(accepts(&gw, Secret::Token(TOKEN)).await);
    assert!(!accepts(&gw, Secret::Token("from-shell")).await);
}

#[tokio::test]
async fn dev_flag_creates_a_local_dev_config_with_a_fresh_token() {
    let home = tempfile::tempdir().unwrap();
    let state = home.path().join(".openclaw-dev");
    // No config is written: `--dev` must create one in the dev profile's state dir.
    let gw = start(
        GatewaySpawn::new(BIN)
            .state_dir(StateDir::Path(state.clone()))
            .args(["--dev", "gateway"])
            .env("HOME", home.path().display().to_string())
            .env("OPENCLAW_STATE_DIR", ""),
    )
    .await;
    let path = state.join("openclaw.json");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["gateway"]["mode"], "local", "{written}");
    assert_eq!(written["gateway"]["port"], 19001, "{written}");
    let token = written["gateway"]["auth"]["token"].as_str().unwrap();
    assert!(token.len() >= 32, "{written}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(accepts(&gw, Secret::Token(token)).await);
    assert!(!accepts(&gw, Secret::Token(TOKEN)).await);
}
