//! Bind modes (`loopback | lan | tailnet | auto | custom`) resolved to listening sockets,
//! with OpenClaw's rules and its bind-failure wording.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::net::TcpListener;

/// The `gateway.bind` / `--bind` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindMode {
    Loopback,
    Lan,
    Tailnet,
    Auto,
    Custom,
}

impl BindMode {
    /// Parses a user value; `None` for anything else (callers print OpenClaw's message).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "loopback" => Some(Self::Loopback),
            "lan" => Some(Self::Lan),
            "tailnet" => Some(Self::Tailnet),
            "auto" => Some(Self::Auto),
            "custom" => Some(Self::Custom),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loopback => "loopback",
            Self::Lan => "lan",
            Self::Tailnet => "tailnet",
            Self::Auto => "auto",
            Self::Custom => "custom",
        }
    }
}

/// Error for an invalid `--bind` value, worded as OpenClaw does.
pub const INVALID_BIND_MESSAGE: &str =
    "Invalid --bind (use \"loopback\", \"lan\", \"tailnet\", \"auto\", or \"custom\")";

/// Failure to open the listening socket.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("another gateway instance is already listening on ws://{addr}")]
    InUse { addr: String },
    #[error("failed to bind gateway socket on ws://{addr}: {source}")]
    Other {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// The primary host a mode resolves to. Mirrors OpenClaw's `resolveGatewayBindHost`: modes that
/// cannot use their preferred address fall back instead of failing.
pub fn resolve_host(mode: BindMode, custom_host: Option<&str>) -> IpAddr {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    match mode {
        BindMode::Lan => any,
        BindMode::Loopback | BindMode::Auto => {
            if can_bind(loopback) {
                loopback
            } else {
                any
            }
        }
        BindMode::Tailnet => match tailnet_ipv4().filter(|ip| can_bind(IpAddr::V4(*ip))) {
            Some(ip) => IpAddr::V4(ip),
            None if can_bind(loopback) => loopback,
            None => any,
        },
        BindMode::Custom => match custom_host.and_then(|h| h.trim().parse::<Ipv4Addr>().ok()) {
            Some(ip) if can_bind(IpAddr::V4(ip)) => IpAddr::V4(ip),
            _ => any,
        },
    }
}

/// Whether the mode exposes the gateway beyond this machine (and therefore requires auth).
pub fn is_loopback_host(host: IpAddr) -> bool {
    host.is_loopback()
}

/// Formats `host:port` the way URLs need it (`[::1]:18789`).
pub fn display_addr(addr: SocketAddr) -> String {
    addr.to_string()
}

/// Opens the listeners: the primary host, plus `[::1]` when the primary is 127.0.0.1 and IPv6
/// loopback is available (OpenClaw does the same so `localhost` works either way).
pub async fn bind_listeners(host: IpAddr, port: u16) -> Result<Vec<TcpListener>, BindError> {
    let primary = SocketAddr::new(host, port);
    let first = TcpListener::bind(primary).await.map_err(|source| {
        let addr = display_addr(primary);
        if source.kind() == std::io::ErrorKind::AddrInUse {
            BindError::InUse { addr }
        } else {
            BindError::Other { addr, source }
        }
    })?;
    let mut listeners = vec![first];
    let actual_port = listeners[0].local_addr().map(|a| a.port()).unwrap_or(port);
    if host == IpAddr::V4(Ipv4Addr::LOCALHOST) {
        let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), actual_port);
        if let Ok(extra) = TcpListener::bind(v6).await {
            listeners.push(extra);
        }
    }
    // `lan` also answers on IPv6: private networks such as Fly's 6PN (`fly proxy`, WireGuard,
    // `<app>.internal`) are IPv6-only. A separate v6-only socket leaves the IPv4 one as it was.
    if host == IpAddr::V4(Ipv4Addr::UNSPECIFIED) {
        let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), actual_port);
        match bind_v6_only(v6) {
            Ok(extra) => listeners.push(extra),
            Err(error) => {
                tracing::debug!(target: "gateway", %error, "no IPv6 listener on [::]:{actual_port}");
            }
        }
    }
    Ok(listeners)
}

/// A listener on an IPv6 address that does not also claim the IPv4 port (`IPV6_V6ONLY`).
fn bind_v6_only(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_only_v6(true)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

fn can_bind(ip: IpAddr) -> bool {
    std::net::TcpListener::bind(SocketAddr::new(ip, 0)).is_ok()
}

/// First interface address in Tailscale's CGNAT range 100.64.0.0/10.
fn tailnet_ipv4() -> Option<Ipv4Addr> {
    let interfaces = if_addrs::get_if_addrs().ok()?;
    interfaces.into_iter().find_map(|iface| match iface.ip() {
        IpAddr::V4(ip) if is_tailnet(ip) => Some(ip),
        _ => None,
    })
}

fn is_tailnet(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    a == 100 && (64..128).contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_the_five_modes_only() {
        for m in ["loopback", "lan", "tailnet", "auto", "custom"] {
            assert_eq!(BindMode::parse(m).map(BindMode::as_str), Some(m));
        }
        assert_eq!(BindMode::parse("public"), None);
    }

    #[test]
    fn modes_resolve_like_openclaw() {
        assert_eq!(
            resolve_host(BindMode::Lan, None),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
        assert_eq!(
            resolve_host(BindMode::Loopback, None),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            resolve_host(BindMode::Auto, None),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            resolve_host(BindMode::Custom, Some("not-an-ip")),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
        assert_eq!(
            resolve_host(BindMode::Custom, Some("127.0.0.1")),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
    }

    #[test]
    fn tailnet_range_is_cgnat() {
        assert!(is_tailnet(Ipv4Addr::new(100, 64, 0, 1)));
        assert!(is_tailnet(Ipv4Addr::new(100, 127, 255, 254)));
        assert!(!is_tailnet(Ipv4Addr::new(100, 128, 0, 1)));
        assert!(!is_tailnet(Ipv4Addr::new(10, 0, 0, 1)));
    }

    #[tokio::test]
    async fn second_bind_reports_in_use() {
        let first = bind_listeners(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
            .await
            .unwrap();
        let port = first[0].local_addr().unwrap().port();
        let err = bind_listeners(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("another gateway instance is already listening on ws://127.0.0.1:{port}")
        );
    }
}
