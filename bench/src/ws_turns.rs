//! `chat.send` over WS. A [`ChatConn`] is one connection that carries any number of turns at
//! once: a reader task hands each `chat.send` response and each run's terminal `chat` event to
//! the turn waiting for it. Events are broadcast to every connection, so with one connection per
//! client every connection sees every client's events (the fan-out cost grows with the square of
//! the connection count); several clients per connection measure the turn path without it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::fake_model::REPLY;
use crate::gateway::TOKEN;

/// A turn slower than this is reported as lost (its final event was dropped or never sent);
/// turns against the instant fake take well under a second even at 64 clients, and a lost
/// final should not stall its client for long.
const TURN_TIMEOUT: Duration = Duration::from_secs(15);

/// Requests queued for one connection's writer.
const WRITE_QUEUE: usize = 256;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What one turn waits for: the `chat.send` response, then its run's terminal event. The run id
/// is the idempotency key (OpenClaw answers `runId: <idempotencyKey>`), so the waiter can be
/// registered before the request is written and an early terminal event is never missed.
struct Waiter {
    ack: Option<oneshot::Sender<Result<(), String>>>,
    done: oneshot::Sender<Terminal>,
}

#[derive(Default)]
struct Shared {
    waiters: Mutex<HashMap<String, Waiter>>,
    /// Frames received on this connection.
    frames: AtomicU64,
    /// Events this connection never got (seq gaps).
    missing: AtomicU64,
    closed: Mutex<Option<String>>,
}

/// One WS connection shared by any number of concurrent turns.
pub struct ChatConn {
    outbound: mpsc::Sender<Message>,
    shared: Arc<Shared>,
    reader: tokio::task::JoinHandle<()>,
    writer: tokio::task::JoinHandle<SplitSink<Ws, Message>>,
}

/// Timings of one turn, from just before `chat.send` is written.
pub struct TurnTiming {
    /// Until the `chat.send` response (`status: "started"`).
    pub ack: Duration,
    /// Until the run's `chat` `final` event.
    pub total: Duration,
}

/// The terminal `chat` event of one run.
struct Terminal {
    run_id: String,
    state: String,
    text: Option<String>,
    error: Option<String>,
}

impl ChatConn {
    /// Connects and completes the handshake as an admin operator (protocol 3).
    pub async fn connect(port: u16) -> anyhow::Result<Self> {
        let url = format!("ws://127.0.0.1:{port}/");
        // tungstenite zero-fills its read buffer before each read: keep it small (the default
        // 128 KiB would make the bench client spend its CPU on memset).
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(16 * 1024);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(&url, Some(config), true)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let challenge = next_text(&mut ws).await?;
        if !challenge.contains("connect.challenge") {
            bail!("expected connect.challenge, got {challenge}");
        }
        let connect = json!({"type":"req","id":"connect","method":"connect","params":{
            "minProtocol":3,"maxProtocol":3,
            "client":{"id":"cli","version":"bench","platform":"linux","mode":"cli"},
            "caps":[],"auth":{"token":TOKEN},"role":"operator","scopes":["operator.admin"]}});
        ws.send(Message::text(connect.to_string())).await?;
        loop {
            let text = next_text(&mut ws).await?;
            let frame: Value = serde_json::from_str(&text)?;
            if frame["type"] == "res" && frame["id"] == "connect" {
                if frame["ok"] != true {
                    bail!("the gateway refused the bench client's connect: {frame}");
                }
                break;
            }
        }
        let (sink, stream) = ws.split();
        let shared = Arc::new(Shared::default());
        let (outbound, queue) = mpsc::channel(WRITE_QUEUE);
        Ok(Self {
            outbound,
            reader: tokio::spawn(read_loop(stream, shared.clone())),
            writer: tokio::spawn(write_loop(sink, queue)),
            shared,
        })
    }

    pub fn frames(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }

    pub fn missing_events(&self) -> u64 {
        self.shared.missing.load(Ordering::Relaxed)
    }

