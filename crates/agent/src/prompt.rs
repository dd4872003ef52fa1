//! System prompt assembly (spec §5.6 steps 2–3).
//!
//! The prompt is ours (OpenClaw-owned in the original, not a provider default) and built from
//! fixed sections in OpenClaw's order: identity line, Tooling, Workspace, Project Context (the
//! workspace files), Current Date & Time (time zone only), Runtime, Reply Tags, Silent Replies,
//! Heartbeats, then the request's extra prompt. Everything in it is stable across turns unless
//! an input changes — no clock, no counters — so providers' prompt caches keep hitting, and
//! [`PromptCache`] can skip rebuilding altogether.

mod cache;
mod context;
mod report;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;

use openclaw_providers::{ThinkingLevel, ToolSpec};
use serde_json::Value;

use crate::workspace::{BootstrapFile, DEFAULT_BOOTSTRAP_TOTAL_MAX_CHARS};

pub use cache::PromptCache;
pub use context::{
    InjectedFile, MIN_FILE_BUDGET_CHARS, Truncation, inject_files, missing_marker, truncate_file,
};

/// The reply that means "say nothing" (the turn's output is dropped, nothing is delivered).
pub const SILENT_REPLY_TOKEN: &str = "NO_REPLY";
/// The acknowledgement of a heartbeat run that found nothing to do.
pub const HEARTBEAT_OK_TOKEN: &str = "HEARTBEAT_OK";

/// Everything the system prompt is built from.
#[derive(Debug, Clone)]
pub struct PromptInputs<'a> {
    pub agent_id: &'a str,
    /// `identity.name` / `name` of the agent, if configured.
    pub agent_name: Option<&'a str>,
    pub workspace: &'a Path,
    /// `provider/model` of the model this turn calls.
    pub model: &'a str,
    pub thinking: ThinkingLevel,
    pub tools: &'a [ToolSpec],
    pub bootstrap: &'a [BootstrapFile],
    /// Per-file cap (`bootstrapMaxChars`, default 20000).
    pub bootstrap_max_chars: usize,
    /// `agents.defaults.userTimezone` (IANA), else the host's.
    pub user_timezone: Option<&'a str>,
    /// Request-supplied extra prompt (`agent` method `extraSystemPrompt`, group prompts).
    pub extra_system_prompt: Option<&'a str>,
}

/// The assembled prompt and OpenClaw's `systemPromptReport` (sizes per section and file).
///
/// The report carries what the prompt itself determines; the run-level fields OpenClaw adds
/// (`source`, `generatedAt`, `sessionId`, `sessionKey`, `sandbox`) come from
/// [`SystemPrompt::run_report`].
#[derive(Debug, Clone, PartialEq)]
pub struct SystemPrompt {
    pub text: String,
    pub report: Value,
}

/// Facts about the machine the prompt mentions; injectable so tests and snapshots are stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    pub hostname: String,
    /// `linux`, `macos`, … (Rust's `std::env::consts::OS`).
    pub os: String,
    pub arch: String,
    /// The host's IANA time zone, used when no valid `userTimezone` is configured.
    pub timezone: Option<String>,
}

impl HostInfo {
    /// The running host, detected once per process.
    pub fn detect() -> HostInfo {
        static HOST: OnceLock<HostInfo> = OnceLock::new();
        HOST.get_or_init(|| HostInfo {
            hostname: rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned(),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            timezone: jiff::tz::TimeZone::system().iana_name().map(str::to_string),
        })
        .clone()
    }
}

/// Settings of the prompt beyond [`PromptInputs`] (kept apart so that struct stays as the turn
/// loop knows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptOptions {
    /// `bootstrapTotalMaxChars` (default 150000): budget over all Project Context files.
    pub bootstrap_total_max_chars: usize,
    pub host: HostInfo,
}

impl PromptOptions {
    /// The running host with the given total budget (`WorkspaceSettings::bootstrap_total_max_chars`).
    pub fn new(bootstrap_total_max_chars: usize) -> Self {
        Self {
            bootstrap_total_max_chars,
            host: HostInfo::detect(),
        }
    }
}

impl Default for PromptOptions {
    fn default() -> Self {
        Self::new(DEFAULT_BOOTSTRAP_TOTAL_MAX_CHARS)
    }
}

/// Builds the prompt for the running host with the default total budget.
pub fn build_system_prompt(inputs: &PromptInputs<'_>) -> SystemPrompt {
    build_system_prompt_with(inputs, &PromptOptions::default())
}

/// One named part of the prompt, for the report's per-section sizes.
struct Section {
    name: &'static str,
    text: String,
}

