//! What `openclaw doctor --fix` may change by itself: file modes, and config migrations whose
//! result is unambiguous. Config changes are made on the file's own tree (what the user wrote,
//! `${VAR}` references intact), written once through the config crate's writer (validated, with
//! a rotated `.bak`), and never remove a key the migration does not replace.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// A repair `--fix` can apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
    /// Set the permission bits of a file or directory.
    Chmod { path: PathBuf, mode: u32 },
    /// Change the config file.
    Config(Migration),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Migration {
    /// `gateway.token` → `gateway.auth.token` (the gateway ignores the old key).
    GatewayToken,
    /// `channels.discord.requireMention` → every listed guild that does not set its own.
    DiscordRequireMention,
    /// `dmPolicy`/`allowFrom` beside a Discord section or account → `dm.policy`/`dm.allowFrom`.
    /// `scope` is the JSON pointer of the section or account.
    DiscordDmPolicy { scope: String },
    /// A legacy top-level section moved whole to its new place when that place is empty:
    /// `discord` → `channels.discord` (and the other channels), `agent` → `agents.defaults`.
    LegacyMove { key: String, target: Vec<String> },
    /// A fresh random `gateway.auth.token` (only with `--generate-gateway-token`).
    GenerateGatewayToken,
}

impl Repair {
    pub fn describe(&self) -> String {
        match self {
            Repair::Chmod { path, mode } => format!("chmod {mode:o} {}", path.display()),
            Repair::Config(m) => m.describe(),
        }
    }
}

impl Migration {
    pub fn describe(&self) -> String {
        match self {
            Migration::GatewayToken => "move gateway.token to gateway.auth.token".into(),
            Migration::DiscordRequireMention => {
                "move channels.discord.requireMention into each guild entry (guilds.<id>.requireMention)"
                    .into()
            }
            Migration::DiscordDmPolicy { scope } => format!(
                "move {0}.dmPolicy/allowFrom to {0}.dm.policy/dm.allowFrom",
                pointer_to_path(scope)
            ),
            Migration::LegacyMove { key, target } => {
                format!("move top-level {key} to {}", target.join("."))
            }
            Migration::GenerateGatewayToken => "set gateway.auth.token to a new random token".into(),
        }
    }

    /// Applies the migration to `tree`; `Err` says why it was left alone.
    pub fn apply(&self, tree: &mut Value) -> Result<(), String> {
        match self {
            Migration::GatewayToken => migrate_gateway_token(tree),
            Migration::DiscordRequireMention => migrate_require_mention(tree),
            Migration::DiscordDmPolicy { scope } => migrate_dm_policy(tree, scope),
            Migration::LegacyMove { key, target } => migrate_legacy_move(tree, key, target),
            Migration::GenerateGatewayToken => {
                let auth = object_at(tree, &["gateway", "auth"])?;
                auth.insert("token".into(), json!(generate_token()));
                Ok(())
            }
        }
    }
}

/// 256 bits of randomness as 64 hex characters (two v4 UUIDs minus their fixed bits).
pub fn generate_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn pointer_to_path(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// The object at `path` under `tree`, created when missing; an existing non-object is an error.
fn object_at<'a>(tree: &'a mut Value, path: &[&str]) -> Result<&'a mut Map<String, Value>, String> {
    let mut node = tree;
    for key in path {
        let Value::Object(map) = node else {
            return Err(format!("{key}: its parent is not an object"));
        };
        node = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    match node {
        Value::Object(map) => Ok(map),
        _ => Err(format!("{} is not an object", path.join("."))),
    }
}

fn migrate_gateway_token(tree: &mut Value) -> Result<(), String> {
    let legacy = tree
        .pointer("/gateway/token")
        .cloned()
        .ok_or("gateway.token is not set")?;
    if let Some(current) = tree.pointer("/gateway/auth/token")
        && *current != legacy
    {
        return Err(
            "gateway.auth.token is already set to a different value; keep the one your clients use and delete the other by hand"
                .into(),
        );
    }
    object_at(tree, &["gateway", "auth"])?.insert("token".into(), legacy);
    if let Some(gateway) = tree.get_mut("gateway").and_then(Value::as_object_mut) {
        gateway.remove("token");
    }
    Ok(())
}

