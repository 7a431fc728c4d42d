//! Publishing `site/` to where readers get it: an S3 bucket (or any S3-compatible store) or a
//! Netlify site, uploading only what changed.
//!
//! Every target works the same way, and this module holds the part they share: list the local
//! files with a digest of their bytes, compare them with what the target already serves, and
//! make a [`Plan`] of what to upload and what to delete. The plan orders uploads so that a reader
//! never gets a page whose assets or feeds are not there yet (assets first, then feeds, then
//! pages, the index last), and refuses a `--delete` that would remove a large share of the
//! target, which usually means the wrong bucket or prefix. Nothing is remembered between runs: a
//! deploy interrupted halfway is simply run again, and the comparison finds what is still missing.

pub mod headers;
pub mod live;
pub mod netlify;
#[cfg(feature = "s3")]
pub mod s3;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use md5::Digest as _;
use rayon::prelude::*;

use crate::config::DeployConfig;
use crate::progress::{Progress, ProgressMode};

/// Where a site is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `s3://bucket/prefix`: objects are `prefix/<site path>`.
    S3 { bucket: String, prefix: String },
    /// A Netlify site (its ID comes from `--site` or `[deploy] netlify_site`).
    Netlify,
}

impl Target {
    /// Parses `s3://bucket[/prefix]` or `netlify`.
    pub fn parse(text: &str) -> Result<Target> {
        if text == "netlify" {
            return Ok(Target::Netlify);
        }
        let Some(rest) = text.strip_prefix("s3://") else {
            bail!("{text:?} is not a deploy target: use s3://BUCKET/PATH or netlify");
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b))
            && !bucket.starts_with(['-', '.'])
            && !bucket.ends_with(['-', '.']);
        if !valid_bucket {
            bail!(
                "{text:?}: {bucket:?} is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and dashes)"
            );
        }
        let prefix = prefix.trim_matches('/');
        if prefix
            .split('/')
            .any(|c| c == "." || c == ".." || (c.is_empty() && !prefix.is_empty()))
        {
            bail!("{text:?}: the path after the bucket must be plain folder names");
        }
        Ok(Target::S3 {
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            Target::Netlify => f.write_str("netlify"),
        }
    }
}

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

/// A file the target already serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub path: String,
    pub size: Option<u64>,
    /// Lowercase hex of the same [`DigestKind`] as the local files; `None` when the target's
    /// digest is not a plain one (an S3 multipart ETag), so the file is uploaded again.
    pub digest: Option<String>,
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

/// A live notification names files by site path; anything that could reach outside `site/` is
/// refused.
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

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    New,
    Changed,
}

/// What a deploy does.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// In publishing order (see [`publish_rank`]).
    pub uploads: Vec<(LocalFile, Change)>,
    pub unchanged: usize,
    /// Site paths the target has and `site/` has not, sorted; only with `--delete`.
    pub deletes: Vec<String>,
    /// Site paths the target has and `site/` has not, left in place (no `--delete`).
    pub stale: usize,
    /// How many files the target had.
    pub remote_count: usize,
}

/// How the plan compares.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Remove what `site/` no longer has.
    pub delete: bool,
    /// Upload every file, changed or not (after changing cache rules, say).
    pub force_upload: bool,
}

/// Compares the local files with the target's.
pub fn plan(local: Vec<LocalFile>, remote: &[RemoteFile], options: PlanOptions) -> Plan {
    let remote_by_path: BTreeMap<&str, &RemoteFile> =
        remote.iter().map(|r| (r.path.as_str(), r)).collect();
    let local_paths: BTreeSet<String> = local.iter().map(|f| f.path.clone()).collect();
    let mut plan = Plan {
        remote_count: remote.len(),
        ..Plan::default()
    };
    for file in local {
        match remote_by_path.get(file.path.as_str()) {
            None => plan.uploads.push((file, Change::New)),
            Some(r) => {
                let same = r.digest.as_deref() == Some(file.digest.as_str())
                    && r.size.is_none_or(|s| s == file.size);
                if same && !options.force_upload {
                    plan.unchanged += 1;
                } else {
                    plan.uploads.push((file, Change::Changed));
                }
            }
        }
    }
    let gone: Vec<String> = remote_by_path
        .keys()
        .filter(|p| !local_paths.contains(**p))
        .map(|p| (*p).to_owned())
        .collect();
    if options.delete {
        plan.deletes = gone;
    } else {
        plan.stale = gone.len();
    }
    order_uploads(&mut plan.uploads);
    plan
}

