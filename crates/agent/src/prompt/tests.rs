#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;

fn host() -> HostInfo {
    HostInfo {
        hostname: "testhost".into(),
        os: "linux".into(),
        arch: "x86_64".into(),
        timezone: Some("Etc/UTC".into()),
    }
}

fn options() -> PromptOptions {
    PromptOptions {
        bootstrap_total_max_chars: 150_000,
        host: host(),
    }
}

fn file(name: &str, content: Option<&str>) -> BootstrapFile {
    BootstrapFile {
        name: name.into(),
        path: PathBuf::from("/ws").join(name),
        content: content.map(str::to_string),
    }
}

fn inputs<'a>(tools: &'a [ToolSpec], bootstrap: &'a [BootstrapFile]) -> PromptInputs<'a> {
    PromptInputs {
        agent_id: "main",
        agent_name: None,
        workspace: Path::new("/ws"),
        model: "anthropic/claude-test",
        thinking: ThinkingLevel::Low,
        tools,
        bootstrap,
        bootstrap_max_chars: 20_000,
        user_timezone: None,
        extra_system_prompt: None,
    }
}

#[test]
fn short_content_is_kept_whole_minus_trailing_whitespace() {
    let t = truncate_file("A.md", "hello\n\n", 10);
    assert_eq!(t.text, "hello");
    assert!(!t.truncated);
    assert_eq!(t.total_chars, 5);
    // Exactly at the cap is not truncated.
    assert!(!truncate_file("A.md", "0123456789", 10).truncated);
}

