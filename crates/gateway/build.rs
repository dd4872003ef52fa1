//! Embeds the Control UI (`<workspace>/ui`) into the gateway binary.
//!
//! Every file under `ui/` becomes an entry of a generated table (`control_ui_assets.rs` in
//! `OUT_DIR`) with its raw bytes and, for text types, gzip and brotli variants compressed here
//! once at maximum quality, so the server never compresses at run time. A SHA-256 over all
//! paths and contents names the build: assets are served under `assets/<hash>/`, which lets
//! browsers cache them forever while a changed UI always gets new URLs.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

type BoxError = Box<dyn std::error::Error>;

/// Types worth compressing (images and fonts are already compressed).
const COMPRESSIBLE: &[&str] = &["html", "js", "css", "svg", "json", "txt", "webmanifest"];

fn main() -> Result<(), BoxError> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let ui_dir = manifest.join("../../ui");
    println!("cargo:rerun-if-changed={}", ui_dir.display());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut files = Vec::new();
    if ui_dir.is_dir() {
        collect(&ui_dir, &ui_dir, &mut files)?;
    }
    files.sort();
    let mut build_hash = Sha256::new();
    let mut table = String::new();
    for (index, relative) in files.iter().enumerate() {
        let source = ui_dir.join(relative);
        println!("cargo:rerun-if-changed={}", source.display());
        let bytes = std::fs::read(&source)?;
        build_hash.update(relative.as_bytes());
        build_hash.update([0]);
        build_hash.update(&bytes);
        let extension = Path::new(relative)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        let (gzip, brotli) = if COMPRESSIBLE.contains(&extension) {
            let gzip_path = out_dir.join(format!("ui-{index}.gz"));
            let brotli_path = out_dir.join(format!("ui-{index}.br"));
            std::fs::write(&gzip_path, gzip_bytes(&bytes)?)?;
            std::fs::write(&brotli_path, brotli_bytes(&bytes)?)?;
            (
                format!(
                    "Some(include_bytes!({:?}))",
                    gzip_path.display().to_string()
                ),
                format!(
                    "Some(include_bytes!({:?}))",
                    brotli_path.display().to_string()
                ),
            )
        } else {
            ("None".to_string(), "None".to_string())
        };
        writeln!(
            table,
            "    EmbeddedFile {{ path: {relative:?}, raw: include_bytes!({:?}), gzip: {gzip}, brotli: {brotli} }},",
            source.display().to_string()
        )?;
    }
    let digest = build_hash.finalize();
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let generated = format!(
        "/// Short content hash of every embedded file (names the immutable asset URLs).\n\
         pub const BUILD_HASH: &str = {hash:?};\n\
         /// Every file under `ui/`, sorted by path.\n\
         pub static FILES: &[EmbeddedFile] = &[\n{table}];\n"
    );
    std::fs::write(out_dir.join("control_ui_assets.rs"), generated)?;
    Ok(())
}

/// Relative `/`-separated paths of every regular file under `dir`; dot files are skipped.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) -> Result<(), BoxError> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect(root, &path, files)?;
        } else {
            let relative = path.strip_prefix(root)?;
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
    Ok(())
}

fn gzip_bytes(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn brotli_bytes(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
        writer.flush()?;
    }
    Ok(out)
}
