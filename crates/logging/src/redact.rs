//! Secret scrubbing for everything the logger writes.
//!
//! Two independent mechanisms, applied in this order:
//! 1. **Registered secrets** (gateway token/password, API keys, bot tokens: whatever the
//!    gateway knows is secret) are replaced wherever they occur, always, whatever
//!    `logging.redactSensitive` says. Exact matching cannot miss a secret that no pattern
//!    anticipates, and cannot mangle text that merely looks secret.
//! 2. **Patterns** (`logging.redactSensitive: "tools"`, the default): a default regex set for
//!    common credential shapes, or the user's `logging.redactPatterns` instead. When a pattern
//!    has capture groups only the last non-empty group is masked, so `password=hunter2`
//!    becomes `password=***` and the reader still sees what was hidden. Structured fields
//!    whose *name* says they hold a secret (`token`, `apiKey`, …) are masked whole.
//!
//! Masks never contain the full secret: values of 16+ characters keep their first 4
//! characters followed by `…`, shorter ones become `***`. (OpenClaw keeps 6 leading and 4
//! trailing characters; we show less on purpose.)

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::{Captures, Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::error::LogError;
use crate::options::RedactMode;

/// Registered secrets shorter than this are ignored: replacing every "abc" in the log would
/// destroy it without protecting anything worth protecting.
pub const MIN_SECRET_LEN: usize = 4;

/// Values with at least this many characters keep a short readable prefix when masked.
const KEEP_PREFIX_MIN_LEN: usize = 16;
const KEPT_PREFIX_CHARS: usize = 4;

/// Compiled-program size bounds so a hostile or careless `redactPatterns` entry cannot
/// blow up memory on every log line.
const REGEX_SIZE_LIMIT: usize = 512 * 1024;
const REGEX_DFA_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// The default redaction patterns as `(what it catches, regex)`; the regex's last capture
/// group (or the whole match when it has none) is what gets masked.
pub const DEFAULT_REDACT_PATTERNS: &[(&str, &str)] = &[
    ("bearer token", r"(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{8,})"),
    ("sk- API key", r"\b(sk-[A-Za-z0-9_-]{8,})"),
    ("slack bot/user token", r"\b(xox[abposr]-[A-Za-z0-9-]{8,})"),
    ("slack app token", r"\b(xapp-[A-Za-z0-9-]{8,})"),
    (
        "github token",
        r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
    ),
    ("google API key", r"\b(AIza[0-9A-Za-z_-]{30,})"),
    ("groq API key", r"\b(gsk_[A-Za-z0-9]{20,})"),
    (
        "discord bot token",
        r"\b([A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,40})\b",
    ),
    ("telegram bot token", r"\b(\d{6,12}:[A-Za-z0-9_-]{30,})"),
    (
        "JSON secret field",
        r#"(?i)\\?"[a-z0-9_]*(?:token|password|passwd|secret|api_?key|private_?key)\\?"\s*:\s*\\?"([^"\\]+)"#,
    ),
    (
        "key=value secret",
        r#"(?i)\b[a-z0-9_.-]*(?:token|password|passwd|secret|api[_-]?key|private[_-]?key)\s*[=:]\s*["']?([^\s"'&,;]+)"#,
    ),
    (
        "command-line secret flag",
        r#"(?i)--(?:token|password|passwd|secret|api[_-]?key)[\s=]+["']?([^\s"']+)"#,
    ),
    (
        "long secret after a keyword",
        r#"(?i)\b(?:token|secret|key|password)\b[\s:="']{1,4}([A-Za-z0-9+/_-]{32,}={0,2})"#,
    ),
    (
        "PEM private key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----",
    ),
];

/// Field names whose values are masked whole when patterns are active.
static SENSITIVE_FIELD_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:token|password|passwd|secret|api[_-]?key|private[_-]?key|authorization|cookie)$",
    )
    .ok()
});

