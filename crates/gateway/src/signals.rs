//! Process signals: SIGTERM/SIGINT stop gracefully (5 s budget, then exit 0 regardless, as
//! OpenClaw does); SIGUSR1 restarts in-process only when `commands.restart` allows it.

use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::state::Shared;

/// OpenClaw's force-exit timer.
pub const SHUTDOWN_BUDGET: Duration = Duration::from_secs(5);

pub fn spawn(shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int), Ok(mut usr1)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::user_defined1()),
        ) else {
            tracing::error!(target: "gateway", "cannot install signal handlers; stop with SIGKILL");
            return;
        };
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = usr1.recv() => {
                    let allowed = shared
                        .snapshot
                        .load()
                        .config()
                        .commands
                        .as_ref()
                        .and_then(|c| c.restart)
                        == Some(true);
                    if allowed {
                        tracing::info!(target: "gateway", "received SIGUSR1; restarting");
                        shared.request_restart("SIGUSR1");
                    } else {
                        tracing::warn!(
                            target: "gateway",
                            "SIGUSR1 restart ignored (not authorized; enable commands.restart or use gateway tool)."
                        );
                    }
                    continue;
                }
            };
            if shared.shutdown.is_cancelled() {
                // Repeat signals during shutdown are ignored.
                continue;
            }
            tracing::info!(target: "gateway", "received {name}; shutting down");
            shared.shutdown.cancel();
            tokio::spawn(async {
                tokio::time::sleep(SHUTDOWN_BUDGET).await;
                tracing::warn!(target: "gateway", "shutdown timed out; exiting without full cleanup");
                std::process::exit(0);
            });
        }
    })
}
