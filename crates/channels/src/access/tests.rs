use openclaw_config::{Config, Env};
use serde_json::{Value, json};

use super::*;
use crate::discord::settings::DiscordSettings;

fn account(discord: Value) -> DiscordAccount {
    let Value::Object(map) = discord else {
        panic!("not an object")
    };
    let settings = DiscordSettings::resolve(Some(&map), None, None, &Env::default());
    assert!(settings.invalid.is_empty(), "{:?}", settings.invalid);
    settings.accounts.into_iter().next().unwrap()
}

/// The seed config's Discord section.
fn seed() -> DiscordAccount {
    account(json!({
        "groupPolicy": "allowlist",
        "dm": {"policy": "pairing"},
        "guilds": {"900": {"requireMention": false, "channels": {"general": {"allow": true, "requireMention": false}}}}
    }))
}

fn guild_msg(guild: &str, channel_id: &str, channel_name: &str, text: &str) -> MessageFacts {
    MessageFacts {
        author_id: "42".into(),
        author_name: Some("Alice".into()),
        author_tag: Some("alice".into()),
        guild_id: Some(guild.into()),
        guild_name: Some("Home Server".into()),
        channel_id: channel_id.into(),
        channel_name: Some(channel_name.into()),
        text: text.into(),
        is_control_command: is_control_command(text),
        ..Default::default()
    }
}

fn dm_msg(author: &str, text: &str) -> MessageFacts {
    MessageFacts {
        is_dm: true,
        author_id: author.into(),
        author_name: Some("Bob Smith".into()),
        author_tag: Some("bob#0001".into()),
        channel_id: "dm-1".into(),
        text: text.into(),
        is_control_command: is_control_command(text),
        ..Default::default()
    }
}

struct Env2 {
    approved: Vec<String>,
    patterns: MentionPatterns,
    bot_id_known: bool,
    use_access_groups: bool,
}

impl Default for Env2 {
    fn default() -> Self {
        Self {
            approved: Vec::new(),
            patterns: MentionPatterns::default(),
            bot_id_known: true,
            use_access_groups: true,
        }
    }
}

fn decide(account: &DiscordAccount, msg: &MessageFacts, env: &Env2) -> Decision {
    evaluate(
        msg,
        &AccessContext {
            account,
            approved_senders: &env.approved,
            mention_patterns: &env.patterns,
            bot_id_known: env.bot_id_known,
            use_access_groups: env.use_access_groups,
            allow_text_commands: true,
        },
    )
}

fn kind(d: &Decision) -> String {
    match d {
        Decision::Allow(a) => format!(
            "allow mention={} require={}",
            a.was_mentioned, a.require_mention
        ),
        Decision::Pair => "pair".into(),
        Decision::PendingHistory => "pending".into(),
        Decision::Drop(r) => format!("drop: {r}"),
    }
}

#[test]
fn seed_config_general_passes_random_and_other_guilds_drop() {
    let acc = seed();
    let env = Env2::default();
    let general = decide(&acc, &guild_msg("900", "111", "general", "hello"), &env);
    let Decision::Allow(allowed) = &general else {
        panic!("{general:?}")
    };
    assert!(!allowed.require_mention);
    assert_eq!(allowed.kind, ChatKind::Guild);
    assert_eq!(allowed.guild_key.as_deref(), Some("900"));
    assert_eq!(allowed.guild_slug.as_deref(), Some("home-server"));
    assert_eq!(allowed.channel_key.as_deref(), Some("general"));
    // By channel id too.
    let by_id =
        account(json!({"guilds": {"900": {"channels": {"111": {"requireMention": false}}}}}));
    assert!(matches!(
        decide(&by_id, &guild_msg("900", "111", "whatever", "hi"), &env),
        Decision::Allow(_)
    ));
    assert_eq!(
        decide(&acc, &guild_msg("900", "222", "random", "hello"), &env),
        Decision::Drop(DropReason::ChannelNotAllowed)
    );
    assert_eq!(
        decide(&acc, &guild_msg("901", "111", "general", "hello"), &env),
        Decision::Drop(DropReason::GuildNotListed)
    );
}

