//! One `/v1/chat/completions` client (non-streaming, OpenAI's shape, Bearer auth); the
//! `x-openclaw-session-key` header keeps each client on its own session.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::fake_model::REPLY;
use crate::gateway::TOKEN;

/// A turn slower than this is an error (the bench would otherwise hang on a stuck gateway).
const TURN_TIMEOUT: Duration = Duration::from_secs(60);

/// What the endpoint answered to a probe turn.
pub enum Probe {
    Available,
    /// The endpoint is missing (404) or switched off: skip this path.
    Missing(String),
}

#[derive(Clone)]
pub struct CompletionsClient {
    http: reqwest::Client,
    url: String,
}

impl CompletionsClient {
    /// One client (and connection pool) shared by `concurrency` tasks; every task keeps its
    /// own keep-alive connection.
    pub fn new(port: u16, concurrency: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .timeout(TURN_TIMEOUT)
            .build()
            .context("building the HTTP client for /v1/chat/completions")?;
        Ok(Self {
            http,
            url: format!("http://127.0.0.1:{port}/v1/chat/completions"),
        })
    }

    /// One turn; returns its latency. Anything but a 200 with the fake's reply is an error.
    pub async fn turn(&self, session_key: &str, message: &str) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let (status, body) = self.post(session_key, message).await?;
        let elapsed = started.elapsed();
        if status != 200 {
            bail!("POST {} answered {status}: {body}", self.url);
        }
        check_reply(&body)?;
        Ok(elapsed)
    }

    /// Sends one turn to learn whether the endpoint exists.
    pub async fn probe(&self, session_key: &str) -> anyhow::Result<Probe> {
        let (status, body) = self.post(session_key, "hi").await?;
        match status {
            200 => {
                check_reply(&body)?;
                Ok(Probe::Available)
            }
            404 | 405 => Ok(Probe::Missing(format!(
                "POST /v1/chat/completions answered {status} (endpoint not implemented or not enabled yet)"
            ))),
            _ => bail!("POST {} answered {status}: {body}", self.url),
        }
    }

    async fn post(&self, session_key: &str, message: &str) -> anyhow::Result<(u16, String)> {
        let body = json!({
            "model": "openclaw",
            "messages": [{"role": "user", "content": message}],
        });
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .header("x-openclaw-session-key", session_key)
            .body(body.to_string())
            .send()
            .await
            .with_context(|| format!("POST {}", self.url))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .with_context(|| format!("reading the reply of POST {}", self.url))?;
        Ok((status, text))
    }
}

fn check_reply(body: &str) -> anyhow::Result<()> {
    let reply: Value = serde_json::from_str(body)
        .with_context(|| format!("/v1/chat/completions answered non-JSON: {body}"))?;
    let content = reply["choices"][0]["message"]["content"].as_str();
    if content != Some(REPLY) {
        bail!(
            "/v1/chat/completions replied {reply}, expected the fake's {REPLY:?} as choices[0].message.content"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_must_be_the_fakes_text() {
        let ok = json!({"object":"chat.completion","choices":[{"index":0,
            "message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}]});
        check_reply(&ok.to_string()).unwrap();
        let other = json!({"choices":[{"message":{"content":"Hi"}}]});
        assert!(check_reply(&other.to_string()).is_err());
        assert!(check_reply("not json").is_err());
    }
}
