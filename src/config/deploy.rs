//! `[deploy]`: where `scrollback deploy` and `serve --deploy` publish `site/`, and how.
//!
//! Only the settings and their checks live here, so the config can be read and validated
//! without the deploy machinery; `crate::deploy` reads these and does the publishing.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// `[deploy]`: the default target and how files are served and replaced there.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeployConfig {
    /// The target of `scrollback deploy` without one: `s3://bucket/path` or `netlify`.
    pub target: String,
    /// An S3-compatible endpoint (MinIO, R2, a local test server); empty: AWS itself.
    pub endpoint: String,
    /// The S3 region; empty: from the AWS environment or profile.
    pub region: String,
    /// Path-style S3 addressing (`endpoint/bucket/key`); unset: on with a custom endpoint.
    pub path_style: Option<bool>,
    /// The Netlify site ID of `scrollback deploy netlify` without `--site`.
    pub netlify_site: String,
    /// The Netlify API (for tests and proxies).
    pub netlify_api_url: String,
    /// Uploads in flight at once (Netlify allows at most 5 or 10 by plan; more there is capped).
    pub concurrency: usize,
    /// Seconds between two continuous deploys at least (`serve --deploy`); unset: 2 for S3, 20
    /// for Netlify, which allows 3 deploys a minute.
    pub live_min_interval: Option<f64>,
    /// The largest share (0 to 1) of the files at the target that `--delete` removes without
    /// `--force-delete`: more means the target is probably wrong.
    pub delete_guard: f64,
    /// `Cache-Control` by path, first match wins, before the built-in defaults.
    pub cache_control: Vec<CacheRule>,
}

impl Default for DeployConfig {
    fn default() -> Self {
        DeployConfig {
            target: String::new(),
            endpoint: String::new(),
            region: String::new(),
            path_style: None,
            netlify_site: String::new(),
            netlify_api_url: "https://api.netlify.com".to_owned(),
            concurrency: 8,
            live_min_interval: None,
            delete_guard: 0.5,
            cache_control: Vec::new(),
        }
    }
}

/// One `[[deploy.cache_control]]` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// A site path pattern: `*` within a folder name, `**` across folders, `?` one character.
    pub path: String,
    /// The `Cache-Control` value, e.g. `"public, max-age=600"`.
    pub value: String,
}

impl DeployConfig {
    /// The target of a deploy: `given` (on the command line), else `target` here. Without
    /// either, the error starts with `missing` (what the command calls the lack of one) and
    /// names the config file to set it in.
    pub fn resolve_target(
        &self,
        given: Option<&str>,
        config_path: &Path,
        missing: &str,
    ) -> Result<Target> {
        let text = match given {
            Some(t) => t,
            None if !self.target.is_empty() => &self.target,
            None => bail!(
                "{missing}: give one (s3://BUCKET/PATH or netlify), or set target in [deploy] of {}",
                config_path.display()
            ),
        };
        Target::parse(text)
    }

    pub(super) fn validate(&self) -> Result<()> {
        if !self.target.is_empty() {
            Target::parse(&self.target).context("in [deploy] target")?;
        }
        for (key, url) in [
            ("endpoint", &self.endpoint),
            ("netlify_api_url", &self.netlify_api_url),
        ] {
            let web = url.starts_with("https://") || url.starts_with("http://");
            if !url.is_empty() && !web {
                bail!("[deploy] {key} = {url:?} must start with https:// or http://");
            }
        }
        if !(1..=64).contains(&self.concurrency) {
            bail!(
                "[deploy] concurrency = {} must be between 1 and 64",
                self.concurrency
            );
        }
        if let Some(s) = self.live_min_interval
            && !(s.is_finite() && (0.0..=3600.0).contains(&s))
        {
            bail!("[deploy] live_min_interval = {s} must be a number of seconds from 0 to 3600");
        }
        if !(self.delete_guard > 0.0 && self.delete_guard <= 1.0) {
            bail!(
                "[deploy] delete_guard = {} must be a share above 0 and at most 1 (0.5 is half the files)",
                self.delete_guard
            );
        }
        for (i, rule) in self.cache_control.iter().enumerate() {
            if rule.path.trim().is_empty() {
                bail!("[[deploy.cache_control]] number {}: path is empty", i + 1);
            }
            if rule.value.trim().is_empty()
                || rule.value.chars().any(|c| c.is_control() || !c.is_ascii())
            {
                bail!(
                    "[[deploy.cache_control]] path = {:?}: value = {:?} must be a non-empty header value (printable ASCII)",
                    rule.path,
                    rule.value
                );
            }
        }
        Ok(())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn deploy_section() {
        let c = Config::parse(
            r#"
[deploy]
target = "s3://bucket/chats"
endpoint = "http://127.0.0.1:9000"
region = "eu-west-1"
path_style = true
concurrency = 16
live_min_interval = 5
delete_guard = 0.25

[[deploy.cache_control]]
path = "assets/**"
value = "public, max-age=600"

[[deploy.cache_control]]
path = "*/feed.json"
value = "no-cache"
"#,
        )
        .unwrap();
        assert_eq!(c.deploy.target, "s3://bucket/chats");
        assert_eq!(c.deploy.path_style, Some(true));
        assert_eq!(c.deploy.live_min_interval, Some(5.0));
        assert_eq!(c.deploy.cache_control.len(), 2);
        assert_eq!(c.deploy.cache_control[1].value, "no-cache");
        let d = Config::parse("").unwrap().deploy;
        assert_eq!(d.delete_guard, 0.5);
        assert_eq!(d.concurrency, 8);
        assert_eq!(d.netlify_api_url, "https://api.netlify.com");
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
    fn given_target_wins_over_the_configured_one() {
        let path = Path::new("site/scrollback.toml");
        let configured = DeployConfig {
            target: "s3://configured".to_owned(),
            ..DeployConfig::default()
        };
        assert_eq!(
            configured
                .resolve_target(Some("netlify"), path, "no deploy target")
                .unwrap(),
            Target::Netlify
        );
        assert_eq!(
            configured
                .resolve_target(None, path, "no deploy target")
                .unwrap()
                .to_string(),
            "s3://configured/"
        );
        let err = configured
            .resolve_target(Some("ftp://x"), path, "no deploy target")
            .unwrap_err();
        assert!(err.to_string().contains("is not a deploy target"), "{err}");
    }

    #[test]
    fn no_target_anywhere_names_the_config_file() {
        let none = DeployConfig::default();
        let path = Path::new("site/scrollback.toml");
        let err = none
            .resolve_target(None, path, "--deploy without a target")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "--deploy without a target: give one (s3://BUCKET/PATH or netlify), or set target in [deploy] of {}",
                path.display()
            )
        );
    }
}
