//! A chat's life, draft → live → archived (and back to draft), decided in one place for the
//! command line (`publish`, `archive`, `unpublish`) and for Slack (`/scrollback live`, `archive`,
//! `publish`): which state a request leads to, the guard that keeps a private conversation off
//! the public site unless someone says so (issue 12), the write (`state` or `headline` in
//! `channel.toml`, through the content store), and what the chat's channel is told afterwards.
//! The front ends only word the answers.

use anyhow::{Context, Result};

use crate::config::Config;
use crate::content::{ChannelSettings, ChatState, ConversationKind, Slug};
use crate::project::Project;
use crate::slack::announce::{self, Announcement, Values};
use crate::slack::token::TOKEN_VAR;

/// What someone asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// A draft goes public: live, archived, or (neither asked) archived when its Slack
    /// conversation is over, else live.
    Publish { live: bool, archived: bool },
    /// The chat follows new messages (a draft goes public; an archived chat opens again).
    Live,
    /// The chat becomes a permanent article (a draft goes public).
    Archive,
    /// Back to draft: off the site.
    Unpublish,
}

/// What a request comes to for one chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Nothing to do: the chat is in this state already (for `publish`, published already).
    Already(ChatState),
    /// A change of state; `going_public` when a draft goes on the site.
    Change { to: ChatState, going_public: bool },
}

/// The refusal to make a private channel, a direct message or a group DM public without an
/// explicit yes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{slug}` is {}: publishing it puts its participants' names and messages on the public site.",
    kind.in_words()
)]
pub struct PrivateConversation {
    pub slug: Slug,
    pub kind: ConversationKind,
}

/// What `request` does to a chat in `settings`; `private` is the explicit yes for a private
/// conversation going public.
pub fn plan(
    slug: &Slug,
    settings: &ChannelSettings,
    request: Request,
    private: bool,
) -> Result<Plan, PrivateConversation> {
    let from = settings.state;
    let to = match request {
        Request::Publish { .. } if from != ChatState::Draft => return Ok(Plan::Already(from)),
        Request::Publish { live, archived } => {
            if archived || (!live && settings.slack.is_archived) {
                ChatState::Archived
            } else {
                ChatState::Live
            }
        }
        Request::Live => ChatState::Live,
        Request::Archive => ChatState::Archived,
        Request::Unpublish => ChatState::Draft,
    };
    if to == from {
        return Ok(Plan::Already(from));
    }
    let going_public = from == ChatState::Draft;
    let kind = settings.slack.kind;
    if going_public && kind != ConversationKind::Public && !private {
        return Err(PrivateConversation {
            slug: slug.clone(),
            kind,
        });
    }
    Ok(Plan::Change { to, going_public })
}

/// The kind of a private conversation that goes public, to be said once more when it does
/// ("a private channel"); `None` for a public channel.
pub fn private_kind(settings: &ChannelSettings) -> Option<&'static str> {
    match settings.slack.kind {
        ConversationKind::Public => None,
        kind => Some(kind.in_words()),
    }
}

/// The chat in `content/channels/<slug>/`, if there is one.
pub fn chat_by_slug(project: &Project, slug: &Slug) -> Result<Option<ChannelSettings>> {
    let store = project.open_store()?;
    let entry = store.load_channels()?.into_iter().find(|e| e.slug == *slug);
    Ok(entry.map(|e| e.settings))
}

/// The chat that follows Slack conversation `channel_id`, if one does.
pub fn chat_by_channel(
    project: &Project,
    channel_id: &str,
) -> Result<Option<(Slug, ChannelSettings)>> {
    let store = project.open_store()?;
    let entry = store
        .load_channels()?
        .into_iter()
        .find(|e| e.settings.channel_id == channel_id);
    Ok(entry.map(|e| (e.slug, e.settings)))
}

/// Saves a chat's new state (a running `serve` rebuilds it at its next idle look).
pub fn set_state(project: &Project, slug: &Slug, state: ChatState) -> Result<()> {
    set_key(project, slug, "state", state.as_str())
        .with_context(|| format!("cannot change the state of `{slug}`"))
        .map(drop)
}

