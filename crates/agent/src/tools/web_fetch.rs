//! `web_fetch {url, extractMode?, maxChars?}`: HTTP(S) GET and readable text, as in OpenClaw.
//!
//! - Only `http`/`https`. Private, loopback, link-local, unique-local, unspecified, multicast,
//!   CGNAT, benchmark and documentation ranges (IPv4 and IPv6, embedded IPv4 included) are refused
//!   after DNS resolution and on every redirect hop (see [`super::net_guard`]), unless
//!   `tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork` is set.
//! - Redirects are followed by hand, at most `maxRedirects` hops; the whole fetch (all hops and
//!   the body) is bounded by `timeoutSeconds`, the body by `maxResponseBytes`, the returned text
//!   by `maxChars` (capped by `maxCharsCap`).
//! - HTML becomes markdown (or plain text) through a small built-in converter, not Readability;
//!   JSON is pretty-printed; other text is passed through; binary bodies are described, not shown.
//! - The answer is OpenClaw's JSON payload: `url`, `finalUrl`, `status`, `contentType`, `title`,
//!   `extractMode`, `extractor`, `truncated`, `length`, `fetchedAt`, `tookMs`, `text`, `warning`.
//!
//! Not implemented: the 15-minute result cache, the Firecrawl fallback, and the
//! external-content wrapper markers of later OpenClaw versions.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use openclaw_providers::ToolSpec;
use reqwest::{Client, Url, header};
use serde_json::{Value, json};

use super::html;
use super::net_guard::{self, AddressPolicy, GuardedResolver};
use super::settings::{MIN_WEB_FETCH_MAX_CHARS, WebFetchSettings};
use super::{ToolContext, ToolOutput, args};

/// Body bytes read for the detail of an error status.
const ERROR_DETAIL_BYTES: usize = 64_000;
/// Characters of that detail shown.
const ERROR_DETAIL_CHARS: usize = 4_000;

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "web_fetch".into(),
        description: "Fetch a URL and extract readable content (HTML → markdown or text). Use for \
                      lightweight page access without browser automation; JavaScript is not run."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "url": {"type": "string", "description": "HTTP or HTTPS URL to fetch."},
                "extractMode": {"type": "string", "enum": ["markdown", "text"], "default": "markdown", "description": "Extraction mode (\"markdown\" or \"text\")."},
                "maxChars": {"type": "number", "minimum": MIN_WEB_FETCH_MAX_CHARS, "description": "Maximum characters to return (truncates when exceeded)."}
            },
            "required": ["url"]
        }),
    }
}

pub async fn run(ctx: &ToolContext, args: &Value) -> ToolOutput {
    let settings = &ctx.settings.web_fetch;
    if !settings.enabled {
        return ToolOutput::error(
            "web_fetch is disabled (tools.web.fetch.enabled is false); enable it in openclaw.json to fetch pages",
        );
    }
    let request = match parse_request(args, settings) {
        Ok(request) => request,
        Err(message) => return ToolOutput::error(message),
    };
    let fetch = fetch(&request, settings);
    let result = tokio::select! {
        result = tokio::time::timeout(settings.timeout, fetch) => result.unwrap_or_else(|_| {
            Err(format!(
                "web_fetch: {} did not finish within {} (tools.web.fetch.timeoutSeconds)",
                request.url,
                describe(settings.timeout)
            ))
        }),
        () = ctx.cancel.cancelled() => Err("web_fetch: cancelled because the agent run was aborted".into()),
    };
    match result {
        Ok(payload) => ToolOutput::ok(
            serde_json::to_string_pretty(&payload).unwrap_or_else(|_| payload.to_string()),
        ),
        Err(message) => ToolOutput::error(message),
    }
}

struct Request {
    url: String,
    markdown: bool,
    max_chars: usize,
}

