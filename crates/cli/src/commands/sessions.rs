//! `openclaw sessions`: the stored sessions, newest first.
//!
//! OpenClaw's CLI reads its `sessions.json` files directly. Here the sessions live in
//! `<state>/openclaw.sqlite`, which has exactly one owner: the gateway (one writer thread,
//! migrations, the one-time Node import). Opening it from the CLI would start a second writer
//! next to a running gateway, or migrate/import behind the user's back when none runs, so this
//! verb asks the running gateway (`sessions.list`) and, when none answers, says how to start it.
//!
//! Scope like OpenClaw: the default agent's sessions (asked from the gateway's `agents.list`),
//! `--agent <id>` for another, `--all-agents` for every agent. `--limit` defaults to 100.

use std::process::ExitCode;

use serde_json::{Map, Value, json};

use super::agent::{print_json, report_failure};
use crate::args::SessionsArgs;
use crate::context::Context;
use crate::rpc::{Client, RpcError};

/// Rows shown when `--limit` is not given (OpenClaw's bounded default).
const DEFAULT_LIMIT: u64 = 100;

fn positive(raw: &str) -> Option<u64> {
    raw.trim().parse::<u64>().ok().filter(|n| *n > 0)
}

/// `--limit`: `None` for `all`, the number otherwise; `Err` with the message for bad input.
fn parse_limit(raw: Option<&str>) -> Result<Option<u64>, String> {
    match raw {
        None => Ok(Some(DEFAULT_LIMIT)),
        Some(raw) if raw.trim().eq_ignore_ascii_case("all") => Ok(None),
        Some(raw) => positive(raw).map(Some).ok_or_else(|| {
            format!("--limit must be a positive integer or \"all\" (got {raw:?}), for example --limit 25.")
        }),
    }
}

