use serde_json::json;

use super::*;

fn section(value: Value) -> Section {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn resolve(discord: Value, env: &[(&str, &str)]) -> DiscordSettings {
    let env = Env::from_pairs(env.iter().copied());
    DiscordSettings::resolve(Some(&section(discord)), None, None, &env)
}

fn only(settings: &DiscordSettings) -> &DiscordAccount {
    assert!(settings.invalid.is_empty(), "{:?}", settings.invalid);
    assert_eq!(settings.accounts.len(), 1);
    &settings.accounts[0]
}

#[test]
fn defaults_for_an_empty_section() {
    let settings = resolve(json!({}), &[]);
    let account = only(&settings);
    assert_eq!(account.id, "default");
    assert!(account.is_default);
    assert!(account.enabled);
    assert_eq!(account.token, None);
    assert_eq!(account.token_source, TokenSource::None);
    assert!(!account.allow_bots);
    assert_eq!(account.group_policy, GroupPolicy::Allowlist);
    assert_eq!(account.dm, DmSettings::default());
    assert_eq!(account.dm.policy, DmPolicy::Pairing);
    assert!(account.dm.enabled && !account.dm.group_enabled);
    assert!(account.guilds.is_empty());
    assert_eq!(account.history_limit, 20);
    assert_eq!(account.text_chunk_limit, 2000);
    assert_eq!(account.max_lines_per_message, 17);
    assert_eq!(account.chunk_mode, ChunkMode::Length);
    assert_eq!(account.reply_to_mode, ReplyToMode::Off);
    assert_eq!(account.retry, RetrySettings::default());
    assert_eq!(account.retry.attempts, 3);
    assert_eq!(account.retry.min_delay_ms, 500);
    assert_eq!(account.retry.max_delay_ms, 30_000);
    assert_eq!(account.intents, IntentSettings::default());
    assert_eq!(settings.runnable().count(), 0, "no token, nothing to run");
}

#[test]
fn absent_section_runs_the_env_token_with_open_groups() {
    let env = Env::from_pairs([("DISCORD_BOT_TOKEN", "  Bot abc.def  ")]);
    let settings = DiscordSettings::from_config(&Config::default(), &env);
    let account = only(&settings);
    assert_eq!(account.group_policy, GroupPolicy::Open);
    assert_eq!(account.token.as_ref().map(Secret::expose), Some("abc.def"));
    assert_eq!(account.token_source, TokenSource::Env);
    assert_eq!(settings.runnable().count(), 1);
}

#[test]
fn token_precedence_and_bot_prefix() {
    let env = [("DISCORD_BOT_TOKEN", "from-env")];
    let s = resolve(json!({"token": "bot   cfg"}), &env);
    let a = only(&s);
    assert_eq!(a.token.as_ref().map(Secret::expose), Some("cfg"));
    assert_eq!(a.token_source, TokenSource::Config);

    let s = resolve(json!({"token": "   "}), &env);
    assert_eq!(only(&s).token_source, TokenSource::Env);

    // `Bottle` is not a prefix.
    let s = resolve(json!({"token": "Bottle"}), &[]);
    assert_eq!(only(&s).token.as_ref().map(Secret::expose), Some("Bottle"));
}

#[test]
fn named_accounts_use_only_their_own_token() {
    let s = resolve(
        json!({
            "token": "base",
            "accounts": {"Work": {"token": "work-token"}, "play": {}, "default": {}}
        }),
        &[("DISCORD_BOT_TOKEN", "env")],
    );
    assert!(s.invalid.is_empty());
    let ids: Vec<&str> = s.accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["default", "play", "work"]);
    assert_eq!(s.default_account_id, "default");
    let default = s.account("default").unwrap();
    assert!(default.is_default);
    assert_eq!(default.token.as_ref().map(Secret::expose), Some("base"));
    let play = s.account("PLAY").unwrap();
    assert!(!play.is_default);
    assert_eq!(play.token, None);
    assert_eq!(play.token_source, TokenSource::None);
    let work = s.account("work").unwrap();
    assert_eq!(work.token.as_ref().map(Secret::expose), Some("work-token"));
    assert_eq!(
        s.runnable().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["default", "work"]
    );
}

