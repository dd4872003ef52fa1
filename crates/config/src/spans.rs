//! Position index: where each key and value of a JSON5 file was written.
//!
//! The `json5` crate parses into a `serde_json::Value` but keeps no positions, and every
//! diagnostic we emit must point at `file:line:col`. Rather than writing a second full JSON5
//! parser (and risking it disagreeing with the real one), we run a *span-recording scanner* over a
//! file **only after `json5` has accepted it**. The scanner understands exactly the token shapes
//! JSON5 allows — comments, single/double-quoted and unquoted keys, escapes, line continuations,
//! trailing commas — and records, for every object member and array element, the position of its
//! key and of its value. Scalars are skipped without being interpreted (their values come from
//! `json5`), so the scanner stays small. The result is a [`SpanNode`] tree mirroring the `Value`
//! tree; `$include` resolution merges these trees in lockstep with the values so every resolved
//! path still knows the file it came from.
//!
//! Lines and columns are 1-based; columns count Unicode scalar values and `\r\n` is one line
//! break, matching the positions `json5` reports for syntax errors.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::Location;
use crate::path::PathSeg;

/// Deepest nesting accepted in a config file. Checked before parsing so that hostile input cannot
/// exhaust the stack of the recursive parsers.
pub const MAX_NESTING_DEPTH: usize = 200;

/// A position in a specific file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    pub file: Arc<Path>,
    pub line: u32,
    pub column: u32,
}

impl Spot {
    pub fn location(&self) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: self.line as usize,
            column: self.column as usize,
        }
    }
}

/// Children of a [`SpanNode`], mirroring the JSON shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanChildren {
    Leaf,
    /// Members in file order; a duplicated key keeps its first slot but the last position,
    /// matching how the parsed value keeps the last occurrence.
    Object(Vec<(String, SpanNode)>),
    Array(Vec<SpanNode>),
}

/// Where one value (and, for object members, its key) was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanNode {
    pub key: Option<Spot>,
    pub value: Spot,
    pub children: SpanChildren,
}

impl SpanNode {
    /// A childless node at `spot` (used when a value has no source position of its own).
    pub fn leaf(spot: Spot) -> Self {
        Self {
            key: None,
            value: spot,
            children: SpanChildren::Leaf,
        }
    }

    pub fn child(&self, seg: &PathSeg) -> Option<&SpanNode> {
        match (&self.children, seg) {
            (SpanChildren::Object(members), PathSeg::Key(k)) => {
                members.iter().find(|(name, _)| name == k).map(|(_, n)| n)
            }
            (SpanChildren::Array(items), PathSeg::Index(i)) => items.get(*i),
            _ => None,
        }
    }

    /// The node at `path`, if it was written in a file.
    pub fn find(&self, path: &[PathSeg]) -> Option<&SpanNode> {
        path.iter().try_fold(self, |node, seg| node.child(seg))
    }

    /// Best location for a problem with the *key* at `path` (unknown key, legacy key): the key if
    /// known, else the value, else the nearest written ancestor.
    pub fn key_location(&self, path: &[PathSeg]) -> Location {
        self.nearest(path, true)
    }

    /// Best location for a problem with the *value* at `path` (wrong type, bad enum): the value if
    /// known, else the nearest written ancestor.
    pub fn value_location(&self, path: &[PathSeg]) -> Location {
        self.nearest(path, false)
    }

    fn nearest(&self, path: &[PathSeg], prefer_key: bool) -> Location {
        let mut node = self;
        for seg in path {
            match node.child(seg) {
                Some(next) => node = next,
                None => return node.value.location(),
            }
        }
        match (&node.key, prefer_key) {
            (Some(key), true) => key.location(),
            _ => node.value.location(),
        }
    }

    /// Members of an object node (empty for other shapes).
    pub fn members_mut(&mut self) -> Option<&mut Vec<(String, SpanNode)>> {
        match &mut self.children {
            SpanChildren::Object(m) => Some(m),
            _ => None,
        }
    }
}

