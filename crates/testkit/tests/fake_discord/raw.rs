//! The wire protocol checked with a plain WebSocket client, for what twilight hides.

use super::*;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(discord: &FakeDiscord) -> Ws {
    let url = format!("{}/?v=10&encoding=json", discord.gateway_url());
    connect_async(url).await.unwrap().0
}

/// The next frame: `Ok(json)` for text, `Err(close code)` for a close frame or the end.
async fn next(ws: &mut Ws) -> Result<Value, Option<u16>> {
    match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
        Some(Ok(Message::Text(text))) => Ok(serde_json::from_str(&text).unwrap()),
        Some(Ok(Message::Close(frame))) => Err(frame.map(|f| u16::from(f.code))),
        Some(Ok(other)) => panic!("unexpected frame {other:?}"),
        Some(Err(_)) | None => Err(None),
    }
}

async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string())).await.unwrap();
}

#[tokio::test]
async fn hello_ack_identify_sequence_and_abrupt_drop() {
    let discord = FakeDiscord::start_with(FakeDiscordOptions {
        heartbeat_interval: Duration::from_millis(1234),
        ..FakeDiscordOptions::default()
    })
    .await
    .unwrap();
    let mut ws = connect(&discord).await;
    let hello = next(&mut ws).await.unwrap();
    assert_eq!(hello["op"], 10);
    assert_eq!(hello["d"]["heartbeat_interval"], 1234);
    send(&mut ws, json!({"op": 1, "d": null})).await;
    assert_eq!(next(&mut ws).await.unwrap()["op"], 11);

    // Dispatched before any session: delivered right after READY.
    discord
        .send_message(&IncomingMessage::dm(USER_ID, "early"))
        .unwrap();
    // A bare token is accepted too.
    let token = discord.token().to_string();
    send(
        &mut ws,
        json!({"op": 2, "d": {"token": token, "intents": 1 << 12, "properties": {}}}),
    )
    .await;
    let ready = next(&mut ws).await.unwrap();
    assert_eq!(
        (ready["t"].as_str(), ready["s"].as_u64()),
        (Some("READY"), Some(1))
    );
    assert_eq!(ready["d"]["shard"], json!([0, 1]));
    let guild = next(&mut ws).await.unwrap();
    assert_eq!(
        (guild["t"].as_str(), guild["s"].as_u64()),
        (Some("GUILD_CREATE"), Some(2))
    );
    let early = next(&mut ws).await.unwrap();
    assert_eq!(early["t"], "MESSAGE_CREATE");
    assert_eq!(early["s"], 3);
    assert_eq!(early["d"]["content"], "early");

    // A second IDENTIFY on the same connection is refused.
    send(&mut ws, json!({"op": 2, "d": {"token": discord.token()}})).await;
    assert_eq!(next(&mut ws).await, Err(Some(4005)));

    // A dropped socket ends without a close frame.
    let mut ws = connect(&discord).await;
    next(&mut ws).await.unwrap();
    discord
        .wait_until("the second connection", WAIT, |d| d.live_connections() == 1)
        .await
        .unwrap();
    assert_eq!(discord.drop_connections(), 1);
    assert_eq!(next(&mut ws).await, Err(None));
}

#[tokio::test]
async fn protocol_errors_close_with_discord_codes() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut ws = connect(&discord).await;
    next(&mut ws).await.unwrap();
    send(&mut ws, json!({"op": 3, "d": {}})).await;
    assert_eq!(next(&mut ws).await, Err(Some(4003)));

    let mut ws = connect(&discord).await;
    next(&mut ws).await.unwrap();
    ws.send(Message::text("not json")).await.unwrap();
    assert_eq!(next(&mut ws).await, Err(Some(4002)));

    let mut ws = connect(&discord).await;
    next(&mut ws).await.unwrap();
    send(&mut ws, json!({"op": 99, "d": null})).await;
    assert_eq!(next(&mut ws).await, Err(Some(4001)));

    // RESUME of an unknown session: op 9 false.
    let mut ws = connect(&discord).await;
    next(&mut ws).await.unwrap();
    let resume = json!({"op": 6, "d": {"token": discord.token(), "session_id": "nope", "seq": 3}});
    send(&mut ws, resume).await;
    let invalid = next(&mut ws).await.unwrap();
    assert_eq!(
        (invalid["op"].as_u64(), invalid["d"].as_bool()),
        (Some(9), Some(false))
    );
    assert!(!discord.resumes()[0].accepted);
}