#[test]
fn default_account_is_first_sorted_without_a_default_key() {
    let s = resolve(json!({"accounts": {"zeta": {}, "alpha": {}}}), &[]);
    assert_eq!(s.default_account_id, "alpha");
    assert!(s.account("alpha").unwrap().is_default);
    assert!(!s.account("zeta").unwrap().is_default);
}

#[test]
fn account_values_override_base_values_shallowly() {
    let s = resolve(
        json!({
            "textChunkLimit": 1500,
            "dm": {"policy": "allowlist", "allowFrom": ["1"]},
            "accounts": {"a": {"textChunkLimit": 900, "dm": {"enabled": false}}, "b": {}}
        }),
        &[],
    );
    let a = s.account("a").unwrap();
    assert_eq!(a.text_chunk_limit, 900);
    // The account's `dm` object replaces the base one whole.
    assert!(!a.dm.enabled);
    assert_eq!(a.dm.policy, DmPolicy::Pairing);
    assert!(a.dm.allow_from.is_empty());
    let b = s.account("b").unwrap();
    assert_eq!(b.text_chunk_limit, 1500);
    assert_eq!(b.dm.policy, DmPolicy::Allowlist);
    assert_eq!(b.dm.allow_from, ["1"]);
}

#[test]
fn enabled_needs_both_section_and_account() {
    let s = resolve(
        json!({"enabled": false, "accounts": {"a": {"enabled": true}}}),
        &[],
    );
    assert!(!s.account("a").unwrap().enabled);
    let s = resolve(json!({"accounts": {"a": {"enabled": false}, "b": {}}}), &[]);
    assert!(!s.account("a").unwrap().enabled);
    assert!(s.account("b").unwrap().enabled);
}

#[test]
fn group_policy_falls_back_to_channel_defaults() {
    let env = Env::default();
    let defaults = section(json!({"groupPolicy": "open"}));
    let discord = section(json!({"accounts": {"a": {"groupPolicy": "disabled"}, "b": {}}}));
    let s = DiscordSettings::resolve(Some(&discord), Some(&defaults), None, &env);
    assert_eq!(s.account("a").unwrap().group_policy, GroupPolicy::Disabled);
    assert_eq!(s.account("b").unwrap().group_policy, GroupPolicy::Open);
    let discord = section(json!({"groupPolicy": "allowlist"}));
    let s = DiscordSettings::resolve(Some(&discord), Some(&defaults), None, &env);
    assert_eq!(only(&s).group_policy, GroupPolicy::Allowlist);
}

#[test]
fn history_limit_falls_back_to_messages_group_chat() {
    let env = Env::default();
    let group_chat = section(json!({"historyLimit": 7}));
    let s = DiscordSettings::resolve(Some(&Section::new()), None, Some(&group_chat), &env);
    assert_eq!(only(&s).history_limit, 7);
    let discord = section(json!({"historyLimit": 0}));
    let s = DiscordSettings::resolve(Some(&discord), None, Some(&group_chat), &env);
    assert_eq!(only(&s).history_limit, 0);
}

#[test]
fn dm_nested_and_top_level_forms() {
    let s = resolve(
        json!({"dm": {"enabled": true, "policy": "open", "allowFrom": ["*"], "groupEnabled": true, "groupChannels": ["team", 42]}}),
        &[],
    );
    let dm = &only(&s).dm;
    assert_eq!(dm.policy, DmPolicy::Open);
    assert_eq!(dm.allow_from, ["*"]);
    assert!(dm.group_enabled);
    assert_eq!(dm.group_channels, ["team", "42"]);

    let s = resolve(
        json!({"dmPolicy": "allowlist", "allowFrom": [123, " <@456> ", ""], "dm": {"policy": "open", "allowFrom": ["x"]}}),
        &[],
    );
    let dm = &only(&s).dm;
    assert_eq!(dm.policy, DmPolicy::Allowlist, "top-level wins");
    assert_eq!(dm.allow_from, ["123", "<@456>"]);
}

