//! The loading pipeline end to end: files on disk → `LoadedConfig`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use common::{Scratch, fixture};
use openclaw_config::schema::{BindMode, GatewayMode};
use openclaw_config::{Env, hash_raw, load, render};
use serde_json::json;

#[test]
fn seed_config_loads_valid_with_zero_issues() {
    let s = Scratch::new();
    let raw = fixture("seed.json");
    s.write("openclaw.json", &raw);
    let loaded = s.load("openclaw.json", &Env::default());
    assert!(loaded.exists);
    assert!(loaded.is_valid(), "{}", loaded.issues_text());
    assert!(loaded.issues.is_empty());
    assert!(loaded.warnings.is_empty(), "{}", s.show(&loaded.warnings));
    assert_eq!(loaded.hash, hash_raw(&raw));
    assert_eq!(loaded.raw, raw);
    assert_eq!(loaded.parsed, loaded.resolved);
    assert!(loaded.included_paths.is_empty());
    // Everything the seed configures runs (Discord included).
    assert!(
        loaded.inactive_sections.is_empty(),
        "{:?}",
        loaded.inactive_sections
    );

    let config = loaded.config.expect("valid config");
    assert_eq!(config.gateway_mode(), Some(GatewayMode::Local));
    assert_eq!(config.bind_mode(), BindMode::Auto);
    assert_eq!(config.gateway_port(), 18789);
    assert_eq!(config.default_agent_id(), "main");
    assert_eq!(config.primary_model(), Some("anthropic/claude-opus-4-5"));
    assert_eq!(config.max_concurrent(), 4);
    let channels = config.channels.as_ref().expect("channels");
    assert_eq!(channels.configured_ids(), vec!["discord"]);
    assert_eq!(
        channels.get("discord").and_then(|d| d.get("groupPolicy")),
        Some(&json!("allowlist"))
    );
}

#[test]
fn configs_captured_from_openclaw_2026_1_29_load_valid() {
    for name in ["v129-captured.json", "v129-written-by-openclaw.json"] {
        let s = Scratch::new();
        s.write("openclaw.json", &fixture(name));
        let loaded = s.load("openclaw.json", &Env::default());
        assert!(loaded.is_valid(), "{name}: {}", loaded.issues_text());
        assert!(
            loaded.warnings.is_empty(),
            "{name}: {}",
            s.show(&loaded.warnings)
        );
        let config = loaded.config.expect("valid");
        assert_eq!(config.gateway_port(), 19129);
        assert!(config.hooks_enabled());
    }
}

#[test]
fn rendering_matches_openclaws_on_disk_format_byte_for_byte() {
    let raw = fixture("v129-written-by-openclaw.json");
    let s = Scratch::new();
    s.write("openclaw.json", &raw);
    let loaded = s.load("openclaw.json", &Env::default());
    assert_eq!(render(&loaded.parsed), raw);
}

#[test]
fn json5_syntax_is_understood() {
    let s = Scratch::new();
    s.write("openclaw.json", &fixture("json5-features.json5"));
    let env = Env::from_pairs([("GATEWAY_TOKEN", "tok-123")]);
    let loaded = s.load("openclaw.json", &env);
    assert!(loaded.is_valid(), "{}", s.show(&loaded.issues));
    let config = loaded.config.expect("valid");
    assert_eq!(config.gateway_port(), 18789);
    assert_eq!(config.assistant_name(), Some("Clawd the Crab"));
    let identity = config.agent_list()[0].identity.as_ref().expect("identity");
    assert_eq!(identity.emoji.as_deref(), Some("🦀"));
    let token = config
        .gateway
        .as_ref()
        .and_then(|g| g.auth.as_ref())
        .and_then(|a| a.token.clone());
    assert_eq!(token.as_deref(), Some("tok-123"));
    // The parsed tree keeps the reference; only the resolved tree has the secret.
    assert_eq!(
        loaded.parsed["gateway"]["auth"]["token"],
        "${GATEWAY_TOKEN}"
    );
    assert_eq!(loaded.resolved["gateway"]["auth"]["token"], "tok-123");
}

