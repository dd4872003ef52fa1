//! Discord messages → [`Inbound`], with a small directory of server and channel names (fed by
//! GUILD_CREATE / CHANNEL_* / THREAD_* events, filled on demand over REST) because the
//! access rules match servers and channels by name as well as by id, and threads by parent.

use std::collections::HashMap;

use twilight_model::channel::message::MessageType;
use twilight_model::channel::{Channel, ChannelType, Message};
use twilight_model::gateway::payload::incoming::GuildCreate;
use twilight_model::id::Id;
use twilight_model::id::marker::{ChannelMarker, GuildMarker};
use twilight_model::user::User;

use crate::inbound::{Conversation, Inbound, Place, RepliedTo, Sender};

/// Entries kept per map; a bot in more servers or channels than this re-fetches names.
const DIRECTORY_CAP: usize = 10_000;

/// What the directory knows of one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub name: Option<String>,
    pub kind: ChannelType,
    pub parent_id: Option<Id<ChannelMarker>>,
    pub guild_id: Option<Id<GuildMarker>>,
}

/// Server and channel names seen so far.
#[derive(Debug, Default)]
pub struct Directory {
    guilds: HashMap<Id<GuildMarker>, String>,
    channels: HashMap<Id<ChannelMarker>, ChannelInfo>,
}

impl Directory {
    pub fn guild_created(&mut self, event: &GuildCreate) {
        if let GuildCreate::Available(guild) = event {
            if self.guilds.len() < DIRECTORY_CAP || self.guilds.contains_key(&guild.id) {
                self.guilds.insert(guild.id, guild.name.clone());
            }
            for channel in guild.channels.iter().chain(guild.threads.iter()) {
                self.channel_seen(channel, Some(guild.id));
            }
        }
    }

    pub fn channel_seen(&mut self, channel: &Channel, guild_id: Option<Id<GuildMarker>>) {
        if self.channels.len() >= DIRECTORY_CAP && !self.channels.contains_key(&channel.id) {
            self.channels.clear();
        }
        self.channels.insert(
            channel.id,
            ChannelInfo {
                name: channel.name.clone(),
                kind: channel.kind,
                parent_id: channel.parent_id,
                guild_id: channel.guild_id.or(guild_id),
            },
        );
    }

    pub fn channel_deleted(&mut self, id: Id<ChannelMarker>) {
        self.channels.remove(&id);
    }

    pub fn channel(&self, id: Id<ChannelMarker>) -> Option<&ChannelInfo> {
        self.channels.get(&id)
    }

    pub fn guild_name(&self, id: Id<GuildMarker>) -> Option<&str> {
        self.guilds.get(&id).map(String::as_str)
    }
}

fn sender(user: &User, nick: Option<&str>) -> Sender {
    Sender {
        id: user.id.to_string(),
        username: user.name.clone(),
        display_name: nick
            .map(str::to_owned)
            .or_else(|| user.global_name.clone())
            .filter(|name| *name != user.name),
        is_bot: user.bot,
    }
}

