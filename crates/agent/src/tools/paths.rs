//! Confining a model-supplied path to the agent workspace.
//!
//! Relative paths are taken from the workspace; absolute ones (and `~/…`) must point inside it.
//! `..` is resolved lexically and may not climb above the workspace. Symlinks are then checked
//! by canonicalizing the deepest part of the path that exists — so a path that does not exist yet
//! (a `write` target) is checked through its nearest existing ancestor — and requiring the result
//! to stay inside the canonical workspace. The returned path has that existing part resolved, so
//! the tool acts on what was checked.
//!
//! Limit: a symlink swapped in between the check and the open (by another process in the
//! workspace) is not caught; the agent itself can only create symlinks through `exec`, which is
//! already unconfined.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a path was refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("the path is empty; pass a file path relative to the workspace")]
    Empty,
    #[error(
        "{path}: \"..\" climbs out of the workspace; use a path inside {}",
        workspace.display()
    )]
    Traversal { path: String, workspace: PathBuf },
    #[error(
        "{path}: absolute paths must point inside the workspace {}; use a path relative to it",
        workspace.display()
    )]
    OutsideWorkspace { path: String, workspace: PathBuf },
    #[error(
        "{path}: a symlink in this path leads outside the workspace (to {}); only files inside {} are reachable",
        target.display(),
        workspace.display()
    )]
    SymlinkEscape {
        path: String,
        target: PathBuf,
        workspace: PathBuf,
    },
    #[error("{path}: cannot resolve this path (a dangling symlink?): {source}")]
    Unresolvable {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "the agent workspace {} is not available ({source}); check agents.defaults.workspace / agents.list[].workspace",
        workspace.display()
    )]
    Workspace {
        workspace: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: the path check was interrupted; try again")]
    Interrupted { path: String },
}

/// Resolves `raw` inside `workspace` (see the module docs). Runs the file-system checks off the
/// async runtime.
pub(crate) async fn resolve(workspace: &Path, raw: &str) -> Result<PathBuf, PathError> {
    let workspace = workspace.to_path_buf();
    let owned = raw.to_owned();
    tokio::task::spawn_blocking(move || resolve_blocking(&workspace, &owned))
        .await
        .unwrap_or_else(|_| {
            Err(PathError::Interrupted {
                path: raw.to_owned(),
            })
        })
}

/// The canonical workspace directory.
fn canonical_workspace(workspace: &Path) -> Result<PathBuf, PathError> {
    std::fs::canonicalize(workspace).map_err(|source| PathError::Workspace {
        workspace: workspace.to_path_buf(),
        source,
    })
}

pub(crate) fn resolve_blocking(workspace: &Path, raw: &str) -> Result<PathBuf, PathError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(PathError::Empty);
    }
    let canonical_ws = canonical_workspace(workspace)?;
    let expanded = expand_home(trimmed);
    let relative = if expanded.is_absolute() {
        let normalized = normalize_absolute(&expanded);
        let given_ws = std::path::absolute(workspace)
            .map(|ws| normalize_absolute(&ws))
            .unwrap_or_else(|_| canonical_ws.clone());
        normalized
            .strip_prefix(&canonical_ws)
            .or_else(|_| normalized.strip_prefix(&given_ws))
            .map(Path::to_path_buf)
            .map_err(|_| PathError::OutsideWorkspace {
                path: trimmed.to_owned(),
                workspace: workspace.to_path_buf(),
            })?
    } else {
        normalize_relative(&expanded).ok_or_else(|| PathError::Traversal {
            path: trimmed.to_owned(),
            workspace: workspace.to_path_buf(),
        })?
    };
    confine(&canonical_ws, &relative, trimmed)
}

