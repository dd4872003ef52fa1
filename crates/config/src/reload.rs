//! Hot-reload planning (spec §2.4): which changed paths need a restart, a targeted hot action,
//! or nothing (read dynamically). Pure functions; the gateway performs the actions.

use std::sync::LazyLock;

use serde_json::Value;

use crate::path::{PathSeg, format_path};
use crate::schema::KNOWN_CHANNEL_IDS;

/// What a path change requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadKind {
    /// Nothing: the value is read per use.
    None,
    /// A targeted in-process action.
    Hot,
    /// A full in-process gateway restart.
    Restart,
}

/// Targeted actions for hot changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum HotAction {
    ReloadHooks,
    RestartGmailWatcher,
    RestartHeartbeat,
    RestartCron,
    RestartBrowserControl,
    /// Stop and start one channel (`whatsapp` for `web.*`).
    RestartChannel(String),
}

/// The plan for a set of changed paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadPlan {
    pub restart_paths: Vec<String>,
    pub hot_paths: Vec<String>,
    pub none_paths: Vec<String>,
    /// Deduplicated actions for `hot_paths`, in first-seen order.
    pub hot_actions: Vec<HotAction>,
    pub needs_restart: bool,
}

struct Rule {
    prefix: String,
    kind: ReloadKind,
    action: Option<HotAction>,
}

fn rule(prefix: &str, kind: ReloadKind) -> Rule {
    Rule {
        prefix: prefix.to_string(),
        kind,
        action: None,
    }
}

fn hot(prefix: &str, action: HotAction) -> Rule {
    Rule {
        prefix: prefix.to_string(),
        kind: ReloadKind::Hot,
        action: Some(action),
    }
}

/// Ordered rules; the first matching prefix wins, unmatched paths restart. `meta` is "none" so
/// that the stamp every write adds does not restart the gateway.
fn rules() -> Vec<Rule> {
    use ReloadKind::{None as Nothing, Restart};
    let mut rules = vec![
        rule("gateway.remote", Nothing),
        rule("gateway.reload", Nothing),
        hot("hooks.gmail", HotAction::RestartGmailWatcher),
        hot("hooks", HotAction::ReloadHooks),
        hot("agents.defaults.heartbeat", HotAction::RestartHeartbeat),
        hot("agent.heartbeat", HotAction::RestartHeartbeat),
        hot("cron", HotAction::RestartCron),
        hot("browser", HotAction::RestartBrowserControl),
        hot("web", HotAction::RestartChannel("whatsapp".into())),
        rule("channels.whatsapp", Nothing),
    ];
    // Every other channel is stopped and started on its own (WhatsApp's rule above wins).
    for channel in KNOWN_CHANNEL_IDS.iter().filter(|c| **c != "whatsapp") {
        rules.push(hot(
            &format!("channels.{channel}"),
            HotAction::RestartChannel(channel.to_string()),
        ));
    }
    rules.extend([
        rule("meta", Nothing),
        rule("identity", Nothing),
        rule("wizard", Nothing),
        rule("logging", Nothing),
        rule("models", Nothing),
        rule("agents", Nothing),
        rule("tools", Nothing),
        rule("bindings", Nothing),
        rule("audio", Nothing),
        rule("agent", Nothing),
        rule("routing", Nothing),
        rule("messages", Nothing),
        rule("session", Nothing),
        rule("talk", Nothing),
        rule("skills", Nothing),
        rule("ui", Nothing),
        rule("plugins", Restart),
        rule("gateway", Restart),
        rule("discovery", Restart),
        rule("canvasHost", Restart),
    ]);
    rules
}

fn matches_prefix(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// How a single changed path is handled, with its hot action if any.
pub fn classify_path(path: &str) -> (ReloadKind, Option<HotAction>) {
    static RULES: LazyLock<Vec<Rule>> = LazyLock::new(rules);
    RULES
        .iter()
        .find(|r| matches_prefix(path, &r.prefix))
        .map(|r| (r.kind, r.action.clone()))
        .unwrap_or((ReloadKind::Restart, None))
}

/// Plans a reload for the changed paths from [`diff_paths`].
pub fn plan_reload(paths: &[String]) -> ReloadPlan {
    let mut plan = ReloadPlan::default();
    for path in paths {
        match classify_path(path) {
            (ReloadKind::Restart, _) => plan.restart_paths.push(path.clone()),
            (ReloadKind::Hot, action) => {
                plan.hot_paths.push(path.clone());
                if let Some(action) = action
                    && !plan.hot_actions.contains(&action)
                {
                    plan.hot_actions.push(action);
                }
            }
            (ReloadKind::None, _) => plan.none_paths.push(path.clone()),
        }
    }
    plan.needs_restart = !plan.restart_paths.is_empty();
    plan
}

/// Changed leaf paths between two configs (`gateway.port`, `agents.list`). Objects are compared
/// key by key; an array is one leaf, reported when any element differs (deep comparison — unlike
/// OpenClaw's identity comparison, which reports arrays of objects as changed on every reload).
/// A changed root that is not an object on both sides is reported as `<root>`.
pub fn diff_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    diff(old, new, &mut path, &mut out);
    out
}