/// Masks a secret so that the log shows *that* something was hidden without revealing it.
pub fn mask_secret(secret: &str) -> String {
    if secret.chars().count() >= KEEP_PREFIX_MIN_LEN {
        let prefix: String = secret.chars().take(KEPT_PREFIX_CHARS).collect();
        format!("{prefix}…")
    } else {
        "***".to_owned()
    }
}

#[derive(Debug)]
struct CompiledPatterns {
    /// One pass over the text to learn which patterns can match at all.
    any: RegexSet,
    each: Vec<Regex>,
}

impl CompiledPatterns {
    fn compile(sources: &[String]) -> Result<Self, LogError> {
        let mut each = Vec::with_capacity(sources.len());
        for source in sources {
            let regex = RegexBuilder::new(source)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
                .build()
                .map_err(|err| LogError::InvalidRedactPattern {
                    pattern: source.clone(),
                    reason: err.to_string(),
                })?;
            each.push(regex);
        }
        let any = RegexSetBuilder::new(sources)
            .size_limit(REGEX_SIZE_LIMIT * sources.len().max(1))
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
            .build()
            .map_err(|err| LogError::InvalidRedactPattern {
                pattern: sources.join(" | "),
                reason: err.to_string(),
            })?;
        Ok(CompiledPatterns { any, each })
    }
}

/// Turns a `logging.redactPatterns` entry into a regex source. Like OpenClaw, a bare string
/// is case-insensitive and `/pattern/flags` selects flags explicitly (`i`, `m`, `s`; `g`, `u`,
/// `y` are accepted and meaningless here: replacement is always global).
fn user_pattern_source(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let delimited = trimmed
        .strip_prefix('/')
        .and_then(|rest| rest.rfind('/').map(|end| (&rest[..end], &rest[end + 1..])))
        .filter(|(body, flags)| !body.is_empty() && flags.chars().all(|c| "gimsuy".contains(c)));
    let Some((body, flags)) = delimited else {
        return Some(format!("(?i){trimmed}"));
    };
    let inline: String = flags.chars().filter(|c| "ims".contains(*c)).collect();
    if inline.is_empty() {
        Some(body.to_owned())
    } else {
        Some(format!("(?{inline}){body}"))
    }
}

/// Scrubs secrets from log text. Cheap to clone (shared internals); immutable, so a new one
/// is built on every settings or secret change and swapped in atomically.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Arc<[String]>,
    patterns: Option<Arc<CompiledPatterns>>,
}

impl Redactor {
    /// Builds a redactor for `logging.redactSensitive` / `logging.redactPatterns`.
    /// An invalid user pattern is an error naming that pattern.
    pub fn new(mode: RedactMode, user_patterns: &[String]) -> Result<Self, LogError> {
        let patterns = match mode {
            RedactMode::Off => None,
            RedactMode::Tools => {
                let mut sources = Vec::new();
                for raw in user_patterns {
                    if let Some(source) = user_pattern_source(raw) {
                        sources.push(source);
                    }
                }
                if sources.is_empty() {
                    sources = DEFAULT_REDACT_PATTERNS
                        .iter()
                        .map(|(_, source)| (*source).to_owned())
                        .collect();
                }
                Some(Arc::new(CompiledPatterns::compile(&sources)?))
            }
        };
        Ok(Redactor {
            secrets: Arc::from(Vec::new()),
            patterns,
        })
    }

    /// The same patterns with a new set of registered secrets (replacing the old set).
    pub fn with_secrets<I, S>(&self, secrets: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut list: Vec<String> = secrets
            .into_iter()
            .map(Into::into)
            .filter(|secret| secret.trim().chars().count() >= MIN_SECRET_LEN)
            .collect();
        list.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        list.dedup();
        Redactor {
            secrets: Arc::from(list),
            patterns: self.patterns.clone(),
        }
    }

    /// Whether pattern-based redaction is on (`redactSensitive: "tools"`).
    pub fn patterns_enabled(&self) -> bool {
        self.patterns.is_some()
    }

