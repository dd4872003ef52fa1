//! Usage ledger: one row per model call (tokens and cost), summed per host-local day for
//! `usage.cost` (`{date, input, output, cacheRead, cacheWrite, totalTokens, totalCost,
//! missingCostEntries}`).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{StoreError, sql};

/// One model call's usage.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRecord {
    /// When the call finished, ms since the Unix epoch.
    pub timestamp_ms: i64,
    /// The session key the call ran for.
    pub session_key: String,
    /// The transcript it belongs to.
    pub session_id: String,
    /// Provider id (`anthropic`, `openai`, …).
    pub provider: String,
    /// Model id.
    pub model: String,
    /// Input (prompt) tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Tokens read from the prompt cache.
    pub cache_read: u64,
    /// Tokens written to the prompt cache.
    pub cache_write: u64,
    /// Total tokens as the provider reported them.
    pub total_tokens: u64,
    /// Cost in USD, when the model's prices are known.
    pub cost: Option<f64>,
}

/// Usage summed over a day (or over the whole range, for totals).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTotals {
    /// Input tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Cache-read tokens.
    pub cache_read: u64,
    /// Cache-write tokens.
    pub cache_write: u64,
    /// Total tokens.
    pub total_tokens: u64,
    /// Summed known costs (USD).
    pub total_cost: f64,
    /// Calls whose cost was unknown.
    pub missing_cost_entries: u64,
}

impl UsageTotals {
    fn add(&mut self, row: &UsageRow) {
        self.input += row.input;
        self.output += row.output;
        self.cache_read += row.cache_read;
        self.cache_write += row.cache_write;
        self.total_tokens += row.total_tokens;
        match row.cost {
            Some(cost) => self.total_cost += cost,
            None => self.missing_cost_entries += 1,
        }
    }
}

/// One day's usage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyUsage {
    /// `YYYY-MM-DD`, host-local.
    pub date: String,
    /// The day's sums.
    #[serde(flatten)]
    pub totals: UsageTotals,
}

/// `usage.cost`'s data: per-day sums, oldest first, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageSummary {
    /// Days with usage, oldest first.
    pub daily: Vec<DailyUsage>,
    /// Sums over every day.
    pub totals: UsageTotals,
}

struct UsageRow {
    timestamp_ms: i64,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
    total_tokens: u64,
    cost: Option<f64>,
}

fn to_sql_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn record(
    conn: &Connection,
    agent_id: &str,
    usage: &UsageRecord,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO usage (ts, agent_id, session_key, session_id, provider, model,
                            input, output, cache_read, cache_write, total_tokens, cost)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            usage.timestamp_ms,
            agent_id,
            usage.session_key,
            usage.session_id,
            usage.provider,
            usage.model,
            to_sql_count(usage.input),
            to_sql_count(usage.output),
            to_sql_count(usage.cache_read),
            to_sql_count(usage.cache_write),
            to_sql_count(usage.total_tokens),
            usage.cost,
        ])
    })
    .map_err(sql("record usage"))?;
    Ok(())
}

/// Sums usage recorded at or after `since_ms`, per day in `time_zone`.
pub(crate) fn summarize(
    conn: &Connection,
    since_ms: i64,
    time_zone: &TimeZone,
) -> Result<UsageSummary, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT ts, input, output, cache_read, cache_write, total_tokens, cost
             FROM usage WHERE ts >= ?1 ORDER BY ts",
        )
        .and_then(|mut statement| {
            statement
                .query_map([since_ms], |row| {
                    let count = |index| row.get::<_, i64>(index).map(|v| v.max(0) as u64);
                    Ok(UsageRow {
                        timestamp_ms: row.get(0)?,
                        input: count(1)?,
                        output: count(2)?,
                        cache_read: count(3)?,
                        cache_write: count(4)?,
                        total_tokens: count(5)?,
                        cost: row.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql("summarize usage"))?;
    let mut daily: Vec<DailyUsage> = Vec::new();
    let mut totals = UsageTotals::default();
    for row in &rows {
        let date = Timestamp::from_millisecond(row.timestamp_ms)
            .map(|ts| ts.to_zoned_datetime(time_zone.clone()).date().to_string())
            .unwrap_or_else(|_| "1970-01-01".to_owned());
        // Rows come in time order, so a new date always starts a new bucket.
        match daily.last_mut() {
            Some(day) if day.date == date => day.totals.add(row),
            _ => {
                let mut totals = UsageTotals::default();
                totals.add(row);
                daily.push(DailyUsage { date, totals });
            }
        }
        totals.add(row);
    }
    Ok(UsageSummary { daily, totals })
}
