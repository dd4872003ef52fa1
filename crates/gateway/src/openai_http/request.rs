//! Turning an OpenAI-style request into an agent turn: which agent (`model` field or
//! `x-openclaw-agent-id`), which session (`x-openclaw-session-key`, else derived from `user`,
//! else a fresh one), and the prompt.
//!
//! The prompt follows OpenClaw: system/developer messages become the turn's extra system
//! prompt; the last user (or tool) message is the message to answer; when the request carries
//! earlier conversation, it is folded into the prompt as a transcript block ahead of the
//! current message. Messages after the last user/tool message are ignored.

use axum::http::HeaderMap;
use openclaw_config::Config;
use serde_json::Value;

use super::ApiError;

/// `model` values that mean "the default agent".
const DEFAULT_MODELS: [&str; 2] = ["openclaw", "openclaw/default"];
const INVALID_MODEL: &str = "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.";
/// OpenClaw's markers around folded conversation history.
const HISTORY_MARKER: &str = "[Chat messages since your last reply - for context]";
const CURRENT_MARKER: &str = "[Current message - respond to this]";

/// The agent and session a request runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTarget {
    pub agent_id: String,
    /// As handed to the runtime (which canonicalizes it).
    pub session_key: String,
}

/// What the agent is asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    pub message: String,
    pub extra_system_prompt: Option<String>,
}

