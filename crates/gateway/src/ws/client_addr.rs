//! Who is on the other end: the client address (through trusted proxies only) and whether the
//! connection counts as local (OpenClaw §7.5: loopback socket, local Host header, and no proxy
//! headers unless the proxy is trusted).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy)]
pub struct ClientAddr {
    /// The address rate limiting and logs use.
    pub ip: IpAddr,
    pub is_local: bool,
}

const PROXY_HEADERS: [&str; 5] = [
    "x-forwarded-for",
    "x-real-ip",
    "fly-client-ip",
    "x-forwarded-proto",
    "x-forwarded-host",
];

pub fn classify(peer: SocketAddr, headers: &HeaderMap, trusted_proxies: &[String]) -> ClientAddr {
    let peer_ip = peer.ip().to_canonical();
    let has_proxy_headers = PROXY_HEADERS.iter().any(|h| headers.contains_key(*h));
    let peer_trusted = trusted_proxies
        .iter()
        .any(|p| proxy_entry_matches(p, peer_ip));
    let forwarded_ip = if peer_trusted {
        forwarded_client_ip(headers)
    } else {
        None
    };
    let ip = forwarded_ip.unwrap_or(peer_ip);
    let host_is_local = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(host_without_port)
        .is_none_or(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h == "127.0.0.1"
                || h == "::1"
                || h.to_ascii_lowercase().ends_with(".ts.net")
        });
    let is_local = if has_proxy_headers {
        peer_trusted && ip.is_loopback() && host_is_local
    } else {
        peer_ip.is_loopback() && host_is_local
    };
    ClientAddr { ip, is_local }
}

/// A `gateway.trustedProxies` entry: an exact IP as in OpenClaw, or (our extension) a CIDR
/// range such as `fdaa::/16` — a platform's proxies (Fly's, for one) do not have fixed addresses.
fn proxy_entry_matches(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim();
    let Some((network, bits)) = entry.split_once('/') else {
        return entry.parse::<IpAddr>().ok().map(|e| e.to_canonical()) == Some(ip);
    };
    let (Ok(network), Ok(bits)) = (network.trim().parse::<IpAddr>(), bits.trim().parse::<u32>())
    else {
        return false;
    };
    match (network.to_canonical(), ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(net) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}

fn forwarded_client_ip(headers: &HeaderMap) -> Option<IpAddr> {
    // Fly's proxy names the client it accepted in its own header.
    let fly = headers
        .get("fly-client-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    if fly.is_some() {
        return fly;
    }
    let xff = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    xff.or_else(|| {
        headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    })
}

fn host_without_port(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn trusted_proxy_entries_are_exact_ips_or_cidr_ranges() {
        let v4: IpAddr = "172.19.3.4".parse().unwrap();
        let v6: IpAddr = "fdaa:0:1::3".parse().unwrap();
        assert!(proxy_entry_matches("172.19.3.4", v4));
        assert!(!proxy_entry_matches("172.19.3.5", v4));
        assert!(proxy_entry_matches("172.16.0.0/12", v4));
        assert!(!proxy_entry_matches("10.0.0.0/8", v4));
        assert!(proxy_entry_matches("fdaa::/16", v6));
        assert!(!proxy_entry_matches("fdab::/16", v6));
        assert!(proxy_entry_matches("0.0.0.0/0", v4));
        assert!(!proxy_entry_matches("fdaa::/16", v4));
        assert!(!proxy_entry_matches("nonsense/8", v4));
        assert!(!proxy_entry_matches("10.0.0.0/99", v4));
    }

    #[test]
    fn fly_client_ip_names_the_client_behind_a_trusted_proxy() {
        let peer: SocketAddr = "[fdaa:0:1::3]:4000".parse().unwrap();
        let h = headers(&[
            ("fly-client-ip", "203.0.113.9"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        let trusted = classify(peer, &h, &["fdaa::/16".to_owned()]);
        assert_eq!(trusted.ip, "203.0.113.9".parse::<IpAddr>().unwrap());
        assert!(!trusted.is_local);
        // From an untrusted peer the header is ignored.
        let untrusted = classify(peer, &h, &[]);
        assert_eq!(untrusted.ip, peer.ip());
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn loopback_with_local_host_is_local() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert!(classify(peer, &headers(&[("host", "127.0.0.1:18789")]), &[]).is_local);
        assert!(classify(peer, &headers(&[("host", "localhost")]), &[]).is_local);
        assert!(classify(peer, &headers(&[("host", "[::1]:3000")]), &[]).is_local);
    }

    #[test]
    fn proxy_headers_from_untrusted_peer_are_never_local_and_ignored() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let h = headers(&[("host", "localhost"), ("x-forwarded-for", "203.0.113.9")]);
        let c = classify(peer, &h, &[]);
        assert!(!c.is_local);
        assert_eq!(c.ip, peer.ip());
    }

    #[test]
    fn trusted_proxy_yields_the_forwarded_address() {
        let peer: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let h = headers(&[
            ("host", "app.fly.dev"),
            ("x-forwarded-for", "203.0.113.9, 10.0.0.2"),
        ]);
        let c = classify(peer, &h, &["10.0.0.2".to_string()]);
        assert_eq!(c.ip.to_string(), "203.0.113.9");
        assert!(!c.is_local);
    }

    #[test]
    fn remote_peer_is_not_local() {
        let peer: SocketAddr = "198.51.100.4:5000".parse().unwrap();
        assert!(!classify(peer, &headers(&[("host", "localhost")]), &[]).is_local);
    }
}
