//! `openclaw pairing list|approve|deny`: DM pairing requests, with or without a gateway.
//!
//! Like OpenClaw, these work on the pairing files directly (`<credentials>/<channel>-pairing.json`
//! and `<channel>-allowFrom.json`, through [`PairingStore`], which locks them against the
//! gateway writing at the same time). The gateway reads the allowlist file for every message,
//! so an approval counts at once, running gateway or not.
//!
//! `approve --notify` has to send a DM, which only a running gateway (with a connected bot) can
//! do: then the approval goes through `channels.pairing.approve` instead. When no gateway
//! answers, the approval is still made on the files and the missing notification is reported;
//! the approval itself succeeded, so the exit code stays 0.

use std::process::ExitCode;
use std::time::Duration;

use openclaw_channels::pairing::{
    ApproveOutcome, DenyOutcome, PENDING_TTL_MS, PairingError, PairingRequest, PairingStore,
};
use serde_json::{Value, json};

use super::agent::print_json;
use crate::args::{PairingAction, PairingCodeArgs, PairingListArgs};
use crate::context::Context;
use crate::rpc::{Client, RpcError};

/// Channels with DM pairing in this build.
const PAIRING_CHANNELS: &[&str] = &["discord"];

/// How long `approve --notify` waits to find a gateway before approving offline.
const NOTIFY_CONNECT_TIMEOUT_MS: u64 = 3_000;

#[derive(Debug, thiserror::Error)]
enum PairingCliError {
    #[error(
        "unknown channel {0:?}: pairing is supported for {list}",
        list = PAIRING_CHANNELS.join(", ")
    )]
    UnknownChannel(String),
    #[error("the channel is given twice ({0:?} and --channel {1:?}); pass it once")]
    ChannelTwice(String, String),
    #[error("no pairing code given: pass it as `openclaw pairing {0} [channel] <code>`")]
    MissingCode(&'static str),
    #[error(
        "no pending {channel} pairing request with code {code}: it may have expired (codes last {minutes} minutes) \
         or been handled already; `openclaw pairing list {channel}` shows the pending ones",
        minutes = PENDING_TTL_MS / 60_000
    )]
    NotFound { channel: String, code: String },
    #[error(transparent)]
    Store(#[from] PairingError),
    #[error("the pairing store task failed: {0}; retry the command")]
    Task(String),
}

fn channel_name(raw: Option<&str>) -> Result<String, PairingCliError> {
    let name = raw
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| PAIRING_CHANNELS[0].to_owned());
    if PAIRING_CHANNELS.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(PairingCliError::UnknownChannel(name))
    }
}

/// `[channel] code` plus `--channel`: the channel and the code.
fn channel_and_code(
    positional: &[String],
    flag: Option<&str>,
    verb: &'static str,
) -> Result<(String, String), PairingCliError> {
    match (positional, flag) {
        ([channel, code], None) => Ok((channel_name(Some(channel))?, code.trim().to_owned())),
        ([channel, _], Some(flag)) => Err(PairingCliError::ChannelTwice(
            channel.clone(),
            flag.to_owned(),
        )),
        ([only], flag) => {
            // A lone channel name is a forgotten code, not a code that looks like a channel.
            if flag.is_none() && PAIRING_CHANNELS.contains(&only.trim().to_lowercase().as_str()) {
                return Err(PairingCliError::MissingCode(verb));
            }
            Ok((channel_name(flag)?, only.trim().to_owned()))
        }
        _ => Err(PairingCliError::MissingCode(verb)),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PairingError> + Send + 'static,
) -> Result<T, PairingCliError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| PairingCliError::Task(e.to_string()))?
        .map_err(PairingCliError::from)
}

fn fail(err: &PairingCliError, json_output: bool) -> ExitCode {
    if json_output {
        print_json(&json!({"ok": false, "error": {"message": err.to_string()}}));
    }
    eprintln!("Pairing failed: {err}");
    ExitCode::FAILURE
}

pub async fn run(ctx: &Context, action: PairingAction) -> anyhow::Result<ExitCode> {
    Ok(match action {
        PairingAction::List(args) => list(ctx, &args).await,
        PairingAction::Approve(args) => approve(ctx, &args).await,
        PairingAction::Deny(args) => deny(ctx, &args).await,
    })
}