#[test]
fn missing_file_is_a_valid_empty_config() {
    let s = Scratch::new();
    let loaded = s.load("openclaw.json", &Env::default());
    assert!(!loaded.exists);
    assert!(loaded.is_valid());
    assert_eq!(loaded.raw, "");
    assert_eq!(
        loaded.hash,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(loaded.parsed, json!({}));
    assert_eq!(loaded.config.expect("config").gateway_port(), 18789);
}

#[test]
fn unreadable_path_is_an_io_error() {
    let s = Scratch::new();
    std::fs::create_dir(s.path().join("openclaw.json")).expect("mkdir");
    let err = load(&s.path().join("openclaw.json"), &Env::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("could not read") && text.contains("openclaw.json"),
        "{text}"
    );
}

#[test]
fn syntax_errors_are_invalid_with_line_and_column() {
    let s = Scratch::new();
    s.write(
        "openclaw.json",
        "{\n  // comment\n  gateway: {\n    mode: 'local'\n    port: 1,\n  },\n}\n",
    );
    let loaded = s.load("openclaw.json", &Env::default());
    assert!(!loaded.is_valid());
    assert!(loaded.config.is_none());
    assert_eq!(
        s.show(&loaded.issues),
        "<dir>/openclaw.json:5:5: <root>: JSON5 parse failed: expected comma"
    );
    assert_eq!(loaded.parsed, json!({}));
    assert_eq!(loaded.hash, hash_raw(&loaded.raw));
}

#[test]
fn typos_at_several_depths_are_located_and_suggested() {
    let s = Scratch::new();
    s.write(
        "openclaw.json",
        r#"{
  gateway: {
    mode: "local",
    bnd: "lan",
    auth: { mode: "tokn", rateLimt: { maxAttempts: 5 } },
    controlUi: { enabled: "yes" },
  },
  agents: {
    defaults: { maxConcurent: 2 },
    list: [
      { id: "main" },
      { id: "ops", identiy: { name: "Ops" } },
    ],
  },
  logging: { level: "verbose" },
  channels: { discrod: {} },
  sesion: {},
  bindings: [{ agentId: "main", match: { chanel: "discord" } }],
}
"#,
    );
    let loaded = s.load("openclaw.json", &Env::default());
    assert!(!loaded.is_valid());
    insta::assert_snapshot!(s.show(&loaded.issues));
    // Nothing is dropped: unknown content stays in both trees.
    assert_eq!(loaded.parsed["sesion"], json!({}));
    assert_eq!(loaded.resolved["gateway"]["bnd"], "lan");
}

#[test]
fn problems_inside_included_files_point_into_those_files() {
    let s = Scratch::new();
    s.write(
        "openclaw.json",
        "{\n  gateway: { mode: 'local' },\n  agents: { $include: './conf/agents.json5' },\n}\n",
    );
    s.write(
        "conf/agents.json5",
        "// agents live here\n{\n  list: [\n    { id: 'main', defualt: true },\n  ],\n}\n",
    );
    let loaded = s.load("openclaw.json", &Env::default());
    assert_eq!(
        s.show(&loaded.issues),
        "<dir>/conf/agents.json5:4:19: agents.list[0].defualt: unknown key (did you mean \"default\"?)"
    );
    assert_eq!(
        loaded.included_paths,
        vec![s.path().join("conf/agents.json5")]
    );
}

