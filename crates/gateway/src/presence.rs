//! `system-presence`: the gateway's own entry plus tracked (non-CLI) clients.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::state::now_ms;

/// Bound on tracked client entries (each connection adds at most one).
const MAX_ENTRIES: usize = 1024;

pub struct Presence {
    host: String,
    version: &'static str,
    gateway_ts: u64,
    clients: Mutex<BTreeMap<String, Value>>,
    state_version: AtomicU64,
}

impl Presence {
    pub fn new(host: String, version: &'static str) -> Self {
        Self {
            host,
            version,
            gateway_ts: now_ms(),
            clients: Mutex::new(BTreeMap::new()),
            state_version: AtomicU64::new(1),
        }
    }

    pub fn version(&self) -> u64 {
        self.state_version.load(Ordering::Relaxed)
    }

    /// The gateway's own row, shaped like OpenClaw's.
    fn self_entry(&self) -> Value {
        let platform = format!("{} {}", std::env::consts::OS, kernel_release());
        json!({
            "host": self.host,
            "version": self.version,
            "platform": platform,
            "deviceFamily": device_family(),
            "modelIdentifier": std::env::consts::ARCH,
            "mode": "gateway",
            "reason": "self",
            "text": format!("Gateway: {} · app {} · mode gateway · reason self", self.host, self.version),
            "ts": self.gateway_ts,
        })
    }

    pub fn list(&self) -> Vec<Value> {
        let mut out = vec![self.self_entry()];
        if let Ok(clients) = self.clients.lock() {
            out.extend(clients.values().cloned());
        }
        out
    }

    /// Tracks a client; returns true when the list changed.
    pub fn upsert(&self, key: String, entry: Value) -> bool {
        let Ok(mut clients) = self.clients.lock() else {
            return false;
        };
        if clients.len() >= MAX_ENTRIES && !clients.contains_key(&key) {
            return false;
        }
        clients.insert(key, entry);
        self.state_version.fetch_add(1, Ordering::Relaxed);
        true
    }

    pub fn remove(&self, key: &str) -> bool {
        let Ok(mut clients) = self.clients.lock() else {
            return false;
        };
        let removed = clients.remove(key).is_some();
        if removed {
            self.state_version.fetch_add(1, Ordering::Relaxed);
        }
        removed
    }
}

fn kernel_release() -> String {
    rustix::system::uname()
        .release()
        .to_string_lossy()
        .into_owned()
}

fn device_family() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Mac",
        "windows" => "Windows",
        _ => "Unknown",
    }
}
