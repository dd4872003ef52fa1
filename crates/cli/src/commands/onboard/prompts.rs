//! The interactive wizard: arrow-key prompts (cliclack). Answers default to what the flags say,
//! so `openclaw onboard --gateway-port 3000` only asks the rest. Ctrl-C cancels without
//! writing anything. The first question is local or remote (as in OpenClaw's wizard).

use openclaw_config::Env;

use super::remote::{self, RemoteAuth, RemotePlan};
use super::{
    Answers, BIND_MODES, DEFAULT_PORT, DiscordPlan, KeySource, Mode, Plan, Provider, check_bind,
    env_set, guild_ids,
};
use crate::args::OnboardArgs;
use crate::commands::doctor::fix::generate_token;
use crate::context::Context;

fn cancelled(err: std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::Interrupted {
        "Onboarding cancelled; nothing was written.".into()
    } else {
        format!(
            "Prompt failed ({err}); nothing was written. Use --non-interactive with flags instead."
        )
    }
}

/// Asks everything; `Ok(None)` when the user declined to replace an existing config.
pub fn ask(
    ctx: &Context,
    args: &OnboardArgs,
    mode: Option<Mode>,
    exists: bool,
) -> Result<Option<Answers>, String> {
    cliclack::intro("OpenClaw onboarding").map_err(cancelled)?;
    let quickstart = args.flow.as_deref().map(str::trim) == Some("quickstart");
    let mode = match mode {
        Some(mode) => mode,
        // OpenClaw's quickstart flow does not ask: it sets up this machine.
        None if quickstart => Mode::Local,
        None => cliclack::select("What do you want to set up?")
            .item(
                Mode::Local,
                "Local gateway (this machine)",
                "the gateway runs here",
            )
            .item(
                Mode::Remote,
                "Remote gateway (this machine is a client)",
                "e.g. a gateway on Fly.io or a VPS",
            )
            .interact()
            .map_err(cancelled)?,
    };
    if mode == Mode::Remote {
        return ask_remote(ctx, args).map(|plan| Some(Answers::Remote(plan)));
    }
    ask_local(ctx, args, exists).map(|plan| plan.map(Answers::Local))
}

fn ask_local(ctx: &Context, args: &OnboardArgs, exists: bool) -> Result<Option<Plan>, String> {
    if exists && !args.reset {
        let replace = cliclack::confirm(format!(
            "{} already exists. Replace it? (the old file is kept as openclaw.json.bak)",
            ctx.paths.config_path.display()
        ))
        .initial_value(false)
        .interact()
        .map_err(cancelled)?;
        if !replace {
            cliclack::outro_cancel("Kept the existing config. Edit it with `openclaw config set`, or check it with `openclaw doctor`.")
                .map_err(cancelled)?;
            return Ok(None);
        }
    }
    let provider = ask_provider(ctx)?;
    let port: u16 = cliclack::input("Gateway port")
        .default_input(&args.gateway_port.unwrap_or(DEFAULT_PORT).to_string())
        .validate(|text: &String| match text.trim().parse::<u16>() {
            Ok(p) if p > 0 => Ok(()),
            _ => Err("a number between 1 and 65535"),
        })
        .interact()
        .map_err(cancelled)?;
    let mut select = cliclack::select("Who may connect to the gateway?")
        .item(
            "loopback",
            "This machine only (loopback)",
            "safest; use an SSH tunnel or proxy",
        )
        .item(
            "lan",
            "Every network interface (lan, 0.0.0.0)",
            "containers, Fly.io, LAN",
        )
        .item("tailnet", "Tailscale address", "needs Tailscale")
        .item("auto", "Loopback if possible, else all", "");
    if let Some(bind) = args.gateway_bind.as_deref() {
        let bind = check_bind(bind)?;
        if let Some(known) = BIND_MODES.iter().find(|m| **m == bind) {
            select = select.initial_value(*known);
        }
    }
    let bind: &str = select.interact().map_err(cancelled)?;
    let auth: &str = cliclack::select("Gateway auth")
        .item("token", "Token", "a random token is generated")
        .item("password", "Password", "you choose it")
        .interact()
        .map_err(cancelled)?;
    let (auth_mode, secret, token_generated) = if auth == "password" {
        let password = cliclack::password("Gateway password (12+ characters)")
            .mask('▪')
            .validate(|p: &String| {
                if p.trim().chars().count() < 12 {
                    Err("at least 12 characters")
                } else {
                    Ok(())
                }
            })
            .interact()
            .map_err(cancelled)?;
        ("password", password.trim().to_owned(), false)
    } else {
        match args.gateway_token.clone() {
            Some(token) => ("token", token, false),
            None => ("token", generate_token(), true),
        }
    };
    let discord = if args.skip_channels {
        None
    } else {
        ask_discord(ctx)?
    };
    let install_daemon = args.install_daemon || ask_daemon(ctx)?;
    cliclack::outro("Writing the config").map_err(cancelled)?;
    Ok(Some(Plan {
        provider,
        port,
        bind: bind.to_owned(),
        auth_mode,
        secret,
        token_generated,
        discord,
        workspace: args.workspace.clone(),
        install_daemon,
    }))
}

