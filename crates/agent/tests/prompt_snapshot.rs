//! The whole system prompt of a freshly seeded workspace, pinned as a snapshot: any change to
//! section order, wording, templates or truncation shows up in review.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use openclaw_agent::prompt::{HostInfo, PromptInputs, PromptOptions, build_system_prompt_with};
use openclaw_agent::workspace::{BootstrapCache, ensure_workspace};
use openclaw_providers::{ThinkingLevel, ToolSpec};
use serde_json::json;

fn fixed_host() -> PromptOptions {
    PromptOptions {
        bootstrap_total_max_chars: 150_000,
        host: HostInfo {
            hostname: "gateway-host".into(),
            os: "linux".into(),
            arch: "aarch64".into(),
            timezone: Some("UTC".into()),
        },
    }
}

fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: "read".into(),
            description: "Read a text file from the workspace.\nSupports offset and limit.".into(),
            input_schema: json!({"type":"object","properties":{"path":{"type":"string"},"offset":{"type":"integer"}},"required":["path"]}),
        },
        ToolSpec {
            name: "exec".into(),
            description: "Run a shell command in the workspace.".into(),
            input_schema: json!({"type":"object","properties":{"command":{"type":"string"}}}),
        },
    ]
}

/// Replaces the temp dir so the snapshot does not depend on where the test ran.
fn stable(text: &str, ws: &Path) -> String {
    text.replace(&ws.display().to_string(), "<WORKSPACE>")
}

#[test]
fn fresh_workspace_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("workspace");
    ensure_workspace(&ws, false).unwrap();
    let files = BootstrapCache::new().load(&ws);
    let tools = tools();
    let inputs = PromptInputs {
        agent_id: "main",
        agent_name: Some("Clawd"),
        workspace: &ws,
        model: "openai/gpt-test",
        thinking: ThinkingLevel::Medium,
        tools: &tools,
        bootstrap: &files,
        bootstrap_max_chars: 20_000,
        user_timezone: Some("UTC"),
        extra_system_prompt: Some("You are in the Discord channel #ops."),
    };
    let prompt = build_system_prompt_with(&inputs, &fixed_host());
    insta::assert_snapshot!("fresh_workspace_prompt", stable(&prompt.text, &ws));
    let report: serde_json::Value =
        serde_json::from_str(&stable(&prompt.report.to_string(), &ws)).unwrap();
    insta::assert_json_snapshot!("fresh_workspace_report", report);
}

#[test]
fn truncated_and_missing_files_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().to_path_buf();
    // Numbered lines make it visible in the snapshot exactly which part was kept.
    let long: String = (1..=40).map(|i| format!("line {i:02}\n")).collect();
    std::fs::write(ws.join("AGENTS.md"), &long).unwrap();
    std::fs::write(ws.join("MEMORY.md"), "Prefers tea.\n").unwrap();
    let files = BootstrapCache::new().load(&ws);
    let inputs = PromptInputs {
        agent_id: "ops",
        agent_name: None,
        workspace: &ws,
        model: "anthropic/claude-test",
        thinking: ThinkingLevel::Off,
        tools: &[],
        bootstrap: &files,
        bootstrap_max_chars: 100,
        user_timezone: None,
        extra_system_prompt: None,
    };
    let prompt = build_system_prompt_with(&inputs, &fixed_host());
    let text = stable(&prompt.text, &ws);
    let start = text.find("# Project Context").unwrap();
    let end = text.find("## Current Date & Time").unwrap();
    insta::assert_snapshot!("truncated_and_missing_project_context", &text[start..end]);
}