fn request_json(channel: &str, request: &PairingRequest) -> Value {
    json!({
        "channel": channel,
        "code": request.code,
        "senderId": request.id,
        "createdAt": request.created_at,
        "lastSeenAt": request.last_seen_at,
        "meta": request.meta,
    })
}

async fn list(ctx: &Context, args: &PairingListArgs) -> ExitCode {
    let channel = match channel_name(args.channel_arg.as_deref().or(args.channel.as_deref())) {
        Ok(channel) => channel,
        Err(err) => return fail(&err, args.json),
    };
    let store = PairingStore::from_paths(&ctx.paths);
    let for_store = channel.clone();
    let requests = match blocking(move || store.list(&for_store)).await {
        Ok(requests) => requests,
        Err(err) => return fail(&err, args.json),
    };
    if args.json {
        let rows: Vec<Value> = requests.iter().map(|r| request_json(&channel, r)).collect();
        print_json(&json!({"channel": channel, "requests": rows}));
        return ExitCode::SUCCESS;
    }
    if requests.is_empty() {
        println!("No pending {channel} pairing requests.");
        return ExitCode::SUCCESS;
    }
    println!("Pending {channel} pairing requests ({}):", requests.len());
    let now = super::sessions::now_ms();
    let mut rows = vec![vec![
        "Code".to_owned(),
        "Sender".to_owned(),
        "Name".to_owned(),
        "Requested".to_owned(),
        "Expires in".to_owned(),
    ]];
    for request in &requests {
        let meta = request.meta.as_ref();
        let name = meta
            .and_then(|m| m.get("tag").or_else(|| m.get("name")))
            .map_or("-", String::as_str);
        let created = openclaw_channels::pairing::parse_iso_ms(&request.created_at);
        let requested = created.map_or_else(
            || request.created_at.clone(),
            |at| super::channels::ago(Some(at), now),
        );
        let expires = created.map_or_else(
            || "-".to_owned(),
            |at| {
                format!(
                    "{}m",
                    ((at + PENDING_TTL_MS - now).max(0) + 59_999) / 60_000
                )
            },
        );
        rows.push(vec![
            request.code.clone(),
            request.id.clone(),
            name.to_owned(),
            requested,
            expires,
        ]);
    }
    super::channels::print_rows(&rows);
    println!("Approve one with `openclaw pairing approve {channel} <code>`.");
    ExitCode::SUCCESS
}

async fn approve_offline(
    ctx: &Context,
    channel: &str,
    code: &str,
) -> Result<(String, String), PairingCliError> {
    let store = PairingStore::from_paths(&ctx.paths);
    let (for_store, code_for_store) = (channel.to_owned(), code.to_owned());
    match blocking(move || store.approve(&for_store, &code_for_store)).await? {
        ApproveOutcome::Approved { id, request } => Ok((id, request.code)),
        ApproveOutcome::NotFound => Err(PairingCliError::NotFound {
            channel: channel.to_owned(),
            code: code.to_owned(),
        }),
    }
}

fn print_approved(channel: &str, code: &str, sender: &str, notification: &str, json_out: bool) {
    if json_out {
        print_json(&json!({
            "ok": true,
            "channel": channel,
            "code": code,
            "senderId": sender,
            "notification": notification,
        }));
    } else {
        println!(
            "Approved {channel} sender {sender} (code {code}). They can message the assistant now."
        );
    }
}

async fn approve(ctx: &Context, args: &PairingCodeArgs) -> ExitCode {
    let (channel, code) =
        match channel_and_code(&args.positional, args.channel.as_deref(), "approve") {
            Ok(pair) => pair,
            Err(err) => return fail(&err, args.json),
        };
    if !args.notify {
        return match approve_offline(ctx, &channel, &code).await {
            Ok((sender, code)) => {
                print_approved(&channel, &code, &sender, "not-requested", args.json);
                ExitCode::SUCCESS
            }
            Err(err) => fail(&err, args.json),
        };
    }
    let target = ctx.target(&args.gateway.connect(NOTIFY_CONNECT_TIMEOUT_MS, args.json));
    let url = target.url.clone();
    let unavailable = match Client::connect(target).await {
        Ok((client, _hello)) => return approve_online(client, args, &channel, &code).await,
        Err(err) => err,
    };
    match approve_offline(ctx, &channel, &code).await {
        Ok((sender, code)) => {
            print_approved(&channel, &code, &sender, "unavailable", args.json);
            eprintln!(
                "Could not notify the sender: {}. The approval is saved; they can simply message again.",
                unreachable_reason(&unavailable, &url)
            );
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err, args.json),
    }
}

