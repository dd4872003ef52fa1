//! `openclaw dashboard`: the Control UI's URL with the gateway token in the fragment
//! (`http://127.0.0.1:<port>/#token=<token>`). The fragment never reaches the server or its
//! logs; the UI reads it once and keeps it in the browser.
//!
//! The port is found like every client verb finds the gateway (`--port`, else the running
//! gateway's lock file, `OPENCLAW_GATEWAY_PORT`, `gateway.port`, 18789); the path is
//! `gateway.controlUi.basePath`. A browser is opened only where one can be shown (a display
//! on Linux, always on macOS) and never with `--no-open`; otherwise the URL is just printed.

use std::process::{ExitCode, Stdio};

use openclaw_config::Env;
use serde_json::Value;

use crate::args::{ConnectArgs, DashboardArgs};
use crate::context::Context;

/// Characters kept as they are in the fragment (RFC 3986 unreserved).
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if is_unreserved(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `/` for an empty base path, else `/<base>/`.
fn base_path(configured: Option<&str>) -> String {
    let trimmed = configured.unwrap_or("").trim().trim_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    }
}

/// The page URL for a gateway WebSocket URL: same host and port over HTTP(S).
fn http_origin(ws_url: &str) -> String {
    let url = ws_url.trim().trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = url.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        url.to_owned()
    }
}

fn dashboard_url(origin: &str, base: &str, token: Option<&str>) -> String {
    match token.map(str::trim).filter(|t| !t.is_empty()) {
        Some(token) => format!("{origin}{base}#token={}", percent_encode(token)),
        None => format!("{origin}{base}"),
    }
}

/// Whether a browser window can appear at all.
fn has_display(env: &Env) -> bool {
    if cfg!(target_os = "macos") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|name| {
        env.get_non_empty(name)
            .is_some_and(|v| !v.trim().is_empty())
    })
}

fn open_browser(url: &str) -> std::io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
}

pub fn run(ctx: &Context, args: &DashboardArgs) -> anyhow::Result<ExitCode> {
    let config = openclaw_config::load(&ctx.paths.config_path, &ctx.env)
        .map(|loaded| loaded.resolved)
        .unwrap_or(Value::Null);
    if config
        .pointer("/gateway/controlUi/enabled")
        .and_then(Value::as_bool)
        == Some(false)
    {
        eprintln!(
            "The Control UI is turned off (gateway.controlUi.enabled is false); run \
             `openclaw config set gateway.controlUi.enabled true` to serve it again."
        );
        return Ok(ExitCode::FAILURE);
    }
    let target = ctx.target(&ConnectArgs {
        token: args.token.clone(),
        ..ConnectArgs::default()
    });
    let origin = match args.port {
        Some(port) => format!("http://127.0.0.1:{port}"),
        None => http_origin(&target.url),
    };
    let base = base_path(
        config
            .pointer("/gateway/controlUi/basePath")
            .and_then(Value::as_str),
    );
    let url = dashboard_url(&origin, &base, target.token.as_deref());
    println!("Control UI: {url}");
    if target.token.is_none() {
        let how = if target.password.is_some() {
            "the gateway uses password auth: enter the password on the page"
        } else {
            "no gateway token is configured: pass --token, or set gateway.auth.token"
        };
        eprintln!("The URL carries no token ({how}).");
    }
    let local = args.port.is_some() || target.url.contains("://127.0.0.1:");
    if local && openclaw_gateway::lock::probe_running(&ctx.paths.state_dir).is_none() {
        eprintln!("No gateway seems to be running here; start it with `openclaw gateway` first.");
    }
    if args.no_open {
        return Ok(ExitCode::SUCCESS);
    }
    if !has_display(&ctx.env) {
        let port = origin.rsplit(':').next().unwrap_or("18789");
        println!(
            "No display found, so no browser was opened: open the URL on this machine, or from \
             another one after tunnelling the port (ssh -N -L {port}:127.0.0.1:{port} <host>)."
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(err) = open_browser(&url) {
        eprintln!("Could not open a browser ({err}); open the URL above yourself.");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_has_the_base_path_and_the_encoded_token() {
        assert_eq!(base_path(None), "/");
        assert_eq!(base_path(Some(" /ui/ ")), "/ui/");
        assert_eq!(base_path(Some("/")), "/");
        assert_eq!(
            http_origin("ws://127.0.0.1:18789"),
            "http://127.0.0.1:18789"
        );
        assert_eq!(http_origin("wss://gw.example/"), "https://gw.example");
        assert_eq!(
            dashboard_url("http://127.0.0.1:1", "/", Some("a b/+c")),
            "http://127.0.0.1:1/#token=a%20b%2F%2Bc"
        );
        assert_eq!(
            dashboard_url("http://127.0.0.1:1", "/ui/", None),
            "http://127.0.0.1:1/ui/"
        );
    }
}
