//! `openclaw onboard --non-interactive` beyond the local basics: `--mode remote` against a real
//! gateway on 127.0.0.1, and `--install-daemon` with a fake `systemctl` first on PATH.

use std::path::{Path, PathBuf};
use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn};
use serde_json::json;

use crate::support::{State, bin, closed_port, set_mode};

/// A directory with a fake `systemctl` that appends its arguments to `calls.log`, prints
/// `stderr` to stderr and exits with `code`: the external program the service step runs.
pub struct FakeSystemctl {
    dir: tempfile::TempDir,
}

impl FakeSystemctl {
    pub fn new(code: i32, stderr: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("systemctl");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nprintf '%s' '{stderr}' >&2\nexit {code}\n",
                dir.path().join("calls.log").display()
            ),
        )
        .unwrap();
        set_mode(&script, 0o755);
        Self { dir }
    }

    pub fn ok() -> Self {
        Self::new(0, "")
    }

    /// PATH with this fake first, then the system's directories.
    pub fn path(&self) -> String {
        format!("{}:/usr/local/bin:/usr/bin:/bin", self.dir.path().display())
    }

    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

async fn token_gateway(token: &str) -> GatewayProcess {
    let mut gateway =
        GatewayProcess::spawn(GatewaySpawn::new(bin()).args(["gateway"]).config_json(
            json!({"gateway": {"mode": "local", "auth": {"mode": "token", "token": token}}}),
        ))
        .await
        .unwrap();
    gateway.wait_healthy(Duration::from_secs(30)).await.unwrap();
    gateway
}

#[tokio::test]
async fn remote_mode_connects_with_the_token_and_warns_on_a_wrong_one() {
    let token = "remote-token-0123456789abcdefghij";
    let gateway = token_gateway(token).await;
    let url = format!("ws://127.0.0.1:{}", gateway.port());
    let state = State::new();
    let out = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--mode",
            "remote",
            "--remote-url",
            &url,
            "--remote-token",
            token,
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let summary = out.json();
    assert_eq!(summary["mode"], "remote");
    assert_eq!(summary["remoteUrl"], url.as_str());
    assert_eq!(summary["auth"], "token");
    assert_eq!(summary["probe"]["status"], "ok", "{summary:#}");
    assert_eq!(summary["next"], "openclaw health");

    let config = state.read_config();
    assert_eq!(config["gateway"]["mode"], "remote");
    assert_eq!(
        config["gateway"]["remote"],
        json!({"url": url, "token": token})
    );
    // Nothing of a local setup: no provider, no channel, no local auth.
    assert!(config.get("agents").is_none(), "{config:#}");
    assert!(config.get("channels").is_none(), "{config:#}");
    assert!(config["gateway"].get("auth").is_none(), "{config:#}");
    assert!(!state.path().join("agents").exists());
    assert!(!state.path().join(".env").exists());

    let health = state.run(&["health", "--json"]).await;
    assert_eq!(health.code, 0, "{}", health.text());

    // A wrong token: the gateway answers and refuses; the config is written all the same.
    let out = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--mode",
            "remote",
            "--remote-url",
            &url,
            "--remote-token",
            "not-the-token",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stderr.contains("answered but refused"),
        "{}",
        out.text()
    );
    assert_eq!(
        state.read_config()["gateway"]["remote"]["token"],
        "not-the-token"
    );
    let health = state.run(&["health"]).await;
    assert_ne!(health.code, 0, "{}", health.text());
}

#[tokio::test]
async fn remote_mode_with_nothing_listening_writes_the_config_and_warns() {
    let state = State::new();
    let url = format!("ws://127.0.0.1:{}", closed_port());
    let out = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--mode",
            "remote",
            "--remote-url",
            &url,
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert_eq!(
        out.json()["probe"]["status"],
        "unreachable",
        "{}",
        out.text()
    );
    assert_eq!(out.json()["auth"], "none");
    assert!(out.stderr.contains("no gateway answered"), "{}", out.text());
    assert_eq!(
        state.read_config()["gateway"]["remote"],
        json!({"url": url})
    );

    let out = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--mode",
            "remote",
            "--remote-url",
            &url,
            "--skip-health",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.stderr.is_empty(), "{}", out.text());
    assert!(
        out.stdout.contains("Next: openclaw health"),
        "{}",
        out.text()
    );
}

