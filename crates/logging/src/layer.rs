//! The `tracing` layer that feeds both sinks, and the handle that reconfigures it at runtime.
//!
//! Hot reload works without `tracing_subscriber::reload`: the layer reads its settings from
//! an [`ArcSwap`] on every event, so [`LogHandle::reconfigure`] swaps in new levels, style,
//! file target and redaction in one atomic store, then asks `tracing` to recompute its
//! callsite interest so newly enabled levels start firing.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Dispatch, Metadata};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::console::{
    ConsoleSink, ConsoleStream, StdConsole, format_console_line, stream_for, use_color,
};
use crate::error::LogError;
use crate::event::{LogEvent, is_foreign_module, subsystem_for_target};
use crate::file::{FileSink, LogFileTarget, local_today};
use crate::options::{ConsoleStyle, LogLevel, LogOptions};
use crate::record::{detect_hostname, file_line, iso_timestamp};
use crate::redact::Redactor;
use crate::tail::{TailChunk, resolve_tail_file, tail};

/// Settings resolved from [`LogOptions`] into what the hot path needs.
#[derive(Debug)]
struct Settings {
    options: LogOptions,
    console_level: LogLevel,
    file_level: LogLevel,
    color_stdout: bool,
    color_stderr: bool,
    redactor: Redactor,
}

impl Settings {
    fn resolve(options: LogOptions, console: &dyn ConsoleSink, redactor: Redactor) -> Settings {
        let json = options.console_style == ConsoleStyle::Json;
        Settings {
            console_level: options.effective_console_level(),
            file_level: options.file_level,
            color_stdout: !json && use_color(options.color, console, ConsoleStream::Stdout),
            color_stderr: !json && use_color(options.color, console, ConsoleStream::Stderr),
            redactor,
            options,
        }
    }

    fn most_verbose(&self) -> LogLevel {
        self.console_level.max(self.file_level)
    }
}

/// Whether a sink at `threshold` takes an event at `level` from `target`.
fn sink_admits(threshold: LogLevel, level: LogLevel, target: &str) -> bool {
    if !threshold.admits(level) {
        return false;
    }
    // Dependencies' debug chatter only shows when someone asks for trace.
    !(is_foreign_module(target) && level > LogLevel::Info && threshold < LogLevel::Trace)
}

struct Shared {
    settings: ArcSwap<Settings>,
    /// Registered secrets survive reconfiguration; kept apart from the pattern settings.
    secrets: Mutex<Vec<String>>,
    file: Mutex<FileSink>,
    console: Arc<dyn ConsoleSink>,
    hostname: String,
}

/// The layer writing OpenClaw-style console lines and JSONL file records.
pub struct OpenClawLayer {
    shared: Arc<Shared>,
}

/// Cloneable control handle for a running logger.
#[derive(Clone)]
pub struct LogHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LogHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogHandle")
            .field("options", &self.shared.settings.load().options)
            .finish_non_exhaustive()
    }
}

/// Builds the layer and its handle without installing anything globally.
pub fn layer(
    options: LogOptions,
    console: Arc<dyn ConsoleSink>,
) -> Result<(OpenClawLayer, LogHandle), LogError> {
    let redactor = Redactor::new(options.redact_sensitive, &options.redact_patterns)?;
    let target = LogFileTarget::from_options(&options);
    let settings = Settings::resolve(options, console.as_ref(), redactor);
    let shared = Arc::new(Shared {
        settings: ArcSwap::from_pointee(settings),
        secrets: Mutex::new(Vec::new()),
        file: Mutex::new(FileSink::new(target)),
        console,
        hostname: detect_hostname(),
    });
    Ok((
        OpenClawLayer {
            shared: Arc::clone(&shared),
        },
        LogHandle { shared },
    ))
}

/// A complete subscriber as a [`Dispatch`], for tests and embedding: use it with
/// `tracing::dispatcher::with_default` and inspect the [`crate::MemoryConsole`] / file.
pub fn build_dispatch(
    options: LogOptions,
    console: Arc<dyn ConsoleSink>,
) -> Result<(Dispatch, LogHandle), LogError> {
    let (layer, handle) = layer(options, console)?;
    Ok((Dispatch::new(Registry::default().with(layer)), handle))
}

/// Installs the process-wide subscriber writing to stdout/stderr and the log file, and
/// bridges the `log` crate into it. Call once, early in `main`.
pub fn init(options: LogOptions) -> Result<LogHandle, LogError> {
    use tracing_subscriber::util::SubscriberInitExt;
    let (layer, handle) = layer(options, Arc::new(StdConsole))?;
    Registry::default()
        .with(layer)
        .try_init()
        .map_err(|_| LogError::AlreadyInitialized)?;
    Ok(handle)
}

