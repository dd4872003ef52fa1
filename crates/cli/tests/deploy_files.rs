//! The deploy files under `deploy/` are what users run, so they are tested like code:
//!
//! - consistency: the Dockerfile's CMD is fly.toml's process command, the state dir, volume
//!   mount, exposed port, Fly's `internal_port` and health-check path agree, the private Fly file
//!   is the public one minus its service, the Compose health check is the image's, the systemd
//!   unit's flags exist (and `systemd-analyze verify` accepts it where installed), the shell in
//!   RUN and HEALTHCHECK parses, `.dockerignore` keeps the sources and drops secrets, and the
//!   guides show the real `fly.toml`;
//! - behaviour: the container's exact command line and environment run with the debug binary
//!   against a temporary directory standing in for `/data` (only the port is substituted, since
//!   3000 may be taken on the test machine): it refuses to start without a token, serves
//!   `/startupz` and `/healthz`, passes the image's HEALTHCHECK command run verbatim, keeps its
//!   state under `/data`, stops on SIGTERM within Fly's `kill_timeout`, starts again after a
//!   SIGKILL (the lock cannot go stale), and starts with the example config of the Fly guide.
//!
//! Docker itself is not needed (nor available in CI); `hadolint deploy/Dockerfile` lints the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "deploy_files/image.rs"]
mod image;
#[path = "deploy_files/parse.rs"]
mod parse;

use std::path::{Path, PathBuf};
use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn, Signal, StateDir, http_get, run_cli};
use parse::{Dockerfile, TomlDoc, TomlValue, exec_form, systemd_unit};

