//! Atomic, validated config writes with rotating backups (spec §4.0 step 9, §3).
//!
//! Writes take the *parsed* tree (what the user wrote, `${VAR}` references intact), never the
//! resolved one, so secrets referenced from the environment are never baked into the file.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::env::Env;
use crate::error::ConfigWriteError;
use crate::load::{hash_raw, load_from_str};
use crate::timefmt::iso8601;

/// Backup generations kept: `.bak`, `.bak.1` … `.bak.4`.
pub const BACKUP_GENERATIONS: usize = 5;

/// What a successful write produced.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub path: PathBuf,
    /// The exact text written (2-space JSON + newline).
    pub text: String,
    /// sha256 of `text` — the new `config.get` hash.
    pub hash: String,
    /// The tree written, including the `meta` stamp.
    pub written: Value,
    /// Where the previous file was copied (`None` if there was no previous file).
    pub backup: Option<PathBuf>,
    /// Warnings from validating the candidate.
    pub warnings: Vec<Diagnostic>,
}

/// Validates `parsed` with the full pipeline (includes relative to `path`, the `env` block,
/// `${VAR}` against `env`), stamps `meta.lastTouchedVersion = version` and `meta.lastTouchedAt`,
/// then writes atomically: temp file `openclaw.json.<pid>.<uuid>.tmp` (0600) + fsync, backups
/// rotated (`.bak` → `.bak.1` … `.bak.4`), current file copied to `.bak`, rename over the
/// target, directory fsync. Parent directories are created 0700. Invalid ⇒ nothing is written.
pub fn write_config(
    path: &Path,
    parsed: &Value,
    env: &Env,
    version: &str,
) -> Result<WriteOutcome, ConfigWriteError> {
    let Value::Object(tree) = parsed else {
        return Err(ConfigWriteError::NotAnObject {
            path: path.to_path_buf(),
            found: crate::edit::json_kind(parsed),
        });
    };
    let candidate = render(parsed);
    let check = load_from_str(path, &candidate, env);
    if !check.is_valid() {
        return Err(ConfigWriteError::Invalid {
            path: path.to_path_buf(),
            issues: check
                .issues
                .into_iter()
                .map(|d| without_candidate_location(d, path))
                .collect(),
        });
    }
    let written = Value::Object(stamp(tree.clone(), version, SystemTime::now()));
    let text = render(&written);
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&parent)?;
    let tmp = temp_path(path);
    if let Err(err) = write_private_file(&tmp, text.as_bytes()) {
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    let backup = match backup_current(path) {
        Ok(backup) => backup,
        Err(err) => {
            let _ = fs::remove_file(&tmp);
            return Err(err);
        }
    };
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(ConfigWriteError::Io {
            action: "replace",
            path: path.to_path_buf(),
            source,
        });
    }
    // Best effort: the rename is already visible; a failed directory fsync only weakens the
    // durability guarantee on power loss, which is not worth failing the write for.
    if let Ok(dir) = File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(WriteOutcome {
        path: path.to_path_buf(),
        hash: hash_raw(&text),
        text,
        written,
        backup,
        warnings: check.warnings,
    })
}

/// 2-space pretty JSON plus a trailing newline — OpenClaw's on-disk format.
pub fn render(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn stamp(mut tree: Map<String, Value>, version: &str, now: SystemTime) -> Map<String, Value> {
    let meta = tree
        .entry("meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Value::Object(meta) = meta {
        meta.insert("lastTouchedVersion".into(), Value::String(version.into()));
        meta.insert("lastTouchedAt".into(), Value::String(iso8601(now)));
    }
    tree
}

/// Line numbers into a candidate that was never written would point nowhere; keep locations
/// only for files that exist (includes).
fn without_candidate_location(mut d: Diagnostic, path: &Path) -> Diagnostic {
    if d.location.as_ref().is_some_and(|l| l.file == path) {
        d.location = None;
    }
    d
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "openclaw.json".to_string());
    path.with_file_name(format!(
        "{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4()
    ))
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ConfigWriteError {
    let path = path.to_path_buf();
    move |source| ConfigWriteError::Io {
        action,
        path,
        source,
    }
}

fn create_private_dir(dir: &Path) -> Result<(), ConfigWriteError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io("create directory", dir))
}

fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), ConfigWriteError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io("create", path))?;
    file.write_all(bytes).map_err(io("write", path))?;
    file.sync_all().map_err(io("fsync", path))
}

/// Every backup generation of the config at `path`, newest first (`.bak`, `.bak.1` …): they
/// are copies of the config, secrets included, so tools that protect the config protect these.
pub fn backup_paths(path: &Path) -> Vec<PathBuf> {
    (0..BACKUP_GENERATIONS)
        .map(|generation| backup_path(path, generation))
        .collect()
}

fn backup_path(path: &Path, generation: usize) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if generation == 0 {
        path.with_file_name(format!("{name}.bak"))
    } else {
        path.with_file_name(format!("{name}.bak.{generation}"))
    }
}

/// Shifts `.bak.N` → `.bak.N+1` (dropping the oldest) and copies the current file to `.bak`.
fn backup_current(path: &Path) -> Result<Option<PathBuf>, ConfigWriteError> {
    if !path.is_file() {
        return Ok(None);
    }
    for generation in (0..BACKUP_GENERATIONS - 1).rev() {
        let from = backup_path(path, generation);
        if from.exists() {
            let to = backup_path(path, generation + 1);
            fs::rename(&from, &to).map_err(io("rotate backup", &from))?;
        }
    }
    let bak = backup_path(path, 0);
    // Written 0600 whatever the original's mode: the config can hold secrets, and `fs::copy`
    // would carry a world-readable mode over to every backup generation.
    let current = fs::read(path).map_err(io("back up", path))?;
    write_private_file(&bak, &current)?;
    Ok(Some(bak))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[cfg(unix)]
    #[test]
    fn backup_is_private_even_when_the_original_is_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("openclaw.json");
        fs::write(&path, "{}\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let bak = backup_current(&path).unwrap().unwrap();
        assert_eq!(fs::read_to_string(&bak).unwrap(), "{}\n");
        let mode = fs::metadata(&bak).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn stamp_replaces_meta_values_and_keeps_other_meta() {
        let tree = serde_json::json!({"meta": {"lastTouchedVersion": "old", "x": 1}, "a": 1});
        let Value::Object(tree) = tree else {
            unreachable!()
        };
        let t = UNIX_EPOCH + Duration::from_secs(86_400);
        let stamped = Value::Object(stamp(tree, "2026.1.29", t));
        assert_eq!(stamped["meta"]["lastTouchedVersion"], "2026.1.29");
        assert_eq!(stamped["meta"]["lastTouchedAt"], "1970-01-02T00:00:00.000Z");
        assert_eq!(stamped["meta"]["x"], 1);
        assert_eq!(stamped["a"], 1);
    }

    #[test]
    fn backup_names() {
        let p = Path::new("/s/openclaw.json");
        assert_eq!(backup_path(p, 0), PathBuf::from("/s/openclaw.json.bak"));
        assert_eq!(backup_path(p, 4), PathBuf::from("/s/openclaw.json.bak.4"));
        let tmp = temp_path(p).to_string_lossy().into_owned();
        assert!(tmp.starts_with(&format!("/s/openclaw.json.{}.", std::process::id())));
        assert!(tmp.ends_with(".tmp"));
    }
}
