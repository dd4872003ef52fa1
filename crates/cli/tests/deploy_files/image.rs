//! The container image without Docker: `deploy/rootfs.sh` builds the runtime tree the image's
//! last stage copies, CI installs the release binary in it (`OPENCLAW_DEPLOY_ROOTFS` names the
//! tree) and this test runs the image's CMD inside it with chroot, as uid 10001 and with the
//! image's environment only, the way Docker would start it. That proves what a unit test on the
//! host cannot: the binary's shared libraries are in the tree, `/data` is writable by the image's
//! user, the HEALTHCHECK's tools exist, the agent's `exec` tool finds `/bin/sh`, the guides'
//! console steps (`su openclaw`, `openclaw health`) work, the CA bundle is there, and the image
//! stays within its size budget.
//!
//! Without `OPENCLAW_DEPLOY_ROOTFS` the test says so and passes; chroot needs root, so `.ci/run`
//! only sets it when it runs as root.

use std::os::unix::fs::MetadataExt;

use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use openclaw_testkit::http_request;
use serde_json::json;

use super::*;

/// The image's user and group (`USER 10001:10001`).
const IMAGE_UID: u32 = 10001;
/// Issue target for the image: binary plus runtime layer.
const IMAGE_BYTES_TARGET: u64 = 40 * 1024 * 1024;

