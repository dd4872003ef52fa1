//! The JSONL log file: where it lives, daily rolling, and failure handling.
//!
//! Default target is OpenClaw's `/tmp/openclaw/openclaw-YYYY-MM-DD.log` with the host-local
//! date; every write checks the date and moves to a new file when it changed. `logging.file`
//! replaces this with one fixed file. The directory is created `0700` and the file `0600`
//! because records can contain user messages.
//!
//! A log file that cannot be opened or written must not stop the gateway: the failure is
//! returned once to the caller (which reports it on stderr), writes are dropped, and opening
//! is retried after [`RETRY_AFTER`] or as soon as the path changes.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::civil::Date;

use crate::error::LogError;
use crate::options::LogOptions;

const DAILY_PREFIX: &str = "openclaw-";
const DAILY_SUFFIX: &str = ".log";
/// How long a failed log path is left alone before opening it is tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(30);

/// `openclaw-YYYY-MM-DD.log`.
pub fn daily_log_file_name(date: Date) -> String {
    format!("{DAILY_PREFIX}{}{DAILY_SUFFIX}", date.strftime("%Y-%m-%d"))
}

/// Whether `name` is a daily rolling file name (`openclaw-YYYY-MM-DD.log`).
pub fn is_daily_log_file_name(name: &str) -> bool {
    name.strip_prefix(DAILY_PREFIX)
        .and_then(|rest| rest.strip_suffix(DAILY_SUFFIX))
        .is_some_and(|date| {
            date.len() == 10
                && date.bytes().enumerate().all(|(index, byte)| match index {
                    4 | 7 => byte == b'-',
                    _ => byte.is_ascii_digit(),
                })
        })
}

/// Today's date on the host's clock and time zone (`TZ`, else `/etc/localtime`, else UTC).
pub fn local_today() -> Date {
    jiff::ZonedDateTime::now().date()
}

/// Which file the log goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFileTarget {
    /// One file per host-local day in `dir`.
    Daily { dir: PathBuf },
    /// `logging.file`.
    Fixed(PathBuf),
}

impl LogFileTarget {
    pub fn from_options(options: &LogOptions) -> Self {
        match &options.file_path {
            Some(path) => LogFileTarget::Fixed(path.clone()),
            None => LogFileTarget::Daily {
                dir: options.log_dir.clone(),
            },
        }
    }

    /// The file written on `date`.
    pub fn path_for(&self, date: Date) -> PathBuf {
        match self {
            LogFileTarget::Daily { dir } => dir.join(daily_log_file_name(date)),
            LogFileTarget::Fixed(path) => path.clone(),
        }
    }
}

struct OpenLog {
    path: PathBuf,
    file: File,
}

struct Failure {
    path: PathBuf,
    at: Instant,
}

/// Appends records to the current log file, rolling over by date.
pub(crate) struct FileSink {
    target: LogFileTarget,
    open: Option<OpenLog>,
    failure: Option<Failure>,
    last_error: Option<String>,
}

impl FileSink {
    pub(crate) fn new(target: LogFileTarget) -> Self {
        FileSink {
            target,
            open: None,
            failure: None,
            last_error: None,
        }
    }

    pub(crate) fn target(&self) -> &LogFileTarget {
        &self.target
    }

    /// Switches to a new target; the next write opens it (and any old failure is forgotten).
    pub(crate) fn set_target(&mut self, target: LogFileTarget) {
        if self.target != target {
            self.target = target;
            self.open = None;
            self.failure = None;
            self.last_error = None;
        }
    }

    /// The most recent open/write failure, if file logging is currently failing.
    pub(crate) fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Appends `line` (plus newline) to the file for `date`. Returns an error only the first
    /// time a path fails, so the caller can report it once; later writes to a failing path are
    /// dropped silently until [`RETRY_AFTER`] has passed.
    pub(crate) fn write_line(&mut self, line: &str, date: Date) -> Option<LogError> {
        let path = self.target.path_for(date);
        if self.open.as_ref().is_some_and(|open| open.path != path) {
            self.open = None;
        }
        if self.open.is_none() {
            if let Some(failure) = &self.failure
                && failure.path == path
                && failure.at.elapsed() < RETRY_AFTER
            {
                return None;
            }
            match open_log_file(&path) {
                Ok(file) => {
                    self.failure = None;
                    self.last_error = None;
                    self.open = Some(OpenLog { path, file });
                }
                Err(err) => return self.record_failure(path, err),
            }
        }
        let open = self.open.as_mut()?;
        let mut buffer = String::with_capacity(line.len() + 1);
        buffer.push_str(line);
        buffer.push('\n');
        // One write call per record: with O_APPEND, concurrent writers (a second gateway, the
        // CLI) interleave whole lines, never halves.
        match open.file.write_all(buffer.as_bytes()) {
            Ok(()) => None,
            Err(source) => {
                let path = open.path.clone();
                self.open = None;
                self.record_failure(path.clone(), LogError::OpenLogFile { path, source })
            }
        }
    }

