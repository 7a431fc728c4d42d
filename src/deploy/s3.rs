//! Deploying to S3 or an S3-compatible store (MinIO, R2, a local test server).
//!
//! The bucket is listed once; an object whose ETag (the MD5 of a simply uploaded object) and size
//! match the local file is left alone. Uploads carry `Content-MD5`, so the store refuses a
//! corrupted body, and go out in waves (assets, feeds, pages, index: see
//! [`super::upload::publish_rank`]) with a bounded number in flight. Deletions come after every
//! upload, so a page that is gone is still there while the old index links to it.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use base64::Engine as _;

use super::headers::CacheRules;
use super::plan::{Plan, RemoteFile, UploadReason, plan};
use super::scan::{DigestKind, LocalFile, scan_paths, scan_site};
use super::upload::{order_uploads, upload_concurrently};
use super::{DeployOptions, DeployReport};
use crate::progress::Progress;
use crate::site_files::{content_disposition, content_type};

/// How to reach the store.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// A custom endpoint; `None`: AWS.
    pub endpoint: Option<String>,
    /// `None`: from `AWS_REGION` or the profile (`us-east-1` with a custom endpoint).
    pub region: Option<String>,
    /// `None`: path-style with a custom endpoint, virtual-hosted with AWS.
    pub path_style: Option<bool>,
    /// Fixed keys instead of the standard chain (environment, profile, instance role), for
    /// embedding and tests that must not read the machine's AWS setup.
    pub static_credentials: Option<(String, String)>,
}

/// A connected S3 client for one bucket and prefix.
#[derive(Debug, Clone)]
pub struct S3Deployer {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// `""` or `path/`.
    prefix: String,
    /// For messages: the endpoint, or "AWS (region)".
    place: String,
    rules: Arc<CacheRules>,
}

