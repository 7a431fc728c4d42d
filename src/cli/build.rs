//! `scrollback build`.

use crate::progress::ProgressMode;
use crate::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(project: &Project, _args: Args, progress: ProgressMode) -> anyhow::Result<()> {
    let report = crate::build::build(project, progress)?;
    println!("{report}");
    Ok(())
}
