//! End-to-end tests of configuration: loading and validation (`openclaw config validate`), the
//! `config get|set|unset` verbs, hot reload of a running gateway (dynamic changes, invalid
//! edits, in-process restarts, `gateway.reload.mode: "off"`), and the `config.*` WS methods.
//!
//! Every gateway runs the real binary in its own temp state dir on a free loopback port, with
//! `logging.file` inside that dir. Waits are generous and end as soon as their condition holds;
//! nothing passes or fails on timing alone. Fixtures live in `tests/fixtures/config/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "config_e2e/support.rs"]
mod support;

#[path = "config_e2e/cli_verbs.rs"]
mod cli_verbs;

#[path = "config_e2e/methods.rs"]
mod methods;

#[path = "config_e2e/reload.rs"]
mod reload;