#[test]
fn guilds_and_channels() {
    let s = resolve(
        json!({
            "guilds": {
                "123": {
                    "slug": "home",
                    "requireMention": false,
                    "users": ["alice"],
                    "tools": {"allow": ["x"]},
                    "channels": {
                        "general": {"allow": true, "requireMention": false},
                        "ops": {"enabled": false, "users": [], "systemPrompt": " be brief ", "autoThread": true},
                        "*": {"allow": false}
                    }
                },
                "*": {}
            }
        }),
        &[],
    );
    let account = only(&s);
    let guild = &account.guilds["123"];
    assert_eq!(guild.slug.as_deref(), Some("home"));
    assert_eq!(guild.require_mention, Some(false));
    assert_eq!(guild.users, ["alice"]);
    assert_eq!(guild.channels.len(), 3);
    let general = &guild.channels["general"];
    assert_eq!(general.allow, Some(true));
    assert_eq!(general.require_mention, Some(false));
    assert_eq!(general.users, None);
    let ops = &guild.channels["ops"];
    assert_eq!(ops.enabled, Some(false));
    assert_eq!(ops.users, Some(vec![]));
    assert_eq!(ops.system_prompt.as_deref(), Some("be brief"));
    assert_eq!(ops.auto_thread, Some(true));
    assert_eq!(account.guilds["*"], GuildSettings::default());
}

#[test]
fn modes_retry_and_intents() {
    let s = resolve(
        json!({
            "chunkMode": "newline", "replyToMode": "first", "allowBots": true,
            "maxLinesPerMessage": 40, "name": " Main bot ",
            "retry": {"attempts": 5, "minDelayMs": 100, "maxDelayMs": 1000.0, "jitter": 0.5},
            "intents": {"presence": true, "guildMembers": true}
        }),
        &[],
    );
    let a = only(&s);
    assert_eq!(a.chunk_mode, ChunkMode::Newline);
    assert_eq!(a.reply_to_mode, ReplyToMode::First);
    assert!(a.allow_bots);
    assert_eq!(a.max_lines_per_message, 40);
    assert_eq!(a.name.as_deref(), Some("Main bot"));
    assert_eq!(
        a.retry,
        RetrySettings {
            attempts: 5,
            min_delay_ms: 100,
            max_delay_ms: 1000,
            jitter: 0.5
        }
    );
    assert_eq!(
        a.intents,
        IntentSettings {
            presence: true,
            guild_members: true
        }
    );
}

