//! `read`, `write` and `edit` against real files in temp directories, including escapes through
//! `..`, absolute paths and symlinks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use openclaw_agent::tools::{LocalTool, ToolContext, ToolOutput, ToolSettings};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

fn ctx(workspace: &Path) -> ToolContext {
    ToolContext {
        workspace: workspace.to_path_buf(),
        agent_id: "main".into(),
        session_key: "agent:main:main".into(),
        settings: ToolSettings::default(),
        cancel: CancellationToken::new(),
    }
}

async fn call(tool: LocalTool, ctx: &ToolContext, args: Value) -> ToolOutput {
    tool.run(ctx, &args).await
}

fn ok(out: &ToolOutput) -> &str {
    assert!(!out.is_error, "expected success, got: {}", out.content);
    &out.content
}

fn err(out: &ToolOutput) -> &str {
    assert!(out.is_error, "expected an error, got: {}", out.content);
    &out.content
}

#[tokio::test]
async fn write_creates_parents_and_read_returns_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let out = call(
        LocalTool::Write,
        &ctx,
        json!({"path": "notes/today/todo.md", "content": "one\ntwo\nthree\n"}),
    )
    .await;
    assert_eq!(
        ok(&out),
        "Successfully wrote 14 bytes to notes/today/todo.md"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes/today/todo.md")).unwrap(),
        "one\ntwo\nthree\n"
    );

    let out = call(
        LocalTool::Read,
        &ctx,
        json!({"path": "notes/today/todo.md"}),
    )
    .await;
    assert_eq!(ok(&out), "one\ntwo\nthree");

    // Absolute paths inside the workspace work too, and Claude-style aliases are accepted.
    let absolute = dir.path().join("notes/today/todo.md");
    let out = call(
        LocalTool::Read,
        &ctx,
        json!({"file_path": absolute.to_str().unwrap(), "offset": 2, "limit": 1}),
    )
    .await;
    assert_eq!(
        ok(&out),
        "two\n\n[1 more lines in file. Use offset=3 to continue.]"
    );
}

#[tokio::test]
async fn read_pages_through_large_files() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let text: String = (1..=2500).map(|i| format!("line {i}\n")).collect();
    std::fs::write(dir.path().join("big.txt"), &text).unwrap();

    let out = call(LocalTool::Read, &ctx, json!({"path": "big.txt"})).await;
    let content = ok(&out);
    assert!(content.starts_with("line 1\nline 2\n"));
    assert!(
        content
            .contains("line 2000\n\n[Showing lines 1-2000 of 2500. Use offset=2001 to continue.]"),
        "{}",
        &content[content.len() - 200..]
    );
    assert!(!content.contains("line 2001"));

    let out = call(
        LocalTool::Read,
        &ctx,
        json!({"path": "big.txt", "offset": "2499"}),
    )
    .await;
    assert_eq!(ok(&out), "line 2499\nline 2500");

    let out = call(
        LocalTool::Read,
        &ctx,
        json!({"path": "big.txt", "offset": 2501}),
    )
    .await;
    let message = err(&out);
    assert!(
        message.contains("offset 2501 is beyond the end of big.txt (2500 lines)"),
        "{message}"
    );

    // Byte cap: 100 lines of 1 KiB exceed 50 KiB.
    let wide: String = (0..100)
        .map(|i| format!("{i:04}{}\n", "x".repeat(1020)))
        .collect();
    std::fs::write(dir.path().join("wide.txt"), &wide).unwrap();
    let out = call(LocalTool::Read, &ctx, json!({"path": "wide.txt"})).await;
    let content = ok(&out);
    assert!(content.len() < 52 * 1024, "{}", content.len());
    assert!(
        content.contains("of 100 (50 KB limit). Use offset="),
        "{}",
        &content[content.len() - 120..]
    );

    // One line longer than the cap is cut, not refused.
    std::fs::write(dir.path().join("oneline.txt"), "y".repeat(80 * 1024)).unwrap();
    let out = call(LocalTool::Read, &ctx, json!({"path": "oneline.txt"})).await;
    assert!(ok(&out).contains("[Line 1 is 81920 bytes; only its first 51200 bytes are shown.]"));
}