#[test]
fn truncation_keeps_seventy_percent_head_and_twenty_percent_tail() {
    let content: String = (0..1000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let t = truncate_file("AGENTS.md", &content, 100);
    assert!(t.truncated);
    assert_eq!((t.head_chars, t.tail_chars, t.total_chars), (70, 20, 1000));
    assert!(t.text.starts_with(&content[..70]));
    assert!(t.text.ends_with(&content[980..]));
    let marker = &t.text[70..t.text.len() - 20];
    assert!(
        marker.contains("Read AGENTS.md for the full content"),
        "{marker}"
    );
    assert!(
        marker.contains("first 70 and last 20 of 1000 characters"),
        "{marker}"
    );
    assert!(marker.starts_with('\n') && marker.ends_with('\n'));
    // Not a byte more of the original than announced.
    assert!(!t.text.contains(&content[..71]));
}

#[test]
fn truncation_counts_characters_not_bytes() {
    let content = "é".repeat(50);
    let t = truncate_file("SOUL.md", &content, 10);
    assert!(t.truncated);
    assert!(t.text.starts_with(&"é".repeat(7)));
    assert!(t.text.ends_with(&format!("\n{}", "é".repeat(2))));
    assert!(t.text.contains("first 7 and last 2 of 50 characters"));
}

#[test]
fn total_budget_shrinks_later_files_and_then_leaves_them_out() {
    let big = "x".repeat(500);
    let files = [
        file("AGENTS.md", Some(&big)),
        file("SOUL.md", Some(&big)),
        file("TOOLS.md", Some("short")),
        file("USER.md", None),
    ];
    let injected = inject_files(&files, 400, 600);
    assert!(injected[0].truncated);
    let first = injected[0].injected_chars;
    assert!(first > 360 && first < 600, "{first}");
    // The second file only gets what is left of the total.
    assert!(injected[1].truncated);
    let budget = 600 - first;
    let expected = format!("first {} and last {}", budget * 7 / 10, budget * 2 / 10);
    assert!(
        injected[1].text.as_ref().unwrap().contains(&expected),
        "{expected}: {:?}",
        injected[1].text
    );
    // Fewer than 64 characters left: the rest is skipped, not cut to crumbs.
    assert_eq!(injected[2].text, None);
    assert_eq!(injected[2].injected_chars, 0);
    assert!(injected[2].truncated);
    assert_eq!(injected[3].text, None);
    assert!(injected[3].missing);
}

#[test]
fn missing_files_get_a_marker_and_empty_files_are_left_out() {
    let files = [file("AGENTS.md", None), file("USER.md", Some("  \n"))];
    let injected = inject_files(&files, 20_000, 150_000);
    assert_eq!(
        injected[0].text.as_deref(),
        Some("[MISSING] Expected at: /ws/AGENTS.md")
    );
    assert!(injected[0].missing);
    assert_eq!(injected[1].text, None);
    assert!(!injected[1].missing);
    assert_eq!(injected[1].raw_chars, 0);
}

#[test]
fn prompt_has_sections_in_order_and_no_clock() {
    let tools = [ToolSpec {
        name: "read".into(),
        description: "Read a file.\nMore detail that stays out of the list.".into(),
        input_schema: json!({"type":"object","properties":{"path":{"type":"string"}}}),
    }];
    let boot = [file("AGENTS.md", Some("be kind")), file("SOUL.md", None)];
    let mut i = inputs(&tools, &boot);
    i.extra_system_prompt = Some("Group: #general");
    let p = build_system_prompt_with(&i, &options());
    let order = [
        "You are a personal assistant",
        "## Tooling",
        "- read: Read a file.",
        "## Workspace\nYour working directory is /ws.",
        "# Project Context",
        "## AGENTS.md\nbe kind",
        "## SOUL.md\n[MISSING] Expected at: /ws/SOUL.md",
        "## Current Date & Time\nTime zone: Etc/UTC",
        "## Runtime\nRuntime: agent=main | host=testhost | os=linux (x86_64) | \
         model=anthropic/claude-test | thinking=low",
        "## Reply Tags",
        "## Silent Replies",
        "NO_REPLY",
        "## Heartbeats",
        "HEARTBEAT_OK",
        "## Additional Context\nGroup: #general",
    ];
    let mut at = 0;
    for needle in order {
        let found = p.text[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing after byte {at}:\n{}", p.text));
        at += found + needle.len();
    }
    assert!(!p.text.contains("More detail"));
    // Building twice gives the same text: nothing time-dependent leaks in.
    assert_eq!(build_system_prompt_with(&i, &options()), p);
}

#[test]
fn agent_name_and_user_timezone_are_used_and_bad_zones_fall_back() {
    let mut i = inputs(&[], &[]);
    i.agent_name = Some("Molty");
    i.user_timezone = Some("UTC");
    let p = build_system_prompt_with(&i, &options());
    assert!(p.text.starts_with("You are Molty, a personal assistant"));
    assert!(p.text.contains("Time zone: UTC\n"));
    assert!(p.text.contains("No tools are available"));

    i.user_timezone = Some("Mars/Olympus_Mons");
    let p = build_system_prompt_with(&i, &options());
    assert!(p.text.contains("Time zone: Etc/UTC\n"), "host zone used");

    let mut no_tz = options();
    no_tz.host.timezone = None;
    let p = build_system_prompt_with(&i, &no_tz);
    assert!(!p.text.contains("## Current Date & Time"));
}

#[test]
fn report_counts_sections_files_and_tools() {
    let tools = [ToolSpec {
        name: "exec".into(),
        description: "Run a command".into(),
        input_schema: json!({"type":"object","properties":{"cmd":{},"cwd":{}}}),
    }];
    let big = "y".repeat(300);
    let boot = [file("AGENTS.md", Some(&big)), file("SOUL.md", None)];
    let mut i = inputs(&tools, &boot);
    i.bootstrap_max_chars = 100;
    let p = build_system_prompt_with(&i, &options());
    let r = &p.report;
    assert_eq!(r["provider"], "anthropic");
    assert_eq!(r["model"], "claude-test");
    assert_eq!(r["bootstrapMaxChars"], 100);
    let total = r["systemPrompt"]["chars"].as_u64().unwrap();
    assert_eq!(total as usize, p.text.chars().count());
    let project = r["systemPrompt"]["projectContextChars"].as_u64().unwrap();
    assert_eq!(
        r["systemPrompt"]["nonProjectContextChars"]
            .as_u64()
            .unwrap(),
        total - project
    );
    let sections = r["sections"].as_array().unwrap();
    let section_sum: u64 = sections.iter().map(|s| s["chars"].as_u64().unwrap()).sum();
    // Sections are joined by one blank line.
    assert_eq!(section_sum + 2 * (sections.len() as u64 - 1), total);
    let files = r["injectedWorkspaceFiles"].as_array().unwrap();
    assert_eq!(files[0]["rawChars"], 300);
    assert_eq!(files[0]["truncated"], true);
    assert_eq!(files[1]["missing"], true);
    assert_eq!(
        files[1]["injectedChars"],
        "[MISSING] Expected at: /ws/SOUL.md".len()
    );
    let tool = &r["tools"]["entries"][0];
    assert_eq!(tool["name"], "exec");
    assert_eq!(tool["summaryChars"], 13);
    assert_eq!(tool["propertiesCount"], 2);
    assert_eq!(r["tools"]["listChars"], "- exec: Run a command\n".len());

    let run = p.run_report("sid", "agent:main:main", 42);
    let keys: Vec<&str> = run
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        &keys[..5],
        [
            "source",
            "generatedAt",
            "sessionId",
            "sessionKey",
            "provider"
        ]
    );
    assert_eq!(run["sandbox"]["mode"], "off");
    assert_eq!(run["generatedAt"], 42);
}

#[test]
fn prompt_cache_hits_on_equal_inputs_and_rebuilds_on_any_change() {
    let tools: Vec<ToolSpec> = Vec::new();
    let boot = vec![file("AGENTS.md", Some("one"))];
    let cache = PromptCache::new();
    let opts = options();
    let first = cache.get_or_build(&inputs(&tools, &boot), &opts);
    // Equal but separately allocated inputs still hit.
    let boot_copy = boot.clone();
    let hit = cache.get_or_build(&inputs(&tools, &boot_copy), &opts);
    assert!(std::sync::Arc::ptr_eq(&first, &hit));
    assert_eq!(cache.len(), 1);

    let changed = vec![file("AGENTS.md", Some("two"))];
    let miss = cache.get_or_build(&inputs(&tools, &changed), &opts);
    assert!(miss.text.contains("two"));
    let mut thinking = inputs(&tools, &boot);
    thinking.thinking = ThinkingLevel::High;
    assert!(
        cache
            .get_or_build(&thinking, &opts)
            .text
            .contains("thinking=high")
    );
    let mut other_host = options();
    other_host.host.hostname = "elsewhere".into();
    assert!(
        cache
            .get_or_build(&inputs(&tools, &boot), &other_host)
            .text
            .contains("host=elsewhere")
    );
    assert_eq!(cache.len(), 4);
    // The first prompt is still there for its inputs.
    assert!(std::sync::Arc::ptr_eq(
        &first,
        &cache.get_or_build(&inputs(&tools, &boot), &opts)
    ));
    assert_eq!(cache.len(), 4);
}

#[test]
fn detected_host_is_plausible() {
    let h = HostInfo::detect();
    assert_eq!(h.os, std::env::consts::OS);
    assert!(!h.arch.is_empty());
}

#[test]
fn prompt_cache_hit_is_cheap_with_a_large_context() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PromptCache>();
    let big = "z".repeat(19_000);
    let boot: Vec<BootstrapFile> = ["AGENTS.md", "SOUL.md", "TOOLS.md", "USER.md"]
        .iter()
        .map(|n| file(n, Some(&big)))
        .collect();
    let cache = PromptCache::new();
    let opts = options();
    let first = cache.get_or_build(&inputs(&[], &boot), &opts);
    let rounds: u32 = 200;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        let again = cache.get_or_build(&inputs(&[], &boot), &opts);
        assert!(std::sync::Arc::ptr_eq(&first, &again));
    }
    let per_call = start.elapsed() / rounds;
    // Generous for a debug build on a shared machine; a rebuild per call would still exceed it.
    assert!(
        per_call < std::time::Duration::from_millis(1),
        "{per_call:?}"
    );
}