fn unreachable_reason(err: &RpcError, url: &str) -> String {
    match err {
        RpcError::Unreachable { .. } | RpcError::Timeout { .. } => {
            format!("no gateway is running at {url} (start it with `openclaw gateway`)")
        }
        other => format!("the gateway at {url} could not be used ({other})"),
    }
}

async fn approve_online(
    mut client: Client,
    args: &PairingCodeArgs,
    channel: &str,
    code: &str,
) -> ExitCode {
    let mut params = json!({"channel": channel, "code": code, "notify": true});
    if let Some(account) = args
        .account
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        params["accountId"] = json!(account);
    }
    // Sending the notice may wait on Discord's rate limits.
    let answer = client
        .call_with_timeout(
            "channels.pairing.approve",
            Some(params),
            false,
            Duration::from_secs(30),
        )
        .await;
    client.close().await;
    let payload = match answer {
        Ok(payload) => payload,
        Err(err) => return super::agent::report_failure("Pairing failed", &err, args.json),
    };
    let sender = payload
        .get("senderId")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let notification = payload
        .get("notification")
        .and_then(Value::as_str)
        .unwrap_or("failed");
    // Codes are stored upper-case; the gateway echoes the code as typed.
    print_approved(
        channel,
        &code.to_uppercase(),
        sender,
        notification,
        args.json,
    );
    if notification == "sent" {
        if !args.json {
            println!("Sent them a note that they were approved.");
        }
    } else {
        eprintln!(
            "Could not notify the sender (the {channel} bot could not send the DM; `openclaw channels status` \
             shows why). The approval is saved; they can simply message again."
        );
    }
    ExitCode::SUCCESS
}

async fn deny(ctx: &Context, args: &PairingCodeArgs) -> ExitCode {
    let (channel, code) = match channel_and_code(&args.positional, args.channel.as_deref(), "deny")
    {
        Ok(pair) => pair,
        Err(err) => return fail(&err, args.json),
    };
    let store = PairingStore::from_paths(&ctx.paths);
    let (for_store, code_for_store) = (channel.clone(), code.clone());
    match blocking(move || store.deny(&for_store, &code_for_store)).await {
        Ok(DenyOutcome::Denied { id }) => {
            if args.json {
                print_json(&json!({"ok": true, "channel": channel, "code": code, "senderId": id}));
            } else {
                println!("Dropped the {channel} pairing request {code} from sender {id}.");
            }
            ExitCode::SUCCESS
        }
        Ok(DenyOutcome::NotFound) => fail(&PairingCliError::NotFound { channel, code }, args.json),
        Err(err) => fail(&err, args.json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn channel_and_code_accept_openclaws_forms() {
        let ok = |pos: &[&str], flag: Option<&str>| {
            channel_and_code(&strings(pos), flag, "approve").map_err(|e| e.to_string())
        };
        let pair = |c: &str, k: &str| Ok((c.to_owned(), k.to_owned()));
        assert_eq!(
            ok(&["discord", "ABCD2345"], None),
            pair("discord", "ABCD2345")
        );
        assert_eq!(
            ok(&["Discord", "abcd2345"], None),
            pair("discord", "abcd2345")
        );
        assert_eq!(
            ok(&["ABCD2345"], Some("discord")),
            pair("discord", "ABCD2345")
        );
        assert_eq!(ok(&["ABCD2345"], None), pair("discord", "ABCD2345"));
        assert!(
            ok(&["discord"], None)
                .unwrap_err()
                .contains("no pairing code")
        );
        assert!(
            ok(&["telegram", "X"], None)
                .unwrap_err()
                .contains("supported for discord")
        );
        assert!(ok(&["discord", "X"], Some("discord")).is_err());
    }
}
