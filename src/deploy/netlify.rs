//! Deploying to Netlify through its file-digest API.
//!
//! A Netlify deploy is always the whole site: scrollback sends the SHA-1 of every file, Netlify
//! answers with the digests it does not have yet, only those files are uploaded, and the deploy
//! goes live atomically once Netlify reports it `ready`. Files left out of a deploy are gone from
//! the site, so `--delete` is implied. Netlify limits requests (about 500 a minute, 3 deploys a
//! minute per site, 5 uploads in flight on the free plans): a 429 is waited out as its
//! `Retry-After` or `X-RateLimit-Reset` says, and a failed request is retried with backoff.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use super::plan::{Plan, PlanOptions, RemoteFile, plan};
use super::scan::{DigestKind, LocalFile, scan_site};
use super::upload::upload_concurrently;
use super::{DeployOptions, DeployReport};
use crate::http_client::{check_api_url, retry_after};
use crate::progress::Progress;

/// Netlify refuses more parallel uploads than this on its free plans.
pub const MAX_CONCURRENT_UPLOADS: usize = 5;
/// Above this many files the deploy is created asynchronously, as Netlify's own client does.
const ASYNC_ABOVE: usize = 100;
/// Attempts per request before giving up.
const ATTEMPTS: u32 = 5;
/// A deploy that is not ready after this long is reported as stuck.
const READY_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// A client of one Netlify site.
#[derive(Debug, Clone)]
pub struct NetlifyDeployer {
    http: reqwest::Client,
    /// Without a trailing slash, e.g. `https://api.netlify.com`.
    api: String,
    site_id: String,
    token: String,
    /// The longest wait between two polls of a deploy's state.
    max_poll: Duration,
}

