//! `exec` running real shells: output, exit codes, timeouts and aborts that kill the whole process
//! group, the output cap, and the security modes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use openclaw_agent::tools::settings::{ExecSecurity, SandboxMode};
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

async fn exec(ctx: &ToolContext, args: Value) -> ToolOutput {
    LocalTool::Exec.run(ctx, &args).await
}

/// Whether `pid` is gone or only a zombie waiting for its (new) parent to reap it.
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

async fn wait_dead(pid: u32) -> bool {
    for _ in 0..100 {
        if is_dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Waits for a pid file written by the command.
async fn read_pid(path: &Path) -> u32 {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the command never wrote {}", path.display());
}

#[tokio::test]
async fn runs_in_the_workspace_and_reports_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let out = exec(
        &ctx,
        json!({"command": "pwd; echo to-stderr >&2; echo back-to-stdout"}),
    )
    .await;
    let canonical = std::fs::canonicalize(dir.path()).unwrap();
    // One pipe for both streams: the order is the order of writing.
    assert_eq!(
        out,
        ToolOutput::ok(format!(
            "{}\nto-stderr\nback-to-stdout",
            canonical.display()
        ))
    );

    let out = exec(&ctx, json!({"command": "echo failing; exit 3"})).await;
    assert!(
        !out.is_error,
        "a non-zero exit is a result, not a tool error"
    );
    assert_eq!(out.content, "failing\n\n(Command exited with code 3)");

    let out = exec(&ctx, json!({"command": "true"})).await;
    assert_eq!(out, ToolOutput::ok("(no output)"));

    let out = exec(&ctx, json!({"command": "kill -9 $$"})).await;
    assert!(out.is_error);
    assert!(
        out.content.contains("Command aborted by signal 9"),
        "{}",
        out.content
    );
}

#[tokio::test]
async fn workdir_env_and_path_prepend() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sub/bin")).unwrap();
    let script = dir.path().join("sub/bin/hello-tool");
    std::fs::write(&script, "#!/bin/sh\necho hello from tool\n").unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();

    let mut ctx = ctx(dir.path());
    let out = exec(
        &ctx,
        json!({"command": "basename \"$PWD\"", "workdir": "sub"}),
    )
    .await;
    assert_eq!(out, ToolOutput::ok("sub"));

    let out = exec(&ctx, json!({"command": "pwd", "workdir": "../"})).await;
    assert!(
        out.is_error && out.content.contains("climbs out of the workspace"),
        "{}",
        out.content
    );
    let out = exec(&ctx, json!({"command": "pwd", "workdir": "missing"})).await;
    assert!(
        out.is_error && out.content.contains("not an existing directory"),
        "{}",
        out.content
    );

    let out = exec(
        &ctx,
        json!({"command": "echo \"$GREETING\"", "env": {"GREETING": "hi there"}}),
    )
    .await;
    assert_eq!(out, ToolOutput::ok("hi there"));
    for key in ["LD_PRELOAD", "PATH", "path", "NODE_OPTIONS", "DYLD_X"] {
        let out = exec(&ctx, json!({"command": "true", "env": {key: "x"}})).await;
        assert!(
            out.is_error && out.content.contains("not allowed"),
            "{key}: {}",
            out.content
        );
    }

    ctx.settings.exec.path_prepend =
        vec![dir.path().join("sub/bin").to_string_lossy().into_owned()];
    let out = exec(&ctx, json!({"command": "hello-tool"})).await;
    assert_eq!(out, ToolOutput::ok("hello from tool"));
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let started = Instant::now();
    let out = exec(
        &ctx,
        json!({"command": "echo started; sleep 30 & echo $! > sleeper.pid; wait", "timeout": 1}),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(out.is_error);
    assert!(out.content.starts_with("started"), "{}", out.content);
    assert!(
        out.content.contains("Command timed out after 1 seconds"),
        "{}",
        out.content
    );
    let sleeper = read_pid(&dir.path().join("sleeper.pid")).await;
    assert!(
        wait_dead(sleeper).await,
        "the sleep grandchild {sleeper} survived the timeout"
    );
}

#[tokio::test]
async fn configured_timeout_applies() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(dir.path());
    ctx.settings.exec.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let out = exec(&ctx, json!({"command": "sleep 20"})).await;
    assert!(
        out.is_error && out.content.contains("timed out after 0.5 seconds"),
        "{}",
        out.content
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn cancel_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let cancel = ctx.cancel.clone();
    let pid_file = dir.path().join("sleeper.pid");
    let task = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            exec(
                &ctx,
                json!({"command": "sleep 30 & echo $! > sleeper.pid; wait"}),
            )
            .await
        })
    };
    let sleeper = read_pid(&pid_file).await;
    cancel.cancel();
    let out = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert!(out.is_error);
    assert!(
        out.content
            .contains("Command aborted: the agent run was cancelled"),
        "{}",
        out.content
    );
    assert!(
        wait_dead(sleeper).await,
        "the sleep grandchild {sleeper} survived the abort"
    );
}

