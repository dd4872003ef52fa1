//! The Control UI: the browser dashboard (`ui/` in the repository) served on the gateway port.
//!
//! - Served under `gateway.controlUi.basePath` (default `/`); `gateway.controlUi.enabled:false`
//!   turns it off (those paths are 404 again). Read from the current config snapshot on every
//!   request, so a reload takes effect at once.
//! - The shell (`index.html`) is answered for the UI's own routes only (`/`, `/chat`, `/logs`, …)
//!   and only for GET/HEAD; everything else stays 404, so API-looking paths never get HTML.
//! - Assets live under `<base>/assets/<build hash>/…` with `immutable` caching; the shell is
//!   `no-cache` so a new build is picked up on the next load. Brotli or gzip variants, made at
//!   build time, are chosen by `Accept-Encoding`.
//! - Every answer carries a strict Content-Security-Policy: scripts and styles from this origin
//!   only (no inline code at all), connections to this origin (and its WebSocket), no framing.
//! - `OPENCLAW_CONTROL_UI_DIR=<dir>` serves that directory instead of the embedded copy, without
//!   caching, for UI development.
//! - `<base>/ui-api/process` gives the Overview page what the WS methods do not: resident memory,
//!   open WebSocket connections. It needs the gateway secret as a bearer token.
//!
//! WebSocket upgrades never reach this module: the HTTP fallback handles them first.

mod assets;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::Shared;
use assets::{Source, Variants};

pub use assets::OVERRIDE_DIR_ENV;

/// Client-side routes that get the shell (the first path segment after the base path).
const UI_ROUTES: &[&str] = &[
    "",
    "index.html",
    "overview",
    "chat",
    "sessions",
    "channels",
    "config",
    "logs",
    "pairing",
];

const ASSETS_PREFIX: &str = "assets/";
const PROCESS_PATH: &str = "ui-api/process";

const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CACHE_REVALIDATE: &str = "no-cache";

/// The policy of every Control UI response. `connect-src 'self'` covers the same-origin
/// WebSocket in current browsers; the shell adds the explicit ws/wss origin for older ones.
const CSP_BASE: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Answers a non-upgrade request if it belongs to the Control UI; `None` leaves it to the
/// caller (404).
pub fn serve(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let snapshot = shared.snapshot.load();
    let config = snapshot.config();
    if !config.control_ui_enabled() {
        return None;
    }
    let base = normalize_base(config.control_ui_base_path());
    let path = uri.path();
    let rest = if base.is_empty() {
        path.strip_prefix('/')?
    } else if path == base {
        // `/openclaw` → `/openclaw/`, so relative URLs resolve under the base.
        if !matches!(*method, Method::GET | Method::HEAD) {
            return None;
        }
        return Some(redirect(&format!("{base}/")));
    } else {
        path.strip_prefix(base.as_str())?.strip_prefix('/')?
    };
    if !matches!(*method, Method::GET | Method::HEAD) {
        return None;
    }
    let source = Source::from_env(shared.env.get(OVERRIDE_DIR_ENV));
    if rest == PROCESS_PATH {
        return Some(process_stats(shared, headers));
    }
    if let Some(asset) = rest.strip_prefix(ASSETS_PREFIX) {
        return serve_asset(&source, asset, headers);
    }
    let first_segment = rest.split('/').next().unwrap_or("");
    if UI_ROUTES.contains(&first_segment)
        && (first_segment != "index.html" || rest == first_segment)
    {
        return Some(serve_shell(&source, &base, headers, shared.version));
    }
    None
}

