//! `scrollback watch [--port N] [--interface IP] [--open] [--poll [MS]] [--drafts]`: prints what
//! the watch loop reports, one line per rebuild.

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
    /// Preview draft chats too. The preview is built in .scrollback/preview/, never in site/,
    /// so `build` and `deploy` still publish only published chats.
    #[arg(long)]
    pub drafts: bool,
}

pub fn run(project: &Project, args: Args) -> anyhow::Result<()> {
    let drafts = args.drafts;
    watch(
        project,
        &WatchOptions {
            addr: SocketAddr::new(args.interface, args.port),
            poll: args.poll.map(Duration::from_millis),
            open: args.open,
            drafts: args.drafts,
        },
        Arc::new(move |event| print(event, drafts)),
    )
}

fn print(event: WatchEvent<'_>, drafts: bool) {
    match event {
        WatchEvent::Serving(url) if drafts => {
            println!(
                "Serving a preview with draft chats on {url} (built in .scrollback/preview/, never in site/; rebuilds on change; Ctrl-C to stop)"
            );
        }
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
