//! Where the Discord clients connect. Production uses Discord itself; tests and outside
//! harnesses point both sides at a fake with `OPENCLAW_DISCORD_API_URL` (REST origin, e.g.
//! `http://127.0.0.1:4000`; the client appends `/api/v10/…`) and `OPENCLAW_DISCORD_GATEWAY_URL`
//! (gateway WebSocket, e.g. `ws://127.0.0.1:4001`).

use openclaw_config::Env;

/// Env var overriding the REST origin.
pub const API_URL_ENV: &str = "OPENCLAW_DISCORD_API_URL";
/// Env var overriding the gateway WebSocket URL.
pub const GATEWAY_URL_ENV: &str = "OPENCLAW_DISCORD_GATEWAY_URL";

/// Resolved endpoints; `None` means Discord's own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// REST host (with port) and whether it speaks plain HTTP.
    pub api: Option<(String, bool)>,
    /// Gateway base URL (`ws://…` or `wss://…`, no query).
    pub gateway: Option<String>,
}

/// A malformed override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}={value:?} is not usable: {reason}")]
pub struct EndpointError {
    pub var: &'static str,
    pub value: String,
    pub reason: &'static str,
}

impl Endpoints {
    pub fn from_env(env: &Env) -> Result<Self, EndpointError> {
        let api = match env.get_non_empty(API_URL_ENV) {
            None => None,
            Some(value) => Some(parse_api(value)?),
        };
        let gateway = match env.get_non_empty(GATEWAY_URL_ENV) {
            None => None,
            Some(value) => Some(parse_gateway(value)?),
        };
        Ok(Self { api, gateway })
    }
}

fn parse_api(value: &str) -> Result<(String, bool), EndpointError> {
    let error = |reason| EndpointError {
        var: API_URL_ENV,
        value: value.to_owned(),
        reason,
    };
    let (rest, plain) = if let Some(rest) = value.strip_prefix("http://") {
        (rest, true)
    } else if let Some(rest) = value.strip_prefix("https://") {
        (rest, false)
    } else {
        return Err(error(
            "expected an http:// or https:// origin like http://127.0.0.1:4000",
        ));
    };
    // The client builds `{host}/api/v10/…` itself: accept an origin, tolerate a trailing `/`
    // or `/api`, refuse anything else so a typo does not silently hit the wrong path.
    let host = rest
        .trim_end_matches('/')
        .trim_end_matches("/api")
        .trim_end_matches('/');
    if host.is_empty() || host.contains('/') || host.contains('?') || host.contains('#') {
        return Err(error(
            "expected only scheme, host and port, like http://127.0.0.1:4000",
        ));
    }
    Ok((host.to_owned(), plain))
}

fn parse_gateway(value: &str) -> Result<String, EndpointError> {
    let error = |reason| EndpointError {
        var: GATEWAY_URL_ENV,
        value: value.to_owned(),
        reason,
    };
    let rest = value
        .strip_prefix("ws://")
        .or_else(|| value.strip_prefix("wss://"))
        .ok_or_else(|| error("expected a ws:// or wss:// URL like ws://127.0.0.1:4001"))?;
    let trimmed = value.trim_end_matches('/');
    if rest.trim_end_matches('/').is_empty() || trimmed.contains('?') || trimmed.contains('#') {
        return Err(error(
            "expected a ws:// or wss:// URL without query, like ws://127.0.0.1:4001",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_origins_are_split_into_host_and_scheme() {
        assert_eq!(
            parse_api("http://127.0.0.1:4000").unwrap(),
            ("127.0.0.1:4000".to_owned(), true)
        );
        assert_eq!(
            parse_api("https://discord.example/api/").unwrap(),
            ("discord.example".to_owned(), false)
        );
        assert!(parse_api("127.0.0.1:4000").is_err());
        assert!(parse_api("http://127.0.0.1:4000/v10/x").is_err());
        assert!(parse_api("http://").is_err());
    }

    #[test]
    fn gateway_urls_keep_their_scheme_and_lose_a_trailing_slash() {
        assert_eq!(
            parse_gateway("ws://127.0.0.1:4001/").unwrap(),
            "ws://127.0.0.1:4001"
        );
        assert!(parse_gateway("http://127.0.0.1:4001").is_err());
        assert!(parse_gateway("ws://127.0.0.1:4001/?v=10").is_err());
        assert!(parse_gateway("ws://").is_err());
    }
}