/// `""` for the root, else `/segment[/segment]` without a trailing slash.
fn normalize_base(configured: &str) -> String {
    let trimmed = configured.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `assets/<build>/<file>`: immutable when `<build>` is this build; an old page asking for an
/// old build still gets today's file, uncached, instead of a broken page.
fn serve_asset(source: &Source, asset: &str, headers: &HeaderMap) -> Option<Response> {
    let (build, relative) = asset.split_once('/')?;
    if relative == "index.html" {
        return None;
    }
    let variants = source.get(relative)?;
    let current = source.is_embedded() && build == source.build_id();
    let mut response = encoded(variants, headers, assets::content_type(relative));
    let cache = if current {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    };
    set_common(response.headers_mut(), cache);
    Some(response)
}

/// The shell with its placeholders filled: `%BASE%` (the base path with a trailing slash),
/// `%ASSETS%` (this build's asset prefix) and `%VERSION%`.
fn serve_shell(source: &Source, base: &str, headers: &HeaderMap, version: &str) -> Response {
    let Some(template) = source.get("index.html") else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, CACHE_REVALIDATE)],
            "Control UI files are missing: check OPENCLAW_CONTROL_UI_DIR (it must contain index.html) or unset it to use the built-in UI.\n",
        )
            .into_response();
    };
    let text = String::from_utf8_lossy(&template.raw);
    let base_slash = format!("{base}/");
    let html = text
        .replace("%BASE%", &escape_attr(&base_slash))
        .replace(
            "%ASSETS%",
            &escape_attr(&format!("{base}/assets/{}", source.build_id())),
        )
        .replace("%VERSION%", &escape_attr(version));
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    set_common(response.headers_mut(), CACHE_REVALIDATE);
    if let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_plain_host(h))
    {
        let policy = format!("{CSP_BASE}; connect-src 'self' ws://{host} wss://{host}");
        insert(
            response.headers_mut(),
            header::CONTENT_SECURITY_POLICY,
            &policy,
        );
    }
    response
}

/// A Host header safe to repeat inside the policy (no spaces, quotes or `;`).
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Picks brotli, then gzip, then the raw bytes, by what the client accepts.
fn encoded(variants: Variants, headers: &HeaderMap, content_type: &'static str) -> Response {
    let accepted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let compressible = variants.gzip.is_some() || variants.brotli.is_some();
    let (body, encoding): (Body, Option<&str>) = match (variants.brotli, variants.gzip) {
        (Some(br), _) if accepts(accepted, "br") => (Body::from(br), Some("br")),
        (_, Some(gz)) if accepts(accepted, "gzip") => (Body::from(gz), Some("gzip")),
        _ => (Body::from(variants.raw.into_owned()), None),
    };
    let mut response =
        (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(encoding) = encoding {
        insert(response.headers_mut(), header::CONTENT_ENCODING, encoding);
    }
    if compressible {
        insert(response.headers_mut(), header::VARY, "Accept-Encoding");
    }
    response
}

/// Whether `Accept-Encoding` lists `coding` with a non-zero quality.
fn accepts(header_value: &str, coding: &str) -> bool {
    header_value.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        if !name.eq_ignore_ascii_case(coding) {
            return false;
        }
        !parts.any(|param| {
            let param = param.trim();
            param
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        })
    })
}

fn set_common(headers: &mut HeaderMap, cache: &'static str) {
    insert(headers, header::CACHE_CONTROL, cache);
    insert(
        headers,
        header::CONTENT_SECURITY_POLICY,
        &format!("{CSP_BASE}; connect-src 'self'"),
    );
    insert(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    insert(headers, header::X_FRAME_OPTIONS, "DENY");
    insert(headers, header::REFERRER_POLICY, "no-referrer");
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Process figures for the Overview page; the same secret as the WebSocket protects them.
fn process_stats(shared: &Shared, headers: &HeaderMap) -> Response {
    let snapshot = shared.snapshot.load();
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let allowed = match snapshot.serve.auth.active_secret() {
        Some(secret) => presented.is_some_and(|given| crate::auth::secrets_equal(given, secret)),
        None => true,
    };
    if !allowed {
        return (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, "Bearer"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            "Unauthorized: send the gateway token or password as Authorization: Bearer <secret>\n",
        )
            .into_response();
    }
    let body = json!({
        "pid": std::process::id(),
        "version": shared.version,
        "uptimeMs": shared.uptime_ms(),
        "rssBytes": resident_bytes(),
        "wsConnections": shared.metrics.ws_connections.get(),
    });
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

/// Resident set size from `/proc/self/status` (`None` where procfs is absent).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalized() {
        assert_eq!(normalize_base("/"), "");
        assert_eq!(normalize_base(""), "");
        assert_eq!(normalize_base("openclaw/"), "/openclaw");
        assert_eq!(normalize_base(" /a/b/ "), "/a/b");
    }

    #[test]
    fn accept_encoding_honours_zero_quality() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("br;q=0.5", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(accepts("br;q=0, gzip", "gzip"));
        assert!(!accepts("identity", "gzip"));
    }

    #[test]
    fn host_headers_with_policy_syntax_are_not_reflected() {
        assert!(is_plain_host("127.0.0.1:18789"));
        assert!(is_plain_host("[::1]:80"));
        assert!(!is_plain_host("evil; script-src *"));
        assert!(!is_plain_host("a'b"));
    }

    #[test]
    fn resident_memory_is_readable_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(resident_bytes().is_some_and(|b| b > 0));
        }
    }
}
