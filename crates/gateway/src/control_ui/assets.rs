//! Where the Control UI's files come from: the copy embedded at build time (`build.rs`), or a
//! directory on disk named by [`OVERRIDE_DIR_ENV`] for UI development (edit, reload the page).

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// One file of `ui/` as embedded by `build.rs`.
pub struct EmbeddedFile {
    pub path: &'static str,
    pub raw: &'static [u8],
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/control_ui_assets.rs"));

/// Environment variable naming a directory served instead of the embedded UI.
pub const OVERRIDE_DIR_ENV: &str = "OPENCLAW_CONTROL_UI_DIR";

/// Largest file read from the override directory (the UI's files are a few KB each).
const MAX_OVERRIDE_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The encodings a file is available in.
pub struct Variants {
    pub raw: Cow<'static, [u8]>,
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

/// Embedded files, or a development directory.
#[derive(Debug, Clone)]
pub enum Source {
    Embedded,
    Dir(PathBuf),
}

impl Source {
    /// The override directory when the variable names one, else the embedded copy.
    pub fn from_env(value: Option<&str>) -> Self {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(dir) => Source::Dir(PathBuf::from(dir)),
            None => Source::Embedded,
        }
    }

    /// What names this build in asset URLs: the content hash, or `dev` for a directory (whose
    /// files can change between requests and are therefore never cached).
    pub fn build_id(&self) -> &'static str {
        match self {
            Source::Embedded => BUILD_HASH,
            Source::Dir(_) => "dev",
        }
    }

    pub fn is_embedded(&self) -> bool {
        matches!(self, Source::Embedded)
    }

    /// The file at `relative` (`/`-separated, no leading slash), if it exists and stays inside
    /// the UI root.
    pub fn get(&self, relative: &str) -> Option<Variants> {
        if !is_safe_relative(relative) {
            return None;
        }
        match self {
            Source::Embedded => FILES
                .binary_search_by(|file| file.path.cmp(relative))
                .ok()
                .and_then(|index| FILES.get(index))
                .map(|file| Variants {
                    raw: Cow::Borrowed(file.raw),
                    gzip: file.gzip,
                    brotli: file.brotli,
                }),
            Source::Dir(root) => read_override(root, relative).map(|bytes| Variants {
                raw: Cow::Owned(bytes),
                gzip: None,
                brotli: None,
            }),
        }
    }
}

fn read_override(root: &Path, relative: &str) -> Option<Vec<u8>> {
    let path = root.join(relative);
    let metadata = std::fs::metadata(&path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_OVERRIDE_FILE_BYTES {
        return None;
    }
    // Symlinks may point anywhere; only files really under the root are served.
    let canonical_root = root.canonicalize().ok()?;
    let canonical = path.canonicalize().ok()?;
    if !canonical.starts_with(&canonical_root) {
        return None;
    }
    std::fs::read(canonical).ok()
}

/// Plain path segments only: no `..`, no absolute paths, no empty or hidden segments.
fn is_safe_relative(relative: &str) -> bool {
    if relative.is_empty() || relative.contains('\\') || relative.contains('\0') {
        return false;
    }
    relative.split('/').all(|segment| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && Path::new(segment)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
    })
}

/// `Content-Type` by file extension.
pub fn content_type(relative: &str) -> &'static str {
    let extension = relative.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_is_sorted_and_holds_the_shell() {
        assert!(FILES.windows(2).all(|w| w[0].path < w[1].path));
        let index = Source::Embedded.get("index.html");
        assert!(index.is_some(), "ui/index.html must be embedded");
        assert!(index.is_some_and(|v| v.gzip.is_some() && v.brotli.is_some()));
    }

    #[test]
    fn traversal_and_hidden_paths_are_refused() {
        for bad in [
            "../Cargo.toml",
            "/etc/passwd",
            "a//b",
            ".git/config",
            "js/../x",
            "",
        ] {
            assert!(!is_safe_relative(bad), "{bad}");
        }
        assert!(is_safe_relative("js/app.js"));
    }

    #[test]
    fn override_dir_serves_its_files_and_nothing_outside() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ui = dir.path().join("ui");
        std::fs::create_dir(&ui).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ui.join("index.html"), "dev shell").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("secret"), "no").unwrap_or_else(|e| panic!("{e}"));
        let source = Source::from_env(ui.to_str());
        assert_eq!(source.build_id(), "dev");
        let got = source.get("index.html").map(|v| v.raw.into_owned());
        assert_eq!(got.as_deref(), Some(&b"dev shell"[..]));
        assert!(source.get("../secret").is_none());
        assert!(source.get("missing.js").is_none());
    }
}
