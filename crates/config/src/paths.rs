//! Where OpenClaw keeps its state (spec §1.2, §1.4, §3).
//!
//! Resolution reads only the [`Env`] snapshot and checks which legacy files/directories exist; it
//! never creates anything.

use std::path::{Path, PathBuf};

use crate::accessors::normalize_agent_id;
use crate::env::Env;
use crate::error::ProfileError;
use crate::schema::Config;

/// Config file names accepted in the state dir, in lookup order (the first is the default).
pub const CONFIG_FILE_NAMES: [&str; 4] = [
    "openclaw.json",
    "clawdbot.json",
    "moltbot.json",
    "moldbot.json",
];

/// Pre-rename state directories under `$HOME`, used only when `~/.openclaw` does not exist.
pub const LEGACY_STATE_DIR_NAMES: [&str; 3] = [".clawdbot", ".moltbot", ".moldbot"];

/// Port the `dev` profile uses unless `OPENCLAW_GATEWAY_PORT` is already set.
pub const DEV_PROFILE_PORT: u16 = 19001;

/// How the state directory was chosen (for `openclaw status`-style diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateDirSource {
    /// `OPENCLAW_STATE_DIR` (or `CLAWDBOT_STATE_DIR`).
    Env,
    /// A pre-rename directory such as `~/.clawdbot`, because `~/.openclaw` does not exist.
    Legacy(String),
    /// `~/.openclaw`.
    Default,
}

/// Every state path the gateway and CLI need, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatePaths {
    pub home: PathBuf,
    pub state_dir: PathBuf,
    pub state_dir_source: StateDirSource,
    /// The active config file (may not exist yet).
    pub config_path: PathBuf,
    /// `OPENCLAW_OAUTH_DIR` or `<state>/credentials`.
    pub credentials_dir: PathBuf,
    /// `<state>/agents`; per-agent dirs via [`StatePaths::agent_dir`].
    pub agents_dir: PathBuf,
    /// Default agent workspace. Deliberately `<state>/workspace` (2026.9.6 behavior): 2026.1.29's
    /// HOME-based default loses the workspace on hosts where only the state dir is persistent.
    pub workspace_dir: PathBuf,
    pub cron_dir: PathBuf,
    pub devices_dir: PathBuf,
    pub logs_dir: PathBuf,
    pub extensions_dir: PathBuf,
    pub media_dir: PathBuf,
    /// `<state>/.env`.
    pub dotenv_path: PathBuf,
    /// `OPENCLAW_PROFILE`, if any.
    pub profile: Option<String>,
    /// `OPENCLAW_AGENT_DIR` (alias `PI_CODING_AGENT_DIR`): the default agent's dir override.
    pub default_agent_dir_override: Option<PathBuf>,
}

impl StatePaths {
    /// Resolves paths from the env snapshot and `home` (pass the real home directory; tests pass a
    /// temp dir). `~` in `OPENCLAW_STATE_DIR`, `OPENCLAW_CONFIG_PATH` and `OPENCLAW_OAUTH_DIR` is
    /// expanded against `home`.
    pub fn resolve(env: &Env, home: &Path) -> StatePaths {
        let (state_dir, state_dir_source) = match env.openclaw("STATE_DIR") {
            Some(dir) => (expand_tilde(&dir, home), StateDirSource::Env),
            None => default_state_dir(home),
        };
        let config_path = match env.openclaw("CONFIG_PATH") {
            Some(p) => expand_tilde(&p, home),
            None => default_config_path(&state_dir),
        };
        let credentials_dir = match env.openclaw("OAUTH_DIR") {
            Some(p) => expand_tilde(&p, home),
            None => state_dir.join("credentials"),
        };
        StatePaths {
            home: home.to_path_buf(),
            config_path,
            credentials_dir,
            agents_dir: state_dir.join("agents"),
            workspace_dir: state_dir.join("workspace"),
            cron_dir: state_dir.join("cron"),
            devices_dir: state_dir.join("devices"),
            logs_dir: state_dir.join("logs"),
            extensions_dir: state_dir.join("extensions"),
            media_dir: state_dir.join("media"),
            dotenv_path: state_dir.join(".env"),
            profile: env.openclaw("PROFILE"),
            default_agent_dir_override: env
                .openclaw("AGENT_DIR")
                .or_else(|| env.get_non_empty("PI_CODING_AGENT_DIR").map(str::to_string))
                .map(|p| expand_tilde(&p, home)),
            state_dir,
            state_dir_source,
        }
    }

