use serde_json::{Value, json};

use super::*;

fn config(value: Value) -> Config {
    serde_json::from_value(value).unwrap()
}

fn dm(id: &str) -> Option<Peer<'_>> {
    Some(Peer {
        kind: PeerKind::Dm,
        id,
    })
}

fn channel(id: &str) -> Option<Peer<'_>> {
    Some(Peer {
        kind: PeerKind::Channel,
        id,
    })
}

fn discord<'a>(
    account: Option<&'a str>,
    peer: Option<Peer<'a>>,
    guild: Option<&'a str>,
) -> RouteInput<'a> {
    RouteInput {
        channel: "discord",
        account_id: account,
        peer,
        guild_id: guild,
        ..Default::default()
    }
}

#[test]
fn seed_binding_routes_the_default_account() {
    let cfg = config(json!({"bindings": [{"agentId": "main", "match": {"channel": "discord"}}]}));
    let route = resolve_route(&cfg, &discord(None, channel("123456"), Some("9")));
    assert_eq!(route.agent_id, "main");
    assert_eq!(route.matched_by, MatchedBy::Account);
    assert_eq!(route.matched_by.as_str(), "binding.account");
    assert_eq!(route.session_key, "agent:main:discord:channel:123456");
    assert_eq!(route.main_session_key, "agent:main:main");
    assert_eq!(route.account_id, "default");
    assert_eq!(route.parent_session_key, None);
    let dm_route = resolve_route(&cfg, &discord(None, dm("42"), None));
    assert_eq!(dm_route.session_key, "agent:main:main");
    // A named account is not the default account.
    let other = resolve_route(&cfg, &discord(Some("work"), channel("1"), None));
    assert_eq!(other.matched_by, MatchedBy::Default);
}

#[test]
fn tiers_in_order() {
    let cfg = config(json!({
        "agents": {"list": [
            {"id": "main", "default": true}, {"id": "peer"}, {"id": "parent"}, {"id": "guild"},
            {"id": "team"}, {"id": "account"}, {"id": "chan"}
        ]},
        "bindings": [
            {"agentId": "chan", "match": {"channel": "discord", "accountId": "*"}},
            {"agentId": "account", "match": {"channel": "DISCORD", "accountId": "Work"}},
            {"agentId": "team", "match": {"channel": "discord", "accountId": "*", "teamId": "T1"}},
            {"agentId": "guild", "match": {"channel": "discord", "accountId": "*", "guildId": "G1"}},
            {"agentId": "parent", "match": {"channel": "discord", "accountId": "*", "peer": {"kind": "channel", "id": "P1"}}},
            {"agentId": "peer", "match": {"channel": "discord", "accountId": "*", "peer": {"kind": "channel", "id": "C1"}}},
            {"agentId": "peer", "match": {"channel": "discord", "accountId": "*", "peer": {"kind": "dm", "id": "U1"}}}
        ]
    }));
    let cases: Vec<(RouteInput<'_>, &str, MatchedBy)> = vec![
        (
            discord(Some("work"), channel("C1"), Some("G1")),
            "peer",
            MatchedBy::Peer,
        ),
        (discord(Some("x"), dm("U1"), None), "peer", MatchedBy::Peer),
        (
            RouteInput {
                parent_peer: channel("P1"),
                ..discord(Some("work"), channel("T9"), Some("G1"))
            },
            "parent",
            MatchedBy::ParentPeer,
        ),
        (
            discord(Some("work"), channel("C2"), Some("G1")),
            "guild",
            MatchedBy::Guild,
        ),
        (
            RouteInput {
                team_id: Some("T1"),
                ..discord(Some("work"), channel("C2"), None)
            },
            "team",
            MatchedBy::Team,
        ),
        (
            discord(Some("WORK"), channel("C2"), Some("G2")),
            "account",
            MatchedBy::Account,
        ),
        (
            discord(Some("other"), channel("C2"), None),
            "chan",
            MatchedBy::Channel,
        ),
        (
            RouteInput {
                channel: "telegram",
                ..discord(None, channel("C1"), None)
            },
            "main",
            MatchedBy::Default,
        ),
    ];
    for (input, agent, tier) in cases {
        let route = resolve_route(&cfg, &input);
        assert_eq!(
            (route.agent_id.as_str(), route.matched_by),
            (agent, tier),
            "{input:?}"
        );
    }
}

