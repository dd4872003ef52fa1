//! OpenClaw's DM pairing store (spec §3 `credentials/`, §5.1 step 3, §7.1), file-compatible
//! with 2026.1.29 so an existing state dir keeps its pending codes and approved senders:
//!
//! - `<credentials>/<channel>-pairing.json`:
//!   `{"version":1,"requests":[{"id","code","createdAt","lastSeenAt","meta"?}]}` with ISO-8601
//!   timestamps (`2026-01-29T08:15:00.123Z`) and `meta` a string map (Discord: `tag`, `name`);
//! - `<credentials>/<channel>-allowFrom.json`: `{"version":1,"allowFrom":["<id>",…]}`.
//!
//! The gateway (creating requests) and `openclaw pairing approve` (another process) both write
//! these files, so every read-modify-write holds an exclusive advisory lock on a sibling
//! `<channel>-pairing.json.flock` file. Writes are atomic (temp file + rename, 0600; directory
//! 0700). A file that does not parse is reported, never overwritten: wiping `allowFrom` would
//! silently lock every approved sender out.
//!
//! All functions do blocking file I/O; call them from `spawn_blocking` in async code.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Characters of a pairing code: no `0`/`O`/`1`/`I`, so codes survive being read aloud.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const CODE_LENGTH: usize = 8;
/// Pending requests expire one hour after they were created.
pub const PENDING_TTL_MS: i64 = 60 * 60 * 1000;
/// At most this many pending requests per channel; further senders get nothing until one
/// expires or is approved.
pub const MAX_PENDING: usize = 3;

/// One pending pairing request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingRequest {
    /// The sender's id on the channel.
    pub id: String,
    pub code: String,
    pub created_at: String,
    pub last_seen_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<BTreeMap<String, String>>,
    /// Fields written by other versions, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What [`PairingStore::upsert_request`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// A new request: send the pairing reply with this code.
    Created { code: String },
    /// The sender already has a pending request (its `lastSeenAt` was refreshed): send nothing.
    Existing { code: String },
    /// The channel already has [`MAX_PENDING`] pending requests: send nothing.
    Full,
}

/// What [`PairingStore::approve`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum ApproveOutcome {
    /// The sender id now in `allowFrom`, and the request that was removed.
    Approved {
        id: String,
        request: Box<PairingRequest>,
    },
    NotFound,
}

/// What [`PairingStore::deny`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum DenyOutcome {
    Denied { id: String },
    NotFound,
}

