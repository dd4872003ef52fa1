//! `openclaw security audit --fix`: OpenClaw's safe, reversible tightenings, nothing else.
//!
//! - `groupPolicy: "open"` → `"allowlist"` in every channel section, every account and
//!   `channels.defaults`; when a WhatsApp scope flips and has no sender list of its own, its
//!   `groupAllowFrom` is seeded from the paired senders (`credentials/whatsapp-allowFrom.json`)
//!   so the people already allowed keep working in groups.
//! - `logging.redactSensitive: "off"` → `"tools"`.
//! - Private modes (0700 directories, 0600 files) for the state dir, the config, its `$include`
//!   files and backups, `.env`, credentials, auth profiles, session stores and transcripts, the
//!   SQLite store and the log directory. Only paths open to group or others are touched, so a
//!   stricter mode the user chose (0400) stays; symlinks are never followed.
//!
//! Tokens, bind/auth choices and tools are left alone: changing them could lock the user out
//! or break a working setup. Config edits are made on the file's own tree (`${VAR}` references
//! and `$include` directives stay) and written once through the config crate's validated writer,
//! the same path as `openclaw config set` (which keeps a `.bak`; JSON5 comments and formatting
//! are not preserved by it). A value that comes from an included file or a `${VAR}` is reported,
//! not overridden.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use openclaw_channels::pairing::PairingStore;
use openclaw_config::{self as cfg, Config, LoadedConfig, StatePaths};
use serde_json::{Value, json};

use crate::commands::doctor::{fix as doctor_fix, perms};
use crate::context::Context;

/// The session database, `<state>/openclaw.sqlite`, and SQLite's side files.
const STORE_FILES: [&str; 3] = [
    "openclaw.sqlite",
    "openclaw.sqlite-wal",
    "openclaw.sqlite-shm",
];

/// One change that was made.
#[derive(Debug)]
pub(super) enum Fix {
    /// A config value, by dotted path.
    Config {
        path: String,
        before: Value,
        after: Value,
        /// OpenClaw's one-line form (`channels.x.groupPolicy=open -> allowlist`).
        summary: String,
    },
    /// Permission bits of a file or directory.
    Chmod {
        path: PathBuf,
        before: u32,
        after: u32,
    },
}

/// What happened to one existing path that wants a private mode.
#[derive(Debug)]
struct ChmodAction {
    path: PathBuf,
    mode: u32,
    /// The bits before (when they could be read).
    before: Option<u32>,
    outcome: Result<(), Skip>,
}

#[derive(Debug)]
enum Skip {
    /// Already private (no group/other bits).
    Already,
    Symlink,
    NotADirectory,
    NotAFile,
    Failed(String),
}

impl Skip {
    fn reason(&self) -> &str {
        match self {
            Skip::Already => "already",
            Skip::Symlink => "symlink",
            Skip::NotADirectory => "not-a-directory",
            Skip::NotAFile => "not-a-file",
            Skip::Failed(why) => why,
        }
    }
}

/// Everything `--fix` did (or could not do).
#[derive(Debug, Default)]
pub(super) struct FixResult {
    fixes: Vec<Fix>,
    actions: Vec<ChmodAction>,
    config_written: bool,
    backup: Option<PathBuf>,
    errors: Vec<String>,
}

/// Applies the fixes: modes first, so the config backup the writer copies is already private,
/// then the config edits in one write.
pub(super) fn apply(ctx: &Context) -> FixResult {
    let mut result = FixResult::default();
    let loaded = match cfg::load(&ctx.paths.config_path, &ctx.env) {
        Ok(loaded) => Some(loaded),
        Err(err) => {
            result.errors.push(format!(
                "config fixes skipped: {err}; make the config readable and run the fix again"
            ));
            None
        }
    };
    let config = loaded
        .as_ref()
        .filter(|l| l.is_valid())
        .map(LoadedConfig::config_or_default);
    for (path, mode) in chmod_targets(&ctx.paths, loaded.as_ref(), config.as_deref()) {
        let Some(action) = tighten(&path, mode) else {
            continue;
        };
        match (&action.outcome, action.before) {
            (Ok(()), Some(before)) => result.fixes.push(Fix::Chmod {
                path,
                before,
                after: mode,
            }),
            (Err(Skip::Failed(why)), _) => result.errors.push(format!(
                "{why}; run `chmod {mode:o} {}` as the owner",
                action.path.display()
            )),
            _ => {}
        }
        result.actions.push(action);
    }
    if let Some(loaded) = &loaded {
        fix_config(ctx, loaded, &mut result);
    }
    result
}

