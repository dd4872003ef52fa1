//! INTERFACE ONLY — to be completed by the tools work.

use openclaw_providers::ToolSpec;
use serde_json::{Value, json};

use super::{ToolContext, ToolOutput};

fn placeholder(name: &str) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: String::new(),
        input_schema: json!({"type": "object"}),
    }
}

pub fn read_spec() -> ToolSpec {
    placeholder("read")
}
pub fn write_spec() -> ToolSpec {
    placeholder("write")
}
pub fn edit_spec() -> ToolSpec {
    placeholder("edit")
}
pub async fn read(_ctx: &ToolContext, _args: &Value) -> ToolOutput {
    ToolOutput::error("not available")
}
pub async fn write(_ctx: &ToolContext, _args: &Value) -> ToolOutput {
    ToolOutput::error("not available")
}
pub async fn edit(_ctx: &ToolContext, _args: &Value) -> ToolOutput {
    ToolOutput::error("not available")
}
