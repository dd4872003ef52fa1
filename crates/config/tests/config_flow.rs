//! The flows the gateway builds from these pieces: `config.get` (redacted), `config.set` with a
//! redacted round trip, `config.patch`, then reload planning of what changed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use common::Scratch;
use openclaw_config::{
    COMPAT_VERSION, Env, HotAction, REDACTED, diff_paths, load, merge_patch, plan_reload, redact,
    redact_raw, restore_redacted, secret_values, write_config,
};
use serde_json::json;

const CONFIG: &str = r##"{
  // token written in clear on purpose
  gateway: { mode: "local", auth: { token: "clear-gateway-token" } },
  channels: { discord: { token: "${DISCORD_BOT_TOKEN}", guilds: {} } },
  ui: { seamColor: "#ff4500" },
}
"##;

#[test]
fn redacted_round_trip_keeps_secrets_and_plans_reload() {
    let s = Scratch::new();
    let path = s.write("openclaw.json", CONFIG);
    let env = Env::from_pairs([("DISCORD_BOT_TOKEN", "discord-from-env")]);
    let before = load(&path, &env).expect("load");
    assert!(before.is_valid(), "{}", before.issues_text());

    // config.get: redacted trees and raw text, no secret anywhere.
    let secrets = secret_values(&before.resolved);
    assert!(secrets.contains(&"clear-gateway-token".to_string()));
    assert!(secrets.contains(&"discord-from-env".to_string()));
    let shown_raw = redact_raw(&before.raw, &secrets);
    assert!(!shown_raw.contains("clear-gateway-token"));
    assert!(shown_raw.contains("// token written in clear on purpose"));
    let shown_parsed = redact(&before.parsed);
    assert_eq!(shown_parsed["gateway"]["auth"]["token"], REDACTED);
    assert_eq!(
        shown_parsed["channels"]["discord"]["token"],
        "${DISCORD_BOT_TOKEN}"
    );
    let shown_resolved = redact(&before.resolved);
    assert_eq!(shown_resolved["channels"]["discord"]["token"], REDACTED);

    // The client edits the redacted config and sends it back whole (config.set).
    let mut submitted = shown_parsed.clone();
    submitted["gateway"]["port"] = json!(3000);
    let unresolved = restore_redacted(&mut submitted, &before.parsed);
    assert!(unresolved.is_empty());
    assert_eq!(submitted["gateway"]["auth"]["token"], "clear-gateway-token");
    write_config(&path, &submitted, &env, COMPAT_VERSION).expect("write");

    let after = load(&path, &env).expect("reload");
    assert!(after.is_valid(), "{}", after.issues_text());
    assert!(!after.raw.contains(REDACTED));
    assert_eq!(
        after.parsed["channels"]["discord"]["token"],
        "${DISCORD_BOT_TOKEN}"
    );
    let changed = diff_paths(&before.resolved, &after.resolved);
    assert_eq!(changed, vec!["gateway.port", "meta"]);
    let plan = plan_reload(&changed);
    assert!(plan.needs_restart);
    assert_eq!(plan.restart_paths, vec!["gateway.port"]);
    assert_eq!(plan.none_paths, vec!["meta"]);

    // config.patch: a merge patch that only touches dynamic settings needs no restart.
    let mut patched = after.parsed.clone();
    merge_patch(
        &mut patched,
        &json!({"ui": {"assistant": {"name": "Clawd"}, "seamColor": null},
                "channels": {"discord": {"guilds": {"123": {"requireMention": true}}}}}),
    );
    write_config(&path, &patched, &env, COMPAT_VERSION).expect("patch write");
    let patched_load = load(&path, &env).expect("reload");
    let changed = diff_paths(&after.resolved, &patched_load.resolved);
    assert_eq!(
        changed,
        vec![
            "channels.discord.guilds.123",
            "ui.seamColor",
            "ui.assistant",
            "meta.lastTouchedAt"
        ]
    );
    let plan = plan_reload(&changed);
    assert!(!plan.needs_restart);
    assert_eq!(
        plan.hot_actions,
        vec![HotAction::RestartChannel("discord".into())]
    );
    assert_eq!(
        patched_load.config.expect("valid").assistant_name(),
        Some("Clawd")
    );
}