/// Tightens one path; `None` when it does not exist (nothing to report).
fn tighten(path: &Path, mode: u32) -> Option<ChmodAction> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let want_dir = mode == 0o700;
    let before = mode_bits(&meta);
    let outcome = if meta.file_type().is_symlink() {
        Err(Skip::Symlink)
    } else if want_dir && !meta.is_dir() {
        Err(Skip::NotADirectory)
    } else if !want_dir && !meta.is_file() {
        Err(Skip::NotAFile)
    } else if before.is_none_or(|bits| bits & 0o077 == 0) {
        Err(Skip::Already)
    } else {
        doctor_fix::chmod(path, mode).map_err(Skip::Failed)
    };
    Some(ChmodAction {
        path: path.to_path_buf(),
        mode,
        before,
        outcome,
    })
}

#[cfg(unix)]
fn mode_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_bits(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// Every path that should be private, each once, in a stable order: what the audit checks
/// (`doctor::perms`), plus what OpenClaw's fix tightens and this gateway has.
fn chmod_targets(
    paths: &StatePaths,
    loaded: Option<&LoadedConfig>,
    config: Option<&Config>,
) -> Vec<(PathBuf, u32)> {
    let mut out: Vec<(PathBuf, u32)> = perms::targets(paths, config)
        .into_iter()
        .map(|(path, mode, _)| (path, mode))
        .collect();
    if let Some(loaded) = loaded {
        out.extend(loaded.included_paths.iter().map(|p| (p.clone(), 0o600)));
    }
    out.extend(
        cfg::backup_paths(&paths.config_path)
            .into_iter()
            .map(|p| (p, 0o600)),
    );
    let mut agent_ids: Vec<String> = std::fs::read_dir(&paths.agents_dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    agent_ids.extend(config.map(Config::agent_ids).unwrap_or_default());
    agent_ids.sort();
    agent_ids.dedup();
    for id in agent_ids {
        let root = paths.agents_dir.join(&id);
        let sessions = paths.sessions_dir(&id);
        out.push((root.clone(), 0o700));
        out.push((paths.agent_dir(&id), 0o700));
        out.push((sessions.clone(), 0o700));
        out.push((sessions.join("sessions.json"), 0o600));
        let mut transcripts: Vec<PathBuf> = std::fs::read_dir(&sessions)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                    .collect()
            })
            .unwrap_or_default();
        transcripts.sort();
        out.extend(transcripts.into_iter().map(|p| (p, 0o600)));
    }
    out.extend(
        STORE_FILES
            .iter()
            .map(|name| (paths.state_dir.join(name), 0o600)),
    );
    out.push((paths.logs_dir.clone(), 0o700));
    let mut seen = HashSet::new();
    out.retain(|(path, _)| seen.insert(path.clone()));
    out
}

/// A config value that should change.
struct Wanted {
    keys: Vec<String>,
    from: &'static str,
    to: &'static str,
}

