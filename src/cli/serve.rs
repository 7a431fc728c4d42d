//! `scrollback serve [--port N] [--host ADDR] [--deploy [TARGET]] [--socket-mode]
//! [--push-streams N]`: receives Slack's Events API (over HTTP, and with `--socket-mode` over a
//! WebSocket `serve` opens to Slack) and publishes live (to site/, and with `--deploy` to S3 or
//! Netlify as well; to live pages it hosts by push).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use std::sync::Arc;

use anyhow::{Context, Result, bail};

use scrollback::config::deploy::Target;
use scrollback::deploy::DeployOptions;
use scrollback::deploy::continuous::{ContinuousDeployer, ContinuousOptions};
use scrollback::deploy::deployer::{Deployer, Overrides};
use scrollback::progress::ProgressMode;
use scrollback::project::Project;
use scrollback::serve::commands::Deploys;
use scrollback::serve::{ServeOptions, Verifier};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// The address to listen on (0.0.0.0 to accept requests from other machines).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The app's signing secret, from the Slack app's Basic Information page.
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub signing_secret: Option<String>,
    /// The legacy verification token of old apps, used only when no signing secret is set.
    #[arg(long, env = "SLACK_VERIFICATION_TOKEN", hide_env_values = true)]
    pub verification_token: Option<String>,
    /// Also publish every change to a deploy target as it is built: s3://BUCKET/PATH or netlify
    /// (without a value: `target` in [deploy] of scrollback.toml). Deploy the site once with
    /// `scrollback deploy` first; this sends what each build changes.
    #[arg(long, value_name = "TARGET", num_args = 0..=1, default_missing_value = "")]
    pub deploy: Option<String>,
    /// Also receive events, slash commands and interactions over Slack's Socket Mode: a
    /// WebSocket serve opens to Slack, so no public HTTPS endpoint is needed. Needs the
    /// app-level token (xapp-…, scope connections:write) in SLACK_APP_TOKEN, or a file named
    /// by SLACK_APP_TOKEN_FILE. The signing secret is then optional: without it, Slack's HTTP
    /// routes refuse every request.
    #[arg(long)]
    pub socket_mode: bool,
    /// How many live pages may follow their chat by push (server-sent events from
    /// /_scrollback/live/SLUG) at once; past that, pages poll live.json as they do behind a CDN.
    /// 0 turns push off.
    #[arg(long, value_name = "N", default_value_t = scrollback::serve::push::DEFAULT_MAX_STREAMS)]
    pub push_streams: usize,
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    let secret = args.signing_secret.filter(|s| !s.trim().is_empty());
    let token = args.verification_token.filter(|s| !s.trim().is_empty());
    // Socket Mode first: a missing or malformed app-level token is named before anything starts.
    let socket_mode = if args.socket_mode {
        Some(scrollback::serve::socket_mode::Opener::from_env(
            &project.root,
        )?)
    } else {
        None
    };
    if secret.is_none() && token.is_none() {
        if socket_mode.is_none() {
            bail!(
                "no signing secret: set SLACK_SIGNING_SECRET (the Slack app's Basic Information page) or pass --signing-secret"
            );
        }
        tracing::info!(
            "no signing secret: Slack's events come over Socket Mode only; /slack/events \
             refuses every HTTP request (set SLACK_SIGNING_SECRET to take them over HTTP too)"
        );
    } else if secret.is_none() {
        tracing::warn!(
            "no signing secret: accepting requests by the legacy verification token only"
        );
    } else if token.is_some() {
        tracing::warn!(
            "SLACK_VERIFICATION_TOKEN is ignored: with a signing secret, every request must be signed"
        );
    }
    let continuous = match &args.deploy {
        Some(target) => Some(ContinuousDeploy::start(project, target)?),
        None => None,
    };
    let on_publish: Option<scrollback::serve::OnPublish> = continuous.as_ref().map(|c| {
        let deployer = c.deployer.clone();
        Box::new(move |report: &scrollback::build::BuildReport| deployer.notify_build(report))
            as scrollback::serve::OnPublish
    });
    let socket_mode_on = socket_mode.is_some();
    let options = ServeOptions {
        addr: SocketAddr::new(args.host, args.port),
        verifier: Verifier::new(secret.as_deref(), token.as_deref()),
        on_publish,
        on_listening: Some(Box::new(move |addr| {
            // On stdout, so scripts (and tests) can find the port with --port 0.
            if socket_mode_on {
                println!("Listening on http://{addr} (Slack's events over Socket Mode)");
            } else {
                println!(
                    "Listening on http://{addr} (Slack's Request URL: https://HOST/slack/events)"
                );
            }
            let _ = std::io::stdout().flush();
        })),
        deploys: continuous.as_ref().map(|c| Deploys {
            target: c.target.to_string(),
            status: c.deployer.status(),
        }),
        socket_mode,
        push_streams: args.push_streams,
    };
    let served = scrollback::serve::run(project, options);
    if let Some(continuous) = continuous {
        continuous.finish();
    }
    served?;
    println!("Stopped.");
    Ok(())
}

/// `--deploy`: a [`ContinuousDeployer`] on its own runtime, fed by every build's report.
struct ContinuousDeploy {
    runtime: tokio::runtime::Runtime,
    deployer: Arc<ContinuousDeployer>,
    target: Target,
}

impl ContinuousDeploy {
    /// `given` is empty for `--deploy` without a value.
    fn start(project: &Project, given: &str) -> Result<ContinuousDeploy> {
        let config = project.load_config()?;
        let target = config.deploy.resolve_target(
            Some(given).filter(|g| !g.is_empty()),
            &project.config_path(),
            "--deploy without a target",
        )?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("deploy")
            .enable_all()
            .build()
            .context("cannot start the deploy runtime")?;
        let site = project.site_dir();
        let deployer = runtime.block_on(async {
            let deployer =
                Deployer::connect(&target, &config.deploy, &Overrides::default()).await?;
            deployer
                .check()
                .await
                .with_context(|| format!("cannot publish to {target}: not starting"))?;
            let timing =
                ContinuousOptions::for_deployer(&deployer, config.deploy.live_min_interval);
            let options = DeployOptions {
                progress: ProgressMode::Quiet,
                ..DeployOptions::from_config(&config.deploy)
            };
            anyhow::Ok(ContinuousDeployer::spawn(deployer, site, options, timing))
        })?;
        tracing::info!("publishing every build to {target} as well");
        Ok(ContinuousDeploy {
            runtime,
            deployer: Arc::new(deployer),
            target,
        })
    }

    /// Deploys what is still pending (a few attempts at most), then stops.
    fn finish(self) {
        let ContinuousDeploy {
            runtime,
            deployer,
            target,
        } = self;
        match Arc::try_unwrap(deployer) {
            Ok(deployer) => {
                let status = runtime.block_on(deployer.shutdown());
                tracing::info!("continuous deploys to {target} stopped after {status}");
            }
            Err(_) => tracing::warn!("continuous deploys to {target} stopped with changes pending"),
        }
    }
}