#[tokio::test]
async fn read_explains_what_it_cannot_show() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    std::fs::write(dir.path().join("blob.bin"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    std::fs::create_dir(dir.path().join("folder")).unwrap();

    let message = err(&call(LocalTool::Read, &ctx, json!({"path": "blob.bin"})).await).to_owned();
    assert!(
        message.contains("blob.bin is a binary file (6 bytes)"),
        "{message}"
    );
    let message = err(&call(LocalTool::Read, &ctx, json!({"path": "folder"})).await).to_owned();
    assert!(message.contains("folder is a directory"), "{message}");
    let message =
        err(&call(LocalTool::Read, &ctx, json!({"path": "missing.txt"})).await).to_owned();
    assert!(message.contains("missing.txt does not exist"), "{message}");
    let message = err(&call(LocalTool::Read, &ctx, json!({})).await).to_owned();
    assert!(
        message.contains("missing required argument \"path\""),
        "{message}"
    );
    let message = err(&call(
        LocalTool::Read,
        &ctx,
        json!({"path": "empty.txt", "limit": 0}),
    )
    .await)
    .to_owned();
    assert!(
        message.contains("\"limit\" must be at least 1"),
        "{message}"
    );
    assert_eq!(
        ok(&call(LocalTool::Read, &ctx, json!({"path": "empty.txt"})).await),
        "(empty file)"
    );

    // A named pipe would block a reader forever; it is refused instead.
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    for tool in [LocalTool::Read, LocalTool::Write, LocalTool::Edit] {
        let out = call(
            tool,
            &ctx,
            json!({"path": "pipe", "content": "x", "oldText": "a", "newText": "b"}),
        )
        .await;
        assert!(
            err(&out).contains("not a regular file"),
            "{tool:?}: {}",
            out.content
        );
    }
}

#[tokio::test]
async fn edit_replaces_exactly_one_occurrence() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let file = dir.path().join("main.rs");
    std::fs::write(&file, "fn a() {}\nfn b() {}\nfn b() {}\n").unwrap();

    let out = call(
        LocalTool::Edit,
        &ctx,
        json!({"path": "main.rs", "oldText": "fn a() {}", "newText": "fn alpha() {}"}),
    )
    .await;
    assert_eq!(
        ok(&out),
        "Successfully replaced text in main.rs (at line 1)."
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "fn alpha() {}\nfn b() {}\nfn b() {}\n"
    );

    let out = call(
        LocalTool::Edit,
        &ctx,
        json!({"path": "main.rs", "oldText": "fn b() {}", "newText": "fn beta() {}"}),
    )
    .await;
    let message = err(&out);
    assert!(message.contains("occurs 2 times in main.rs"), "{message}");

    let out = call(
        LocalTool::Edit,
        &ctx,
        json!({"path": "main.rs", "old_string": "fn zeta() {}", "new_string": "x"}),
    )
    .await;
    let message = err(&out);
    assert!(
        message.contains("could not find oldText in main.rs"),
        "{message}"
    );
    // Failed edits leave the file alone.
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "fn alpha() {}\nfn b() {}\nfn b() {}\n"
    );

    let out = call(
        LocalTool::Edit,
        &ctx,
        json!({"path": "nope.rs", "oldText": "a", "newText": "b"}),
    )
    .await;
    assert!(err(&out).contains("nope.rs does not exist"));
}

