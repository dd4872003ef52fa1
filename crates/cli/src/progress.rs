//! Feedback for operations that can take seconds (a model turn, live probes, a connection to a
//! remote gateway): a spinner on stderr when stderr is a terminal, one plain line per step
//! otherwise (logs and CI output stay readable), nothing at all when quiet (`--json`, whose
//! callers parse the output). stdout is never touched, so piping a command's result works.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::ProgressBar;

enum Mode {
    Spinner(ProgressBar),
    Lines,
    Quiet,
}

/// Cleared (spinner) when dropped, so an early return or `?` never leaves a spinner behind.
pub struct Progress {
    mode: Mode,
}

impl Progress {
    /// Starts showing `message`; `quiet` suppresses all output.
    pub fn start(message: impl Into<String>, quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(100));
            Mode::Spinner(bar)
        } else {
            Mode::Lines
        };
        let progress = Progress { mode };
        progress.step(message);
        progress
    }

    /// Shows the next step.
    pub fn step(&self, message: impl Into<String>) {
        let message = message.into();
        match &self.mode {
            Mode::Spinner(bar) => bar.set_message(message),
            Mode::Lines => eprintln!("{message} …"),
            Mode::Quiet => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Mode::Spinner(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}
