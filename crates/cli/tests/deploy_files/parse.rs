//! Small, strict readers for the deploy files: a Dockerfile instruction list, the subset of TOML
//! that `fly.toml` uses, and a systemd unit's `Key=value` lines.
//!
//! `toml` is not in the workspace's lock file, so TOML is read line by line. The reader knows
//! exactly the forms the deploy files use (tables, arrays of tables, strings, integers, booleans,
//! one-line string arrays) and panics on anything else, so a file it cannot read fails the test
//! instead of being misread.

use std::collections::BTreeMap;

/// One Dockerfile instruction with continuation lines joined.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `RUN`, …).
    pub keyword: String,
    pub rest: String,
}

/// A Dockerfile split into stages (each starts with its `FROM`).
#[derive(Debug)]
pub struct Dockerfile {
    pub stages: Vec<Vec<Instruction>>,
}

impl Dockerfile {
    pub fn parse(text: &str) -> Dockerfile {
        let mut instructions = Vec::new();
        let mut pending = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
                continue;
            }
            match trimmed.strip_suffix('\\') {
                Some(head) => {
                    pending.push_str(head);
                    pending.push(' ');
                }
                None => {
                    pending.push_str(trimmed);
                    let (keyword, rest) = pending
                        .split_once(char::is_whitespace)
                        .unwrap_or((pending.as_str(), ""));
                    instructions.push(Instruction {
                        keyword: keyword.to_ascii_uppercase(),
                        rest: rest.trim().to_owned(),
                    });
                    pending.clear();
                }
            }
        }
        assert!(pending.is_empty(), "Dockerfile ends inside a continuation");
        let mut stages: Vec<Vec<Instruction>> = Vec::new();
        for instruction in instructions {
            if instruction.keyword == "FROM" {
                stages.push(Vec::new());
            }
            stages
                .last_mut()
                .expect("the Dockerfile's first instruction is FROM")
                .push(instruction);
        }
        Dockerfile { stages }
    }

    /// The stage the image is made of.
    pub fn final_stage(&self) -> &[Instruction] {
        self.stages.last().expect("at least one stage")
    }

    /// Instructions with `keyword` in the final stage.
    pub fn final_all(&self, keyword: &str) -> Vec<&Instruction> {
        self.final_stage()
            .iter()
            .filter(|i| i.keyword == keyword)
            .collect()
    }

    /// The last instruction with `keyword` in the final stage (Docker uses the last CMD etc.).
    pub fn final_last(&self, keyword: &str) -> Option<&Instruction> {
        self.final_stage()
            .iter()
            .rev()
            .find(|i| i.keyword == keyword)
    }

    /// `ENV` of the final stage (`ENV KEY=value …` form only).
    pub fn final_env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for instruction in self.final_all("ENV") {
            for pair in instruction.rest.split_whitespace() {
                let (key, value) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("ENV {pair:?}: use the KEY=value form"));
                env.insert(key.to_owned(), value.trim_matches('"').to_owned());
            }
        }
        env
    }
}

/// Parses an exec-form (`["a", "b"]`) instruction argument.
pub fn exec_form(rest: &str) -> Vec<String> {
    serde_json::from_str(rest)
        .unwrap_or_else(|e| panic!("{rest:?} is not an exec-form JSON array: {e}"))
}

/// A TOML value of the kinds the deploy files use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TomlValue {
    Str(String),
    Int(i64),
    Bool(bool),
    StrArray(Vec<String>),
}

impl TomlValue {
    pub fn as_str(&self) -> &str {
        match self {
            TomlValue::Str(s) => s,
            other => panic!("expected a string, found {other:?}"),
        }
    }

    pub fn as_int(&self) -> i64 {
        match self {
            TomlValue::Int(i) => *i,
            other => panic!("expected an integer, found {other:?}"),
        }
    }
}

/// `key = value` under its table header (`""` for the root, `http_service.checks` for
/// `[[http_service.checks]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlEntry {
    pub table: String,
    pub key: String,
    pub value: TomlValue,
}

#[derive(Debug)]
pub struct TomlDoc {
    pub entries: Vec<TomlEntry>,
    /// Every table header, in order.
    pub tables: Vec<String>,
}

