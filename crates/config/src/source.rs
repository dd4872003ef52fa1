//! Parsing one JSON5 file into a value plus its position index.

use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location};
use crate::spans::{SpanNode, Spot, check_nesting_depth, index_positions};

pub(crate) struct ParsedSource {
    pub value: Value,
    pub spans: SpanNode,
}

/// Parses `raw` (the text of `file`) as JSON5. Errors read `JSON5 parse failed: <reason>` and carry
/// the file position.
pub(crate) fn parse_source(raw: &str, file: &Path) -> Result<ParsedSource, Box<Diagnostic>> {
    let fail = |message: String, line: usize, column: usize| {
        Box::new(
            Diagnostic::new("", format!("JSON5 parse failed: {message}")).with_location(Some(
                Location {
                    file: file.to_path_buf(),
                    line,
                    column,
                },
            )),
        )
    };
    // Guard the recursive parsers against pathological nesting before handing them the text.
    check_nesting_depth(raw).map_err(|e| fail(e.message, e.line as usize, e.column as usize))?;
    let value: Value = json5::from_str(raw).map_err(|err| {
        let (line, column) = err
            .position()
            .map(|p| (p.line + 1, p.column + 1))
            .unwrap_or((1, 1));
        let text = err.to_string();
        // The crate appends " at line X column Y"; the location already says that.
        let reason = match err.position() {
            Some(p) => text
                .strip_suffix(&format!(" at {p}"))
                .unwrap_or(&text)
                .to_string(),
            None => text,
        };
        fail(reason, line, column)
    })?;
    // The scanner only sees text json5 accepted; should it still disagree, fall back to pointing
    // every diagnostic at the top of the file rather than failing the load.
    let spans = index_positions(raw, file).unwrap_or_else(|_| {
        SpanNode::leaf(Spot {
            file: file.into(),
            line: 1,
            column: 1,
        })
    });
    Ok(ParsedSource { value, spans })
}

/// Parses JSON5 text that would live at `file` (e.g. the `raw` of `config.set`) into a value,
/// without includes, substitution or validation. Errors carry `file:line:col`.
pub fn parse_document(raw: &str, file: &Path) -> Result<Value, Diagnostic> {
    let text = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    parse_source(text, file).map(|p| p.value).map_err(|d| *d)
}

/// Parses JSON5/JSON given on a command line (`--params '{…}'`); errors point at `<input>:line:col`.
pub fn parse_cli_json(raw: &str) -> Result<Value, Diagnostic> {
    parse_document(raw, Path::new("<input>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_file_line_and_column() {
        let err = parse_source(
            "{\n  gateway: {\n    port: 1\n    bind: 'x'\n  }\n}",
            Path::new("/c/o.json"),
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "/c/o.json:4:5: <root>: JSON5 parse failed: expected comma"
        );
    }

    #[test]
    fn documents_and_cli_json() {
        assert_eq!(
            parse_document("\u{feff}{ a: [1,], }", Path::new("x")).unwrap(),
            serde_json::json!({"a": [1]})
        );
        let err = parse_cli_json("{ \"a\": }").unwrap_err();
        assert_eq!(
            err.to_string(),
            "<input>:1:8: <root>: JSON5 parse failed: expected value"
        );
    }

    #[test]
    fn unterminated_input_is_reported() {
        let err = parse_source("{ a: 'x", Path::new("f")).err().unwrap();
        assert!(err.message.starts_with("JSON5 parse failed: "), "{err}");
        assert!(err.location.is_some());
    }

    #[test]
    fn deep_nesting_is_a_parse_failure_not_a_crash() {
        let deep = format!("{{ a: {} }}", "[".repeat(10_000));
        let err = parse_source(&deep, Path::new("f")).err().unwrap();
        assert!(err.message.contains("nesting deeper than"), "{err}");
    }
}
