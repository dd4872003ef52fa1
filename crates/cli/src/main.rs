//! `openclaw`: the gateway server and its command-line client in one binary.
//!
//! `openclaw gateway` runs the server (crate `openclaw-gateway`); every other verb here is a
//! client of a running gateway over the Gateway WebSocket protocol (`rpc`), or works on the
//! config file directly (`config get|set|unset|validate`), as OpenClaw's CLI does.

mod args;
mod commands;
mod context;
mod progress;
mod rpc;

use std::process::ExitCode;

use clap::Parser;

/// See the `mimalloc` entry in Cargo.toml for why the process allocator is replaced.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{err:#}");
            ExitCode::FAILURE
        }
    }
}
