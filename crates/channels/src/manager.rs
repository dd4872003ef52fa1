//! Owns every channel account's connection: starts, restarts and stops them as the config
//! changes (a hot reload applies to the channel at once), and answers "what is running, how
//! is it doing, where do I send".

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use openclaw_config::{Config, Env};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::discord::endpoints::Endpoints;
use crate::discord::settings::{DiscordAccount, DiscordSettings};
use crate::discord::sink::{DiscordSink, http_client};
use crate::discord::source::{self, SourceContext};
use crate::ingress::IngressQueue;
use crate::outbound::OutboundSink;
use crate::status::{AccountStatus, ConnectionState, StatusHandle};
use crate::supervisor::{Ladder, supervise};

/// A successful probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub bot_id: String,
    pub bot_name: String,
    pub elapsed_ms: u64,
}

/// `(channel, account id)`.
type AccountKey = (String, String);

/// What decides whether a running connection must be restarted (policy changes do not).
#[derive(Debug, Clone, PartialEq)]
struct ConnectionIdentity {
    token: Option<String>,
    presence: bool,
    guild_members: bool,
    endpoints: Endpoints,
}

impl ConnectionIdentity {
    fn of(account: &DiscordAccount, endpoints: &Endpoints) -> Self {
        Self {
            token: account.token.as_ref().map(|t| t.expose().to_owned()),
            presence: account.intents.presence,
            guild_members: account.intents.guild_members,
            endpoints: endpoints.clone(),
        }
    }
}

struct Entry {
    /// Shared with every message being checked against it (a reload swaps it whole).
    settings: Arc<DiscordAccount>,
    status: StatusHandle,
    running: Option<Running>,
}

struct Running {
    identity: ConnectionIdentity,
    cancel: CancellationToken,
    task: JoinHandle<()>,
    sink: Arc<DiscordSink>,
}

/// Every configured channel account.
pub struct ChannelManager {
    ingress: IngressQueue,
    accounts: Mutex<BTreeMap<AccountKey, Entry>>,
    /// Per channel, the account used when a caller names none (the settings decide it).
    defaults: Mutex<BTreeMap<String, String>>,
    /// Accounts whose settings are unusable, with the reason.
    invalid: Mutex<Vec<AccountStatus>>,
    ladder: Ladder,
    /// Every connection task ever started, so shutdown also waits for ones a reload stopped.
    tasks: TaskTracker,
}

impl ChannelManager {
    pub fn new(ingress: IngressQueue) -> Self {
        Self {
            ingress,
            accounts: Mutex::new(BTreeMap::new()),
            defaults: Mutex::new(BTreeMap::new()),
            invalid: Mutex::new(Vec::new()),
            ladder: Ladder::default(),
            tasks: TaskTracker::new(),
        }
    }

    /// Brings the running connections in line with `config`: new accounts start, removed or
    /// disabled ones stop, ones whose token/intents/endpoints changed restart, and everything
    /// else keeps its connection (with the new policy settings).
    pub fn apply(&self, config: &Config, env: &Env) {
        let section_present = config
            .channels
            .as_ref()
            .is_some_and(|c| c.discord.is_some());
        let settings = DiscordSettings::from_config(config, env);
        let endpoints = Endpoints::from_env(env);
        let mut wanted: BTreeMap<AccountKey, DiscordAccount> = BTreeMap::new();
        let mut invalid = Vec::new();
        for account in settings.accounts {
            // Without a section, the default account exists only to pick up DISCORD_BOT_TOKEN.
            if !section_present && account.token.is_none() {
                continue;
            }
            wanted.insert(("discord".to_owned(), account.id.clone()), account);
        }
        for bad in settings.invalid {
            let mut status = AccountStatus::new("discord", &bad.id, true, "unknown");
            status.state = ConnectionState::Misconfigured;
            status.last_error = Some(bad.error.to_string());
            tracing::error!(target: "discord", "{}", bad.error);
            invalid.push(status);
        }
        *lock(&self.invalid) = invalid;
        lock(&self.defaults).insert("discord".to_owned(), settings.default_account_id.clone());

        let mut accounts = lock(&self.accounts);
        let stale: Vec<AccountKey> = accounts
            .keys()
            .filter(|key| !wanted.contains_key(*key))
            .cloned()
            .collect();
        for key in stale {
            if let Some(entry) = accounts.remove(&key) {
                stop(entry.running);
            }
        }
        for (key, account) in wanted {
            let entry = accounts.entry(key).or_insert_with(|| Entry {
                status: StatusHandle::new(AccountStatus::new(
                    "discord",
                    &account.id,
                    account.enabled,
                    account.token_source.as_str(),
                )),
                settings: Arc::new(account.clone()),
                running: None,
            });
            entry.status.update(|s| {
                s.enabled = account.enabled;
                s.token_source = account.token_source.as_str().to_owned();
            });
            let runnable = account.enabled && account.token.is_some();
            let endpoints = match &endpoints {
                Ok(endpoints) => endpoints.clone(),
                Err(error) => {
                    stop(entry.running.take());
                    entry
                        .status
                        .set_state(ConnectionState::Misconfigured, Some(error.to_string()));
                    entry.settings = Arc::new(account);
                    continue;
                }
            };
            let identity = ConnectionIdentity::of(&account, &endpoints);
            let keep = runnable
                && entry
                    .running
                    .as_ref()
                    .is_some_and(|r| r.identity == identity && !r.task.is_finished());
            entry.settings = Arc::new(account.clone());
            if keep {
                continue;
            }
            stop(entry.running.take());
            if !runnable {
                let why = if account.enabled {
                    "no bot token: set DISCORD_BOT_TOKEN or channels.discord.token"
                } else {
                    "disabled in the config"
                };
                entry
                    .status
                    .set_state(ConnectionState::Stopped, Some(why.to_owned()));
                continue;
            }
            entry.running = Some(self.start(&account, endpoints, identity, entry.status.clone()));
        }
    }

