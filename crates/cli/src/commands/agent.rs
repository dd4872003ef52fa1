//! `openclaw agent`: one agent turn through the running gateway's `agent` method.
//!
//! Params follow what OpenClaw 2026.9.6's CLI sends (`message`, `agentId`, `deliver:false`,
//! `timeout`, a fresh `idempotencyKey`), plus whichever session/delivery flags were given. The
//! gateway answers twice under one request id (`accepted`, then the final result); the final
//! answer is awaited for the whole agent timeout plus a margin, because a slow model is not a
//! dead gateway. Unlike OpenClaw there is no embedded fallback run: the turn needs the
//! gateway's store, lanes and providers, so an unreachable gateway is reported instead.
//!
//! Output: the reply text (payloads joined by blank lines, `MEDIA:<url>` lines for media), or
//! with `--json` the final answer as pretty JSON. Failures go to stderr with exit code 1; with
//! `--json` stdout also gets `{"ok":false,"error":…}` so scripts always read JSON.

use std::process::ExitCode;
use std::time::Duration;

use openclaw_providers::ThinkingLevel;
use serde_json::{Map, Value, json};

use crate::args::AgentArgs;
use crate::context::Context;
use crate::progress::Progress;
use crate::rpc::{Client, RpcError};

/// OpenClaw's agent timeout when neither `--timeout` nor `agents.defaults.timeoutSeconds` is set.
const DEFAULT_TIMEOUT_SECONDS: u64 = 600;
/// Extra wait beyond the agent timeout for the gateway to finish the run and answer.
const ANSWER_MARGIN: Duration = Duration::from_secs(30);
/// How long connecting (socket + handshake) may take.
const CONNECT_TIMEOUT_MS: u64 = 10_000;

pub(super) fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// Reports a failed gateway call: the message on stderr, and with `json` the error object on
/// stdout too. Always exit code 1.
pub(super) fn report_failure(what: &str, err: &RpcError, json_output: bool) -> ExitCode {
    if json_output {
        let error = err
            .error_object()
            .cloned()
            .unwrap_or_else(|| json!({"message": err.to_string()}));
        print_json(&json!({"ok": false, "error": error}));
    }
    eprintln!("{what}: {err}");
    ExitCode::FAILURE
}

/// `agents.defaults.timeoutSeconds` from the local config, if set and positive.
fn configured_timeout(ctx: &Context) -> Option<u64> {
    openclaw_config::load(&ctx.paths.config_path, &ctx.env)
        .ok()?
        .resolved
        .pointer("/agents/defaults/timeoutSeconds")?
        .as_u64()
        .filter(|s| *s > 0)
}

fn request_params(args: &AgentArgs, message: &str, timeout_seconds: u64) -> Value {
    let mut params = Map::new();
    params.insert("message".into(), message.into());
    let optional = [
        ("agentId", &args.agent),
        ("to", &args.to),
        ("sessionId", &args.session_id),
        ("thinking", &args.thinking),
        ("channel", &args.channel),
        ("replyTo", &args.reply_to),
        ("replyChannel", &args.reply_channel),
        ("replyAccountId", &args.reply_account),
    ];
    for (key, value) in optional {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            params.insert(key.into(), value.into());
        }
    }
    params.insert("deliver".into(), args.deliver.into());
    params.insert("timeout".into(), timeout_seconds.into());
    params.insert(
        "idempotencyKey".into(),
        uuid::Uuid::new_v4().to_string().into(),
    );
    Value::Object(params)
}

/// The reply as OpenClaw prints it: each payload's text, then a `MEDIA:<url>` line per media
/// URL; payloads separated by a blank line. `None` when there is nothing to show.
fn reply_text(payload: &Value) -> Option<String> {
    let payloads = payload.pointer("/result/payloads")?.as_array()?;
    let blocks: Vec<String> = payloads
        .iter()
        .filter_map(|p| {
            let mut lines: Vec<String> = Vec::new();
            if let Some(text) = p.get("text").and_then(Value::as_str)
                && !text.trim().is_empty()
            {
                lines.push(text.trim_end().to_owned());
            }
            let single = p.get("mediaUrl").and_then(Value::as_str);
            let many = p
                .get("mediaUrls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            let mut seen: Vec<&str> = Vec::new();
            for url in single.into_iter().chain(many) {
                if !url.is_empty() && !seen.contains(&url) {
                    seen.push(url);
                    lines.push(format!("MEDIA:{url}"));
                }
            }
            (!lines.is_empty()).then(|| lines.join("\n"))
        })
        .collect();
    (!blocks.is_empty()).then(|| blocks.join("\n\n"))
}

pub async fn run(ctx: &Context, args: AgentArgs) -> anyhow::Result<ExitCode> {
    let message = args.message.trim();
    if message.is_empty() {
        eprintln!("The message is empty: pass the text with --message \"…\" (or -m).");
        return Ok(ExitCode::FAILURE);
    }
    if let Some(level) = args.thinking.as_deref()
        && ThinkingLevel::parse(level).is_none()
    {
        eprintln!(
            "Invalid --thinking level {level:?}: use one of off, minimal, low, medium, high, xhigh."
        );
        return Ok(ExitCode::FAILURE);
    }
    let timeout_seconds = args
        .timeout
        .or_else(|| configured_timeout(ctx))
        .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    let params = request_params(&args, message, timeout_seconds);

    let target = ctx.target(&args.gateway.connect(CONNECT_TIMEOUT_MS, args.json));
    let mut client = match Client::connect(target).await {
        Ok((client, _hello)) => client,
        Err(err) => return Ok(report_failure("Agent failed", &err, args.json)),
    };
    let wait = Duration::from_secs(timeout_seconds).saturating_add(ANSWER_MARGIN);
    let progress = Progress::start(
        format!("waiting for the agent's reply (up to {timeout_seconds}s)"),
        args.json,
    );
    let answer = client
        .call_with_timeout("agent", Some(params), true, wait)
        .await;
    drop(progress);
    client.close().await;
    let payload = match answer {
        Ok(payload) => payload,
        Err(err) => return Ok(report_failure("Agent failed", &err, args.json)),
    };
    if args.json {
        print_json(&payload);
        return Ok(ExitCode::SUCCESS);
    }
    // A stop phrase ("/stop") aborts the session's runs instead of starting one.
    if payload.get("result").is_none()
        && let Some(run_ids) = payload.get("runIds").and_then(Value::as_array)
    {
        println!("Stopped {} run(s).", run_ids.len());
        return Ok(ExitCode::SUCCESS);
    }
    match reply_text(&payload) {
        Some(text) => println!("{text}"),
        None => println!("No reply from agent."),
    }
    if payload.get("status").and_then(Value::as_str) == Some("aborted") {
        eprintln!("The agent run was aborted before it finished.");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_joins_payloads_and_media() {
        let payload = json!({"result": {"payloads": [
            {"text": "first\n", "mediaUrl": null},
            {"text": "", "mediaUrl": "https://x/a.png", "mediaUrls": ["https://x/a.png", "https://x/b.png"]},
            {"text": "   "},
            {"text": "last"},
        ]}});
        assert_eq!(
            reply_text(&payload).as_deref(),
            Some("first\n\nMEDIA:https://x/a.png\nMEDIA:https://x/b.png\n\nlast")
        );
        assert_eq!(reply_text(&json!({"result": {"payloads": []}})), None);
        assert_eq!(reply_text(&json!({"status": "ok"})), None);
    }
}
