//! `openclaw models [status]` and `openclaw models list`.
//!
//! `status` works offline, from the config file, the environment (process env, `.env` files and
//! the config `env` block) and the agent's `auth-profiles.json`, resolved with the gateway's own
//! rules (`openclaw_providers`): it says where each provider's credential would come from and
//! never prints any part of a secret. `--check` exits 1 when a provider in use has no usable
//! credential and 2 when the one in use expires within 24 hours, like OpenClaw.
//!
//! `list` shows the running gateway's `models.list` rows; when no gateway answers (and no
//! `--url` was given) it lists the same rows from the config file. Rows are tagged `default`,
//! `fallback#N`, `configured` and `alias:<name>`; `Auth` says whether a credential is available.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use openclaw_config::{self as cfg, Config, Env};
use openclaw_providers::{
    AgentAuthContext, AuthStore, CredentialSource, ModelCatalog, ModelRef, ProviderError,
    StoredCredential, agent_primary_model, fallback_candidates, normalize_provider, preset,
    resolve_credential, resolve_provider,
};
use serde_json::{Map, Value, json};

use super::agent::{print_json, report_failure};
use super::sessions::{now_ms, print_aligned};
use crate::args::{ModelsAction, ModelsCommand, ModelsListArgs, ModelsStatusArgs};
use crate::context::Context;
use crate::rpc::{Client, RpcError};

/// `--check`: a profile credential expiring within this window counts as "expiring".
const EXPIRING_WITHIN_MS: i64 = 24 * 3_600_000;

pub async fn run(ctx: &Context, cmd: ModelsCommand) -> anyhow::Result<ExitCode> {
    match cmd.action {
        None => Ok(status(ctx, &cmd.status)),
        Some(ModelsAction::Status(args)) => Ok(status(ctx, &args)),
        Some(ModelsAction::List(args)) => list(ctx, &args).await,
    }
}

/// The config and the environment the gateway would see.
struct Setup {
    config: Arc<Config>,
    env: Env,
    path: PathBuf,
}

fn load_setup(ctx: &Context) -> Result<Setup, String> {
    let path = ctx.paths.config_path.clone();
    let loaded = cfg::load(&path, &ctx.env)
        .map_err(|e| format!("Cannot read the config {}: {e}", path.display()))?;
    if !loaded.is_valid() {
        return Err(format!(
            "The config {} is invalid; fix these issues (see `openclaw config validate`):\n{}",
            path.display(),
            loaded.issues_text()
        ));
    }
    Ok(Setup {
        config: loaded.config_or_default(),
        env: loaded.env.clone(),
        path,
    })
}

/// The model choice of one agent: primary, effective fallbacks, aliases and allowlist.
struct Plan {
    agent_id: String,
    agent_dir: PathBuf,
    primary_raw: String,
    primary: ModelRef,
    /// After the allowlist filter, without the primary (what a failing run would try next).
    fallbacks: Vec<ModelRef>,
    aliases: Vec<(String, ModelRef)>,
    allowed: Vec<ModelRef>,
}

fn plan(ctx: &Context, config: &Config, agent: Option<&str>) -> Result<Plan, String> {
    let agent_id = agent.map_or_else(|| config.default_agent_id(), cfg::normalize_agent_id);
    if agent.is_some() && config.agent(&agent_id).is_none() && agent_id != config.default_agent_id()
    {
        return Err(format!(
            "Unknown agent {agent_id:?}: configured agents are {}.",
            config.agent_ids().join(", ")
        ));
    }
    let catalog = ModelCatalog::from_config(config);
    let primary_raw = agent_primary_model(config, &agent_id).to_owned();
    let bad_ref = |e: ProviderError| format!("{e} (check agents.defaults.model in the config)");
    let primary = catalog.parse(&primary_raw).map_err(bad_ref)?;
    let fallbacks = fallback_candidates(config, &agent_id, None)
        .map_err(bad_ref)?
        .into_iter()
        .filter(|m| *m != primary)
        .collect();
    let mut aliases = Vec::new();
    let mut allowed = Vec::new();
    let entries = config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.models.as_ref());
    for (key, entry) in entries.into_iter().flatten() {
        // Keys without a slash name no model (the provider crate skips them too).
        let Some(target) = key.contains('/').then(|| catalog.parse(key).ok()).flatten() else {
            continue;
        };
        if let Some(alias) = entry
            .alias
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            aliases.push((alias.to_owned(), target.clone()));
        }
        allowed.push(target);
    }
    Ok(Plan {
        agent_dir: ctx.paths.resolve_agent_dir(config, &agent_id),
        agent_id,
        primary_raw,
        primary,
        fallbacks,
        aliases,
        allowed,
    })
}

