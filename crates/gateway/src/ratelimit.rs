//! Failed-authentication limiter, keyed by client address, with OpenClaw 2026.9.6's
//! `gateway.auth.rateLimit` semantics: `maxAttempts` failures inside `windowMs` lock the address
//! out for `lockoutMs`; loopback is exempt unless `exemptLoopback` is false.
//!
//! Hand-written rather than `governor`: we need a failure counter with a lockout period, not a
//! token bucket, and the whole thing is a bounded map.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bound on tracked addresses; the stalest entry is evicted beyond it.
const MAX_TRACKED: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitPolicy {
    pub max_attempts: u32,
    pub window: Duration,
    pub lockout: Duration,
    pub exempt_loopback: bool,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            window: Duration::from_millis(60_000),
            lockout: Duration::from_millis(300_000),
            exempt_loopback: true,
        }
    }
}

#[derive(Debug)]
struct Entry {
    window_start: Instant,
    failures: u32,
    locked_until: Option<Instant>,
    last_seen: Instant,
}

/// Tracks failures per address.
#[derive(Debug, Default)]
pub struct AuthRateLimiter {
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

impl AuthRateLimiter {
    /// `Some(retry_after)` when `ip` is currently locked out.
    pub fn check(&self, policy: &RateLimitPolicy, ip: IpAddr, now: Instant) -> Option<Duration> {
        if policy.exempt_loopback && ip.is_loopback() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let until = entries.get(&ip)?.locked_until?;
        (until > now).then(|| until - now)
    }

    /// Records a failure; returns `Some(lockout)` when this failure triggered a lockout.
    pub fn record_failure(
        &self,
        policy: &RateLimitPolicy,
        ip: IpAddr,
        now: Instant,
    ) -> Option<Duration> {
        if policy.exempt_loopback && ip.is_loopback() {
            return None;
        }
        let mut entries = self.entries.lock().ok()?;
        if entries.len() >= MAX_TRACKED
            && !entries.contains_key(&ip)
            && let Some(stalest) = entries
                .iter()
                .min_by_key(|(_, e)| e.last_seen)
                .map(|(k, _)| *k)
        {
            entries.remove(&stalest);
        }
        let entry = entries.entry(ip).or_insert(Entry {
            window_start: now,
            failures: 0,
            locked_until: None,
            last_seen: now,
        });
        entry.last_seen = now;
        if entry.locked_until.is_some_and(|until| until <= now) {
            entry.locked_until = None;
            entry.failures = 0;
            entry.window_start = now;
        }
        if now.duration_since(entry.window_start) > policy.window {
            entry.window_start = now;
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= policy.max_attempts.max(1) && entry.locked_until.is_none() {
            entry.locked_until = Some(now + policy.lockout);
            return Some(policy.lockout);
        }
        None
    }

    /// A success clears the address's record.
    pub fn record_success(&self, ip: IpAddr) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max: u32) -> RateLimitPolicy {
        RateLimitPolicy {
            max_attempts: max,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
            exempt_loopback: true,
        }
    }

    #[test]
    fn locks_out_after_max_attempts_and_expires() {
        let limiter = AuthRateLimiter::default();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let t0 = Instant::now();
        let p = policy(3);
        assert_eq!(limiter.record_failure(&p, ip, t0), None);
        assert_eq!(limiter.record_failure(&p, ip, t0), None);
        assert_eq!(
            limiter.record_failure(&p, ip, t0),
            Some(Duration::from_secs(300))
        );
        assert!(
            limiter
                .check(&p, ip, t0 + Duration::from_secs(10))
                .is_some()
        );
        assert!(
            limiter
                .check(&p, ip, t0 + Duration::from_secs(301))
                .is_none()
        );
    }

    #[test]
    fn window_resets_counting_and_loopback_is_exempt() {
        let limiter = AuthRateLimiter::default();
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let t0 = Instant::now();
        let p = policy(2);
        limiter.record_failure(&p, ip, t0);
        assert_eq!(
            limiter.record_failure(&p, ip, t0 + Duration::from_secs(61)),
            None
        );
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..10 {
            assert_eq!(limiter.record_failure(&p, lo, t0), None);
        }
        assert!(limiter.check(&p, lo, t0).is_none());
        let strict = RateLimitPolicy {
            exempt_loopback: false,
            ..p
        };
        limiter.record_failure(&strict, lo, t0);
        assert!(limiter.record_failure(&strict, lo, t0).is_some());
    }

    #[test]
    fn map_stays_bounded() {
        let limiter = AuthRateLimiter::default();
        let p = policy(100);
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 50) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limiter.record_failure(&p, ip, t0);
        }
        assert!(limiter.entries.lock().unwrap().len() <= MAX_TRACKED);
    }
}
