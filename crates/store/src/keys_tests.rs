use super::*;

fn links(pairs: &[(&str, &[&str])]) -> IdentityLinks {
    pairs
        .iter()
        .map(|(canonical, ids)| {
            (
                (*canonical).to_owned(),
                ids.iter().map(|id| (*id).to_owned()).collect(),
            )
        })
        .collect()
}

fn dm<'a>(channel: &'a str, account_id: Option<&'a str>, peer_id: &'a str) -> DirectPeer<'a> {
    DirectPeer {
        channel,
        account_id,
        peer_id,
    }
}

#[test]
fn main_key_is_lowercased_and_normalized() {
    assert_eq!(main_session_key("main"), "agent:main:main");
    assert_eq!(main_session_key("Ops"), "agent:ops:main");
    assert_eq!(main_session_key(""), "agent:main:main");
    assert_eq!(main_session_key("My Agent!"), "agent:my-agent:main");
    assert_eq!(main_session_key("!!!"), "agent:main:main");
}

#[test]
fn agent_ids_are_cut_to_64_characters() {
    let long = "a".repeat(80);
    assert_eq!(normalize_agent_id(&long).len(), 64);
}

#[test]
fn dm_scopes_produce_the_documented_shapes() {
    let none = IdentityLinks::new();
    let peer = dm("Telegram", Some("Work"), "User42");
    assert_eq!(
        direct_session_key("main", peer, DmScope::Main, &none),
        "agent:main:main"
    );
    assert_eq!(
        direct_session_key("main", peer, DmScope::PerPeer, &none),
        "agent:main:dm:user42"
    );
    assert_eq!(
        direct_session_key("main", peer, DmScope::PerChannelPeer, &none),
        "agent:main:telegram:dm:user42"
    );
    assert_eq!(
        direct_session_key("main", peer, DmScope::PerAccountChannelPeer, &none),
        "agent:main:telegram:work:dm:user42"
    );
}

#[test]
fn missing_account_is_the_default_account() {
    let key = direct_session_key(
        "main",
        dm("discord", None, "9"),
        DmScope::PerAccountChannelPeer,
        &IdentityLinks::new(),
    );
    assert_eq!(key, "agent:main:discord:default:dm:9");
}

#[test]
fn empty_peer_falls_back_to_main() {
    let key = direct_session_key(
        "ops",
        dm("telegram", None, "  "),
        DmScope::PerPeer,
        &IdentityLinks::new(),
    );
    assert_eq!(key, "agent:ops:main");
}

#[test]
fn identity_links_replace_the_peer_for_non_main_scopes() {
    let links = links(&[("Alice", &["telegram:123", "discord:456"])]);
    assert_eq!(
        direct_session_key(
            "main",
            dm("telegram", None, "123"),
            DmScope::PerPeer,
            &links
        ),
        "agent:main:dm:alice"
    );
    assert_eq!(
        direct_session_key(
            "main",
            dm("discord", None, "456"),
            DmScope::PerChannelPeer,
            &links
        ),
        "agent:main:discord:dm:alice"
    );
    // The link is channel-scoped: 123 on discord is somebody else.
    assert_eq!(
        direct_session_key("main", dm("discord", None, "123"), DmScope::PerPeer, &links),
        "agent:main:dm:123"
    );
    // Main scope ignores links entirely.
    assert_eq!(
        direct_session_key("main", dm("telegram", None, "123"), DmScope::Main, &links),
        "agent:main:main"
    );
}

#[test]
fn identity_links_match_bare_ids_case_insensitively() {
    let links = links(&[("bob", &["U777"])]);
    assert_eq!(
        direct_session_key("main", dm("slack", None, "u777"), DmScope::PerPeer, &links),
        "agent:main:dm:bob"
    );
}

#[test]
fn groups_channels_topics_and_threads() {
    let group = conversation_session_key("main", "telegram", ConversationKind::Group, "-100123");
    assert_eq!(group, "agent:main:telegram:group:-100123");
    assert_eq!(
        topic_session_key(&group, "42"),
        "agent:main:telegram:group:-100123:topic:42"
    );
    let channel = conversation_session_key("main", "Discord", ConversationKind::Channel, "123456");
    assert_eq!(channel, "agent:main:discord:channel:123456");
    let slack = conversation_session_key("main", "slack", ConversationKind::Channel, "C0ABC");
    assert_eq!(
        thread_session_key(&slack, "1700000000.000100"),
        "agent:main:slack:channel:c0abc:thread:1700000000.000100"
    );
    assert_eq!(
        conversation_session_key("main", "whatsapp", ConversationKind::Group, "12036@g.us"),
        "agent:main:whatsapp:group:12036@g.us"
    );
    assert_eq!(
        conversation_session_key("main", "", ConversationKind::Group, ""),
        "agent:main:unknown:group:unknown"
    );
}

#[test]
fn other_key_families() {
    assert_eq!(
        discord_slash_session_key("Main", "55"),
        "agent:main:discord:slash:55"
    );
    assert_eq!(cron_session_key("Nightly"), "cron:nightly");
}

#[test]
fn dm_scope_parses_config_spellings() {
    assert_eq!(DmScope::parse("main"), Some(DmScope::Main));
    assert_eq!(DmScope::parse("per-peer"), Some(DmScope::PerPeer));
    assert_eq!(
        DmScope::parse("per-channel-peer"),
        Some(DmScope::PerChannelPeer)
    );
    assert_eq!(
        DmScope::parse("per-account-channel-peer"),
        Some(DmScope::PerAccountChannelPeer)
    );
    assert_eq!(DmScope::parse("perpeer"), None);
}

#[test]
fn parsing_and_canonicalizing_keys() {
    assert_eq!(
        parse_agent_session_key("agent:Ops:telegram:group:1"),
        Some(AgentSessionKey {
            agent_id: "ops".to_owned(),
            rest: "telegram:group:1".to_owned()
        })
    );
    assert_eq!(parse_agent_session_key("agent:ops"), None);
    assert_eq!(parse_agent_session_key("cron:x"), None);
    assert_eq!(agent_id_of_key("agent:ops:main", "main"), "ops");
    assert_eq!(agent_id_of_key("cron:x", "main"), "main");

    assert_eq!(canonical_session_key("main", "ops"), "agent:ops:main");
    assert_eq!(canonical_session_key("", "main"), "agent:main:main");
    assert_eq!(
        canonical_session_key("Agent:Main:Discord:Channel:9", "main"),
        "agent:main:discord:channel:9"
    );
    assert_eq!(
        canonical_session_key("telegram:group:5", "main"),
        "agent:main:telegram:group:5"
    );
    assert_eq!(canonical_session_key("global", "main"), "global");
    assert_eq!(canonical_session_key("cron:job1", "main"), "cron:job1");
}
