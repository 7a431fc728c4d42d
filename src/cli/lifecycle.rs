//! `scrollback publish SLUG`, `scrollback archive SLUG` and `scrollback unpublish SLUG`: a chat's
//! life, draft → live → archived, and back to draft. They change only the chat's `state` in `channel.toml` (through the content store);
//! the next build, or a running `serve` within a second or two, renders the result.
//!
//! A private channel, a direct message or a group DM is never made public by accident: from a
//! draft, publishing one takes `--private`, and the command says what becomes public (issue 12).
//!
//! With `[slack] announce = true` and a token, `publish` and `archive` post the chat's URL to its
//! channel once the new state is saved; a failed post is a warning and the state stands.

use anyhow::{Context, Result, bail};

use scrollback::content::{ChannelSettings, ChatState, ConversationKind, Slug};
use scrollback::project::Project;

use super::talk_back;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The chat (its folder in content/channels/).
    pub slug: String,
    /// Publish it as a live chat (the page follows new messages).
    #[arg(long, conflicts_with = "archived")]
    pub live: bool,
    /// Publish it straight to archived: a finished conversation as a permanent article.
    #[arg(long)]
    pub archived: bool,
    /// Publish it although it is a private channel, a direct message or a group DM: its
    /// participants' names and messages go on the public site.
    #[arg(long)]
    pub private: bool,
}

#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// The chat (its folder in content/channels/).
    pub slug: String,
    /// Publish it although it is a private channel, a direct message or a group DM (when it is
    /// still a draft): its participants' names and messages go on the public site.
    #[arg(long)]
    pub private: bool,
}

/// `publish`: a draft goes public, live or archived. Without `--live` or `--archived`, a chat
/// that is over (its Slack conversation is archived, as imported private conversations usually
/// are) becomes an archived article, any other a live one.
pub fn publish(project: &Project, args: PublishArgs) -> Result<()> {
    let (slug, settings) = find(project, &args.slug)?;
    if settings.state != ChatState::Draft {
        println!("`{slug}` is already published ({}).", settings.state);
        return Ok(());
    }
    let target = if args.archived || (!args.live && settings.slack.is_archived) {
        ChatState::Archived
    } else {
        ChatState::Live
    };
    going_public(&slug, &settings, args.private, "publish")?;
    set_state(project, &slug, target)?;
    println!(
        "`{slug}` is now {target}{}. Run `scrollback build` (a running `serve` picks it up itself).",
        public_note(&settings)
    );
    talk_back::announce_change(project, &slug, &settings, target);
    Ok(())
}

/// `archive`: the event is over; the chat becomes a permanent article (no live updates).
pub fn archive(project: &Project, args: ArchiveArgs) -> Result<()> {
    let (slug, settings) = find(project, &args.slug)?;
    if settings.state == ChatState::Archived {
        println!("`{slug}` is already archived.");
        return Ok(());
    }
    let was_draft = settings.state == ChatState::Draft;
    if was_draft {
        going_public(&slug, &settings, args.private, "archive")?;
    }
    set_state(project, &slug, ChatState::Archived)?;
    println!(
        "`{slug}` is now archived{}. Run `scrollback build` (a running `serve` picks it up itself).",
        if was_draft {
            format!(" and published{}", public_note(&settings))
        } else {
            String::new()
        }
    );
    talk_back::announce_change(project, &slug, &settings, ChatState::Archived);
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct UnpublishArgs {
    /// The chat (its folder in content/channels/).
    pub slug: String,
}

/// `unpublish`: back to draft. The next build removes the chat from `site/`, and the next
/// deploy (or a running `serve --deploy`) from the deploy target, `--delete` or not.
pub fn unpublish(project: &Project, args: UnpublishArgs) -> Result<()> {
    let (slug, settings) = find(project, &args.slug)?;
    if settings.state == ChatState::Draft {
        println!("`{slug}` is already a draft (not on the site).");
        return Ok(());
    }
    set_state(project, &slug, ChatState::Draft)?;
    println!(
        "`{slug}` is now a draft. The next `scrollback build` removes it from site/ (a running \
         `serve` does it itself), and the next `scrollback deploy` (or `serve --deploy`) from \
         the deploy target."
    );
    Ok(())
}

/// Refuses to make a private conversation public without `--private`.
fn going_public(
    slug: &Slug,
    settings: &ChannelSettings,
    private: bool,
    command: &str,
) -> Result<()> {
    let kind = settings.slack.kind;
    if kind == ConversationKind::Public || private {
        return Ok(());
    }
    bail!(
        "`{slug}` is {}: publishing it puts its participants' names and messages on the public \
         site. Nothing was changed. If they agreed to that, run `scrollback {command} {slug} \
         --private`.",
        kind.in_words()
    )
}

/// What a newly public private conversation is, said once more when it goes public.
fn public_note(settings: &ChannelSettings) -> String {
    match settings.slack.kind {
        ConversationKind::Public => String::new(),
        kind => format!(
            " and public, although it is {} (--private)",
            kind.in_words()
        ),
    }
}

fn find(project: &Project, slug: &str) -> Result<(Slug, ChannelSettings)> {
    let slug = Slug::parse(slug)?;
    let store = project.open_store()?;
    let entry = store.load_channels()?.into_iter().find(|e| e.slug == slug);
    match entry {
        Some(e) => Ok((slug, e.settings)),
        None => bail!(
            "there is no chat `{slug}` (no content/channels/{slug}/channel.toml); `scrollback channel add` makes one"
        ),
    }
}

fn set_state(project: &Project, slug: &Slug, state: ChatState) -> Result<()> {
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    batch
        .set_editorial_key(slug, "state", state.as_str())
        .with_context(|| format!("cannot change the state of `{slug}`"))?;
    batch.commit()?;
    Ok(())
}