/// Sorts uploads into publishing order.
pub fn order_uploads(uploads: &mut [(LocalFile, Change)]) {
    uploads.sort_by(|(a, _), (b, _)| {
        (publish_rank(&a.path), &a.path).cmp(&(publish_rank(&b.path), &b.path))
    });
}

/// The wave a file is published in: every file of a wave is in place before the next wave
/// starts, so what a page needs is there before the page, and the index (which links to the
/// chats) comes last.
/// 0: assets (style sheets, emoji, uploads); 1: feeds; 2: further chat pages (`page-N.html`);
/// 3: other HTML (a chat's first page links to its further pages); 4: the site's `index.html`.
pub fn publish_rank(path: &str) -> u8 {
    let name = path.rsplit('/').next().unwrap_or(path);
    if path == "index.html" {
        4
    } else if name.ends_with(".html") && name.starts_with("page-") {
        2
    } else if name.ends_with(".html") {
        3
    } else if matches!(name, "feed.json" | "feed.jsonp" | "live.json") {
        1
    } else {
        0
    }
}

impl Plan {
    /// The uploads grouped into waves of equal [`publish_rank`], in order.
    pub fn waves(&self) -> Vec<&[(LocalFile, Change)]> {
        self.uploads
            .chunk_by(|(a, _), (b, _)| publish_rank(&a.path) == publish_rank(&b.path))
            .collect()
    }

    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|(f, _)| f.size).sum()
    }

    /// Refuses a `--delete` that removes more than `threshold` (a share) of the target's files,
    /// unless forced.
    pub fn check_delete_guard(&self, threshold: f64, force: bool) -> Result<()> {
        let n = self.deletes.len();
        if force || n == 0 || (n as f64) <= threshold * self.remote_count as f64 {
            return Ok(());
        }
        bail!(
            "--delete would remove {n} of the {} files there ({:.0}%), more than delete_guard = {threshold} allows: check the target (a wrong bucket or path?), and if this is really meant, run again with --force-delete",
            self.remote_count,
            100.0 * n as f64 / self.remote_count.max(1) as f64
        );
    }
}

/// Uploads `files` with at most `concurrency` requests in flight, recording each in `report`.
/// The first failure stops the rest; files already sent stay, and the next run skips them.
async fn upload_concurrently<F, Fut>(
    files: Vec<LocalFile>,
    concurrency: usize,
    progress: &Progress,
    report: &mut DeployReport,
    upload: F,
) -> Result<()>
where
    F: Fn(LocalFile) -> Fut,
    Fut: std::future::Future<Output = Result<LocalFile>> + Send + 'static,
{
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut finish = |done: std::result::Result<Result<LocalFile>, tokio::task::JoinError>| {
        let file = done.context("internal: an upload task stopped")??;
        progress.inc(1);
        report.bytes += file.size;
        report.uploaded.push(file.path);
        anyhow::Ok(())
    };
    for file in files {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .context("internal: upload slots closed")?;
        // Collect what finished meanwhile, so a failure stops the uploads early.
        while let Some(done) = tasks.try_join_next() {
            finish(done)?;
        }
        let sending = upload(file);
        tasks.spawn(async move {
            let _permit = permit;
            sending.await
        });
    }
    while let Some(done) = tasks.join_next().await {
        finish(done)?;
    }
    Ok(())
}

/// What one deploy did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeployReport {
    /// The target, for the summary (`s3://bucket/prefix/`, `netlify site ID`).
    pub target: String,
    /// Site paths uploaded, in the order they were.
    pub uploaded: Vec<String>,
    pub unchanged: usize,
    /// Site paths removed from the target.
    pub deleted: Vec<String>,
    /// Files the target has that `site/` has not, left there (no `--delete`).
    pub stale: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub dry_run: bool,
    /// Netlify's deploy ID.
    pub deploy_id: Option<String>,
}

/// What the command line asks of a deploy.
#[derive(Debug, Clone, Copy)]
pub struct DeployOptions {
    pub dry_run: bool,
    pub delete: bool,
    pub force_delete: bool,
    pub force_upload: bool,
    pub delete_guard: f64,
    pub concurrency: usize,
    pub progress: ProgressMode,
}

impl DeployOptions {
    pub fn from_config(config: &DeployConfig) -> DeployOptions {
        DeployOptions {
            dry_run: false,
            delete: false,
            force_delete: false,
            force_upload: false,
            delete_guard: config.delete_guard,
            concurrency: config.concurrency,
            progress: ProgressMode::Quiet,
        }
    }