impl S3Deployer {
    /// Loads the AWS configuration and makes a client. No request is sent yet.
    pub async fn connect(
        bucket: &str,
        prefix: &str,
        settings: &S3Settings,
        rules: CacheRules,
    ) -> Result<S3Deployer> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(120))
                .build(),
        );
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        } else if settings.endpoint.is_some() {
            // A custom endpoint (MinIO, R2, moto) has no instance metadata service: asking it for
            // a region only times out and logs warnings. Environment, then profile, then the
            // us-east-1 every S3-compatible store accepts.
            loader = loader.region(
                RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
                    .or_else(ProfileFileRegionProvider::new())
                    .or_else(Region::new("us-east-1")),
            );
        }
        if let Some(endpoint) = &settings.endpoint {
            loader = loader.endpoint_url(endpoint.clone());
        }
        if let Some((key, secret)) = &settings.static_credentials {
            loader = loader.credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                None,
                None,
                "scrollback",
            ));
        }
        let sdk = loader.load().await;
        let mut config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(settings.path_style.unwrap_or(settings.endpoint.is_some()))
            // Content-MD5 instead of the newer trailing checksums: every S3-compatible store
            // understands it, and it is what the ETag comparison is built on anyway.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        let region = match sdk.region() {
            Some(r) => r.to_string(),
            None if settings.endpoint.is_some() => {
                config = config.region(Region::new("us-east-1"));
                "us-east-1".to_owned()
            }
            None => bail!(
                "no AWS region for s3://{bucket}: pass --region, set AWS_REGION, or set region in [deploy]"
            ),
        };
        let place = match &settings.endpoint {
            Some(e) => e.clone(),
            None => format!("AWS S3 ({region})"),
        };
        Ok(S3Deployer {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            place,
            rules: Arc::new(rules),
        })
    }

    fn target(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    /// Whether the bucket can be listed with these credentials: one request for one key, so a
    /// wrong bucket or key shows before there is anything to deploy.
    pub async fn check(&self) -> Result<()> {
        self.client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.prefix)
            .max_keys(1)
            .send()
            .await
            .map(drop)
            .map_err(|e| self.explain(e, "list"))
    }

    /// Every object under the prefix, as site files.
    pub async fn list(&self) -> Result<Vec<RemoteFile>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&self.prefix);
            if let Some(t) = &token {
                req = req.continuation_token(t);
            }
            let page = req.send().await.map_err(|e| self.explain(e, "list"))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let Some(path) = key.strip_prefix(&self.prefix) else {
                    continue;
                };
                if path.is_empty() || path.ends_with('/') {
                    continue; // folder placeholders made by consoles
                }
                out.push(RemoteFile {
                    path: path.to_owned(),
                    size: object.size().and_then(|s| u64::try_from(s).ok()),
                    digest: object.e_tag().and_then(plain_etag),
                });
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Uploads one file with its headers.
    pub async fn upload(&self, file: &LocalFile) -> Result<()> {
        let bytes = tokio::fs::read(&file.abs)
            .await
            .with_context(|| format!("cannot read {}", file.abs.display()))?;
        // The digest may be older than the bytes if a build rewrote the file meanwhile: send
        // what is read now, with its own MD5, and the next deploy compares again.
        let md5 = {
            use md5::Digest as _;
            md5::Md5::digest(&bytes)
        };
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(format!("{}{}", self.prefix, file.path))
            .content_type(content_type(&file.path))
            .set_content_disposition(content_disposition(&file.path))
            .cache_control(self.rules.cache_control(&file.path))
            .content_md5(base64::engine::general_purpose::STANDARD.encode(md5))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| self.explain(e, &format!("upload {}", file.path)))?;
        Ok(())
    }

    /// Removes site paths from the bucket, a thousand per request.
    pub async fn delete(&self, paths: &[String]) -> Result<()> {
        for chunk in paths.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|p| {
                    ObjectIdentifier::builder()
                        .key(format!("{}{p}", self.prefix))
                        .build()
                        .map_err(|e| anyhow!("internal: {e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| anyhow!("internal: {e}"))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| self.explain(e, "delete objects"))?;
            if let Some(first) = out.errors().first() {
                bail!(
                    "cannot delete {} from {} at {}: {} ({}){}",
                    first.key().unwrap_or("?"),
                    self.target(),
                    self.place,
                    first.message().unwrap_or("no message"),
                    first.code().unwrap_or("no code"),
                    if out.errors().len() > 1 {
                        format!(", and {} more", out.errors().len() - 1)
                    } else {
                        String::new()
                    }
                );
            }
        }
        Ok(())
    }

    /// Deploys the whole of `site_dir`.
    pub async fn deploy(&self, site_dir: &Path, options: &DeployOptions) -> Result<DeployReport> {
        let started = Instant::now();
        let site = site_dir.to_owned();
        let local = tokio::task::spawn_blocking(move || scan_site(&site, DigestKind::Md5))
            .await
            .context("internal: the file scan stopped")??;
        if local.is_empty() {
            bail!(
                "{} is empty: nothing to deploy (run `scrollback build` first)",
                site_dir.display()
            );
        }
        let remote = self.list().await?;
        let plan = plan(local, &remote, options.plan_options());
        plan.check_delete_guard(options.delete_guard, options.force_delete)
            .with_context(|| format!("not deploying to {}", self.target()))?;
        let mut report = DeployReport {
            target: self.target(),
            unchanged: plan.unchanged,
            stale: plan.stale,
            dry_run: options.dry_run,
            ..DeployReport::default()
        };
        if options.dry_run {
            report.uploaded = plan.uploads.iter().map(|(f, _)| f.path.clone()).collect();
            report.bytes = plan.upload_bytes();
            report.deleted = plan.deletes.clone();
        } else {
            let progress = Progress::new(options.progress, "uploading", plan.uploads.len() as u64);
            for wave in plan.waves() {
                self.upload_all(wave, options.concurrency, &progress, &mut report)
                    .await?;
            }
            progress.finish();
            self.delete(&plan.deletes).await?;
            report.deleted = plan.deletes.clone();
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Deploys only these site paths: those in `site_dir` are uploaded (in publishing order),
    /// those no longer there are removed.
    pub async fn deploy_paths(
        &self,
        site_dir: &Path,
        paths: &BTreeSet<String>,
        options: &DeployOptions,
    ) -> Result<DeployReport> {
        let started = Instant::now();
        let (present, missing) = {
            let site = site_dir.to_owned();
            let paths = paths.clone();
            tokio::task::spawn_blocking(move || scan_paths(&site, &paths, DigestKind::Md5))
                .await
                .context("internal: the file scan stopped")??
        };
        let mut uploads: Vec<(LocalFile, UploadReason)> = present
            .into_iter()
            .map(|f| (f, UploadReason::Changed))
            .collect();
        order_uploads(&mut uploads);
        let plan = Plan {
            uploads,
            ..Plan::default()
        };
        let mut report = DeployReport {
            target: self.target(),
            ..DeployReport::default()
        };
        let progress = Progress::new(options.progress, "uploading", plan.uploads.len() as u64);
        for wave in plan.waves() {
            self.upload_all(wave, options.concurrency, &progress, &mut report)
                .await?;
        }
        self.delete(&missing).await?;
        report.deleted = missing;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Uploads one wave with at most `concurrency` requests in flight; the first failure stops
    /// the wave (files already sent stay: the next run skips them).
    async fn upload_all(
        &self,
        wave: &[(LocalFile, UploadReason)],
        concurrency: usize,
        progress: &Progress,
        report: &mut DeployReport,
    ) -> Result<()> {
        let files = wave.iter().map(|(file, _)| file.clone()).collect();
        upload_concurrently(files, concurrency, progress, report, |file| {
            let this = self.clone();
            async move { this.upload(&file).await.map(|()| file) }
        })
        .await
    }

    /// A clear message for a failed request: what was being done, where, and what to do.
    fn explain<E>(
        &self,
        err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
        action: &str,
    ) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.code().unwrap_or_default().to_owned();
        let detail = sdk_error_text(&err);
        let bucket = &self.bucket;
        let place = &self.place;
        let advice = match (&err, code.as_str(), status) {
            (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _, _)
                if detail.contains("credentials") =>
            {
                "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE".to_owned()
            }
            (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _, _) => format!(
                "cannot reach the S3 endpoint {place}: check --endpoint (or [deploy] endpoint) and the network, then run again"
            ),
            (_, "NoSuchBucket", _) | (_, _, Some(404)) if action == "list" => format!(
                "bucket {bucket} does not exist at {place}: create it, or check the bucket name and --endpoint"
            ),
            (_, "NoSuchBucket", _) => format!("bucket {bucket} does not exist at {place}"),
            (
                _,
                "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken" | "InvalidToken"
                | "AuthorizationHeaderMalformed",
                _,
            ) => format!(
                "{place} refused the credentials ({code}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or AWS_PROFILE"
            ),
            (_, "AccessDenied" | "AllAccessDisabled", _) | (_, _, Some(403)) => format!(
                "access to bucket {bucket} at {place} is denied: the credentials need s3:ListBucket, s3:PutObject and (for --delete) s3:DeleteObject on it"
            ),
            (_, "PermanentRedirect" | "AuthorizationHeaderMalformedRegion", _)
            | (_, _, Some(301)) => format!(
                "bucket {bucket} is in another region than {place}: pass its --region"
            ),
            (_, "SlowDown" | "Throttling" | "ThrottlingException" | "RequestLimitExceeded", _)
            | (_, _, Some(429 | 503)) => format!(
                "{place} is throttling requests ({}) even after retries: run again in a while (only what is still missing is sent), or lower --concurrency",
                if code.is_empty() { "busy" } else { &code }
            ),
            _ => format!("S3 request failed at {place}"),
        };
        anyhow!("{detail}").context(format!(
            "cannot {action} in s3://{bucket}/{}: {advice}",
            self.prefix
        ))
    }
}

/// What went wrong with a request, in words: S3's own code and message for an answer, the chain
/// of causes for a request that never got one. `DisplayErrorContext` would append the SDK's debug
/// structures (headers, body bytes, extension type names), which tell a user nothing (issue 12).
fn sdk_error_text<E>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let SdkError::ServiceError(service) = err {
        let status = service.raw().status().as_u16();
        let e = service.err();
        return match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("S3 answered {status} {code}: {message}"),
            (Some(code), None) => format!("S3 answered {status} {code}"),
            (None, Some(message)) => format!("S3 answered {status}: {message}"),
            (None, None) => format!("S3 answered {status} without an error code"),
        };
    }
    error_chain_text(err)
}

/// An error and its causes joined with ": ", each cause once: the SDK's layers often repeat the
/// message of the layer below.
fn error_chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The MD5 an ETag stands for, when it is a plain one: `"<32 hex>"`. Multipart ETags
/// (`"<hex>-<parts>"`) and others are not content MD5s.
fn plain_etag(etag: &str) -> Option<String> {
    let e = etag.trim().trim_start_matches("W/").trim_matches('"');
    (e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit())).then(|| e.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags() {
        assert_eq!(
            plain_etag("\"5D41402ABC4B2A76B9719D911017C592\"").as_deref(),
            Some("5d41402abc4b2a76b9719d911017c592")
        );
        assert_eq!(plain_etag("\"5d41402abc4b2a76b9719d911017c592-3\""), None);
        assert_eq!(plain_etag(""), None);
    }

    #[test]
    fn error_chains_read_as_one_line_without_repeats() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let wrapped = anyhow::Error::new(io).context("tcp connect error");
        let err: &(dyn std::error::Error + 'static) = wrapped.as_ref();
        assert_eq!(
            error_chain_text(err),
            "tcp connect error: connection refused"
        );
    }
}