#[tokio::test]
async fn remote_mode_refuses_urls_that_are_not_websocket_or_not_safe() {
    let state = State::new();
    let cases: [(&[&str], &str); 5] = [
        (&[], "Missing --remote-url"),
        (
            &["--remote-url", "https://gw.example.com"],
            "use wss://gw.example.com",
        ),
        (
            &["--remote-url", "ws://gw.example.com:18789"],
            "unencrypted",
        ),
        (&["--remote-url", "gw.example.com:18789"], "ws:// or wss://"),
        (
            &[
                "--remote-url",
                "wss://gw.example.com",
                "--remote-token",
                " ",
            ],
            "--remote-token is empty",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["onboard", "--non-interactive", "--mode", "remote"];
        args.extend_from_slice(extra);
        let out = state.run(&args).await;
        assert_ne!(out.code, 0, "{args:?}: {}", out.text());
        assert!(out.stderr.contains(message), "{args:?}: {}", out.text());
        assert!(!state.config_path().exists(), "{args:?} wrote a config");
    }
    // Private addresses may use plain ws:// (a LAN, a tailnet, Fly.io's private network).
    for url in [
        "ws://192.168.1.20:18789",
        "ws://100.101.102.103:18789",
        "ws://my-gateway.internal:3000",
        "ws://[fdaa:0:1::2]:3000",
    ] {
        let out = state
            .run(&[
                "onboard",
                "--non-interactive",
                "--mode",
                "remote",
                "--remote-url",
                url,
                "--skip-health",
            ])
            .await;
        assert_eq!(out.code, 0, "{url}: {}", out.text());
        assert_eq!(state.read_config()["gateway"]["remote"]["url"], url);
    }
    let out = state
        .run(&["onboard", "--non-interactive", "--mode", "lan"])
        .await;
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(out.stderr.contains("use local or remote"), "{}", out.text());
}

#[tokio::test]
async fn remote_mode_does_not_merge_into_a_broken_config_without_reset() {
    let state = State::new();
    state.write_config(r#"{"gateway": {"mode": "local", "prot": 1}}"#);
    let args = [
        "onboard",
        "--non-interactive",
        "--mode",
        "remote",
        "--remote-url",
        "wss://gw.example.com",
        "--skip-health",
    ];
    let out = state.run(&args).await;
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(out.stderr.contains("--reset"), "{}", out.text());
    assert!(out.stderr.contains("prot"), "{}", out.text());

    let mut with_reset = args.to_vec();
    with_reset.push("--reset");
    let out = state.run(&with_reset).await;
    assert_eq!(out.code, 0, "{}", out.text());
    let config = state.read_config();
    assert_eq!(config["gateway"]["mode"], "remote");
    assert!(config["gateway"].get("prot").is_none(), "{config:#}");
    assert!(
        std::fs::read_to_string(state.path().join("openclaw.json.bak"))
            .unwrap()
            .contains("prot")
    );
}

fn unit_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("systemd/user").join(name)
}

#[tokio::test]
async fn install_daemon_writes_a_user_unit_and_enables_it() {
    let state = State::new();
    let systemctl = FakeSystemctl::ok();
    let xdg = state.path().join("xdg-config");
    let out = state
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--auth-choice",
                "skip",
                "--gateway-port",
                "18795",
                "--install-daemon",
                "--json",
            ],
            &[
                ("PATH", &systemctl.path()),
                ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let summary = out.json();
    assert_eq!(summary["daemon"]["started"], true, "{summary:#}");
    assert_eq!(summary["daemon"]["unit"], "openclaw-gateway.service");
    assert_eq!(summary["next"], "openclaw health");

    let unit = unit_path(&xdg, "openclaw-gateway.service");
    assert_eq!(summary["daemon"]["unitPath"], unit.to_str().unwrap());
    let text = std::fs::read_to_string(&unit).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        "[Unit]",
        "Description=OpenClaw Gateway",
        &format!("ExecStart={} gateway --port 18795", bin().display()),
        "Restart=on-failure",
        &format!("Environment=OPENCLAW_STATE_DIR={}", state.path().display()),
        "WantedBy=default.target",
    ] {
        assert!(lines.contains(&expected), "{expected:?} missing:\n{text}");
    }
    assert!(
        !text.contains("OPENCLAW_CONFIG_PATH"),
        "the default config path follows the state dir:\n{text}"
    );
    assert_eq!(
        systemctl.calls(),
        [
            "--user daemon-reload",
            "--user enable --now openclaw-gateway.service"
        ]
    );
    // XDG_CONFIG_HOME wins over ~/.config, and nothing else is written outside the state dir.
    assert!(!state.path().join(".config").exists());

    // A profile gets its own unit; the previous unit of that name is kept as .bak.
    let profile_unit = unit_path(&xdg, "openclaw-gateway-work.service");
    std::fs::create_dir_all(profile_unit.parent().unwrap()).unwrap();
    std::fs::write(&profile_unit, "[Service]\nExecStart=/old\n").unwrap();
    let out = state
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--auth-choice",
                "skip",
                "--reset",
                "--install-daemon",
            ],
            &[
                ("PATH", &systemctl.path()),
                ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
                ("OPENCLAW_PROFILE", "work"),
            ],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let text = std::fs::read_to_string(&profile_unit).unwrap();
    assert!(
        text.contains("Description=OpenClaw Gateway (profile: work)"),
        "{text}"
    );
    assert!(text.contains("--port 18789"), "{text}");
    assert_eq!(
        std::fs::read_to_string(profile_unit.with_file_name("openclaw-gateway-work.service.bak"))
            .unwrap(),
        "[Service]\nExecStart=/old\n"
    );
    assert_eq!(
        systemctl.calls().last().map(String::as_str),
        Some("--user enable --now openclaw-gateway-work.service")
    );
}