#[test]
fn first_match_in_list_order_within_a_tier() {
    let cfg = config(json!({"bindings": [
        {"agentId": "one", "match": {"channel": "discord", "guildId": "G"}},
        {"agentId": "two", "match": {"channel": "discord", "guildId": "G"}}
    ]}));
    assert_eq!(
        resolve_route(&cfg, &discord(None, channel("c"), Some("G"))).agent_id,
        "one"
    );
}

#[test]
fn constraints_combine() {
    let cfg = config(json!({"bindings": [
        {"agentId": "scoped", "match": {"channel": "discord", "peer": {"kind": "channel", "id": "C"}, "guildId": "G1"}},
        {"agentId": "kinded", "match": {"channel": "discord", "peer": {"kind": "group", "id": "D"}}}
    ]}));
    assert_eq!(
        resolve_route(&cfg, &discord(None, channel("C"), Some("G1"))).agent_id,
        "scoped"
    );
    // Same peer in another guild does not match.
    let other = resolve_route(&cfg, &discord(None, channel("C"), Some("G2")));
    assert_eq!(other.matched_by, MatchedBy::Default);
    // Kind must match too.
    assert_eq!(
        resolve_route(&cfg, &discord(None, channel("D"), None)).matched_by,
        MatchedBy::Default
    );
}

#[test]
fn missing_agent_falls_back_to_default_agent() {
    let cfg = config(json!({
        "agents": {"list": [{"id": "alpha"}, {"id": "Beta", "default": true}]},
        "bindings": [{"agentId": "ghost", "match": {"channel": "discord"}}]
    }));
    let route = resolve_route(&cfg, &discord(None, channel("1"), None));
    assert_eq!(route.agent_id, "beta");
    assert_eq!(route.matched_by, MatchedBy::Account);
    assert_eq!(route.session_key, "agent:beta:discord:channel:1");
    // Without agents.list any bound id is used (normalized).
    let cfg =
        config(json!({"bindings": [{"agentId": "Ops Team", "match": {"channel": "discord"}}]}));
    assert_eq!(
        resolve_route(&cfg, &discord(None, channel("1"), None)).agent_id,
        "ops-team"
    );
    // No bindings, no list ⇒ main.
    assert_eq!(
        resolve_route(&Config::default(), &discord(None, None, None)).agent_id,
        "main"
    );
}

#[test]
fn dm_scopes_and_identity_links() {
    let scoped = |scope: &str| {
        config(json!({
            "session": {"dmScope": scope, "identityLinks": {"alice": ["discord:42"]}}
        }))
    };
    let cases = [
        ("main", "42", "agent:main:main"),
        ("per-peer", "42", "agent:main:dm:alice"),
        ("per-peer", "43", "agent:main:dm:43"),
        ("per-channel-peer", "43", "agent:main:discord:dm:43"),
        (
            "per-account-channel-peer",
            "43",
            "agent:main:discord:work:dm:43",
        ),
    ];
    for (scope, peer, key) in cases {
        let route = resolve_route(&scoped(scope), &discord(Some("Work"), dm(peer), None));
        assert_eq!(route.session_key, key, "{scope} {peer}");
    }
}

#[test]
fn threads_get_their_own_key_and_a_parent_key() {
    let route = resolve_route(
        &Config::default(),
        &RouteInput {
            parent_peer: channel("100"),
            ..discord(None, channel("555"), Some("G"))
        },
    );
    assert_eq!(route.session_key, "agent:main:discord:channel:555");
    assert_eq!(
        route.parent_session_key.as_deref(),
        Some("agent:main:discord:channel:100")
    );
    let group = resolve_route(
        &Config::default(),
        &RouteInput {
            channel: "Telegram",
            peer: Some(Peer {
                kind: PeerKind::Group,
                id: "-100123",
            }),
            ..Default::default()
        },
    );
    assert_eq!(group.session_key, "agent:main:telegram:group:-100123");
    assert_eq!(group.channel, "telegram");
}