fn rootfs() -> Option<PathBuf> {
    std::env::var_os("OPENCLAW_DEPLOY_ROOTFS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Bytes used by the files under `dir` (symlinks count as themselves, not their targets).
fn tree_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let meta = entry.path().symlink_metadata().unwrap();
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    total
}

/// The environment Docker gives the CMD: the image's ENV, fly.toml's `[env]`, HOME from the
/// image user's passwd entry, the secret, and nothing from the test's own environment.
fn image_env(deploy: &Deploy) -> Vec<String> {
    let mut env: Vec<(String, String)> = deploy.docker.final_env().into_iter().collect();
    env.extend(
        deploy
            .fly
            .table("env")
            .into_iter()
            .map(|(k, v)| (k, v.as_str().to_owned())),
    );
    env.push(("HOME".into(), "/data".into()));
    env.push(("OPENCLAW_GATEWAY_TOKEN".into(), TOKEN.into()));
    env.sort();
    env.dedup();
    env.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// The arguments of `unshare` that run `command` as Docker would: in a private mount namespace
/// (so nothing mounted here outlives the process or shows on the host) with `/proc` and `/dev`
/// mounted as a container runtime provides them, chrooted into the tree as the image's user,
/// in the image's WORKDIR, with exactly `image_env`.
fn in_image(rootfs: &Path, deploy: &Deploy, command: &[String]) -> Vec<String> {
    in_image_as(IMAGE_UID, rootfs, deploy, command)
}

/// [`in_image`] as another uid (0 for what `fly ssh console` gives: a root shell).
fn in_image_as(uid: u32, rootfs: &Path, deploy: &Deploy, command: &[String]) -> Vec<String> {
    let workdir = &deploy.docker.final_last("WORKDIR").expect("a WORKDIR").rest;
    let mut args: Vec<String> = vec![
        "--mount".into(),
        "--propagation".into(),
        "private".into(),
        "sh".into(),
        "-c".into(),
        "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && exec chroot \"$@\""
            .into(),
        rootfs.display().to_string(),
        format!("--userspec={uid}:{uid}"),
        rootfs.display().to_string(),
        "/bin/sh".into(),
        "-c".into(),
        "cd \"$0\" && exec \"$@\"".into(),
        workdir.clone(),
        "env".into(),
        "-i".into(),
    ];
    args.extend(image_env(deploy));
    args.extend(command.iter().cloned());
    args
}

fn tool_call(id: &str, name: &str, arguments: serde_json::Value) -> FakeReply {
    FakeReply::Stream {
        steps: vec![FakeStep::ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.to_string(),
        }],
        usage: FakeUsage::default(),
        ending: FakeEnding::Complete,
    }
}

#[tokio::test]
async fn image_tree_runs_the_container_command() {
    let Some(rootfs) = rootfs() else {
        eprintln!(
            "NOTICE: OPENCLAW_DEPLOY_ROOTFS is not set: the image tree was not tested \
             (.ci/run builds it with deploy/rootfs.sh and sets it when running as root)"
        );
        return;
    };
    assert!(
        is_root(),
        "OPENCLAW_DEPLOY_ROOTFS is set but the test is not root: chroot needs root"
    );
    let deploy = Deploy::load();

    // The Dockerfile ships exactly this tree plus the binary.
    let stages = &deploy.docker.stages;
    assert_eq!(stages.last().unwrap()[0].rest, "scratch");
    let rootfs_stage = stages
        .iter()
        .find(|s| s[0].rest.ends_with(" AS rootfs"))
        .expect("a stage named rootfs");
    assert!(
        rootfs_stage
            .iter()
            .any(|i| i.keyword == "RUN" && i.rest.contains("rootfs.sh /rootfs")),
        "the rootfs stage runs deploy/rootfs.sh"
    );
    let copies: Vec<&str> = deploy
        .docker
        .final_all("COPY")
        .iter()
        .map(|c| c.rest.as_str())
        .collect();
    assert!(copies.contains(&"--from=rootfs /rootfs/ /"), "{copies:?}");

    // Install the binary as the image does, and start from an empty /data owned by the image
    // user (the Dockerfile's `RUN chown 10001:10001 /data && chmod 0700 /data`).
    let installed = rootfs.join(INSTALLED_BIN.trim_start_matches('/'));
    std::fs::copy(bin(), &installed).unwrap();
    let data = rootfs.join(deploy.state_dir().trim_start_matches('/'));
    if data.exists() {
        std::fs::remove_dir_all(&data).unwrap();
    }
    std::fs::create_dir(&data).unwrap();
    std::os::unix::fs::chown(&data, Some(IMAGE_UID), Some(IMAGE_UID)).unwrap();
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();

    let tree = tree_bytes(&rootfs);
    let binary = std::fs::metadata(&installed).unwrap().len();
    eprintln!(
        "image contents: {:.1} MiB (runtime tree {:.1} MiB + binary {:.1} MiB; target {} MiB)",
        tree as f64 / 1048576.0,
        (tree - binary) as f64 / 1048576.0,
        binary as f64 / 1048576.0,
        IMAGE_BYTES_TARGET / 1048576
    );
    assert!(
        tree <= IMAGE_BYTES_TARGET,
        "the image's files take {tree} bytes, over the {IMAGE_BYTES_TARGET}-byte budget"
    );
    let bundle = std::fs::read_to_string(rootfs.join("etc/ssl/certs/ca-certificates.crt")).unwrap();
    let roots = bundle.matches("-----BEGIN CERTIFICATE-----").count();
    assert!(roots > 100, "the CA bundle holds {roots} certificates");

    // A fake model on loopback (chroot shares the network) that makes the agent run a command.
    let fake = FakeLlm::start().await.unwrap();
    fake.push(tool_call(
        "call-1",
        "exec",
        json!({"command": "id -un; pwd; ls /usr/local/bin"}),
    ));
    fake.push(FakeReply::text(&["The image works."]));
    let config = json!({
        "gateway": {"http": {"endpoints": {"chatCompletions": {"enabled": true}}}},
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}}},
        "tools": {"exec": {"security": "full"}},
        "models": {"providers": {"fake": {
            "baseUrl": format!("http://{}/v1", fake.addr()),
            "apiKey": "sk-fake",
            "api": "openai-completions",
            "models": [{"id": "fake-1", "name": "Fake", "contextWindow": 128000}],
        }}},
    });
    let config_path = data.join("openclaw.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    std::os::unix::fs::chown(&config_path, Some(IMAGE_UID), Some(IMAGE_UID)).unwrap();

    let port = openclaw_testkit::free_port().unwrap();
    let cmd = with_port(&deploy.cmd(), port);
    let mut gateway = GatewayProcess::spawn(
        GatewaySpawn::new("unshare")
            .args(in_image(&rootfs, &deploy, &cmd))
            .state_dir(StateDir::Path(data.clone())),
    )
    .await
    .unwrap();
    gateway.wait_healthy(START_TIMEOUT).await.unwrap();
    gateway
        .wait_for_line(&format!("listening on ws://0.0.0.0:{port}"), START_TIMEOUT)
        .await
        .unwrap();
    wait_started(&gateway).await;

    // The HEALTHCHECK, verbatim, with the image's tools.
    let check = tokio::process::Command::new("unshare")
        .args(in_image(&rootfs, &deploy, &deploy.healthcheck()))
        .stdin(std::process::Stdio::null())
        .output();
    let check = tokio::time::timeout(Duration::from_secs(10), check)
        .await
        .expect("the health check finishes")
        .unwrap();
    assert!(
        check.status.success(),
        "HEALTHCHECK inside the image: {}",
        String::from_utf8_lossy(&check.stderr)
    );

    // An agent turn whose tool call runs through the image's /bin/sh, as the image's user.
    let body = json!({"model": "openclaw", "messages": [{"role": "user", "content": "check"}]});
    let auth = format!("Bearer {TOKEN}");
    let response = http_request(
        gateway.addr(),
        "POST",
        "/v1/chat/completions",
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(response.status, 200, "{}", response.body_text());
    let answer = response.body_json().unwrap();
    assert_eq!(
        answer["choices"][0]["message"]["content"], "The image works.",
        "{answer}"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let tool_result = requests[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("the exec result went back to the model")["content"]
        .to_string();
    eprintln!("exec inside the image returned {tool_result}");
    for expected in ["openclaw", "/data/workspace"] {
        assert!(
            tool_result.contains(expected),
            "{expected} in {tool_result}"
        );
    }

    // The guides' console steps: `fly ssh console` (root, the machine's env), `su openclaw`,
    // `openclaw health`, which finds the gateway's port through the lock file in /data.
    let console = tokio::process::Command::new("unshare")
        .args(in_image_as(
            0,
            &rootfs,
            &deploy,
            &[
                "su".into(),
                "openclaw".into(),
                "-c".into(),
                "openclaw health".into(),
            ],
        ))
        .stdin(std::process::Stdio::null())
        .output();
    let console = tokio::time::timeout(Duration::from_secs(30), console)
        .await
        .expect("the console command finishes")
        .unwrap();
    let console_out = String::from_utf8_lossy(&console.stdout);
    assert!(
        console.status.success() && console_out.contains(&format!("ws://127.0.0.1:{port}")),
        "su openclaw -c 'openclaw health' in the image: {console_out}{}",
        String::from_utf8_lossy(&console.stderr)
    );

    // The state is the image user's.
    for file in ["gateway.lock", "openclaw.sqlite", "workspace"] {
        let meta = std::fs::metadata(data.join(file)).unwrap();
        assert_eq!(meta.uid(), IMAGE_UID, "{file} belongs to the image's user");
    }

    gateway.signal(Signal::Term).unwrap();
    let status = gateway.wait_exit(Duration::from_secs(10)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit 0 on SIGTERM");
}
