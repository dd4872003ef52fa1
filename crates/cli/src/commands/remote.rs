//! Verbs that talk to a running gateway: `gateway call`, `health`, `status`.

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::args::{CallArgs, ConnectArgs, HealthArgs, StatusArgs};
use crate::context::Context;
use crate::rpc::{Client, RpcError};

async fn call_once(
    ctx: &Context,
    connect: &ConnectArgs,
    method: &str,
    params: Option<Value>,
    expect_final: bool,
) -> Result<Value, RpcError> {
    let (mut client, _hello) = Client::connect(ctx.target(connect)).await?;
    let result = client.call(method, params, expect_final).await;
    client.close().await;
    result
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

fn report_failure(err: &RpcError, json_output: bool) -> ExitCode {
    if json_output {
        let error = err
            .error_object()
            .cloned()
            .unwrap_or_else(|| json!({"message": err.to_string()}));
        print_json(&json!({"ok": false, "error": error}));
    } else {
        eprintln!("Gateway call failed: {err}");
    }
    ExitCode::FAILURE
}

pub async fn call(ctx: &Context, args: CallArgs) -> anyhow::Result<ExitCode> {
    let params = match args.params.as_deref() {
        None => None,
        Some(raw) => match openclaw_config::parse_cli_json(raw) {
            Ok(v) => Some(v),
            Err(err) => {
                eprintln!("Invalid --params: {err}");
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    match call_once(ctx, &args.connect, &args.method, params, args.expect_final).await {
        Ok(payload) => {
            print_json(&payload);
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => Ok(report_failure(&err, args.connect.json)),
    }
}

pub async fn health(ctx: &Context, args: HealthArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let url = ctx.target(&args.connect).url;
    match call_once(ctx, &args.connect, "health", None, false).await {
        Ok(payload) => {
            let ok = payload.get("ok").and_then(Value::as_bool) == Some(true);
            if args.connect.json {
                print_json(&payload);
            } else {
                print_health(&url, &payload, started.elapsed().as_millis());
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(err) => Ok(report_failure(&err, args.connect.json)),
    }
}

fn print_health(url: &str, payload: &Value, elapsed_ms: u128) {
    let ok = payload.get("ok").and_then(Value::as_bool) == Some(true);
    println!(
        "Gateway {url}: {} ({elapsed_ms} ms)",
        if ok { "ok" } else { "NOT OK" }
    );
    let default = payload
        .get("defaultAgentId")
        .and_then(Value::as_str)
        .unwrap_or("main");
    let agents: Vec<String> = payload
        .get("agents")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("agentId").and_then(Value::as_str))
                .map(|id| {
                    if id == default {
                        format!("{id} (default)")
                    } else {
                        id.to_string()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    println!("Agents: {}", agents.join(", "));
    let channels = payload
        .get("channelOrder")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    println!(
        "Channels: {}",
        if channels.is_empty() {
            "none configured"
        } else {
            &channels
        }
    );
    let sessions = payload
        .pointer("/sessions/count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    println!("Sessions: {sessions}");
}

pub async fn status(ctx: &Context, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let target = ctx.target(&args.connect);
    match call_once(ctx, &args.connect, "status", None, false).await {
        Ok(payload) => {
            if args.connect.json {
                print_json(&payload);
            } else {
                println!("Gateway: reachable at {}", target.url);
                println!("Config: {}", ctx.paths.config_path.display());
                println!("State dir: {}", ctx.paths.state_dir.display());
                let count = payload
                    .pointer("/sessions/count")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                println!("Sessions: {count}");
                let channels = payload
                    .get("channelSummary")
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    .unwrap_or(0);
                println!("Channels: {channels}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if args.connect.json {
                return Ok(report_failure(&err, true));
            }
            println!("Gateway: not reachable at {} ({err})", target.url);
            println!("Config: {}", ctx.paths.config_path.display());
            println!("State dir: {}", ctx.paths.state_dir.display());
            Ok(ExitCode::FAILURE)
        }
    }
}