#[tokio::test]
async fn install_daemon_without_a_usable_systemd_explains_and_still_onboards() {
    // systemctl present but no user manager (SSH session, container with systemd binaries).
    let state = State::new();
    let systemctl = FakeSystemctl::new(1, "Failed to connect to bus: No medium found");
    let out = state
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--auth-choice",
                "skip",
                "--install-daemon",
                "--json",
            ],
            &[("PATH", &systemctl.path()), ("USER", "tester")],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let daemon = &out.json()["daemon"];
    assert_eq!(daemon["written"], true, "{daemon:#}");
    assert_eq!(daemon["started"], false, "{daemon:#}");
    assert!(
        daemon["problem"]
            .as_str()
            .unwrap()
            .contains("Failed to connect to bus"),
        "{daemon:#}"
    );
    assert_eq!(out.json()["next"], "openclaw gateway");
    for hint in [
        "systemctl --user enable --now openclaw-gateway.service",
        "loginctl enable-linger tester",
    ] {
        assert!(out.stderr.contains(hint), "{hint:?}: {}", out.text());
    }
    assert_eq!(systemctl.calls(), ["--user daemon-reload"]);
    assert!(state.config_path().exists());
    assert!(
        unit_path(&state.path().join(".config"), "openclaw-gateway.service").exists(),
        "the unit stays for the manual commands"
    );

    // No systemctl at all (most containers).
    let other = State::new();
    let empty = tempfile::tempdir().unwrap();
    let out = other
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--auth-choice",
                "skip",
                "--install-daemon",
            ],
            &[("PATH", empty.path().to_str().unwrap()), ("USER", "tester")],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stderr.contains("systemctl was not found"),
        "{}",
        out.text()
    );
    assert!(
        out.stdout.contains("Next: openclaw gateway"),
        "{}",
        out.text()
    );

    // Remote mode runs no gateway here, so there is no service to install.
    let out = other
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--mode",
                "remote",
                "--remote-url",
                "wss://gw.example.com",
                "--skip-health",
                "--install-daemon",
            ],
            &[("PATH", &systemctl.path())],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stderr.contains("--install-daemon ignored"),
        "{}",
        out.text()
    );
    assert_eq!(
        systemctl.calls(),
        ["--user daemon-reload"],
        "not called again"
    );
}
