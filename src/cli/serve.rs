//! `scrollback serve [--port N] [--host ADDR]`: receives Slack's Events API and publishes live.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use anyhow::{Result, bail};

use crate::project::Project;
use crate::serve::{ServeOptions, Verifier};

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
    /// The legacy verification token, accepted only for requests without a signature (old apps).
    #[arg(long, env = "SLACK_VERIFICATION_TOKEN", hide_env_values = true)]
    pub verification_token: Option<String>,
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    let secret = args.signing_secret.filter(|s| !s.trim().is_empty());
    let token = args.verification_token.filter(|s| !s.trim().is_empty());
    if secret.is_none() && token.is_none() {
        bail!(
            "no signing secret: set SLACK_SIGNING_SECRET (the Slack app's Basic Information page) or pass --signing-secret"
        );
    }
    if secret.is_none() {
        tracing::warn!(
            "no signing secret: accepting requests by the legacy verification token only"
        );
    }
    let options = ServeOptions {
        addr: SocketAddr::new(args.host, args.port),
        verifier: Verifier::new(secret.as_deref(), token.as_deref()),
        on_publish: None,
        on_listening: Some(Box::new(|addr| {
            // On stdout, so scripts (and tests) can find the port with --port 0.
            println!("Listening on http://{addr} (Slack's Request URL: https://HOST/slack/events)");
            let _ = std::io::stdout().flush();
        })),
    };
    crate::serve::run(project, options)?;
    println!("Stopped.");
    Ok(())
}
