//! `tools.exec.security = "allowlist"`: only commands made of safe binaries run.
//!
//! OpenClaw's allowlist mode combines an approvals file (glob patterns on resolved binaries) with
//! `safeBins`, binaries that only filter stdin. This build has no approvals file, so allowlist
//! mode accepts exactly this subset of shell:
//!
//! - one or more simple commands joined by `|`, `&&`, `||`, `;` or newlines;
//! - each command's first word is a bare name listed in `safeBins` (no path, no `VAR=x` prefix);
//! - words are literal: single quotes, double quotes without `$`/`` ` ``/`\`, and backslash
//!   escapes; no `$…` expansion, command substitution, redirection (`<`, `>`), background `&`,
//!   subshells or grouping, globs (`*`, `?`, `[`), `~` or comments;
//! - no argument may name a file: anything starting with `/`, `./`, `../`, `~`, or that exists
//!   relative to the working directory, is refused (safe bins read stdin only).
//!
//! Limits: an option whose *separate* next word is a file that does not exist yet is not
//! recognised as a path (harmless for the default bins, which cannot write files). Binaries added
//! to `safeBins` by the operator are trusted as-is — `sort -o`, `sed -i` or `awk` would let a
//! command write files.

use std::path::Path;

/// Splits `command` into simple commands (lists of literal words), or says what is not allowed.
pub(crate) fn split(command: &str) -> Result<Vec<Vec<String>>, String> {
    let mut segments: Vec<Vec<String>> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars().peekable();

    fn end_word(words: &mut Vec<String>, word: &mut String, in_word: &mut bool) {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    }
    fn end_segment(
        segments: &mut Vec<Vec<String>>,
        words: &mut Vec<String>,
        operator: &str,
    ) -> Result<(), String> {
        if words.is_empty() {
            return Err(format!("a command is missing around {operator:?}"));
        }
        segments.push(std::mem::take(words));
        Ok(())
    }

    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => end_word(&mut words, &mut word, &mut in_word),
            '\n' | '\r' | ';' => {
                end_word(&mut words, &mut word, &mut in_word);
                if !words.is_empty() {
                    segments.push(std::mem::take(&mut words));
                }
            }
            '|' => {
                end_word(&mut words, &mut word, &mut in_word);
                let operator = if chars.next_if_eq(&'|').is_some() {
                    "||"
                } else {
                    "|"
                };
                end_segment(&mut segments, &mut words, operator)?;
            }
            '&' => {
                if chars.next_if_eq(&'&').is_none() {
                    return Err("background jobs (&) are not allowed".into());
                }
                end_word(&mut words, &mut word, &mut in_word);
                end_segment(&mut segments, &mut words, "&&")?;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("a single quote is not closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('$' | '`' | '\\') => {
                            return Err(
                                "expansions inside double quotes are not allowed; use single quotes"
                                    .into(),
                            );
                        }
                        Some(ch) => word.push(ch),
                        None => return Err("a double quote is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => return Err("a trailing backslash is not allowed".into()),
                Some(ch) => {
                    word.push(ch);
                    in_word = true;
                }
            },
            '$' | '`' => {
                return Err("variable expansion and command substitution are not allowed".into());
            }
            '<' | '>' => return Err("redirections (< >) are not allowed".into()),
            '(' | ')' | '{' | '}' => {
                return Err("subshells and command grouping are not allowed".into());
            }
            '*' | '?' | '[' => {
                return Err("unquoted glob characters (* ? [) are not allowed".into());
            }
            '~' | '#' if !in_word => {
                return Err("unquoted ~ and # at the start of a word are not allowed".into());
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    end_word(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        segments.push(words);
    } else if segments.is_empty() {
        return Err("the command is empty".into());
    } else if command.trim_end().ends_with(['|', '&']) {
        return Err("the command ends with an operator".into());
    }
    Ok(segments)
}

/// Whether an argument names a file (see the module docs).
fn names_a_file(word: &str, workdir: &Path) -> bool {
    let value = if word.starts_with('-') {
        match word.split_once('=') {
            Some((_, value)) => value,
            None => return false,
        }
    } else {
        word
    };
    if value.is_empty() {
        return false;
    }
    value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("../")
        || value == "."
        || value == ".."
        || value.starts_with('~')
        || std::fs::symlink_metadata(workdir.join(value)).is_ok()
}

/// `Ok` if allowlist mode lets `command` run in `workdir`; otherwise the reason. Touches the file
/// system (existence checks): call it off the async runtime.
pub(crate) fn check(command: &str, safe_bins: &[String], workdir: &Path) -> Result<(), String> {
    for words in split(command)? {
        let Some((bin, rest)) = words.split_first() else {
            continue;
        };
        if bin.contains('/') {
            return Err(format!(
                "{bin:?} is a path; name the binary only (one of the safe bins)"
            ));
        }
        if !safe_bins.iter().any(|safe| safe == bin) {
            return Err(format!("{bin:?} is not in tools.exec.safeBins"));
        }
        if let Some(file) = rest.iter().find(|word| names_a_file(word, workdir)) {
            return Err(format!(
                "{file:?} looks like a file argument to {bin}; safe bins may only read stdin"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins() -> Vec<String> {
        crate::tools::settings::DEFAULT_SAFE_BINS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    #[test]
    fn splits_pipelines_and_quotes() {
        assert_eq!(
            split(r#"jq '.a | .b' | wc -l && head -n 2 "x y" ; tr a\ b c"#).unwrap(),
            vec![
                vec!["jq".to_owned(), ".a | .b".into()],
                vec!["wc".into(), "-l".into()],
                vec!["head".into(), "-n".into(), "2".into(), "x y".into()],
                vec!["tr".into(), "a b".into(), "c".into()],
            ]
        );
    }

    #[test]
    fn allowed_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        let bins = bins();
        let ok = [
            "wc -l",
            "jq -r '.items[] | .name'",
            "tr a-z A-Z | head -n 3",
            "cut -d, -f1 || uniq",
        ];
        for command in ok {
            assert_eq!(check(command, &bins, dir.path()), Ok(()), "{command}");
        }
        let refused = [
            ("rm -rf /", "not in tools.exec.safeBins"),
            ("/usr/bin/wc -l", "is a path"),
            ("head /etc/passwd", "file argument"),
            ("head secret.txt", "file argument"),
            ("head --file=./x", "file argument"),
            ("wc -l < x", "redirections"),
            ("wc -l > x", "redirections"),
            ("echo $(id)", "substitution"),
            ("wc `id`", "substitution"),
            ("wc \"$HOME\"", "double quotes"),
            ("sleep 1 &", "background"),
            ("(wc)", "subshells"),
            ("head *", "glob"),
            ("head ~", "~"),
            ("X=1 wc", "not in tools.exec.safeBins"),
            ("wc |", "ends with"),
            ("| wc", "missing"),
            ("jq 'unterminated", "not closed"),
            ("   ", "empty"),
        ];
        for (command, expected) in refused {
            let err = check(command, &bins, dir.path()).unwrap_err();
            assert!(err.contains(expected), "{command}: {err}");
        }
    }
}
