//! `openclaw pairing`, `message send`, `channels status`, `dashboard` and `logs` through the
//! real binary: against a real gateway logged in to the testkit's fake Discord, and with no
//! gateway at all (pairing works on the files; the rest say the gateway is not running).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

#[path = "cli_channels/support.rs"]
mod support;

use openclaw_testkit::fake_discord::{CHANNEL_ID, IncomingMessage, UserSpec};
use serde_json::{Value, json};
use support::{
    Offline, Rig, WAIT, allow_from, assert_exit, read_json, stdout_json, write_pairing_file,
};
use ws_support::TOKEN;

const BOB_ID: u64 = 1_300_000_000_000_000_202;
const HOUR_MS: i64 = 60 * 60 * 1000;

#[tokio::test]
async fn pairing_works_on_the_files_without_a_gateway() {
    let offline = Offline::new(&json!({}));
    let state = offline.state_dir();
    write_pairing_file(
        &state,
        "discord",
        &[
            ("111", "AAAA2222", 5 * 60_000),
            ("222", "BBBB3333", 60_000),
            ("333", "CCCC4444", 2 * HOUR_MS),
            ("444", "DDDD5555", 1000),
        ],
    );
    // An earlier approval stays.
    std::fs::write(
        state.join("credentials/discord-allowFrom.json"),
        r#"{"version":1,"allowFrom":["999"]}"#,
    )
    .unwrap();

    // The expired request is gone; oldest first.
    let out = offline.cli(&["pairing", "list", "discord", "--json"]).await;
    assert_exit(&out, 0);
    let listed = stdout_json(&out);
    assert_eq!(listed["channel"], "discord");
    let codes: Vec<&str> = listed["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["AAAA2222", "BBBB3333", "DDDD5555"], "{listed}");
    assert_eq!(listed["requests"][0]["senderId"], "111");
    assert_eq!(listed["requests"][0]["meta"]["tag"], "user-111");

    let out = offline.cli(&["pairing", "list"]).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.contains("Pending discord pairing requests (3)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("AAAA2222  111"), "{}", out.stdout);
    assert!(out.stdout.contains("5m ago"), "{}", out.stdout);

    // Approve: case-insensitive code, the sender lands in allowFrom next to the earlier one.
    let out = offline
        .cli(&["pairing", "approve", "discord", "aaaa2222"])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.contains("Approved discord sender 111"),
        "{}",
        out.stdout
    );
    assert_eq!(allow_from(&state, "discord"), ["999", "111"]);
    let pairing = read_json(&state.join("credentials/discord-pairing.json"));
    assert_eq!(pairing["version"], 1);
    assert!(!pairing.to_string().contains("AAAA2222"), "{pairing}");

    // Used codes and unknown ones fail with exit 1 and say why.
    let out = offline
        .cli(&["pairing", "approve", "discord", "AAAA2222"])
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("no pending discord pairing request with code AAAA2222"),
        "{}",
        out.stderr
    );
    let out = offline
        .cli(&["pairing", "approve", "CCCC4444", "--json"])
        .await;
    assert_exit(&out, 1);
    assert_eq!(stdout_json(&out)["ok"], false);

    // Channel validated, the supported list named; channel alone is a missing code.
    let out = offline.cli(&["pairing", "approve", "telegram", "X"]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("supported for discord"),
        "{}",
        out.stderr
    );
    let out = offline.cli(&["pairing", "list", "--channel", "irc"]).await;
    assert_exit(&out, 1);
    let out = offline.cli(&["pairing", "approve", "discord"]).await;
    assert_exit(&out, 1);
    assert!(out.stderr.contains("no pairing code"), "{}", out.stderr);

    // Deny drops the request without approving.
    let out = offline
        .cli(&["pairing", "deny", "--channel", "discord", "BBBB3333"])
        .await;
    assert_exit(&out, 0);
    assert_eq!(allow_from(&state, "discord"), ["999", "111"]);

    // --notify without a gateway: approved anyway (exit 0), the missing note reported.
    let out = offline
        .cli(&[
            "pairing", "approve", "discord", "DDDD5555", "--notify", "--json",
        ])
        .await;
    assert_exit(&out, 0);
    let approved = stdout_json(&out);
    assert_eq!(approved["senderId"], "444");
    assert_eq!(approved["notification"], "unavailable");
    assert!(out.stderr.contains("Could not notify"), "{}", out.stderr);
    assert!(
        out.stderr.contains("no gateway is running"),
        "{}",
        out.stderr
    );
    assert_eq!(allow_from(&state, "discord"), ["999", "111", "444"]);

    let out = offline.cli(&["pairing", "list", "discord"]).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.contains("No pending discord pairing requests"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn gateway_verbs_say_when_no_gateway_runs() {
    let offline = Offline::new(&json!({
        "gateway": {"auth": {"token": "tok en/+1"}, "controlUi": {"basePath": "/ui"}},
    }));
    let out = offline.cli(&["channels", "status"]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("no gateway is running at ws://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("openclaw gateway"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);

    let out = offline
        .cli(&["channels", "status", "--probe", "--json"])
        .await;
    assert_exit(&out, 1);
    let error = stdout_json(&out);
    assert_eq!(error["ok"], false);
    assert_eq!(error["error"]["code"], "GATEWAY_UNREACHABLE");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no gateway is running")
    );

    for args in [
        &[
            "message",
            "send",
            "--target",
            "channel:1",
            "--message",
            "hi",
        ][..],
        &["logs", "--limit", "5"][..],
    ] {
        let out = offline.cli(args).await;
        assert_exit(&out, 1);
        assert!(
            out.stderr.contains("no gateway is running"),
            "{args:?}: {}",
            out.stderr
        );
    }

    // The dashboard URL still prints: base path, encoded token in the fragment, no browser.
    let out = offline.cli(&["dashboard", "--port", "4321"]).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .contains("Control UI: http://127.0.0.1:4321/ui/#token=tok%20en%2F%2B1\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("No display found"), "{}", out.stdout);
    assert!(
        out.stderr.contains("No gateway seems to be running"),
        "{}",
        out.stderr
    );
}

/// The first account row of a `channels.status` answer.
fn discord_account(status: &Value) -> &Value {
    &status["channelAccounts"]["discord"][0]
}

#[tokio::test]
async fn channel_verbs_against_a_gateway_on_the_fake_discord() {
    let rig = Rig::start(json!({})).await;
    let discord = &rig.discord;

    // channels status: JSON is the gateway's answer, the table one row per account.
    let out = rig.cli(&["channels", "status", "--json"]).await;
    assert_exit(&out, 0);
    let status = stdout_json(&out);
    assert_eq!(status["channelOrder"], json!(["discord"]), "{status}");
    let account = discord_account(&status);
    assert_eq!(account["accountId"], "default");
    assert_eq!(account["state"], "connected", "{status}");
    assert_eq!(account["tokenSource"], "env");
    assert_eq!(account["bot"]["id"], discord.bot_id().to_string());
    assert!(account.get("probe").is_none(), "{status}");

    let out = rig.cli(&["channels", "status"]).await;
    assert_exit(&out, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("Channel  Account  State"),
        "{}",
        out.stdout
    );
    assert!(!lines[0].contains("Probe"), "{}", out.stdout);
    assert!(
        lines[1].starts_with("Discord  default  connected"),
        "{}",
        out.stdout
    );
    assert!(
        lines[1].contains(&discord.bot_id().to_string()),
        "{}",
        out.stdout
    );

    let out = rig.cli(&["channels", "status", "--probe", "--json"]).await;
    assert_exit(&out, 0);
    let probed = stdout_json(&out);
    let probe = &discord_account(&probed)["probe"];
    assert_eq!(probe["ok"], true, "{probed}");
    assert_eq!(probe["bot"]["id"], discord.bot_id().to_string());
    let out = rig.cli(&["channels", "status", "--probe"]).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.lines().next().unwrap().contains("Probe"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("  ok in "), "{}", out.stdout);

    // message send to a channel, then to a user (a DM), the channel chosen by the gateway.
    let out = rig
        .cli(&[
            "message",
            "send",
            "--target",
            &format!("channel:{CHANNEL_ID}"),
            "--message",
            "hello channel",
        ])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.starts_with("Sent via discord to channel:"),
        "{}",
        out.stdout
    );
    let sent = discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    assert_eq!(sent[0].content, "hello channel");

    discord.add_user(UserSpec::human(BOB_ID, "bob"));
    let out = rig
        .cli(&[
            "message",
            "send",
            "--channel",
            "discord",
            "-t",
            &format!("user:{BOB_ID}"),
            "-m",
            "hello bob",
            "--json",
        ])
        .await;
    assert_exit(&out, 0);
    let answer = stdout_json(&out);
    let dm = discord.dm_channel_id(BOB_ID);
    assert_eq!(answer["channel"], "discord");
    assert_eq!(answer["conversationId"], dm.to_string(), "{answer}");
    let sent = discord.wait_for_messages(dm, 1, WAIT).await.unwrap();
    assert_eq!(sent[0].content, "hello bob");
    assert_eq!(answer["messageId"], sent[0].id.to_string());

    // The gateway's refusal is printed as it is, exit 1.
    let out = rig
        .cli(&["message", "send", "--target", "general", "--message", "x"])
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr
            .contains("target \"general\" is not a Discord id; use user:<id> for a DM"),
        "{}",
        out.stderr
    );

    // Pairing against the running gateway: Bob DMs, gets a code, --notify DMs him back.
    discord
        .send_message(&IncomingMessage::dm(BOB_ID, "let me in"))
        .unwrap();
    let sent = discord.wait_for_messages(dm, 2, WAIT).await.unwrap();
    let code = sent[1]
        .content
        .lines()
        .find_map(|l| l.strip_prefix("Pairing code: "))
        .unwrap_or_else(|| panic!("no code in {:?}", sent[1].content))
        .trim()
        .to_owned();
    let out = rig.cli(&["pairing", "list", "discord"]).await;
    assert_exit(&out, 0);
    assert!(out.stdout.contains(&code), "{}", out.stdout);
    assert!(out.stdout.contains(&BOB_ID.to_string()), "{}", out.stdout);

    let out = rig
        .cli(&["pairing", "approve", "discord", &code, "--notify"])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout
            .contains(&format!("Approved discord sender {BOB_ID}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Sent them a note"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let sent = discord.wait_for_messages(dm, 3, WAIT).await.unwrap();
    assert!(
        sent[2].content.contains("approved"),
        "{:?}",
        sent[2].content
    );
    assert_eq!(allow_from(rig.state_dir(), "discord"), [BOB_ID.to_string()]);
    let out = rig
        .cli(&["pairing", "approve", "discord", &code, "--notify"])
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("no pending discord pairing request"),
        "{}",
        out.stderr
    );

    // logs --limit: at most N lines; --json one object per line, meta first.
    let out = rig.cli(&["logs", "--limit", "3"]).await;
    assert_exit(&out, 0);
    let count = out.stdout.lines().count();
    assert!((1..=3).contains(&count), "{}", out.stdout);
    assert!(out.stderr.contains("gateway.log"), "{}", out.stderr);
    let out = rig.cli(&["logs", "--limit", "200", "--json"]).await;
    assert_exit(&out, 0);
    let records: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0]["type"], "meta");
    assert!(
        records[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("gateway.log")
    );
    assert!(
        records[1..].iter().all(|r| r["type"] == "log"),
        "{}",
        out.stdout
    );
    assert!(
        records.iter().any(|r| r["message"]
            .as_str()
            .is_some_and(|m| m.contains("logged in to discord"))),
        "{}",
        out.stdout
    );

    // logs --follow: polls with the cursor and prints only what was appended since.
    let mut follower = support::Follower::spawn(
        &rig,
        &[
            "logs",
            "--follow",
            "--json",
            "--limit",
            "1",
            "--interval",
            "100",
        ],
    );
    let meta: Value = serde_json::from_str(&follower.next_line().await).unwrap();
    assert_eq!(meta["type"], "meta", "{meta}");
    let marker = r#"{"0":"{\"subsystem\":\"test\"}","1":"follow-marker-7c1e","_meta":{"logLevelName":"INFO"},"time":"2026-11-25T00:00:00.000Z"}"#;
    let log_file = rig.state_dir().join("gateway.log");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log_file)
        .unwrap();
    std::io::Write::write_all(&mut file, format!("{marker}\n").as_bytes()).unwrap();
    let found = loop {
        let line: Value = serde_json::from_str(&follower.next_line().await).unwrap();
        if line["message"] == "follow-marker-7c1e" {
            break line;
        }
    };
    assert_eq!(found["subsystem"], "test");
    assert_eq!(found["level"], "INFO");
    follower.stop().await;

    // dashboard: the running gateway's port, the token from the shared config.
    let out = rig.cli(&["dashboard", "--no-open"]).await;
    assert_exit(&out, 0);
    assert_eq!(
        out.stdout,
        format!(
            "Control UI: http://127.0.0.1:{}/#token={TOKEN}\n",
            rig.gateway.port()
        )
    );
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[tokio::test]
async fn a_gateway_without_channels_says_so() {
    let gateway = ws_support::start_gateway(json!({})).await.unwrap();
    let cli = |args: &'static [&'static str]| {
        let env = gateway.process.cli_env();
        async move {
            openclaw_testkit::run_cli(&ws_support::bin(), args, &env)
                .await
                .unwrap()
        }
    };
    let out = cli(&["channels", "status"]).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.starts_with("No channels are configured"),
        "{}",
        out.stdout
    );
    let out = cli(&["channels", "status", "--json"]).await;
    assert_exit(&out, 0);
    assert_eq!(stdout_json(&out)["channelOrder"], json!([]));

    let out = cli(&["message", "send", "-t", "channel:1", "-m", "hi", "--json"]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("no channel is configured"),
        "{}",
        out.stderr
    );
    assert_eq!(stdout_json(&out)["ok"], false);
}
