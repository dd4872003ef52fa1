//! Clock helpers: the store speaks milliseconds since the Unix epoch (as OpenClaw's `updatedAt`)
//! and writes ISO-8601 UTC timestamps with milliseconds (as JavaScript's `toISOString`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// `2026-11-24T20:00:00.000Z` for `ms`; out-of-range values clamp to the epoch.
pub fn iso_timestamp(ms: i64) -> String {
    let timestamp = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!("{timestamp:.3}")
}
