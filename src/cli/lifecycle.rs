//! `scrollback publish SLUG` and `scrollback archive SLUG`: a chat's life, draft → live →
//! archived. They change only the chat's `state` in `channel.toml` (through the content store);
//! the next build, or a running `serve` within a second or two, renders the result.

use anyhow::{Context, Result, bail};

use scrollback::content::{ChatState, Slug};
use scrollback::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The chat (its folder in content/channels/).
    pub slug: String,
}

/// `publish`: a draft goes public. A chat that is over (its Slack conversation is archived, as
/// imported private conversations usually are) becomes an archived article; any other becomes
/// live, so the page follows new messages.
pub fn publish(project: &Project, args: Args) -> Result<()> {
    let (slug, settings) = find(project, &args.slug)?;
    let target = match settings.state {
        ChatState::Draft if settings.slack.is_archived => ChatState::Archived,
        ChatState::Draft => ChatState::Live,
        other => {
            println!("`{slug}` is already published ({other}).");
            return Ok(());
        }
    };
    set_state(project, &slug, target)?;
    println!(
        "`{slug}` is now {target}. Run `scrollback build` (a running `serve` picks it up itself)."
    );
    Ok(())
}

/// `archive`: the event is over; the chat becomes a permanent article (no live updates).
pub fn archive(project: &Project, args: Args) -> Result<()> {
    let (slug, settings) = find(project, &args.slug)?;
    if settings.state == ChatState::Archived {
        println!("`{slug}` is already archived.");
        return Ok(());
    }
    set_state(project, &slug, ChatState::Archived)?;
    println!(
        "`{slug}` is now archived{}. Run `scrollback build` (a running `serve` picks it up itself).",
        if settings.state == ChatState::Draft {
            " (and published)"
        } else {
            ""
        }
    );
    Ok(())
}

fn find(project: &Project, slug: &str) -> Result<(Slug, scrollback::content::ChannelSettings)> {
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