fn parse_request(raw_args: &Value, settings: &WebFetchSettings) -> Result<Request, String> {
    let map = args::object("web_fetch", raw_args)?;
    let url = args::string("web_fetch", map, &["url"])?.trim().to_owned();
    let markdown = !matches!(
        args::opt_string("web_fetch", map, &["extractMode"])?,
        Some(mode) if mode.trim().eq_ignore_ascii_case("text")
    );
    let max_chars = match args::opt_number("web_fetch", map, "maxChars")? {
        Some(n) if n > 0.0 => (n.floor() as usize).max(MIN_WEB_FETCH_MAX_CHARS),
        _ => settings.max_chars,
    }
    .min(settings.max_chars_cap);
    Ok(Request {
        url,
        markdown,
        max_chars,
    })
}

fn policy_of(settings: &WebFetchSettings) -> AddressPolicy {
    AddressPolicy {
        allow_private: settings.allow_private_network,
        allow_benchmark: settings.allow_benchmark_range,
        allow_unique_local: settings.allow_ipv6_unique_local,
    }
}

/// One client per address policy: the guard lives in the client's resolver.
fn client_for(policy: AddressPolicy) -> Result<Client, String> {
    static CLIENTS: OnceLock<Mutex<HashMap<AddressPolicy, Client>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut clients = clients
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(client) = clients.get(&policy) {
        return Ok(client.clone());
    }
    openclaw_providers::install_crypto_provider();
    let client = Client::builder()
        // Redirects are followed by hand so every hop is checked.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve names itself, bypassing the guarded resolver.
        .no_proxy()
        .dns_resolver(GuardedResolver { policy })
        .build()
        .map_err(|e| format!("web_fetch: could not set up the HTTP client: {e}"))?;
    clients.insert(policy, client.clone());
    Ok(client)
}

fn parse_url(raw: &str, policy: AddressPolicy) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|_| {
        format!("web_fetch: invalid URL {raw:?}: must be an absolute http or https URL")
    })?;
    check_url(&url, policy)?;
    Ok(url)
}

fn check_url(url: &Url, policy: AddressPolicy) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "web_fetch: invalid URL {url}: must be http or https (got {}:)",
            url.scheme()
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("web_fetch: invalid URL {url}: it has no host"))?;
    net_guard::check_host(host, policy).map_err(|blocked| blocked_message(url, &blocked))
}

fn blocked_message(url: &Url, blocked: &net_guard::Blocked) -> String {
    format!(
        "web_fetch: blocked {url}: {blocked}. Fetching private, loopback, link-local and other \
         internal addresses is refused to protect the gateway's network; an operator can allow \
         it with tools.web.fetch.ssrfPolicy.dangerouslyAllowPrivateNetwork"
    )
}

fn request_error(url: &Url, err: &reqwest::Error) -> String {
    if let Some(blocked) = net_guard::find_blocked(err) {
        return blocked_message(url, blocked);
    }
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        source = inner.source();
    }
    format!("web_fetch: request to {url} failed: {detail}")
}

