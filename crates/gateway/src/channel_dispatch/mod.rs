//! From a channel's inbound message to the agent and back: access policy (with pairing),
//! routing, the agent turn, and delivery of the reply — the path every channel shares.
//!
//! Messages arrive already recorded in the durable ingress (`openclaw_channels::ingress`);
//! each ends with its ingress row marked done. A message whose turn was cut short by a
//! shutdown stays `received` and is processed again at the next start.

mod envelope;
mod reply;
mod typing;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use openclaw_channels::access::{
    self, AccessContext, Decision, MentionPatterns, MessageFacts, is_control_command,
};
use openclaw_channels::inbound::{Conversation, Inbound};
use openclaw_channels::ingress::{Accepted, IngressQueue};
use openclaw_channels::outbound::Target;
use openclaw_channels::pairing::{PairingStore, UpsertOutcome, pairing_reply};
use openclaw_channels::routing::{Peer, Route, RouteInput, resolve_route};
use openclaw_config::PeerKind;
use openclaw_store::{IngressState, PendingIngress};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;

use crate::state::Shared;
use envelope::GroupHistory;

/// Turns in flight from channels at once; more wait (the agent lanes bound the real work).
const MAX_IN_FLIGHT: usize = 64;

/// How often finished ingress rows are forgotten, and how long they are kept (long enough to
/// recognise any redelivery: Discord's resumes replay minutes, not days).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const KEEP_FINISHED: Duration = Duration::from_secs(24 * 3600);

/// Unfinished messages re-processed at start-up (older ones than this many stay recorded).
const RECOVERY_LIMIT: usize = 1000;

/// The channel side of the gateway.
pub struct Dispatcher {
    shared: Arc<Shared>,
    pairing: PairingStore,
    history: GroupHistory,
    typing: typing::Typing,
    in_flight: Arc<Semaphore>,
    tasks: TaskTracker,
}

/// Starts the dispatcher: recovers unfinished messages, then serves the ingress queue until
/// it closes. The returned handle owns every reply task.
pub fn spawn(
    shared: Arc<Shared>,
    mut queue: mpsc::Receiver<Accepted>,
    ingress: IngressQueue,
) -> JoinHandle<()> {
    let dispatcher = Arc::new(Dispatcher {
        pairing: PairingStore::new(shared.paths.credentials_dir.clone()),
        shared,
        history: GroupHistory::default(),
        typing: typing::Typing::default(),
        in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        tasks: TaskTracker::new(),
    });
    tokio::spawn(async move {
        let recovery = dispatcher.tasks.spawn(recover(dispatcher.clone(), ingress));
        let mut prune = tokio::time::interval(PRUNE_EVERY);
        prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                accepted = queue.recv() => match accepted {
                    Some(accepted) => dispatcher.clone().handle(accepted).await,
                    None => break,
                },
                _ = prune.tick() => dispatcher.prune().await,
            }
        }
        recovery.abort();
        dispatcher.tasks.close();
        dispatcher.tasks.wait().await;
    })
}

