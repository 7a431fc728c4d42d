//! `scrollback import PATH [--channels a,b] [--keep-going] [--files [--max-mb N]]`.

use std::path::PathBuf;

use anyhow::bail;

use scrollback::content::ConversationKind;
use scrollback::human::{count, seconds};
use scrollback::import::files::{DEFAULT_MAX_BYTES, keep_export_files};
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
    /// Also download the uploads of the export's public channels into content/files/ (with
    /// their thumbnails), using the `?t=` token an official export's file URLs carry while it is
    /// valid (no SLACK_BOT_TOKEN needed; the token is never written). Private conversations'
    /// uploads are left: `scrollback files SLUG` keeps them once the chat is published. The
    /// import lands first; a file that cannot be kept is named, and the exit status is then 1.
    #[arg(long)]
    pub files: bool,
    /// With --files: the largest file kept, in MiB; larger ones are listed and left on Slack.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_BYTES / 1024 / 1024, requires = "files")]
    pub max_mb: u64,
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
            files: args.files,
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
        seconds(report.seconds),
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
    if args.files {
        keep_files(project, &report.export_files, args.max_mb)?;
    }
    Ok(())
}

/// `--files`, once the import has landed: the uploads, each committed on its own. A file not
/// kept is a warning naming it; any such file makes the exit status 1 (as `scrollback files`
/// does), so a script notices that the archive still depends on Slack, while the messages stay
/// imported (a second run fetches only what is missing).
fn keep_files(
    project: &Project,
    files: &scrollback::import::files::ExportFiles,
    max_mb: u64,
) -> anyhow::Result<()> {
    let runtime = super::talk_back::runtime()?;
    let max = max_mb.saturating_mul(1024 * 1024);
    let report = runtime.block_on(keep_export_files(project, files, max))?;
    for failed in &report.failed {
        eprintln!("warning: file not kept: {failed}");
    }
    println!(
        "{}",
        report.summary(&count(report.chats, "public channel", "public channels"))
    );
    if !report.failed.is_empty() {
        bail!(
            "the import landed, but {} could not be kept: the pages show them without a link. \
             Import again while the export's links work, or keep them with a bot token \
             (files:read): `scrollback files`",
            count(report.failed.len(), "file", "files")
        );
    }
    Ok(())
}