    /// `<state>/agents/<agentId>/agent` — auth profiles and model registry of one agent.
    pub fn agent_dir(&self, agent_id: &str) -> PathBuf {
        self.agents_dir.join(agent_id).join("agent")
    }

    /// An agent's state dir with config applied: `agents.list[].agentDir` (tilde-expanded), else
    /// for the default agent `OPENCLAW_AGENT_DIR`, else `<state>/agents/<id>/agent`.
    pub fn resolve_agent_dir(&self, config: &Config, agent_id: &str) -> PathBuf {
        let id = normalize_agent_id(agent_id);
        if let Some(dir) = config.agent(&id).and_then(|a| a.agent_dir.as_deref()) {
            return expand_tilde(dir, &self.home);
        }
        if id == config.default_agent_id()
            && let Some(dir) = &self.default_agent_dir_override
        {
            return dir.clone();
        }
        self.agent_dir(&id)
    }

    /// An agent's workspace with config applied: `agents.list[].workspace`, else for the default
    /// agent `agents.defaults.workspace` then `<state>/workspace`, else `<state>/workspace-<id>`.
    pub fn resolve_workspace(&self, config: &Config, agent_id: &str) -> PathBuf {
        let id = normalize_agent_id(agent_id);
        if let Some(dir) = config.agent(&id).and_then(|a| a.workspace.as_deref()) {
            return expand_tilde(dir, &self.home);
        }
        if id == config.default_agent_id() {
            let defaults = config.agents.as_ref().and_then(|a| a.defaults.as_ref());
            return match defaults.and_then(|d| d.workspace.as_deref()) {
                Some(dir) => expand_tilde(dir, &self.home),
                None => self.workspace_dir.clone(),
            };
        }
        self.state_dir.join(format!("workspace-{id}"))
    }

    /// `<state>/agents/<agentId>/sessions` — the session store and transcripts of one agent.
    pub fn sessions_dir(&self, agent_id: &str) -> PathBuf {
        self.agents_dir.join(agent_id).join("sessions")
    }
}

fn default_state_dir(home: &Path) -> (PathBuf, StateDirSource) {
    let current = home.join(".openclaw");
    if !current.exists() {
        for legacy in LEGACY_STATE_DIR_NAMES {
            let candidate = home.join(legacy);
            if candidate.is_dir() {
                return (candidate, StateDirSource::Legacy(legacy.to_string()));
            }
        }
    }
    (current, StateDirSource::Default)
}

fn default_config_path(state_dir: &Path) -> PathBuf {
    CONFIG_FILE_NAMES
        .iter()
        .map(|name| state_dir.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| state_dir.join(CONFIG_FILE_NAMES[0]))
}

/// Expands a leading `~` or `~/` against `home`; other paths are returned unchanged.
pub fn expand_tilde(path: &str, home: &Path) -> PathBuf {
    let trimmed = path.trim();
    if trimmed == "~" {
        return home.to_path_buf();
    }
    if let Some(rest) = trimmed
        .strip_prefix("~/")
        .or_else(|| trimmed.strip_prefix("~\\"))
    {
        return home.join(rest);
    }
    PathBuf::from(trimmed)
}