    fn plan_options(&self) -> PlanOptions {
        PlanOptions {
            delete: self.delete,
            force_upload: self.force_upload,
        }
    }
}

/// A ready client of one target, for the command and the live deployer alike.
#[derive(Debug, Clone)]
pub enum Deployer {
    #[cfg(feature = "s3")]
    S3(s3::S3Deployer),
    Netlify(netlify::NetlifyDeployer),
}

/// What the command line (or `serve --deploy`) sets over `[deploy]`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub path_style: Option<bool>,
    pub netlify_site: Option<String>,
    pub netlify_api_url: Option<String>,
    /// `None`: `NETLIFY_AUTH_TOKEN`.
    pub netlify_token: Option<String>,
}

impl Deployer {
    /// A client for `target`, from the config and the overrides. Sends no request yet.
    pub async fn connect(
        target: &Target,
        config: &DeployConfig,
        over: &Overrides,
    ) -> Result<Deployer> {
        let rules = headers::CacheRules::new(&config.cache_control);
        let pick = |o: &Option<String>, c: &str| {
            o.clone().or_else(|| (!c.is_empty()).then(|| c.to_owned()))
        };
        match target {
            Target::S3 { bucket, prefix } => {
                #[cfg(feature = "s3")]
                {
                    let settings = s3::S3Settings {
                        endpoint: pick(&over.endpoint, &config.endpoint),
                        region: pick(&over.region, &config.region),
                        path_style: over.path_style.or(config.path_style),
                        static_credentials: None,
                    };
                    Ok(Deployer::S3(
                        s3::S3Deployer::connect(bucket, prefix, &settings, rules).await?,
                    ))
                }
                #[cfg(not(feature = "s3"))]
                {
                    let _ = (bucket, prefix, rules, pick);
                    bail!("this scrollback was built without S3 support (the `s3` feature)")
                }
            }
            Target::Netlify => {
                let site = pick(&over.netlify_site, &config.netlify_site).unwrap_or_default();
                let api = pick(&over.netlify_api_url, &config.netlify_api_url)
                    .unwrap_or_else(|| "https://api.netlify.com".to_owned());
                let token = over
                    .netlify_token
                    .clone()
                    .or_else(|| std::env::var("NETLIFY_AUTH_TOKEN").ok())
                    .unwrap_or_default();
                Ok(Deployer::Netlify(netlify::NetlifyDeployer::new(
                    &api, &site, &token,
                )?))
            }
        }
    }

    /// Deploys the whole of `site_dir`.
    pub async fn deploy(&self, site_dir: &Path, options: &DeployOptions) -> Result<DeployReport> {
        match self {
            #[cfg(feature = "s3")]
            Deployer::S3(d) => d.deploy(site_dir, options).await,
            Deployer::Netlify(d) => d.deploy(site_dir, options).await,
        }
    }

    /// Deploys what changed at these site paths only (a file that is gone is removed).
    pub async fn deploy_paths(
        &self,
        site_dir: &Path,
        paths: &BTreeSet<String>,
        options: &DeployOptions,
    ) -> Result<DeployReport> {
        match self {
            #[cfg(feature = "s3")]
            Deployer::S3(d) => d.deploy_paths(site_dir, paths, options).await,
            // A Netlify deploy is always a whole site; Netlify asks only for the changed files.
            Deployer::Netlify(d) => d.deploy(site_dir, options).await,
        }
    }

    /// The default least time between live deploys for this kind of target.
    pub fn default_live_interval(&self) -> std::time::Duration {
        match self {
            #[cfg(feature = "s3")]
            Deployer::S3(_) => std::time::Duration::from_secs(2),
            Deployer::Netlify(_) => std::time::Duration::from_secs(20),
        }
    }
}

