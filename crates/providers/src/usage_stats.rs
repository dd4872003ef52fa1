//! Per-profile health in `auth-profiles.json` → `usageStats.<profileId>`: when a profile was
//! last used, and when it may be used again after failures.
//!
//! Updates touch only `usageStats.<profileId>`; the rest of the file (secrets, refresh
//! tokens, fields this build does not know) is rewritten byte-for-byte as parsed JSON.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{FailureKind, ProviderError};
use crate::failover::{billing_disable_duration, profile_cooldown};

/// One profile's usage record (OpenClaw's `ProfileUsageStats`, times in ms since the epoch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUsage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_count: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failure_counts: BTreeMap<String, u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure_at: Option<i64>,
    /// Fields this build does not model (e.g. per-model stats), kept on rewrite.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `auth.cooldowns` with OpenClaw's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CooldownPolicy {
    pub billing_backoff_hours: f64,
    pub billing_max_hours: f64,
    pub failure_window_hours: f64,
}

impl Default for CooldownPolicy {
    fn default() -> Self {
        Self {
            billing_backoff_hours: 5.0,
            billing_max_hours: 24.0,
            failure_window_hours: 24.0,
        }
    }
}

impl CooldownPolicy {
    /// Reads `auth.cooldowns` (per-provider billing backoff included).
    pub fn from_config(config: &openclaw_config::Config, provider: &str) -> Self {
        let mut policy = Self::default();
        let Some(cooldowns) = config.auth.as_ref().and_then(|a| a.cooldowns.as_ref()) else {
            return policy;
        };
        if let Some(hours) = cooldowns.billing_backoff_hours {
            policy.billing_backoff_hours = hours;
        }
        if let Some(hours) = cooldowns
            .billing_backoff_hours_by_provider
            .as_ref()
            .and_then(|by| by.get(provider))
        {
            policy.billing_backoff_hours = *hours;
        }
        if let Some(hours) = cooldowns.billing_max_hours {
            policy.billing_max_hours = hours;
        }
        if let Some(hours) = cooldowns.failure_window_hours {
            policy.failure_window_hours = hours;
        }
        policy
    }
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl ProfileUsage {
    /// The time until which the profile must not be used, if it is in the future.
    pub fn unusable_until(&self, now_ms: i64) -> Option<i64> {
        [self.cooldown_until, self.disabled_until]
            .into_iter()
            .flatten()
            .filter(|until| *until > now_ms)
            .max()
    }

    /// Records a failover-class failure: billing disables the profile for hours, anything
    /// else starts the 1/5/25/60-minute cooldown. Failures older than the window reset the count.
    pub fn record_failure(&mut self, kind: FailureKind, policy: CooldownPolicy, now_ms: i64) {
        let window_ms = (policy.failure_window_hours.max(0.0) * 3_600_000.0) as i64;
        if self
            .last_failure_at
            .is_some_and(|at| now_ms.saturating_sub(at) > window_ms)
        {
            self.error_count = Some(0);
            self.failure_counts.clear();
        }
        let errors = self.error_count.unwrap_or(0).saturating_add(1);
        self.error_count = Some(errors);
        let reason = kind.as_str().to_string();
        let same_reason = self.failure_counts.entry(reason.clone()).or_insert(0);
        *same_reason = same_reason.saturating_add(1);
        let same_reason = *same_reason;
        self.last_failure_at = Some(now_ms);
        if kind == FailureKind::Billing {
            let disabled = billing_disable_duration(
                same_reason,
                policy.billing_backoff_hours,
                policy.billing_max_hours,
            );
            self.disabled_until = Some(now_ms.saturating_add(ms(disabled)));
            self.disabled_reason = Some(reason);
        } else {
            self.cooldown_until = Some(now_ms.saturating_add(ms(profile_cooldown(errors))));
        }
    }

    /// Records a successful call: clears errors and cooldowns, stamps `lastUsed`.
    pub fn record_success(&mut self, now_ms: i64) {
        self.error_count = Some(0);
        self.cooldown_until = None;
        self.disabled_until = None;
        self.disabled_reason = None;
        self.failure_counts.clear();
        self.last_used = Some(now_ms);
    }
}

/// Writes one profile's usage record into `auth-profiles.json` atomically (temp file +
/// rename, mode 0600), leaving every other field as it was.
pub fn save_profile_usage(
    path: &Path,
    profile_id: &str,
    usage: &ProfileUsage,
) -> Result<(), ProviderError> {
    let store_error = |detail: String| ProviderError::AuthStore {
        path: path.to_path_buf(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| store_error(e.to_string()))?;
    let mut document: Value = serde_json::from_str(&text)
        .map_err(|e| store_error(format!("not valid auth-profiles JSON: {e}")))?;
    let Some(root) = document.as_object_mut() else {
        return Err(store_error("top level is not a JSON object".into()));
    };
    let stats = root
        .entry("usageStats")
        .or_insert_with(|| Value::Object(Map::new()));
    if !stats.is_object() {
        *stats = Value::Object(Map::new());
    }
    let record = serde_json::to_value(usage).map_err(|e| store_error(e.to_string()))?;
    if let Some(stats) = stats.as_object_mut() {
        stats.insert(profile_id.to_string(), record);
    }
    let rendered =
        serde_json::to_string_pretty(&document).map_err(|e| store_error(e.to_string()))?;
    let temp = path.with_extension(format!("json.tmp-{}", std::process::id()));
    std::fs::write(&temp, rendered + "\n").map_err(|e| store_error(e.to_string()))?;
    restrict_permissions(&temp).map_err(|e| store_error(e.to_string()))?;
    std::fs::rename(&temp, path).map_err(|e| {
        // Best effort: do not leave a stray temp file holding secrets behind.
        let _ = std::fs::remove_file(&temp);
        store_error(e.to_string())
    })
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn failures_escalate_and_success_resets() {
        let mut usage = ProfileUsage::default();
        let policy = CooldownPolicy::default();
        usage.record_failure(FailureKind::RateLimit, policy, 0);
        assert_eq!(usage.cooldown_until, Some(MINUTE));
        usage.record_failure(FailureKind::Timeout, policy, MINUTE);
        assert_eq!(usage.cooldown_until, Some(MINUTE + 5 * MINUTE));
        assert_eq!(usage.unusable_until(2 * MINUTE), Some(6 * MINUTE));
        assert_eq!(usage.unusable_until(7 * MINUTE), None);
        usage.record_success(10 * MINUTE);
        assert_eq!(usage.error_count, Some(0));
        assert_eq!(usage.cooldown_until, None);
        assert_eq!(usage.last_used, Some(10 * MINUTE));
    }

    #[test]
    fn old_failures_fall_out_of_the_window() {
        let mut usage = ProfileUsage::default();
        let policy = CooldownPolicy::default();
        usage.record_failure(FailureKind::Auth, policy, 0);
        usage.record_failure(FailureKind::Auth, policy, 25 * 60 * MINUTE);
        assert_eq!(usage.error_count, Some(1));
        assert_eq!(usage.cooldown_until, Some(25 * 60 * MINUTE + MINUTE));
    }

    #[test]
    fn billing_disables_for_hours() {
        let mut usage = ProfileUsage::default();
        let policy = CooldownPolicy::default();
        usage.record_failure(FailureKind::Billing, policy, 0);
        usage.record_failure(FailureKind::Billing, policy, 0);
        assert_eq!(usage.disabled_until, Some(10 * 60 * MINUTE));
        assert_eq!(usage.disabled_reason.as_deref(), Some("billing"));
        assert_eq!(usage.cooldown_until, None);
    }
}
