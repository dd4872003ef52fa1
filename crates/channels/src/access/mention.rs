//! Mention detection by pattern (spec §5.1 step 7) and control-command detection (§5.4).

use openclaw_config::Config;
use regex::{Regex, RegexBuilder};

/// Compiled `groupChat.mentionPatterns`, matched case-insensitively against the message text.
#[derive(Debug, Clone, Default)]
pub struct MentionPatterns {
    regexes: Vec<Regex>,
    /// Patterns that did not compile (the caller logs them once; they never match).
    pub rejected: Vec<String>,
}

/// A compiled pattern is bounded so a hostile config cannot make matching expensive.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

impl MentionPatterns {
    /// Compiles `patterns`; invalid ones are kept in [`MentionPatterns::rejected`].
    pub fn compile<S: AsRef<str>>(patterns: &[S]) -> Self {
        let mut out = Self::default();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            // OpenClaw's config loader turns a JSON "\b" escape into a backspace; it means a
            // word boundary in a pattern.
            let fixed = pattern.replace('\u{8}', "\\b");
            match RegexBuilder::new(&fixed)
                .case_insensitive(true)
                .size_limit(PATTERN_SIZE_LIMIT)
                .build()
            {
                Ok(re) => out.regexes.push(re),
                Err(_) => out.rejected.push(pattern.to_owned()),
            }
        }
        out
    }

    /// The patterns that apply to `agent_id`: the agent's `groupChat.mentionPatterns` when the
    /// key is present (even empty), else `messages.groupChat.mentionPatterns` when present, else
    /// patterns derived from the agent's `identity` (its name as a word, its emoji).
    pub fn for_agent(config: &Config, agent_id: &str) -> Self {
        Self::compile(&pattern_sources(config, agent_id))
    }

    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty()
    }

    /// Whether any pattern matches `text` (zero-width and direction marks removed first, so a
    /// name split by an invisible character still counts).
    pub fn matches(&self, text: &str) -> bool {
        if self.regexes.is_empty() {
            return false;
        }
        let cleaned: String = text
            .chars()
            .filter(|c| !is_invisible(*c))
            .collect::<String>()
            .to_lowercase();
        if cleaned.trim().is_empty() {
            return false;
        }
        self.regexes.iter().any(|re| re.is_match(&cleaned))
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}')
}

/// The raw pattern strings for an agent (see [`MentionPatterns::for_agent`]).
pub fn pattern_sources(config: &Config, agent_id: &str) -> Vec<String> {
    let agent = config.agent(agent_id);
    if let Some(patterns) = agent
        .and_then(|a| a.group_chat.as_ref())
        .and_then(|g| g.mention_patterns.as_ref())
    {
        return patterns.clone();
    }
    if let Some(value) = config
        .messages
        .as_ref()
        .and_then(|m| m.group_chat.as_ref())
        .and_then(|g| g.get("mentionPatterns"))
    {
        return value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }
    let identity = agent.and_then(|a| a.identity.as_ref());
    let mut derived = Vec::new();
    if let Some(name) = identity.and_then(|i| i.name.as_deref()).map(str::trim)
        && !name.is_empty()
    {
        let words: Vec<String> = name.split_whitespace().map(regex::escape).collect();
        derived.push(format!(r"\b@?{}\b", words.join(r"\s+")));
    }
    if let Some(emoji) = identity.and_then(|i| i.emoji.as_deref()).map(str::trim)
        && !emoji.is_empty()
    {
        derived.push(regex::escape(emoji));
    }
    derived
}

/// Chat commands recognised before the agent (spec §5.4), without the leading `/`.
const COMMANDS: &[&str] = &[
    "help",
    "commands",
    "status",
    "whoami",
    "id",
    "context",
    "new",
    "reset",
    "compact",
    "stop",
    "model",
    "models",
    "think",
    "thinking",
    "t",
    "verbose",
    "v",
    "reasoning",
    "reason",
    "elevated",
    "elev",
    "exec",
    "queue",
    "usage",
    "tts",
    "activation",
    "send",
    "config",
    "debug",
    "restart",
    "bash",
    "allowlist",
    "approve",
    "subagents",
    "skill",
];

/// Whether `text` is a control command: `/name` alone or followed by whitespace and arguments
/// (case-insensitive; `/name@BotName` and `/name:` forms accepted), `/dock-…`, or `! <cmd>`
/// (bash). Abort words without a slash (`stop`, `esc`, …) are not commands here: they do not
/// need authorization to reach the agent's abort handling.
pub fn is_control_command(text: &str) -> bool {
    let trimmed = text.trim();
    if let Some(rest) = trimmed.strip_prefix('!') {
        return rest.starts_with(char::is_whitespace) && !rest.trim().is_empty();
    }
    let Some(body) = trimmed.strip_prefix('/') else {
        return false;
    };
    let name_end = body
        .find(|c: char| c.is_whitespace() || c == ':' || c == '@')
        .unwrap_or(body.len());
    let (name, tail) = body.split_at(name_end);
    let tail = match tail.strip_prefix('@') {
        // `/new@MyBot args`: the bot name runs to the next whitespace.
        Some(after_at) => {
            let end = after_at.find(char::is_whitespace).unwrap_or(after_at.len());
            &after_at[end..]
        }
        None => tail,
    };
    let tail = tail.strip_prefix(':').unwrap_or(tail);
    let valid_tail = tail.is_empty() || tail.starts_with(char::is_whitespace);
    if !valid_tail || name.is_empty() {
        return false;
    }
    let name = name.to_lowercase();
    name.starts_with("dock-") || COMMANDS.contains(&name.as_str())
}
