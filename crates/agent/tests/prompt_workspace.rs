//! Workspace → bootstrap cache → prompt, the way the turn loop chains them, including edits made
//! between turns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use openclaw_agent::prompt::{HostInfo, PromptCache, PromptInputs, PromptOptions, SystemPrompt};
use openclaw_agent::workspace::{BootstrapCache, WorkspaceSettings, ensure_workspace};
use openclaw_config::Config;
use openclaw_providers::ThinkingLevel;

fn options(total: usize) -> PromptOptions {
    PromptOptions {
        bootstrap_total_max_chars: total,
        host: HostInfo {
            hostname: "h".into(),
            os: "linux".into(),
            arch: "x86_64".into(),
            timezone: None,
        },
    }
}

fn turn(
    settings: &WorkspaceSettings,
    files: &BootstrapCache,
    prompts: &PromptCache,
) -> Arc<SystemPrompt> {
    let bootstrap = files.load(&settings.dir);
    let inputs = PromptInputs {
        agent_id: "main",
        agent_name: None,
        workspace: &settings.dir,
        model: "openai/gpt-test",
        thinking: ThinkingLevel::Off,
        tools: &[],
        bootstrap: &bootstrap,
        bootstrap_max_chars: settings.bootstrap_max_chars,
        user_timezone: settings.user_timezone.as_deref(),
        extra_system_prompt: None,
    };
    prompts.get_or_build(&inputs, &options(settings.bootstrap_total_max_chars))
}

#[test]
fn edits_between_turns_reach_the_next_prompt_and_nothing_else_rebuilds() {
    let state = tempfile::tempdir().unwrap();
    let config: Config = serde_json::from_str(
        r#"{"agents":{"defaults":{"bootstrapMaxChars":1000,"userTimezone":"UTC"}}}"#,
    )
    .unwrap();
    let settings = WorkspaceSettings::resolve(&config, state.path(), "main");
    assert_eq!(settings.dir, state.path().join("workspace"));
    ensure_workspace(&settings.dir, settings.skip_bootstrap).unwrap();

    let files = BootstrapCache::new();
    let prompts = PromptCache::new();
    let first = turn(&settings, &files, &prompts);
    assert!(first.text.contains("## BOOTSTRAP.md\n# BOOTSTRAP.md"));
    assert!(first.text.contains("Time zone: UTC"));
    let second = turn(&settings, &files, &prompts);
    assert!(
        Arc::ptr_eq(&first, &second),
        "unchanged turn reuses the prompt"
    );

    // The ritual ends: BOOTSTRAP.md deleted, USER.md filled in.
    std::fs::remove_file(settings.dir.join("BOOTSTRAP.md")).unwrap();
    std::fs::write(settings.dir.join("USER.md"), "# USER.md\n- Name: Ada\n").unwrap();
    let third = turn(&settings, &files, &prompts);
    assert!(third.text.contains("## USER.md\n# USER.md\n- Name: Ada"));
    let missing = format!(
        "## BOOTSTRAP.md\n[MISSING] Expected at: {}",
        settings.dir.join("BOOTSTRAP.md").display()
    );
    assert!(third.text.contains(&missing), "{}", third.text);

    // A second ensure (every turn does one) brings nothing back and overwrites nothing.
    ensure_workspace(&settings.dir, false).unwrap();
    assert!(!settings.dir.join("BOOTSTRAP.md").exists());
    let fourth = turn(&settings, &files, &prompts);
    assert!(Arc::ptr_eq(&third, &fourth));
}

#[test]
fn configured_per_file_cap_truncates_with_a_pointer_to_the_file() {
    let state = tempfile::tempdir().unwrap();
    let config: Config =
        serde_json::from_str(r#"{"agents":{"defaults":{"bootstrapMaxChars":200}}}"#).unwrap();
    let settings = WorkspaceSettings::resolve(&config, state.path(), "main");
    ensure_workspace(&settings.dir, false).unwrap();
    let long = format!("START{}END", "m".repeat(1000));
    std::fs::write(settings.dir.join("SOUL.md"), &long).unwrap();

    let p = turn(&settings, &BootstrapCache::new(), &PromptCache::new());
    assert!(p.text.contains("## SOUL.md\nSTART"));
    assert!(p.text.contains("Read SOUL.md for the full content"));
    assert!(p.text.contains("first 140 and last 40 of 1008 characters"));
    assert!(p.text.contains(&format!("{}END", "m".repeat(37))));
    let soul = p.report["injectedWorkspaceFiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "SOUL.md")
        .unwrap();
    assert_eq!(soul["truncated"], true);
    assert_eq!(soul["rawChars"], 1008);
}