#[derive(Debug, Deserialize)]
struct Deploy {
    id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    required: Option<Vec<String>>,
    #[serde(default)]
    error_message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SiteFile {
    path: String,
    sha: Option<String>,
    size: Option<u64>,
}

/// How a request failed, so callers can say what to do.
#[derive(Debug)]
enum Failure {
    /// The server answered with this status and body.
    Status(u16, String),
    /// No answer: connection refused, reset, timed out.
    Network(reqwest::Error),
}

impl NetlifyDeployer {
    /// A client for `site_id` on the API at `api_url`, authorised by a personal access token.
    pub fn new(api_url: &str, site_id: &str, token: &str) -> Result<NetlifyDeployer> {
        if site_id.trim().is_empty() {
            bail!(
                "no Netlify site: pass --site SITE_ID or set netlify_site in [deploy] (the site ID is in the site's settings on Netlify)"
            );
        }
        if token.trim().is_empty() {
            bail!(
                "NETLIFY_AUTH_TOKEN is not set: create a personal access token in Netlify's user settings (Applications) and export it"
            );
        }
        check_api_url(api_url, "Netlify API", "Netlify token")?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("scrollback/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .context("cannot set up an HTTP client")?;
        Ok(NetlifyDeployer {
            http,
            api: api_url.trim_end_matches('/').to_owned(),
            site_id: site_id.to_owned(),
            token: token.to_owned(),
            max_poll: Duration::from_secs(2),
        })
    }

    fn target(&self) -> String {
        format!("netlify site {}", self.site_id)
    }

    /// Deploys the whole of `site_dir`: only files Netlify lacks are uploaded.
    pub async fn deploy(&self, site_dir: &Path, options: &DeployOptions) -> Result<DeployReport> {
        let started = Instant::now();
        let site = site_dir.to_owned();
        let local = tokio::task::spawn_blocking(move || scan_site(&site, DigestKind::Sha1))
            .await
            .context("internal: the file scan stopped")??;
        if local.is_empty() {
            bail!(
                "{} is empty: nothing to deploy (run `scrollback build` first)",
                site_dir.display()
            );
        }
        for f in &local {
            if f.path.contains(['#', '?']) {
                bail!(
                    "site/{} cannot be deployed to Netlify: file names there cannot hold # or ?",
                    f.path
                );
            }
        }
        // A Netlify deploy replaces the whole site: what `site/` lacks disappears. Compare with
        // what is served first, so an almost empty `site/` (a failed build, the wrong folder)
        // cannot wipe production (issue 11); `--dry-run` shows the same plan.
        let served = self.served_plan(local.clone()).await?;
        if options.dry_run {
            return Ok(DeployReport {
                target: self.target(),
                uploaded: served.uploads.iter().map(|(f, _)| f.path.clone()).collect(),
                bytes: served.upload_bytes(),
                unchanged: served.unchanged,
                deleted: served.deletes,
                dry_run: true,
                seconds: started.elapsed().as_secs_f64(),
                ..DeployReport::default()
            });
        }
        served.check_delete_guard(options.delete_guard, options.force_delete)?;
        let files: BTreeMap<String, &str> = local
            .iter()
            .map(|f| (format!("/{}", f.path), f.digest.as_str()))
            .collect();
        let body = serde_json::json!({ "files": files, "async": local.len() > ASYNC_ABOVE });
        let url = format!("{}/api/v1/sites/{}/deploys", self.api, self.site_id);
        let mut deploy: Deploy = self
            .json(|| self.http.post(&url).json(&body), "create a deploy")
            .await?;
        if deploy.required.is_none() || deploy.state == "preparing" {
            deploy = self
                .wait_for(&deploy.id, &["prepared", "uploading", "uploaded", "ready"])
                .await?;
        }
        // One file per required digest: Netlify stores content by digest.
        let by_digest: HashMap<&str, &LocalFile> =
            local.iter().map(|f| (f.digest.as_str(), f)).collect();
        let mut todo = Vec::new();
        for sha in deploy.required.as_deref().unwrap_or_default() {
            let file = by_digest.get(sha.as_str()).with_context(|| {
                format!(
                    "Netlify asked for a file scrollback did not offer (SHA-1 {sha}) in deploy {}",
                    deploy.id
                )
            })?;
            todo.push((*file).clone());
        }
        let progress = Progress::new(options.progress, "uploading", todo.len() as u64);
        let mut report = DeployReport {
            target: self.target(),
            deploy_id: Some(deploy.id.clone()),
            // The new deploy replaces the site: what it lacks is gone once it is ready.
            deleted: served.deletes,
            ..DeployReport::default()
        };
        let concurrency = options.concurrency.clamp(1, MAX_CONCURRENT_UPLOADS);
        upload_concurrently(todo, concurrency, &progress, &mut report, |file| {
            let (this, id) = (self.clone(), deploy.id.clone());
            async move { this.upload(&id, &file).await.map(|()| file) }
        })
        .await?;
        progress.finish();
        self.wait_for(&deploy.id, &["ready"]).await?;
        report.unchanged = local.len() - report.uploaded.len();
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Whether the site can be read with this token (the list of files it serves), so a wrong
    /// site id or token shows before there is anything to deploy.
    pub async fn check(&self) -> Result<()> {
        let url = format!("{}/api/v1/sites/{}/files", self.api, self.site_id);
        self.json::<Vec<SiteFile>>(|| self.http.get(&url), "list the site's files")
            .await
            .map(drop)
    }

    /// What a deploy of `local` would upload and drop, from the files the site serves now.
    async fn served_plan(&self, local: Vec<LocalFile>) -> Result<Plan> {
        let url = format!("{}/api/v1/sites/{}/files", self.api, self.site_id);
        let served: Vec<SiteFile> = self
            .json(|| self.http.get(&url), "list the site's files")
            .await?;
        let remote: Vec<RemoteFile> = served
            .into_iter()
            .map(|f| RemoteFile {
                path: f.path.trim_start_matches('/').to_owned(),
                size: f.size,
                digest: f.sha,
            })
            .collect();
        // Files left out of a Netlify deploy are gone from the site: deletion is implied.
        Ok(plan(
            local,
            &remote,
            PlanOptions {
                delete: true,
                force_upload: false,
            },
        ))
    }

    async fn upload(&self, deploy_id: &str, file: &LocalFile) -> Result<()> {
        let bytes = tokio::fs::read(&file.abs)
            .await
            .with_context(|| format!("cannot read {}", file.abs.display()))?;
        let url = format!(
            "{}/api/v1/deploys/{}/files/{}",
            self.api,
            deploy_id,
            crate::site_files::encode_path(&file.path)
        );
        self.send(
            || {
                self.http
                    .put(&url)
                    .header("content-type", "application/octet-stream")
                    .body(bytes.clone())
            },
            &format!("upload {}", file.path),
        )
        .await?;
        Ok(())
    }

    /// Polls the deploy until its state is one of `states`; `error` fails.
    async fn wait_for(&self, deploy_id: &str, states: &[&str]) -> Result<Deploy> {
        let url = format!("{}/api/v1/deploys/{deploy_id}", self.api);
        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            let deploy: Deploy = self
                .json(|| self.http.get(&url), "check the deploy")
                .await?;
            if deploy.state == "error" {
                bail!(
                    "Netlify reports deploy {deploy_id} of site {} failed: {}",
                    self.site_id,
                    deploy.error_message.as_deref().unwrap_or("no reason given")
                );
            }
            if states.contains(&deploy.state.as_str()) {
                return Ok(deploy);
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "deploy {deploy_id} of site {} is still {:?} after {} minutes: see the deploy log on Netlify",
                    self.site_id,
                    deploy.state,
                    READY_TIMEOUT.as_secs() / 60
                );
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(self.max_poll);
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
        action: &str,
    ) -> Result<T> {
        let response = self.send(request, action).await?;
        let url = response.url().to_string();
        let text = response
            .text()
            .await
            .with_context(|| format!("cannot {action}: the answer from {url} broke off"))?;
        serde_json::from_str(&text)
            .with_context(|| format!("cannot {action}: {url} did not answer as Netlify's API does"))
    }

    /// Sends a request, retrying rate limits, server errors and network failures.
    async fn send(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
        action: &str,
    ) -> Result<reqwest::Response> {
        let mut backoff = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            let outcome = request().bearer_auth(&self.token).send().await;
            let (failure, wait) = match outcome {
                Ok(r) if r.status().is_success() => return Ok(r),
                Ok(r) if r.status().as_u16() == 429 => {
                    let wait = retry_after(r.headers()).unwrap_or(Duration::from_secs(5));
                    (Failure::Status(429, String::new()), wait)
                }
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    (Failure::Status(status, body), backoff)
                }
                Err(e) => (Failure::Network(e), backoff),
            };
            let retry = match &failure {
                Failure::Status(s, _) => *s == 429 || *s >= 500 || *s == 408,
                Failure::Network(e) => !e.is_builder(),
            };
            if !retry || attempt >= ATTEMPTS {
                return Err(self.explain(failure, action, attempt));
            }
            tracing::debug!("{action}: attempt {attempt} failed, again in {wait:?}");
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(Duration::from_secs(30));
            attempt += 1;
        }
    }

