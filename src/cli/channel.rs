//! `scrollback channel add ID --slug S --headline H [--draft]`: a chat for a live conversation,
//! before its first message arrives.

use anyhow::{Result, bail};

use scrollback::content::{
    ChannelDescription, ChatState, ConversationKind, SlackChannelInfo, Slug,
};
use scrollback::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Track a Slack conversation as a chat: `serve` publishes its events from now on.
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Slack's conversation id (C… public, G… or C… private; from the channel's details).
    pub id: String,
    /// The chat's folder and URL segment.
    #[arg(long)]
    pub slug: String,
    /// The chat's title.
    #[arg(long)]
    pub headline: String,
    /// A sentence or two (Markdown).
    #[arg(long, default_value = "")]
    pub description: String,
    /// Prepare it unpublished (`scrollback publish SLUG` later); without it the chat is live now.
    #[arg(long)]
    pub draft: bool,
    /// The conversation is private (a G… id always is).
    #[arg(long)]
    pub private: bool,
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    match args.command {
        Command::Add(a) => add(project, a),
    }
}

/// Whether `id` looks like a Slack conversation id (and so is safe to store).
fn is_conversation_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && matches!(id.as_bytes()[0], b'C' | b'G' | b'D')
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn add(project: &Project, args: AddArgs) -> Result<()> {
    if !is_conversation_id(&args.id) {
        bail!(
            "{:?} is not a Slack conversation id (like C5PHLJHM1: letters and digits, starting with C, G or D)",
            args.id
        );
    }
    let slug = Slug::parse(&args.slug)?;
    if args.headline.trim().is_empty() {
        bail!("--headline must not be empty");
    }
    let mut store = project.open_store()?;
    if let Some(existing) = store.slug_for_channel(&args.id) {
        bail!(
            "{} is already the chat `{existing}` (content/channels/{existing}/channel.toml)",
            args.id
        );
    }
    if store.layout().chat_dir(&slug).exists() {
        bail!("content/channels/{slug}/ already exists: choose another --slug");
    }
    let kind = match args.id.as_bytes()[0] {
        b'D' => ConversationKind::Dm,
        b'G' => ConversationKind::Private,
        _ if args.private => ConversationKind::Private,
        _ => ConversationKind::Public,
    };
    let state = if args.draft {
        ChatState::Draft
    } else {
        ChatState::Live
    };
    let mut batch = store.begin()?;
    let made = batch.ensure_channel(&ChannelDescription {
        channel_id: args.id.clone(),
        slack: SlackChannelInfo {
            kind,
            ..SlackChannelInfo::default()
        },
        slug: Some(slug.clone()),
        headline: Some(args.headline.trim().to_owned()),
        description: Some(args.description),
        state: Some(state),
    })?;
    batch.commit()?;
    println!(
        "Added chat `{made}` for {} ({state}): content/channels/{made}/channel.toml. {}",
        args.id,
        if args.draft {
            format!("Publish it with `scrollback publish {made}`.")
        } else {
            "`scrollback serve` publishes its messages as they arrive.".to_owned()
        }
    );
    Ok(())
}
