//! One `chat.send` client: a WS connection that runs one turn at a time and waits for the
//! `chat` `final` event of its run. Events are broadcast to every connection, so each client
//! sees every client's events and filters by `runId`.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::fake_model::REPLY;
use crate::gateway::TOKEN;

/// A turn slower than this is reported as lost (its final event was dropped or never sent);
/// turns against the instant fake take well under a second even at 64 clients, and a lost
/// final should not stall its client for long.
const TURN_TIMEOUT: Duration = Duration::from_secs(15);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct ChatClient {
    ws: Ws,
    next_id: u64,
    /// Frames received (every client receives every run's events).
    pub frames: u64,
    /// Events this connection never got.
    pub gaps: SeqGaps,
    /// Turns left to trace to stderr (`OPENCLAW_BENCH_TRACE=<turns>`): each frame's arrival
    /// time, to see where a turn waits.
    trace_turns: u32,
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

impl ChatClient {
    /// Connects and completes the handshake as an admin operator (protocol 3).
    pub async fn connect(port: u16) -> anyhow::Result<Self> {
        let url = format!("ws://127.0.0.1:{port}/");
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
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
        Ok(Self {
            ws,
            next_id: 0,
            frames: 0,
            gaps: SeqGaps::default(),
            trace_turns: std::env::var("OPENCLAW_BENCH_TRACE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        })
    }

    /// Sends `chat.send` and waits for the run's final event; a run that ends in `error` or
    /// `aborted`, or replies something else than the fake's text, is an error.
    pub async fn turn(
        &mut self,
        session_key: &str,
        message: &str,
        idempotency_key: &str,
    ) -> anyhow::Result<TurnTiming> {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let request = json!({"type":"req","id":id,"method":"chat.send","params":{
            "sessionKey":session_key,"message":message,
            "idempotencyKey":idempotency_key,"deliver":false}});
        let started = Instant::now();
        self.ws.send(Message::text(request.to_string())).await?;
        let mut run_id: Option<String> = None;
        let mut ack = Duration::ZERO;
        // Terminal events that arrived before our response named our run.
        let mut early: Vec<Terminal> = Vec::new();
        let deadline = tokio::time::Instant::now() + TURN_TIMEOUT;
        loop {
            let text = tokio::time::timeout_at(deadline, next_text(&mut self.ws))
                .await
                .map_err(|_| {
                    anyhow::anyhow!(
                        "no final chat event for session {session_key} within {TURN_TIMEOUT:?} \
                         (the gateway may have dropped it: {} events were lost by this client)",
                        self.gaps.missing
                    )
                })??;
            self.frames += 1;
            self.gaps.note(&text);
            if self.trace_turns > 0 {
                let head: String = text.chars().take(140).collect();
                eprintln!(
                    "trace {session_key} +{:.3} ms {head}",
                    started.elapsed().as_secs_f64() * 1e3
                );
            }
            // Most frames are other runs' `agent` events: skip them without parsing.
            let is_response = text.starts_with(r#"{"type":"res""#);
            let is_chat = text.starts_with(r#"{"type":"event","event":"chat""#);
            if !is_response && !is_chat {
                continue;
            }
            let frame: Value = serde_json::from_str(&text)
                .with_context(|| format!("the gateway sent invalid JSON: {text}"))?;
            if is_response {
                if frame["id"] != id.as_str() {
                    continue;
                }
                if frame["ok"] != true {
                    bail!("chat.send failed: {}", frame["error"]);
                }
                ack = started.elapsed();
                let run = frame["payload"]["runId"]
                    .as_str()
                    .context("chat.send response without payload.runId")?
                    .to_owned();
                if let Some(done) = early.iter().find(|t| t.run_id == run) {
                    self.trace_turns = self.trace_turns.saturating_sub(1);
                    check_terminal(done)?;
                    return Ok(TurnTiming {
                        ack,
                        total: started.elapsed(),
                    });
                }
                run_id = Some(run);
                continue;
            }
            let Some(terminal) = terminal(&frame) else {
                continue;
            };
            match &run_id {
                Some(ours) if *ours == terminal.run_id => {
                    self.trace_turns = self.trace_turns.saturating_sub(1);
                    check_terminal(&terminal)?;
                    return Ok(TurnTiming {
                        ack,
                        total: started.elapsed(),
                    });
                }
                Some(_) => {}
                None => early.push(terminal),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
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