/// Where a provider's credential comes from.
enum Source {
    Profile {
        id: String,
        kind: &'static str,
    },
    Env(&'static str),
    Config,
    Missing,
    /// Neither a built-in provider nor one under `models.providers`.
    UnknownProvider,
    /// `auth-profiles.json` could not be read.
    Broken(String),
}

struct ProviderAuth {
    provider: String,
    in_use: bool,
    source: Source,
    /// Stored profiles of this provider: id, type, usable now, expiry.
    profiles: Vec<(String, &'static str, bool, Option<i64>)>,
    env_vars: Vec<&'static str>,
    /// The credential in use expires within [`EXPIRING_WITHIN_MS`].
    expiring: bool,
}

impl ProviderAuth {
    fn available(&self) -> bool {
        matches!(
            self.source,
            Source::Profile { .. } | Source::Env(_) | Source::Config
        )
    }

    fn source_json(&self) -> Value {
        match &self.source {
            Source::Profile { id, kind } => {
                json!({"kind": "profile", "profileId": id, "type": kind})
            }
            Source::Env(name) => json!({"kind": "env", "envVar": name}),
            Source::Config => json!({
                "kind": "config",
                "path": format!("models.providers.{}.apiKey", self.provider),
            }),
            Source::Missing => json!({"kind": "missing"}),
            Source::UnknownProvider => json!({"kind": "unknown-provider"}),
            Source::Broken(detail) => json!({"kind": "error", "error": detail}),
        }
    }