    /// Number of registered secrets currently scrubbed.
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// Returns `text` with every registered secret and pattern match masked.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in self.secrets.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), &mask_secret(secret)));
            }
        }
        let Some(patterns) = &self.patterns else {
            return out;
        };
        let matching: Vec<usize> = patterns.any.matches(&out).into_iter().collect();
        for index in matching {
            let Some(regex) = patterns.each.get(index) else {
                continue;
            };
            if let Cow::Owned(replaced) = regex.replace_all(&out, mask_capture) {
                out = Cow::Owned(replaced);
            }
        }
        out
    }

    /// Redacts a structured field value; a field whose name says it is a secret is masked
    /// whole when patterns are active.
    pub fn redact_field<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        let name_is_secret = self.patterns.is_some()
            && SENSITIVE_FIELD_NAME
                .as_ref()
                .is_some_and(|regex| regex.is_match(name));
        if name_is_secret && !value.is_empty() {
            return Cow::Owned(mask_secret(value));
        }
        self.redact(value)
    }
}

/// Replacement for one pattern match: mask the last non-empty capture group in place.
fn mask_capture(caps: &Captures<'_>) -> String {
    let Some(whole) = caps.get(0) else {
        return String::new();
    };
    let text = whole.as_str();
    if text.contains("PRIVATE KEY-----") {
        return mask_pem_block(text);
    }
    let secret = (1..caps.len())
        .rev()
        .filter_map(|index| caps.get(index))
        .find(|group| !group.as_str().is_empty());
    match secret {
        None => mask_secret(text),
        Some(group) => {
            let start = group.start() - whole.start();
            let end = group.end() - whole.start();
            format!(
                "{}{}{}",
                &text[..start],
                mask_secret(group.as_str()),
                &text[end..]
            )
        }
    }
}