/// Hands messages that were recorded but never answered (the gateway stopped mid-turn) back
/// to the queue. Messages caught while their reply was being sent are not re-run, so nobody
/// gets the same answer twice; they are logged.
async fn recover(dispatcher: Arc<Dispatcher>, ingress: IngressQueue) {
    let Some(store) = dispatcher.shared.store() else {
        return;
    };
    let pending = match store.pending_ingress(RECOVERY_LIMIT).await {
        Ok(pending) => pending,
        Err(error) => {
            tracing::warn!(target: "channels", %error, "cannot read unfinished inbound messages");
            return;
        }
    };
    for PendingIngress {
        id,
        channel,
        message_id,
        state,
        payload,
        ..
    } in pending
    {
        if state == IngressState::Replying {
            tracing::warn!(
                target: "channels",
                "[{channel}] the reply to message {message_id} was interrupted by a restart; not sending it again"
            );
            let _ = store.set_ingress_state(id, IngressState::Done).await;
            continue;
        }
        match serde_json::from_str::<Inbound>(&payload) {
            Ok(inbound) => {
                tracing::info!(target: "channels", "[{channel}] answering message {message_id} received before the restart");
                if ingress.redeliver(id, inbound).await.is_err() {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(target: "channels", %error, "[{channel}] unreadable stored message {message_id}; skipped");
                let _ = store.set_ingress_state(id, IngressState::Done).await;
            }
        }
    }
}

impl Dispatcher {
    async fn handle(self: Arc<Self>, accepted: Accepted) {
        let Accepted {
            ingress_id,
            inbound,
        } = accepted;
        let Some(account) = self.shared.channels.discord_account(&inbound.account_id) else {
            self.finish(ingress_id).await;
            return;
        };
        let config = self
            .shared
            .snapshot
            .load()
            .loaded
            .config
            .clone()
            .unwrap_or_default();
        let route = route_of(&config, &inbound);
        // Approved senders only matter for DMs: a guild message does not read the file.
        let approved = if inbound.conversation != Conversation::Direct {
            Vec::new()
        } else {
            let pairing = self.pairing.clone();
            tokio::task::spawn_blocking(move || pairing.allowed_senders("discord"))
                .await
                .ok()
                .and_then(|read| {
                    read.map_err(|error| {
                        tracing::warn!(target: "channels", %error, "cannot read approved Discord senders");
                    })
                    .ok()
                })
                .unwrap_or_default()
        };
        // Mention patterns are regexes compiled per message; DMs need no mention at all.
        let patterns = if inbound.conversation == Conversation::Direct {
            MentionPatterns::compile::<&str>(&[])
        } else {
            MentionPatterns::for_agent(&config, &route.agent_id)
        };
        let facts = facts_of(&inbound);
        let commands = config.commands.as_ref();
        let context = AccessContext {
            account: &account,
            approved_senders: &approved,
            mention_patterns: &patterns,
            bot_id_known: true,
            use_access_groups: commands.and_then(|c| c.use_access_groups).unwrap_or(true),
            allow_text_commands: commands.and_then(|c| c.text).unwrap_or(true),
        };
        match access::evaluate(&facts, &context) {
            Decision::Drop(reason) => {
                tracing::debug!(
                    target: "discord",
                    message = %inbound.message_id,
                    "dropped: {reason}"
                );
                self.finish(ingress_id).await;
            }
            Decision::PendingHistory => {
                self.history.remember(&inbound, account.history_limit);
                self.finish(ingress_id).await;
            }
            Decision::Pair => {
                self.pair(&inbound).await;
                self.finish(ingress_id).await;
            }
            Decision::Allow(allowed) => {
                let history = self.history.take(&inbound);
                let permit = self.in_flight.clone().acquire_owned().await.ok();
                let job = reply::Job {
                    shared: self.shared.clone(),
                    ingress_id,
                    inbound,
                    route,
                    allowed,
                    history,
                    account,
                    typing: self.typing.clone(),
                };
                // Submitting here, in arrival order, keeps a session's messages in order;
                // waiting for and delivering the answer runs beside the queue.
                if let Some(running) = job.submit().await {
                    self.tasks.spawn(async move {
                        running.deliver().await;
                        drop(permit);
                    });
                }
            }
        }
    }

    /// A DM from an unknown sender under `dmPolicy: pairing`: record the request; only a new
    /// request gets the reply with the code.
    async fn pair(&self, inbound: &Inbound) {
        let pairing = self.pairing.clone();
        let sender = inbound.sender.clone();
        let upserted = tokio::task::spawn_blocking(move || {
            let mut meta = BTreeMap::new();
            meta.insert("username".to_owned(), sender.username.clone());
            if let Some(name) = &sender.display_name {
                meta.insert("name".to_owned(), name.clone());
            }
            pairing.upsert_request("discord", &sender.id, &meta)
        })
        .await;
        let code = match upserted {
            Ok(Ok(UpsertOutcome::Created { code })) => code,
            Ok(Ok(UpsertOutcome::Existing { .. })) => return,
            Ok(Ok(UpsertOutcome::Full)) => {
                tracing::warn!(
                    target: "discord",
                    "pairing request from {} ({}) not recorded: 3 requests are already pending; approve or deny them with `openclaw pairing list discord`",
                    inbound.sender.label(),
                    inbound.sender.id
                );
                return;
            }
            Ok(Err(error)) => {
                tracing::error!(target: "discord", %error, "cannot record a pairing request");
                return;
            }
            Err(_) => return,
        };
        tracing::info!(
            target: "discord",
            "pairing request from {} ({}); approve with: openclaw pairing approve discord {code}",
            inbound.sender.label(),
            inbound.sender.id
        );
        let text = pairing_reply("discord", "Discord", &inbound.sender.id, &code);
        let Some(sink) = self.shared.channels.sink("discord", &inbound.account_id) else {
            return;
        };
        let target = Target::Conversation(inbound.conversation_id.clone());
        // Sent beside the queue, like replies: a REST call must not hold up other messages.
        self.tasks.spawn(async move {
            if let Err(error) = sink.send_text(&target, &text, None).await {
                tracing::warn!(target: "discord", %error, "cannot send the pairing code");
            }
        });
    }

    /// Forgets finished ingress rows older than [`KEEP_FINISHED`], so the table stays small.
    async fn prune(&self) {
        let Some(store) = self.shared.store() else {
            return;
        };
        let keep_ms = i64::try_from(KEEP_FINISHED.as_millis()).unwrap_or(i64::MAX);
        match store
            .prune_ingress(openclaw_store::now_ms().saturating_sub(keep_ms))
            .await
        {
            Ok(0) => {}
            Ok(pruned) => {
                tracing::debug!(target: "channels", pruned, "forgot finished inbound messages");
            }
            Err(error) => {
                tracing::warn!(target: "channels", %error, "cannot prune finished inbound messages");
            }
        }
    }

    async fn finish(&self, ingress_id: Option<i64>) {
        finish(&self.shared, ingress_id, IngressState::Done).await;
    }
}

pub(crate) async fn finish(shared: &Shared, ingress_id: Option<i64>, state: IngressState) {
    if let (Some(id), Some(store)) = (ingress_id, shared.store())
        && let Err(error) = store.set_ingress_state(id, state).await
    {
        tracing::warn!(target: "channels", %error, "cannot update an inbound message's state");
    }
}

fn route_of(config: &openclaw_config::Config, inbound: &Inbound) -> Route {
    let peer = match inbound.conversation {
        Conversation::Direct => Peer {
            kind: PeerKind::Dm,
            id: &inbound.sender.id,
        },
        Conversation::GroupDirect => Peer {
            kind: PeerKind::Group,
            id: &inbound.conversation_id,
        },
        Conversation::Channel => Peer {
            kind: PeerKind::Channel,
            id: &inbound.conversation_id,
        },
    };
    let parent = inbound.thread_parent.as_ref().map(|parent| Peer {
        kind: PeerKind::Channel,
        id: &parent.id,
    });
    resolve_route(
        config,
        &RouteInput {
            channel: &inbound.channel,
            account_id: Some(&inbound.account_id),
            peer: Some(peer),
            guild_id: inbound.server.as_ref().map(|s| s.id.as_str()),
            team_id: None,
            parent_peer: parent,
        },
    )
}

fn facts_of(inbound: &Inbound) -> MessageFacts {
    let place_name = inbound.place.as_ref().and_then(|p| p.name.clone());
    MessageFacts {
        is_dm: inbound.conversation == Conversation::Direct,
        is_group_dm: inbound.conversation == Conversation::GroupDirect,
        author_id: inbound.sender.id.clone(),
        author_name: Some(inbound.sender.username.clone()),
        author_tag: Some(inbound.sender.username.clone()),
        author_is_bot: inbound.sender.is_bot,
        is_own_message: inbound.from_self,
        guild_id: inbound.server.as_ref().map(|s| s.id.clone()),
        guild_name: inbound.server.as_ref().and_then(|s| s.name.clone()),
        channel_id: inbound.conversation_id.clone(),
        channel_name: place_name,
        parent_channel_id: inbound.thread_parent.as_ref().map(|p| p.id.clone()),
        parent_channel_name: inbound.thread_parent.as_ref().and_then(|p| p.name.clone()),
        thread_created_by_bot: false,
        text: inbound.text.clone(),
        has_media: !inbound.attachments.is_empty(),
        mentions_bot: inbound.mentions_bot,
        has_any_mention: inbound.mentions_bot || inbound.text.contains("<@"),
        is_reply_to_bot: inbound.replies_to_bot(),
        is_control_command: is_control_command(&inbound.text),
        is_interaction_command: inbound.is_system && inbound.server.is_some(),
    }
}
