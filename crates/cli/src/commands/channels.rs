//! `openclaw channels status`: every channel account of the running gateway as a table, from
//! `channels.status` (with `--probe`, each account's credentials are checked live).
//!
//! Also the connect helper the channel verbs share: a gateway that does not answer is reported
//! as "not running" with how to start it, and `--json` callers get a JSON error object.

use std::process::ExitCode;

use serde_json::{Value, json};

use super::agent::{print_json, report_failure};
use crate::args::{ChannelsAction, ChannelsStatusArgs, ConnectArgs};
use crate::context::Context;
use crate::rpc::{Client, RpcError};

/// Connects to the gateway `connect` points at. On failure the problem is already reported
/// (stderr, plus a JSON error object on stdout with `json`) and the exit code is returned.
pub(super) async fn connect_or_report(
    ctx: &Context,
    connect: &ConnectArgs,
    what: &str,
) -> Result<Client, ExitCode> {
    let target = ctx.target(connect);
    let url = target.url.clone();
    match Client::connect(target).await {
        Ok((client, _hello)) => Ok(client),
        Err(RpcError::Unreachable { reason, .. }) => {
            let message = format!(
                "{what}: no gateway is running at {url} ({reason}). Start it with `openclaw gateway` \
                 (or pass --url ws://host:port) and retry."
            );
            if connect.json {
                print_json(&json!({"ok": false, "error": {
                    "code": "GATEWAY_UNREACHABLE", "message": message, "url": url,
                }}));
            }
            eprintln!("{message}");
            Err(ExitCode::FAILURE)
        }
        Err(err) => Err(report_failure(what, &err, connect.json)),
    }
}

pub async fn run(ctx: &Context, action: ChannelsAction) -> anyhow::Result<ExitCode> {
    match action {
        ChannelsAction::Status(args) => status(ctx, args).await,
    }
}

async fn status(ctx: &Context, args: ChannelsStatusArgs) -> anyhow::Result<ExitCode> {
    let connect = args.gateway.connect(args.timeout, args.json);
    let mut client = match connect_or_report(ctx, &connect, "Channel status failed").await {
        Ok(client) => client,
        Err(code) => return Ok(code),
    };
    let params = json!({"probe": args.probe, "timeoutMs": args.timeout});
    // Probes run one after another on the gateway, each bounded by the timeout: wait for all.
    let wait = std::time::Duration::from_millis(args.timeout.saturating_mul(4).max(15_000));
    // Only a probe takes long enough to need feedback; a plain status answers at once.
    let progress = args
        .probe
        .then(|| crate::progress::Progress::start("probing channel accounts", args.json));
    let answer = client
        .call_with_timeout("channels.status", Some(params), false, wait)
        .await;
    drop(progress);
    client.close().await;
    let payload = match answer {
        Ok(payload) => payload,
        Err(err) => return Ok(report_failure("Channel status failed", &err, args.json)),
    };
    if args.json {
        print_json(&payload);
    } else {
        print_status(&payload, args.probe, super::sessions::now_ms());
    }
    Ok(ExitCode::SUCCESS)
}

/// "just now", "42s ago", "5m ago", "3h ago", "2d ago"; "-" when never.
pub(super) fn ago(at: Option<i64>, now: i64) -> String {
    let Some(at) = at else {
        return "-".into();
    };
    let seconds = (now - at).max(0) / 1000;
    match seconds {
        0..=4 => "just now".into(),
        5..=59 => format!("{seconds}s ago"),
        60..=3599 => format!("{}m ago", seconds / 60),
        3600..=86_399 => format!("{}h ago", seconds / 3600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

fn bot_cell(bot: Option<&Value>) -> String {
    let Some(bot) = bot.filter(|b| b.is_object()) else {
        return "-".into();
    };
    let name = bot.get("username").and_then(Value::as_str);
    let id = bot.get("id").and_then(Value::as_str);
    match (name, id) {
        (Some(name), Some(id)) => format!("@{name} ({id})"),
        (Some(name), None) => format!("@{name}"),
        (None, Some(id)) => id.to_owned(),
        (None, None) => "-".into(),
    }
}

fn probe_cell(probe: Option<&Value>) -> String {
    let Some(probe) = probe else {
        return "-".into();
    };
    if probe.get("ok").and_then(Value::as_bool) == Some(true) {
        let elapsed = probe
            .get("elapsedMs")
            .and_then(Value::as_u64)
            .map(|ms| format!(" in {ms} ms"))
            .unwrap_or_default();
        let bot = bot_cell(probe.get("bot"));
        if bot == "-" {
            format!("ok{elapsed}")
        } else {
            format!("ok{elapsed}, {bot}")
        }
    } else {
        let error = probe
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("failed");
        format!("failed: {error}")
    }
}

/// Prints rows as left-aligned columns two spaces apart (the first row is the header).
pub(super) fn print_rows(rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
}

fn print_status(payload: &Value, probe: bool, now: i64) {
    let order: Vec<&str> = payload
        .get("channelOrder")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if order.is_empty() {
        println!(
            "No channels are configured. Add a channels.discord section to openclaw.json (or set \
             DISCORD_BOT_TOKEN) and the gateway starts it."
        );
        return;
    }
    let mut header = vec![
        "Channel", "Account", "State", "Bot", "Token", "Inbound", "Outbound", "Restarts",
    ];
    if probe {
        header.push("Probe");
    }
    header.push("Last error");
    let mut rows: Vec<Vec<String>> = vec![header.into_iter().map(str::to_owned).collect()];
    for id in order {
        let label = payload
            .pointer(&format!("/channelLabels/{id}"))
            .and_then(Value::as_str)
            .unwrap_or(id);
        let accounts = payload
            .pointer(&format!("/channelAccounts/{id}"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for account in accounts {
            let text = |key: &str| {
                account
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or("-")
                    .to_owned()
            };
            let at = |key: &str| account.get(key).and_then(Value::as_i64);
            let restarts = account.get("restarts").and_then(Value::as_u64).unwrap_or(0)
                + account
                    .get("reconnectAttempts")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
            let mut row = vec![
                label.to_owned(),
                text("accountId"),
                text("state"),
                bot_cell(account.get("bot")),
                text("tokenSource"),
                ago(at("lastInboundAt"), now),
                ago(at("lastOutboundAt"), now),
                restarts.to_string(),
            ];
            if probe {
                row.push(probe_cell(account.get("probe")));
            }
            row.push(text("lastError"));
            rows.push(row);
        }
    }
    print_rows(&rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_well() {
        let now = 1_000_000_000;
        assert_eq!(ago(None, now), "-");
        assert_eq!(ago(Some(now - 1000), now), "just now");
        assert_eq!(ago(Some(now - 42_000), now), "42s ago");
        assert_eq!(ago(Some(now - 5 * 60_000), now), "5m ago");
        assert_eq!(ago(Some(now - 3 * 3_600_000), now), "3h ago");
        assert_eq!(ago(Some(now - 49 * 3_600_000), now), "2d ago");
        assert_eq!(
            bot_cell(Some(&json!({"id": "42", "username": "claw"}))),
            "@claw (42)"
        );
        assert_eq!(bot_cell(Some(&Value::Null)), "-");
        assert_eq!(
            probe_cell(Some(
                &json!({"ok": true, "elapsedMs": 12, "bot": {"id": "42", "username": "claw"}})
            )),
            "ok in 12 ms, @claw (42)"
        );
        assert_eq!(
            probe_cell(Some(&json!({"ok": false, "error": "401 Unauthorized"}))),
            "failed: 401 Unauthorized"
        );
        assert_eq!(probe_cell(None), "-");
    }
}
