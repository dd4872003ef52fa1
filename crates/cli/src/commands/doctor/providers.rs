//! Provider credentials for every configured agent's model chain (primary and fallbacks), found
//! with the gateway's own lookup (auth profiles → env → `models.providers.<id>.apiKey`), and the
//! `--deep` reachability probe of each provider's base URL (`models.providers.<id>.baseUrl`
//! honoured).

use std::time::Duration;

use openclaw_config::{Config, Env, StatePaths};
use openclaw_providers::{
    AgentAuthContext, CredentialSource, ModelCatalog, ProviderError, agent_primary_model,
    fallback_candidates, resolve_credential, resolve_provider,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::report::{Finding, Severity};

/// Time allowed for one probe (connect + first response line).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// A provider endpoint to probe with `--deep`.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub provider: String,
    pub base_url: String,
    /// A primary model's provider is an error when down; a fallback's a warning.
    pub primary: bool,
}

/// Credential findings plus the endpoints `--deep` should probe.
pub fn check(
    paths: &StatePaths,
    config: &Config,
    env: &Env,
    now_ms: i64,
) -> (Vec<Finding>, Vec<ProbeTarget>) {
    let mut findings = Vec::new();
    let mut targets: Vec<ProbeTarget> = Vec::new();
    let catalog = ModelCatalog::from_config(config);
    let mut seen: Vec<(String, String)> = Vec::new();
    for agent_id in config.agent_ids() {
        let raw = agent_primary_model(config, &agent_id);
        let primary = match catalog.parse(raw) {
            Ok(model) => model,
            Err(err) => {
                findings.push(
                    Finding::new("models.invalid_ref", Severity::Error, format!("Agent {agent_id}: {err}"))
                        .fix("Use provider/model, e.g. `openclaw config set agents.defaults.model.primary anthropic/claude-opus-4-5`."),
                );
                continue;
            }
        };
        let fallbacks = fallback_candidates(config, &agent_id, None).unwrap_or_default();
        findings.extend(filtered_fallbacks(config, &catalog, &agent_id));
        let agent_dir = paths.resolve_agent_dir(config, &agent_id);
        let agent = AgentAuthContext {
            agent_id: &agent_id,
            agent_dir: &agent_dir,
        };
        let chain = std::iter::once((primary.clone(), true)).chain(
            fallbacks
                .into_iter()
                .filter(|m| *m != primary)
                .map(|m| (m, false)),
        );
        for (model, is_primary) in chain {
            let key = (agent_dir.display().to_string(), model.provider.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let resolved = match resolve_provider(config, &model.provider) {
                Ok(resolved) => resolved,
                Err(err) => {
                    findings.push(
                        Finding::new("models.unknown_provider", severity(is_primary), format!("Agent {agent_id}, model {model}: {err}"))
                            .fix(format!("Configure models.providers.{} (baseUrl, api, apiKey) or pick a built-in provider.", model.provider)),
                    );
                    continue;
                }
            };
            if !targets
                .iter()
                .any(|t| t.base_url == resolved.endpoint.base_url)
            {
                targets.push(ProbeTarget {
                    provider: model.provider.clone(),
                    base_url: resolved.endpoint.base_url.clone(),
                    primary: is_primary,
                });
            }
            match resolve_credential(config, env, &agent, &resolved, now_ms) {
                Ok(found) => {
                    let from = match found.source {
                        CredentialSource::Profile(id) => format!("auth profile {id}"),
                        CredentialSource::Env(name) => format!("env {name}"),
                        CredentialSource::Config => {
                            format!("models.providers.{}.apiKey", model.provider)
                        }
                    };
                    findings.push(Finding::new(
                        "models.key_present",
                        Severity::Info,
                        format!("Agent {agent_id}: {} key from {from}", model.provider),
                    ));
                }
                Err(ProviderError::NoApiKey { auth_store, .. }) => {
                    let vars: Vec<&str> = resolved.env_keys.iter().map(|k| k.name).collect();
                    let env_hint = if vars.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "set {} in the gateway's environment (or <state>/.env), ",
                            vars.join(" or ")
                        )
                    };
                    let role = if is_primary { "primary" } else { "fallback" };
                    findings.push(
                        Finding::new(
                            "models.key_missing",
                            severity(is_primary),
                            format!("Agent {agent_id}: no API key for provider {} ({role} model {model})", model.provider),
                        )
                        .detail(if model.provider == "google" {
                            "OpenClaw 2026.1.29 reads GEMINI_API_KEY for google models (this gateway also accepts GOOGLE_API_KEY)."
                        } else {
                            "Keys exported only in your shell are not seen by a service."
                        })
                        .fix(format!(
                            "{env_hint}add an auth profile to {} (`openclaw onboard` writes one), or set models.providers.{}.apiKey.",
                            auth_store.display(),
                            model.provider
                        )),
                    );
                }
                Err(err) => findings.push(
                    Finding::new("models.auth_store", Severity::Error, err.to_string()).fix(
                        "Fix or remove the auth-profiles.json named above (it must be valid JSON).",
                    ),
                ),
            }
        }
    }
    (findings, targets)
}

