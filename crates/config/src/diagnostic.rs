//! Validation issues and warnings with the file position they refer to.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A 1-based line/column position inside a specific file (the main config or an included file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem (or warning) about the config.
///
/// `path` uses OpenClaw's notation: keys joined by `.`, array indices in brackets
/// (`agents.list[0].id`); the empty string is the whole config. Displayed as
/// `/data/openclaw.json:12:5: gateway.bnd: unknown key (did you mean "bind"?)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            location: None,
            suggestion: None,
        }
    }

    #[must_use]
    pub fn with_location(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    #[must_use]
    pub fn with_suggestion(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    /// The message with the did-you-mean hint appended, without location or path.
    pub fn message_with_hint(&self) -> String {
        match &self.suggestion {
            Some(s) => format!("{} (did you mean \"{s}\"?)", self.message),
            None => self.message.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        let path = if self.path.is_empty() {
            "<root>"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message_with_hint())
    }
}

/// The closest candidate to a misspelled `input`, if any is close enough to be a plausible typo.
///
/// Rule: a case-insensitive exact match always wins; otherwise the candidate with the highest
/// Jaro-Winkler similarity is offered when it is ≥ 0.84 or within a Levenshtein distance of
/// max(1, len/3). Jaro-Winkler rewards shared prefixes (`bnd`→`bind`, `gatway`→`gateway`), the
/// Levenshtein bound catches short keys where Jaro-Winkler is noisy.
pub fn suggest<'a, I>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let lowered = input.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == input {
            continue;
        }
        if candidate.to_lowercase() == lowered {
            return Some(candidate.to_string());
        }
        let score = strsim::jaro_winkler(&lowered, &candidate.to_lowercase());
        let distance = strsim::levenshtein(&lowered, &candidate.to_lowercase());
        let max_distance = (input.chars().count() / 3).max(1);
        if (score >= 0.84 || distance <= max_distance) && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_includes_location_path_and_hint() {
        let d = Diagnostic::new("gateway.bnd", "unknown key")
            .with_location(Some(Location {
                file: PathBuf::from("/data/openclaw.json"),
                line: 12,
                column: 5,
            }))
            .with_suggestion(Some("bind".into()));
        assert_eq!(
            d.to_string(),
            "/data/openclaw.json:12:5: gateway.bnd: unknown key (did you mean \"bind\"?)"
        );
        assert_eq!(Diagnostic::new("", "boom").to_string(), "<root>: boom");
    }

    #[test]
    fn suggestions_catch_typos_but_not_unrelated_words() {
        let keys = [
            "port",
            "mode",
            "bind",
            "customBindHost",
            "controlUi",
            "auth",
        ];
        assert_eq!(suggest("bnd", keys).as_deref(), Some("bind"));
        assert_eq!(suggest("prot", keys).as_deref(), Some("port"));
        assert_eq!(suggest("controlUI", keys).as_deref(), Some("controlUi"));
        assert_eq!(
            suggest("custombindhost", keys).as_deref(),
            Some("customBindHost")
        );
        assert_eq!(suggest("zebra-stripes", keys), None);
    }
}
