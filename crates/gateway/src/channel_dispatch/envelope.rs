//! What the model reads for a channel message: the text wrapped with who wrote it, where and
//! when, plus — in group channels — the messages nobody mentioned the bot in since its last
//! reply, so it can follow the conversation.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use openclaw_channels::inbound::{Conversation, Inbound};

/// Conversations whose pending history is kept; the least recently written is dropped past it.
const MAX_CONVERSATIONS: usize = 1024;

/// Characters kept per remembered message.
const MAX_ENTRY_CHARS: usize = 2000;

/// One unanswered group message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub sender: String,
    pub text: String,
    pub message_id: String,
    pub timestamp_ms: i64,
}

/// Unmentioned group messages per conversation, bounded by each account's `historyLimit`.
#[derive(Debug, Default)]
pub struct GroupHistory {
    by_conversation: Mutex<HashMap<String, (u64, VecDeque<HistoryEntry>)>>,
    clock: std::sync::atomic::AtomicU64,
}

fn key(inbound: &Inbound) -> String {
    format!(
        "{}:{}:{}",
        inbound.channel, inbound.account_id, inbound.conversation_id
    )
}

impl GroupHistory {
    /// Keeps an unmentioned message (nothing when `limit` is 0).
    pub fn remember(&self, inbound: &Inbound, limit: usize) {
        if limit == 0 || inbound.text.trim().is_empty() {
            return;
        }
        let tick = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut map = self
            .by_conversation
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_CONVERSATIONS
            && !map.contains_key(&key(inbound))
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (touched, _))| *touched)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        let (touched, entries) = map.entry(key(inbound)).or_default();
        *touched = tick;
        entries.push_back(HistoryEntry {
            sender: inbound.sender.label().to_owned(),
            text: inbound.text.chars().take(MAX_ENTRY_CHARS).collect(),
            message_id: inbound.message_id.clone(),
            timestamp_ms: inbound.timestamp_ms,
        });
        while entries.len() > limit {
            entries.pop_front();
        }
    }

    /// Takes (and forgets) what accumulated in the message's conversation.
    pub fn take(&self, inbound: &Inbound) -> Vec<HistoryEntry> {
        self.by_conversation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key(inbound))
            .map(|(_, entries)| entries.into())
            .unwrap_or_default()
    }
}

fn minute(ms: i64) -> String {
    // `2026-11-24T10:00:00.000Z` → `2026-11-24 10:00 UTC`.
    let iso = openclaw_store::iso_timestamp(ms);
    match (iso.get(..10), iso.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => iso,
    }
}

fn channel_label(inbound: &Inbound) -> String {
    let mut label = String::from("Discord");
    if let Some(server) = inbound.server.as_ref().and_then(|s| s.name.as_deref()) {
        label.push_str(&format!(" {server}"));
    }
    if let Some(parent) = inbound.thread_parent.as_ref() {
        let name = parent.name.as_deref().unwrap_or(&parent.id);
        label.push_str(&format!(" #{name}"));
    }
    if let Some(place) = inbound.place.as_ref() {
        let name = place.name.as_deref().unwrap_or(&place.id);
        let mark = if inbound.thread_parent.is_some() {
            " › "
        } else {
            " #"
        };
        label.push_str(&format!("{mark}{name}"));
    }
    label
}

/// The prompt text for one message.
pub fn body(inbound: &Inbound, history: &[HistoryEntry]) -> String {
    let sender = &inbound.sender;
    let who = format!("{} (id {})", sender.label(), sender.id);
    let mut text = inbound.text.clone();
    if !inbound.attachments.is_empty() {
        text.push_str(&format!(
            "\n[attachments not shown: {}]",
            inbound.attachments.join(", ")
        ));
    }
    let quoted = inbound.replied_to.as_ref().map(|replied| {
        format!(
            "[In reply to {} (message {}): {}]\n",
            replied.author.label(),
            replied.message_id,
            replied
                .text
                .chars()
                .take(MAX_ENTRY_CHARS)
                .collect::<String>()
        )
    });
    let current = match inbound.conversation {
        Conversation::Direct => format!(
            "[Discord DM from {who}, {}]\n{}{text}",
            minute(inbound.timestamp_ms),
            quoted.unwrap_or_default()
        ),
        Conversation::GroupDirect | Conversation::Channel => format!(
            "[{} — {who}, {}, message {}]\n{}{text}",
            channel_label(inbound),
            minute(inbound.timestamp_ms),
            inbound.message_id,
            quoted.unwrap_or_default()
        ),
    };
    if history.is_empty() {
        return current;
    }
    let mut out =
        String::from("[Earlier messages in this channel since your last reply, for context]\n");
    for entry in history {
        out.push_str(&format!(
            "{} ({}): {} [message {}]\n",
            entry.sender,
            minute(entry.timestamp_ms),
            entry.text,
            entry.message_id
        ));
    }
    out.push_str("\n[The message to answer]\n");
    out.push_str(&current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use openclaw_channels::inbound::{Place, Sender};

    fn inbound(conversation: Conversation, text: &str, id: &str) -> Inbound {
        Inbound {
            channel: "discord".into(),
            account_id: "default".into(),
            message_id: id.into(),
            conversation,
            conversation_id: "500".into(),
            server: (conversation == Conversation::Channel).then(|| Place {
                id: "300".into(),
                name: Some("Home".into()),
            }),
            place: Some(Place {
                id: "500".into(),
                name: Some("general".into()),
            }),
            thread_parent: None,
            sender: Sender {
                id: "7".into(),
                username: "alice".into(),
                display_name: None,
                is_bot: false,
            },
            from_self: false,
            text: text.into(),
            mentions_bot: false,
            replied_to: None,
            is_system: false,
            attachments: vec![],
            timestamp_ms: 1_795_514_400_000,
        }
    }

    #[test]
    fn dm_and_channel_bodies_name_the_sender_place_and_time() {
        let dm = body(&inbound(Conversation::Direct, "hello", "1"), &[]);
        assert_eq!(
            dm,
            "[Discord DM from alice (id 7), 2026-11-24 10:00 UTC]\nhello"
        );
        let channel = body(&inbound(Conversation::Channel, "hi all", "2"), &[]);
        assert_eq!(
            channel,
            "[Discord Home #general — alice (id 7), 2026-11-24 10:00 UTC, message 2]\nhi all"
        );
    }

    #[test]
    fn pending_history_is_bounded_taken_once_and_prefixed() {
        let history = GroupHistory::default();
        for n in 0..5 {
            history.remember(
                &inbound(Conversation::Channel, &format!("m{n}"), &n.to_string()),
                3,
            );
        }
        let current = inbound(Conversation::Channel, "@bot what now?", "9");
        let taken = history.take(&current);
        assert_eq!(
            taken.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
            ["m2", "m3", "m4"]
        );
        assert!(history.take(&current).is_empty());
        let text = body(&current, &taken);
        assert!(
            text.starts_with("[Earlier messages in this channel"),
            "{text}"
        );
        assert!(
            text.contains("alice (2026-11-24 10:00 UTC): m2 [message 2]"),
            "{text}"
        );
        assert!(text.ends_with("@bot what now?"), "{text}");
        history.remember(&current, 0);
        assert!(history.take(&current).is_empty());
    }
}
