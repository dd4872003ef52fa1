//! One allowed channel message: submit it to the agent (in arrival order), then — beside the
//! queue — keep "typing…" up, wait for the answer, shape and chunk it, and send it.

use std::sync::Arc;

use openclaw_agent::{
    AbortReason, Delivery, RunOutcome, RunStatus, RunTicket, Submission, TurnRequest,
};
use openclaw_channels::access::{Allowed, ChatKind};
use openclaw_channels::chunk::{ChunkOptions, chunk_text};
use openclaw_channels::discord::settings::DiscordAccount;
use openclaw_channels::inbound::Inbound;
use openclaw_channels::outbound::Target;
use openclaw_channels::reply::{
    ChatError, PrefixContext, ReplyTarget, apply_prefix, error_text, reply_targets,
    resolve_response_prefix, shape_reply,
};
use openclaw_channels::routing::Route;
use openclaw_store::IngressState;

use super::envelope::{self, HistoryEntry};
use super::finish;
use super::typing::{Typing, TypingGuard, typing_interval};
use crate::state::Shared;

/// The reaction used when `messages.ackReaction` is unset and the agent has no emoji.
const DEFAULT_ACK_REACTION: &str = "👀";

pub struct Job {
    pub shared: Arc<Shared>,
    pub ingress_id: Option<i64>,
    pub inbound: Inbound,
    pub route: Route,
    pub allowed: Allowed,
    pub history: Vec<HistoryEntry>,
    pub account: Arc<DiscordAccount>,
    pub typing: Typing,
}

/// A submitted message waiting for its answer.
pub struct Running {
    job: Job,
    answer: Answer,
    /// Dropping it releases the conversation's typing loop (also when dropped undelivered).
    typing: Option<TypingGuard>,
    ack: Option<String>,
}

enum Answer {
    Ticket(RunTicket),
    Done(Arc<RunOutcome>),
    Stopped(Vec<String>),
}

impl Job {
    /// Submits the turn. `None` when there is nothing to wait for.
    pub async fn submit(self) -> Option<Running> {
        let body = envelope::body(&self.inbound, &self.history);
        let mut request = TurnRequest::new(
            format!(
                "{}:{}:{}",
                self.inbound.channel, self.inbound.account_id, self.inbound.message_id
            ),
            body,
        );
        // Commands and abort words are read from the text as written, not the envelope.
        if self.allowed.command_authorized && is_bare_command(&self.inbound.text) {
            request.message = self.inbound.text.trim().to_owned();
        }
        request.session_key = Some(self.route.session_key.clone());
        request.agent_id = Some(self.route.agent_id.clone());
        request.extra_system_prompt = self.allowed.system_prompt.clone();
        request.delivery = Delivery::Inbound {
            channel: self.inbound.channel.clone(),
        };
        let sink = self
            .shared
            .channels
            .sink(&self.inbound.channel, &self.inbound.account_id);
        // Decided here, sent by the delivery task: a REST call must not hold up the queue.
        let ack = sink.as_ref().and_then(|_| self.ack_emoji());
        let every = typing_interval(self.shared.snapshot.load().config());
        let typing = sink.map(|sink| {
            self.typing.hold(
                format!(
                    "{}:{}:{}",
                    self.inbound.channel, self.inbound.account_id, self.inbound.conversation_id
                ),
                sink,
                self.inbound.conversation_id.clone(),
                every,
            )
        });
        let answer = match self.shared.agents.submit(request, None).await {
            Submission::Accepted(ticket) | Submission::InFlight(ticket) => Answer::Ticket(ticket),
            Submission::Finished(outcome) => Answer::Done(outcome),
            Submission::Stopped { run_ids } => Answer::Stopped(run_ids),
        };
        Some(Running {
            job: self,
            answer,
            typing,
            ack,
        })
    }

    /// The ack reaction, when `messages.ackReactionScope` covers this message.
    fn ack_emoji(&self) -> Option<String> {
        let config = self.shared.snapshot.load();
        let messages = config.config().messages.as_ref();
        let emoji = match messages.and_then(|m| m.ack_reaction.as_deref()) {
            Some(configured) => configured.trim().to_owned(),
            None => DEFAULT_ACK_REACTION.to_owned(),
        };
        if emoji.is_empty() {
            return None;
        }
        let scope = messages
            .and_then(|m| m.ack_reaction_scope.as_deref())
            .unwrap_or("group-mentions");
        let group = self.allowed.kind != ChatKind::Direct;
        let applies = match scope {
            "all" => true,
            "direct" => !group,
            "group-all" => group,
            "group-mentions" => group && self.allowed.require_mention && self.allowed.was_mentioned,
            _ => false,
        };
        applies.then_some(emoji)
    }

    /// Adds the ack reaction; `None` when it could not be added (nothing to remove later).
    async fn acknowledge(&self, emoji: String) -> Option<String> {
        let sink = self
            .shared
            .channels
            .sink(&self.inbound.channel, &self.inbound.account_id)?;
        match sink
            .react(
                &self.inbound.conversation_id,
                &self.inbound.message_id,
                &emoji,
            )
            .await
        {
            Ok(()) => Some(emoji),
            Err(error) => {
                tracing::debug!(target: "discord", %error, "cannot add the ack reaction");
                None
            }
        }
    }
}

