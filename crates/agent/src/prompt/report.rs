//! `systemPromptReport`: where the prompt's characters go, in OpenClaw's field names (the
//! `meta.systemPromptReport` of the `agent` method's result), plus a per-section breakdown.

use serde_json::{Map, Value, json};

use super::{InjectedFile, PromptInputs, PromptOptions, Section, SystemPrompt, tool_line};

fn chars(s: &str) -> usize {
    s.chars().count()
}

pub(super) fn build(
    inputs: &PromptInputs<'_>,
    options: &PromptOptions,
    sections: &[Section],
    injected: &[InjectedFile],
    text: &str,
) -> Value {
    let (provider, model) = match inputs.model.split_once('/') {
        Some((provider, model)) => (Value::from(provider), model),
        None => (Value::Null, inputs.model),
    };
    let total = chars(text);
    let project = sections
        .iter()
        .find(|s| s.name == "projectContext")
        .map_or(0, |s| chars(&s.text));

    let tool_entries: Vec<Value> = inputs
        .tools
        .iter()
        .map(|tool| {
            let schema_chars = serde_json::to_string(&tool.input_schema).map_or(0, |s| chars(&s));
            let properties = tool
                .input_schema
                .get("properties")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            json!({
                "name": tool.name,
                "summaryChars": chars(super::tool_summary(tool)),
                "schemaChars": schema_chars,
                "propertiesCount": properties,
            })
        })
        .collect();
    let list_chars: usize = inputs.tools.iter().map(|t| chars(&tool_line(t)) + 1).sum();
    let schema_chars: usize = tool_entries
        .iter()
        .filter_map(|e| e.get("schemaChars").and_then(Value::as_u64))
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .fold(0, usize::saturating_add);

    json!({
        "provider": provider,
        "model": model,
        "workspaceDir": inputs.workspace.display().to_string(),
        "bootstrapMaxChars": inputs.bootstrap_max_chars,
        "bootstrapTotalMaxChars": options.bootstrap_total_max_chars,
        "systemPrompt": {
            "chars": total,
            "projectContextChars": project,
            "nonProjectContextChars": total.saturating_sub(project),
        },
        "sections": sections
            .iter()
            .map(|s| json!({ "name": s.name, "chars": chars(&s.text) }))
            .collect::<Vec<_>>(),
        "injectedWorkspaceFiles": injected
            .iter()
            .map(|f| json!({
                "name": f.name,
                "path": f.path,
                "missing": f.missing,
                "rawChars": f.raw_chars,
                "injectedChars": f.injected_chars,
                "truncated": f.truncated,
            }))
            .collect::<Vec<_>>(),
        "tools": {
            "listChars": list_chars,
            "schemaChars": schema_chars,
            "entries": tool_entries,
        },
    })
}

impl SystemPrompt {
    /// The report as the `agent` method returns it for one run: OpenClaw's run-level fields
    /// first (`source: "run"`, `generatedAt` in ms, the session, the sandbox — always off here),
    /// then the prompt's own fields.
    pub fn run_report(&self, session_id: &str, session_key: &str, generated_at_ms: i64) -> Value {
        let mut out = Map::new();
        out.insert("source".into(), Value::from("run"));
        out.insert("generatedAt".into(), Value::from(generated_at_ms));
        out.insert("sessionId".into(), Value::from(session_id));
        out.insert("sessionKey".into(), Value::from(session_key));
        if let Value::Object(fields) = &self.report {
            for (key, value) in fields {
                out.insert(key.clone(), value.clone());
                if key == "bootstrapTotalMaxChars" {
                    out.insert(
                        "sandbox".into(),
                        json!({ "mode": "off", "sandboxed": false }),
                    );
                }
            }
        }
        Value::Object(out)
    }
}
