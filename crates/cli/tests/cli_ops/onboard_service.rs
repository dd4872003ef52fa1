//! `openclaw gateway install|uninstall`: the onboarding wizard's service step on its own, with a
//! fake `systemctl` first on PATH.

use crate::onboard_remote::FakeSystemctl;
use crate::support::{State, bin};

#[tokio::test]
async fn install_uses_the_configured_port_and_uninstall_removes_the_unit() {
    let state = State::new();
    let systemctl = FakeSystemctl::ok();
    let path = systemctl.path();
    let env: &[(&str, &str)] = &[("PATH", &path)];
    let onboard = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "skip",
            "--gateway-port",
            "18796",
        ])
        .await;
    assert_eq!(onboard.code, 0, "{}", onboard.text());

    let out = state.run_env(&["gateway", "install", "--json"], env).await;
    assert_eq!(out.code, 0, "{}", out.text());
    let report = out.json();
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["port"], 18796);
    let unit = state
        .path()
        .join(".config/systemd/user/openclaw-gateway.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(
        text.contains(&format!(
            "ExecStart={} gateway --port 18796",
            bin().display()
        )),
        "{text}"
    );
    assert_eq!(
        systemctl.calls(),
        [
            "--user daemon-reload",
            "--user enable --now openclaw-gateway.service"
        ]
    );

    // Installed already: left alone unless --force.
    let out = state.run_env(&["gateway", "install"], env).await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.stdout.contains("already installed"), "{}", out.text());
    assert_eq!(systemctl.calls().len(), 2, "systemctl not run again");
    let out = state
        .run_env(&["gateway", "install", "--force", "--port", "18797"], env)
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        std::fs::read_to_string(&unit)
            .unwrap()
            .contains("--port 18797")
    );
    assert!(
        std::fs::read_to_string(unit.with_file_name("openclaw-gateway.service.bak"))
            .unwrap()
            .contains("--port 18796")
    );

    let out = state
        .run_env(&["gateway", "uninstall", "--json"], env)
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert_eq!(out.json()["removed"], true, "{}", out.text());
    assert!(!unit.exists());
    assert_eq!(
        systemctl.calls()[4..],
        [
            "--user disable --now openclaw-gateway.service",
            "--user daemon-reload"
        ]
    );
    // Config and state stay.
    assert!(state.config_path().exists());

    let out = state.run_env(&["gateway", "uninstall"], env).await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stdout.contains("No openclaw-gateway.service"),
        "{}",
        out.text()
    );
}

#[tokio::test]
async fn install_fails_when_systemd_cannot_start_the_service() {
    let state = State::new();
    let systemctl = FakeSystemctl::new(1, "Failed to connect to bus: No medium found");
    let out = state
        .run_env(&["gateway", "install"], &[("PATH", &systemctl.path())])
        .await;
    assert_ne!(out.code, 0, "{}", out.text());
    for text in [
        "no config at",
        "Failed to connect to bus",
        "systemctl --user enable --now openclaw-gateway.service",
    ] {
        assert!(out.stderr.contains(text), "{text:?}: {}", out.text());
    }
}
