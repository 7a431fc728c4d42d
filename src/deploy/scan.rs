//! The local side of a deploy: the files of `site/` with a digest of their bytes, in the kind
//! the target compares (MD5 for S3's ETags, SHA-1 for Netlify).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use md5::Digest as _;
use rayon::prelude::*;

/// Which digest the target compares: S3's ETag is the MD5 of a simply uploaded object; Netlify
/// names files by their SHA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestKind {
    Md5,
    Sha1,
}

/// A file of `site/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// The site path: `/`-separated, no leading slash (`chat/page-2.html`).
    pub path: String,
    pub abs: PathBuf,
    pub size: u64,
    /// Lowercase hex.
    pub digest: String,
}

/// Every file under `site_dir`, with its digest, sorted by path. Temporary files of a build that
/// is writing at the same moment are left out.
pub fn scan_site(site_dir: &Path, kind: DigestKind) -> Result<Vec<LocalFile>> {
    if !site_dir.is_dir() {
        bail!(
            "{} does not exist: run `scrollback build` first",
            site_dir.display()
        );
    }
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(site_dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot list {}", site_dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        if entry.file_name().to_string_lossy().starts_with(".tmp-") {
            continue; // fsio's atomic-write temporaries
        }
        paths.push(site_path(site_dir, entry.path())?);
    }
    let files = paths
        .into_par_iter()
        .map(|rel| local_file(site_dir, &rel, kind))
        .collect::<Result<Vec<_>>>()?;
    Ok(files)
}

/// The given site paths: those that exist as files (with digests), and those that do not.
pub fn scan_paths(
    site_dir: &Path,
    paths: &BTreeSet<String>,
    kind: DigestKind,
) -> Result<(Vec<LocalFile>, Vec<String>)> {
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for rel in paths {
        check_site_path(rel)?;
        if site_dir.join(rel).is_file() {
            present.push(local_file(site_dir, rel, kind)?);
        } else {
            missing.push(rel.clone());
        }
    }
    Ok((present, missing))
}

fn site_path(site_dir: &Path, path: &Path) -> Result<String> {
    let rel = path.strip_prefix(site_dir).unwrap_or(path);
    let Some(rel) = rel.to_str() else {
        bail!(
            "{} has a name that is not UTF-8: it cannot be published under a URL",
            path.display()
        );
    };
    Ok(rel.replace('\\', "/"))
}

/// The continuous deployer's notifications name files by site path; anything that could reach
/// outside `site/` is refused.
fn check_site_path(rel: &str) -> Result<()> {
    if rel.is_empty()
        || rel.starts_with('/')
        || rel
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        bail!("{rel:?} is not a path inside site/");
    }
    Ok(())
}

fn local_file(site_dir: &Path, rel: &str, kind: DigestKind) -> Result<LocalFile> {
    let abs = site_dir.join(rel);
    let (size, digest) = digest_file(&abs, kind)?;
    Ok(LocalFile {
        path: rel.to_owned(),
        abs,
        size,
        digest,
    })
}

/// The size and hex digest of a file, read in blocks.
pub fn digest_file(path: &Path, kind: DigestKind) -> Result<(u64, String)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut md5 = md5::Md5::new();
    let mut sha1 = sha1::Sha1::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        match kind {
            DigestKind::Md5 => md5.update(&buf[..n]),
            DigestKind::Sha1 => sha1.update(&buf[..n]),
        }
    }
    let digest = match kind {
        DigestKind::Md5 => hex::encode(md5.finalize()),
        DigestKind::Sha1 => hex::encode(sha1.finalize()),
    };
    Ok((size, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_and_digests() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/x.txt"), b"hello").unwrap();
        std::fs::write(dir.path().join("a/.tmp-123"), b"partial").unwrap();
        let md5 = scan_site(dir.path(), DigestKind::Md5).unwrap();
        assert_eq!(md5.len(), 1);
        assert_eq!(md5[0].path, "a/x.txt");
        assert_eq!(md5[0].digest, "5d41402abc4b2a76b9719d911017c592");
        let sha = scan_site(dir.path(), DigestKind::Sha1).unwrap();
        assert_eq!(sha[0].digest, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
        let wanted: BTreeSet<String> = ["a/x.txt".to_owned(), "gone.html".to_owned()].into();
        let (present, missing) = scan_paths(dir.path(), &wanted, DigestKind::Md5).unwrap();
        assert_eq!(present.len(), 1);
        assert_eq!(missing, vec!["gone.html"]);
        let bad: BTreeSet<String> = ["../etc/passwd".to_owned()].into();
        assert!(scan_paths(dir.path(), &bad, DigestKind::Md5).is_err());
        let err = scan_site(&dir.path().join("nope"), DigestKind::Md5).unwrap_err();
        assert!(err.to_string().contains("scrollback build"));
    }
}
