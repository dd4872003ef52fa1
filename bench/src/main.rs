//! Gateway benchmarks (not tests): run against the release binary and print markdown tables.
//!
//! ```sh
//! cargo build --release -p openclaw -p openclaw-bench
//! target/release/openclaw-bench            # start-up + agent turns (~1.5 min)
//! target/release/openclaw-bench startup    # spawn → healthy, idle RSS, WS handshakes/s
//! target/release/openclaw-bench turns      # turns/s and latency at 1/8/64 clients (~1 min)
//! target/release/openclaw-bench soak       # 100k turns, RSS before/after/peak
//! ```
//!
//! Turn benchmarks run the gateway against an in-process instant fake OpenAI server, with
//! transcripts persisted as usual. Targets from the issue: ≥ 5,000 turns/s at 64 clients,
//! p99 overhead ≤ 5 ms at 8 clients, RSS flat within 5 % over 100k turns; ≤ 20 ms to healthy
//! and ≤ 10 MB idle RSS for start-up.

mod discord;
mod driver;
mod fake_model;
mod gateway;
mod http_turns;
mod procfs;
mod soak;
mod startup;
mod stats;
mod turns;
mod ws_turns;

use std::time::Duration;

use anyhow::{Context, bail};

use driver::TurnPath;
use soak::SoakOptions;
use turns::TurnsOptions;

const USAGE: &str = "usage: openclaw-bench [all|startup|turns|soak] [options]

  all (default)  start-up benchmarks, then the turn benchmarks
  startup        spawn → /health, idle RSS, WS handshakes/s
  turns          turns/s and latency via chat.send and /v1/chat/completions
  soak           many turns through one gateway, watching its RSS
  discord        messages through a fake Discord: messages/s, CPU/message, peak RSS

options (turns):
  --levels 1,8,64        client counts
  --warmup SECS          warm-up per level (default 1)
  --secs SECS            measured time per level (default 6)
  --path ws|http|both    which path(s) (default both)
  --session-turns N      turns per session before a client moves on (default 50)
  --connections 0,8      WS layouts: 0 = one connection per client, N = clients share N
                         connections (default 0,8; soak: one value, default 0)
options (discord):
  --messages N           messages sent (default 2000)
  --channels N           channels they are spread over, one session each (default 16)
options (soak):
  --turns N              turns measured (default 100000)
  --clients N            concurrent clients (default 64)
  --warmup-turns N       turns before the baseline RSS (default 5000)
  --path ws|http         (default ws)
  --session-turns N      (default 50)

The release binary is `openclaw` next to this one, or $OPENCLAW_BIN.";

#[derive(Debug, Clone)]
enum Command {
    All(TurnsOptions),
    Startup,
    Turns(TurnsOptions),
    Soak(SoakOptions),
    Discord(discord::DiscordOptions),
    Help,
}