    fn record_failure(&mut self, path: PathBuf, err: LogError) -> Option<LogError> {
        let repeated = self
            .failure
            .as_ref()
            .is_some_and(|failure| failure.path == path);
        self.failure = Some(Failure {
            path,
            at: Instant::now(),
        });
        self.last_error = Some(err.to_string());
        if repeated { None } else { Some(err) }
    }
}

fn open_log_file(path: &Path) -> Result<File, LogError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        && !dir.is_dir()
    {
        create_private_dir(dir).map_err(|source| LogError::CreateLogDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|source| LogError::OpenLogFile {
        path: path.to_path_buf(),
        source,
    })
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn daily_names_use_the_calendar_date() {
        assert_eq!(
            daily_log_file_name(date(2026, 1, 29)),
            "openclaw-2026-01-29.log"
        );
        assert!(is_daily_log_file_name("openclaw-2026-01-29.log"));
        assert!(!is_daily_log_file_name("openclaw-2026-1-29.log"));
        assert!(!is_daily_log_file_name("openclaw.log"));
        assert!(!is_daily_log_file_name("other-2026-01-29.log"));
        let target = LogFileTarget::Daily {
            dir: PathBuf::from("/tmp/openclaw"),
        };
        assert_eq!(
            target.path_for(date(2026, 11, 24)),
            PathBuf::from("/tmp/openclaw/openclaw-2026-11-24.log")
        );
        let fixed = LogFileTarget::Fixed(PathBuf::from("/var/log/oc.log"));
        assert_eq!(
            fixed.path_for(date(2026, 11, 24)),
            PathBuf::from("/var/log/oc.log")
        );
    }

    #[test]
    fn default_options_target_tmp_openclaw() {
        assert_eq!(
            LogFileTarget::from_options(&LogOptions::default()),
            LogFileTarget::Daily {
                dir: PathBuf::from("/tmp/openclaw")
            }
        );
    }

    #[test]
    fn rolls_to_a_new_file_when_the_date_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested").join("logs");
        let mut sink = FileSink::new(LogFileTarget::Daily { dir: dir.clone() });
        assert!(sink.write_line("day one a", date(2026, 1, 29)).is_none());
        assert!(sink.write_line("day one b", date(2026, 1, 29)).is_none());
        assert!(sink.write_line("day two", date(2026, 1, 30)).is_none());
        let first = fs::read_to_string(dir.join("openclaw-2026-01-29.log")).unwrap();
        let second = fs::read_to_string(dir.join("openclaw-2026-01-30.log")).unwrap();
        assert_eq!(first, "day one a\nday one b\n");
        assert_eq!(second, "day two\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir_mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
            let file_mode = fs::metadata(dir.join("openclaw-2026-01-30.log"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dir_mode, 0o700);
            assert_eq!(file_mode, 0o600);
        }
    }

    #[test]
    fn unwritable_path_is_reported_once_then_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        // A regular file where the directory should be makes every open fail.
        let blocker = tmp.path().join("not-a-dir");
        fs::write(&blocker, "x").unwrap();
        let mut sink = FileSink::new(LogFileTarget::Fixed(blocker.join("oc.log")));
        let first = sink.write_line("a", date(2026, 1, 29));
        assert!(
            matches!(first, Some(LogError::CreateLogDir { .. })),
            "{first:?}"
        );
        assert!(first.unwrap().to_string().contains("logging.file"));
        assert!(sink.write_line("b", date(2026, 1, 29)).is_none());
        assert!(sink.last_error().is_some());

        let good = tmp.path().join("good.log");
        sink.set_target(LogFileTarget::Fixed(good.clone()));
        assert!(sink.write_line("c", date(2026, 1, 29)).is_none());
        assert_eq!(fs::read_to_string(good).unwrap(), "c\n");
        assert!(sink.last_error().is_none());
    }
}