#[tokio::test]
async fn dropping_the_call_kills_the_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let pid_file = dir.path().join("sleeper.pid");
    let call = exec(
        &ctx,
        json!({"command": "sleep 30 & echo $! > sleeper.pid; wait"}),
    );
    let dropped = tokio::time::timeout(Duration::from_millis(700), call).await;
    assert!(
        dropped.is_err(),
        "the command should still have been running"
    );
    let sleeper = read_pid(&pid_file).await;
    assert!(
        wait_dead(sleeper).await,
        "the sleep grandchild {sleeper} survived the drop"
    );
}

#[tokio::test]
async fn output_is_capped_keeping_head_and_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(dir.path());
    ctx.settings.exec.max_output_bytes = 1000;
    let out = exec(&ctx, json!({"command": "seq 1 100000"})).await;
    assert!(!out.is_error, "{}", out.content);
    assert!(
        out.content.starts_with("1\n2\n3\n"),
        "{}",
        &out.content[..50]
    );
    assert!(out.content.ends_with("99999\n100000"), "{}", out.content);
    // seq 1 100000 prints 588895 bytes; 1000 are kept.
    assert!(
        out.content.contains("[... 587895 bytes of output omitted"),
        "{}",
        out.content
    );
    assert!(out.content.len() < 1300, "{}", out.content.len());
}

#[tokio::test]
async fn deny_mode_refuses_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(dir.path());
    ctx.settings.exec.security = ExecSecurity::Deny;
    ctx.settings.exec.security_configured = true;
    let out = exec(&ctx, json!({"command": "touch created"})).await;
    assert!(out.is_error);
    assert!(
        out.content.contains("tools.exec.security is \"deny\""),
        "{}",
        out.content
    );
    assert!(!dir.path().join("created").exists());
}

#[tokio::test]
async fn a_call_can_only_tighten_security() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(dir.path());
    let out = exec(
        &ctx,
        json!({"command": "touch created", "security": "deny"}),
    )
    .await;
    assert!(
        out.is_error && out.content.contains("asked for security \"deny\""),
        "{}",
        out.content
    );
    ctx.settings.exec.security = ExecSecurity::Allowlist;
    let out = exec(
        &ctx,
        json!({"command": "touch created", "security": "full"}),
    )
    .await;
    assert!(
        out.is_error && out.content.contains("allowlist"),
        "{}",
        out.content
    );
    assert!(!dir.path().join("created").exists());
}

#[tokio::test]
async fn allowlist_mode_runs_only_safe_bins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.txt"), "secret").unwrap();
    let mut ctx = ctx(dir.path());
    ctx.settings.exec.security = ExecSecurity::Allowlist;
    ctx.settings.exec.security_configured = true;

    let out = exec(&ctx, json!({"command": "wc -c | tr -d ' '"})).await;
    assert_eq!(out, ToolOutput::ok("0"));

    for (command, reason) in [
        ("touch created", "\"touch\" is not in tools.exec.safeBins"),
        ("head data.txt", "looks like a file argument"),
        ("wc -c < data.txt", "redirections"),
        ("tail -n1 $(echo data.txt)", "substitution"),
    ] {
        let out = exec(&ctx, json!({"command": command})).await;
        assert!(out.is_error, "{command} ran: {}", out.content);
        assert!(out.content.contains(reason), "{command}: {}", out.content);
        assert!(
            out.content.contains("jq, cut, uniq, head, tail, tr, wc"),
            "{}",
            out.content
        );
    }
    assert!(!dir.path().join("created").exists());
}

#[tokio::test]
async fn unsupported_modes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ctx(dir.path());
    let out = exec(&ctx, json!({"command": "true", "background": true})).await;
    assert!(out.is_error && out.content.contains("background runs are not supported"));
    let out = exec(&ctx, json!({"command": "true", "elevated": true})).await;
    assert!(out.is_error && out.content.contains("elevated is not available"));
    let out = exec(&ctx, json!({"command": "true", "host": "gateway"})).await;
    assert!(
        out.is_error && out.content.contains("host not allowed"),
        "{}",
        out.content
    );
    let out = exec(&ctx, json!({"command": "   "})).await;
    assert!(out.is_error && out.content.contains("command is empty"));

    ctx.settings.exec.sandbox_mode = SandboxMode::NonMain;
    let out = exec(&ctx, json!({"command": "echo main session"})).await;
    assert_eq!(
        out,
        ToolOutput::ok("main session"),
        "the main session is not sandboxed"
    );
    ctx.session_key = "agent:main:telegram:group:42".into();
    let out = exec(&ctx, json!({"command": "touch created"})).await;
    assert!(
        out.is_error && out.content.contains("sandboxed"),
        "{}",
        out.content
    );
    assert!(!dir.path().join("created").exists());

    ctx.settings.exec.config_error = Some("tools.exec.security is \"ful\"".into());
    let out = exec(&ctx, json!({"command": "true"})).await;
    assert!(out.is_error && out.content.contains("\"ful\""));
}