    fn explain(&self, failure: Failure, action: &str, attempts: u32) -> anyhow::Error {
        let site = &self.site_id;
        let api = &self.api;
        let message = match failure {
            Failure::Network(e) => {
                return anyhow!(e).context(format!(
                    "cannot {action} on {} ({attempts} attempts): cannot reach the Netlify API at {api}: check --api-url and the network, then run again",
                    self.target()
                ));
            }
            Failure::Status(401, _) => {
                format!("Netlify at {api} refused the token (HTTP 401): check NETLIFY_AUTH_TOKEN")
            }
            Failure::Status(403, _) => format!(
                "the token has no access to site {site} (HTTP 403): use a token of a member of the site's team"
            ),
            Failure::Status(404, _) => format!(
                "Netlify at {api} has no site {site} (or no such deploy) (HTTP 404): check --site"
            ),
            Failure::Status(429, _) => format!(
                "Netlify is rate limiting (HTTP 429) even after {attempts} attempts: run again in a minute"
            ),
            Failure::Status(status, body) => {
                let body: String = body.chars().take(300).collect();
                format!("Netlify at {api} answered HTTP {status} after {attempts} attempts: {body}")
            }
        };
        anyhow!(message).context(format!("cannot {action} on {}", self.target()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_site_and_token() {
        let e = NetlifyDeployer::new("http://127.0.0.1:1", "", "t").unwrap_err();
        assert!(e.to_string().contains("--site"));
        let e = NetlifyDeployer::new("http://127.0.0.1:1", "s", "").unwrap_err();
        assert!(e.to_string().contains("NETLIFY_AUTH_TOKEN"));
    }
}