#[test]
fn table_of_rules() {
    let seed = seed();
    let open = account(json!({"groupPolicy": "open"}));
    let disabled = account(json!({"groupPolicy": "disabled"}));
    let allowlist_no_guilds = account(json!({"groupPolicy": "allowlist"}));
    let mention_guild = account(json!({"guilds": {"*": {}}}));
    let users = account(json!({
        "guilds": {"900": {"users": ["<@42>"], "channels": {"general": {}, "lounge": {"users": []}, "ops": {"users": ["user:7"]}}}}
    }));
    let disabled_channel =
        account(json!({"guilds": {"900": {"channels": {"general": {"enabled": false}, "*": {}}}}}));
    let blocked_channel = account(
        json!({"groupPolicy": "open", "guilds": {"900": {"channels": {"general": {"allow": false}, "*": {}}}}}),
    );
    let bots = account(json!({"allowBots": true, "groupPolicy": "open", "guilds": {}}));
    let owners =
        account(json!({"dm": {"allowFrom": ["42"]}, "guilds": {"900": {"requireMention": false}}}));

    let env = Env2::default();
    let g = |text: &str| guild_msg("900", "111", "general", text);
    let with = |f: &dyn Fn(&mut MessageFacts)| {
        let mut m = g("hello");
        f(&mut m);
        m
    };
    let cases: Vec<(&str, &DiscordAccount, MessageFacts, &str)> = vec![
        (
            "own message",
            &open,
            with(&|m| m.is_own_message = true),
            "drop: own message",
        ),
        (
            "bot author",
            &open,
            with(&|m| m.author_is_bot = true),
            "drop: bot message (allowBots=false)",
        ),
        (
            "bot allowed",
            &bots,
            with(&|m| {
                m.author_is_bot = true;
                m.mentions_bot = true
            }),
            "allow mention=true require=true",
        ),
        (
            "own message even with allowBots",
            &bots,
            with(&|m| {
                m.is_own_message = true;
                m.author_is_bot = true
            }),
            "drop: own message",
        ),
        (
            "slash command message",
            &open,
            with(&|m| m.is_interaction_command = true),
            "drop: slash command message",
        ),
        ("open: unmentioned ⇒ pending", &open, g("hello"), "pending"),
        (
            "open: mentioned",
            &open,
            with(&|m| m.mentions_bot = true),
            "allow mention=true require=true",
        ),
        (
            "open: reply to bot is an implicit mention",
            &open,
            with(&|m| m.is_reply_to_bot = true),
            "allow mention=true require=true",
        ),
        (
            "disabled policy",
            &disabled,
            with(&|m| m.mentions_bot = true),
            "drop: groupPolicy disabled",
        ),
        (
            "allowlist without guilds",
            &allowlist_no_guilds,
            with(&|m| m.mentions_bot = true),
            "drop: groupPolicy allowlist: guild not in discord.guilds",
        ),
        (
            "wildcard guild needs mention",
            &mention_guild,
            g("hello"),
            "pending",
        ),
        (
            "wildcard guild mentioned",
            &mention_guild,
            with(&|m| m.mentions_bot = true),
            "allow mention=true require=true",
        ),
        ("seed: empty text", &seed, g("   "), "drop: empty message"),
        (
            "seed: media only",
            &seed,
            with(&|m| {
                m.text.clear();
                m.has_media = true
            }),
            "allow mention=false require=false",
        ),
        (
            "users: guild list matches <@id>",
            &users,
            with(&|m| m.mentions_bot = true),
            "allow mention=true require=true",
        ),
        (
            "users: other sender",
            &users,
            with(&|m| {
                m.mentions_bot = true;
                m.author_id = "43".into();
                m.author_name = Some("Eve".into());
                m.author_tag = None
            }),
            "drop: sender not in the users allowlist",
        ),
        (
            "users: channel [] lifts the guild list",
            &users,
            {
                let mut m = guild_msg("900", "112", "lounge", "hi");
                m.mentions_bot = true;
                m.author_id = "43".into();
                m
            },
            "allow mention=true require=true",
        ),
        (
            "users: channel list overrides guild list",
            &users,
            {
                let mut m = guild_msg("900", "113", "ops", "hi");
                m.mentions_bot = true;
                m
            },
            "drop: sender not in the users allowlist",
        ),
        (
            "users: channel list user: prefix",
            &users,
            {
                let mut m = guild_msg("900", "113", "ops", "hi");
                m.mentions_bot = true;
                m.author_id = "7".into();
                m
            },
            "allow mention=true require=true",
        ),
        (
            "users: unmentioned is pending before the user check",
            &users,
            {
                let mut m = g("hi");
                m.author_id = "43".into();
                m
            },
            "pending",
        ),
        (
            "channel enabled:false",
            &disabled_channel,
            with(&|m| m.mentions_bot = true),
            "drop: channel disabled",
        ),
        (
            "channel allow:false under open",
            &blocked_channel,
            with(&|m| m.mentions_bot = true),
            "drop: channel not in the guild's channels allowlist",
        ),
        (
            "wildcard channel under open",
            &blocked_channel,
            {
                let mut m = guild_msg("900", "300", "other", "hi");
                m.mentions_bot = true;
                m
            },
            "allow mention=true require=true",
        ),
        (
            "control command: nobody configured ⇒ unauthorized",
            &seed,
            g("/new"),
            "drop: control command from an unauthorized sender",
        ),
        (
            "control command: owner",
            &owners,
            g("/new"),
            "allow mention=false require=false",
        ),
        (
            "control command: not the owner",
            &owners,
            {
                let mut m = g("/new");
                m.author_id = "9".into();
                m.author_name = None;
                m.author_tag = None;
                m
            },
            "drop: control command from an unauthorized sender",
        ),
        (
            "plain text from a non-owner is fine",
            &owners,
            {
                let mut m = g("hello");
                m.author_id = "9".into();
                m
            },
            "allow mention=false require=false",
        ),
    ];
    for (name, acc, msg, expected) in cases {
        assert_eq!(kind(&decide(acc, &msg, &env)), expected, "{name}");
    }
}

