//! A deliberately tiny HTTP/1.1 client over a raw `TcpStream`: one request per connection
//! (`Connection: close`), enough to probe `/health`, the Control UI fallback and hook
//! endpoints without pulling an HTTP client stack into every test.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for a whole request/response exchange.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn body_json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("response body is not JSON: {}", self.body_text()))
    }
}

/// `GET path` with extra `headers`.
pub async fn http_get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<HttpResponse> {
    http_request(addr, "GET", path, headers, &[]).await
}

/// Any method, optional body (sent with `Content-Length`).
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<HttpResponse> {
    tokio::time::timeout(HTTP_TIMEOUT, exchange(addr, method, path, headers, body))
        .await
        .with_context(|| format!("{method} http://{addr}{path} timed out after {HTTP_TIMEOUT:?}"))?
}

async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<HttpResponse> {
    let mut stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to http://{addr}"))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .with_context(|| format!("reading the response to {method} {path}"))?;
    parse_response(&raw, method == "HEAD")
}

/// Parses a complete HTTP/1.1 response (status line, headers, body with `Content-Length`,
/// chunked encoding, or until close).
pub fn parse_response(raw: &[u8], head_request: bool) -> anyhow::Result<HttpResponse> {
    let Some(header_end) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
        bail!(
            "incomplete HTTP response (no end of headers): {:?}",
            String::from_utf8_lossy(raw)
        );
    };
    let head = std::str::from_utf8(&raw[..header_end]).context("response headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .with_context(|| format!("malformed status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let rest = &raw[header_end + 4..];
    let mut response = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if head_request || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(response);
    }
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    response.body = if chunked {
        decode_chunked(rest)?
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length
            .parse()
            .with_context(|| format!("bad Content-Length {length:?}"))?;
        if rest.len() < length {
            bail!(
                "body shorter than Content-Length ({} < {length})",
                rest.len()
            );
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(response)
}

fn decode_chunked(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|window| window == b"\r\n")
            .context("chunked body: missing chunk size line")?;
        let size_text = std::str::from_utf8(&data[..line_end])?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .with_context(|| format!("chunked body: bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size + 2 {
            bail!("chunked body: chunk of {size} bytes is cut short");
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_length_and_chunked_bodies() {
        let plain = parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
            false,
        )
        .unwrap();
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("content-type"), Some("text/plain"));
        assert_eq!(plain.body_text(), "hello");

        let chunked = parse_response(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nNot \r\n5\r\nFound\r\n0\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!(chunked.status, 404);
        assert_eq!(chunked.body_text(), "Not Found");

        let head = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true).unwrap();
        assert!(head.body.is_empty());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n", false).is_err());
    }
}
