//! Config paths: the structured form used internally, OpenClaw's display form
//! (`agents.list[0].id`), and the CLI input syntax for `config get|set|unset`.

use std::fmt::Write as _;

use crate::error::PathSyntaxError;

/// One step into a JSON tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

impl PathSeg {
    pub fn key(k: impl Into<String>) -> Self {
        Self::Key(k.into())
    }
}

/// OpenClaw's display form: keys joined by `.`, indices as `[n]`; keys are not quoted (this is the
/// format of its `Missing env var … at config path: a.b[0]` messages and zod issue paths).
pub fn format_path(segments: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in segments {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Parses the CLI path syntax: `a.b`, `list[0]`, `guilds["123"]`, `guilds['a.b']`, `guilds[name]`.
/// A bare numeric segment after a dot (`list.0`) is a key here; navigation treats a numeric key as
/// an index when it meets an array. The empty string is the root (no segments).
pub fn parse_path(input: &str) -> Result<Vec<PathSeg>, PathSyntaxError> {
    let err = |reason: &str| PathSyntaxError {
        path: input.to_string(),
        reason: reason.to_string(),
    };
    let mut segments = Vec::new();
    let chars: Vec<char> = input.trim().chars().collect();
    if chars.is_empty() {
        return Ok(segments);
    }
    let mut i = 0;
    // True right after a '.', or at the start: a key must follow.
    let mut expect_key = true;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                if expect_key {
                    return Err(err("empty segment (two dots in a row, or a leading dot)"));
                }
                expect_key = true;
                i += 1;
            }
            '[' => {
                if expect_key && !segments.is_empty() {
                    return Err(err("'[' cannot follow a '.'"));
                }
                let (seg, next) = parse_bracket(&chars, i + 1).map_err(|r| err(&r))?;
                segments.push(seg);
                i = next;
                expect_key = false;
            }
            _ => {
                if !expect_key {
                    return Err(err("expected '.' or '[' after ']'"));
                }
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    if chars[i] == ']' {
                        return Err(err("unbalanced ']'"));
                    }
                    i += 1;
                }
                let key: String = chars[start..i].iter().collect();
                segments.push(PathSeg::Key(key.trim().to_string()));
                expect_key = false;
            }
        }
    }
    if expect_key {
        return Err(err("path ends with '.'"));
    }
    Ok(segments)
}

fn parse_bracket(chars: &[char], mut i: usize) -> Result<(PathSeg, usize), String> {
    let quote = match chars.get(i) {
        Some(q @ ('"' | '\'')) => Some(*q),
        Some(_) => None,
        None => return Err("unclosed '['".into()),
    };
    if let Some(q) = quote {
        i += 1;
        let mut key = String::new();
        loop {
            match chars.get(i) {
                None => return Err("unclosed quoted key".into()),
                Some('\\') => {
                    let escaped = chars.get(i + 1).ok_or("dangling '\\' in quoted key")?;
                    key.push(*escaped);
                    i += 2;
                }
                Some(c) if *c == q => {
                    i += 1;
                    break;
                }
                Some(c) => {
                    key.push(*c);
                    i += 1;
                }
            }
        }
        if chars.get(i) != Some(&']') {
            return Err("expected ']' after the quoted key".into());
        }
        return Ok((PathSeg::Key(key), i + 1));
    }
    let start = i;
    while i < chars.len() && chars[i] != ']' {
        i += 1;
    }
    if i >= chars.len() {
        return Err("unclosed '['".into());
    }
    let inner: String = chars[start..i]
        .iter()
        .collect::<String>()
        .trim()
        .to_string();
    if inner.is_empty() {
        return Err("empty brackets".into());
    }
    let seg = match inner.parse::<usize>() {
        Ok(index) => PathSeg::Index(index),
        Err(_) => PathSeg::Key(inner),
    };
    Ok((seg, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> PathSeg {
        PathSeg::key(s)
    }

    #[test]
    fn parses_dot_and_bracket_forms() {
        assert_eq!(
            parse_path("agents.list[0].id").unwrap(),
            vec![k("agents"), k("list"), PathSeg::Index(0), k("id")]
        );
        assert_eq!(
            parse_path("channels.discord.guilds[\"123\"].requireMention").unwrap(),
            vec![
                k("channels"),
                k("discord"),
                k("guilds"),
                k("123"),
                k("requireMention")
            ]
        );
        assert_eq!(
            parse_path("a['x.y'][2][name]").unwrap(),
            vec![k("a"), k("x.y"), PathSeg::Index(2), k("name")]
        );
        assert_eq!(parse_path("list.0").unwrap(), vec![k("list"), k("0")]);
        assert_eq!(parse_path("").unwrap(), Vec::<PathSeg>::new());
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "a..b", ".a", "a.", "a[", "a[0", "a[]", "a[0]b", "a]b", "a[\"x]", "a.[0]",
        ] {
            assert!(parse_path(bad).is_err(), "{bad} should be rejected");
        }
        let msg = parse_path("a..b").unwrap_err().to_string();
        assert!(
            msg.contains("a..b") && msg.contains("agents.list[0].id"),
            "{msg}"
        );
    }

    #[test]
    fn formats_like_openclaw() {
        assert_eq!(
            format_path(&[k("agents"), k("list"), PathSeg::Index(3), k("id")]),
            "agents.list[3].id"
        );
        assert_eq!(format_path(&[PathSeg::Index(0)]), "[0]");
        assert_eq!(format_path(&[]), "");
    }
}