/// Why a file could not be indexed. Only reachable for input `json5` would also reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct ScanError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// Checks nesting depth without recursion, skipping strings and comments. Returns the position of
/// the first bracket that goes past [`MAX_NESTING_DEPTH`].
pub fn check_nesting_depth(source: &str) -> Result<(), ScanError> {
    let mut cursor = Cursor::new(source, Arc::from(Path::new("")));
    let mut depth = 0usize;
    while let Some(c) = cursor.peek() {
        match c {
            '"' | '\'' => {
                cursor.skip_string()?;
            }
            '/' if matches!(cursor.peek_at(1), Some('/' | '*')) => cursor.skip_comment()?,
            '{' | '[' => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Err(
                        cursor.error(&format!("nesting deeper than {MAX_NESTING_DEPTH} levels"))
                    );
                }
                cursor.bump();
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                cursor.bump();
            }
            _ => {
                cursor.bump();
            }
        }
    }
    Ok(())
}

/// Indexes a JSON5 document that `json5` already accepted.
pub fn index_positions(source: &str, file: &Path) -> Result<SpanNode, ScanError> {
    check_nesting_depth(source)?;
    let mut cursor = Cursor::new(source, Arc::from(file));
    cursor.skip_trivia()?;
    let node = cursor.value(None)?;
    cursor.skip_trivia()?;
    if cursor.peek().is_some() {
        return Err(cursor.error("trailing characters"));
    }
    Ok(node)
}

