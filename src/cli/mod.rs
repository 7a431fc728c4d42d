//! The command line: argument parsing, one small module per subcommand, and the only code that
//! prints (the library reports through return values and callbacks).

mod backfill;
mod build;
mod channel;
mod channel_create;
mod deploy;
mod errors;
mod files;
mod import;
mod init;
mod lifecycle;
mod serve;
mod status;
mod sync;
mod talk_back;
mod theme;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use scrollback::progress::ProgressMode;
use scrollback::project::Project;

/// scrollback: publish Slack conversations as a static website, live or archived.
#[derive(Debug, Parser)]
#[command(name = "scrollback", version, about, long_about = None)]
pub struct Cli {
    /// Run on the project in DIR instead of the current folder (the project is the nearest
    /// folder, DIR or a parent, with a scrollback.toml).
    #[arg(short = 'C', long = "root", value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// Print only errors and the final summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new site project: scrollback.toml, content/, the default theme.
    Init(init::Args),
    /// Import a Slack export archive (.zip or unpacked folder) into content/.
    Import(import::Args),
    /// Render content/ with the theme into site/ (only changed files are rewritten).
    Build(build::Args),
    /// Build, serve site/ on http://127.0.0.1:1111 with live reload, and rebuild on every change.
    Watch(watch::Args),
    /// Themes: `theme new NAME` starts one from the default theme.
    Theme(theme::Args),
    /// Publish site/ to S3 (or an S3-compatible store) or Netlify, uploading only what changed.
    Deploy(deploy::Args),
    /// Manage the Slack conversations chats are made from (`channel add ID`, `--name`, `--create`).
    Channel(channel::Args),
    /// Make a draft chat public, live or archived (`--private` for private conversations).
    Publish(lifecycle::PublishArgs),
    /// End a chat's live coverage: it becomes a permanent article.
    Archive(lifecycle::ArchiveArgs),
    /// Take a chat off the site (back to draft); the next deploy removes it from the target.
    Unpublish(lifecycle::UnpublishArgs),
    /// Every chat: state, kind, messages, last message, and whether the site has it.
    Status(status::Args),
    /// Receive Slack's Events API and publish each change within a second; also serves site/.
    Serve(serve::Args),
    /// Read a chat's history and threads from Slack's Web API into content/ (SLACK_BOT_TOKEN).
    Backfill(backfill::Args),
    /// Refresh users (`sync users`) or custom emoji (`sync emoji`) from Slack (SLACK_BOT_TOKEN).
    Sync(sync::Args),
    /// Download the uploads of published chats (or one chat) into content/files/ (files:read).
    Files(files::Args),
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            errors::print(&e);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Init(args) = cli.command {
        return init::run(cli.root.as_deref(), args);
    }
    let project = Project::find(cli.root.as_deref().unwrap_or(Path::new(".")))?;
    let progress = if cli.quiet {
        ProgressMode::Quiet
    } else {
        ProgressMode::Auto
    };
    match cli.command {
        Command::Init(_) => unreachable!("init makes its project: handled above"),
        Command::Import(args) => import::run(&project, args, progress),
        Command::Build(args) => build::run(&project, args, progress),
        Command::Watch(args) => watch::run(&project, args),
        Command::Theme(args) => theme::run(&project, args),
        Command::Deploy(args) => deploy::run(&project, args, progress),
        Command::Channel(args) => channel::run(&project, args),
        Command::Publish(args) => lifecycle::publish(&project, args),
        Command::Archive(args) => lifecycle::archive(&project, args),
        Command::Unpublish(args) => lifecycle::unpublish(&project, args),
        Command::Status(args) => status::run(&project, args),
        Command::Serve(args) => serve::run(&project, args),
        Command::Backfill(args) => backfill::run(&project, args, progress),
        Command::Sync(args) => sync::run(&project, args),
        Command::Files(args) => files::run(&project, args),
    }
}

fn init_logging(quiet: bool) {
    let level = if quiet { "warn" } else { "info" };
    // The AWS SDK logs its own retries and fallbacks (an instance-metadata region lookup that
    // fails on every machine outside EC2) as warnings with debug dumps; the deploy error says
    // what matters in a sentence. SCROLLBACK_LOG=aws_config=debug brings them back.
    let default = format!("{level},aws_config=error,aws_smithy_runtime=error,aws_runtime=error");
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCROLLBACK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