#[test]
fn include_merge_semantics() {
    let s = Scratch::new();
    s.write(
        "openclaw.json",
        r#"{
  $include: ["./base.json5", "./more/extra.json5"],
  gateway: { port: 4000 },
  bindings: [{ agentId: "c", match: { channel: "slack" } }],
}"#,
    );
    s.write(
        "base.json5",
        r#"{
  gateway: { mode: "local", port: 1000, bind: "lan" },
  agents: { list: [{ id: "a" }] },
  bindings: [{ agentId: "a", match: { channel: "discord" } }],
}"#,
    );
    // Nested include resolved relative to the including file (more/), not the main file.
    s.write(
        "more/extra.json5",
        r#"{ $include: "./deeper.json5", gateway: { port: 2000 }, agents: { list: [{ id: "b" }] } }"#,
    );
    s.write(
        "more/deeper.json5",
        r##"{ bindings: [{ agentId: "b", match: { channel: "telegram" } }], ui: { seamColor: "#fff" } }"##,
    );
    let loaded = s.load("openclaw.json", &Env::default());
    assert!(loaded.is_valid(), "{}", s.show(&loaded.issues));
    let r = &loaded.resolved;
    // Objects merge; primitives: last include wins, then siblings override.
    assert_eq!(
        r["gateway"],
        json!({"mode": "local", "port": 4000, "bind": "lan"})
    );
    // Merged keys keep the position they first had (JavaScript object-spread order).
    assert_eq!(
        serde_json::to_string(&r["gateway"]).unwrap(),
        r#"{"mode":"local","port":4000,"bind":"lan"}"#
    );
    let top: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(top, ["gateway", "agents", "bindings", "ui"]);
    // Arrays concatenate in include order, siblings last.
    assert_eq!(r["agents"]["list"], json!([{"id": "a"}, {"id": "b"}]));
    let bound: Vec<&str> = r["bindings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|b| b["agentId"].as_str())
        .collect();
    assert_eq!(bound, vec!["a", "b", "c"]);
    assert_eq!(r["ui"]["seamColor"], "#fff");
    assert!(r.get("$include").is_none());
    assert_eq!(
        loaded.parsed["$include"],
        json!(["./base.json5", "./more/extra.json5"])
    );
    assert_eq!(loaded.included_paths.len(), 3);
    // Positions of merged values still point into the file that wrote them.
    let s2 = Scratch::new();
    s2.write(
        "openclaw.json",
        "{ $include: './a.json5', gateway: { port: 'x' } }",
    );
    s2.write("a.json5", "{\n  gateway: {\n    bind: 'nowhere'\n  }\n}");
    let loaded = s2.load("openclaw.json", &Env::default());
    insta::assert_snapshot!("include_positions", s2.show(&loaded.issues));
}

#[test]
fn include_depth_is_limited_to_ten() {
    let build = |levels: usize| {
        let s = Scratch::new();
        s.write("openclaw.json", "{ $include: './f1.json5' }");
        for i in 1..=levels {
            let body = if i == levels {
                "{ gateway: { mode: 'local' } }".to_string()
            } else {
                format!("{{ $include: './f{}.json5' }}", i + 1)
            };
            s.write(&format!("f{i}.json5"), &body);
        }
        s
    };
    let ok = build(10);
    let loaded = ok.load("openclaw.json", &Env::default());
    assert!(loaded.is_valid(), "{}", ok.show(&loaded.issues));
    assert_eq!(loaded.included_paths.len(), 10);

    let too_deep = build(11);
    let loaded = too_deep.load("openclaw.json", &Env::default());
    assert_eq!(
        too_deep.show(&loaded.issues),
        "<dir>/f10.json5:1:3: $include: Maximum include depth (10) exceeded at: ./f11.json5"
    );
    // The unresolved tree is still available.
    assert_eq!(loaded.resolved, json!({"$include": "./f1.json5"}));
}

#[test]
fn include_cycles_are_reported_with_the_chain() {
    let s = Scratch::new();
    s.write("openclaw.json", "{ agents: { $include: './a.json5' } }");
    s.write("a.json5", "{ $include: './sub/b.json5' }");
    s.write(
        "sub/b.json5",
        "{\n  list: [],\n  $include: '../a.json5',\n}",
    );
    let loaded = s.load("openclaw.json", &Env::default());
    assert_eq!(
        s.show(&loaded.issues),
        "<dir>/sub/b.json5:3:3: agents.$include: Circular include detected: <dir>/openclaw.json -> <dir>/a.json5 -> <dir>/sub/b.json5 -> <dir>/a.json5"
    );
}

