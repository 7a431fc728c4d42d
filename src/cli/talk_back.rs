//! The commands' side of Slack's Web API where it is optional (`channel add ID`, `publish`,
//! `archive`): a client only when a token is set, and posting to a chat's channel after a change
//! is saved. A failed post is a warning: the change it announces stands.

use anyhow::{Context, Result};
use tokio::runtime::Runtime;

use scrollback::content::{ChannelSettings, ChatState, Slug};
use scrollback::lifecycle::{self, Announce};
use scrollback::project::Project;
use scrollback::slack::SlackClient;
use scrollback::slack::announce::{self, Announcement};

/// A runtime for a command's Web API calls.
pub fn runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Whether the environment names a token (`SLACK_BOT_TOKEN` or `SLACK_BOT_TOKEN_FILE`).
pub fn token_configured() -> bool {
    scrollback::slack::token::is_configured()
}

/// The client when a token is set; `None` without one (the command then works without Slack).
pub fn optional_client(project: &Project) -> Result<Option<SlackClient>> {
    if !token_configured() {
        return Ok(None);
    }
    SlackClient::from_env(&project.root).map(Some)
}

pub fn warn(what: impl std::fmt::Display) {
    eprintln!("warning: {what}");
}

/// Posts `text` to the chat's conversation; a failure is a warning naming what to do.
pub fn post(runtime: &Runtime, client: &SlackClient, slug: &Slug, channel_id: &str, text: &str) {
    match runtime.block_on(announce::post(client, channel_id, text)) {
        Ok(()) => println!("Posted to the Slack channel of `{slug}`."),
        Err(e) => warn(format_args!(
            "nothing was posted to the Slack channel of `{slug}`: {e}"
        )),
    }
}

/// After `slug` went from its `settings.state` to `to` (saved): with `[slack] announce = true`
/// and a token, posts the chat's URL to its channel. Never fails the command.
pub fn announce_change(project: &Project, slug: &Slug, settings: &ChannelSettings, to: ChatState) {
    if let Some(what) = Announcement::of_change(settings.state, to) {
        announce(project, slug, settings, what);
    }
}

/// Posts `what` to the chat's channel when `[slack] announce` is on; problems are warnings.
pub fn announce(project: &Project, slug: &Slug, settings: &ChannelSettings, what: Announcement) {
    let config = match project.load_config() {
        Ok(c) => c,
        Err(e) => {
            warn(format_args!(
                "cannot read the configuration, so nothing was posted to Slack: {e:#}"
            ));
            return;
        }
    };
    let has_token = token_configured();
    let (channel, text) = match lifecycle::announcement(&config, slug, settings, what, has_token) {
        Announce::Off => return,
        Announce::Skipped(why) => return warn(why),
        Announce::Post { channel, text } => (channel, text),
    };
    let client = match optional_client(project) {
        Ok(Some(client)) => client,
        Ok(None) => return,
        Err(e) => {
            return warn(format_args!(
                "nothing was posted to the Slack channel of `{slug}`: {e:#}"
            ));
        }
    };
    match runtime() {
        Ok(runtime) => post(&runtime, &client, slug, &channel, &text),
        Err(e) => warn(format_args!(
            "nothing was posted to the Slack channel of `{slug}`: {e:#}"
        )),
    }
}

/// A chat's settings as saved.
pub fn saved_settings(project: &Project, slug: &Slug) -> Result<ChannelSettings> {
    let store = project.open_store()?;
    let entry = store.load_channels()?.into_iter().find(|e| e.slug == *slug);
    entry
        .map(|e| e.settings)
        .with_context(|| format!("content/channels/{slug}/channel.toml disappeared"))
}