    /// Sends `chat.send` and waits for the run's final event; a run that ends in `error` or
    /// `aborted`, or replies something else than the fake's text, is an error.
    pub async fn turn(
        &self,
        session_key: &str,
        message: &str,
        idempotency_key: &str,
    ) -> anyhow::Result<TurnTiming> {
        let (ack_tx, ack_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        {
            let mut waiters = lock(&self.shared.waiters);
            if let Some(why) = lock(&self.shared.closed).as_ref() {
                bail!("{why}");
            }
            waiters.insert(
                idempotency_key.to_owned(),
                Waiter {
                    ack: Some(ack_tx),
                    done: done_tx,
                },
            );
        }
        let request = json!({"type":"req","id":idempotency_key,"method":"chat.send","params":{
            "sessionKey":session_key,"message":message,
            "idempotencyKey":idempotency_key,"deliver":false}});
        let started = Instant::now();
        let result = async {
            self.outbound
                .send(Message::text(request.to_string()))
                .await
                .context("the connection's writer stopped")?;
            let deadline = tokio::time::Instant::now() + TURN_TIMEOUT;
            let lost = || {
                anyhow::anyhow!(
                    "no final chat event for session {session_key} within {TURN_TIMEOUT:?} \
                     (the gateway may have dropped it: {} events were lost on this connection)",
                    self.missing_events()
                )
            };
            match tokio::time::timeout_at(deadline, ack_rx).await {
                Err(_) => return Err(lost()),
                Ok(Err(_)) => bail!("{}", self.closed_reason()),
                Ok(Ok(Err(error))) => bail!("chat.send failed: {error}"),
                Ok(Ok(Ok(()))) => {}
            }
            let ack = started.elapsed();
            let terminal = match tokio::time::timeout_at(deadline, done_rx).await {
                Err(_) => return Err(lost()),
                Ok(Err(_)) => bail!("{}", self.closed_reason()),
                Ok(Ok(terminal)) => terminal,
            };
            check_terminal(&terminal)?;
            Ok(TurnTiming {
                ack,
                total: started.elapsed(),
            })
        }
        .await;
        if result.is_err() {
            lock(&self.shared.waiters).remove(idempotency_key);
        }
        result
    }

    fn closed_reason(&self) -> String {
        lock(&self.shared.closed)
            .clone()
            .unwrap_or_else(|| "the connection's reader stopped".to_owned())
    }

    pub async fn close(self) {
        drop(self.outbound);
        if let Ok(mut sink) = self.writer.await {
            let _ = sink.close().await;
        }
        self.reader.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut queue: mpsc::Receiver<Message>,
) -> SplitSink<Ws, Message> {
    while let Some(message) = queue.recv().await {
        if sink.feed(message).await.is_err() {
            break;
        }
        // Write everything already queued in one flush.
        while let Ok(message) = queue.try_recv() {
            if sink.feed(message).await.is_err() {
                return sink;
            }
        }
        if sink.flush().await.is_err() {
            break;
        }
    }
    sink
}

async fn read_loop(mut stream: SplitStream<Ws>, shared: Arc<Shared>) {
    let mut gaps = SeqGaps::default();
    let why = loop {
        let text = match stream.next().await {
            None => break "the gateway closed the WS connection".to_owned(),
            Some(Err(err)) => break format!("WS read failed: {err}"),
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                break format!("the gateway closed the WS connection: {frame:?}");
            }
            Some(Ok(_)) => continue,
        };
        let text = text.as_str();
        shared.frames.fetch_add(1, Ordering::Relaxed);
        let before = gaps.missing;
        gaps.note(text);
        if gaps.missing != before {
            shared.missing.store(gaps.missing, Ordering::Relaxed);
        }
        // Most frames are `agent` events: skip them without parsing.
        let is_response = text.starts_with(r#"{"type":"res""#);
        let is_chat = text.starts_with(r#"{"type":"event","event":"chat""#);
        if !is_response && !is_chat {
            continue;
        }
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            break format!("the gateway sent invalid JSON: {text}");
        };
        if is_response {
            let Some(id) = frame["id"].as_str() else {
                continue;
            };
            let mut waiters = lock(&shared.waiters);
            let Some(waiter) = waiters.get_mut(id) else {
                continue;
            };
            let ack = if frame["ok"] == true {
                Ok(())
            } else {
                Err(frame["error"].to_string())
            };
            let failed = ack.is_err();
            if let Some(tx) = waiter.ack.take() {
                let _ = tx.send(ack);
            }
            if failed {
                waiters.remove(id);
            }
            continue;
        }
        let Some(terminal) = terminal(&frame) else {
            continue;
        };
        if let Some(mut waiter) = lock(&shared.waiters).remove(&terminal.run_id) {
            // A run that ended before its response arrived was evidently accepted.
            if let Some(tx) = waiter.ack.take() {
                let _ = tx.send(Ok(()));
            }
            let _ = waiter.done.send(terminal);
        }
    };
    *lock(&shared.closed) = Some(why);
    // Dropping the waiters wakes every turn still waiting on this connection.
    lock(&shared.waiters).clear();
}

/// Counts gaps in a connection's event `seq`: the gateway numbers an event before it drops it
/// for a slow client, so a gap is an event this client never got.
#[derive(Debug, Default)]
pub struct SeqGaps {
    last: u64,
    pub missing: u64,
}

impl SeqGaps {
    /// Notes one received frame (the last `"seq":` of an event frame is the frame's own: it is
    /// written after the payload).
    pub fn note(&mut self, text: &str) {
        if !text.starts_with(r#"{"type":"event""#) {
            return;
        }
        let Some(at) = text.rfind(r#""seq":"#) else {
            return;
        };
        let digits: String = text[at + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(seq) = digits.parse::<u64>() {
            if self.last > 0 && seq > self.last + 1 {
                self.missing += seq - self.last - 1;
            }
            self.last = self.last.max(seq);
        }
    }
}

fn terminal(frame: &Value) -> Option<Terminal> {
    let payload = &frame["payload"];
    let state = payload["state"].as_str()?;
    if state == "delta" {
        return None;
    }
    Some(Terminal {
        run_id: payload["runId"].as_str()?.to_owned(),
        state: state.to_owned(),
        text: payload["message"]["content"][0]["text"]
            .as_str()
            .map(str::to_owned),
        error: payload["errorMessage"].as_str().map(str::to_owned),
    })
}

fn check_terminal(terminal: &Terminal) -> anyhow::Result<()> {
    if terminal.state != "final" {
        bail!(
            "run {} ended {}: {}",
            terminal.run_id,
            terminal.state,
            terminal.error.as_deref().unwrap_or("(no message)")
        );
    }
    if terminal.text.as_deref() != Some(REPLY) {
        bail!(
            "run {} replied {:?}, expected the fake's {REPLY:?}",
            terminal.run_id,
            terminal.text
        );
    }
    Ok(())
}

async fn next_text(ws: &mut Ws) -> anyhow::Result<String> {
    loop {
        match ws.next().await {
            None => bail!("the gateway closed the WS connection"),
            Some(Err(err)) => bail!("WS read failed: {err}"),
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(Message::Close(frame))) => {
                bail!("the gateway closed the WS connection: {frame:?}")
            }
            Some(Ok(_)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_reads_final_error_and_skips_delta() {
        let final_frame = json!({"type":"event","event":"chat","payload":{"runId":"r1","state":"final",
            "message":{"role":"assistant","content":[{"type":"text","text":"Hello"}]}}});
        let t = terminal(&final_frame).unwrap();
        assert_eq!((t.run_id.as_str(), t.state.as_str()), ("r1", "final"));
        check_terminal(&t).unwrap();

        let error = json!({"type":"event","event":"chat","payload":{"runId":"r2","state":"error",
            "errorMessage":"boom"}});
        let err = check_terminal(&terminal(&error).unwrap()).unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");

        let delta = json!({"type":"event","event":"chat","payload":{"runId":"r3","state":"delta"}});
        assert!(terminal(&delta).is_none());
    }

    #[test]
    fn seq_gaps_count_missing_events_only() {
        let mut gaps = SeqGaps::default();
        let event = |seq: u64| {
            format!(r#"{{"type":"event","event":"agent","payload":{{"seq":1}},"seq":{seq}}}"#)
        };
        gaps.note(&event(1));
        gaps.note(&event(2));
        gaps.note(r#"{"type":"res","id":"1","ok":true}"#);
        gaps.note(&event(5));
        assert_eq!(gaps.missing, 2);
        gaps.note(&event(6));
        assert_eq!(gaps.missing, 2);
    }

    #[test]
    fn a_final_with_another_text_is_an_error() {
        let frame = json!({"type":"event","event":"chat","payload":{"runId":"r1","state":"final",
            "message":{"role":"assistant","content":[{"type":"text","text":"Bye"}]}}});
        assert!(check_terminal(&terminal(&frame).unwrap()).is_err());
    }
}