/// Checks symlinks along `relative` (already free of `..`) and returns the resolved path.
fn confine(canonical_ws: &Path, relative: &Path, shown: &str) -> Result<PathBuf, PathError> {
    let parts: Vec<Component<'_>> = relative.components().collect();
    let mut existing = parts.len();
    while existing > 0 {
        let prefix: PathBuf = parts[..existing].iter().collect();
        if std::fs::symlink_metadata(canonical_ws.join(&prefix)).is_ok() {
            break;
        }
        existing -= 1;
    }
    let prefix: PathBuf = parts[..existing].iter().collect();
    let resolved = std::fs::canonicalize(canonical_ws.join(&prefix)).map_err(|source| {
        PathError::Unresolvable {
            path: shown.to_owned(),
            source,
        }
    })?;
    if !resolved.starts_with(canonical_ws) {
        return Err(PathError::SymlinkEscape {
            path: shown.to_owned(),
            target: resolved,
            workspace: canonical_ws.to_path_buf(),
        });
    }
    let rest: PathBuf = parts[existing..].iter().collect();
    Ok(if rest.as_os_str().is_empty() {
        resolved
    } else {
        resolved.join(rest)
    })
}

fn expand_home(raw: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    if raw == "~" {
        if let Some(home) = home() {
            return home;
        }
    } else if let Some(rest) = raw.strip_prefix("~/")
        && let Some(home) = home()
    {
        return home.join(rest);
    }
    PathBuf::from(raw)
}

/// `.`/`..` resolved lexically; `None` if `..` climbs above the start.
fn normalize_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `.`/`..` resolved lexically for an absolute path (`..` at the root stays at the root).
fn normalize_absolute(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalization() {
        assert_eq!(
            normalize_relative(Path::new("a/./b/../c")),
            Some(PathBuf::from("a/c"))
        );
        assert_eq!(normalize_relative(Path::new("a/../..")), None);
        assert_eq!(normalize_relative(Path::new("..")), None);
        assert_eq!(normalize_relative(Path::new(".")), Some(PathBuf::new()));
        assert_eq!(
            normalize_absolute(Path::new("/w/a/../../etc")),
            PathBuf::from("/etc")
        );
        assert_eq!(normalize_absolute(Path::new("/../x")), PathBuf::from("/x"));
    }

    #[test]
    fn resolves_inside_and_refuses_outside() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::create_dir(ws.join("sub")).unwrap();
        let canonical = std::fs::canonicalize(ws).unwrap();
        assert_eq!(
            resolve_blocking(ws, "sub/new/file.txt").unwrap(),
            canonical.join("sub/new/file.txt")
        );
        assert_eq!(
            resolve_blocking(ws, "sub/../x").unwrap(),
            canonical.join("x")
        );
        let inside_abs = ws.join("sub/f").to_string_lossy().into_owned();
        assert_eq!(
            resolve_blocking(ws, &inside_abs).unwrap(),
            canonical.join("sub/f")
        );
        assert!(matches!(
            resolve_blocking(ws, "../x"),
            Err(PathError::Traversal { .. })
        ));
        assert!(matches!(
            resolve_blocking(ws, "/etc/passwd"),
            Err(PathError::OutsideWorkspace { .. })
        ));
        assert!(matches!(resolve_blocking(ws, "  "), Err(PathError::Empty)));
    }

    #[test]
    fn symlinks_are_followed_only_inside() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::create_dir(ws.join("real")).unwrap();
        std::os::unix::fs::symlink(ws.join("real"), ws.join("inner")).unwrap();
        std::os::unix::fs::symlink(outside.path(), ws.join("escape")).unwrap();
        std::os::unix::fs::symlink(ws.join("missing"), ws.join("dangling")).unwrap();
        let canonical = std::fs::canonicalize(ws).unwrap();
        assert_eq!(
            resolve_blocking(ws, "inner/a.txt").unwrap(),
            canonical.join("real/a.txt")
        );
        let err = resolve_blocking(ws, "escape/new/file").unwrap_err();
        assert!(matches!(err, PathError::SymlinkEscape { .. }), "{err}");
        assert!(err.to_string().contains("escape/new/file"), "{err}");
        assert!(matches!(
            resolve_blocking(ws, "dangling"),
            Err(PathError::Unresolvable { .. })
        ));
    }
}
