//! Publishing `site/` to where readers get it: an S3 bucket (or any S3-compatible store) or a
//! Netlify site, uploading only what changed.
//!
//! Every target works the same way: [`scan`] lists the local files with a digest of their
//! bytes, [`plan`] compares them with what the target already serves and decides what to upload
//! and what to delete (refusing a `--delete` that would remove a large share of the target),
//! and [`upload`] sends them in an order that never gives a reader a page whose assets or feeds
//! are not there yet. [`s3`] and [`netlify`] speak to the targets, [`deployer`] picks and
//! connects one, and [`continuous`] deploys after every build for `serve --deploy`. Nothing is
//! remembered between runs: a deploy interrupted halfway is simply run again, and the
//! comparison finds what is still missing.

pub mod continuous;
pub mod deployer;
pub mod headers;
pub mod netlify;
pub mod plan;
#[cfg(feature = "s3")]
pub mod s3;
pub mod scan;
pub mod upload;

use crate::config::deploy::DeployConfig;
use crate::progress::ProgressMode;

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

    #[cfg(feature = "s3")]
    fn plan_options(&self) -> plan::PlanOptions {
        plan::PlanOptions {
            delete: self.delete,
            force_upload: self.force_upload,
        }
    }
}