#[test]
fn without_the_bot_id_mentions_cannot_be_seen_so_nothing_is_gated() {
    let open = account(json!({"groupPolicy": "open"}));
    let env = Env2 {
        bot_id_known: false,
        ..Env2::default()
    };
    let got = decide(&open, &guild_msg("900", "111", "general", "hello"), &env);
    assert_eq!(kind(&got), "allow mention=false require=true");
}

#[test]
fn authorized_command_bypasses_mention_gating() {
    let acc = account(json!({"dm": {"allowFrom": ["alice"]}, "guilds": {"900": {}}}));
    let env = Env2::default();
    let got = decide(&acc, &guild_msg("900", "1", "general", "/status"), &env);
    let Decision::Allow(a) = got else {
        panic!("{got:?}")
    };
    assert!(a.was_mentioned && !a.mentioned_directly && a.command_authorized);
    // A command that also mentions someone else does not bypass.
    let mut msg = guild_msg("900", "1", "general", "/status");
    msg.has_any_mention = true;
    assert_eq!(decide(&acc, &msg, &env), Decision::PendingHistory);
}

#[test]
fn access_groups_off_opens_commands_when_nothing_is_configured() {
    let acc = seed();
    let env = Env2 {
        use_access_groups: false,
        ..Env2::default()
    };
    let got = decide(&acc, &guild_msg("900", "1", "general", "/new"), &env);
    assert!(
        matches!(got, Decision::Allow(ref a) if a.command_authorized),
        "{got:?}"
    );
    let owners =
        account(json!({"dm": {"allowFrom": ["1"]}, "guilds": {"900": {"requireMention": false}}}));
    assert_eq!(
        decide(&owners, &guild_msg("900", "1", "general", "/new"), &env),
        Decision::Drop(DropReason::UnauthorizedCommand)
    );
}

#[test]
fn mention_patterns_count_as_mentions() {
    let acc = account(json!({"guilds": {"900": {}}}));
    let env = Env2 {
        patterns: MentionPatterns::compile(&[r"\bclawd\b"]),
        ..Env2::default()
    };
    let got = decide(
        &acc,
        &guild_msg("900", "1", "general", "hey CLAWD, hi"),
        &env,
    );
    assert!(
        matches!(got, Decision::Allow(ref a) if a.mentioned_directly),
        "{got:?}"
    );
    assert_eq!(
        decide(&acc, &guild_msg("900", "1", "general", "clawdbot"), &env),
        Decision::PendingHistory
    );
}

