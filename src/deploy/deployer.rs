//! Connecting to a target: one [`Deployer`] for S3 and Netlify alike, built from `[deploy]` and
//! what the command line sets over it, so `scrollback deploy` and `serve --deploy` reach a
//! target the same way.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
#[cfg(not(feature = "s3"))]
use anyhow::bail;

#[cfg(feature = "s3")]
use super::s3;
use super::{DeployOptions, DeployReport, headers, netlify};
use crate::config::deploy::{DeployConfig, Target};

/// A ready client of one target, for the command and the continuous deployer alike.
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

    /// Checks that the target answers with these credentials (for `serve --deploy`, which must
    /// fail at start, not at the first event).
    pub async fn check(&self) -> Result<()> {
        match self {
            #[cfg(feature = "s3")]
            Deployer::S3(d) => d.check().await,
            Deployer::Netlify(d) => d.check().await,
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
            // A Netlify deploy is always a whole site (Netlify asks only for the changed
            // files), so the paths are not needed.
            Deployer::Netlify(d) => {
                let _ = paths;
                d.deploy(site_dir, options).await
            }
        }
    }

    /// The default least time between continuous deploys for this kind of target.
    pub fn default_min_interval(&self) -> std::time::Duration {
        match self {
            #[cfg(feature = "s3")]
            Deployer::S3(_) => std::time::Duration::from_secs(2),
            Deployer::Netlify(_) => std::time::Duration::from_secs(20),
        }
    }
}
