//! `scrollback sync users` and `scrollback sync emoji`: the workspace's people and custom emoji
//! from Slack's Web API into content/ (needs SLACK_BOT_TOKEN).

use anyhow::Result;

use scrollback::human::{count, seconds};
use scrollback::import::sync::{SyncReport, sync_emoji, sync_users};
use scrollback::project::Project;
use scrollback::slack::SlackClient;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Every user of the workspace (users.list) into content/users/, and their avatars into
    /// content/users/avatars/; needs users:read.
    Users,
    /// Every custom emoji (emoji.list), images included, into content/emoji/; needs emoji:read.
    Emoji,
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    let client = SlackClient::from_env(&project.root)?;
    let runtime = super::talk_back::runtime()?;
    let (report, noun) = match args.what {
        What::Users => (
            runtime.block_on(sync_users(project, &client))?,
            ("user", "users"),
        ),
        What::Emoji => (
            runtime.block_on(sync_emoji(project, &client))?,
            ("emoji", "emoji"),
        ),
    };
    print(&report, noun);
    Ok(())
}

fn print(report: &SyncReport, (one, many): (&str, &str)) {
    for skipped in &report.skipped {
        eprintln!("skipped {skipped}");
    }
    println!(
        "Synced {} from Slack in {}: {}{}; {}",
        count(report.listed, one, many),
        seconds(report.seconds),
        report.written,
        if report.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} skipped", report.skipped.len())
        },
        count(report.requests, "request", "requests"),
    );
    if let Some(avatars) = &report.avatars {
        for skipped in &avatars.skipped {
            eprintln!("skipped {skipped}");
        }
        println!(
            "Avatars of {}: {} downloaded; {}{}{}",
            count(avatars.users, "user", "users"),
            avatars.downloaded,
            avatars.written,
            if avatars.removed == 0 {
                String::new()
            } else {
                format!("; {} replaced", avatars.removed)
            },
            if avatars.skipped.is_empty() {
                String::new()
            } else {
                format!("; {} skipped", avatars.skipped.len())
            },
        );
    }
}