#[test]
fn dm_rules() {
    let env = Env2::default();
    let pairing = account(json!({}));
    assert_eq!(decide(&pairing, &dm_msg("5", "hi"), &env), Decision::Pair);
    let approved = Env2 {
        approved: vec!["5".into()],
        ..Env2::default()
    };
    let got = decide(&pairing, &dm_msg("5", "hi"), &approved);
    assert!(
        matches!(got, Decision::Allow(ref a) if a.kind == ChatKind::Direct && a.command_authorized && !a.require_mention),
        "{got:?}"
    );

    let allowlist =
        account(json!({"dm": {"policy": "allowlist", "allowFrom": ["discord:6", "Bob Smith"]}}));
    assert_eq!(
        decide(&allowlist, &dm_msg("5", "hi"), &approved).kind_str(),
        "allow"
    );
    assert_eq!(
        decide(&allowlist, &dm_msg("6", "hi"), &env).kind_str(),
        "allow"
    );
    // Name match (slug-compared): "Bob Smith" ⇒ bob-smith.
    let mut named = dm_msg("7", "hi");
    named.author_name = Some("bob smith".into());
    assert_eq!(decide(&allowlist, &named, &env).kind_str(), "allow");
    let mut stranger = dm_msg("8", "hi");
    stranger.author_name = Some("eve".into());
    stranger.author_tag = None;
    assert_eq!(
        decide(&allowlist, &stranger, &env),
        Decision::Drop(DropReason::DmNotAllowlisted)
    );

    let open = account(json!({"dmPolicy": "open", "allowFrom": ["*"]}));
    assert_eq!(decide(&open, &stranger, &env).kind_str(), "allow");
    let open_listed = account(json!({"dmPolicy": "open", "allowFrom": ["1"]}));
    let got = decide(&open_listed, &stranger, &env);
    assert!(
        matches!(got, Decision::Allow(ref a) if !a.command_authorized),
        "{got:?}"
    );

    let disabled = account(json!({"dm": {"policy": "disabled"}}));
    assert_eq!(
        decide(&disabled, &dm_msg("5", "hi"), &approved),
        Decision::Drop(DropReason::DmPolicyDisabled)
    );
    let off = account(json!({"dm": {"enabled": false}}));
    assert_eq!(
        decide(&off, &dm_msg("5", "hi"), &approved),
        Decision::Drop(DropReason::DmDisabled)
    );
    assert_eq!(
        decide(&pairing, &dm_msg("5", " "), &approved),
        Decision::Drop(DropReason::Empty)
    );
    // A bot DM is still a bot message.
    let mut bot = dm_msg("5", "hi");
    bot.author_is_bot = true;
    assert_eq!(
        decide(&pairing, &bot, &approved),
        Decision::Drop(DropReason::BotAuthor)
    );
}

#[test]
fn group_dm_rules() {
    let env = Env2::default();
    let group_dm = |name: &str| MessageFacts {
        is_group_dm: true,
        author_id: "5".into(),
        channel_id: "555".into(),
        channel_name: Some(name.into()),
        text: "hi".into(),
        ..Default::default()
    };
    let off = account(json!({}));
    assert_eq!(
        decide(&off, &group_dm("team"), &env),
        Decision::Drop(DropReason::GroupDmDisabled)
    );
    let on = account(json!({"dm": {"groupEnabled": true}}));
    assert_eq!(decide(&on, &group_dm("team"), &env).kind_str(), "allow");
    let listed = account(json!({"dm": {"groupEnabled": true, "groupChannels": ["#Team"]}}));
    assert_eq!(decide(&listed, &group_dm("team"), &env).kind_str(), "allow");
    assert_eq!(
        decide(&listed, &group_dm("other"), &env),
        Decision::Drop(DropReason::GroupDmChannelNotAllowed)
    );
}

#[test]
fn threads_match_their_own_id_then_the_parent() {
    let acc = account(json!({"guilds": {"900": {"channels": {
        "general": {"requireMention": false, "autoThread": true},
        "t-1": {"requireMention": true}
    }}}}));
    let env = Env2::default();
    let thread = |id: &str, name: &str| {
        let mut m = guild_msg("900", id, name, "hello");
        m.parent_channel_id = Some("111".into());
        m.parent_channel_name = Some("general".into());
        m
    };
    // Inherits #general's entry (requireMention false).
    let got = decide(&acc, &thread("777", "some thread"), &env);
    assert!(
        matches!(got, Decision::Allow(ref a) if !a.require_mention),
        "{got:?}"
    );
    // A thread named like a listed channel does not borrow that entry by name.
    let got = decide(&acc, &thread("778", "t-1"), &env);
    assert!(matches!(got, Decision::Allow(_)), "{got:?}");
    // But a thread listed by its own id uses its own entry.
    let got = decide(&acc, &thread("t-1", "x"), &env);
    assert_eq!(got, Decision::PendingHistory);

    let needs =
        account(json!({"guilds": {"900": {"channels": {"general": {"autoThread": true}}}}}));
    let mut own = thread("779", "auto");
    own.thread_created_by_bot = true;
    assert!(matches!(decide(&needs, &own, &env), Decision::Allow(ref a) if !a.require_mention));
    assert_eq!(
        decide(&needs, &thread("780", "x"), &env),
        Decision::PendingHistory
    );
}