/// The binary under test: the debug build, or — when CI sets `OPENCLAW_DEPLOY_TEST_BIN` after
/// `cargo build --release --locked -p openclaw`, the Dockerfile's build command — the release
/// binary the image would contain.
fn bin() -> String {
    std::env::var("OPENCLAW_DEPLOY_TEST_BIN")
        .ok()
        .filter(|path| !path.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_openclaw").to_owned())
}
/// Generous bound for a debug build starting on a loaded 2-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const TOKEN: &str = "deploy-files-test-token";
/// Where the image installs the binary (on PATH, so CMD can say just `openclaw`).
const INSTALLED_BIN: &str = "/usr/local/bin/openclaw";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Everything the tests need from the deploy files.
struct Deploy {
    docker: Dockerfile,
    fly: TomlDoc,
    fly_private: TomlDoc,
}

impl Deploy {
    fn load() -> Deploy {
        Deploy {
            docker: Dockerfile::parse(&read("deploy/Dockerfile")),
            fly: TomlDoc::parse(&read("deploy/fly.toml")),
            fly_private: TomlDoc::parse(&read("deploy/fly.private.toml")),
        }
    }

    /// The image's command line (there is no ENTRYPOINT; asserted below).
    fn cmd(&self) -> Vec<String> {
        exec_form(
            &self
                .docker
                .final_last("CMD")
                .expect("the image has a CMD")
                .rest,
        )
    }

    /// The HEALTHCHECK's command (exec form after its options).
    fn healthcheck(&self) -> Vec<String> {
        let rest = &self
            .docker
            .final_last("HEALTHCHECK")
            .expect("a HEALTHCHECK")
            .rest;
        let (_, command) = rest.split_once("CMD ").expect("HEALTHCHECK … CMD [\"…\"]");
        exec_form(command.trim())
    }

    /// The value after `flag` in the image's command line.
    fn cmd_flag(&self, flag: &str) -> String {
        let cmd = self.cmd();
        let at = cmd
            .iter()
            .position(|a| a == flag)
            .unwrap_or_else(|| panic!("CMD has no {flag}"));
        cmd[at + 1].clone()
    }

    fn state_dir(&self) -> String {
        self.docker.final_env()["OPENCLAW_STATE_DIR"].clone()
    }
}

/// Splits a Fly process command the way a shell would, for the plain words it may contain.
fn fly_words(command: &str) -> Vec<String> {
    assert!(
        !command.contains(['"', '\'', '\\', '$']),
        "keep the Fly process command free of quoting: {command:?}"
    );
    command.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn dockerfile_builds_the_binary_the_way_the_workspace_pins_it() {
    let deploy = Deploy::load();
    let stages = &deploy.docker.stages;
    assert_eq!(
        stages.len(),
        3,
        "a build stage, a stage assembling the runtime tree, the image itself"
    );
    let rust_version = read("Cargo.toml")
        .lines()
        .find_map(|l| l.trim().strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("workspace rust-version");
    let builder = &stages[0][0].rest;
    assert!(
        builder.starts_with(&format!("rust:{rust_version}-bookworm ")),
        "builder image {builder:?} must be the workspace's toolchain {rust_version} on the runtime's Debian release"
    );
    assert!(stages[0].iter().any(|i| {
        i.keyword == "RUN"
            && i.rest
                .contains("cargo build --release --locked -p openclaw")
    }));
    assert_eq!(stages[1][0].rest, "debian:bookworm-slim AS rootfs");
    assert_eq!(stages[2][0].rest, "scratch");
    let copy = deploy.docker.final_all("COPY");
    assert!(
        copy.iter()
            .any(|c| c.rest.starts_with("--from=build ") && c.rest.ends_with(INSTALLED_BIN)),
        "the runtime stage installs the binary at {INSTALLED_BIN}"
    );
    let user = &deploy.docker.final_last("USER").expect("a USER").rest;
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "non-root user, got {user}"
    );
    assert!(
        deploy.docker.final_all("ENTRYPOINT").is_empty(),
        "no ENTRYPOINT: Fly's process command replaces CMD only"
    );
}

#[test]
fn dockerfile_shell_snippets_parse() {
    let deploy = Deploy::load();
    // RUN's shell form and the HEALTHCHECK run under /bin/sh (busybox in the image).
    let runs = deploy
        .docker
        .stages
        .iter()
        .flatten()
        .filter(|i| i.keyword == "RUN");
    for run in runs {
        let script = run
            .rest
            .split_whitespace()
            .skip_while(|w| w.starts_with("--mount="))
            .collect::<Vec<_>>()
            .join(" ");
        let status = std::process::Command::new("sh")
            .args(["-n", "-c", &script])
            .status()
            .unwrap();
        assert!(status.success(), "RUN {script:?} is not valid sh");
    }
    let check = deploy.healthcheck();
    assert_eq!(check[..2], ["sh", "-c"]);
    let status = std::process::Command::new("sh")
        .args(["-n", "-c", &check[2]])
        .status()
        .unwrap();
    assert!(status.success(), "HEALTHCHECK script is not valid sh");
}

#[test]
fn fly_files_agree_with_the_image() {
    let deploy = Deploy::load();
    let cmd = deploy.cmd();
    assert_eq!(
        cmd,
        [
            "openclaw",
            "gateway",
            "--allow-unconfigured",
            "--port",
            "3000",
            "--bind",
            "lan"
        ]
    );
    let fly = &deploy.fly;
    assert_eq!(fly_words(fly.require("processes", "app").as_str()), cmd);

    let port = deploy.cmd_flag("--port");
    assert_eq!(deploy.docker.final_last("EXPOSE").unwrap().rest, port);
    assert_eq!(
        fly.require("http_service", "internal_port")
            .as_int()
            .to_string(),
        port
    );
    assert_eq!(
        fly.require("http_service", "processes"),
        &TomlValue::StrArray(vec!["app".into()])
    );
    assert_eq!(
        fly.require("http_service.checks", "path").as_str(),
        "/startupz"
    );
    assert_eq!(fly.require("http_service.checks", "method").as_str(), "GET");

    let state = deploy.state_dir();
    assert_eq!(state, "/data");
    let image_env = deploy.docker.final_env();
    for (key, value) in fly.table("env") {
        assert!(
            !key.starts_with("NODE_"),
            "{key} has no meaning without Node"
        );
        if let Some(image_value) = image_env.get(&key) {
            assert_eq!(&TomlValue::Str(image_value.clone()), &value, "[env] {key}");
        }
    }
    assert_eq!(fly.require("env", "OPENCLAW_STATE_DIR").as_str(), state);
    assert_eq!(fly.require("mounts", "destination").as_str(), state);
    assert_eq!(fly.require("vm", "memory").as_str(), "256mb");

    // Fly resolves [build] dockerfile relative to the config file.
    let dockerfile = repo_root()
        .join("deploy")
        .join(fly.require("build", "dockerfile").as_str());
    assert_eq!(
        dockerfile.canonicalize().unwrap(),
        repo_root()
            .join("deploy/Dockerfile")
            .canonicalize()
            .unwrap()
    );
    // Enough time for the gateway's own 5 s shutdown budget.
    assert!(fly.require("", "kill_timeout").as_int() > 5);
}

#[test]
fn guides_show_the_real_fly_toml() {
    let deploy = Deploy::load();
    for guide in ["docs/deploy/fly.md", "docs/deploy/fly.de.md"] {
        let text = read(guide);
        let block: Vec<&str> = text
            .lines()
            .skip_while(|l| l.trim() != "```toml")
            .skip(1)
            .take_while(|l| l.trim() != "```")
            .collect();
        assert!(!block.is_empty(), "{guide} shows no fly.toml");
        let shown = TomlDoc::parse(&block.join("\n"));
        assert_eq!(
            shown.entries, deploy.fly.entries,
            "{guide}'s fly.toml differs from deploy/fly.toml"
        );
    }
}

#[test]
fn private_fly_file_is_the_public_one_without_a_service() {
    let deploy = Deploy::load();
    let public_only = |table: &str| table == "http_service" || table.starts_with("http_service.");
    for table in &deploy.fly_private.tables {
        assert!(
            !public_only(table) && table != "services" && !table.starts_with("services."),
            "fly.private.toml must not define [{table}]"
        );
    }
    let expected: Vec<_> = deploy
        .fly
        .entries
        .iter()
        .filter(|e| !public_only(&e.table))
        .collect();
    let actual: Vec<_> = deploy.fly_private.entries.iter().collect();
    assert_eq!(actual, expected);
}

#[test]
fn compose_healthcheck_is_the_images_and_volume_is_the_state_dir() {
    let deploy = Deploy::load();
    let compose = read("deploy/docker-compose.yml");
    let test_line = compose
        .lines()
        .find_map(|l| l.trim().strip_prefix("test: "))
        .expect("a healthcheck test line");
    // Compose interpolates `$` from the host environment; `$$` is a literal `$`.
    let test: Vec<String> = serde_json::from_str::<Vec<String>>(test_line)
        .unwrap()
        .into_iter()
        .map(|a| a.replace("$$", "$"))
        .collect();
    assert_eq!(test[0], "CMD");
    assert_eq!(test[1..], deploy.healthcheck()[..]);
    let state = deploy.state_dir();
    assert!(compose.contains(&format!("- openclaw_data:{state}\n")));
    let port = deploy.cmd_flag("--port");
    assert!(compose.contains(&format!(":{port}:{port}\"\n")));
    assert!(compose.contains("dockerfile: deploy/Dockerfile\n"));
}

#[test]
fn dockerignore_keeps_sources_and_drops_secrets_and_build_output() {
    let ignore = read(".dockerignore");
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for needed in [".git", "target", "**/target", ".env", "**/*.env"] {
        assert!(
            patterns.contains(&needed),
            ".dockerignore must list {needed}"
        );
    }
    // The build needs the workspace manifests, every member and the embedded Control UI.
    for kept in [
        "Cargo.toml",
        "Cargo.lock",
        "*",
        "**",
        "*.toml",
        "*.lock",
        "*.rs",
    ] {
        assert!(
            !patterns.contains(&kept),
            ".dockerignore must not exclude {kept}"
        );
    }
    for dir in ["crates", "bench", "ui"] {
        assert!(
            patterns
                .iter()
                .all(|p| *p != dir && !p.starts_with(&format!("{dir}/"))),
            ".dockerignore must not exclude {dir}/"
        );
    }
    assert!(
        patterns.iter().all(|p| !p.starts_with('!')),
        "no re-includes: they make the list hard to review"
    );
}

#[tokio::test]
async fn systemd_unit_runs_a_known_command_on_its_own_state_dir() {
    let unit = systemd_unit(&read("deploy/openclaw.service"));
    let service = |key: &str| -> Vec<String> {
        unit.iter()
            .filter(|(s, k, _)| s == "Service" && k == key)
            .map(|(_, _, v)| v.clone())
            .collect()
    };
    let state_dir = format!("/var/lib/{}", service("StateDirectory")[0]);
    assert_eq!(
        service("Environment"),
        [format!("OPENCLAW_STATE_DIR={state_dir}")]
    );
    assert_eq!(service("ReadWritePaths"), [state_dir]);
    assert_eq!(service("User"), ["openclaw"]);
    assert_eq!(service("KillSignal"), ["SIGTERM"]);
    let exec = service("ExecStart");
    let words: Vec<&str> = exec[0].split_whitespace().collect();
    assert_eq!(words[0], INSTALLED_BIN);
    // systemd's own check, where the tool exists (it does on the project's machines).
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let dir = tempfile::tempdir().unwrap();
        let unit_path = dir.path().join("openclaw.service");
        let text = read("deploy/openclaw.service").replace(
            &format!("ExecStart={INSTALLED_BIN} "),
            &format!("ExecStart={} ", bin()),
        );
        std::fs::write(&unit_path, text).unwrap();
        let out = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit_path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        eprintln!("systemd-analyze not installed: unit syntax not verified");
    }
    // clap rejects an unknown flag before it looks at --help, so this proves every flag exists.
    let mut args = words[1..].to_vec();
    args.push("--help");
    let out = run_cli(Path::new(&bin()), &args, &[]).await.unwrap();
    assert!(
        out.success(),
        "{:?} is not a valid command line: {}",
        exec[0],
        out.stderr
    );
}

/// The image's environment with `/data` (the state dir) mapped to `data`.
fn container_env(deploy: &Deploy, data: &Path) -> Vec<(String, String)> {
    let state = deploy.state_dir();
    let mut env: Vec<(String, String)> = deploy
        .docker
        .final_env()
        .into_iter()
        .chain(
            deploy
                .fly
                .table("env")
                .into_iter()
                .map(|(k, v)| (k, v.as_str().to_owned())),
        )
        .map(|(k, v)| {
            let v = if v == state {
                data.display().to_string()
            } else {
                v
            };
            (k, v)
        })
        .collect();
    env.sort();
    env.dedup();
    env
}

/// The image's command line with `--port`'s value replaced, checked to differ only there.
fn with_port(cmd: &[String], port: u16) -> Vec<String> {
    let at = cmd.iter().position(|a| a == "--port").unwrap() + 1;
    let mut out = cmd.to_vec();
    out[at] = port.to_string();
    let differing: Vec<usize> = (0..cmd.len()).filter(|&i| cmd[i] != out[i]).collect();
    assert_eq!(differing, [at], "only the port may change");
    out
}

async fn spawn_container(
    args: &[String],
    env: &[(String, String)],
    data: &Path,
    config: Option<String>,
) -> GatewayProcess {
    let mut spec = GatewaySpawn::new(bin())
        .args(args[1..].iter().cloned())
        .state_dir(StateDir::Path(data.to_path_buf()))
        .env("OPENCLAW_GATEWAY_TOKEN", TOKEN)
        // The guide's config enables Discord: a token from the developer's environment must not
        // make the test reach the real Discord, so none is passed and both endpoints are dead.
        .env("DISCORD_BOT_TOKEN", "")
        .env("OPENCLAW_DISCORD_API_URL", "http://127.0.0.1:9")
        .env("OPENCLAW_DISCORD_GATEWAY_URL", "ws://127.0.0.1:9");
    for (key, value) in env {
        spec = spec.env(key.clone(), value.clone());
    }
    if let Some(config) = config {
        spec = spec.config_raw(config);
    }
    let mut gateway = GatewayProcess::spawn(spec).await.unwrap();
    gateway.wait_healthy(START_TIMEOUT).await.unwrap();
    gateway
}

async fn wait_started(gateway: &GatewayProcess) {
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        let response = http_get(gateway.addr(), "/startupz", &[]).await.unwrap();
        if response.status == 200 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/startupz still answers {}",
            response.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs the image's HEALTHCHECK command unmodified (it reads the port from the lock file) with
/// the host's `sh` and `wget`; inside the image they are busybox's (see `image.rs`).
async fn healthcheck_passes(deploy: &Deploy, data: &Path) -> bool {
    let command = deploy.healthcheck();
    let status = tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .env("OPENCLAW_STATE_DIR", data)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    tokio::time::timeout(Duration::from_secs(10), status)
        .await
        .expect("the health check finishes")
        .expect("sh runs")
        .success()
}

/// The config block of a guide: the lines between `cat > /data/openclaw.json <<'EOF'` and `EOF`.
fn guide_config(relative: &str) -> String {
    let text = read(relative);
    let mut lines = text
        .lines()
        .skip_while(|l| !l.contains("cat > /data/openclaw.json <<'EOF'"));
    assert!(lines.next().is_some(), "{relative} has no config heredoc");
    let block: Vec<&str> = lines.take_while(|l| l.trim() != "EOF").collect();
    format!("{}\n", block.join("\n"))
}

#[tokio::test]
async fn container_command_line_runs_against_a_data_dir() {
    let deploy = Deploy::load();
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path();
    let env = container_env(&deploy, data);
    let port = openclaw_testkit::free_port().unwrap();
    let args = with_port(&deploy.cmd(), port);
    let fly_kill_timeout = Duration::from_secs(
        deploy
            .fly
            .require("", "kill_timeout")
            .as_int()
            .try_into()
            .unwrap(),
    );

    // Without a secret the exact command refuses to start, as the guides say.
    let home = tempfile::tempdir().unwrap();
    let mut refused_env = env.clone();
    refused_env.push(("HOME".into(), home.path().display().to_string()));
    let arg_refs: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    let refused = run_cli(Path::new(&bin()), &arg_refs, &refused_env)
        .await
        .unwrap();
    assert_eq!(refused.code(), Some(1), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("Refusing to bind gateway to lan without auth."),
        "{}",
        refused.stderr
    );

    // First boot: no config at all.
    let mut gateway = spawn_container(&args, &env, data, None).await;
    gateway
        .wait_for_line(&format!("listening on ws://0.0.0.0:{port}"), START_TIMEOUT)
        .await
        .unwrap();
    wait_started(&gateway).await;
    for path in ["/startupz", "/healthz"] {
        let response = http_get(gateway.addr(), path, &[]).await.unwrap();
        assert_eq!(response.status, 200, "{path}");
    }
    assert!(
        healthcheck_passes(&deploy, data).await,
        "HEALTHCHECK against a live gateway"
    );
    for file in ["gateway.lock", "openclaw.sqlite"] {
        assert!(data.join(file).is_file(), "{file} is kept in the state dir");
    }
    assert!(
        !data.join("openclaw.json").exists(),
        "--allow-unconfigured skips the gateway.mode guard and writes no config"
    );
    assert!(
        !gateway.home_dir().join(".openclaw").exists(),
        "nothing may be written under $HOME when OPENCLAW_STATE_DIR is set"
    );

    // Fly (kill_signal = SIGTERM) and systemd stop it with SIGTERM.
    gateway.signal(Signal::Term).unwrap();
    let status = gateway.wait_exit(fly_kill_timeout).await;
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "exit 0 within kill_timeout"
    );
    assert!(
        !healthcheck_passes(&deploy, data).await,
        "HEALTHCHECK against a stopped gateway"
    );

    // A crash leaves the lock file behind; the next start must not care.
    let mut gateway = spawn_container(&args, &env, data, None).await;
    gateway.kill_9().await.unwrap();
    drop(gateway);
    assert!(data.join("gateway.lock").is_file());

    // The guide's config, written as the guide says, is accepted as is; --bind lan still wins
    // over its gateway.bind "auto".
    let config = guide_config("docs/deploy/fly.md");
    assert_eq!(
        config,
        guide_config("docs/deploy/fly.de.md"),
        "both guides show one config"
    );
    let gateway = spawn_container(&args, &env, data, Some(config)).await;
    gateway
        .wait_for_line(&format!("listening on ws://0.0.0.0:{port}"), START_TIMEOUT)
        .await
        .unwrap();
    wait_started(&gateway).await;
    assert!(healthcheck_passes(&deploy, data).await);
    let mut cli_env = gateway.cli_env();
    cli_env.push(("OPENCLAW_GATEWAY_TOKEN".into(), TOKEN.into()));
    let validate = run_cli(Path::new(&bin()), &["config", "validate"], &cli_env)
        .await
        .unwrap();
    assert!(validate.success(), "{validate:?}");
    // The CLI inside the machine finds the gateway on port --port through the lock file.
    cli_env.retain(|(k, _)| k != "OPENCLAW_GATEWAY_PORT");
    let health = run_cli(Path::new(&bin()), &["health"], &cli_env)
        .await
        .unwrap();
    assert!(health.success(), "{health:?}");
    assert!(
        health.stdout.contains(&format!("ws://127.0.0.1:{port}")),
        "{}",
        health.stdout
    );
}
