//! `scrollback publish SLUG`, `scrollback archive SLUG` and `scrollback unpublish SLUG`: a chat's
//! life, draft → live → archived, and back to draft. They change only the chat's `state` in `channel.toml` (through the content store);
//! the next build, or a running `serve` within a second or two, renders the result. What each
//! request comes to is decided in [`scrollback::lifecycle`], which `/scrollback` in Slack shares.
//!
//! A private channel, a direct message or a group DM is never made public by accident: from a
//! draft, publishing one takes `--private`, and the command says what becomes public (issue 12).
//!
//! With `[slack] announce = true` and a token, `publish` and `archive` post the chat's URL to its
//! channel once the new state is saved; a failed post is a warning and the state stands.

use anyhow::{Result, bail};

use scrollback::content::{ChannelSettings, ChatState, Slug};
use scrollback::lifecycle::{self, Plan, Request};
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
    let request = Request::Publish {
        live: args.live,
        archived: args.archived,
    };
    let target = match decide(&slug, &settings, request, args.private, "publish")? {
        Plan::Already(state) => {
            println!("`{slug}` is already published ({state}).");
            return Ok(());
        }
        Plan::Change { to, .. } => to,
    };
    lifecycle::set_state(project, &slug, target)?;
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
    let was_draft = match decide(&slug, &settings, Request::Archive, args.private, "archive")? {
        Plan::Already(_) => {
            println!("`{slug}` is already archived.");
            return Ok(());
        }
        Plan::Change { going_public, .. } => going_public,
    };
    lifecycle::set_state(project, &slug, ChatState::Archived)?;
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
    if let Plan::Already(_) = decide(&slug, &settings, Request::Unpublish, false, "unpublish")? {
        println!("`{slug}` is already a draft (not on the site).");
        return Ok(());
    }
    lifecycle::set_state(project, &slug, ChatState::Draft)?;
    println!(
        "`{slug}` is now a draft. The next `scrollback build` removes it from site/ (a running \
         `serve` does it itself), and the next `scrollback deploy` (or `serve --deploy`) from \
         the deploy target."
    );
    Ok(())
}

/// What `request` comes to; a private conversation going public without `--private` is refused
/// with the command that says yes.
fn decide(
    slug: &Slug,
    settings: &ChannelSettings,
    request: Request,
    private: bool,
    command: &str,
) -> Result<Plan> {
    match lifecycle::plan(slug, settings, request, private) {
        Ok(plan) => Ok(plan),
        Err(refused) => bail!(
            "{refused} Nothing was changed. If they agreed to that, run `scrollback {command} \
             {slug} --private`."
        ),
    }
}

/// What a newly public private conversation is, said once more when it goes public.
fn public_note(settings: &ChannelSettings) -> String {
    match lifecycle::private_kind(settings) {
        None => String::new(),
        Some(kind) => format!(" and public, although it is {kind} (--private)"),
    }
}

fn find(project: &Project, slug: &str) -> Result<(Slug, ChannelSettings)> {
    let slug = Slug::parse(slug)?;
    match lifecycle::chat_by_slug(project, &slug)? {
        Some(settings) => Ok((slug, settings)),
        None => bail!(
            "there is no chat `{slug}` (no content/channels/{slug}/channel.toml); `scrollback channel add` makes one"
        ),
    }
}
