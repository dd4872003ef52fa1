//! The instant fake model: the testkit's fake OpenAI server answering every request with one
//! streamed "Hello", on a runtime of its own so the benchmark clients' scheduling does not
//! delay it; plus a direct probe of its latency, which is the part of a turn that is not the
//! gateway's.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};
use serde_json::json;
use tokio::sync::oneshot;

use crate::stats::Samples;

/// The reply text every turn gets.
pub const REPLY: &str = "Hello";

pub struct FakeModel {
    llm: Arc<FakeLlm>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeModel {
    pub fn start() -> anyhow::Result<Self> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-model".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = ready_tx.send(Err(anyhow::Error::new(err)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match FakeLlm::start().await {
                        Ok(llm) => {
                            llm.set_keep_requests(false);
                            llm.set_default_reply(Some(FakeReply::text(&[REPLY])));
                            let _ = ready_tx.send(Ok(Arc::new(llm)));
                            let _ = stop_rx.await;
                        }
                        Err(err) => {
                            let _ = ready_tx.send(Err(err));
                        }
                    }
                });
            })
            .context("starting the fake model's thread")?;
        let llm = ready_rx
            .recv()
            .context("the fake model's thread ended before it was ready")?
            .context("starting the fake model server on 127.0.0.1")?;
        Ok(Self {
            llm,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Base URL for the gateway's provider config (ends in `/v1`).
    pub fn base_url(&self) -> String {
        self.llm.openai_base_url()
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.llm.request_count()
    }
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Latency of the fake on its own, as an HTTP client on loopback sees it: `concurrency`
/// clients post a streaming chat request for `duration` and read the whole SSE body. The
/// gateway makes one such call per turn, so this is the share of a turn that is not overhead.
pub async fn direct_latency(
    base_url: &str,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Samples> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .context("building the HTTP client for the fake model probe")?;
    let url = format!("{base_url}/chat/completions");
    let body = json!({
        "model": "fake-1",
        "stream": true,
        "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "hi"}],
    })
    .to_string();
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .header("authorization", "Bearer sk-bench")
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .context("posting to the fake model")?;
                let status = response.status();
                let text = response.text().await.context("reading the fake's reply")?;
                if !status.is_success() || !text.contains("[DONE]") {
                    bail!("the fake model answered {status}: {text}");
                }
                samples.push(started.elapsed());
            }
            anyhow::Ok(samples)
        }));
    }
    let mut all = Samples::default();
    for task in tasks {
        all.merge(task.await.context("a fake-probe task panicked")??);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_fake_answers_every_probe_with_the_reply() {
        let fake = FakeModel::start().unwrap();
        let samples = direct_latency(&fake.base_url(), 2, Duration::from_millis(200))
            .await
            .unwrap();
        assert!(samples.len() > 0);
        assert_eq!(fake.requests(), samples.len() as u64);
        let summary = samples.summary();
        assert!(summary.p50 <= summary.p99);
    }

    #[tokio::test]
    async fn a_probe_of_a_dead_port_fails_with_context() {
        let port = crate::gateway::free_port().unwrap();
        let err = direct_latency(
            &format!("http://127.0.0.1:{port}/v1"),
            1,
            Duration::from_millis(50),
        )
        .await
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("posting to the fake model"),
            "{err:#}"
        );
    }
}