fn migrate_require_mention(tree: &mut Value) -> Result<(), String> {
    let value = tree
        .pointer("/channels/discord/requireMention")
        .cloned()
        .ok_or("channels.discord.requireMention is not set")?;
    let guilds = tree
        .pointer("/channels/discord/guilds")
        .and_then(Value::as_object)
        .map(|g| g.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    if guilds.is_empty() {
        return Err(
            "no guilds are listed under channels.discord.guilds, so there is nowhere to move it; add your guild (channels.discord.guilds.<id>.requireMention) and delete the top-level key"
                .into(),
        );
    }
    for guild in guilds {
        let entry = object_at(tree, &["channels", "discord", "guilds", &guild])?;
        entry.entry("requireMention").or_insert(value.clone());
    }
    if let Some(discord) = tree
        .pointer_mut("/channels/discord")
        .and_then(Value::as_object_mut)
    {
        discord.remove("requireMention");
    }
    Ok(())
}

fn migrate_dm_policy(tree: &mut Value, scope: &str) -> Result<(), String> {
    let not_object = || format!("{} is not an object", pointer_to_path(scope));
    let section = tree
        .pointer_mut(scope)
        .and_then(Value::as_object_mut)
        .ok_or_else(not_object)?;
    let existing = match section.get("dm") {
        None => Map::new(),
        Some(Value::Object(dm)) => dm.clone(),
        Some(_) => return Err(format!("{}.dm is not an object", pointer_to_path(scope))),
    };
    let mut moved = Map::new();
    let mut conflicts = Vec::new();
    for (old, new) in [("dmPolicy", "policy"), ("allowFrom", "allowFrom")] {
        let Some(value) = section.get(old) else {
            continue;
        };
        match existing.get(new) {
            Some(current) if current != value => conflicts.push(format!("{old} vs dm.{new}")),
            _ => {
                moved.insert(new.to_owned(), value.clone());
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(format!(
            "both forms are set with different values ({}); keep one by hand",
            conflicts.join(", ")
        ));
    }
    section.remove("dmPolicy");
    section.remove("allowFrom");
    let mut dm = existing;
    dm.extend(moved);
    section.insert("dm".into(), Value::Object(dm));
    Ok(())
}

fn migrate_legacy_move(tree: &mut Value, key: &str, target: &[String]) -> Result<(), String> {
    let (last, parents) = target.split_last().ok_or("the migration has no target")?;
    let pointer: String = target.iter().map(|k| format!("/{k}")).collect();
    if tree.pointer(&pointer).is_some() {
        return Err(format!(
            "{} already exists; merge the top-level {key} section into it by hand",
            target.join(".")
        ));
    }
    let Some(root) = tree.as_object_mut() else {
        return Err("the config is not an object".into());
    };
    let section = root
        .remove(key)
        .ok_or_else(|| format!("top-level {key} is not set"))?;
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    object_at(tree, &parents)?.insert(last.clone(), section);
    Ok(())
}

/// `chmod`, refusing symlinks (a link to a file elsewhere is not ours to change).
pub fn chmod(path: &Path, mode: u32) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{} is a symlink; change the file it points to by hand",
            path.display()
        ));
    }
    set_mode(path, mode).map_err(|e| format!("cannot chmod {}: {e}", path.display()))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_token_moves_and_keeps_siblings() {
        let mut tree = json!({"gateway": {"token": "abc", "port": 1, "auth": {"mode": "token"}}});
        Migration::GatewayToken.apply(&mut tree).unwrap_or_default();
        assert_eq!(
            tree,
            json!({"gateway": {"port": 1, "auth": {"mode": "token", "token": "abc"}}})
        );
    }

    #[test]
    fn gateway_token_conflict_is_left_alone() {
        let mut tree = json!({"gateway": {"token": "abc", "auth": {"token": "xyz"}}});
        assert!(Migration::GatewayToken.apply(&mut tree).is_err());
    }

    #[test]
    fn require_mention_moves_into_guilds_without_overriding() {
        let mut tree = json!({"channels": {"discord": {"requireMention": false,
            "guilds": {"1": {}, "2": {"requireMention": true}}}}});
        Migration::DiscordRequireMention
            .apply(&mut tree)
            .unwrap_or_default();
        assert_eq!(
            tree,
            json!({"channels": {"discord": {"guilds": {
                "1": {"requireMention": false}, "2": {"requireMention": true}}}}})
        );
    }

    #[test]
    fn dm_policy_moves_under_dm() {
        let mut tree =
            json!({"channels": {"discord": {"dmPolicy": "pairing", "allowFrom": ["1"], "x": 1}}});
        Migration::DiscordDmPolicy {
            scope: "/channels/discord".into(),
        }
        .apply(&mut tree)
        .unwrap_or_default();
        assert_eq!(
            tree,
            json!({"channels": {"discord": {"x": 1, "dm": {"policy": "pairing", "allowFrom": ["1"]}}}})
        );
    }

    #[test]
    fn legacy_channel_moves_under_channels() {
        let mut tree = json!({"discord": {"token": "t"}, "channels": {"telegram": {}}});
        Migration::LegacyMove {
            key: "discord".into(),
            target: vec!["channels".into(), "discord".into()],
        }
        .apply(&mut tree)
        .unwrap_or_default();
        assert_eq!(
            tree,
            json!({"channels": {"telegram": {}, "discord": {"token": "t"}}})
        );
    }
}
