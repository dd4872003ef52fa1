//! End-to-end tests of the operations verbs on the real binary: `openclaw doctor` (config
//! errors with locations, did-you-mean, legacy-key migration with backup, permission repair,
//! bind/auth, lock state, `--deep` provider probes against a fake provider on 127.0.0.1),
//! `openclaw onboard` (non-interactive: a config the validator and a real gateway accept,
//! refusal to overwrite, remote mode against a real gateway, the systemd user service with a
//! fake `systemctl`, also as `gateway install|uninstall`; interactive: the wizard driven through a
//! pseudo-terminal), `wss://` remote gateways behind a TLS proxy, and `openclaw security audit` (risky vs safe configs, `--json`).
//!
//! Every command runs with a cleared environment (only PATH, HOME and OPENCLAW_STATE_DIR, plus
//! what a test adds) in its own temp state dir, so nothing of the developer's setup leaks in.
//! Nothing here contacts the internet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli_ops/support.rs"]
mod support;

#[path = "cli_ops/doctor.rs"]
mod doctor;

#[path = "cli_ops/onboard.rs"]
mod onboard;

#[path = "cli_ops/onboard_tty.rs"]
mod onboard_tty;

#[path = "cli_ops/onboard_remote.rs"]
mod onboard_remote;

#[path = "cli_ops/onboard_service.rs"]
mod onboard_service;

#[path = "cli_ops/remote_wss.rs"]
mod remote_wss;

#[path = "cli_ops/security.rs"]
mod security;