/// Whether `name` is a valid profile name: 1–64 of `[A-Za-z0-9_-]`, starting alphanumeric.
pub fn is_valid_profile_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    name.len() <= 64
        && first.is_ascii_alphanumeric()
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Applies `--profile <name>` (or `--dev`, i.e. profile `dev`) to the env snapshot, the way
/// OpenClaw does before anything else runs: sets `OPENCLAW_PROFILE`, and — only where not already
/// set — `OPENCLAW_STATE_DIR=~/.openclaw-<name>` (`default` ⇒ `~/.openclaw`),
/// `OPENCLAW_CONFIG_PATH=<state>/openclaw.json`, and for `dev` `OPENCLAW_GATEWAY_PORT=19001`.
pub fn apply_profile(env: &mut Env, profile: &str, home: &Path) -> Result<(), ProfileError> {
    let profile = profile.trim();
    if !is_valid_profile_name(profile) {
        return Err(ProfileError {
            name: profile.to_string(),
        });
    }
    env.set("OPENCLAW_PROFILE", profile);
    let state_dir = match env.openclaw("STATE_DIR") {
        Some(dir) => expand_tilde(&dir, home),
        None => {
            let dir = if profile.eq_ignore_ascii_case("default") {
                home.join(".openclaw")
            } else {
                home.join(format!(".openclaw-{profile}"))
            };
            env.set("OPENCLAW_STATE_DIR", dir.to_string_lossy());
            dir
        }
    };
    if env.openclaw("CONFIG_PATH").is_none() {
        env.set(
            "OPENCLAW_CONFIG_PATH",
            state_dir.join(CONFIG_FILE_NAMES[0]).to_string_lossy(),
        );
    }
    if profile == "dev" && env.openclaw("GATEWAY_PORT").is_none() {
        env.set("OPENCLAW_GATEWAY_PORT", DEV_PROFILE_PORT.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_live_under_dot_openclaw() {
        let home = tempfile::tempdir().unwrap();
        let paths = StatePaths::resolve(&Env::default(), home.path());
        let state = home.path().join(".openclaw");
        assert_eq!(paths.state_dir, state);
        assert_eq!(paths.state_dir_source, StateDirSource::Default);
        assert_eq!(paths.config_path, state.join("openclaw.json"));
        assert_eq!(paths.credentials_dir, state.join("credentials"));
        assert_eq!(paths.workspace_dir, state.join("workspace"));
        assert_eq!(paths.agent_dir("main"), state.join("agents/main/agent"));
        assert_eq!(paths.sessions_dir("ops"), state.join("agents/ops/sessions"));
    }

    #[test]
    fn env_overrides_win_and_expand_tilde() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([
            ("OPENCLAW_STATE_DIR", "~/custom"),
            ("CLAWDBOT_CONFIG_PATH", "/etc/oc.json"),
            ("OPENCLAW_OAUTH_DIR", "~/creds"),
        ]);
        let paths = StatePaths::resolve(&env, home.path());
        assert_eq!(paths.state_dir, home.path().join("custom"));
        assert_eq!(paths.state_dir_source, StateDirSource::Env);
        assert_eq!(paths.config_path, PathBuf::from("/etc/oc.json"));
        assert_eq!(paths.credentials_dir, home.path().join("creds"));
    }

    #[test]
    fn legacy_state_dir_used_only_when_new_one_is_missing() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".moltbot")).unwrap();
        std::fs::write(home.path().join(".moltbot/moltbot.json"), "{}").unwrap();
        let paths = StatePaths::resolve(&Env::default(), home.path());
        assert_eq!(paths.state_dir, home.path().join(".moltbot"));
        assert_eq!(
            paths.state_dir_source,
            StateDirSource::Legacy(".moltbot".into())
        );
        assert_eq!(paths.config_path, home.path().join(".moltbot/moltbot.json"));

        std::fs::create_dir(home.path().join(".openclaw")).unwrap();
        let paths = StatePaths::resolve(&Env::default(), home.path());
        assert_eq!(paths.state_dir, home.path().join(".openclaw"));
    }

    #[test]
    fn legacy_config_names_are_found_in_order() {
        let home = tempfile::tempdir().unwrap();
        let state = home.path().join(".openclaw");
        std::fs::create_dir(&state).unwrap();
        std::fs::write(state.join("moldbot.json"), "{}").unwrap();
        std::fs::write(state.join("clawdbot.json"), "{}").unwrap();
        let paths = StatePaths::resolve(&Env::default(), home.path());
        assert_eq!(paths.config_path, state.join("clawdbot.json"));
        std::fs::write(state.join("openclaw.json"), "{}").unwrap();
        let paths = StatePaths::resolve(&Env::default(), home.path());
        assert_eq!(paths.config_path, state.join("openclaw.json"));
    }

    #[test]
    fn profiles_set_state_and_config_unless_already_set() {
        let home = PathBuf::from("/home/u");
        let mut env = Env::default();
        apply_profile(&mut env, "work", &home).unwrap();
        assert_eq!(env.get("OPENCLAW_PROFILE"), Some("work"));
        assert_eq!(
            env.get("OPENCLAW_STATE_DIR"),
            Some("/home/u/.openclaw-work")
        );
        assert_eq!(
            env.get("OPENCLAW_CONFIG_PATH"),
            Some("/home/u/.openclaw-work/openclaw.json")
        );
        assert_eq!(env.get("OPENCLAW_GATEWAY_PORT"), None);

        let mut env = Env::from_pairs([("OPENCLAW_STATE_DIR", "/data")]);
        apply_profile(&mut env, "dev", &home).unwrap();
        assert_eq!(env.get("OPENCLAW_STATE_DIR"), Some("/data"));
        assert_eq!(env.get("OPENCLAW_CONFIG_PATH"), Some("/data/openclaw.json"));
        assert_eq!(env.get("OPENCLAW_GATEWAY_PORT"), Some("19001"));

        let mut env = Env::from_pairs([("OPENCLAW_GATEWAY_PORT", "3000")]);
        apply_profile(&mut env, "dev", &home).unwrap();
        assert_eq!(env.get("OPENCLAW_STATE_DIR"), Some("/home/u/.openclaw-dev"));
        assert_eq!(env.get("OPENCLAW_GATEWAY_PORT"), Some("3000"));

        let mut env = Env::default();
        apply_profile(&mut env, "default", &home).unwrap();
        assert_eq!(env.get("OPENCLAW_STATE_DIR"), Some("/home/u/.openclaw"));
    }

    #[test]
    fn invalid_profile_names_are_rejected() {
        let mut env = Env::default();
        for bad in ["", "-x", "a/b", "a b", &"x".repeat(65)] {
            assert!(
                apply_profile(&mut env, bad, Path::new("/h")).is_err(),
                "{bad}"
            );
        }
        assert!(env.is_empty());
    }

    #[test]
    fn agent_dirs_and_workspaces_follow_config_then_defaults() {
        let home = PathBuf::from("/home/u");
        let env = Env::from_pairs([
            ("OPENCLAW_STATE_DIR", "/data"),
            ("PI_CODING_AGENT_DIR", "~/pi-agent"),
        ]);
        let paths = StatePaths::resolve(&env, &home);
        let config: Config = serde_json::from_value(serde_json::json!({
            "agents": {
                "defaults": {"workspace": "~/ws-default"},
                "list": [
                    {"id": "Main", "default": true},
                    {"id": "ops", "agentDir": "~/ops-agent", "workspace": "/srv/ops"},
                    {"id": "qa"}
                ]
            }
        }))
        .unwrap();
        assert_eq!(
            paths.resolve_agent_dir(&config, "main"),
            home.join("pi-agent")
        );
        assert_eq!(
            paths.resolve_agent_dir(&config, "OPS"),
            home.join("ops-agent")
        );
        assert_eq!(
            paths.resolve_agent_dir(&config, "qa"),
            PathBuf::from("/data/agents/qa/agent")
        );
        assert_eq!(
            paths.resolve_workspace(&config, "main"),
            home.join("ws-default")
        );
        assert_eq!(
            paths.resolve_workspace(&config, "ops"),
            PathBuf::from("/srv/ops")
        );
        assert_eq!(
            paths.resolve_workspace(&config, "qa"),
            PathBuf::from("/data/workspace-qa")
        );
        let empty = Config::default();
        assert_eq!(
            paths.resolve_workspace(&empty, "main"),
            PathBuf::from("/data/workspace")
        );
    }

    #[test]
    fn tilde_expansion() {
        let home = Path::new("/home/u");
        assert_eq!(expand_tilde("~", home), PathBuf::from("/home/u"));
        assert_eq!(expand_tilde("~/x/y", home), PathBuf::from("/home/u/x/y"));
        assert_eq!(expand_tilde("/abs", home), PathBuf::from("/abs"));
        assert_eq!(expand_tilde("~other/x", home), PathBuf::from("~other/x"));
    }
}
