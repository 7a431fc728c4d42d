//! `scrollback watch [--port N] [--interface IP] [--open] [--poll [MS]]`: prints what the watch
//! loop reports, one line per rebuild.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use scrollback::build::Change;
use scrollback::build::change::describe;
use scrollback::project::Project;
use scrollback::watch::{WatchEvent, WatchOptions, run as watch};

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
        Arc::new(print),
    )
}

fn print(event: WatchEvent<'_>) {
    match event {
        WatchEvent::Serving(url) => {
            println!("Serving site/ on {url} (rebuilds on change; Ctrl-C to stop)");
        }
        // The first build: the same summary as `scrollback build`.
        WatchEvent::Built { changes, report } if changes == [Change::Everything] => {
            println!("{report}");
        }
        WatchEvent::Built { changes, report } => {
            println!("{}: {}", describe(changes), report.short());
        }
        WatchEvent::Failed { changes, error } => {
            eprintln!("{}: build failed", describe(changes));
            super::errors::print(error);
        }
        WatchEvent::NoBrowser(url) => println!("(could not start a browser: open {url} yourself)"),
    }
}