/// The loose values in the config as it runs (after `$include` and `${VAR}`).
fn wanted(resolved: &Value) -> Vec<Wanted> {
    let mut out = Vec::new();
    let mut want = |keys: &[&str], from, to| {
        out.push(Wanted {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            from,
            to,
        });
    };
    if resolved
        .pointer("/logging/redactSensitive")
        .and_then(Value::as_str)
        == Some("off")
    {
        want(&["logging", "redactSensitive"], "off", "tools");
    }
    let is_open = |scope: &Value| scope.get("groupPolicy").and_then(Value::as_str) == Some("open");
    if let Some(channels) = resolved.get("channels").and_then(Value::as_object) {
        for (id, section) in channels {
            if is_open(section) {
                want(&["channels", id, "groupPolicy"], "open", "allowlist");
            }
            if id == "defaults" {
                continue;
            }
            let accounts = section.get("accounts").and_then(Value::as_object);
            for (account, scope) in accounts.into_iter().flatten() {
                if is_open(scope) {
                    want(
                        &["channels", id, "accounts", account, "groupPolicy"],
                        "open",
                        "allowlist",
                    );
                }
            }
        }
    }
    out
}

/// JSON pointer of a key path (RFC 6901 escaping: ids may contain `/` or `~`).
fn pointer(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn fix_config(ctx: &Context, loaded: &LoadedConfig, result: &mut FixResult) {
    if !loaded.exists {
        return;
    }
    if !loaded.is_valid() {
        let first = loaded
            .issues
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        result.errors.push(format!(
            "config fixes skipped: the config is invalid ({} issue(s), first: {first}); run `openclaw doctor` and fix it first",
            loaded.issues.len()
        ));
        return;
    }
    let mut tree = loaded.parsed.clone();
    let mut fixes = Vec::new();
    let mut whatsapp_scopes = Vec::new();
    for wanted in wanted(&loaded.resolved) {
        let dotted = wanted.keys.join(".");
        match tree.pointer_mut(&pointer(&wanted.keys)) {
            Some(slot) if slot.as_str() == Some(wanted.from) => {
                *slot = json!(wanted.to);
                fixes.push(Fix::Config {
                    summary: format!("{dotted}={} -> {}", wanted.from, wanted.to),
                    path: dotted,
                    before: json!(wanted.from),
                    after: json!(wanted.to),
                });
                if wanted.keys.get(1).is_some_and(|c| c == "whatsapp") {
                    let scope_len = wanted.keys.len() - 1;
                    whatsapp_scopes.push(wanted.keys[..scope_len].to_vec());
                }
            }
            // Overriding an included or substituted value from the main file would hide where
            // the setting really lives; say where to change it instead.
            Some(Value::String(raw)) if raw.contains("${") => result.errors.push(format!(
                "{dotted} is \"{}\" through {raw} in {}; set that variable to \"{}\"",
                wanted.from,
                ctx.paths.config_path.display(),
                wanted.to
            )),
            _ => result.errors.push(format!(
                "{dotted} is \"{}\" in a file pulled in by $include; set it to \"{}\" there",
                wanted.from, wanted.to
            )),
        }
    }
    seed_whatsapp(ctx, loaded, &mut tree, &whatsapp_scopes, &mut fixes);
    if fixes.is_empty() {
        return;
    }
    match cfg::write_config(&ctx.paths.config_path, &tree, &ctx.env, cfg::COMPAT_VERSION) {
        Ok(written) => {
            result.config_written = true;
            result.backup = written.backup;
            result.fixes.splice(0..0, fixes);
        }
        Err(err) => result.errors.push(format!("config not written: {err}")),
    }
}

/// OpenClaw's companion to the WhatsApp flip: a scope without any sender list gets the senders
/// approved through pairing as its `groupAllowFrom`, so they keep working in groups.
fn seed_whatsapp(
    ctx: &Context,
    loaded: &LoadedConfig,
    tree: &mut Value,
    scopes: &[Vec<String>],
    fixes: &mut Vec<Fix>,
) {
    if scopes.is_empty() {
        return;
    }
    // An unreadable pairing file only means there is nothing to seed.
    let senders = PairingStore::from_paths(&ctx.paths)
        .allowed_senders("whatsapp")
        .unwrap_or_default();
    if senders.is_empty() {
        return;
    }
    for scope in scopes {
        let at = pointer(scope);
        let effective = loaded.resolved.pointer(&at);
        let has_list = |key: &str| {
            effective
                .and_then(|s| s.get(key))
                .and_then(Value::as_array)
                .is_some_and(|l| !l.is_empty())
        };
        if has_list("allowFrom") || has_list("groupAllowFrom") {
            continue;
        }
        if let Some(section) = tree.pointer_mut(&at).and_then(Value::as_object_mut) {
            section.insert("groupAllowFrom".into(), json!(senders));
            let dotted = scope.join(".");
            fixes.push(Fix::Config {
                summary: format!("{dotted}.groupAllowFrom=pairing-store"),
                path: format!("{dotted}.groupAllowFrom"),
                before: Value::Null,
                after: json!(senders),
            });
        }
    }
}

impl Fix {
    fn to_json(&self) -> Value {
        match self {
            Fix::Config {
                path,
                before,
                after,
                ..
            } => json!({"kind": "config", "path": path, "before": before, "after": after}),
            Fix::Chmod {
                path,
                before,
                after,
            } => json!({
                "kind": "chmod",
                "path": path.display().to_string(),
                "before": format!("{before:03o}"),
                "after": format!("{after:03o}"),
            }),
        }
    }
}

impl FixResult {
    /// OpenClaw's `fix` object (`ok`, `stateDir`, `configPath`, `configWritten`, `changes`,
    /// `actions`, `errors`) plus `fixes` (each change with path, before and after) and `backup`.
    pub(super) fn to_json(&self, paths: &StatePaths) -> Value {
        let changes: Vec<&str> = self
            .fixes
            .iter()
            .filter_map(|f| match f {
                Fix::Config { summary, .. } => Some(summary.as_str()),
                Fix::Chmod { .. } => None,
            })
            .collect();
        let actions: Vec<Value> = self
            .actions
            .iter()
            .map(|a| {
                let mut entry = json!({
                    "kind": "chmod",
                    "path": a.path.display().to_string(),
                    "mode": a.mode,
                    "ok": a.outcome.is_ok(),
                });
                match &a.outcome {
                    Ok(()) => {}
                    Err(Skip::Failed(why)) => entry["error"] = json!(why),
                    Err(skip) => entry["skipped"] = json!(skip.reason()),
                }
                entry
            })
            .collect();
        json!({
            "ok": self.errors.is_empty(),
            "stateDir": paths.state_dir.display().to_string(),
            "configPath": paths.config_path.display().to_string(),
            "configWritten": self.config_written,
            "backup": self.backup.as_ref().map(|p| p.display().to_string()),
            "fixes": self.fixes.iter().map(Fix::to_json).collect::<Vec<Value>>(),
            "changes": changes,
            "actions": actions,
            "errors": self.errors,
        })
    }

    /// One line per change, then what could not be done and where the old config went.
    pub(super) fn print_text(&self) {
        let odd: Vec<&ChmodAction> = self
            .actions
            .iter()
            .filter(|a| {
                matches!(
                    a.outcome,
                    Err(Skip::Symlink | Skip::NotADirectory | Skip::NotAFile)
                )
            })
            .collect();
        if self.fixes.is_empty() && self.errors.is_empty() && odd.is_empty() {
            println!("Fixes: nothing to change.");
            return;
        }
        println!("Fixes:");
        for fix in &self.fixes {
            match fix {
                Fix::Config {
                    path,
                    before,
                    after,
                    ..
                } => println!("  fixed: {path}: {before} -> {after}"),
                Fix::Chmod {
                    path,
                    before,
                    after,
                } => println!(
                    "  fixed: chmod {after:03o} {} (was {before:03o})",
                    path.display()
                ),
            }
        }
        for action in odd {
            let reason = action
                .outcome
                .as_ref()
                .err()
                .map(Skip::reason)
                .unwrap_or_default();
            println!(
                "  skipped: chmod {:03o} {} ({reason}; check the real path by hand)",
                action.mode,
                action.path.display()
            );
        }
        for error in &self.errors {
            println!("  not fixed: {error}");
        }
        if let Some(backup) = &self.backup {
            println!("Previous config saved as {}", backup.display());
        }
    }
}