pub async fn run(ctx: &Context, args: SessionsArgs) -> anyhow::Result<ExitCode> {
    let active = match args.active.as_deref() {
        None => None,
        Some(raw) => match positive(raw) {
            Some(minutes) => Some(minutes),
            None => {
                eprintln!(
                    "--active must be a positive number of minutes (got {raw:?}), for example --active 30."
                );
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    let limit = match parse_limit(args.limit.as_deref()) {
        Ok(limit) => limit,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let target = ctx.target(&args.gateway.connect(args.timeout, args.json));
    let url = target.url.clone();
    let mut client = match Client::connect(target).await {
        Ok((client, _hello)) => client,
        Err(RpcError::Unreachable { reason, .. }) => {
            eprintln!(
                "No gateway running at {url} ({reason}); start it with `openclaw gateway`, or pass --url ws://host:port.\n\
                 Sessions are stored in {}, which only the gateway opens.",
                ctx.paths.state_dir.join("openclaw.sqlite").display()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Ok(report_failure("Listing sessions failed", &err, args.json)),
    };
    let agent_id = match (&args.agent, args.all_agents) {
        (Some(agent), _) => Some(agent.trim().to_owned()),
        (None, true) => None,
        // An older gateway without `agents.list` still lists sessions, just unscoped.
        (None, false) => client
            .call("agents.list", None, false)
            .await
            .ok()
            .and_then(|list| list.get("defaultId")?.as_str().map(str::to_owned)),
    };
    let mut params = Map::new();
    if let Some(agent_id) = &agent_id {
        params.insert("agentId".into(), json!(agent_id));
    }
    if let Some(minutes) = active {
        params.insert("activeMinutes".into(), json!(minutes));
    }
    if let Some(limit) = limit {
        params.insert("limit".into(), json!(limit));
    }
    let result = client
        .call("sessions.list", Some(Value::Object(params)), false)
        .await;
    client.close().await;
    let list = match result {
        Ok(list) => list,
        Err(err) => return Ok(report_failure("Listing sessions failed", &err, args.json)),
    };
    if args.json {
        print_json(&list);
    } else {
        print_table(&list, active, limit, now_ms());
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// "just now", "5m ago", "3h ago", "2d ago".
fn format_age(updated_at: Option<i64>, now: i64) -> String {
    let Some(updated_at) = updated_at else {
        return "-".into();
    };
    let minutes = (now - updated_at).max(0) / 60_000;
    if minutes < 1 {
        "just now".into()
    } else if minutes < 60 {
        format!("{minutes}m ago")
    } else if minutes < 24 * 60 {
        format!("{}h ago", minutes / 60)
    } else {
        format!("{}d ago", minutes / (24 * 60))
    }
}

/// Compact token counts: 950, 1.5k, 128k, 1.2m.
fn format_tokens(n: u64) -> String {
    let scaled = |value: f64, unit: &str| {
        let text = format!("{value:.1}");
        format!("{}{unit}", text.strip_suffix(".0").unwrap_or(&text))
    };
    // Token counts stay far below 2^52, where f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n >= 1_000_000 {
        scaled(f / 1_000_000.0, "m")
    } else if n >= 10_000 {
        format!("{}k", (f / 1000.0).round())
    } else if n >= 1000 {
        scaled(f / 1000.0, "k")
    } else {
        n.to_string()
    }
}

/// `total/context (pct%)`, `?` where unknown.
fn tokens_cell(row: &Value, default_context: Option<u64>) -> String {
    let number = |key: &str| row.get(key).and_then(Value::as_u64);
    let total =
        number("totalTokens").or_else(|| match (number("inputTokens"), number("outputTokens")) {
            (None, None) => None,
            (input, output) => Some(input.unwrap_or(0) + output.unwrap_or(0)),
        });
    let context = number("contextTokens")
        .or(default_context)
        .filter(|c| *c > 0);
    let total_label = total.map_or_else(|| "unknown".to_owned(), format_tokens);
    let context_label = context.map_or_else(|| "?".to_owned(), format_tokens);
    let pct = match (total, context) {
        (Some(total), Some(context)) => (total.saturating_mul(100) / context).min(999).to_string(),
        _ => "?".to_owned(),
    };
    format!("{total_label}/{context_label} ({pct}%)")
}

fn channel_cell(row: &Value) -> String {
    [
        "/channel",
        "/lastChannel",
        "/deliveryContext/channel",
        "/origin/provider",
    ]
    .iter()
    .find_map(|ptr| {
        row.pointer(ptr)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    })
    .unwrap_or("-")
    .to_owned()
}

/// Prints rows as left-aligned columns two spaces apart (the first row is the header).
pub(super) fn print_aligned<const N: usize>(table: &[[String; N]]) {
    let mut widths = [0usize; N];
    for line in table {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for line in table {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
}

fn print_table(list: &Value, active: Option<u64>, limit: Option<u64>, now: i64) {
    let rows = list
        .get("sessions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(path) = list.get("path").and_then(Value::as_str) {
        println!("Session store: {path}");
    }
    println!("Sessions listed: {}", rows.len());
    if let Some(minutes) = active {
        println!("Filtered to last {minutes} minute(s)");
    }
    if rows.is_empty() {
        println!("No sessions found.");
        return;
    }
    let default_model = list.pointer("/defaults/model").and_then(Value::as_str);
    let default_context = list
        .pointer("/defaults/contextTokens")
        .and_then(Value::as_u64);
    let mut table: Vec<[String; 6]> = vec![[
        "Kind".into(),
        "Key".into(),
        "Channel".into(),
        "Age".into(),
        "Model".into(),
        "Tokens (ctx %)".into(),
    ]];
    for row in rows {
        let text = |key: &str| {
            row.get(key)
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_owned()
        };
        table.push([
            text("kind"),
            text("key"),
            channel_cell(row),
            format_age(row.get("updatedAt").and_then(Value::as_i64), now),
            row.get("model")
                .and_then(Value::as_str)
                .or(default_model)
                .unwrap_or("-")
                .to_owned(),
            tokens_cell(row, default_context),
        ]);
    }
    print_aligned(&table);
    if let Some(limit) = limit
        && u64::try_from(rows.len()).is_ok_and(|n| n >= limit)
    {
        println!("(showing the newest {limit}; pass --limit all to see every session)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_token_counts_read_like_openclaw() {
        let now = 10 * 24 * 3_600_000;
        assert_eq!(format_age(Some(now - 30_000), now), "just now");
        assert_eq!(format_age(Some(now - 5 * 60_000), now), "5m ago");
        assert_eq!(format_age(Some(now - 3 * 3_600_000), now), "3h ago");
        assert_eq!(format_age(Some(now - 2 * 24 * 3_600_000), now), "2d ago");
        assert_eq!(format_age(None, now), "-");
        assert_eq!(format_tokens(950), "950");
        assert_eq!(format_tokens(1500), "1.5k");
        assert_eq!(format_tokens(2000), "2k");
        assert_eq!(format_tokens(128_000), "128k");
        assert_eq!(format_tokens(1_200_000), "1.2m");
        let row = json!({"inputTokens": 12, "outputTokens": 6});
        assert_eq!(tokens_cell(&row, Some(128_000)), "18/128k (0%)");
        assert_eq!(
            tokens_cell(
                &json!({"totalTokens": 64_000, "contextTokens": 128_000}),
                None
            ),
            "64k/128k (50%)"
        );
        assert_eq!(tokens_cell(&json!({}), None), "unknown/? (?%)");
    }

    #[test]
    fn limit_accepts_numbers_and_all() {
        assert_eq!(parse_limit(None), Ok(Some(DEFAULT_LIMIT)));
        assert_eq!(parse_limit(Some("all")), Ok(None));
        assert_eq!(parse_limit(Some("25")), Ok(Some(25)));
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("many")).is_err());
    }
}