    fn start(
        &self,
        account: &DiscordAccount,
        endpoints: Endpoints,
        identity: ConnectionIdentity,
        status: StatusHandle,
    ) -> Running {
        let http = Arc::new(http_client(account, &endpoints));
        let sink = Arc::new(DiscordSink::new(http.clone(), account, status.clone()));
        let cancel = CancellationToken::new();
        let label = format!("discord:{}", account.id);
        let (ingress, ladder) = (self.ingress.clone(), self.ladder);
        let (task_account, task_cancel, task_status) =
            (account.clone(), cancel.clone(), status.clone());
        let task = self.tasks.spawn(async move {
            supervise(
                &label,
                task_status.clone(),
                task_cancel.clone(),
                ladder,
                || {
                    source::run(SourceContext {
                        account: task_account.clone(),
                        endpoints: endpoints.clone(),
                        http: http.clone(),
                        ingress: ingress.clone(),
                        status: task_status.clone(),
                        cancel: task_cancel.clone(),
                    })
                },
            )
            .await;
        });
        Running {
            identity,
            cancel,
            task,
            sink,
        }
    }

    /// Every account's status, configured order (channel, then account id).
    pub fn statuses(&self) -> Vec<AccountStatus> {
        let mut all: Vec<AccountStatus> = lock(&self.accounts)
            .values()
            .map(|entry| entry.status.snapshot())
            .collect();
        all.extend(lock(&self.invalid).iter().cloned());
        all
    }

    /// The current settings of a Discord account (policy is read per message, so edits apply
    /// without reconnecting).
    pub fn discord_account(&self, account_id: &str) -> Option<Arc<DiscordAccount>> {
        lock(&self.accounts)
            .get(&("discord".to_owned(), account_id.to_owned()))
            .map(|entry| entry.settings.clone())
    }

    /// Where to send for a running account.
    pub fn sink(&self, channel: &str, account_id: &str) -> Option<Arc<dyn OutboundSink>> {
        lock(&self.accounts)
            .get(&(channel.to_owned(), account_id.to_owned()))
            .and_then(|entry| entry.running.as_ref())
            .map(|running| running.sink.clone() as Arc<dyn OutboundSink>)
    }

    /// The account to use when a caller names none (`default` if configured, else the first
    /// id), if that account is configured.
    pub fn default_account(&self, channel: &str) -> Option<String> {
        let id = lock(&self.defaults).get(channel).cloned()?;
        lock(&self.accounts)
            .contains_key(&(channel.to_owned(), id.clone()))
            .then_some(id)
    }

    /// Checks an account's token against the channel's API (`channels.status --probe`).
    pub async fn probe(
        &self,
        channel: &str,
        account_id: &str,
        timeout: std::time::Duration,
    ) -> Result<Probe, String> {
        let sink = lock(&self.accounts)
            .get(&(channel.to_owned(), account_id.to_owned()))
            .and_then(|entry| entry.running.as_ref())
            .map(|running| running.sink.clone())
            .ok_or_else(|| format!("the {channel} account {account_id:?} is not running"))?;
        let started = std::time::Instant::now();
        let (bot_id, bot_name) = tokio::time::timeout(timeout, sink.current_user())
            .await
            .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
            .map_err(|error| error.to_string())?;
        Ok(Probe {
            bot_id,
            bot_name,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Stops every connection and waits for them to end.
    pub async fn shutdown(&self) {
        let running: Vec<Running> = lock(&self.accounts)
            .values_mut()
            .filter_map(|entry| entry.running.take())
            .collect();
        for running in &running {
            running.cancel.cancel();
        }
        drop(running);
        self.tasks.close();
        self.tasks.wait().await;
    }
}

fn stop(running: Option<Running>) {
    if let Some(running) = running {
        // The task notices at its next await and closes its socket; nobody waits for it here
        // (apply runs under a lock), shutdown() is what waits.
        running.cancel.cancel();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