/// Offers the systemd user service where there is a systemd to install it into (not in most
/// containers, where the question would only confuse).
fn ask_daemon(ctx: &Context) -> Result<bool, String> {
    if !cfg!(target_os = "linux") || !on_path(&ctx.env, "systemctl") {
        return Ok(false);
    }
    cliclack::confirm("Install the gateway as a systemd user service? (starts now and at login)")
        .initial_value(true)
        .interact()
        .map_err(cancelled)
}

fn on_path(env: &Env, program: &str) -> bool {
    env.get("PATH")
        .is_some_and(|path| std::env::split_paths(path).any(|dir| dir.join(program).is_file()))
}

fn ask_remote(ctx: &Context, args: &OnboardArgs) -> Result<RemotePlan, String> {
    let suggested = args
        .remote_url
        .clone()
        .or_else(|| remote::configured_url(ctx))
        .unwrap_or_else(|| remote::DEFAULT_REMOTE_URL.to_owned());
    let env = ctx.env.clone();
    let url: String = cliclack::input("Gateway WebSocket URL")
        .default_input(&suggested)
        .validate(move |text: &String| remote::check_url(text, &env).map(|_| ()))
        .interact()
        .map_err(cancelled)?;
    let url = remote::check_url(&url, &ctx.env)?;
    let auth: &str = cliclack::select("How does this client authenticate?")
        .item("token", "Token", "the remote gateway's gateway.auth.token")
        .item(
            "password",
            "Password",
            "the remote gateway's gateway.auth.password",
        )
        .item("none", "No auth", "only for a gateway that needs none")
        .interact()
        .map_err(cancelled)?;
    let secret = |prompt: &str| {
        cliclack::password(prompt)
            .mask('▪')
            .validate(|s: &String| {
                if s.trim().is_empty() {
                    Err("required; pick \"No auth\" if the gateway has none")
                } else {
                    Ok(())
                }
            })
            .interact()
            .map(|s| s.trim().to_owned())
            .map_err(cancelled)
    };
    let auth = match (auth, args.remote_token.as_deref().map(str::trim)) {
        ("token", Some(token)) if !token.is_empty() => RemoteAuth::Token(token.to_owned()),
        ("token", _) => RemoteAuth::Token(secret("Gateway token")?),
        ("password", _) => RemoteAuth::Password(secret("Gateway password")?),
        _ => RemoteAuth::None,
    };
    let plan = RemotePlan {
        url,
        auth,
        probe: !args.skip_health,
    };
    cliclack::outro("Writing the config").map_err(cancelled)?;
    Ok(plan)
}

fn ask_provider(ctx: &Context) -> Result<Option<(Provider, KeySource)>, String> {
    let mut select = cliclack::select("Model provider");
    for provider in Provider::ALL {
        let hint = if env_set(&ctx.env, provider.env_var()) {
            format!("{} is set", provider.env_var())
        } else {
            String::new()
        };
        select = select.item(Some(provider), provider.label(), hint);
    }
    let choice: Option<Provider> = select
        .item(None, "Skip for now", "configure a model later")
        .interact()
        .map_err(cancelled)?;
    let Some(provider) = choice else {
        return Ok(None);
    };
    if env_set(&ctx.env, provider.env_var()) {
        let use_env = cliclack::confirm(format!(
            "Use {} from the environment? (the gateway needs it in its own environment too)",
            provider.env_var()
        ))
        .initial_value(true)
        .interact()
        .map_err(cancelled)?;
        if use_env {
            return Ok(Some((provider, KeySource::Env)));
        }
    }
    let key = cliclack::password(format!(
        "{} API key (stored in auth-profiles.json, mode 0600)",
        provider.label()
    ))
    .mask('▪')
    .validate(|k: &String| {
        if k.trim().is_empty() {
            Err("paste the key, or press Ctrl-C and pick \"Skip\"")
        } else {
            Ok(())
        }
    })
    .interact()
    .map_err(cancelled)?;
    Ok(Some((provider, KeySource::Store(key.trim().to_owned()))))
}

fn ask_discord(ctx: &Context) -> Result<Option<DiscordPlan>, String> {
    let wanted = cliclack::confirm("Connect a Discord bot?")
        .initial_value(false)
        .interact()
        .map_err(cancelled)?;
    if !wanted {
        return Ok(None);
    }
    let token = if env_set(&ctx.env, "DISCORD_BOT_TOKEN") {
        cliclack::log::info("Using DISCORD_BOT_TOKEN from the environment.").map_err(cancelled)?;
        None
    } else {
        let token = cliclack::password("Discord bot token (stored in <state>/.env, mode 0600)")
            .mask('▪')
            .allow_empty()
            .interact()
            .map_err(cancelled)?;
        Some(token.trim().to_owned()).filter(|t| !t.is_empty())
    };
    let guilds: String =
        cliclack::input("Guild (server) ids the bot should answer in, comma separated")
            .placeholder("e.g. 123456789012345678; leave empty for DMs only")
            .required(false)
            .validate(|text: &String| guild_ids(text).map(|_| ()))
            .interact()
            .map_err(cancelled)?;
    let guilds = guild_ids(&guilds)?;
    if guilds.is_empty() {
        cliclack::log::warning("No guilds: the bot will only answer DMs (after pairing).")
            .map_err(cancelled)?;
    }
    cliclack::log::info(
        "Enable the Message Content Intent for the bot in the Discord developer portal.",
    )
    .map_err(cancelled)?;
    Ok(Some(DiscordPlan { token, guilds }))
}