fn parse_args(args: &[String]) -> anyhow::Result<Command> {
    let (mode, rest) = match args.first().map(String::as_str) {
        None => ("all", args),
        Some(first) if first.starts_with("--") && first != "--help" => ("all", args),
        Some(first) => (first, &args[1..]),
    };
    let mut turns = TurnsOptions::default();
    let mut soak = SoakOptions::default();
    let mut discord_options = discord::DiscordOptions::default();
    let mut iter = rest.iter();
    while let Some(flag) = iter.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(Command::Help);
        }
        let value = iter
            .next()
            .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        let number = || -> anyhow::Result<u64> {
            value
                .parse()
                .with_context(|| format!("{flag} takes a whole number, not {value:?}"))
        };
        match flag.as_str() {
            "--levels" => {
                turns.levels = value
                    .split(',')
                    .map(|n| n.trim().parse::<usize>().ok().filter(|&n| n > 0))
                    .collect::<Option<Vec<_>>>()
                    .with_context(|| {
                        format!("--levels takes client counts like 1,8,64, not {value:?}")
                    })?;
            }
            "--warmup" => turns.warmup = Duration::from_secs(number()?),
            "--secs" => turns.measure = Duration::from_secs(number()?.max(1)),
            "--session-turns" => {
                turns.turns_per_session = number()?.max(1);
                soak.turns_per_session = turns.turns_per_session;
            }
            "--path" => {
                turns.paths = match value.as_str() {
                    "ws" => vec![TurnPath::ChatSend],
                    "http" => vec![TurnPath::Completions],
                    "both" => vec![TurnPath::ChatSend, TurnPath::Completions],
                    _ => bail!("--path takes ws, http or both, not {value:?}"),
                };
                soak.path = turns.paths[0];
            }
            "--turns" => soak.turns = number()?,
            "--clients" => {
                soak.concurrency = usize::try_from(number()?.max(1))
                    .context("--clients is too large for this machine")?;
            }
            "--warmup-turns" => soak.warmup_turns = number()?,
            "--messages" => discord_options.messages = number()?.max(1),
            "--channels" => discord_options.channels = number()?.max(1),
            "--connections" => {
                turns.connections = value
                    .split(',')
                    .map(|n| n.trim().parse::<usize>().ok())
                    .collect::<Option<Vec<_>>>()
                    .filter(|list| !list.is_empty())
                    .with_context(|| {
                        format!("--connections takes counts like 0,8 (0 = one per client), not {value:?}")
                    })?;
                soak.connections = turns.connections[0];
            }
            _ => bail!("unknown option {flag}\n\n{USAGE}"),
        }
    }
    Ok(match mode {
        "all" => Command::All(turns),
        "startup" => Command::Startup,
        "turns" => Command::Turns(turns),
        "soak" => Command::Soak(soak),
        "discord" => Command::Discord(discord_options),
        "help" | "--help" | "-h" => Command::Help,
        other => bail!("unknown benchmark {other:?}\n\n{USAGE}"),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = parse_args(&args)?;
    if let Command::Help = command {
        println!("{USAGE}");
        return Ok(());
    }
    let bin = gateway::binary()?;
    match command {
        Command::All(options) => {
            startup::run(&bin).await?;
            println!();
            turns::run(&bin, &options).await?;
        }
        Command::Startup => startup::run(&bin).await?,
        Command::Turns(options) => turns::run(&bin, &options).await?,
        Command::Soak(options) => soak::run(&bin, &options).await?,
        Command::Discord(options) => discord::run(&bin, &options).await?,
        Command::Help => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<Command> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        parse_args(&args)
    }

    #[test]
    fn no_arguments_run_everything_with_the_defaults() {
        let Command::All(options) = parse(&[]).unwrap() else {
            panic!("expected all");
        };
        assert_eq!(options.levels, vec![1, 8, 64]);
        assert_eq!(
            options.paths,
            vec![TurnPath::ChatSend, TurnPath::Completions]
        );
    }

    #[test]
    fn turn_options_are_read() {
        let Command::Turns(options) =
            parse(&["turns", "--levels", "2,4", "--secs", "3", "--path", "http"]).unwrap()
        else {
            panic!("expected turns");
        };
        assert_eq!(options.levels, vec![2, 4]);
        assert_eq!(options.measure, Duration::from_secs(3));
        assert_eq!(options.paths, vec![TurnPath::Completions]);
    }

    #[test]
    fn soak_options_are_read() {
        let Command::Soak(options) =
            parse(&["soak", "--turns", "500", "--clients", "8", "--path", "http"]).unwrap()
        else {
            panic!("expected soak");
        };
        assert_eq!((options.turns, options.concurrency), (500, 8));
        assert_eq!(options.path, TurnPath::Completions);
    }

    #[test]
    fn mistakes_are_explained() {
        let err = parse(&["turns", "--levels", "1,x"]).unwrap_err();
        assert!(err.to_string().contains("--levels"), "{err}");
        let err = parse(&["turns", "--secs"]).unwrap_err();
        assert!(err.to_string().contains("needs a value"), "{err}");
        let err = parse(&["bogus"]).unwrap_err();
        assert!(err.to_string().contains("unknown benchmark"), "{err}");
        let err = parse(&["soak", "--frobnicate", "1"]).unwrap_err();
        assert!(err.to_string().contains("unknown option"), "{err}");
    }
}