struct Cursor {
    chars: Vec<char>,
    at: usize,
    line: u32,
    column: u32,
    file: Arc<Path>,
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

impl Cursor {
    fn new(source: &str, file: Arc<Path>) -> Self {
        Self {
            chars: source.chars().collect(),
            at: 0,
            line: 1,
            column: 1,
            file,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if is_line_terminator(c) {
            // "\r\n" is one line break: the "\r" only advances the column-less cursor.
            if !(c == '\r' && self.peek() == Some('\n')) {
                self.line += 1;
                self.column = 1;
            }
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn spot(&self) -> Spot {
        Spot {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }

    fn error(&self, message: &str) -> ScanError {
        ScanError {
            message: message.to_string(),
            line: self.line,
            column: self.column,
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), ScanError> {
        if self.peek() == Some(wanted) {
            self.bump();
            Ok(())
        } else {
            Err(self.error(&format!("expected '{wanted}'")))
        }
    }

    fn skip_comment(&mut self) -> Result<(), ScanError> {
        self.bump();
        match self.bump() {
            Some('/') => {
                while let Some(c) = self.peek() {
                    if is_line_terminator(c) {
                        break;
                    }
                    self.bump();
                }
                Ok(())
            }
            Some('*') => loop {
                match self.bump() {
                    None => return Err(self.error("unterminated block comment")),
                    Some('*') if self.peek() == Some('/') => {
                        self.bump();
                        return Ok(());
                    }
                    Some(_) => {}
                }
            },
            _ => Err(self.error("expected comment")),
        }
    }

    /// Whitespace (JSON5 allows any Unicode space separator and the BOM) and comments.
    fn skip_trivia(&mut self) -> Result<(), ScanError> {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == '\u{FEFF}' {
                self.bump();
            } else if c == '/' && matches!(self.peek_at(1), Some('/' | '*')) {
                self.skip_comment()?;
            } else {
                break;
            }
        }
        Ok(())
    }

    fn skip_string(&mut self) -> Result<(), ScanError> {
        self.read_string().map(|_| ())
    }

    /// Reads a quoted string and decodes its escapes (needed for keys such as `"a\u0062"`).
    fn read_string(&mut self) -> Result<String, ScanError> {
        let Some(quote) = self.bump() else {
            return Err(self.error("expected string"));
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated string")),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => self.read_escape(&mut out)?,
                Some(c) => out.push(c),
            }
        }
    }

    fn read_escape(&mut self, out: &mut String) -> Result<(), ScanError> {
        let Some(e) = self.bump() else {
            return Err(self.error("unterminated escape"));
        };
        match e {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' => out.push('\0'),
            'x' => {
                let code = self.read_hex(2)?;
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            'u' => {
                let code = self.read_hex(4)?;
                if (0xD800..0xDC00).contains(&code)
                    && self.peek() == Some('\\')
                    && self.peek_at(1) == Some('u')
                {
                    self.bump();
                    self.bump();
                    let low = self.read_hex(4)?;
                    if (0xDC00..0xE000).contains(&low) {
                        let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        out.push(char::from_u32(combined).unwrap_or('\u{FFFD}'));
                    } else {
                        // A lone high surrogate, then an unrelated escape (as JSON.parse reads
                        // it, minus the unpaired half, which Rust strings cannot hold).
                        out.push('\u{FFFD}');
                        out.push(char::from_u32(low).unwrap_or('\u{FFFD}'));
                    }
                } else {
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
            }
            '\r' => {
                // Line continuation; "\r\n" counts as one terminator.
                if self.peek() == Some('\n') {
                    self.bump();
                }
            }
            c if is_line_terminator(c) => {}
            other => out.push(other),
        }
        Ok(())
    }

    fn read_hex(&mut self, digits: usize) -> Result<u32, ScanError> {
        let mut code = 0u32;
        for _ in 0..digits {
            let digit = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error("invalid hex escape"))?;
            code = code * 16 + digit;
        }
        Ok(code)
    }

    /// An unquoted key: identifier characters, possibly with `\uXXXX` escapes.
    fn read_identifier(&mut self) -> Result<String, ScanError> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                if self.bump() != Some('u') {
                    return Err(self.error("invalid identifier escape"));
                }
                let code = self.read_hex(4)?;
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            } else if c.is_alphanumeric() || matches!(c, '_' | '$' | '\u{200C}' | '\u{200D}') {
                out.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if out.is_empty() {
            return Err(self.error("expected key"));
        }
        Ok(out)
    }

    fn value(&mut self, key: Option<Spot>) -> Result<SpanNode, ScanError> {
        let start = self.spot();
        let children = match self.peek() {
            Some('{') => self.object()?,
            Some('[') => self.array()?,
            Some('"' | '\'') => {
                self.skip_string()?;
                SpanChildren::Leaf
            }
            Some(_) => {
                self.scalar()?;
                SpanChildren::Leaf
            }
            None => return Err(self.error("expected value")),
        };
        Ok(SpanNode {
            key,
            value: start,
            children,
        })
    }

    /// Numbers and literals: everything up to a delimiter.
    fn scalar(&mut self) -> Result<(), ScanError> {
        let begin = self.at;
        while let Some(c) = self.peek() {
            if matches!(c, ',' | ']' | '}' | ':') || c.is_whitespace() || c == '/' {
                break;
            }
            self.bump();
        }
        if self.at == begin {
            return Err(self.error("expected value"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<SpanChildren, ScanError> {
        self.bump();
        let mut members: Vec<(String, SpanNode)> = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some('}') {
                self.bump();
                return Ok(SpanChildren::Object(members));
            }
            let key_spot = self.spot();
            let name = match self.peek() {
                Some('"' | '\'') => self.read_string()?,
                _ => self.read_identifier()?,
            };
            self.skip_trivia()?;
            self.expect(':')?;
            self.skip_trivia()?;
            let node = self.value(Some(key_spot))?;
            match members.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = node,
                None => members.push((name, node)),
            }
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {}
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<SpanChildren, ScanError> {
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(']') {
                self.bump();
                return Ok(SpanChildren::Array(items));
            }
            items.push(self.value(None)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_high_surrogate_before_another_escape_does_not_panic() {
        // Found by the config_load fuzz target: `\uDa00\uDa00` used to overflow.
        for source in [
            r#"{"a\uDa00\uDa00": 1}"#,
            r#"{"a\uD83D\uDE00": 1}"#,
            r#""a/${$$\$$\uDa00\uDa00\$"$""#,
        ] {
            let _ = index_positions(source, Path::new("openclaw.json"));
        }
    }

    fn at(node: &SpanNode, path: &[PathSeg]) -> (usize, usize) {
        let loc = node.key_location(path);
        (loc.line, loc.column)
    }

    fn value_at(node: &SpanNode, path: &[PathSeg]) -> (usize, usize) {
        let loc = node.value_location(path);
        (loc.line, loc.column)
    }

    fn k(s: &str) -> PathSeg {
        PathSeg::key(s)
    }

    const SAMPLE: &str = r#"// leading comment
{
  /* block
     comment */ gateway: {
    'port': 18789, // trailing comment
    "bind": 'loopback',
  },
  agents: { list: [ { id: "main" }, {
      id: 'ops',
      name: "line \
continued",
    }, ], },
  "we\u0069rd": +Infinity,
  $dollar_key: 0x1F,
}
"#;

    #[test]
    fn records_key_and_value_positions_through_json5_syntax() {
        // The sample must be valid JSON5 for the index to be meaningful.
        let parsed: serde_json::Value = json5::from_str(SAMPLE).unwrap();
        assert_eq!(parsed["weird"], serde_json::Value::Null); // Infinity is not JSON
        let root = index_positions(SAMPLE, Path::new("/c/openclaw.json")).unwrap();
        assert_eq!(at(&root, &[k("gateway")]), (4, 17));
        assert_eq!(at(&root, &[k("gateway"), k("port")]), (5, 5));
        assert_eq!(value_at(&root, &[k("gateway"), k("port")]), (5, 13));
        assert_eq!(value_at(&root, &[k("gateway"), k("bind")]), (6, 13));
        let first = [k("agents"), k("list"), PathSeg::Index(0), k("id")];
        assert_eq!(at(&root, &first), (8, 23));
        let second_name = [k("agents"), k("list"), PathSeg::Index(1), k("name")];
        assert_eq!(at(&root, &second_name), (10, 7));
        let second_end = [k("agents"), k("list"), PathSeg::Index(1)];
        assert_eq!(value_at(&root, &second_end), (8, 37));
        assert_eq!(at(&root, &[k("weird")]), (13, 3));
        assert_eq!(at(&root, &[k("$dollar_key")]), (14, 3));
        assert_eq!(
            root.key_location(&[k("gateway")]).file,
            Path::new("/c/openclaw.json")
        );
    }

    #[test]
    fn missing_paths_fall_back_to_the_nearest_ancestor() {
        let root = index_positions(SAMPLE, Path::new("f.json5")).unwrap();
        assert_eq!(at(&root, &[k("gateway"), k("nope"), k("deeper")]), (4, 26));
        assert_eq!(at(&root, &[k("absent")]), (2, 1));
    }

    #[test]
    fn crlf_counts_as_one_line_break_and_duplicates_keep_last_position() {
        let src = "{\r\n  a: 1,\r\n  a: 2,\r\n  b: [\r\n 1,\r\n  2 ]\r\n}";
        let root = index_positions(src, Path::new("x")).unwrap();
        assert_eq!(at(&root, &[k("a")]), (3, 3));
        assert_eq!(value_at(&root, &[k("b"), PathSeg::Index(1)]), (6, 3));
        let SpanChildren::Object(members) = &root.children else {
            panic!("root is an object")
        };
        assert_eq!(members.len(), 2);
    }

    #[test]
    fn agrees_with_json5_error_positions() {
        // Both count 1-based lines and char columns the same way.
        let src = "{\n  a: 1\n  b: 2\n}";
        let err = json5::from_str::<serde_json::Value>(src).unwrap_err();
        let pos = err.position().unwrap();
        assert_eq!((pos.line + 1, pos.column + 1), (3, 3));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let deep = "[".repeat(MAX_NESTING_DEPTH + 1);
        let err = check_nesting_depth(&deep).unwrap_err();
        assert!(err.message.contains("nesting"));
        let ok = format!("{}{}", "[".repeat(10), "]".repeat(10));
        assert!(check_nesting_depth(&ok).is_ok());
        // Brackets inside strings and comments do not count.
        let quoted = format!("{{ a: \"{}\" /* {} */ }}", "[".repeat(500), "{".repeat(500));
        assert!(check_nesting_depth(&quoted).is_ok());
    }
}
