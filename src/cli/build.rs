//! `scrollback build`.

use scrollback::progress::ProgressMode;
use scrollback::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(project: &Project, _args: Args, progress: ProgressMode) -> anyhow::Result<()> {
    let report = scrollback::build::build(project, progress)?;
    println!("{report}");
    Ok(())
}