/// Configured fallbacks the model allowlist (`agents.defaults.models`) silently drops: a run
/// whose primary fails then has fewer (or no) models to fall back to.
fn filtered_fallbacks(config: &Config, catalog: &ModelCatalog, agent_id: &str) -> Vec<Finding> {
    let from_agent = config
        .agent(agent_id)
        .and_then(|a| a.model.as_ref())
        .and_then(|m| m.fallbacks());
    let from_defaults = config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.model.as_ref())
        .and_then(|m| m.fallbacks());
    from_agent
        .or(from_defaults)
        .unwrap_or(&[])
        .iter()
        .filter_map(|raw| catalog.parse(raw).ok())
        .filter(|model| !catalog.is_allowed(model))
        .map(|model| {
            Finding::new(
                "models.fallback_not_allowed",
                Severity::Warn,
                format!("Agent {agent_id}: fallback {model} is not in the model allowlist, so it is never tried"),
            )
            .fix(format!(
                "Add it: `openclaw config set 'agents.defaults.models[\"{model}\"]' '{{}}'`, or remove it from the fallbacks."
            ))
        })
        .collect()
}

fn severity(primary: bool) -> Severity {
    if primary {
        Severity::Error
    } else {
        Severity::Warn
    }
}

/// Probes every target, with a spinner on a terminal and plain lines otherwise (none with
/// `quiet`, e.g. under `--json`).
pub async fn probe_all(targets: &[ProbeTarget], quiet: bool) -> Vec<Finding> {
    let progress = crate::progress::Progress::start("probing providers", quiet);
    let mut out = Vec::new();
    for target in targets {
        progress.step(format!(
            "probing {} at {}",
            target.provider, target.base_url
        ));
        out.push(match probe(&target.base_url).await {
            Ok(how) => Finding::new(
                "models.reachable",
                Severity::Info,
                format!(
                    "{} reachable at {} ({how})",
                    target.provider, target.base_url
                ),
            ),
            Err(why) => Finding::new(
                "models.unreachable",
                severity(target.primary),
                format!(
                    "{} unreachable at {}: {why}",
                    target.provider, target.base_url
                ),
            )
            .fix(format!(
                "Check network/DNS from this host, and models.providers.{}.baseUrl if you set one.",
                target.provider
            )),
        });
    }
    drop(progress);
    out
}

/// One cheap request: TCP connect, and for plain `http://` a `GET <base>/models` whose status
/// line is read (any status means reachable). For `https://` the TCP connect is the check.
pub async fn probe(base_url: &str) -> Result<String, String> {
    let (tls, rest) = if let Some(rest) = base_url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = base_url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(format!("not an http(s) URL: {base_url:?}"));
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        && !authority.ends_with(']');
    let addr = if has_port {
        authority.to_owned()
    } else {
        format!("{authority}:{}", if tls { 443 } else { 80 })
    };
    let connect = tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(&addr)).await;
    let mut stream = match connect {
        Err(_) => {
            return Err(format!(
                "no answer from {addr} within {}s",
                PROBE_TIMEOUT.as_secs()
            ));
        }
        Ok(Err(err)) => return Err(format!("cannot connect to {addr}: {err}")),
        Ok(Ok(stream)) => stream,
    };
    if tls {
        return Ok("TCP connect ok; TLS not checked".into());
    }
    let request = format!(
        "GET /{}{}models HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: openclaw-doctor\r\n\r\n",
        path,
        if path.is_empty() || path.ends_with('/') {
            ""
        } else {
            "/"
        }
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut buf = vec![0u8; 256];
        let n = stream.read(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    match tokio::time::timeout(PROBE_TIMEOUT, exchange).await {
        Err(_) => Err(format!(
            "{addr} accepted the connection but sent no HTTP answer"
        )),
        Ok(Err(err)) => Err(format!("{addr}: {err}")),
        Ok(Ok(head)) => {
            let status = head
                .lines()
                .next()
                .filter(|l| l.starts_with("HTTP/"))
                .and_then(|l| l.split_whitespace().nth(1))
                .ok_or_else(|| format!("{addr} did not answer with HTTP"))?;
            Ok(format!("HTTP {status}"))
        }
    }
}