fn mask_pem_block(block: &str) -> String {
    let lines: Vec<&str> = block.lines().filter(|line| !line.is_empty()).collect();
    match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() >= 2 => format!("{first}\n…redacted…\n{last}"),
        _ => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Redactor {
        Redactor::new(RedactMode::Tools, &[]).unwrap()
    }

    #[track_caller]
    fn assert_hidden(redactor: &Redactor, input: &str, secret: &str) -> String {
        let out = redactor.redact(input).into_owned();
        assert!(!out.contains(secret), "secret survived: {out}");
        assert_ne!(out, input);
        out
    }

    #[test]
    fn mask_keeps_a_short_prefix_only_for_long_values() {
        assert_eq!(mask_secret("abcdefghijklmnopqrst"), "abcd…");
        assert_eq!(mask_secret("short-secret"), "***");
    }

    #[test]
    fn registered_secrets_are_masked_even_with_redaction_off() {
        let redactor = Redactor::new(RedactMode::Off, &[]).unwrap().with_secrets([
            "6714a74f4e564b08bc2756763c513e3e",
            "pw",
            "hunter22",
        ]);
        assert_eq!(redactor.secret_count(), 2, "too-short secrets are ignored");
        let out =
            redactor.redact("token 6714a74f4e564b08bc2756763c513e3e and hunter22 twice hunter22");
        assert_eq!(out, "token 6714… and *** twice ***");
        // Patterns are off: pattern-shaped text passes through.
        assert_eq!(redactor.redact("password=abc123"), "password=abc123");
    }

    #[test]
    fn longer_secret_wins_over_its_prefix() {
        let redactor = defaults().with_secrets(["abcdefgh", "abcdefgh-and-more-secret"]);
        let out = redactor.redact("x abcdefgh-and-more-secret y");
        assert_eq!(out, "x abcd… y");
    }

    #[test]
    fn each_default_pattern_hides_its_secret() {
        let r = defaults();
        let cases: &[(&str, &str)] = &[
            (
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
                "eyJhbGciOiJIUzI1NiJ9.payload.sig",
            ),
            (
                "using key sk-ant-api03-AbCdEfGhIjKlMnOp",
                "sk-ant-api03-AbCdEfGhIjKlMnOp",
            ),
            (
                "slack xoxb-1234567890-abcdefghijkl ready",
                "xoxb-1234567890-abcdefghijkl",
            ),
            (
                "socket xapp-1-A0B1C2D3E4-123456 up",
                "xapp-1-A0B1C2D3E4-123456",
            ),
            (
                "gh ghp_abcdefghijklmnopqrstuvwx0123",
                "ghp_abcdefghijklmnopqrstuvwx0123",
            ),
            (
                "g AIzaSyA1234567890abcdefghijklmnopqrstu",
                "AIzaSyA1234567890abcdefghijklmnopqrstu",
            ),
            (
                "groq gsk_abcdefghijklmnopqrstuvwxyz",
                "gsk_abcdefghijklmnopqrstuvwxyz",
            ),
            (
                "discord login MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz12345 ok",
                "MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz12345",
            ),
            (
                "tg 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
                "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
            ),
            (r#"{"auth":{"token":"s3cr3t-value"}}"#, "s3cr3t-value"),
            (
                r#"params {\"password\":\"hunter2hunter2\"}"#,
                "hunter2hunter2",
            ),
            ("connect password=hunter2 user=me", "hunter2"),
            ("OPENCLAW_GATEWAY_TOKEN=abc123def", "abc123def"),
            ("run --token tok-123456 --verbose", "tok-123456"),
            (
                "gateway token 6714a74f4e564b08bc2756763c513e3e accepted",
                "6714a74f4e564b08bc2756763c513e3e",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
                "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
            ),
        ];
        for (input, secret) in cases {
            assert_hidden(&r, input, secret);
        }
        assert_eq!(
            r.redact("connect password=hunter2 user=me"),
            "connect password=*** user=me"
        );
        assert_eq!(
            r.redact(r#"{"auth":{"token":"s3cr3t-value"}}"#),
            r#"{"auth":{"token":"***"}}"#
        );
    }

    #[test]
    fn ordinary_log_lines_are_left_alone() {
        let r = defaults();
        for line in [
            "listening on ws://127.0.0.1:18789 (PID 123)",
            "unauthorized conn=ddd32a39 remote=127.0.0.1 client=cli reason=token_mismatch",
            "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
            "usage inputTokens=120 outputTokens=55 maxTokens: 8192",
            r#"{"sessionKey":"agent:main:main","count":3}"#,
        ] {
            assert_eq!(r.redact(line), line);
        }
    }

    #[test]
    fn user_patterns_replace_the_defaults() {
        let r = Redactor::new(RedactMode::Tools, &["internal-[0-9]+".to_owned()]).unwrap();
        assert_eq!(r.redact("id INTERNAL-4242 seen"), "id *** seen");
        // Defaults are no longer active.
        assert_eq!(r.redact("password=hunter2"), "password=hunter2");
        let delimited = Redactor::new(RedactMode::Tools, &["/Case-(\\d+)/g".to_owned()]).unwrap();
        assert_eq!(delimited.redact("Case-12 case-13"), "Case-*** case-13");
    }

    #[test]
    fn invalid_user_pattern_is_a_typed_error_naming_it() {
        let err = Redactor::new(
            RedactMode::Tools,
            &["ok".to_owned(), "(unclosed".to_owned()],
        )
        .unwrap_err();
        match &err {
            LogError::InvalidRedactPattern { pattern, .. } => {
                assert!(pattern.contains("(unclosed"))
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().contains("redactPatterns"));
        let huge = format!("(?:{}){{1000}}", "a|b|c|d".repeat(200));
        assert!(matches!(
            Redactor::new(RedactMode::Tools, &[huge]),
            Err(LogError::InvalidRedactPattern { .. })
        ));
    }

    #[test]
    fn sensitive_field_names_mask_the_whole_value() {
        let r = defaults();
        assert_eq!(r.redact_field("apiKey", "plain-value"), "***");
        assert_eq!(
            r.redact_field("deviceToken", "0123456789abcdef0123"),
            "0123…"
        );
        assert_eq!(r.redact_field("maxTokens", "8192"), "8192");
        let off = Redactor::new(RedactMode::Off, &[]).unwrap();
        assert_eq!(off.redact_field("token", "visible"), "visible");
    }
}
