//! One function per verb; each returns the process exit code.

mod agent;
mod channels;
mod config;
mod dashboard;
mod doctor;
mod gateway;
mod logs;
mod message;
mod models;
mod onboard;
mod pairing;
mod remote;
mod security;
mod sessions;

use std::process::ExitCode;

use crate::args::{Cli, Command, GatewayAction};
use crate::context::Context;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::from_cli(&cli)?;
    match cli.command {
        Command::Gateway(gw) => match gw.action {
            None => gateway::run(&ctx, gw.run, cli.dev).await,
            Some(GatewayAction::Run(args)) => gateway::run(&ctx, args, cli.dev).await,
            Some(GatewayAction::Call(args)) => remote::call(&ctx, args).await,
            Some(GatewayAction::Health(args)) => remote::health(&ctx, args).await,
            Some(GatewayAction::Status(args)) => remote::status(&ctx, args).await,
            Some(GatewayAction::Install(args)) => Ok(onboard::gateway_install(&ctx, &args)),
            Some(GatewayAction::Uninstall(args)) => Ok(onboard::gateway_uninstall(&ctx, &args)),
        },
        Command::Health(args) => remote::health(&ctx, args).await,
        Command::Status(args) => remote::status(&ctx, args).await,
        Command::Config(cmd) => config::run(&ctx, cmd.action),
        Command::Agent(args) => agent::run(&ctx, args).await,
        Command::Sessions(args) => sessions::run(&ctx, args).await,
        Command::Models(cmd) => models::run(&ctx, cmd).await,
        Command::Doctor(args) => doctor::run(&ctx, args).await,
        Command::Onboard(args) => onboard::run(&ctx, *args),
        Command::Security(cmd) => security::run(&ctx, cmd),
        Command::Pairing(cmd) => pairing::run(&ctx, cmd.action).await,
        Command::Message(cmd) => message::run(&ctx, cmd.action).await,
        Command::Channels(cmd) => channels::run(&ctx, cmd.action).await,
        Command::Dashboard(args) => dashboard::run(&ctx, &args),
        Command::Logs(args) => logs::run(&ctx, args).await,
    }
}
