//! `openclaw config get|set|unset|validate`: work on the file directly (no gateway needed);
//! a running gateway picks changes up through hot reload.
//!
//! `get` shows the resolved config (includes merged, `${VAR}` substituted, secrets redacted);
//! `set`/`unset` edit the main file's own tree, so `${VAR}` references and `$include`
//! directives stay as written.

use std::process::ExitCode;

use openclaw_config::{self as cfg};
use serde_json::{Value, json};

use crate::args::ConfigAction;
use crate::context::Context;

pub fn run(ctx: &Context, action: ConfigAction) -> anyhow::Result<ExitCode> {
    match action {
        ConfigAction::Get { path, json } => get(ctx, &path, json),
        ConfigAction::Set { path, value } => set(ctx, &path, cfg::parse_cli_value(&value)),
        ConfigAction::Unset { path } => unset(ctx, &path),
        ConfigAction::Validate { json } => validate(ctx, json),
    }
}

fn load(ctx: &Context) -> anyhow::Result<cfg::LoadedConfig> {
    cfg::load(&ctx.paths.config_path, &ctx.env).map_err(|e| anyhow::anyhow!("{e}"))
}

fn get(ctx: &Context, path: &str, as_json: bool) -> anyhow::Result<ExitCode> {
    let loaded = load(ctx)?;
    // Like OpenClaw, read the config as it runs (after `$include` and `${VAR}`), not the main
    // file's text: values pulled in from included files must be found. Secrets that
    // substitution brought in are redacted like any other.
    let source = if loaded.resolved.is_object() {
        &loaded.resolved
    } else {
        &loaded.parsed
    };
    let redacted = cfg::redact(source);
    match cfg::get_path(&redacted, path) {
        Err(err) => {
            eprintln!("{err}");
            Ok(ExitCode::FAILURE)
        }
        Ok(None) => {
            eprintln!(
                "Config path not found: {path} (in {})",
                loaded.path.display()
            );
            Ok(ExitCode::FAILURE)
        }
        Ok(Some(value)) => {
            match value {
                Value::String(s) if !as_json => println!("{s}"),
                other => println!(
                    "{}",
                    serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string())
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write(ctx: &Context, candidate: &Value) -> anyhow::Result<Option<ExitCode>> {
    match cfg::write_config(
        &ctx.paths.config_path,
        candidate,
        &ctx.env,
        openclaw_config::COMPAT_VERSION,
    ) {
        Ok(_) => Ok(None),
        Err(cfg::ConfigWriteError::Invalid { issues, .. }) => {
            eprintln!(
                "Config not written: the result would be invalid ({}):",
                ctx.paths.config_path.display()
            );
            for issue in issues {
                eprintln!("  {issue}");
            }
            Ok(Some(ExitCode::FAILURE))
        }
        Err(err) => Err(anyhow::anyhow!("{err}")),
    }
}

fn set(ctx: &Context, path: &str, value: Value) -> anyhow::Result<ExitCode> {
    let loaded = load(ctx)?;
    let mut candidate = if loaded.parsed.is_object() {
        loaded.parsed.clone()
    } else {
        json!({})
    };
    if let Err(err) = cfg::set_path(&mut candidate, path, value) {
        eprintln!("{err}");
        return Ok(ExitCode::FAILURE);
    }
    if let Some(code) = write(ctx, &candidate)? {
        return Ok(code);
    }
    println!("Updated {path} in {}", ctx.paths.config_path.display());
    Ok(ExitCode::SUCCESS)
}

fn unset(ctx: &Context, path: &str) -> anyhow::Result<ExitCode> {
    let loaded = load(ctx)?;
    let mut candidate = loaded.parsed.clone();
    match cfg::unset_path(&mut candidate, path) {
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::FAILURE);
        }
        Ok(false) => {
            eprintln!(
                "Config path not found: {path} (in {})",
                loaded.path.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        Ok(true) => {}
    }
    if let Some(code) = write(ctx, &candidate)? {
        return Ok(code);
    }
    println!("Removed {path} from {}", ctx.paths.config_path.display());
    Ok(ExitCode::SUCCESS)
}

fn validate(ctx: &Context, as_json: bool) -> anyhow::Result<ExitCode> {
    let loaded = load(ctx)?;
    let valid = loaded.is_valid();
    if as_json {
        let list = |d: &[cfg::Diagnostic]| -> Vec<Value> {
            d.iter()
                .map(|d| json!({"path": d.path, "message": d.to_string()}))
                .collect()
        };
        let out = json!({
            "path": loaded.path.display().to_string(),
            "exists": loaded.exists,
            "valid": valid,
            "issues": list(&loaded.issues),
            "warnings": list(&loaded.warnings),
            "inactiveSections": loaded.inactive_sections,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        if !loaded.exists {
            println!(
                "No config file at {} (defaults apply).",
                loaded.path.display()
            );
        }
        for issue in &loaded.issues {
            println!("error: {issue}");
        }
        for warning in &loaded.warnings {
            println!("warning: {warning}");
        }
        for section in &loaded.inactive_sections {
            println!("note: {section}: accepted, not active yet");
        }
        if valid {
            println!("Config valid: {}", loaded.path.display());
        } else {
            println!(
                "Config invalid: {} ({} issue{})",
                loaded.path.display(),
                loaded.issues.len(),
                if loaded.issues.len() == 1 { "" } else { "s" }
            );
        }
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