#[test]
fn guild_lookup_by_slug_and_wildcard() {
    let acc = account(json!({"guilds": {
        "home-server": {"requireMention": false},
        "*": {"requireMention": true}
    }}));
    let env = Env2::default();
    let got = decide(&acc, &guild_msg("1", "2", "x", "hi"), &env);
    assert!(
        matches!(got, Decision::Allow(ref a) if a.guild_key.as_deref() == Some("home-server")),
        "{got:?}"
    );
    let mut other = guild_msg("1", "2", "x", "hi");
    other.guild_name = Some("Elsewhere".into());
    assert_eq!(decide(&acc, &other, &env), Decision::PendingHistory);
}

#[test]
fn slugs() {
    for (input, expected) in [
        ("#General", "general"),
        ("  Dev Chat!! ", "dev-chat"),
        ("--a__b--", "a-b"),
        ("Ünïcode", "n-code"),
        ("", ""),
        ("#", ""),
        ("123", "123"),
    ] {
        assert_eq!(slug(input), expected, "{input:?}");
    }
}

#[test]
fn user_allowlist_forms() {
    let list = UserAllowList::parse(&[
        "<@!1>",
        "<@2>",
        "discord:3",
        "USER:4",
        "5",
        "Some Name",
        "tag#0001",
        "",
    ])
    .unwrap();
    assert!(!list.allow_all);
    assert_eq!(
        list.ids.iter().map(String::as_str).collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5"]
    );
    assert_eq!(
        list.names.iter().map(String::as_str).collect::<Vec<_>>(),
        ["some-name", "tag-0001"]
    );
    let s = |id: &'static str, name: Option<&'static str>, tag: Option<&'static str>| SenderRef {
        id,
        name,
        tag,
    };
    assert!(list.matches(&s("3", None, None)));
    assert!(list.matches(&s("9", Some("some name"), None)));
    assert!(list.matches(&s("9", None, Some("Tag#0001"))));
    assert!(!list.matches(&s("9", Some("other"), Some("other#1"))));
    assert!(
        UserAllowList::parse(&["*"])
            .unwrap()
            .matches(&s("x", None, None))
    );
    assert!(UserAllowList::parse::<&str>(&[]).is_none());
    assert!(user_allowed::<&str>(&[], &s("x", None, None)));
}

#[test]
fn control_commands() {
    for yes in [
        "/new",
        "/NEW",
        " /reset now",
        "/stop",
        "/think high",
        "/model: opus",
        "/new@OpenClawBot",
        "/status@Bot extra",
        "/dock-telegram",
        "! ls -la",
    ] {
        assert!(is_control_command(yes), "{yes:?}");
    }
    for no in [
        "",
        "new",
        "/newer",
        "/new:x",
        "hello /new",
        "/",
        "!ls",
        "! ",
        "/unknown",
        "stop",
    ] {
        assert!(!is_control_command(no), "{no:?}");
    }
}

#[test]
fn mention_pattern_sources() {
    let config: Config = serde_json::from_value(json!({
        "agents": {"list": [
            {"id": "main", "identity": {"name": "Clawd Bot", "emoji": "🦞"}},
            {"id": "ops", "groupChat": {"mentionPatterns": ["@ops"]}},
            {"id": "quiet", "groupChat": {"mentionPatterns": []}}
        ]}
    }))
    .unwrap();
    assert_eq!(
        pattern_sources(&config, "main"),
        [r"\b@?Clawd\s+Bot\b", "🦞"]
    );
    assert_eq!(pattern_sources(&config, "ops"), ["@ops"]);
    assert!(pattern_sources(&config, "quiet").is_empty());
    let main = MentionPatterns::for_agent(&config, "main");
    assert!(main.matches("hey @clawd   bot!"));
    assert!(main.matches("🦞 there?"));
    assert!(main.matches("clawd\u{200b} bot"));
    assert!(!main.matches("clawdbot"));

    let global: Config = serde_json::from_value(json!({
        "messages": {"groupChat": {"mentionPatterns": ["hey team"]}},
        "agents": {"list": [{"id": "main", "identity": {"name": "Ignored"}}]}
    }))
    .unwrap();
    assert_eq!(pattern_sources(&global, "main"), ["hey team"]);

    let bad = MentionPatterns::compile(&["(unclosed", "ok\u{8}"]);
    assert_eq!(bad.rejected, ["(unclosed"]);
    assert!(bad.matches("ok then"));
    assert!(!bad.matches("okay"));
}

impl Decision {
    fn kind_str(&self) -> &'static str {
        match self {
            Decision::Allow(_) => "allow",
            Decision::Pair => "pair",
            Decision::PendingHistory => "pending",
            Decision::Drop(_) => "drop",
        }
    }
}
