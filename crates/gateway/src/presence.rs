//! `system-presence`: the gateway's own entry plus tracked (non-CLI) clients.
//!
//! The gateway's own row carries the host's primary address (`ip`) like OpenClaw's, so the
//! Control UI's Instances tab can tell gateways on different machines apart. It is looked up
//! once at start-up and left out when the host has no outbound route.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

use crate::state::now_ms;

/// Bound on tracked client entries (each connection adds at most one).
const MAX_ENTRIES: usize = 1024;

pub struct Presence {
    host: String,
    ip: Option<IpAddr>,
    version: &'static str,
    gateway_ts: u64,
    clients: Mutex<BTreeMap<String, Value>>,
    state_version: AtomicU64,
}

impl Presence {
    pub fn new(host: String, version: &'static str) -> Self {
        Self {
            host,
            ip: primary_ip(),
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
        self_entry(&self.host, self.ip, self.version, self.gateway_ts)
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

/// The gateway's own presence row: `ip` (and its mention in `text`) only when known.
fn self_entry(host: &str, ip: Option<IpAddr>, version: &str, ts: u64) -> Value {
    let host_label = match ip {
        Some(ip) => format!("{host} ({ip})"),
        None => host.to_string(),
    };
    let mut entry = Map::new();
    entry.insert("host".into(), json!(host));
    if let Some(ip) = ip {
        entry.insert("ip".into(), json!(ip.to_string()));
    }
    entry.insert("version".into(), json!(version));
    let platform = format!("{} {}", std::env::consts::OS, kernel_release());
    entry.insert("platform".into(), json!(platform));
    entry.insert("deviceFamily".into(), json!(device_family()));
    entry.insert("modelIdentifier".into(), json!(std::env::consts::ARCH));
    entry.insert("mode".into(), json!("gateway"));
    entry.insert("reason".into(), json!("self"));
    let text = format!("Gateway: {host_label} · app {version} · mode gateway · reason self");
    entry.insert("text".into(), json!(text));
    entry.insert("ts".into(), json!(ts));
    Value::Object(entry)
}

/// The source address the kernel would use for outbound traffic: "connecting" a UDP socket
/// only selects a route, nothing is sent (192.0.2.1 is TEST-NET-1, never a real peer).
/// `None` when there is no route or only loopback.
fn primary_ip() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_row_names_the_address_when_known() {
        let ip: IpAddr = "192.0.2.2".parse().unwrap();
        let row = self_entry("vm", Some(ip), "1.2.3", 7);
        assert_eq!(row["ip"], "192.0.2.2");
        assert_eq!(
            row["text"],
            "Gateway: vm (192.0.2.2) · app 1.2.3 · mode gateway · reason self"
        );
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys[..2], ["host", "ip"]);

        let row = self_entry("vm", None, "1.2.3", 7);
        assert!(row.get("ip").is_none());
        assert_eq!(
            row["text"],
            "Gateway: vm · app 1.2.3 · mode gateway · reason self"
        );
        assert_eq!(row["mode"], "gateway");
        assert_eq!(row["reason"], "self");
    }

    #[test]
    fn clients_come_and_go_and_bump_the_version() {
        let presence = Presence::new("vm".into(), "1.0.0");
        let start = presence.version();
        assert!(presence.upsert("a".into(), json!({"mode": "webchat", "ts": 1})));
        assert_eq!(presence.list().len(), 2);
        assert!(presence.version() > start);
        assert!(presence.remove("a"));
        assert!(!presence.remove("a"));
        assert_eq!(presence.list().len(), 1);
        assert_eq!(presence.list()[0]["reason"], "self");
    }
}