impl LogHandle {
    /// Applies new settings (levels, style, colour, file, redaction) to the running logger.
    /// On an invalid redaction pattern nothing changes and the error is returned.
    pub fn reconfigure(&self, options: LogOptions) -> Result<(), LogError> {
        // Held until the new settings are stored, so a concurrent `set_secrets` cannot be
        // overwritten by a redactor built from the previous secret set.
        let secrets = self
            .shared
            .secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let redactor = Redactor::new(options.redact_sensitive, &options.redact_patterns)?
            .with_secrets(secrets.iter().cloned());
        let target = LogFileTarget::from_options(&options);
        let settings = Settings::resolve(options, self.shared.console.as_ref(), redactor);
        self.shared
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .set_target(target);
        self.shared.settings.store(Arc::new(settings));
        drop(secrets);
        // Levels may have been raised: let tracing re-ask which callsites are enabled.
        tracing::callsite::rebuild_interest_cache();
        Ok(())
    }

    /// Replaces the set of secret values scrubbed from every console line and file record
    /// (gateway token/password, provider API keys, channel tokens), whatever
    /// `logging.redactSensitive` says. Values shorter than [`crate::MIN_SECRET_LEN`] are ignored.
    pub fn set_secrets(&self, secrets: Vec<String>) {
        let mut stored = self
            .shared
            .secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *stored = secrets;
        // The secrets lock stays held while swapping so a concurrent reconfigure cannot
        // resurrect the old set.
        let current = self.shared.settings.load();
        let redactor = current.redactor.with_secrets(stored.iter().cloned());
        let settings = Settings {
            options: current.options.clone(),
            console_level: current.console_level,
            file_level: current.file_level,
            color_stdout: current.color_stdout,
            color_stderr: current.color_stderr,
            redactor,
        };
        self.shared.settings.store(Arc::new(settings));
    }

    /// The redactor currently in use (patterns + registered secrets), for code that must
    /// scrub text it shows elsewhere (status output, error messages sent to clients).
    pub fn redactor(&self) -> Redactor {
        self.shared.settings.load().redactor.clone()
    }

    /// The settings currently in effect.
    pub fn options(&self) -> LogOptions {
        self.shared.settings.load().options.clone()
    }

    /// The file records go to now: today's daily file, or `logging.file`. With
    /// `logging.level: "silent"` nothing is written, but this is still where records would
    /// go (so `logs.tail` simply finds an empty or missing file).
    pub fn file_path(&self) -> PathBuf {
        let file = self
            .shared
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        file.target().path_for(local_today())
    }

    /// `logs.tail` on the current log file (falling back to the newest daily file when
    /// today's does not exist yet). Blocking file I/O: call it from `spawn_blocking`.
    pub fn tail(
        &self,
        cursor: Option<u64>,
        limit: usize,
        max_bytes: usize,
    ) -> Result<TailChunk, LogError> {
        tail(
            &resolve_tail_file(&self.file_path()),
            cursor,
            limit,
            max_bytes,
        )
    }

    /// Whether records are written to the file at all (`logging.level` is not `silent`).
    pub fn file_enabled(&self) -> bool {
        self.shared.settings.load().file_level != LogLevel::Silent
    }

    /// Why file logging is currently failing, if it is.
    pub fn file_error(&self) -> Option<String> {
        self.shared
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_error()
            .map(str::to_owned)
    }
}

impl Shared {
    fn emit(&self, mut event: LogEvent, target: &str) {
        let settings = self.settings.load();
        let to_console = sink_admits(settings.console_level, event.level, target);
        let to_file = sink_admits(settings.file_level, event.level, target);
        if !to_console && !to_file {
            return;
        }
        event.redact(&settings.redactor);
        let timestamp = iso_timestamp(jiff::Timestamp::now());

        if to_file {
            let line = file_line(&event, &self.hostname, &timestamp);
            let failure = self
                .file
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .write_line(&line, local_today());
            if let Some(err) = failure {
                // Reported straight to stderr: logging it through tracing would recurse
                // into the failing sink.
                self.console.write_line(
                    ConsoleStream::Stderr,
                    &format!(
                        "[logging] file log paused: {err} (retrying every {}s)",
                        crate::file::RETRY_AFTER.as_secs()
                    ),
                );
            }
        }
        if to_console {
            let stream = stream_for(event.level, settings.options.console_to_stderr);
            let color = match stream {
                ConsoleStream::Stdout => settings.color_stdout,
                ConsoleStream::Stderr => settings.color_stderr,
            };
            let line =
                format_console_line(&event, settings.options.console_style, color, &timestamp);
            self.console.write_line(stream, &line);
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for OpenClawLayer {
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> Interest {
        // Settings change at runtime: never let tracing cache a final yes/no per callsite.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        let settings = self.shared.settings.load();
        let level = LogLevel::from_tracing(metadata.level());
        let target = metadata.target();
        sink_admits(settings.console_level, level, target)
            || sink_admits(settings.file_level, level, target)
            // Bridged `log` records are all target "log": decide after reading the fields.
            || (target == "log" && settings.most_verbose().admits(level))
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.shared.settings.load().most_verbose().to_level_filter())
    }

    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let log_event = LogEvent::from_tracing(event);
        let target: Cow<'_, str> = match event.metadata().target() {
            // Bridged `log` records come from dependencies; their subsystem already holds
            // the real crate name, and the `::` marks it as a module path.
            "log" => Cow::Owned(format!("{}::", log_event.subsystem)),
            other => Cow::Borrowed(other),
        };
        debug_assert_eq!(subsystem_for_target(&target), log_event.subsystem);
        self.shared.emit(log_event, &target);
    }
}
