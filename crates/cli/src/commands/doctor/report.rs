//! Findings shared by `openclaw doctor` and `openclaw security audit`: a check id, a severity,
//! what is wrong, and the concrete step that fixes it. JSON uses OpenClaw's security-audit
//! field names (`checkId`, `severity`, `title`, `detail`, `remediation`).

use serde_json::{Value, json};

use super::fix::Repair;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    Error,
    Warn,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::Error => "ERROR",
            Severity::Warn => "WARN",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub check_id: String,
    pub severity: Severity,
    pub title: String,
    pub detail: Option<String>,
    /// What the user should do (a command where one exists).
    pub remediation: Option<String>,
    /// What `--fix` can do about it by itself.
    pub repair: Option<Repair>,
}

impl Finding {
    pub fn new(check_id: impl Into<String>, severity: Severity, title: impl Into<String>) -> Self {
        Self {
            check_id: check_id.into(),
            severity,
            title: title.into(),
            detail: None,
            remediation: None,
            repair: None,
        }
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    #[must_use]
    pub fn fix(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    #[must_use]
    pub fn repair(mut self, repair: Repair) -> Self {
        self.repair = Some(repair);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "checkId": self.check_id,
            "severity": self.severity.as_str(),
            "title": self.title,
        });
        if let Some(detail) = &self.detail {
            out["detail"] = json!(detail);
        }
        if let Some(remediation) = &self.remediation {
            out["remediation"] = json!(remediation);
        }
        if let Some(repair) = &self.repair {
            out["autoFix"] = json!(repair.describe());
        }
        out
    }
}

/// Counts per severity, as `{"critical":n,"error":n,"warn":n,"info":n}`.
pub fn summary(findings: &[Finding]) -> Value {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    json!({
        "critical": count(Severity::Critical),
        "error": count(Severity::Error),
        "warn": count(Severity::Warn),
        "info": count(Severity::Info),
    })
}

/// Human-readable list, most severe first; `fix_hint` adds "(--fix can do this)" markers.
pub fn print_text(findings: &[Finding], fix_hint: bool) {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity);
    for finding in sorted {
        println!(
            "[{}] {} ({})",
            finding.severity.label(),
            finding.title,
            finding.check_id
        );
        if let Some(detail) = &finding.detail {
            for line in detail.lines() {
                println!("    {line}");
            }
        }
        if let Some(remediation) = &finding.remediation {
            let mut lines = remediation.lines();
            if let Some(first) = lines.next() {
                println!("    fix: {first}");
            }
            for line in lines {
                println!("         {line}");
            }
        }
        if fix_hint && let Some(repair) = &finding.repair {
            println!("    `--fix` can do this: {}", repair.describe());
        }
    }
}

/// One line like `2 errors, 1 warning, 3 notes` (zero counts left out).
pub fn summary_line(findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let parts: Vec<String> = [
        (Severity::Critical, "critical", "critical"),
        (Severity::Error, "error", "errors"),
        (Severity::Warn, "warning", "warnings"),
        (Severity::Info, "note", "notes"),
    ]
    .into_iter()
    .filter_map(|(severity, one, many)| {
        let n = count(severity);
        (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
    })
    .collect();
    if parts.is_empty() {
        "No findings.".into()
    } else {
        parts.join(", ")
    }
}
