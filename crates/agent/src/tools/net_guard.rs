//! SSRF guard for `web_fetch`: which addresses and host names a fetch may reach.
//!
//! The check runs on the addresses a name actually resolves to, inside the HTTP client's own
//! resolver, so the connection goes to exactly the addresses that were checked (no gap for DNS
//! rebinding between a check and the connect). IP-literal URLs never reach a resolver, so callers
//! also check them with [`check_host`]. Proxies must be disabled on the client (a proxy would
//! resolve the name itself).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which special-purpose ranges a fetch may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct AddressPolicy {
    /// Everything below is reachable (loopback, private, link-local, …).
    pub allow_private: bool,
    /// 198.18.0.0/15 (used by fake-IP proxies).
    pub allow_benchmark: bool,
    /// fc00::/7.
    pub allow_unique_local: bool,
}

/// A refused destination.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} resolves to {ip}, a {kind} address")]
pub(crate) struct Blocked {
    pub host: String,
    pub ip: IpAddr,
    pub kind: &'static str,
}

/// Why `ip` may not be fetched, if it may not.
pub(crate) fn blocked_kind(ip: IpAddr, policy: AddressPolicy) -> Option<&'static str> {
    if policy.allow_private {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => v4_kind(v4, policy),
        IpAddr::V6(v6) => v6_kind(v6, policy),
    }
}

fn v4_kind(ip: Ipv4Addr, policy: AddressPolicy) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = match (a, b, c) {
        (0, _, _) => "\"this network\" (0.0.0.0/8)",
        (10, _, _) => "private (10.0.0.0/8)",
        (100, 64..=127, _) => "carrier-grade NAT (100.64.0.0/10)",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 0, 0) => "IETF protocol assignment (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation (TEST-NET)",
        (192, 88, 99) => "6to4 relay anycast",
        (192, 168, _) => "private (192.168.0.0/16)",
        (198, 18..=19, _) if !policy.allow_benchmark => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved or broadcast",
        _ => return None,
    };
    Some(kind)
}

fn v6_kind(ip: Ipv6Addr, policy: AddressPolicy) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Addresses that embed an IPv4 address are judged by it.
    if let Some(v4) = embedded_v4(ip) {
        return v4_kind(v4, policy);
    }
    let seg = ip.segments();
    let kind = match seg[0] {
        0xfc00..=0xfdff if !policy.allow_unique_local => "unique-local (fc00::/7)",
        0xfe80..=0xfebf => "link-local (fe80::/10)",
        0xfec0..=0xfeff => "site-local (fec0::/10)",
        0xff00..=0xffff => "multicast",
        0x2001 if seg[1] == 0x0db8 => "documentation (2001:db8::/32)",
        0x0100 if seg[1..4] == [0, 0, 0] => "discard-only (100::/64)",
        0x0000..=0x00ff => "reserved (::/8)",
        _ => return None,
    };
    Some(kind)
}

/// The IPv4 address inside IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) addresses.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if seg[..6] == [0, 0, 0, 0, 0, 0] {
        return Some(low(seg[6], seg[7]));
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low(seg[6], seg[7]));
    }
    if seg[0] == 0x2002 {
        return Some(low(seg[1], seg[2]));
    }
    None
}

/// Host names that are internal by definition, whatever they resolve to.
fn blocked_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host == "localhost.localdomain"
        || host == "metadata.google.internal"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
}

/// Checks a URL host before any connection: internal names and IP literals.
pub(crate) fn check_host(host: &str, policy: AddressPolicy) -> Result<(), Blocked> {
    if policy.allow_private {
        return Ok(());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return match blocked_kind(ip, policy) {
            Some(kind) => Err(Blocked {
                host: host.to_owned(),
                ip,
                kind,
            }),
            None => Ok(()),
        };
    }
    if blocked_name(bare) {
        return Err(Blocked {
            host: host.to_owned(),
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            kind: "local or internal host name's",
        });
    }
    Ok(())
}

/// A reqwest resolver that refuses names resolving to any blocked address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // One bad address refuses the name: the client may pick any of them.
            for addr in &addrs {
                if let Some(kind) = blocked_kind(addr.ip(), policy) {
                    return Err(Box::new(Blocked {
                        host: host.clone(),
                        ip: addr.ip(),
                        kind,
                    })
                        as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The [`Blocked`] error somewhere in `err`'s source chain.
pub(crate) fn find_blocked<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Blocked> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(blocked) = e.downcast_ref::<Blocked>() {
            return Some(blocked);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> AddressPolicy {
        AddressPolicy::default()
    }

    #[test]
    fn ipv4_ranges() {
        let blocked = [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ];
        for ip in blocked {
            assert!(
                blocked_kind(ip.parse().unwrap(), strict()).is_some(),
                "{ip}"
            );
        }
        let allowed = [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "93.184.216.34",
        ];
        for ip in allowed {
            assert!(
                blocked_kind(ip.parse().unwrap(), strict()).is_none(),
                "{ip}"
            );
        }
    }

    #[test]
    fn ipv6_ranges() {
        let blocked = [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
        ];
        for ip in blocked {
            assert!(
                blocked_kind(ip.parse().unwrap(), strict()).is_some(),
                "{ip}"
            );
        }
        let allowed = [
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
            "64:ff9b::808:808",
        ];
        for ip in allowed {
            assert!(
                blocked_kind(ip.parse().unwrap(), strict()).is_none(),
                "{ip}"
            );
        }
    }

    #[test]
    fn opt_ins() {
        let benchmark = AddressPolicy {
            allow_benchmark: true,
            ..strict()
        };
        assert!(blocked_kind("198.18.0.1".parse().unwrap(), benchmark).is_none());
        assert!(blocked_kind("127.0.0.1".parse().unwrap(), benchmark).is_some());
        let ula = AddressPolicy {
            allow_unique_local: true,
            ..strict()
        };
        assert!(blocked_kind("fd00::1".parse().unwrap(), ula).is_none());
        let private = AddressPolicy {
            allow_private: true,
            ..strict()
        };
        assert!(blocked_kind("127.0.0.1".parse().unwrap(), private).is_none());
        assert!(check_host("localhost", private).is_ok());
    }

    #[test]
    fn host_names() {
        for host in [
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "printer.local",
            "metadata.google.internal",
            "x.internal",
            "[::1]",
            "127.0.0.1",
        ] {
            assert!(check_host(host, strict()).is_err(), "{host}");
        }
        for host in [
            "example.com",
            "localhost.example.com",
            "[2606:4700::1]",
            "8.8.8.8",
        ] {
            assert!(check_host(host, strict()).is_ok(), "{host}");
        }
    }

    #[tokio::test]
    async fn resolver_refuses_loopback_names() {
        let resolver = GuardedResolver { policy: strict() };
        let name: Name = "localhost".parse().unwrap();
        let err = match resolver.resolve(name).await {
            Ok(_) => panic!("localhost must be refused"),
            Err(err) => err,
        };
        assert!(find_blocked(err.as_ref()).is_some(), "{err}");
        let open = GuardedResolver {
            policy: AddressPolicy {
                allow_private: true,
                ..strict()
            },
        };
        let addrs: Vec<_> = open
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