#[test]
fn include_errors_read_parse_and_shape() {
    let s = Scratch::new();
    s.write("missing.json", "{ $include: './nope.json5' }");
    let loaded = s.load("missing.json", &Env::default());
    let text = s.show(&loaded.issues);
    assert!(
        text.starts_with("<dir>/missing.json:1:3: $include: Failed to read include file: ./nope.json5 (resolved: <dir>/nope.json5)"),
        "{text}"
    );

    s.write("bad-parse.json", "{ $include: './broken.json5' }");
    s.write("broken.json5", "{\n  a: [1 2]\n}");
    let loaded = s.load("bad-parse.json", &Env::default());
    assert_eq!(
        s.show(&loaded.issues),
        "<dir>/bad-parse.json:1:3: $include: Failed to parse include file: ./broken.json5 (resolved: <dir>/broken.json5): JSON5 parse failed: expected comma at <dir>/broken.json5:2:9"
    );

    s.write(
        "shape.json",
        "{ gateway: { $include: './list.json5', port: 1 } }",
    );
    s.write("list.json5", "[1, 2]");
    let loaded = s.load("shape.json", &Env::default());
    assert_eq!(
        s.show(&loaded.issues),
        "<dir>/shape.json:1:14: gateway.$include: Sibling keys require included content to be an object"
    );

    s.write("kind.json", "{ $include: 5 }");
    let loaded = s.load("kind.json", &Env::default());
    assert!(s.show(&loaded.issues).ends_with(
        "$include: Invalid $include value: expected string or array of strings, got number"
    ));
}

#[test]
fn env_var_substitution_rules() {
    let s = Scratch::new();
    s.write(
        "openclaw.json",
        r#"{
  env: { vars: { FROM_VARS: "v" }, FROM_BLOCK: "b", PRESET: "config-loses" },
  gateway: {
    mode: "local",
    auth: { token: "${FROM_VARS}-${FROM_BLOCK}-${PRESET}" },
    remote: { url: "$${NOT_SUBSTITUTED} and ${lowercase} and $5" },
    controlUi: { basePath: "${MISSING_ONE}" },
  },
  agents: { list: [{ id: "main", name: "${EMPTY_ONE}" }] },
}"#,
    );
    let env = Env::from_pairs([("PRESET", "process-wins"), ("EMPTY_ONE", "")]);
    let loaded = s.load("openclaw.json", &env);
    insta::assert_snapshot!("missing_env_vars", s.show(&loaded.issues));
    let r = &loaded.resolved;
    assert_eq!(r["gateway"]["auth"]["token"], "v-b-process-wins");
    assert_eq!(
        r["gateway"]["remote"]["url"],
        "${NOT_SUBSTITUTED} and ${lowercase} and $5"
    );
    // Missing references are left in place (and the config is invalid).
    assert_eq!(r["gateway"]["controlUi"]["basePath"], "${MISSING_ONE}");
    assert!(loaded.config.is_none());
    // The env block was applied without overriding, and is visible to the caller.
    assert_eq!(loaded.env.get("FROM_VARS"), Some("v"));
    assert_eq!(loaded.env.get("FROM_BLOCK"), Some("b"));
    assert_eq!(loaded.env.get("PRESET"), Some("process-wins"));
    let mut applied = loaded.env_applied.clone();
    applied.sort();
    assert_eq!(applied, vec!["FROM_BLOCK", "FROM_VARS"]);
}

#[test]
fn dotenv_then_config_then_substitution() {
    let s = Scratch::new();
    s.write(".env", "DISCORD_BOT_TOKEN=from-dotenv\n");
    s.write(
        "openclaw.json",
        "{ channels: { discord: { token: '${DISCORD_BOT_TOKEN}' } } }",
    );
    let mut env = Env::default();
    openclaw_config::apply_dotenv_files(&mut env, s.path(), s.path()).expect("dotenv");
    let loaded = s.load("openclaw.json", &env);
    assert!(loaded.is_valid(), "{}", s.show(&loaded.issues));
    assert_eq!(
        loaded.resolved["channels"]["discord"]["token"],
        "from-dotenv"
    );
}

#[test]
fn cross_field_checks_and_warnings_are_located() {
    let s = Scratch::new();
    s.write(
        "openclaw.json",
        r#"{
  gateway: { mode: "local", token: "legacy" },
  hooks: { enabled: true, path: "/" },
  channels: { telegram: { dmPolicy: "open", allowFrom: ["123"] } },
  agents: { list: [
    { id: "a", agentDir: "/srv/agent" },
    { id: "b", agentDir: "/srv/agent" },
  ] },
  session: { mainKey: "work" },
}"#,
    );
    let loaded = s.load("openclaw.json", &Env::default());
    insta::assert_snapshot!("cross_field_issues", s.show(&loaded.issues));
    insta::assert_snapshot!("cross_field_warnings", s.show(&loaded.warnings));
}