#[tokio::test]
async fn dot_dot_and_absolute_escapes_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let ws = root.path().join("ws");
    std::fs::create_dir(&ws).unwrap();
    std::fs::write(root.path().join("secret.txt"), "top secret").unwrap();
    let ctx = ctx(&ws);

    let out = call(LocalTool::Read, &ctx, json!({"path": "../secret.txt"})).await;
    let message = err(&out);
    assert!(
        message.contains("../secret.txt") && message.contains("climbs out of the workspace"),
        "{message}"
    );
    assert!(!message.contains("top secret"));

    let out = call(
        LocalTool::Write,
        &ctx,
        json!({"path": "sub/../../evil.txt", "content": "x"}),
    )
    .await;
    assert!(err(&out).contains("climbs out of the workspace"));
    assert!(!root.path().join("evil.txt").exists());

    let outside = root.path().join("secret.txt");
    let out = call(
        LocalTool::Read,
        &ctx,
        json!({"path": outside.to_str().unwrap()}),
    )
    .await;
    assert!(err(&out).contains("must point inside the workspace"));

    let sneaky = ws.join("../secret.txt");
    let out = call(
        LocalTool::Edit,
        &ctx,
        json!({"path": sneaky.to_str().unwrap(), "oldText": "top", "newText": "x"}),
    )
    .await;
    assert!(err(&out).contains("must point inside the workspace"));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "top secret");

    // `..` that stays inside is fine.
    let out = call(
        LocalTool::Write,
        &ctx,
        json!({"path": "a/../b.txt", "content": "ok"}),
    )
    .await;
    ok(&out);
    assert!(ws.join("b.txt").exists());
}

#[tokio::test]
async fn symlinks_cannot_leave_the_workspace() {
    let root = tempfile::tempdir().unwrap();
    let ws = root.path().join("ws");
    let outside = root.path().join("outside");
    std::fs::create_dir(&ws).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "top secret").unwrap();
    std::os::unix::fs::symlink(&outside, ws.join("link")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), ws.join("secret-link.txt")).unwrap();
    std::fs::create_dir(ws.join("real")).unwrap();
    std::os::unix::fs::symlink(ws.join("real"), ws.join("alias")).unwrap();
    let ctx = ctx(&ws);

    for args in [
        json!({"path": "link/secret.txt"}),
        json!({"path": "secret-link.txt"}),
    ] {
        let out = call(LocalTool::Read, &ctx, args).await;
        let message = err(&out);
        assert!(message.contains("leads outside the workspace"), "{message}");
        assert!(!message.contains("top secret"));
    }

    // Writing through the link (to a file that does not exist yet) is refused too.
    let out = call(
        LocalTool::Write,
        &ctx,
        json!({"path": "link/new/planted.txt", "content": "x"}),
    )
    .await;
    assert!(err(&out).contains("link/new/planted.txt"));
    assert!(!outside.join("new").exists());

    let out = call(
        LocalTool::Edit,
        &ctx,
        json!({"path": "secret-link.txt", "oldText": "top", "newText": "x"}),
    )
    .await;
    err(&out);
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "top secret"
    );

    // Links that stay inside are followed.
    let out = call(
        LocalTool::Write,
        &ctx,
        json!({"path": "alias/inside.txt", "content": "fine"}),
    )
    .await;
    ok(&out);
    assert_eq!(
        std::fs::read_to_string(ws.join("real/inside.txt")).unwrap(),
        "fine"
    );
}

#[tokio::test]
async fn write_refuses_directories_and_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    let out = call(
        LocalTool::Write,
        &ctx,
        json!({"path": "folder", "content": "x"}),
    )
    .await;
    assert!(err(&out).contains("folder is a directory"));
    let out = call(LocalTool::Write, &ctx, json!({"path": "x.txt"})).await;
    assert!(err(&out).contains("missing required argument \"content\""));
    let out = call(LocalTool::Write, &ctx, json!("not an object")).await;
    assert!(err(&out).contains("arguments must be a JSON object"));
    let out = call(LocalTool::Write, &ctx, json!({"path": 5, "content": "x"})).await;
    assert!(err(&out).contains("\"path\" must be a string"));
}

#[tokio::test]
async fn missing_workspace_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(&dir.path().join("does-not-exist"));
    let out = call(LocalTool::Read, &ctx, json!({"path": "a.txt"})).await;
    let message = err(&out);
    assert!(
        message.contains("workspace") && message.contains("not available"),
        "{message}"
    );
}
