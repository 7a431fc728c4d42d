//! `scrollback build`.

use crate::progress::ProgressMode;
use crate::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(project: &Project, _args: Args, progress: ProgressMode) -> anyhow::Result<()> {
    let report = crate::build::build(project, progress)?;
    println!(
        "Built {} chat{} ({} messages, {} pages) in {}: {} files written, {} unchanged, {} removed",
        report.chats,
        if report.chats == 1 { "" } else { "s" },
        report.messages,
        report.pages,
        super::seconds(report.seconds),
        report.written.len(),
        report.unchanged,
        report.removed.len(),
    );
    Ok(())
}
