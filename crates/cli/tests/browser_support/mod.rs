//! Headless Chromium for the Control UI tests, driven over WebDriver (chromedriver) with
//! fantoccini.
//!
//! [`Browser::start`] finds `chromedriver` and a Chromium binary (`CHROMEDRIVER` /
//! `CHROME_BIN` override the `PATH` search), starts chromedriver on a free loopback port and
//! opens one headless session. When either is missing it returns `None` after a loud notice,
//! unless `CI` is set: then it fails with what to install, so CI cannot go green without
//! running the browser tests. Screenshots go to `target/ui-screenshots/`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod discord;
pub mod flows;
pub mod steps;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// Upper bound for the UI to show something (generous for a loaded 2-core machine).
pub const UI_WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);

/// Upper bound for one whole browser flow.
pub const FLOW_LIMIT: Duration = Duration::from_secs(300);

/// Runs a flow so that every failure comes back as an error, letting the caller take a
/// screenshot and close the browser (a panic that skipped `close` would orphan Chromium):
/// a timeout (a page stuck in a script blocks WebDriver calls; the `[browser]` lines name
/// the step) and a panicking assertion alike.
pub async fn guarded(flow: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    match AssertUnwindSafe(tokio::time::timeout(FLOW_LIMIT, flow))
        .catch_unwind()
        .await
    {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(anyhow!(
            "the browser flow did not finish within {FLOW_LIMIT:?}"
        )),
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "a non-text panic".to_owned());
            Err(anyhow!("the browser flow panicked: {text}"))
        }
    }
}

/// Logs a browser step to stderr (shown for failing tests), so a hang names its step.
pub fn step(what: &str) {
    eprintln!("[browser] {what}");
}

/// A chromedriver process plus one browser session; both end on [`Browser::close`] (or drop).
pub struct Browser {
    pub client: Client,
    driver: Child,
    screenshots: PathBuf,
}

fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn from_env_or_path(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(value) if !value.is_empty() => Some(PathBuf::from(value)).filter(|p| p.is_file()),
        _ => find_on_path(names),
    }
}

/// Where screenshots go: `<target>/ui-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("ui-screenshots")
}

impl Browser {
    /// Starts chromedriver and a headless session, or `None` (skip) when the tools are
    /// missing outside CI.
    pub async fn start(test: &str) -> anyhow::Result<Option<Browser>> {
        let driver_bin = from_env_or_path("CHROMEDRIVER", &["chromedriver"]);
        let chrome_bin = from_env_or_path(
            "CHROME_BIN",
            &[
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ],
        );
        let (Some(driver_bin), Some(chrome_bin)) = (driver_bin, chrome_bin) else {
            let message = "Chromium and chromedriver are needed for the Control UI browser tests: \
                 install them (Debian: `apt-get install -y chromium chromium-driver`) or point \
                 CHROME_BIN and CHROMEDRIVER at them";
            if std::env::var_os("CI").is_some() {
                bail!("{message} (CI is set, so this is a failure, not a skip)");
            }
            // Straight to the process's stderr: the test harness captures `eprintln!` of
            // passing tests, and a skip must be seen.
            let notice = format!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !! SKIPPED browser test `{test}`: {message}.\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), notice.as_bytes());
            return Ok(None);
        };
        let port = openclaw_testkit::free_port()?;
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", driver_bin.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + UI_WAIT;
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            if let Some(status) = driver.try_wait()? {
                bail!("{} exited at start-up with {status}", driver_bin.display());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not listen on {url} within {UI_WAIT:?}",
                    driver_bin.display()
                );
            }
            tokio::time::sleep(POLL).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chrome_bin.display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--no-first-run", "--disable-extensions",
                         "--disable-background-networking", "--lang=en-US"],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .map_err(|e| anyhow!("opening a Chromium session through {url}: {e}"))?;
        let screenshots = screenshot_dir();
        std::fs::create_dir_all(&screenshots)?;
        Ok(Some(Browser {
            client,
            driver,
            screenshots,
        }))
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        step(&format!("go to {url}"));
        self.client
            .goto(url)
            .await
            .map_err(|e| anyhow!("navigating to {url}: {e}"))
    }

    /// Sets the window size (phone-sized screenshots).
    pub async fn resize(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.client
            .set_window_size(width, height)
            .await
            .map_err(|e| anyhow!("resizing the window: {e}"))
    }

    /// Writes `target/ui-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self
            .client
            .screenshot()
            .await
            .map_err(|e| anyhow!("screenshot {name}: {e}"))?;
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.client
            .execute(script, args)
            .await
            .map_err(|e| anyhow!("running script: {e}\n{script}"))
    }

    /// Waits until `css` matches a displayed element.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        let deadline = Instant::now() + UI_WAIT;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return Ok(element);
            }
            if Instant::now() > deadline {
                bail!(
                    "no visible element matched `{css}` within {UI_WAIT:?}; page text:\n{}",
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the text of the first element matching `css` contains `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) -> anyhow::Result<String> {
        step(&format!("wait for {needle:?} in {css}"));
        let deadline = Instant::now() + UI_WAIT;
        let mut last = String::new();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
            if Instant::now() > deadline {
                bail!("`{css}` never contained {needle:?} within {UI_WAIT:?}; last text: {last:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until a JS expression is truthy; returns its value.
    pub async fn wait_js(&self, what: &str, expression: &str) -> anyhow::Result<Value> {
        step(&format!("wait for {what}"));
        let deadline = Instant::now() + UI_WAIT;
        let script = format!("return ({expression});");
        loop {
            let value = self.js(&script, vec![]).await?;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!(
                    "{what}: `{expression}` stayed falsy for {UI_WAIT:?}; page text:\n{}",
                    self.page_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        step(&format!("click {css}"));
        let element = self.wait_for(css).await?;
        element
            .click()
            .await
            .map_err(|e| anyhow!("clicking `{css}`: {e}"))
    }

    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        step(&format!("type into {css}"));
        let element = self.wait_for(css).await?;
        element
            .send_keys(text)
            .await
            .map_err(|e| anyhow!("typing into `{css}`: {e}"))
    }

    /// Replaces a field's value (for long texts that typing would make slow) and fires `input`.
    pub async fn set_value(&self, css: &str, text: &str) -> anyhow::Result<()> {
        self.wait_for(css).await?;
        self.js(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', {bubbles: true})); return true;",
            vec![json!(css), json!(text)],
        )
        .await
        .map(|_| ())
    }

    /// The visible text of the page (for failure messages).
    pub async fn page_text(&self) -> String {
        match self
            .js(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await
        {
            Ok(Value::String(text)) => text.chars().take(3000).collect(),
            Ok(other) => other.to_string(),
            Err(err) => format!("<cannot read the page: {err}>"),
        }
    }
}