async fn fetch(request: &Request, settings: &WebFetchSettings) -> Result<Value, String> {
    let started = Instant::now();
    let policy = policy_of(settings);
    let client = client_for(policy)?;
    let mut url = parse_url(&request.url, policy)?;
    let mut hops = 0;
    let response = loop {
        let response = client
            .get(url.clone())
            .header(header::USER_AGENT, &settings.user_agent)
            .header(header::ACCEPT, "text/markdown, text/html;q=0.9, */*;q=0.1")
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .send()
            .await
            .map_err(|e| request_error(&url, &e))?;
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok());
        match location {
            Some(location) if response.status().is_redirection() => {
                if hops >= settings.max_redirects {
                    return Err(format!(
                        "web_fetch: too many redirects from {} (more than {}, tools.web.fetch.maxRedirects)",
                        request.url, settings.max_redirects
                    ));
                }
                let next = url.join(location).map_err(|_| {
                    format!("web_fetch: {url} redirected to an invalid location {location:?}")
                })?;
                check_url(&next, policy)?;
                url = next;
                hops += 1;
            }
            _ => break response,
        }
    };

    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let final_url = response.url().clone();
    if !status.is_success() {
        let (body, _) = read_body(response, ERROR_DETAIL_BYTES, &final_url).await?;
        let text = String::from_utf8_lossy(&body);
        let detail = if is_html(content_type.as_deref(), &text) {
            html::extract(&text, Some(&final_url), false).text
        } else {
            text.trim().to_owned()
        };
        let (detail, _) = truncate_chars(&detail, ERROR_DETAIL_CHARS);
        let reason = status.canonical_reason().unwrap_or("");
        return Err(format!(
            "web_fetch: {final_url} answered HTTP {} {reason}{}{detail}",
            status.as_u16(),
            if detail.is_empty() { "" } else { ": " }
        ));
    }

    let (body, body_truncated) =
        read_body(response, settings.max_response_bytes, &final_url).await?;
    let mime = content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let extracted = extract(
        &body,
        &mime,
        content_type.as_deref(),
        &final_url,
        request.markdown,
    );
    let (text, truncated) = truncate_chars(&extracted.text, request.max_chars);
    let mut payload = json!({
        "url": request.url,
        "finalUrl": final_url.as_str(),
        "status": status.as_u16(),
        "contentType": mime,
    });
    if let Some(map) = payload.as_object_mut() {
        if let Some(title) = extracted.title {
            map.insert("title".into(), json!(title));
        }
        map.insert(
            "extractMode".into(),
            json!(if request.markdown { "markdown" } else { "text" }),
        );
        map.insert("extractor".into(), json!(extracted.extractor));
        map.insert("truncated".into(), json!(truncated));
        map.insert("length".into(), json!(text.chars().count()));
        map.insert(
            "fetchedAt".into(),
            json!(jiff::Timestamp::now().to_string()),
        );
        map.insert("tookMs".into(), json!(started.elapsed().as_millis() as u64));
        map.insert("text".into(), json!(text));
        if body_truncated {
            map.insert(
                "warning".into(),
                json!(format!(
                    "Response body truncated after {} bytes (tools.web.fetch.maxResponseBytes).",
                    settings.max_response_bytes
                )),
            );
        }
    }
    Ok(payload)
}

/// Reads at most `max` bytes of the body; the flag says whether more was left unread.
async fn read_body(
    mut response: reqwest::Response,
    max: usize,
    url: &Url,
) -> Result<(Vec<u8>, bool), String> {
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(|e| request_error(url, &e))? {
        let room = max.saturating_sub(body.len());
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, truncated))
}

fn is_html(content_type: Option<&str>, body: &str) -> bool {
    content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || html::looks_like_html(body)
}

struct Extraction {
    title: Option<String>,
    text: String,
    extractor: &'static str,
}

fn extract(
    body: &[u8],
    mime: &str,
    raw_type: Option<&str>,
    url: &Url,
    markdown: bool,
) -> Extraction {
    let text = String::from_utf8_lossy(body);
    let textual = mime.starts_with("text/")
        || mime.contains("json")
        || mime.contains("xml")
        || mime.contains("javascript")
        || mime == "application/x-www-form-urlencoded";
    if mime == "text/markdown" {
        return Extraction {
            title: None,
            text: text.into_owned(),
            extractor: "markdown",
        };
    }
    if mime.contains("html") || (raw_type.is_none() && html::looks_like_html(&text)) {
        let page = html::extract(&text, Some(url), markdown);
        return Extraction {
            title: page.title,
            text: page.text,
            extractor: "html",
        };
    }
    if mime.contains("json")
        && let Ok(value) = serde_json::from_str::<Value>(&text)
    {
        return Extraction {
            title: None,
            text: serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.into_owned()),
            extractor: "json",
        };
    }
    if !textual && (body.contains(&0) || raw_type.is_some()) {
        return Extraction {
            title: None,
            text: format!(
                "[binary content of type {mime}, {} bytes, not shown]",
                body.len()
            ),
            extractor: "none",
        };
    }
    Extraction {
        title: None,
        text: text.into_owned(),
        extractor: "raw",
    }
}

fn describe(duration: std::time::Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// The first `max` characters, and whether anything was cut.
fn truncate_chars(text: &str, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((cut, _)) => (text[..cut].to_owned(), true),
        None => (text.to_owned(), false),
    }
}