fn diff(old: &Value, new: &Value, path: &mut Vec<PathSeg>, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    if let (Value::Object(a), Value::Object(b)) = (old, new) {
        let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
        for key in keys {
            path.push(PathSeg::Key(key.clone()));
            diff(
                a.get(key).unwrap_or(&Value::Null),
                b.get(key).unwrap_or(&Value::Null),
                path,
                out,
            );
            path.pop();
        }
        return;
    }
    out.push(if path.is_empty() {
        "<root>".to_string()
    } else {
        format_path(path)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_reports_changed_leaves() {
        let old = json!({"gateway": {"port": 1, "bind": "lan"}, "agents": {"list": [{"id": "a"}]},
                         "meta": {"lastTouchedAt": "x"}, "gone": true});
        let new = json!({"gateway": {"port": 2, "bind": "lan"}, "agents": {"list": [{"id": "a"}]},
                         "meta": {"lastTouchedAt": "y"}, "added": {"deep": 1}});
        assert_eq!(
            diff_paths(&old, &new),
            vec!["gateway.port", "meta.lastTouchedAt", "gone", "added"]
        );
        let changed_list = json!({"agents": {"list": [{"id": "a"}, {"id": "b"}]}});
        assert_eq!(
            diff_paths(&json!({"agents": {"list": [{"id": "a"}]}}), &changed_list),
            vec!["agents.list"]
        );
        assert_eq!(diff_paths(&json!(1), &json!({})), vec!["<root>"]);
        assert!(diff_paths(&old, &old).is_empty());
    }

    #[test]
    fn classification_table() {
        use ReloadKind::*;
        let table: &[(&str, ReloadKind, Option<HotAction>)] = &[
            ("gateway.remote.url", None, Option::None),
            ("gateway.reload.debounceMs", None, Option::None),
            ("gateway.port", Restart, Option::None),
            ("gateway.auth.token", Restart, Option::None),
            (
                "hooks.gmail.account",
                Hot,
                Some(HotAction::RestartGmailWatcher),
            ),
            ("hooks.token", Hot, Some(HotAction::ReloadHooks)),
            (
                "agents.defaults.heartbeat.every",
                Hot,
                Some(HotAction::RestartHeartbeat),
            ),
            ("agents.defaults.model", None, Option::None),
            ("agents.list", None, Option::None),
            ("cron.enabled", Hot, Some(HotAction::RestartCron)),
            (
                "browser.enabled",
                Hot,
                Some(HotAction::RestartBrowserControl),
            ),
            (
                "web.enabled",
                Hot,
                Some(HotAction::RestartChannel("whatsapp".into())),
            ),
            ("channels.whatsapp.allowFrom", None, Option::None),
            (
                "channels.discord.guilds",
                Hot,
                Some(HotAction::RestartChannel("discord".into())),
            ),
            (
                "channels.telegram",
                Hot,
                Some(HotAction::RestartChannel("telegram".into())),
            ),
            ("channels.defaults.groupPolicy", Restart, Option::None),
            ("bindings", None, Option::None),
            ("session.dmScope", None, Option::None),
            ("logging.level", None, Option::None),
            ("meta.lastTouchedAt", None, Option::None),
            ("ui.seamColor", None, Option::None),
            ("plugins.entries.discord.enabled", Restart, Option::None),
            ("discovery.mdns.mode", Restart, Option::None),
            ("canvasHost.port", Restart, Option::None),
            ("env.vars.X", Restart, Option::None),
            ("hooksExtra", Restart, Option::None),
            ("<root>", Restart, Option::None),
        ];
        for (path, kind, action) in table {
            assert_eq!(classify_path(path), (*kind, action.clone()), "{path}");
        }
    }

    #[test]
    fn plan_groups_paths_and_dedupes_actions() {
        let paths: Vec<String> = [
            "channels.discord.guilds",
            "channels.discord.token",
            "meta.lastTouchedAt",
            "gateway.port",
            "hooks.path",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let plan = plan_reload(&paths);
        assert!(plan.needs_restart);
        assert_eq!(plan.restart_paths, vec!["gateway.port"]);
        assert_eq!(plan.none_paths, vec!["meta.lastTouchedAt"]);
        assert_eq!(plan.hot_paths.len(), 3);
        assert_eq!(
            plan.hot_actions,
            vec![
                HotAction::RestartChannel("discord".into()),
                HotAction::ReloadHooks
            ]
        );
        assert!(!plan_reload(&["meta.lastTouchedAt".to_string()]).needs_restart);
    }
}
