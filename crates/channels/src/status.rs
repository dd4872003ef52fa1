//! What each channel account is doing, for `channels.status`, `/readyz` and the CLI.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

/// The life of one account's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionState {
    /// Configured but switched off (`enabled: false`) or without a token.
    Stopped,
    /// The settings cannot be used (see `last_error`).
    Misconfigured,
    /// Connecting for the first time.
    Starting,
    /// Logged in and receiving events.
    Connected,
    /// Lost the connection; retrying with backoff.
    Reconnecting,
    /// Stopped retrying: a fatal error (bad token, missing intent) or too many failed restarts.
    /// A config change touching the account starts it again.
    GaveUp,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Misconfigured => "misconfigured",
            Self::Starting => "starting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::GaveUp => "gave-up",
        }
    }
}

/// One account's status snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    pub channel: String,
    pub account_id: String,
    pub enabled: bool,
    /// Where the token came from (`config`, `env`, `none`), never the token.
    pub token_source: String,
    pub state: ConnectionState,
    pub running: bool,
    pub connected: bool,
    /// The bot's own user, once logged in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// ms since the epoch of the last successful login or resume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_connected_at: Option<i64>,
    /// ms since the epoch of the last event received from the channel (liveness).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<i64>,
    /// ms since the epoch of the last inbound message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_inbound_at: Option<i64>,
    /// ms since the epoch of the last message sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_outbound_at: Option<i64>,
    /// Restarts of the connection task since the account was started.
    pub restarts: u32,
    /// Reconnects (resumes or fresh logins) inside one connection task.
    pub reconnects: u32,
}

impl AccountStatus {
    pub fn new(channel: &str, account_id: &str, enabled: bool, token_source: &str) -> Self {
        Self {
            channel: channel.to_owned(),
            account_id: account_id.to_owned(),
            enabled,
            token_source: token_source.to_owned(),
            state: ConnectionState::Stopped,
            running: false,
            connected: false,
            bot_id: None,
            bot_name: None,
            last_error: None,
            last_connected_at: None,
            last_event_at: None,
            last_inbound_at: None,
            last_outbound_at: None,
            restarts: 0,
            reconnects: 0,
        }
    }
}

/// A shared, updatable status.
#[derive(Debug, Clone)]
pub struct StatusHandle(Arc<Mutex<AccountStatus>>);

impl StatusHandle {
    pub fn new(status: AccountStatus) -> Self {
        Self(Arc::new(Mutex::new(status)))
    }

    pub fn snapshot(&self) -> AccountStatus {
        self.lock().clone()
    }

    pub fn update(&self, change: impl FnOnce(&mut AccountStatus)) {
        change(&mut self.lock());
    }

    /// Moves to `state`, keeping `running`/`connected` consistent with it.
    pub fn set_state(&self, state: ConnectionState, error: Option<String>) {
        self.update(|status| {
            status.state = state;
            status.connected = state == ConnectionState::Connected;
            status.running = matches!(
                state,
                ConnectionState::Starting
                    | ConnectionState::Connected
                    | ConnectionState::Reconnecting
            );
            if error.is_some() {
                status.last_error = error;
            }
        });
    }

    fn lock(&self) -> MutexGuard<'_, AccountStatus> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