    fn describe(&self) -> String {
        match &self.source {
            Source::Profile { id, kind } => format!("auth profile {id} ({kind})"),
            Source::Env(name) => format!("env {name}"),
            Source::Config => format!("config models.providers.{}.apiKey", self.provider),
            Source::Missing => {
                let env = if self.env_vars.is_empty() {
                    String::new()
                } else {
                    format!("set {}, ", self.env_vars.join(" or "))
                };
                format!(
                    "MISSING: {env}add an auth profile, or set models.providers.{}.apiKey",
                    self.provider
                )
            }
            Source::UnknownProvider => format!(
                "UNKNOWN PROVIDER: not built in; configure models.providers.{} (baseUrl, api, apiKey)",
                self.provider
            ),
            Source::Broken(detail) => format!("ERROR: {detail}"),
        }
    }
}

fn mode_name(stored: &StoredCredential) -> &'static str {
    stored.mode().as_str()
}

fn expiry(stored: &StoredCredential) -> Option<i64> {
    match stored {
        StoredCredential::ApiKey { .. } => None,
        StoredCredential::Token { expires, .. } | StoredCredential::Oauth { expires, .. } => {
            *expires
        }
    }
}

fn provider_auth(
    setup: &Setup,
    plan: &Plan,
    store: &AuthStore,
    provider: &str,
    in_use: bool,
    now: i64,
) -> ProviderAuth {
    let profiles: Vec<(String, &'static str, bool, Option<i64>)> = store
        .profiles
        .iter()
        .filter(|(_, stored)| normalize_provider(stored.provider()) == provider)
        .map(|(id, stored)| {
            let usable = stored.usable_credential(now).is_some();
            (id.clone(), mode_name(stored), usable, expiry(stored))
        })
        .collect();
    let env_vars: Vec<&'static str> = preset(provider)
        .map(|p| p.env_keys.iter().map(|k| k.name).collect())
        .unwrap_or_default();
    let agent = AgentAuthContext {
        agent_id: &plan.agent_id,
        agent_dir: &plan.agent_dir,
    };
    let mut expiring = false;
    let source = match resolve_provider(&setup.config, provider) {
        Err(_) => Source::UnknownProvider,
        Ok(resolved) => {
            match resolve_credential(&setup.config, &setup.env, &agent, &resolved, now) {
                Ok(found) => match found.source {
                    CredentialSource::Profile(id) => {
                        let stored = store.profiles.get(&id);
                        expiring = stored
                            .and_then(expiry)
                            .is_some_and(|at| at - now < EXPIRING_WITHIN_MS);
                        Source::Profile {
                            kind: stored.map_or("api_key", mode_name),
                            id,
                        }
                    }
                    CredentialSource::Env(name) => Source::Env(name),
                    CredentialSource::Config => Source::Config,
                },
                Err(ProviderError::NoApiKey { .. }) => Source::Missing,
                Err(other) => Source::Broken(other.to_string()),
            }
        }
    };
    ProviderAuth {
        provider: provider.to_owned(),
        in_use,
        source,
        profiles,
        env_vars,
        expiring,
    }
}

/// Providers worth reporting: those the agent's model chain uses (in chain order), then every
/// other provider named by the allowlist, `models.providers` or a stored profile.
fn auth_overview(setup: &Setup, plan: &Plan, store: &AuthStore, now: i64) -> Vec<ProviderAuth> {
    let mut in_use: Vec<String> = Vec::new();
    for model in std::iter::once(&plan.primary).chain(&plan.fallbacks) {
        if !in_use.contains(&model.provider) {
            in_use.push(model.provider.clone());
        }
    }
    let mut others: Vec<String> = plan
        .allowed
        .iter()
        .map(|m| m.provider.clone())
        .chain(
            setup
                .config
                .models
                .as_ref()
                .and_then(|m| m.providers.as_ref())
                .into_iter()
                .flat_map(|p| p.keys().map(|k| normalize_provider(k))),
        )
        .chain(
            store
                .profiles
                .values()
                .map(|s| normalize_provider(s.provider())),
        )
        .filter(|p| !in_use.contains(p))
        .collect();
    others.sort();
    others.dedup();
    in_use
        .iter()
        .map(|p| (p, true))
        .chain(others.iter().map(|p| (p, false)))
        .map(|(p, used)| provider_auth(setup, plan, store, p, used, now))
        .collect()
}

fn status(ctx: &Context, args: &ModelsStatusArgs) -> ExitCode {
    let setup = match load_setup(ctx) {
        Ok(setup) => setup,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let plan = match plan(ctx, &setup.config, args.agent.as_deref()) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let store_path = AgentAuthContext {
        agent_id: &plan.agent_id,
        agent_dir: &plan.agent_dir,
    }
    .auth_store_path();
    let (store, store_error) = match AuthStore::load(&store_path) {
        Ok(store) => (store, None),
        Err(err) => (AuthStore::default(), Some(err.to_string())),
    };
    let now = now_ms();
    let providers = auth_overview(&setup, &plan, &store, now);
    let missing: Vec<&str> = providers
        .iter()
        .filter(|p| p.in_use && !p.available())
        .map(|p| p.provider.as_str())
        .collect();
    if args.json {
        print_json(&status_json(
            &setup,
            &plan,
            &store_path,
            store_error.as_deref(),
            &providers,
        ));
    } else {
        print_status(
            &setup,
            &plan,
            &store_path,
            store_error.as_deref(),
            &providers,
        );
    }
    if !args.check {
        return ExitCode::SUCCESS;
    }
    if !missing.is_empty() {
        ExitCode::from(1)
    } else if providers.iter().any(|p| p.in_use && p.expiring) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn status_json(
    setup: &Setup,
    plan: &Plan,
    store_path: &std::path::Path,
    store_error: Option<&str>,
    providers: &[ProviderAuth],
) -> Value {
    let refs =
        |models: &[ModelRef]| -> Vec<String> { models.iter().map(ToString::to_string).collect() };
    let aliases: Map<String, Value> = plan
        .aliases
        .iter()
        .map(|(alias, target)| (alias.clone(), json!(target.to_string())))
        .collect();
    let rows: Vec<Value> = providers
        .iter()
        .map(|p| {
            let profiles: Vec<Value> = p
                .profiles
                .iter()
                .map(|(id, kind, usable, expires)| {
                    json!({"id": id, "type": kind, "usable": usable, "expires": expires})
                })
                .collect();
            json!({
                "provider": p.provider,
                "inUse": p.in_use,
                "available": p.available(),
                "expiring": p.expiring,
                "source": p.source_json(),
                "profiles": profiles,
                "envVars": p.env_vars,
            })
        })
        .collect();
    let missing: Vec<&str> = providers
        .iter()
        .filter(|p| p.in_use && !p.available())
        .map(|p| p.provider.as_str())
        .collect();
    json!({
        "configPath": setup.path.display().to_string(),
        "agentId": plan.agent_id,
        "agentDir": plan.agent_dir.display().to_string(),
        "defaultModel": plan.primary_raw,
        "resolvedDefault": plan.primary.to_string(),
        "fallbacks": refs(&plan.fallbacks),
        "aliases": aliases,
        "allowed": refs(&plan.allowed),
        "auth": {
            "storePath": store_path.display().to_string(),
            "storeError": store_error,
            "providers": rows,
            "missingProvidersInUse": missing,
        },
    })
}

fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

fn print_status(
    setup: &Setup,
    plan: &Plan,
    store_path: &std::path::Path,
    store_error: Option<&str>,
    providers: &[ProviderAuth],
) {
    let fallbacks: Vec<String> = plan.fallbacks.iter().map(ToString::to_string).collect();
    let aliases: Vec<String> = plan
        .aliases
        .iter()
        .map(|(alias, target)| format!("{alias} -> {target}"))
        .collect();
    let allowed: Vec<String> = plan.allowed.iter().map(ToString::to_string).collect();
    println!("Config        : {}", setup.path.display());
    println!("Agent         : {}", plan.agent_id);
    println!("Agent dir     : {}", plan.agent_dir.display());
    let default = plan.primary.to_string();
    if plan.primary_raw.trim() == default {
        println!("Default       : {default}");
    } else {
        println!("Default       : {default} (from {:?})", plan.primary_raw);
    }
    println!(
        "Fallbacks ({}) : {}",
        fallbacks.len(),
        list_or_dash(&fallbacks)
    );
    println!("Aliases ({})   : {}", aliases.len(), list_or_dash(&aliases));
    if allowed.is_empty() {
        println!("Allowed       : all models (agents.defaults.models is empty)");
    } else {
        println!("Allowed ({})   : {}", allowed.len(), allowed.join(", "));
    }
    println!();
    println!("Auth store    : {}", store_path.display());
    if let Some(error) = store_error {
        println!("  unreadable: {error}");
    }
    let label = |p: &ProviderAuth| {
        if p.in_use {
            format!("{} (in use)", p.provider)
        } else {
            p.provider.clone()
        }
    };
    let width = providers
        .iter()
        .map(|p| label(p).chars().count())
        .max()
        .unwrap_or(0);
    for p in providers {
        println!("- {:<width$} : {}", label(p), p.describe());
        for (id, kind, usable, _) in &p.profiles {
            let state = if *usable {
                "usable"
            } else {
                "unusable (empty or expired)"
            };
            println!("    profile {id} ({kind}): {state}");
        }
    }
    let missing: Vec<&str> = providers
        .iter()
        .filter(|p| p.in_use && !p.available())
        .map(|p| p.provider.as_str())
        .collect();
    if !missing.is_empty() {
        println!();
        println!(
            "Missing auth for providers in use: {}. Runs on these models will fail until a key is configured.",
            missing.join(", ")
        );
    }
}

/// One `models list` row.
struct Row {
    provider: String,
    id: String,
    name: String,
    input: String,
    context_window: Option<u64>,
    local: Option<bool>,
    available: Option<bool>,
    missing: bool,
    tags: Vec<String>,
}

impl Row {
    fn key(&self) -> String {
        format!("{}/{}", self.provider, self.id)
    }

    fn to_json(&self) -> Value {
        json!({
            "key": self.key(),
            "name": self.name,
            "input": self.input,
            "contextWindow": self.context_window,
            "local": self.local,
            "available": self.available,
            "tags": self.tags,
            "missing": self.missing,
        })
    }
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost") || host.starts_with("127.") || host == "::1"
}

/// Turns `models.list` rows into table rows, with tags and auth from the local config.
fn rows_from(models: &[Value], setup: Option<&Setup>, plan: Option<&Plan>) -> Vec<Row> {
    let store = plan.map(|plan| {
        AuthStore::load(
            &AgentAuthContext {
                agent_id: &plan.agent_id,
                agent_dir: &plan.agent_dir,
            }
            .auth_store_path(),
        )
        .unwrap_or_default()
    });
    let now = now_ms();
    let mut auth_cache: Vec<(String, Option<bool>, Option<bool>, bool)> = Vec::new();
    models
        .iter()
        .filter_map(|model| {
            let id = model.get("id")?.as_str()?.to_owned();
            let provider = normalize_provider(model.get("provider")?.as_str()?);
            let name = model
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&id)
                .to_owned();
            let input = model
                .get("input")
                .and_then(Value::as_array)
                .map(|kinds| {
                    kinds
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "text".into());
            let cached = auth_cache.iter().find(|(p, ..)| *p == provider).cloned();
            let (_, local, available, missing) = cached.unwrap_or_else(|| {
                let entry = match (setup, plan, &store) {
                    (Some(setup), Some(plan), Some(store)) => {
                        match resolve_provider(&setup.config, &provider) {
                            Err(_) => (provider.clone(), None, Some(false), true),
                            Ok(resolved) => {
                                let auth = provider_auth(setup, plan, store, &provider, false, now);
                                (
                                    provider.clone(),
                                    Some(is_loopback_url(&resolved.endpoint.base_url)),
                                    Some(auth.available()),
                                    false,
                                )
                            }
                        }
                    }
                    _ => (provider.clone(), None, None, false),
                };
                auth_cache.push(entry.clone());
                entry
            });
            let mut row = Row {
                provider,
                id,
                name,
                input,
                context_window: model.get("contextWindow").and_then(Value::as_u64),
                local,
                available,
                missing,
                tags: Vec::new(),
            };
            if let Some(plan) = plan {
                row.tags = tags_for(&row, plan);
            }
            if row.missing {
                row.tags.push("missing".into());
            }
            Some(row)
        })
        .collect()
}

fn tags_for(row: &Row, plan: &Plan) -> Vec<String> {
    let this = ModelRef {
        provider: row.provider.clone(),
        model: row.id.clone(),
    };
    let mut tags = Vec::new();
    if this == plan.primary {
        tags.push("default".to_owned());
    }
    if let Some(index) = plan.fallbacks.iter().position(|m| *m == this) {
        tags.push(format!("fallback#{}", index + 1));
    }
    if this == plan.primary || plan.fallbacks.contains(&this) || plan.allowed.contains(&this) {
        tags.push("configured".to_owned());
    }
    for (alias, target) in &plan.aliases {
        if *target == this {
            tags.push(format!("alias:{alias}"));
        }
    }
    tags
}

fn format_context(tokens: Option<u64>) -> String {
    match tokens {
        None | Some(0) => "-".into(),
        Some(n) if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}m", n / 1_000_000),
        Some(n) if n >= 1000 => format!("{}k", (n + 500) / 1000),
        Some(n) => n.to_string(),
    }
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        None => "-",
        Some(true) => "yes",
        Some(false) => "no",
    }
}

fn print_rows(rows: &[Row]) {
    if rows.is_empty() {
        println!("No models found.");
        return;
    }
    let mut table: Vec<[String; 6]> = vec![[
        "Model".into(),
        "Input".into(),
        "Ctx".into(),
        "Local".into(),
        "Auth".into(),
        "Tags".into(),
    ]];
    for row in rows {
        table.push([
            row.key(),
            row.input.clone(),
            format_context(row.context_window),
            yes_no(row.local).into(),
            yes_no(row.available).into(),
            row.tags.join(","),
        ]);
    }
    print_aligned(&table);
}

async fn fetch_models(ctx: &Context, args: &ModelsListArgs) -> Result<Vec<Value>, RpcError> {
    let target = ctx.target(&args.gateway.connect(args.timeout, args.json));
    let (mut client, _hello) = Client::connect(target).await?;
    let result = client.call("models.list", Some(json!({})), false).await;
    client.close().await;
    Ok(result?
        .get("models")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

async fn list(ctx: &Context, args: &ModelsListArgs) -> anyhow::Result<ExitCode> {
    let setup = load_setup(ctx);
    let plan = setup
        .as_ref()
        .ok()
        .and_then(|s| plan(ctx, &s.config, None).ok());
    let models = match fetch_models(ctx, args).await {
        Ok(models) => models,
        // Without an explicit --url, "no gateway" means: read the config like the gateway would.
        Err(RpcError::Unreachable { url, .. }) if args.gateway.url.is_none() => match &setup {
            Ok(setup) => {
                eprintln!(
                    "No gateway running at {url}; listing models from {}.",
                    setup.path.display()
                );
                openclaw_gateway::methods::agent::configured_models(&setup.config)
            }
            Err(message) => {
                eprintln!("No gateway running at {url}, and the config cannot be used: {message}");
                return Ok(ExitCode::FAILURE);
            }
        },
        Err(err) => return Ok(report_failure("Listing models failed", &err, args.json)),
    };
    let mut rows = rows_from(&models, setup.as_ref().ok(), plan.as_ref());
    if let Some(filter) = args.provider.as_deref() {
        let filter = normalize_provider(filter);
        rows.retain(|row| row.provider == filter);
    }
    if args.json {
        let models: Vec<Value> = rows.iter().map(Row::to_json).collect();
        print_json(&json!({"count": models.len(), "models": models}));
    } else if args.plain {
        for row in &rows {
            println!("{}", row.key());
        }
    } else {
        print_rows(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_base_urls_are_local() {
        assert!(is_loopback_url("http://127.0.0.1:8080/v1"));
        assert!(is_loopback_url("http://localhost/v1"));
        assert!(is_loopback_url("http://[::1]:11434"));
        assert!(is_loopback_url("http://user:pw@127.0.0.1:1/v1"));
        assert!(!is_loopback_url("https://api.openai.com/v1"));
        assert!(!is_loopback_url("https://localhost.example.com/v1"));
    }

    #[test]
    fn context_windows_are_compact() {
        assert_eq!(format_context(Some(128_000)), "128k");
        assert_eq!(format_context(Some(200_000)), "200k");
        assert_eq!(format_context(Some(1_000_000)), "1m");
        assert_eq!(format_context(Some(512)), "512");
        assert_eq!(format_context(None), "-");
    }
}
