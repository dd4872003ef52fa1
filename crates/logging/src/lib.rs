//! OpenClaw-compatible logging for the Rust gateway.
//!
//! Code logs through plain `tracing` macros with the OpenClaw *subsystem* as target:
//! `tracing::info!(target: "gateway", "listening on {url}")`, `target: "gateway/ws"`,
//! `"discord"`, … One [`OpenClawLayer`] turns every event into
//!
//! - a **console line** `[<subsystem>] <message> key=value…` (no timestamp or level prefix;
//!   warn/error only add colour), or one JSON object per line with `consoleStyle: "json"`.
//!   Info and below go to stdout, warn/error to stderr, like OpenClaw ([`console`]);
//! - a **JSONL file record** in the tslog shape OpenClaw writes ([`record`]), appended to
//!   `/tmp/openclaw/openclaw-YYYY-MM-DD.log` (host-local date, rolled daily) or to
//!   `logging.file` ([`file`]), so OpenClaw's Control UI Logs tab and `openclaw logs` can
//!   read it through `logs.tail` ([`tail()`]).
//!
//! Both outputs pass through one [`Redactor`] first: registered secrets are always
//! masked, credential-shaped text when `logging.redactSensitive` is `tools` ([`redact`]).
//!
//! Each sink has its own threshold (`logging.consoleLevel`, `logging.level`); `--verbose`
//! raises only the console. All settings live behind an atomic pointer, so
//! [`LogHandle::reconfigure`] applies a hot-reloaded `logging` section without restarting.
//!
//! [`init`] installs the process-wide subscriber. [`build_dispatch`] builds the same
//! pipeline without global state (for tests: pair it with a [`MemoryConsole`]).

pub mod console;
mod error;
pub mod event;
pub mod file;
mod layer;
mod options;
pub mod record;
pub mod redact;
pub mod tail;

pub use console::{ConsoleSink, ConsoleStream, MemoryConsole, StdConsole};
pub use error::LogError;
pub use event::LogEvent;
pub use file::{LogFileTarget, daily_log_file_name};
pub use layer::{LogHandle, OpenClawLayer, build_dispatch, init, layer};
pub use options::{ColorChoice, ConsoleStyle, DEFAULT_LOG_DIR, LogLevel, LogOptions, RedactMode};
pub use redact::{MIN_SECRET_LEN, Redactor, mask_secret};
pub use tail::{
    DEFAULT_TAIL_LIMIT, DEFAULT_TAIL_MAX_BYTES, MAX_TAIL_LIMIT, MAX_TAIL_MAX_BYTES, TailChunk,
    resolve_tail_file, tail,
};