/// An agent id as OpenClaw accepts it in a model name or header: `[a-z0-9][a-z0-9_-]{0,63}`.
fn valid_agent_id(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// The agent a `model` value names: `None` for the default agent, `Err` when it names none.
pub fn agent_from_model(model: &str) -> Result<Option<String>, ApiError> {
    let model = model.trim();
    if model.is_empty()
        || DEFAULT_MODELS
            .iter()
            .any(|name| model.eq_ignore_ascii_case(name))
    {
        return Ok(None);
    }
    let lowered = model.to_ascii_lowercase();
    let id = ["openclaw:", "openclaw/", "agent:"]
        .iter()
        .find_map(|prefix| lowered.strip_prefix(prefix))
        .filter(|id| valid_agent_id(id))
        .ok_or_else(|| ApiError::InvalidRequest(INVALID_MODEL.into()))?;
    Ok(Some(openclaw_config::normalize_agent_id(id)))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Resolves agent and session. `prefix` names the surface in derived keys (`openai`,
/// `openresponses`), as OpenClaw does: `agent:<id>:<prefix>-user:<user>` for a `user`, else
/// `agent:<id>:<prefix>:<uuid>` (a fresh session per request).
pub fn resolve_target(
    config: &Config,
    headers: &HeaderMap,
    model: Option<&str>,
    user: Option<&str>,
    prefix: &str,
) -> Result<AgentTarget, ApiError> {
    // The model is validated even when a header picks the agent (OpenClaw does the same).
    let from_model = match model {
        Some(model) => agent_from_model(model)?,
        None => None,
    };
    let from_header =
        header(headers, "x-openclaw-agent-id").or_else(|| header(headers, "x-openclaw-agent"));
    let agent_id = match from_header {
        Some(raw) if valid_agent_id(raw) => openclaw_config::normalize_agent_id(raw),
        Some(raw) => return Err(unknown_agent(config, raw)),
        None => from_model.unwrap_or_else(|| config.default_agent_id()),
    };
    if agent_id != config.default_agent_id() && !config.agent_ids().contains(&agent_id) {
        return Err(unknown_agent(config, &agent_id));
    }
    let session_key = match (
        header(headers, "x-openclaw-session-key"),
        user.map(str::trim),
    ) {
        (Some(explicit), _) => explicit.to_owned(),
        (None, Some(user)) if !user.is_empty() => format!("agent:{agent_id}:{prefix}-user:{user}"),
        _ => format!("agent:{agent_id}:{prefix}:{}", uuid::Uuid::new_v4()),
    };
    Ok(AgentTarget {
        agent_id,
        session_key,
    })
}

fn unknown_agent(config: &Config, raw: &str) -> ApiError {
    ApiError::InvalidRequest(format!(
        "Unknown agent '{raw}'. Use one of: {} (GET /v1/models lists them as openclaw/<agentId>).",
        config.agent_ids().join(", ")
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    User,
    Assistant,
    Tool,
}

#[derive(Debug, Clone)]
struct Entry {
    role: Role,
    sender: String,
    body: String,
}

/// OpenClaw's folding: the last user/tool entry is the current message; anything before it is
/// context.
fn fold(entries: &[Entry]) -> String {
    let Some(last) = entries.last() else {
        return String::new();
    };
    let current = entries
        .iter()
        .rposition(|e| matches!(e.role, Role::User | Role::Tool))
        .unwrap_or(entries.len() - 1);
    let entry = entries.get(current).unwrap_or(last);
    if current == 0 {
        return entry.body.clone();
    }
    let history: Vec<String> = entries[..current]
        .iter()
        .map(|e| format!("{}: {}", e.sender, e.body))
        .collect();
    format!(
        "{HISTORY_MARKER}\n{}\n\n{CURRENT_MARKER}\n{}: {}",
        history.join("\n"),
        entry.sender,
        entry.body
    )
}

/// Text of a Chat Completions `content`: a string, or the text parts of an array.
fn chat_content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| {
                let kind = part.get("type").and_then(Value::as_str);
                let text = part.get("text").and_then(Value::as_str);
                match (kind, text) {
                    (Some("text" | "input_text"), Some(text)) => Some(text),
                    _ => part.get("input_text").and_then(Value::as_str),
                }
            })
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The prompt of a Chat Completions request (`messages`).
pub fn chat_prompt(messages: Option<&Value>) -> Prompt {
    let mut system = Vec::new();
    let mut entries = Vec::new();
    for message in messages.and_then(Value::as_array).into_iter().flatten() {
        let role = message
            .get("role")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("");
        let body = chat_content_text(message.get("content")).trim().to_owned();
        if role.is_empty() || body.is_empty() {
            continue;
        }
        let (role, sender) = match role {
            "system" | "developer" => {
                system.push(body);
                continue;
            }
            "user" => (Role::User, "User".to_owned()),
            "assistant" => (Role::Assistant, "Assistant".to_owned()),
            "tool" | "function" => {
                let name = message.get("name").and_then(Value::as_str).map(str::trim);
                let sender = match name {
                    Some(name) if !name.is_empty() => format!("Tool:{name}"),
                    _ => "Tool".to_owned(),
                };
                (Role::Tool, sender)
            }
            _ => continue,
        };
        entries.push(Entry { role, sender, body });
    }
    Prompt {
        message: fold(&entries),
        extra_system_prompt: join_system(system),
    }
}

fn join_system(parts: Vec<String>) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Text of a Responses message `content`: a string, or its `input_text`/`output_text` parts.
fn responses_content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter(|part| {
                matches!(
                    part.get("type").and_then(Value::as_str),
                    Some("input_text" | "output_text")
                )
            })
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The prompt of a Responses request (`input` + `instructions`).
pub fn responses_prompt(
    input: Option<&Value>,
    instructions: Option<&str>,
) -> Result<Prompt, ApiError> {
    let mut system: Vec<String> = instructions
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
        .into_iter()
        .collect();
    let items = match input {
        Some(Value::String(text)) => {
            return Ok(Prompt {
                message: text.clone(),
                extra_system_prompt: join_system(system),
            });
        }
        Some(Value::Array(items)) => items,
        _ => {
            return Err(ApiError::InvalidRequest(
                "Invalid `input`: send a string or an array of input items (e.g. [{\"type\":\"message\",\"role\":\"user\",\"content\":\"hi\"}]).".into(),
            ));
        }
    };
    let mut entries = Vec::new();
    for item in items {
        // `type` may be left out on plain messages (OpenAI's "easy input message").
        let kind = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("message");
        match kind {
            "message" => {
                let body = responses_content_text(item.get("content"))
                    .trim()
                    .to_owned();
                if body.is_empty() {
                    continue;
                }
                match item.get("role").and_then(Value::as_str) {
                    Some("system" | "developer") => system.push(body),
                    Some("assistant") => entries.push(Entry {
                        role: Role::Assistant,
                        sender: "Assistant".into(),
                        body,
                    }),
                    _ => entries.push(Entry {
                        role: Role::User,
                        sender: "User".into(),
                        body,
                    }),
                }
            }
            "function_call_output" => {
                let call_id = item.get("call_id").and_then(Value::as_str).unwrap_or("");
                let body = match item.get("output") {
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                entries.push(Entry {
                    role: Role::Tool,
                    sender: format!("Tool:{call_id}"),
                    body,
                });
            }
            // Reasoning items and references carry nothing to answer.
            _ => {}
        }
    }
    Ok(Prompt {
        message: fold(&entries),
        extra_system_prompt: join_system(system),
    })
}

/// Chat Completions `usage` from a run's token counts (prompt = input + cache reads, as
/// OpenClaw maps it).
pub fn chat_usage(usage: &openclaw_providers::Usage) -> Value {
    let prompt = usage.input + usage.cache_read;
    let mut value = serde_json::json!({
        "prompt_tokens": prompt,
        "completion_tokens": usage.output,
        "total_tokens": prompt + usage.output,
    });
    if usage.cache_read > 0
        && let Some(object) = value.as_object_mut()
    {
        object.insert(
            "prompt_tokens_details".into(),
            serde_json::json!({"cached_tokens": usage.cache_read}),
        );
    }
    value
}

/// Responses `usage` (2026.9.6 shape, with the detail objects).
pub fn responses_usage(usage: &openclaw_providers::Usage) -> Value {
    let input = usage.input + usage.cache_read + usage.cache_write;
    serde_json::json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": usage.cache_read, "cache_write_tokens": usage.cache_write},
        "output_tokens": usage.output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + usage.output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn config(agents: Value) -> Config {
        serde_json::from_value(json!({"agents": {"list": agents}})).unwrap()
    }

    #[test]
    fn model_names_pick_agents() {
        assert_eq!(agent_from_model("openclaw").unwrap(), None);
        assert_eq!(agent_from_model("OpenClaw/Default").unwrap(), None);
        assert_eq!(agent_from_model("").unwrap(), None);
        assert_eq!(
            agent_from_model("openclaw:Beta").unwrap().as_deref(),
            Some("beta")
        );
        assert_eq!(
            agent_from_model("openclaw/ops_1").unwrap().as_deref(),
            Some("ops_1")
        );
        assert_eq!(
            agent_from_model("agent:x-y").unwrap().as_deref(),
            Some("x-y")
        );
        for bad in [
            "gpt-4o",
            "openai/gpt-5",
            "openclaw:",
            "openclaw/-x",
            "agent:a b",
        ] {
            let err = agent_from_model(bad).unwrap_err();
            assert_eq!(err.to_string(), INVALID_MODEL, "{bad}");
        }
    }

    #[test]
    fn sessions_come_from_header_then_user_then_fresh() {
        let cfg = config(json!([{"id": "main", "default": true}, {"id": "beta"}]));
        let mut headers = HeaderMap::new();
        let by_user = resolve_target(
            &cfg,
            &headers,
            Some("openclaw:beta"),
            Some(" alice "),
            "openai",
        )
        .unwrap();
        assert_eq!(by_user.agent_id, "beta");
        assert_eq!(by_user.session_key, "agent:beta:openai-user:alice");
        let fresh1 = resolve_target(&cfg, &headers, None, None, "openresponses").unwrap();
        let fresh2 = resolve_target(&cfg, &headers, None, Some("  "), "openresponses").unwrap();
        assert!(fresh1.session_key.starts_with("agent:main:openresponses:"));
        assert_ne!(fresh1.session_key, fresh2.session_key);
        headers.insert("x-openclaw-agent-id", HeaderValue::from_static("BETA"));
        headers.insert(
            "x-openclaw-session-key",
            HeaderValue::from_static(" my-thread "),
        );
        let pinned =
            resolve_target(&cfg, &headers, Some("openclaw"), Some("alice"), "openai").unwrap();
        assert_eq!(pinned.agent_id, "beta");
        assert_eq!(pinned.session_key, "my-thread");
    }

    #[test]
    fn unknown_agents_and_bad_models_are_refused() {
        let cfg = config(json!([{"id": "main"}]));
        let headers = HeaderMap::new();
        let err =
            resolve_target(&cfg, &headers, Some("openclaw/nope"), None, "openai").unwrap_err();
        assert!(
            err.to_string().starts_with("Unknown agent 'nope'."),
            "{err}"
        );
        let err = resolve_target(&cfg, &headers, Some("gpt-4o"), None, "openai").unwrap_err();
        assert_eq!(err.to_string(), INVALID_MODEL);
        let mut headers = HeaderMap::new();
        headers.insert("x-openclaw-agent-id", HeaderValue::from_static("!!!"));
        let err = resolve_target(&cfg, &headers, None, None, "openai").unwrap_err();
        assert!(err.to_string().starts_with("Unknown agent '!!!'."), "{err}");
        // Without an agents list the default agent `main` exists.
        let empty = Config::default();
        let ok = resolve_target(
            &empty,
            &HeaderMap::new(),
            Some("openclaw/main"),
            None,
            "openai",
        )
        .unwrap();
        assert_eq!(ok.agent_id, "main");
    }

    #[test]
    fn chat_prompt_folds_history_and_collects_system() {
        let single = chat_prompt(Some(&json!([{"role": "user", "content": "hi"}])));
        assert_eq!(
            single,
            Prompt {
                message: "hi".into(),
                extra_system_prompt: None
            }
        );
        let parts = chat_prompt(Some(&json!([{"role": "user", "content": [
            {"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "x"}},
            {"type": "input_text", "text": "here"}]}])));
        assert_eq!(parts.message, "look\nhere");
        let folded = chat_prompt(Some(&json!([
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "No emoji."}]},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "answer"},
            {"role": "tool", "name": "calc", "content": "42"},
            {"role": "user", "content": "  second  "},
            {"role": "assistant", "content": "ignored trailing"},
        ])));
        assert_eq!(
            folded.extra_system_prompt.as_deref(),
            Some("Be brief.\n\nNo emoji.")
        );
        assert_eq!(
            folded.message,
            "[Chat messages since your last reply - for context]\nUser: first\nAssistant: answer\nTool:calc: 42\n\n[Current message - respond to this]\nUser: second"
        );
        assert_eq!(chat_prompt(None).message, "");
        assert_eq!(
            chat_prompt(Some(&json!([{"role": "system", "content": "x"}]))).message,
            ""
        );
        assert_eq!(
            chat_prompt(Some(&json!([{"role": "user", "content": "   "}]))).message,
            ""
        );
    }

    #[test]
    fn responses_prompt_accepts_strings_and_items() {
        let text = responses_prompt(Some(&json!("hello")), Some("Be kind.")).unwrap();
        assert_eq!(text.message, "hello");
        assert_eq!(text.extra_system_prompt.as_deref(), Some("Be kind."));
        let items = responses_prompt(
            Some(&json!([
                {"type": "message", "role": "system", "content": "sys"},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q1"}]},
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "a1"}]},
                {"role": "user", "content": "q2"},
            ])),
            None,
        )
        .unwrap();
        assert_eq!(items.extra_system_prompt.as_deref(), Some("sys"));
        assert!(
            items
                .message
                .ends_with("[Current message - respond to this]\nUser: q2"),
            "{}",
            items.message
        );
        assert!(items.message.contains("User: q1\nAssistant: a1"));
        assert!(responses_prompt(None, None).is_err());
        assert!(responses_prompt(Some(&json!(5)), None).is_err());
        assert_eq!(
            responses_prompt(Some(&json!([])), None).unwrap().message,
            ""
        );
    }

    #[test]
    fn usage_maps_like_openclaw() {
        let usage = openclaw_providers::Usage {
            input: 10,
            output: 6,
            cache_read: 2,
            cache_write: 0,
        };
        assert_eq!(
            chat_usage(&usage),
            json!({"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18,
                   "prompt_tokens_details": {"cached_tokens": 2}})
        );
        let plain = openclaw_providers::Usage {
            input: 12,
            output: 6,
            cache_read: 0,
            cache_write: 0,
        };
        assert_eq!(
            responses_usage(&plain),
            json!({"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                   "output_tokens": 6, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 18})
        );
    }
}
