//! INTERFACE ONLY — to be completed by the tools work.

use openclaw_providers::ToolSpec;
use serde_json::{Value, json};

use super::{ToolContext, ToolOutput};

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "web_fetch".into(),
        description: String::new(),
        input_schema: json!({"type": "object"}),
    }
}

pub async fn run(_ctx: &ToolContext, _args: &Value) -> ToolOutput {
    ToolOutput::error("not available")
}
