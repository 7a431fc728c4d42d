//! `scrollback deploy [s3://BUCKET/PATH | netlify] [--dry-run] [--delete] ...`.

use anyhow::{Context, Result, bail};

use scrollback::config::deploy::Target;
use scrollback::deploy::deployer::{Deployer, Overrides};
use scrollback::deploy::{DeployOptions, DeployReport};
use scrollback::human;
use scrollback::progress::ProgressMode;
use scrollback::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to: s3://BUCKET/PATH or netlify (default: `target` in [deploy] of scrollback.toml).
    pub target: Option<String>,
    /// The Netlify site ID (default: `netlify_site` in [deploy]). The token comes from
    /// NETLIFY_AUTH_TOKEN.
    #[arg(long, value_name = "SITE_ID")]
    pub site: Option<String>,
    /// The Netlify API to talk to.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// An S3-compatible endpoint instead of AWS (MinIO, R2, a test server).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// The bucket's region (default: AWS_REGION or the AWS profile).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Path-style S3 addressing (ENDPOINT/BUCKET/KEY); on by default with --endpoint.
    #[arg(long)]
    pub path_style: bool,
    /// List what would be uploaded and deleted, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove files from the bucket that site/ no longer has.
    #[arg(long)]
    pub delete: bool,
    /// Let a deploy remove more than `delete_guard` of the target's files (with --delete on S3;
    /// every Netlify deploy removes what site/ lacks).
    #[arg(long)]
    pub force_delete: bool,
    /// Upload every file, changed or not (after changing cache rules, say).
    #[arg(long)]
    pub force_upload: bool,
    /// Uploads in flight at once (default: `concurrency` in [deploy], 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: Option<u16>,
}

pub fn run(project: &Project, args: Args, progress: ProgressMode) -> Result<()> {
    let config = project.load_config()?;
    let target = config.deploy.resolve_target(
        args.target.as_deref(),
        &project.config_path(),
        "no deploy target",
    )?;
    match target {
        Target::S3 { .. } => {
            if args.site.is_some() || args.api_url.is_some() {
                bail!("--site and --api-url are for netlify; {target} is an S3 target");
            }
            if args.force_delete && !args.delete {
                bail!("--force-delete goes with --delete for s3:// targets");
            }
        }
        Target::Netlify => {
            if args.endpoint.is_some() || args.region.is_some() || args.path_style {
                bail!("--endpoint, --region and --path-style are for s3:// targets, not netlify");
            }
            if args.force_upload {
                bail!("--force-upload is for s3:// targets: Netlify asks for what it lacks");
            }
        }
    }
    let over = Overrides {
        endpoint: args.endpoint.clone(),
        region: args.region.clone(),
        path_style: args.path_style.then_some(true),
        netlify_site: args.site.clone(),
        netlify_api_url: args.api_url.clone(),
        netlify_token: None,
    };
    let options = DeployOptions {
        dry_run: args.dry_run,
        delete: args.delete,
        force_delete: args.force_delete,
        force_upload: args.force_upload,
        concurrency: args
            .concurrency
            .map_or(config.deploy.concurrency, usize::from),
        progress,
        ..DeployOptions::from_config(&config.deploy)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let site_dir = project.site_dir();
    let report = runtime.block_on(async {
        let deployer = Deployer::connect(&target, &config.deploy, &over).await?;
        deployer.deploy(&site_dir, &options).await
    })?;
    print_report(&report, args.delete || target == Target::Netlify);
    Ok(())
}

fn print_report(r: &DeployReport, deleting: bool) {
    let time = human::seconds(r.seconds);
    if r.dry_run {
        for path in &r.uploaded {
            println!("upload {path}");
        }
        for path in &r.deleted {
            println!("delete {path}");
        }
        println!(
            "Dry run for {} ({time}): would upload {} ({}), {} unchanged, would delete {}{}",
            r.target,
            r.uploaded.len(),
            human::bytes(r.bytes),
            r.unchanged,
            r.deleted.len(),
            stale_note(r, deleting),
        );
        return;
    }
    println!(
        "Deployed to {}{} in {time}: {} uploaded ({}), {} unchanged, {} deleted{}",
        r.target,
        r.deploy_id
            .as_deref()
            .map(|id| format!(" (deploy {id})"))
            .unwrap_or_default(),
        r.uploaded.len(),
        human::bytes(r.bytes),
        r.unchanged,
        r.deleted.len(),
        stale_note(r, deleting),
    );
}

fn stale_note(r: &DeployReport, deleting: bool) -> String {
    if r.stale > 0 && !deleting {
        format!(
            "; {} file{} there no longer in site/ (--delete removes them)",
            r.stale,
            if r.stale == 1 { " is" } else { "s are" }
        )
    } else {
        String::new()
    }
}
