//! `scrollback watch [--port N] [--interface IP] [--open] [--poll [MS]]`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::project::Project;
use crate::watch::{WatchOptions, run as watch};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port of the dev server (0: any free port).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on; loopback by default, so only this machine sees the drafts.
    #[arg(long, default_value = "127.0.0.1")]
    pub interface: IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Poll for changes every MS milliseconds instead of using file system events (for network
    /// or container file systems that send none).
    #[arg(long, value_name = "MS", num_args = 0..=1, default_missing_value = "500")]
    pub poll: Option<u64>,
}

pub fn run(project: &Project, args: Args) -> anyhow::Result<()> {
    watch(
        project,
        &WatchOptions {
            addr: SocketAddr::new(args.interface, args.port),
            poll: args.poll.map(Duration::from_millis),
            open: args.open,
        },
    )
}