#[derive(Debug, thiserror::Error)]
pub enum PairingError {
    #[error("invalid channel name {0:?}: use a channel id such as \"discord\"")]
    InvalidChannel(String),
    #[error("cannot pair an empty sender id (the channel sent a message without an author id)")]
    EmptySender,
    #[error(
        "{path} is not a valid pairing file ({detail}); fix it or move it aside (pending codes in it are lost, approved senders are kept in {channel}-allowFrom.json)"
    )]
    CorruptRequests {
        path: PathBuf,
        channel: String,
        detail: String,
    },
    #[error(
        "{path} is not a valid allowlist file ({detail}); fix it by hand (expected {{\"version\":1,\"allowFrom\":[\"<sender id>\",…]}}) — it is left untouched so approved senders are not lost"
    )]
    CorruptAllowFrom { path: PathBuf, detail: String },
    #[error(
        "{action} {path}: {source}; check that the credentials directory is writable by this user"
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io_err(
    action: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> PairingError + use<> {
    let path = path.to_path_buf();
    move |source| PairingError::Io {
        action,
        path,
        source,
    }
}

/// The pairing files under one credentials directory.
#[derive(Debug, Clone)]
pub struct PairingStore {
    dir: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RequestsFile {
    #[serde(default = "version_one")]
    version: u32,
    #[serde(default)]
    requests: Vec<Value>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AllowFromFile {
    #[serde(default = "version_one")]
    version: u32,
    #[serde(default, rename = "allowFrom")]
    allow_from: Vec<Value>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn version_one() -> u32 {
    1
}

impl PairingStore {
    /// A store in `credentials_dir` (`OPENCLAW_OAUTH_DIR` or `<state>/credentials`: see
    /// `openclaw_config::StatePaths::credentials_dir`).
    pub fn new(credentials_dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: credentials_dir.into(),
        }
    }

    /// The store of a resolved state layout (`StatePaths::credentials_dir`).
    pub fn from_paths(paths: &openclaw_config::StatePaths) -> Self {
        Self::new(paths.credentials_dir.clone())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<dir>/<channel>-pairing.json`.
    pub fn requests_path(&self, channel: &str) -> Result<PathBuf, PairingError> {
        Ok(self
            .dir
            .join(format!("{}-pairing.json", channel_key(channel)?)))
    }

    /// `<dir>/<channel>-allowFrom.json`.
    pub fn allow_from_path(&self, channel: &str) -> Result<PathBuf, PairingError> {
        Ok(self
            .dir
            .join(format!("{}-allowFrom.json", channel_key(channel)?)))
    }

    /// Records that `sender_id` asked for access (see [`UpsertOutcome`]).
    pub fn upsert_request(
        &self,
        channel: &str,
        sender_id: &str,
        meta: &BTreeMap<String, String>,
    ) -> Result<UpsertOutcome, PairingError> {
        self.upsert_request_at(channel, sender_id, meta, openclaw_store::now_ms())
    }

    /// [`PairingStore::upsert_request`] at a given time (ms since the epoch).
    pub fn upsert_request_at(
        &self,
        channel: &str,
        sender_id: &str,
        meta: &BTreeMap<String, String>,
        now_ms: i64,
    ) -> Result<UpsertOutcome, PairingError> {
        let id = sender_id.trim();
        if id.is_empty() {
            return Err(PairingError::EmptySender);
        }
        let meta: BTreeMap<String, String> = meta
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let now = openclaw_store::iso_timestamp(now_ms);
        let _lock = self.lock(channel)?;
        let (mut file, mut requests) = self.read_requests(channel)?;
        let pruned = prune_expired(&mut requests, now_ms);
        if let Some(pos) = requests.iter().position(|r| r.id == id) {
            if requests[pos].code.trim().is_empty() {
                requests[pos].code = unique_code(&requests);
            }
            let existing = &mut requests[pos];
            existing.last_seen_at = now;
            if !meta.is_empty() {
                existing.meta = Some(meta);
            }
            let code = existing.code.trim().to_owned();
            self.write_requests(channel, &mut file, &requests)?;
            return Ok(UpsertOutcome::Existing { code });
        }
        if requests.len() >= MAX_PENDING {
            if pruned {
                self.write_requests(channel, &mut file, &requests)?;
            }
            return Ok(UpsertOutcome::Full);
        }
        let code = unique_code(&requests);
        requests.push(PairingRequest {
            id: id.to_owned(),
            code: code.clone(),
            created_at: now.clone(),
            last_seen_at: now,
            meta: (!meta.is_empty()).then_some(meta),
            extra: Map::new(),
        });
        self.write_requests(channel, &mut file, &requests)?;
        Ok(UpsertOutcome::Created { code })
    }

    /// Pending requests, oldest first (expired ones are removed from the file).
    pub fn list(&self, channel: &str) -> Result<Vec<PairingRequest>, PairingError> {
        self.list_at(channel, openclaw_store::now_ms())
    }

    pub fn list_at(&self, channel: &str, now_ms: i64) -> Result<Vec<PairingRequest>, PairingError> {
        let _lock = self.lock(channel)?;
        let (mut file, mut requests) = self.read_requests(channel)?;
        if prune_expired(&mut requests, now_ms) {
            self.write_requests(channel, &mut file, &requests)?;
        }
        requests.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(requests)
    }

    /// Approves the request with `code` (case-insensitive): removes it and adds its sender to
    /// `allowFrom` (once).
    pub fn approve(&self, channel: &str, code: &str) -> Result<ApproveOutcome, PairingError> {
        self.approve_at(channel, code, openclaw_store::now_ms())
    }

    pub fn approve_at(
        &self,
        channel: &str,
        code: &str,
        now_ms: i64,
    ) -> Result<ApproveOutcome, PairingError> {
        let _lock = self.lock(channel)?;
        let Some(request) = self.take_request(channel, code, now_ms)? else {
            return Ok(ApproveOutcome::NotFound);
        };
        self.add_allowed_locked(channel, &request.id)?;
        Ok(ApproveOutcome::Approved {
            id: request.id.clone(),
            request: Box::new(request),
        })
    }

    /// Removes the request with `code` without approving it.
    pub fn deny(&self, channel: &str, code: &str) -> Result<DenyOutcome, PairingError> {
        self.deny_at(channel, code, openclaw_store::now_ms())
    }

    pub fn deny_at(
        &self,
        channel: &str,
        code: &str,
        now_ms: i64,
    ) -> Result<DenyOutcome, PairingError> {
        let _lock = self.lock(channel)?;
        Ok(match self.take_request(channel, code, now_ms)? {
            Some(request) => DenyOutcome::Denied { id: request.id },
            None => DenyOutcome::NotFound,
        })
    }

    /// Adds a sender to `allowFrom` directly (`openclaw pairing`-style manual approval); returns
    /// whether it was new.
    pub fn add_allowed(&self, channel: &str, sender_id: &str) -> Result<bool, PairingError> {
        let _lock = self.lock(channel)?;
        self.add_allowed_locked(channel, sender_id)
    }

    /// Approved senders (trimmed, deduplicated, `*` ignored: a wildcard belongs in config).
    pub fn allowed_senders(&self, channel: &str) -> Result<Vec<String>, PairingError> {
        let path = self.allow_from_path(channel)?;
        Ok(read_allow_from(&path)?.1)
    }

    fn take_request(
        &self,
        channel: &str,
        code: &str,
        now_ms: i64,
    ) -> Result<Option<PairingRequest>, PairingError> {
        let wanted = code.trim().to_uppercase();
        let (mut file, mut requests) = self.read_requests(channel)?;
        let pruned = prune_expired(&mut requests, now_ms);
        let index = (!wanted.is_empty())
            .then(|| {
                requests
                    .iter()
                    .position(|r| r.code.trim().to_uppercase() == wanted)
            })
            .flatten();
        let taken = index.map(|i| requests.remove(i));
        if taken.is_some() || pruned {
            self.write_requests(channel, &mut file, &requests)?;
        }
        Ok(taken)
    }

    fn add_allowed_locked(&self, channel: &str, sender_id: &str) -> Result<bool, PairingError> {
        let id = sender_id.trim();
        if id.is_empty() {
            return Err(PairingError::EmptySender);
        }
        let path = self.allow_from_path(channel)?;
        let (mut file, mut ids) = read_allow_from(&path)?;
        if ids.iter().any(|known| known == id) {
            return Ok(false);
        }
        ids.push(id.to_owned());
        file.allow_from = ids.into_iter().map(Value::String).collect();
        file.version = 1;
        write_json_atomic(&path, &file)?;
        Ok(true)
    }

    fn read_requests(
        &self,
        channel: &str,
    ) -> Result<(RequestsFile, Vec<PairingRequest>), PairingError> {
        let path = self.requests_path(channel)?;
        let corrupt = |detail: String| PairingError::CorruptRequests {
            path: path.clone(),
            channel: channel_key(channel).unwrap_or_default(),
            detail,
        };
        let Some(text) = read_optional(&path)? else {
            return Ok((RequestsFile::default(), Vec::new()));
        };
        let mut file: RequestsFile =
            serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        // Entries another version wrote in a shape we cannot read are dropped, like OpenClaw
        // does; the file as a whole is still valid.
        let requests = std::mem::take(&mut file.requests)
            .into_iter()
            .filter_map(|v| serde_json::from_value::<PairingRequest>(v).ok())
            .collect();
        Ok((file, requests))
    }

    fn write_requests(
        &self,
        channel: &str,
        file: &mut RequestsFile,
        requests: &[PairingRequest],
    ) -> Result<(), PairingError> {
        file.version = 1;
        file.requests = requests
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect();
        write_json_atomic(&self.requests_path(channel)?, file)
    }

    fn lock(&self, channel: &str) -> Result<File, PairingError> {
        ensure_dir(&self.dir)?;
        let path = self
            .dir
            .join(format!("{}-pairing.json.flock", channel_key(channel)?));
        let file = open_private(&path, false)?;
        file.lock().map_err(io_err("lock", &path))?;
        Ok(file)
    }
}

/// OpenClaw's safe file-name key for a channel: trimmed, lowercase, path characters replaced.
fn channel_key(channel: &str) -> Result<String, PairingError> {
    let lowered = channel.trim().to_lowercase();
    if lowered.is_empty() {
        return Err(PairingError::InvalidChannel(channel.to_owned()));
    }
    let replaced: String = lowered
        .chars()
        .map(|c| {
            if matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    Ok(replaced.replace("..", "_"))
}

fn read_optional(path: &Path) -> Result<Option<String>, PairingError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read", path)(e)),
    }
}

fn read_allow_from(path: &Path) -> Result<(AllowFromFile, Vec<String>), PairingError> {
    let Some(text) = read_optional(path)? else {
        return Ok((AllowFromFile::default(), Vec::new()));
    };
    let file: AllowFromFile =
        serde_json::from_str(&text).map_err(|e| PairingError::CorruptAllowFrom {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let mut ids: Vec<String> = Vec::new();
    for entry in &file.allow_from {
        let id = match entry {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if !id.is_empty() && id != "*" && !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok((file, ids))
}

/// Removes requests whose `createdAt` is older than the TTL or unreadable; true if any went.
fn prune_expired(requests: &mut Vec<PairingRequest>, now_ms: i64) -> bool {
    let before = requests.len();
    requests.retain(|r| {
        parse_iso_ms(&r.created_at).is_some_and(|created| now_ms - created <= PENDING_TTL_MS)
    });
    requests.len() != before
}

fn unique_code(requests: &[PairingRequest]) -> String {
    let taken: Vec<String> = requests
        .iter()
        .map(|r| r.code.trim().to_uppercase())
        .collect();
    let mut rng = rand::rng();
    loop {
        let code: String = (0..CODE_LENGTH)
            .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
            .collect();
        // 32^8 codes against at most a handful of pending ones: this loop ends at once.
        if !taken.contains(&code) {
            return code;
        }
    }
}

fn ensure_dir(dir: &Path) -> Result<(), PairingError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_err("create directory", dir))
}

fn open_private(path: &Path, truncate_new: bool) -> Result<File, PairingError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    if truncate_new {
        options.truncate(true);
    } else {
        options.truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io_err("open", path))
}

/// 2-space JSON + newline (OpenClaw's layout), via a 0600 temp file renamed over the target.
fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), PairingError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let mut text = serde_json::to_string_pretty(value).map_err(|e| PairingError::Io {
        action: "serialize",
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{:08x}.tmp",
        std::process::id(),
        rand::rng().random::<u32>()
    ));
    let result = (|| {
        let mut file = open_private(&tmp, true)?;
        file.write_all(text.as_bytes())
            .map_err(io_err("write", &tmp))?;
        file.sync_all().map_err(io_err("sync", &tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io_err("replace", path))?;
        if let Ok(dir_handle) = File::open(dir) {
            // Best effort: makes the rename durable across a crash.
            let _ = dir_handle.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Milliseconds since the epoch of an ISO-8601 timestamp
/// (`YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`), the shapes JavaScript's `Date` writes.
pub fn parse_iso_ms(text: &str) -> Option<i64> {
    let s = text.trim();
    let bytes = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
        millis = padded.parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm = rest[1..].replace(':', "");
            if hm.len() != 4 || !hm.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            sign * (hm[..2].parse::<i64>().ok()? * 60 + hm[2..].parse::<i64>().ok()?)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The DM sent to an unknown sender with a fresh code: who they are, the code, and the exact
/// command the owner runs. `channel` is the channel id used on the command line (`discord`),
/// `channel_label` its display name (`Discord`).
pub fn pairing_reply(channel: &str, channel_label: &str, sender_id: &str, code: &str) -> String {
    format!(
        "OpenClaw: this bot only talks to people its owner has approved.\n\n\
         Your {channel_label} user id: {sender_id}\n\n\
         Pairing code: {code}\n\n\
         Send this code to the bot owner; they approve you with:\n\
         openclaw pairing approve {channel} {code}"
    )
}

#[cfg(test)]
#[path = "pairing_tests.rs"]
mod tests;