/// `/new`, `/stop`, … alone on the line (directives inside text stay in the envelope).
fn is_bare_command(text: &str) -> bool {
    let trimmed = text.trim();
    trimmed.starts_with('/') && !trimmed.contains('\n') || openclaw_agent::is_abort_trigger(trimmed)
}

impl Running {
    pub async fn deliver(self) {
        let Running {
            job,
            answer,
            typing,
            ack,
        } = self;
        let ack = match ack {
            Some(emoji) => job.acknowledge(emoji).await,
            None => None,
        };
        let outcome = match answer {
            Answer::Ticket(ticket) => ticket.outcome().await,
            Answer::Done(outcome) => Some(outcome),
            Answer::Stopped(run_ids) => {
                drop(typing);
                let text = if run_ids.is_empty() {
                    "Nothing to stop."
                } else {
                    "Stopped."
                };
                send_all(&job, vec![text.to_owned()], None).await;
                finish(&job.shared, job.ingress_id, IngressState::Done).await;
                return;
            }
        };
        drop(typing);
        let Some(outcome) = outcome else {
            // The runtime went away (shutdown): leave the message to be answered after restart.
            return;
        };
        if outcome.status == RunStatus::Aborted(AbortReason::Shutdown)
            || job.shared.shutdown.is_cancelled()
        {
            return;
        }
        let text = match outcome.status {
            _ if outcome.merged_into.is_some() => None,
            RunStatus::Ok => Some(outcome.text.clone()),
            RunStatus::Error => Some(error_text(&ChatError::Failed(
                outcome
                    .error
                    .clone()
                    .unwrap_or_else(|| "unknown error".to_owned()),
            ))),
            RunStatus::Timeout => Some(error_text(&ChatError::Failed(
                "the agent took too long and was stopped (agents.defaults.timeoutSeconds)".into(),
            ))),
            RunStatus::Aborted(_) => None,
        };
        if let Some(text) = text
            && let Some(shaped) = shape_reply(&text)
        {
            let prefix = response_prefix(&job, &outcome);
            let options = ChunkOptions {
                limit_chars: job.account.text_chunk_limit.max(1),
                max_lines: Some(job.account.max_lines_per_message).filter(|n| *n > 0),
                mode: job.account.chunk_mode,
            };
            let pieces: Vec<String> = chunk_text(&shaped.text, &options)
                .into_iter()
                .enumerate()
                .map(|(i, piece)| {
                    if i == 0 {
                        apply_prefix(&piece, prefix.as_deref())
                    } else {
                        piece
                    }
                })
                .collect();
            finish(&job.shared, job.ingress_id, IngressState::Replying).await;
            send_all(&job, pieces, shaped.reply_to).await;
        }
        if let (Some(emoji), true) = (ack, remove_ack_after_reply(&job))
            && let Some(sink) = job
                .shared
                .channels
                .sink(&job.inbound.channel, &job.inbound.account_id)
        {
            let _ = sink
                .unreact(
                    &job.inbound.conversation_id,
                    &job.inbound.message_id,
                    &emoji,
                )
                .await;
        }
        finish(&job.shared, job.ingress_id, IngressState::Done).await;
    }
}

fn remove_ack_after_reply(job: &Job) -> bool {
    job.shared
        .snapshot
        .load()
        .config()
        .messages
        .as_ref()
        .and_then(|m| m.remove_ack_after_reply)
        .unwrap_or(false)
}

fn response_prefix(job: &Job, outcome: &RunOutcome) -> Option<String> {
    let snapshot = job.shared.snapshot.load();
    let config = snapshot.config();
    let template = config.messages.as_ref()?.response_prefix.as_deref()?;
    let identity_name = config
        .agent(&job.route.agent_id)
        .and_then(|a| a.identity.as_ref())
        .and_then(|i| i.name.clone());
    let context = PrefixContext {
        model_full: match (&outcome.provider, &outcome.model) {
            (Some(provider), Some(model)) => Some(format!("{provider}/{model}")),
            _ => None,
        },
        provider: outcome.provider.clone(),
        thinking_level: None,
        identity_name,
    };
    resolve_response_prefix(Some(template), &context)
}

/// Sends `pieces` in order; a piece that fails is logged and the rest still go out (a reply
/// with a missing middle beats a reply cut off).
async fn send_all(job: &Job, pieces: Vec<String>, tag: Option<ReplyTarget>) {
    let Some(sink) = job
        .shared
        .channels
        .sink(&job.inbound.channel, &job.inbound.account_id)
    else {
        tracing::warn!(
            target: "discord",
            "cannot deliver a reply: account {} is not running",
            job.inbound.account_id
        );
        return;
    };
    let targets = reply_targets(job.account.reply_to_mode, tag.as_ref(), pieces.len());
    let to = Target::Conversation(job.inbound.conversation_id.clone());
    for (piece, target) in pieces.iter().zip(targets) {
        let reply_to = target.map(|t| match t {
            ReplyTarget::Current => job.inbound.message_id.clone(),
            ReplyTarget::Message(id) => id,
        });
        if let Err(error) = sink.send_text(&to, piece, reply_to.as_deref()).await {
            tracing::warn!(
                target: "discord",
                %error,
                "cannot deliver part of a reply to message {}",
                job.inbound.message_id
            );
        }
    }
}
