//! One Discord account's outbound side over twilight-http: messages (as replies when asked),
//! typing, reactions, DMs opened on demand. Rate limits: twilight's bucket ratelimiter waits
//! before requests; a 429 that still comes back is retried here after Discord's `retry_after`
//! (bounded by `channels.discord.retry`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::BoxFuture;
use rand::Rng;
use twilight_http::api_error::ApiError;
use twilight_http::error::ErrorType;
use twilight_http::request::channel::reaction::RequestReactionType;
use twilight_model::id::Id;
use twilight_model::id::marker::{ChannelMarker, MessageMarker, UserMarker};

use super::endpoints::Endpoints;
use super::settings::{DiscordAccount, RetrySettings};
use crate::outbound::{OutboundFile, OutboundSink, SendError, SentMessage, Target, TextLimits};
use crate::status::StatusHandle;

const CHANNEL: &str = "discord";

/// Per-request timeout of the REST client.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// DM channels remembered per user (a bot that DMs more people re-opens them).
const DM_CACHE_CAP: usize = 4096;

/// Builds the account's REST client (pointed at `endpoints` when overridden).
pub fn http_client(account: &DiscordAccount, endpoints: &Endpoints) -> twilight_http::Client {
    let mut builder = twilight_http::Client::builder().timeout(REQUEST_TIMEOUT);
    if let Some(token) = &account.token {
        builder = builder.token(token.expose().to_owned());
    }
    if let Some((host, plain)) = &endpoints.api {
        builder = builder.proxy(host.clone(), *plain);
    }
    builder.build()
}

/// The outbound side of one account.
pub struct DiscordSink {
    http: Arc<twilight_http::Client>,
    retry: RetrySettings,
    limits: TextLimits,
    status: StatusHandle,
    dm_channels: Mutex<HashMap<String, String>>,
}

impl DiscordSink {
    pub fn new(
        http: Arc<twilight_http::Client>,
        account: &DiscordAccount,
        status: StatusHandle,
    ) -> Self {
        Self {
            http,
            retry: account.retry,
            limits: TextLimits {
                chars: account.text_chunk_limit,
                lines: Some(account.max_lines_per_message).filter(|n| *n > 0),
            },
            status,
            dm_channels: Mutex::new(HashMap::new()),
        }
    }

    async fn conversation(&self, to: &Target) -> Result<Id<ChannelMarker>, SendError> {
        match to {
            Target::Conversation(id) => parse_id(id, "channel"),
            Target::User(user) => {
                let known = self
                    .dm_channels
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(user)
                    .cloned();
                if let Some(channel) = known {
                    return parse_id(&channel, "channel");
                }
                let user_id: Id<UserMarker> = parse_id(user, "user")?;
                let channel = self
                    .with_retry(|| async {
                        self.http
                            .create_private_channel(user_id)
                            .await?
                            .model()
                            .await
                            .map_err(|e| Failure::Other(e.to_string()))
                    })
                    .await?;
                let mut cache = self
                    .dm_channels
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if cache.len() >= DM_CACHE_CAP {
                    cache.clear();
                }
                cache.insert(user.clone(), channel.id.to_string());
                Ok(channel.id)
            }
        }
    }

    /// Runs `call`, retrying 429 answers after their `retry_after`.
    async fn with_retry<T, F, Fut>(&self, mut call: F) -> Result<T, SendError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(Failure::RateLimited(retry_after)) if attempt < attempts => {
                    let wait = self.backoff(retry_after);
                    tracing::warn!(
                        target: "discord",
                        "rate limited by Discord; retrying in {:.2}s ({attempt}/{attempts})",
                        wait.as_secs_f64()
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(Failure::RateLimited(retry_after)) => {
                    return Err(SendError::RateLimited {
                        channel: CHANNEL,
                        retry_after,
                    });
                }
                Err(Failure::Rejected(status, message)) => {
                    return Err(SendError::Rejected {
                        channel: CHANNEL,
                        status,
                        message,
                    });
                }
                Err(Failure::Other(message)) => {
                    return Err(SendError::Transport {
                        channel: CHANNEL,
                        message,
                    });
                }
            }
        }
    }

    /// Discord's `retry_after`, kept within the configured bounds, plus jitter.
    fn backoff(&self, retry_after: Duration) -> Duration {
        let min = Duration::from_millis(self.retry.min_delay_ms);
        let max = Duration::from_millis(self.retry.max_delay_ms.max(self.retry.min_delay_ms));
        let base = retry_after.clamp(min.min(retry_after.max(Duration::from_millis(1))), max);
        let jitter = self.retry.jitter.clamp(0.0, 1.0);
        if jitter == 0.0 {
            return base;
        }
        base.mul_f64(1.0 + rand::rng().random_range(0.0..jitter))
    }

    /// The bot's own user (id, name): the cheapest call that proves the token works.
    pub async fn current_user(&self) -> Result<(String, String), SendError> {
        let user = self
            .with_retry(|| async {
                self.http
                    .current_user()
                    .await?
                    .model()
                    .await
                    .map_err(|e| Failure::Other(e.to_string()))
            })
            .await?;
        Ok((user.id.to_string(), user.name))
    }

    fn sent(&self) {
        self.status
            .update(|s| s.last_outbound_at = Some(openclaw_store::now_ms()));
    }
}