/// Converts one MESSAGE_CREATE. `channel` is what the directory knows of the message's
/// channel (looked up before, over REST if needed); `bot_id` is this account's own user.
pub fn inbound(
    account_id: &str,
    bot_id: Option<&str>,
    message: &Message,
    channel: Option<&ChannelInfo>,
    directory: &Directory,
) -> Inbound {
    let conversation = match (message.guild_id, channel.map(|c| c.kind)) {
        (Some(_), _) => Conversation::Channel,
        (None, Some(ChannelType::Group)) => Conversation::GroupDirect,
        (None, _) => Conversation::Direct,
    };
    let is_thread = channel.is_some_and(|c| c.kind.is_thread());
    let place = Place {
        id: message.channel_id.to_string(),
        name: channel.and_then(|c| c.name.clone()),
    };
    let thread_parent = if is_thread {
        channel.and_then(|c| c.parent_id).map(|parent| Place {
            id: parent.to_string(),
            name: directory.channel(parent).and_then(|p| p.name.clone()),
        })
    } else {
        None
    };
    let server = message.guild_id.map(|guild| Place {
        id: guild.to_string(),
        name: directory.guild_name(guild).map(str::to_owned),
    });
    let author_id = message.author.id.to_string();
    let mentions_bot =
        bot_id.is_some_and(|bot| message.mentions.iter().any(|m| m.id.to_string() == bot));
    let replied_to = message
        .referenced_message
        .as_deref()
        .map(|replied| RepliedTo {
            message_id: replied.id.to_string(),
            author: sender(&replied.author, None),
            text: replied.content.clone(),
            from_bot_itself: bot_id.is_some_and(|bot| replied.author.id.to_string() == bot),
        });
    let nick = message.member.as_ref().and_then(|m| m.nick.as_deref());
    Inbound {
        channel: "discord".to_owned(),
        account_id: account_id.to_owned(),
        message_id: message.id.to_string(),
        conversation,
        conversation_id: message.channel_id.to_string(),
        server,
        place: Some(place),
        thread_parent,
        from_self: bot_id.is_some_and(|bot| bot == author_id),
        sender: sender(&message.author, nick),
        text: message.content.clone(),
        mentions_bot,
        replied_to,
        is_system: !matches!(message.kind, MessageType::Regular | MessageType::Reply),
        attachments: message
            .attachments
            .iter()
            .map(|a| a.filename.clone())
            .collect(),
        timestamp_ms: message.timestamp.as_micros() / 1000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(value: serde_json::Value) -> Message {
        serde_json::from_value(value).unwrap()
    }

    fn base(extra: serde_json::Value) -> serde_json::Value {
        let mut m = json!({
            "id": "900", "channel_id": "500", "type": 0, "content": "hello <@42>",
            "timestamp": "2026-11-24T10:00:00.000000+00:00", "tts": false, "pinned": false,
            "mention_everyone": false, "mention_roles": [], "attachments": [], "embeds": [],
            "author": {"id": "7", "username": "alice", "global_name": "Alice A", "discriminator": "0", "avatar": null},
            "mentions": [{"id": "42", "username": "bot", "discriminator": "0", "avatar": null, "bot": true, "public_flags": 0}]
        });
        if let (Some(target), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                target.insert(k.clone(), v.clone());
            }
        }
        m
    }

    #[test]
    fn a_guild_message_with_a_mention_of_the_bot() {
        let mut directory = Directory::default();
        directory.guilds.insert(Id::new(300), "My Server".into());
        let msg = message(base(json!({"guild_id": "300"})));
        let info = ChannelInfo {
            name: Some("general".into()),
            kind: ChannelType::GuildText,
            parent_id: None,
            guild_id: Some(Id::new(300)),
        };
        let inbound = inbound("default", Some("42"), &msg, Some(&info), &directory);
        assert_eq!(inbound.conversation, Conversation::Channel);
        assert!(inbound.mentions_bot);
        assert!(!inbound.from_self);
        assert_eq!(inbound.server.unwrap().name.as_deref(), Some("My Server"));
        assert_eq!(inbound.place.unwrap().name.as_deref(), Some("general"));
        assert_eq!(inbound.sender.label(), "Alice A");
        assert_eq!(inbound.timestamp_ms, 1_795_514_400_000);
        assert!(inbound.thread_parent.is_none());
    }

    #[test]
    fn a_dm_reply_to_the_bot_and_a_thread_message() {
        let directory = Directory::default();
        let reply = message(base(json!({
            "type": 19, "mentions": [],
            "referenced_message": base(json!({"id": "899", "author": {"id": "42", "username": "bot", "discriminator": "0", "avatar": null, "bot": true}, "content": "earlier"}))
        })));
        let dm = inbound("default", Some("42"), &reply, None, &directory);
        assert_eq!(dm.conversation, Conversation::Direct);
        assert!(!dm.mentions_bot);
        assert!(dm.replies_to_bot());
        assert!(!dm.is_system);

        let mut directory = Directory::default();
        directory.channels.insert(
            Id::new(600),
            ChannelInfo {
                name: Some("general".into()),
                kind: ChannelType::GuildText,
                parent_id: None,
                guild_id: Some(Id::new(300)),
            },
        );
        let thread = ChannelInfo {
            name: Some("a thread".into()),
            kind: ChannelType::PublicThread,
            parent_id: Some(Id::new(600)),
            guild_id: Some(Id::new(300)),
        };
        let msg = message(base(json!({"guild_id": "300"})));
        let inbound = inbound("default", Some("42"), &msg, Some(&thread), &directory);
        let parent = inbound.thread_parent.unwrap();
        assert_eq!(
            (parent.id.as_str(), parent.name.as_deref()),
            ("600", Some("general"))
        );
    }

    #[test]
    fn own_messages_and_system_notices_are_flagged() {
        let directory = Directory::default();
        let own = message(base(
            json!({"author": {"id": "42", "username": "bot", "discriminator": "0", "avatar": null, "bot": true}}),
        ));
        assert!(inbound("default", Some("42"), &own, None, &directory).from_self);
        let pin = message(base(json!({"type": 6})));
        assert!(inbound("default", Some("42"), &pin, None, &directory).is_system);
    }
}