/// "1.2 MB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(path: &str, digest: &str) -> LocalFile {
        LocalFile {
            path: path.to_owned(),
            abs: PathBuf::from(path),
            size: digest.len() as u64,
            digest: digest.to_owned(),
        }
    }

    fn remote(path: &str, digest: &str) -> RemoteFile {
        RemoteFile {
            path: path.to_owned(),
            size: Some(digest.len() as u64),
            digest: Some(digest.to_owned()),
        }
    }

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("s3://my-bucket/chats/2024/").unwrap(),
            Target::S3 {
                bucket: "my-bucket".into(),
                prefix: "chats/2024/".into()
            }
        );
        assert_eq!(
            Target::parse("s3://my-bucket").unwrap(),
            Target::S3 {
                bucket: "my-bucket".into(),
                prefix: String::new()
            }
        );
        assert_eq!(Target::parse("netlify").unwrap(), Target::Netlify);
        for bad in [
            "s3://",
            "s3://AB",
            "s3://Bucket/x",
            "s3://b/../x",
            "s3://bucket/a//b",
            "bucket",
            "gs://x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Target::parse("s3://bkt/x").unwrap().to_string(),
            "s3://bkt/x/"
        );
    }

    #[test]
    fn plan_uploads_new_and_changed_and_orders_them() {
        let locals = vec![
            local("index.html", "i2"),
            local("a/index.html", "ai"),
            local("a/page-2.html", "a2"),
            local("a/feed.json", "af"),
            local("assets/style.css", "css"),
            local("b/feed.json", "bf"),
        ];
        let remotes = vec![
            remote("index.html", "i1"),
            remote("a/index.html", "ai"),
            remote("b/feed.json", "bf"),
            remote("old/index.html", "o"),
        ];
        let p = plan(locals, &remotes, PlanOptions::default());
        let order: Vec<(&str, Change)> = p
            .uploads
            .iter()
            .map(|(f, c)| (f.path.as_str(), *c))
            .collect();
        assert_eq!(
            order,
            vec![
                ("assets/style.css", Change::New),
                ("a/feed.json", Change::New),
                ("a/page-2.html", Change::New),
                ("index.html", Change::Changed),
            ]
        );
        assert_eq!(p.unchanged, 2);
        assert!(p.deletes.is_empty());
        assert_eq!(p.stale, 1);
        assert_eq!(p.waves().len(), 4);
        let d = plan(
            vec![local("index.html", "i1")],
            &remotes,
            PlanOptions {
                delete: true,
                force_upload: false,
            },
        );
        assert_eq!(
            d.deletes,
            vec!["a/index.html", "b/feed.json", "old/index.html"]
        );
        assert!(d.uploads.is_empty());
    }

    #[test]
    fn unknown_digest_or_other_size_means_upload_again_and_force_uploads_all() {
        let mut multipart = remote("a.bin", "xx");
        multipart.digest = None;
        let mut resized = remote("b.bin", "yy");
        resized.size = Some(99);
        let p = plan(
            vec![local("a.bin", "xx"), local("b.bin", "yy"), local("c", "zz")],
            &[multipart, resized, remote("c", "zz")],
            PlanOptions::default(),
        );
        assert_eq!(p.uploads.len(), 2);
        assert_eq!(p.unchanged, 1);
        let forced = plan(
            vec![local("c", "zz")],
            &[remote("c", "zz")],
            PlanOptions {
                delete: false,
                force_upload: true,
            },
        );
        assert_eq!(forced.uploads.len(), 1);
    }

    #[test]
    fn delete_guard() {
        let remotes: Vec<RemoteFile> = (0..10).map(|i| remote(&format!("f{i}"), "x")).collect();
        let keep =
            |n: usize| -> Vec<LocalFile> { (0..n).map(|i| local(&format!("f{i}"), "x")).collect() };
        let opts = PlanOptions {
            delete: true,
            force_upload: false,
        };
        let half = plan(keep(5), &remotes, opts);
        assert!(half.check_delete_guard(0.5, false).is_ok());
        let most = plan(keep(4), &remotes, opts);
        let err = format!("{:#}", most.check_delete_guard(0.5, false).unwrap_err());
        assert!(err.contains("6 of the 10") && err.contains("--force-delete"));
        assert!(most.check_delete_guard(0.5, true).is_ok());
        assert!(most.check_delete_guard(0.7, false).is_ok());
    }

    #[test]
    fn ranks() {
        assert!(publish_rank("assets/x.css") < publish_rank("c/feed.jsonp"));
        assert!(publish_rank("c/feed.json") < publish_rank("c/page-2.html"));
        assert!(publish_rank("c/page-9.html") < publish_rank("c/index.html"));
        assert!(publish_rank("c/index.html") < publish_rank("index.html"));
        assert_eq!(publish_rank("c/live.json"), 1);
    }

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

    #[test]
    fn bytes() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500), "1.5 kB");
        assert_eq!(human_bytes(2_345_678), "2.3 MB");
    }
}
