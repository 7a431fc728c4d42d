//! `scrollback build`.

use crate::build::BuildReport;
use crate::progress::ProgressMode;
use crate::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(project: &Project, _args: Args, progress: ProgressMode) -> anyhow::Result<()> {
    let report = crate::build::build(project, progress)?;
    println!("{}", summary(&report));
    Ok(())
}

/// One line: what was built, what changed, how long it took.
pub fn summary(report: &BuildReport) -> String {
    format!(
        "Built {} chat{} ({} messages) in {}: {} rendered, {} files written, {} unchanged, {} removed",
        report.chats,
        if report.chats == 1 { "" } else { "s" },
        report.messages,
        crate::human::seconds(report.seconds),
        report.rendered,
        report.written.len(),
        report.unchanged,
        report.removed.len(),
    )
}
