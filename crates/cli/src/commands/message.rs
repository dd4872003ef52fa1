//! `openclaw message send`: one outbound message through the running gateway's `send` method.
//!
//! The gateway owns the channel connections, so the CLI only names the destination
//! (`user:<id>` for a DM, `channel:<id>` or a bare id for a channel) and lets the gateway pick
//! the channel when exactly one is configured. A fresh idempotency key per invocation means a
//! retried request inside the gateway's dedupe window cannot send twice. Gateway errors are
//! printed as the gateway wrote them, with exit code 1.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::agent::{print_json, report_failure};
use crate::args::{MessageAction, MessageSendArgs};
use crate::context::Context;

pub async fn run(ctx: &Context, action: MessageAction) -> anyhow::Result<ExitCode> {
    match action {
        MessageAction::Send(args) => send(ctx, &args).await,
    }
}

fn send_params(args: &MessageSendArgs, key: &str) -> Value {
    let mut params = Map::new();
    params.insert("to".into(), json!(args.target.trim()));
    params.insert("message".into(), json!(args.message));
    let optional = [("channel", &args.channel), ("accountId", &args.account)];
    for (name, value) in optional {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            params.insert(name.into(), json!(value.to_lowercase()));
        }
    }
    params.insert("idempotencyKey".into(), json!(key));
    Value::Object(params)
}

async fn send(ctx: &Context, args: &MessageSendArgs) -> anyhow::Result<ExitCode> {
    if args.message.trim().is_empty() {
        eprintln!("The message is empty: pass the text with --message \"…\" (or -m).");
        return Ok(ExitCode::FAILURE);
    }
    if args.target.trim().is_empty() {
        eprintln!(
            "The target is empty: pass --target user:<id> for a DM or --target channel:<id> for a channel."
        );
        return Ok(ExitCode::FAILURE);
    }
    let connect = args.gateway.connect(args.timeout, args.json);
    let mut client = match super::channels::connect_or_report(ctx, &connect, "Sending failed").await
    {
        Ok(client) => client,
        Err(code) => return Ok(code),
    };
    let key = uuid::Uuid::new_v4().to_string();
    let answer = client
        .call_with_timeout(
            "send",
            Some(send_params(args, &key)),
            false,
            Duration::from_millis(args.timeout.max(1)),
        )
        .await;
    client.close().await;
    let payload = match answer {
        Ok(payload) => payload,
        Err(err) => return Ok(report_failure("Sending failed", &err, args.json)),
    };
    if args.json {
        print_json(&payload);
        return Ok(ExitCode::SUCCESS);
    }
    let channel = payload
        .get("channel")
        .and_then(Value::as_str)
        .unwrap_or("the channel");
    let message_id = payload
        .get("messageId")
        .and_then(Value::as_str)
        .map(|id| format!(" (message id {id})"))
        .unwrap_or_default();
    println!("Sent via {channel} to {}{message_id}.", args.target.trim());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn params_carry_only_the_given_options() {
        let cli = Cli::parse_from([
            "openclaw",
            "message",
            "send",
            "-t",
            " user:42 ",
            "-m",
            "hi",
            "--account",
            "Work",
        ]);
        let Command::Message(cmd) = cli.command else {
            panic!("parsed as {:?}", cli.command);
        };
        let MessageAction::Send(args) = cmd.action;
        assert_eq!(
            send_params(&args, "k1"),
            json!({"to": "user:42", "message": "hi", "accountId": "work", "idempotencyKey": "k1"})
        );
    }
}