impl TomlDoc {
    pub fn parse(text: &str) -> TomlDoc {
        let mut entries = Vec::new();
        let mut tables = Vec::new();
        let mut table = String::new();
        for (index, raw) in text.lines().enumerate() {
            let at = || format!("line {}: {raw:?}", index + 1);
            let line = strip_comment(raw);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line
                .strip_prefix("[[")
                .and_then(|l| l.strip_suffix("]]"))
                .or_else(|| line.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
            {
                table = name.trim().to_owned();
                assert!(
                    table
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
                    "unsupported table name at {}",
                    at()
                );
                tables.push(table.clone());
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("expected `key = value` at {}", at()));
            let key = key.trim();
            assert!(
                key.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "unsupported key at {}",
                at()
            );
            let value = parse_value(value.trim())
                .unwrap_or_else(|| panic!("unsupported value at {}", at()));
            entries.push(TomlEntry {
                table: table.clone(),
                key: key.to_owned(),
                value,
            });
        }
        TomlDoc { entries, tables }
    }

    /// The first `key` in `table`.
    pub fn get(&self, table: &str, key: &str) -> Option<&TomlValue> {
        self.entries
            .iter()
            .find(|e| e.table == table && e.key == key)
            .map(|e| &e.value)
    }

    /// Like [`Self::get`], failing the test when missing.
    pub fn require(&self, table: &str, key: &str) -> &TomlValue {
        self.get(table, key)
            .unwrap_or_else(|| panic!("[{table}] {key} is missing"))
    }

    /// All entries of one table as a map.
    pub fn table(&self, table: &str) -> BTreeMap<String, TomlValue> {
        self.entries
            .iter()
            .filter(|e| e.table == table)
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }
}

/// Drops a `#` comment that is not inside a string.
fn strip_comment(line: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '#' => break,
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {}
        }
        out.push(c);
    }
    out
}

fn parse_value(text: &str) -> Option<TomlValue> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let mut items = Vec::new();
        let mut rest = inner.trim();
        while !rest.is_empty() {
            let (item, after) = parse_string(rest)?;
            items.push(item);
            rest = after.trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        }
        return Some(TomlValue::StrArray(items));
    }
    if text.starts_with('"') || text.starts_with('\'') {
        let (value, after) = parse_string(text)?;
        return after.trim().is_empty().then_some(TomlValue::Str(value));
    }
    match text {
        "true" => return Some(TomlValue::Bool(true)),
        "false" => return Some(TomlValue::Bool(false)),
        _ => {}
    }
    text.replace('_', "").parse().ok().map(TomlValue::Int)
}

/// A basic (`"…"`, with `\"` `\\` `\n` `\t` escapes) or literal (`'…'`) one-line string, and
/// what follows it.
fn parse_string(text: &str) -> Option<(String, &str)> {
    let mut chars = text.char_indices();
    let (_, open) = chars.next()?;
    if open != '"' && open != '\'' {
        return None;
    }
    let mut value = String::new();
    let mut escaped = false;
    for (index, c) in chars {
        if escaped {
            value.push(match c {
                'n' => '\n',
                't' => '\t',
                '"' | '\\' => c,
                _ => return None,
            });
            escaped = false;
        } else if c == '\\' && open == '"' {
            escaped = true;
        } else if c == open {
            return Some((value, &text[index + c.len_utf8()..]));
        } else {
            value.push(c);
        }
    }
    None
}

/// `Key=value` lines of a systemd unit, per `[Section]`, in order (keys may repeat).
pub fn systemd_unit(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        assert!(
            !line.ends_with('\\'),
            "continuation lines are not supported: {line:?}"
        );
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("expected Key=value: {line:?}"));
        out.push((
            section.clone(),
            key.trim().to_owned(),
            value.trim().to_owned(),
        ));
    }
    out
}

#[test]
fn toml_reader_reads_the_forms_it_claims_and_rejects_others() {
    let doc = TomlDoc::parse(
        "app = \"a # not a comment\" # comment\n[t]\n  n = 3_000\n  b = false\n  l = ['x', \"y\"]\n[[t.c]]\n  p = \"/q\\\"\"\n",
    );
    assert_eq!(doc.require("", "app").as_str(), "a # not a comment");
    assert_eq!(doc.require("t", "n").as_int(), 3000);
    assert_eq!(doc.get("t", "b"), Some(&TomlValue::Bool(false)));
    assert_eq!(
        doc.get("t", "l"),
        Some(&TomlValue::StrArray(vec!["x".into(), "y".into()]))
    );
    assert_eq!(doc.require("t.c", "p").as_str(), "/q\"");
    assert_eq!(doc.tables, vec!["t".to_owned(), "t.c".to_owned()]);
    for bad in ["k = {a = 1}", "k = \"\"\"multi", "k = 1.5", "not a pair"] {
        assert!(
            std::panic::catch_unwind(|| TomlDoc::parse(bad)).is_err(),
            "{bad:?} must be rejected"
        );
    }
}

#[test]
fn dockerfile_reader_joins_continuations_and_splits_stages() {
    let file = Dockerfile::parse(
        "# syntax=docker/dockerfile:1\nFROM a AS b\nRUN x \\\n    && y\n\nFROM c\nENV K=v L=\"w\"\nCMD [\"p\", \"q\"]\n",
    );
    assert_eq!(file.stages.len(), 2);
    assert_eq!(file.stages[0][1].rest, "x  && y");
    assert_eq!(file.final_env().get("L").map(String::as_str), Some("w"));
    assert_eq!(exec_form(&file.final_last("CMD").unwrap().rest), ["p", "q"]);
}
