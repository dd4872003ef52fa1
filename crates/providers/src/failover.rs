//! Pure failover policy: which models to try in which order, how long a failing profile
//! cools down, and how a run that exhausted every model is reported.
//!
//! Rotation state (error counts, `lastUsed`, persisted usage stats) lives elsewhere; these
//! functions only encode OpenClaw's rules so the runner and its tests share one definition.

use std::time::Duration;

use openclaw_config::Config;

use crate::error::ProviderError;
use crate::model_ref::{ModelCatalog, ModelRef, agent_primary_model};

/// Models to try for one run: the requested model (session override or primary), then the
/// fallbacks (agent-level `fallbacks` replace the defaults'; filtered by the allowlist when
/// it is non-empty), then the configured primary; duplicates removed, order kept.
pub fn fallback_candidates(
    config: &Config,
    agent_id: &str,
    requested: Option<&ModelRef>,
) -> Result<Vec<ModelRef>, ProviderError> {
    let catalog = ModelCatalog::from_config(config);
    let primary = catalog.parse(agent_primary_model(config, agent_id))?;
    let agent_fallbacks = config
        .agent(agent_id)
        .and_then(|agent| agent.model.as_ref())
        .and_then(|model| model.fallbacks());
    let default_fallbacks = config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.model.as_ref())
        .and_then(|model| model.fallbacks());
    let fallbacks = agent_fallbacks.or(default_fallbacks).unwrap_or(&[]);

    let mut candidates: Vec<ModelRef> = Vec::new();
    let push = |model: ModelRef, candidates: &mut Vec<ModelRef>| {
        if !candidates.contains(&model) {
            candidates.push(model);
        }
    };
    push(
        requested.cloned().unwrap_or_else(|| primary.clone()),
        &mut candidates,
    );
    for raw in fallbacks {
        let model = catalog.parse(raw)?;
        if catalog.is_allowed(&model) {
            push(model, &mut candidates);
        }
    }
    push(primary, &mut candidates);
    Ok(candidates)
}

/// Cooldown after the `error_count`-th failure within the failure window:
/// 1 min, 5 min, 25 min, then capped at 60 min (`60s·5^(n-1)`).
pub fn profile_cooldown(error_count: u32) -> Duration {
    const CAP: Duration = Duration::from_secs(60 * 60);
    if error_count == 0 {
        return Duration::ZERO;
    }
    let factor = 5u64.saturating_pow(error_count - 1);
    Duration::from_secs(60u64.saturating_mul(factor)).min(CAP)
}

/// How long a profile is disabled after its `billing_count`-th billing failure:
/// `base_hours·2^(n-1)`, capped at `max_hours` (defaults 5 h and 24 h).
pub fn billing_disable_duration(billing_count: u32, base_hours: f64, max_hours: f64) -> Duration {
    if billing_count == 0 || !base_hours.is_finite() || base_hours <= 0.0 {
        return Duration::ZERO;
    }
    let exponent = i32::try_from(billing_count - 1).unwrap_or(i32::MAX).min(62);
    let hours = (base_hours * 2f64.powi(exponent)).min(max_hours.max(0.0));
    Duration::from_secs_f64(hours * 3600.0)
}

/// The error text for a run where every candidate failed: the original message for a single
/// attempt, else `All models failed (N): prov/model: msg (reason) | …`.
pub fn summarize_failures(attempts: &[(ModelRef, ProviderError)]) -> String {
    match attempts {
        [] => "No models were attempted".to_string(),
        [(_, only)] => only.to_string(),
        _ => {
            let parts: Vec<String> = attempts
                .iter()
                .map(|(model, error)| {
                    format!("{model}: {} ({})", error.brief(), error.kind().as_str())
                })
                .collect();
            format!(
                "All models failed ({}): {}",
                attempts.len(),
                parts.join(" | ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooldown_steps() {
        let minutes = |n| profile_cooldown(n).as_secs() / 60;
        assert_eq!(profile_cooldown(0), Duration::ZERO);
        assert_eq!(
            [minutes(1), minutes(2), minutes(3), minutes(4), minutes(40)],
            [1, 5, 25, 60, 60]
        );
    }

    #[test]
    fn billing_backoff_doubles_to_the_cap() {
        let hours = |n| billing_disable_duration(n, 5.0, 24.0).as_secs() / 3600;
        assert_eq!([hours(1), hours(2), hours(3), hours(500)], [5, 10, 20, 24]);
        assert_eq!(billing_disable_duration(0, 5.0, 24.0), Duration::ZERO);
    }
}
