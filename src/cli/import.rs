//! `scrollback import PATH [--channels a,b] [--keep-going]`.

use std::path::PathBuf;

use scrollback::content::ConversationKind;
use scrollback::human::count;
use scrollback::import::{ImportOptions, import};
use scrollback::progress::ProgressMode;
use scrollback::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The export: a .zip file or an unpacked folder.
    pub path: PathBuf,
    /// Import only these conversations (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub channels: Vec<String>,
    /// Skip bad entries (and say so) instead of refusing the whole archive.
    #[arg(long)]
    pub keep_going: bool,
    /// Refuse an entry that inflates to more than this many MiB (a zip bomb's defence).
    #[arg(long, value_name = "MB", default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_entry_mb: u64,
}

pub fn run(project: &Project, args: Args, progress: ProgressMode) -> anyhow::Result<()> {
    let report = import(
        project,
        &args.path,
        &ImportOptions {
            channels: args.channels,
            keep_going: args.keep_going,
            progress: Some(progress),
            max_entry_bytes: args.max_entry_mb << 20,
        },
    )?;
    for skipped in &report.skipped {
        eprintln!("warning: skipped {skipped}");
    }
    if progress != ProgressMode::Quiet {
        for (slug, _) in &report.new_chats {
            eprintln!("new chat: content/channels/{slug}/");
        }
    }
    println!(
        "Imported {} from {} in {}: {}; {}{}",
        count(report.messages, "message", "messages"),
        count(report.conversations, "conversation", "conversations"),
        scrollback::human::seconds(report.seconds),
        report.written,
        count(report.users, "user", "users"),
        match report.skipped.len() {
            0 => String::new(),
            n => format!("; {} skipped", count(n, "bad entry", "bad entries")),
        }
    );
    let drafts: Vec<String> = report
        .new_chats
        .iter()
        .filter(|(_, kind)| *kind != ConversationKind::Public)
        .map(|(slug, kind)| format!("`{slug}` ({})", kind.in_words()))
        .collect();
    if !drafts.is_empty() {
        let what = match drafts.len() {
            1 => "1 new chat from a private conversation is a draft".to_owned(),
            n => format!("{n} new chats from private conversations are drafts"),
        };
        println!(
            "{what}, off the site: {}. Publish one, once its participants agree, with \
             `scrollback publish SLUG --archived --private`.",
            drafts.join(", ")
        );
    }
    Ok(())
}