/// Builds the prompt with explicit [`PromptOptions`].
pub fn build_system_prompt_with(
    inputs: &PromptInputs<'_>,
    options: &PromptOptions,
) -> SystemPrompt {
    let injected = inject_files(
        inputs.bootstrap,
        inputs.bootstrap_max_chars,
        options.bootstrap_total_max_chars,
    );
    let timezone = resolve_timezone(inputs.user_timezone, options.host.timezone.as_deref());

    let mut sections = vec![
        Section {
            name: "identity",
            text: identity_section(inputs.agent_name),
        },
        Section {
            name: "tooling",
            text: tooling_section(inputs.tools),
        },
        Section {
            name: "workspace",
            text: workspace_section(inputs.workspace),
        },
        Section {
            name: "projectContext",
            text: project_context_section(&injected),
        },
    ];
    if let Some(tz) = &timezone {
        sections.push(Section {
            name: "dateTime",
            text: format!(
                "## Current Date & Time\nTime zone: {tz}\nThe current time is deliberately not \
                 part of this prompt. When you need the date or time, get it from a tool \
                 instead of guessing."
            ),
        });
    }
    sections.push(Section {
        name: "runtime",
        text: runtime_section(inputs, &options.host),
    });
    sections.push(Section {
        name: "replyTags",
        text: REPLY_TAGS.to_string(),
    });
    sections.push(Section {
        name: "silentReplies",
        text: format!(
            "## Silent Replies\nWhen you have nothing to say (for example in a group chat \
             where you were not addressed), reply with exactly {SILENT_REPLY_TOKEN} and nothing \
             else. It must be the whole reply, never part of a longer message; nothing is sent."
        ),
    });
    sections.push(Section {
        name: "heartbeats",
        text: format!(
            "## Heartbeats\nSome turns are heartbeat polls rather than messages from a person: \
             the message asks you to check HEARTBEAT.md. Work through it; if nothing needs \
             attention, reply with exactly {HEARTBEAT_OK_TOKEN}. If something does need \
             attention, reply with the alert itself and leave {HEARTBEAT_OK_TOKEN} out."
        ),
    });
    if let Some(extra) = inputs
        .extra_system_prompt
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        sections.push(Section {
            name: "extraSystemPrompt",
            text: format!("## Additional Context\n{extra}"),
        });
    }

    let text = sections
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let report = report::build(inputs, options, &sections, &injected, &text);
    SystemPrompt { text, report }
}

fn identity_section(agent_name: Option<&str>) -> String {
    match agent_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("You are {name}, a personal assistant running inside OpenClaw."),
        None => "You are a personal assistant running inside OpenClaw.".to_string(),
    }
}

/// A tool's one-line summary: the first non-blank line of its description.
fn tool_summary(tool: &ToolSpec) -> &str {
    tool.description
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn tool_line(tool: &ToolSpec) -> String {
    match tool_summary(tool) {
        "" => format!("- {}", tool.name),
        summary => format!("- {}: {summary}", tool.name),
    }
}

fn tooling_section(tools: &[ToolSpec]) -> String {
    let mut out = String::from("## Tooling\n");
    if tools.is_empty() {
        out.push_str(
            "No tools are available in this session. Answer from the conversation and the \
             context below.",
        );
        return out;
    }
    out.push_str(
        "These tools are available in this session. Names are case-sensitive: call them exactly \
         as written.",
    );
    for tool in tools {
        out.push('\n');
        out.push_str(&tool_line(tool));
    }
    out
}

fn workspace_section(workspace: &Path) -> String {
    format!(
        "## Workspace\nYour working directory is {}.\nRelative paths in file tools resolve \
         against it. It is your persistent home: keep notes and memory files there.",
        workspace.display()
    )
}

fn project_context_section(files: &[InjectedFile]) -> String {
    let mut out = String::from(
        "# Project Context\nThese workspace files were loaded for you; there is no need to \
         read them again unless they are marked truncated or you changed them. If SOUL.md is \
         present, take on the persona and tone it describes.",
    );
    for file in files {
        if let Some(text) = &file.text {
            let _ = write!(out, "\n\n## {}\n{text}", file.name);
        }
    }
    out
}

fn runtime_section(inputs: &PromptInputs<'_>, host: &HostInfo) -> String {
    format!(
        "## Runtime\nRuntime: agent={} | host={} | os={} ({}) | model={} | thinking={}",
        inputs.agent_id,
        host.hostname,
        host.os,
        host.arch,
        inputs.model,
        thinking_name(inputs.thinking)
    )
}

const REPLY_TAGS: &str = "## Reply Tags\nOn channels that support threaded replies, start your \
reply with [[reply_to_current]] to answer the message you were sent, or [[reply_to:<id>]] to \
answer a specific earlier message. The tag is removed before delivery; leave it out when a \
plain reply is fine.";

pub(crate) fn thinking_name(level: ThinkingLevel) -> &'static str {
    match level {
        ThinkingLevel::Off => "off",
        ThinkingLevel::Minimal => "minimal",
        ThinkingLevel::Low => "low",
        ThinkingLevel::Medium => "medium",
        ThinkingLevel::High => "high",
        ThinkingLevel::Xhigh => "xhigh",
    }
}

/// The configured zone when it names a real IANA zone, else the host's. `None` ⇒ the section is
/// left out rather than guessing.
fn resolve_timezone(user: Option<&str>, host: Option<&str>) -> Option<String> {
    if let Some(tz) = user.map(str::trim).filter(|t| !t.is_empty()) {
        if jiff::tz::TimeZone::get(tz).is_ok() {
            return Some(tz.to_string());
        }
        tracing::warn!(
            timezone = tz,
            "agents.defaults.userTimezone is not a known IANA time zone; the prompt uses the \
             host's zone instead (set it to a name like \"Europe/Berlin\")"
        );
    }
    host.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests;