/// Saves a chat's new headline; whether it changed.
pub fn set_headline(project: &Project, slug: &Slug, headline: &str) -> Result<bool> {
    set_key(project, slug, "headline", headline)
        .with_context(|| format!("cannot change the headline of `{slug}`"))
}

fn set_key(project: &Project, slug: &Slug, key: &str, value: &str) -> Result<bool> {
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    let changed = batch.set_editorial_key(slug, key, value)?;
    batch.commit()?;
    Ok(changed)
}

/// What to post to a chat's channel about `what` (the Slack client, if any, is the caller's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announce {
    /// Post `text` to the conversation `channel`.
    Post { channel: String, text: String },
    /// `[slack] announce` is off: nothing to say.
    Off,
    /// Announcements are on, but this one cannot be posted: why.
    Skipped(String),
}

/// The announcement of `what` to the channel of the chat `slug` (with its settings as they
/// were before the change: the headline and conversation are the same); `has_token` says
/// whether the caller has a Slack client to post with.
pub fn announcement(
    config: &Config,
    slug: &Slug,
    settings: &ChannelSettings,
    what: Announcement,
    has_token: bool,
) -> Announce {
    if !config.slack.announce {
        return Announce::Off;
    }
    if settings.slack.is_archived {
        return Announce::Skipped(format!(
            "the Slack conversation of `{slug}` is archived: nothing was posted to it"
        ));
    }
    if !has_token {
        return Announce::Skipped(format!(
            "[slack] announce is on but {TOKEN_VAR} is not set: nothing was posted to the Slack channel of `{slug}`"
        ));
    }
    let values = Values::new(config, slug, &settings.headline);
    match announce::render(what.template(&config.slack), &values) {
        Some(text) => Announce::Post {
            channel: settings.channel_id.clone(),
            text,
        },
        None => Announce::Skipped(format!(
            "nothing to post to the Slack channel of `{slug}`: the message is only the chat's URL, and base_url is not set in scrollback.toml"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(state: ChatState, kind: ConversationKind, slack_archived: bool) -> ChannelSettings {
        let mut s: ChannelSettings = crate::config::parse_toml(
            "channel_id = \"C1\"\nheadline = \"Night\"\n[slack]\nname = \"night\"\n",
        )
        .unwrap();
        s.state = state;
        s.slack.kind = kind;
        s.slack.is_archived = slack_archived;
        s
    }

    #[test]
    fn requests_and_what_they_come_to() {
        use ChatState::*;
        use ConversationKind::*;
        let slug = Slug::parse("night").unwrap();
        let plan = |s: &ChannelSettings, r: Request, private: bool| plan(&slug, s, r, private);
        let publish = Request::Publish {
            live: false,
            archived: false,
        };
        let change = |to, going_public| Ok(Plan::Change { to, going_public });
        assert_eq!(
            plan(&chat(Draft, Public, false), publish, false),
            change(Live, true)
        );
        assert_eq!(
            plan(&chat(Draft, Public, true), publish, false),
            change(Archived, true)
        );
        assert_eq!(
            plan(&chat(Live, Public, false), publish, false),
            Ok(Plan::Already(Live))
        );
        assert_eq!(
            plan(&chat(Archived, Public, false), Request::Live, false),
            change(Live, false)
        );
        assert_eq!(
            plan(&chat(Archived, Private, false), Request::Archive, false),
            Ok(Plan::Already(Archived))
        );
        assert_eq!(
            plan(&chat(Live, Dm, false), Request::Unpublish, false),
            change(Draft, false)
        );
        // A private draft goes public only with the explicit yes.
        let refused = plan(&chat(Draft, Mpim, false), Request::Archive, false).unwrap_err();
        assert!(
            refused.to_string().contains("a group direct message"),
            "{refused}"
        );
        assert_eq!(
            plan(&chat(Draft, Private, false), Request::Live, true),
            change(Live, true)
        );
        // Once public, it is no longer asked.
        assert_eq!(
            plan(&chat(Live, Private, false), Request::Archive, false),
            change(Archived, false)
        );
    }
}
