//! `openclaw doctor [--fix] [--yes] [--non-interactive] [--deep] [--json]`: checks the config,
//! start-up rules, permissions, lock and port, provider keys (and with `--deep` their
//! reachability), Discord settings and the workspace; every finding names its fix. Exits 1 when
//! errors remain.
//!
//! `--fix` applies the safe repairs: `chmod` of secrets, and config migrations whose result is
//! unambiguous, written once through the config crate's writer (backup rotated, result
//! validated, unknown keys kept). On a terminal each repair is confirmed unless `--yes`;
//! `--non-interactive` never prompts and repairs only with `--yes`. Afterwards the checks run
//! again and the report shows what is left.

mod checks;
pub mod fix;
pub mod perms;
mod providers;
pub mod report;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use openclaw_config::{self as cfg, Config, LoadedConfig};
use serde_json::{Value, json};

use self::fix::Repair;
use self::report::{Finding, Severity};
use crate::args::DoctorArgs;
use crate::context::Context;

struct Checked {
    loaded: Option<LoadedConfig>,
    findings: Vec<Finding>,
}

async fn collect(ctx: &Context, args: &DoctorArgs) -> Checked {
    let (loaded, mut findings) = checks::config(&ctx.paths, &ctx.env);
    let config: Option<std::sync::Arc<Config>> = loaded
        .as_ref()
        .filter(|l| l.is_valid())
        .map(LoadedConfig::config_or_default);
    // The env the gateway would see: process env, .env files and the config's `env` block.
    let env = loaded
        .as_ref()
        .map_or_else(|| ctx.env.clone(), |l| l.env.clone());
    findings.extend(perms::findings(&ctx.paths, config.as_deref()));
    match config.as_deref() {
        Some(config) => {
            findings.extend(checks::gateway(config, &env, args.generate_gateway_token));
            findings.extend(checks::lock_and_port(&ctx.paths, config, &env));
            let (keys, targets) =
                providers::check(&ctx.paths, config, &env, super::sessions::now_ms());
            findings.extend(keys);
            if args.deep {
                findings.extend(providers::probe_all(&targets, args.json).await);
            }
            findings.extend(checks::discord(config, &env));
            findings.extend(checks::workspace(&ctx.paths, config));
        }
        None => findings.push(Finding::new(
            "doctor.skipped",
            Severity::Info,
            "Gateway, provider, Discord and workspace checks skipped until the config is valid",
        )),
    }
    // Most severe first (stable: checks keep their order within a severity).
    findings.sort_by_key(|f| f.severity);
    Checked { loaded, findings }
}

/// What happened to one repair.
struct Outcome {
    check_id: String,
    action: String,
    applied: bool,
    note: Option<String>,
}

pub async fn run(ctx: &Context, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let first = collect(ctx, &args).await;
    let mut outcomes = Vec::new();
    let mut backup = None;
    let report = if args.fix {
        let (done, saved) = repair(ctx, &args, &first);
        outcomes = done;
        backup = saved;
        if outcomes.iter().any(|o| o.applied) {
            collect(ctx, &args).await
        } else {
            first
        }
    } else {
        first
    };
    let failed = report
        .findings
        .iter()
        .any(|f| matches!(f.severity, Severity::Error | Severity::Critical));
    if args.json {
        let out = json!({
            "ok": !failed,
            "configPath": ctx.paths.config_path.display().to_string(),
            "stateDir": ctx.paths.state_dir.display().to_string(),
            "summary": report::summary(&report.findings),
            "findings": report.findings.iter().map(Finding::to_json).collect::<Vec<Value>>(),
            "repairs": outcomes.iter().map(|o| json!({
                "checkId": o.check_id,
                "action": o.action,
                "applied": o.applied,
                "note": o.note,
            })).collect::<Vec<Value>>(),
            "backup": backup,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("openclaw doctor: {}", ctx.paths.config_path.display());
        for o in &outcomes {
            let state = if o.applied { "fixed" } else { "not fixed" };
            match &o.note {
                Some(note) => println!("{state}: {} ({note})", o.action),
                None => println!("{state}: {}", o.action),
            }
        }
        if let Some(path) = &backup {
            println!("Previous config saved as {path}");
        }
        report::print_text(&report.findings, !args.fix);
        println!("{}", report::summary_line(&report.findings));
        if !args.fix && report.findings.iter().any(|f| f.repair.is_some()) {
            println!("Run `openclaw doctor --fix` to apply the repairs marked above.");
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether to apply one repair: `--yes` does, `--non-interactive` alone never does, otherwise
/// ask on a terminal.
fn approve(args: &DoctorArgs, action: &str) -> Result<(), String> {
    if args.yes {
        return Ok(());
    }
    if args.non_interactive {
        return Err("skipped: --non-interactive without --yes".into());
    }
    if !std::io::stdin().is_terminal() {
        return Err("skipped: not a terminal; pass --yes to apply".into());
    }
    match cliclack::confirm(format!("Apply: {action}?"))
        .initial_value(true)
        .interact()
    {
        Ok(true) => Ok(()),
        Ok(false) => Err("declined".into()),
        Err(err) => Err(format!("prompt failed: {err}")),
    }
}

/// Applies the approved repairs; returns the outcomes and the config backup path, if written.
fn repair(ctx: &Context, args: &DoctorArgs, checked: &Checked) -> (Vec<Outcome>, Option<String>) {
    let mut outcomes = Vec::new();
    let mut pending: Vec<(usize, fix::Migration)> = Vec::new();
    let mut candidate = checked
        .loaded
        .as_ref()
        .map(|l| l.parsed.clone())
        .filter(Value::is_object);
    for finding in &checked.findings {
        let Some(repair) = &finding.repair else {
            continue;
        };
        let action = repair.describe();
        let mut outcome = Outcome {
            check_id: finding.check_id.clone(),
            action: action.clone(),
            applied: false,
            note: None,
        };
        if let Err(why) = approve(args, &action) {
            outcome.note = Some(why);
            outcomes.push(outcome);
            continue;
        }
        match repair {
            Repair::Chmod { path, mode } => match fix::chmod(path, *mode) {
                Ok(()) => outcome.applied = true,
                Err(why) => outcome.note = Some(why),
            },
            Repair::Config(migration) => match candidate.as_mut() {
                None => outcome.note = Some("the config file could not be parsed".into()),
                Some(tree) => match migration.apply(tree) {
                    Ok(()) => pending.push((outcomes.len(), migration.clone())),
                    Err(why) => outcome.note = Some(why),
                },
            },
        }
        outcomes.push(outcome);
    }
    let mut backup = None;
    if let (false, Some(tree)) = (pending.is_empty(), candidate) {
        match cfg::write_config(&ctx.paths.config_path, &tree, &ctx.env, cfg::COMPAT_VERSION) {
            Ok(written) => {
                backup = written.backup.map(|p| p.display().to_string());
                for (index, _) in &pending {
                    outcomes[*index].applied = true;
                }
            }
            Err(err) => {
                let why = match err {
                    cfg::ConfigWriteError::Invalid { issues, .. } => format!(
                        "config not written: {} other issue(s) must be fixed by hand first: {}",
                        issues.len(),
                        issues
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    other => format!("config not written: {other}"),
                };
                for (index, _) in &pending {
                    outcomes[*index].note = Some(why.clone());
                }
            }
        }
    }
    (outcomes, backup)
}