#[test]
fn bad_values_name_their_path_and_stop_only_that_account() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"accounts": {"work": {"textChunkLimit": "big"}, "ok": {}}}),
            "channels.discord.accounts.work.textChunkLimit",
            "a whole number ≥ 1",
        ),
        (
            json!({"textChunkLimit": 0}),
            "channels.discord.textChunkLimit",
            "a whole number ≥ 1",
        ),
        (
            json!({"historyLimit": -1}),
            "channels.discord.historyLimit",
            "a whole number ≥ 0",
        ),
        (
            json!({"allowBots": "yes"}),
            "channels.discord.allowBots",
            "true or false",
        ),
        (
            json!({"groupPolicy": "everyone"}),
            "channels.discord.groupPolicy",
            "open|disabled|allowlist",
        ),
        (
            json!({"dmPolicy": 3}),
            "channels.discord.dmPolicy",
            "pairing|allowlist|open|disabled",
        ),
        (
            json!({"dm": {"allowFrom": "123"}}),
            "channels.discord.dm.allowFrom",
            "a list of ids or names",
        ),
        (
            json!({"dm": {"allowFrom": [true]}}),
            "channels.discord.dm.allowFrom[0]",
            "an id or a name",
        ),
        (json!({"dm": []}), "channels.discord.dm", "an object"),
        (
            json!({"guilds": {"1": {"channels": {"general": {"allow": "true"}}}}}),
            "channels.discord.guilds.1.channels.general.allow",
            "true or false",
        ),
        (
            json!({"guilds": {"1": {"requireMention": 1}}}),
            "channels.discord.guilds.1.requireMention",
            "true or false",
        ),
        (
            json!({"replyToMode": "sometimes"}),
            "channels.discord.replyToMode",
            "off|first|all",
        ),
        (
            json!({"chunkMode": "words"}),
            "channels.discord.chunkMode",
            "length|newline",
        ),
        (
            json!({"retry": {"jitter": 2}}),
            "channels.discord.retry.jitter",
            "a number from 0 to 1",
        ),
        (
            json!({"intents": {"presence": "on"}}),
            "channels.discord.intents.presence",
            "true or false",
        ),
        (json!({"token": 5}), "channels.discord.token", "a string"),
        (
            json!({"accounts": {"x": 5}}),
            "channels.discord.accounts.x",
            "an object",
        ),
    ];
    for (discord, path, expected) in cases {
        let s = resolve(discord.clone(), &[]);
        assert_eq!(s.invalid.len(), 1, "{discord}");
        let err = &s.invalid[0].error;
        assert_eq!(err.path, path, "{discord}");
        assert_eq!(err.expected, expected, "{discord}");
        let text = err.to_string();
        assert!(text.starts_with(path), "{text}");
        assert!(text.contains("fix it in openclaw.json"), "{text}");
    }
    let s = resolve(
        json!({"accounts": {"work": {"textChunkLimit": "big"}, "ok": {}}}),
        &[],
    );
    assert_eq!(s.accounts.len(), 1);
    assert_eq!(s.accounts[0].id, "ok");
    assert_eq!(s.invalid[0].id, "work");
    assert_eq!(
        s.invalid[0].error.to_string(),
        "channels.discord.accounts.work.textChunkLimit: expected a whole number ≥ 1, got \"big\"; \
         fix it in openclaw.json (the Discord account \"work\" stays stopped until then)"
    );
}

#[test]
fn bad_group_chat_history_limit_names_its_path() {
    let env = Env::default();
    let group_chat = section(json!({"historyLimit": "lots"}));
    let s = DiscordSettings::resolve(Some(&Section::new()), None, Some(&group_chat), &env);
    assert_eq!(s.invalid[0].error.path, "messages.groupChat.historyLimit");
}

#[test]
fn debug_never_prints_the_token() {
    let s = resolve(json!({"token": "super-secret-token"}), &[]);
    let debug = format!("{s:?}");
    assert!(!debug.contains("super-secret-token"), "{debug}");
    assert!(debug.contains("***"));
}

#[test]
fn normalize_token_cases() {
    assert_eq!(normalize_token("Bot x"), Some("x".into()));
    assert_eq!(normalize_token("BOT  x "), Some("x".into()));
    // Like OpenClaw: a lone `Bot` (no whitespace after it once trimmed) is kept as the token.
    assert_eq!(normalize_token(" Bot "), Some("Bot".into()));
    assert_eq!(normalize_token(""), None);
    assert_eq!(normalize_token("Botx"), Some("Botx".into()));
}

#[test]
fn from_config_reads_discord_defaults_and_group_chat() {
    let config: Config = serde_json::from_value(json!({
        "channels": {"defaults": {"groupPolicy": "open"}, "discord": {"token": "t"}},
        "messages": {"groupChat": {"historyLimit": 3}}
    }))
    .unwrap();
    let s = DiscordSettings::from_config(&config, &Env::default());
    let a = only(&s);
    assert_eq!(a.group_policy, GroupPolicy::Open);
    assert_eq!(a.history_limit, 3);
    assert_eq!(a.token_source, TokenSource::Config);
}
