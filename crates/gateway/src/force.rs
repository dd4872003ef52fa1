//! `--force`: free the port by stopping whatever listens on it (OpenClaw uses `lsof`; we read
//! `/proc` directly, so there is no external tool to be missing). SIGTERM first, SIGKILL after
//! 700 ms, at most 2 s in all — OpenClaw's timings.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

const TERM_GRACE: Duration = Duration::from_millis(700);
const TOTAL_WAIT: Duration = Duration::from_millis(2000);

/// Socket inodes in LISTEN state on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // cols: sl local_address rem_address st ... inode(9)
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9))
            else {
                continue;
            };
            let listen = *state == "0A";
            let local_port = local
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if listen
                && local_port == Some(port)
                && let Ok(inode) = inode.parse::<u64>()
            {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// PIDs (other than ours) owning any of `inodes`.
fn owners(inodes: &HashSet<u64>) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    let me = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if u32::try_from(pid).ok() == Some(me) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let owns = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .ok()
                .and_then(|target| {
                    let t = target.to_string_lossy().into_owned();
                    t.strip_prefix("socket:[")
                        .and_then(|r| r.strip_suffix(']'))
                        .and_then(|n| n.parse::<u64>().ok())
                })
                .is_some_and(|inode| inodes.contains(&inode))
        });
        if owns {
            let cmd = std::fs::read_to_string(entry.path().join("comm"))
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            found.push((pid, cmd));
        }
    }
    found
}

/// Whether `pid` still runs. A zombie (exited, not yet reaped by its parent) has already
/// closed its sockets, so it counts as gone; otherwise we would wait out the whole budget for
/// a parent that is slow to reap.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may itself contain ") ".
        Ok(stat) => stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .is_none_or(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// Stops the listeners on `port`, logging OpenClaw's lines. Returns the PIDs signalled.
pub async fn free_port(port: u16) -> Vec<i32> {
    let targets = owners(&listening_inodes(port));
    if targets.is_empty() {
        tracing::info!(target: "gateway", "force: no listeners on port {port}");
        return Vec::new();
    }
    let started = Instant::now();
    for (pid, cmd) in &targets {
        if let Some(p) = Pid::from_raw(*pid)
            && let Err(err) = kill_process(p, Signal::TERM)
        {
            tracing::warn!(target: "gateway", "force: cannot signal pid {pid} ({cmd}): {err}");
        }
    }
    let mut escalated = false;
    while started.elapsed() < TOTAL_WAIT {
        // Done once the port is free, even if a process lingers (it may have closed the
        // socket and be busy exiting) — the port is what we need.
        if listening_inodes(port).is_empty() || targets.iter().all(|(pid, _)| !alive(*pid)) {
            break;
        }
        if !escalated && started.elapsed() >= TERM_GRACE {
            escalated = true;
            for (pid, _) in &targets {
                if let Some(p) = Pid::from_raw(*pid).filter(|_| alive(*pid)) {
                    let _ = kill_process(p, Signal::KILL);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (pid, cmd) in &targets {
        tracing::info!(target: "gateway", "force: killed pid {pid} ({cmd}) on port {port}");
    }
    targets.into_iter().map(|(pid, _)| pid).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zombies_and_missing_processes_are_not_alive() {
        assert!(alive(i32::try_from(std::process::id()).unwrap()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        // Until reaped, the exited child is a zombie.
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            !alive(pid),
            "an exited, unreaped child is a zombie, not alive"
        );
        child.wait().unwrap();
        assert!(!alive(pid));
    }

    #[test]
    fn finds_our_own_listener_inode() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(!listening_inodes(port).is_empty());
        // We never report ourselves as an owner to kill.
        assert!(owners(&listening_inodes(port)).is_empty());
    }
}