/// A failed request, classified.
enum Failure {
    RateLimited(Duration),
    Rejected(u16, String),
    Other(String),
}

impl From<twilight_http::Error> for Failure {
    fn from(error: twilight_http::Error) -> Self {
        match error.kind() {
            ErrorType::Response { error, status, .. } => match error {
                ApiError::Ratelimited(limit) => Failure::RateLimited(Duration::from_secs_f64(
                    limit.retry_after.clamp(0.0, 3600.0),
                )),
                other => Failure::Rejected(status.get(), other.to_string()),
            },
            _ => Failure::Other(error.to_string()),
        }
    }
}

fn parse_id<T>(value: &str, what: &str) -> Result<Id<T>, SendError> {
    value
        .parse::<u64>()
        .ok()
        .and_then(Id::new_checked)
        .ok_or_else(|| SendError::InvalidTarget {
            channel: CHANNEL,
            target: value.to_owned(),
            reason: format!("a Discord {what} id is a number (snowflake)"),
        })
}

impl OutboundSink for DiscordSink {
    fn send_text<'a>(
        &'a self,
        to: &'a Target,
        text: &'a str,
        reply_to: Option<&'a str>,
    ) -> BoxFuture<'a, Result<SentMessage, SendError>> {
        Box::pin(async move {
            let channel = self.conversation(to).await?;
            let reply: Option<Id<MessageMarker>> = match reply_to {
                Some(id) => Some(parse_id(id, "message")?),
                None => None,
            };
            let message = self
                .with_retry(|| async {
                    let mut request = self.http.create_message(channel).content(text);
                    if let Some(reply) = reply {
                        request = request.reply(reply).fail_if_not_exists(false);
                    }
                    request
                        .await?
                        .model()
                        .await
                        .map_err(|e| Failure::Other(e.to_string()))
                })
                .await?;
            self.sent();
            Ok(SentMessage {
                id: message.id.to_string(),
                conversation_id: channel.to_string(),
            })
        })
    }

    fn edit_text<'a>(
        &'a self,
        conversation_id: &'a str,
        message_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let channel = parse_id(conversation_id, "channel")?;
            let message = parse_id(message_id, "message")?;
            self.with_retry(|| async {
                self.http
                    .update_message(channel, message)
                    .content(Some(text))
                    .await?;
                Ok(())
            })
            .await?;
            self.sent();
            Ok(())
        })
    }

    fn send_file<'a>(
        &'a self,
        to: &'a Target,
        file: &'a OutboundFile,
        reply_to: Option<&'a str>,
    ) -> BoxFuture<'a, Result<SentMessage, SendError>> {
        Box::pin(async move {
            let channel = self.conversation(to).await?;
            let reply: Option<Id<MessageMarker>> = match reply_to {
                Some(id) => Some(parse_id(id, "message")?),
                None => None,
            };
            let attachments = [twilight_model::http::attachment::Attachment::from_bytes(
                file.filename.clone(),
                file.bytes.clone(),
                0,
            )];
            let message = self
                .with_retry(|| async {
                    let mut request = self.http.create_message(channel).attachments(&attachments);
                    if let Some(caption) = &file.caption {
                        request = request.content(caption);
                    }
                    if let Some(reply) = reply {
                        request = request.reply(reply).fail_if_not_exists(false);
                    }
                    request
                        .await?
                        .model()
                        .await
                        .map_err(|e| Failure::Other(e.to_string()))
                })
                .await?;
            self.sent();
            Ok(SentMessage {
                id: message.id.to_string(),
                conversation_id: channel.to_string(),
            })
        })
    }

    fn typing<'a>(&'a self, conversation_id: &'a str) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let channel = parse_id(conversation_id, "channel")?;
            self.with_retry(|| async {
                self.http.create_typing_trigger(channel).await?;
                Ok(())
            })
            .await
        })
    }

    fn react<'a>(
        &'a self,
        conversation_id: &'a str,
        message_id: &'a str,
        emoji: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let channel = parse_id(conversation_id, "channel")?;
            let message = parse_id(message_id, "message")?;
            let reaction = RequestReactionType::Unicode { name: emoji };
            self.with_retry(|| async {
                self.http
                    .create_reaction(channel, message, &reaction)
                    .await?;
                Ok(())
            })
            .await
        })
    }

    fn unreact<'a>(
        &'a self,
        conversation_id: &'a str,
        message_id: &'a str,
        emoji: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let channel = parse_id(conversation_id, "channel")?;
            let message = parse_id(message_id, "message")?;
            let reaction = RequestReactionType::Unicode { name: emoji };
            self.with_retry(|| async {
                self.http
                    .delete_current_user_reaction(channel, message, &reaction)
                    .await?;
                Ok(())
            })
            .await
        })
    }

    fn limits(&self) -> TextLimits {
        self.limits
    }
}
