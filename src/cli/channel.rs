//! `scrollback channel add`: a chat for a live conversation, before its first message arrives.
//!
//! Three ways to name the conversation: its id (`channel add C… --slug S`, which works without
//! Slack's Web API; with a token it also fills the `[slack]` table from `conversations.info`),
//! its name (`--name`, found with `conversations.list`), or a new channel (`--create`, in
//! [`super::channel_create`]).

use anyhow::{Result, bail};

use scrollback::content::{
    ChannelDescription, ChatState, ConversationKind, SlackChannelInfo, Slug,
};
use scrollback::project::Project;
use scrollback::slack::announce::Announcement;
use scrollback::slack::conversations::{self, Conversation, normalize_name};
use scrollback::slack::{SlackClient, token::TOKEN_VAR};

use super::channel_create;
use super::talk_back::{self, warn};

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
#[command(group(
    clap::ArgGroup::new("conversation")
        .required(true)
        .args(["id", "name", "create"])
))]
pub struct AddArgs {
    /// Slack's conversation id (C… public, G… or C… private; from the channel's details).
    pub id: Option<String>,
    /// Find the channel by its name instead (conversations.list; needs SLACK_BOT_TOKEN).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Create the channel in Slack, invite --invite and post the intro message (needs
    /// SLACK_BOT_TOKEN).
    #[arg(long, value_name = "NAME")]
    pub create: Option<String>,
    /// The chat's folder and URL segment (default: the channel's name).
    #[arg(long)]
    pub slug: Option<String>,
    /// The chat's title.
    #[arg(long)]
    pub headline: String,
    /// A sentence or two (Markdown).
    #[arg(long, default_value = "")]
    pub description: String,
    /// Prepare it unpublished (`scrollback publish SLUG` later); without it the chat is live now.
    #[arg(long)]
    pub draft: bool,
    /// The conversation is private (a G… id always is; with --create, a private channel).
    #[arg(long)]
    pub private: bool,
    /// With --create: Slack user ids to invite, comma-separated (U1,U2).
    #[arg(long, value_delimiter = ',', requires = "create", value_name = "USERS")]
    pub invite: Vec<String>,
    /// With --create: do not post the intro message.
    #[arg(long, requires = "create")]
    pub no_intro: bool,
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    match args.command {
        Command::Add(a) if a.create.is_some() => channel_create::run(project, a),
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

/// `channel add ID` and `channel add --name NAME`.
fn add(project: &Project, args: AddArgs) -> Result<()> {
    if let Some(id) = &args.id
        && !is_conversation_id(id)
    {
        bail!(
            "{id:?} is not a Slack conversation id (like C5PHLJHM1: letters and digits, starting with C, G or D)"
        );
    }
    let slug = args.slug.as_deref().map(Slug::parse).transpose()?;
    check_headline(&args.headline)?;
    let store = project.open_store()?;
    if let Some(id) = &args.id {
        check_not_followed(&store, id)?;
    }
    if let Some(slug) = &slug {
        check_slug_free(&store, slug)?;
    }
    let runtime = talk_back::runtime()?;
    let (id, found) = match (&args.id, &args.name) {
        (Some(id), _) => (id.clone(), look_up(project, &runtime, id)),
        (None, Some(name)) => {
            let client = SlackClient::from_env(&project.root)?;
            let found = runtime.block_on(conversations::find_by_name(&client, name))?;
            check_not_followed(&store, &found.id)?;
            (found.id.clone(), Some(found))
        }
        (None, None) => unreachable!("clap requires an id, --name or --create"),
    };
    let slug = match slug {
        Some(s) => s,
        None => {
            let s = default_slug(found.as_ref().map(|c| c.info.name.as_str()))?;
            check_slug_free(&store, &s)?;
            s
        }
    };
    drop(store);
    if let Some(c) = &found
        && !c.is_member
    {
        warn(format_args!(
            "the app is not a member of #{}: type `/invite @your-app` in it, or Slack sends `serve` none of its messages",
            c.info.name
        ));
    }
    let info = match found {
        Some(c) => SlackChannelInfo {
            kind: kind_of(&id, args.private, Some(c.info.kind)),
            ..c.info
        },
        None => SlackChannelInfo {
            kind: kind_of(&id, args.private, None),
            ..SlackChannelInfo::default()
        },
    };
    let new = NewChat {
        id,
        info,
        slug,
        headline: args.headline.trim().to_owned(),
        description: args.description,
        draft: args.draft,
    };
    let made = new.write(project)?;
    if !args.draft {
        // `[slack] announce`: a chat live from the start is one going live.
        match talk_back::saved_settings(project, &made) {
            Ok(settings) => talk_back::announce(project, &made, &settings, Announcement::Live),
            Err(e) => warn(format_args!("nothing was posted to Slack: {e:#}")),
        }
    }
    Ok(())
}

/// With a token, what Slack says about `id`; any problem is a warning (the id form works
/// without Slack).
fn look_up(project: &Project, runtime: &tokio::runtime::Runtime, id: &str) -> Option<Conversation> {
    let client = match talk_back::optional_client(project) {
        Ok(client) => client?,
        Err(e) => {
            warn(format_args!(
                "cannot use the Slack token, so the chat is added without the channel's name and topic: {e:#}"
            ));
            return None;
        }
    };
    match runtime.block_on(conversations::info(&client, id)) {
        Ok(c) => Some(c),
        Err(e) => {
            warn(format_args!(
                "the chat is added without the channel's name and topic: {e:#}"
            ));
            None
        }
    }
}

/// A chat about to be written.
pub struct NewChat {
    pub id: String,
    pub info: SlackChannelInfo,
    pub slug: Slug,
    pub headline: String,
    pub description: String,
    pub draft: bool,
}

impl NewChat {
    pub fn state(&self) -> ChatState {
        if self.draft {
            ChatState::Draft
        } else {
            ChatState::Live
        }
    }

    /// Writes its `channel.toml` and says so.
    pub fn write(self, project: &Project) -> Result<Slug> {
        let state = self.state();
        let mut store = project.open_store()?;
        let mut batch = store.begin()?;
        let made = batch.ensure_channel(&ChannelDescription {
            channel_id: self.id.clone(),
            slack: self.info.clone(),
            slug: Some(self.slug.clone()),
            headline: Some(self.headline.clone()),
            description: Some(self.description.clone()),
            state: Some(state),
        })?;
        batch.commit()?;
        let channel = if self.info.name.is_empty() {
            self.id.clone()
        } else {
            format!("#{} ({})", self.info.name, self.id)
        };
        println!(
            "Added chat `{made}` for {channel} ({state}): content/channels/{made}/channel.toml. {}",
            if self.draft {
                format!("Publish it with `scrollback publish {made}`.")
            } else {
                "`scrollback serve` publishes its messages as they arrive.".to_owned()
            }
        );
        Ok(made)
    }
}

pub fn check_headline(headline: &str) -> Result<()> {
    if headline.trim().is_empty() {
        bail!("--headline must not be empty");
    }
    Ok(())
}

/// A conversation is one chat at most.
pub fn check_not_followed(store: &scrollback::content::ContentStore, id: &str) -> Result<()> {
    if let Some(existing) = store.slug_for_channel(id) {
        bail!("{id} is already the chat `{existing}` (content/channels/{existing}/channel.toml)");
    }
    Ok(())
}

pub fn check_slug_free(store: &scrollback::content::ContentStore, slug: &Slug) -> Result<()> {
    if store.layout().chat_dir(slug).exists() {
        bail!("content/channels/{slug}/ already exists: choose another --slug");
    }
    Ok(())
}

/// The slug a chat gets without `--slug`: the channel's name, when it is a valid slug.
pub fn default_slug(name: Option<&str>) -> Result<Slug> {
    match name.filter(|n| !n.is_empty()) {
        Some(name) => Slug::parse(&normalize_name(name)).map_err(|e| {
            anyhow::anyhow!(
                "the channel's name cannot be the chat's slug ({e}): give one with --slug"
            )
        }),
        None => bail!(
            "--slug is needed: without {TOKEN_VAR} (or when Slack does not say the conversation's name) scrollback cannot name the chat after its channel"
        ),
    }
}

/// The conversation's kind: what Slack says, or the id and `--private`; never less private
/// than either.
pub fn kind_of(id: &str, private: bool, slack: Option<ConversationKind>) -> ConversationKind {
    let from_args = match id.as_bytes().first() {
        Some(b'D') => ConversationKind::Dm,
        Some(b'G') => ConversationKind::Private,
        _ if private => ConversationKind::Private,
        _ => ConversationKind::Public,
    };
    match slack {
        Some(ConversationKind::Public) | None => from_args,
        Some(kind) => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_never_less_private_than_slack_or_the_flags_say() {
        use ConversationKind::*;
        assert_eq!(kind_of("C1", false, None), Public);
        assert_eq!(kind_of("C1", true, None), Private);
        assert_eq!(kind_of("G1", false, None), Private);
        assert_eq!(kind_of("D1", false, None), Dm);
        assert_eq!(kind_of("C1", false, Some(Private)), Private);
        assert_eq!(kind_of("C1", true, Some(Public)), Private);
        assert_eq!(kind_of("C1", false, Some(Mpim)), Mpim);
    }

    #[test]
    fn a_slug_from_a_channel_name() {
        assert_eq!(
            default_slug(Some("sotu-2026")).unwrap().to_string(),
            "sotu-2026"
        );
        assert!(default_slug(Some("assets")).is_err());
        let err = default_slug(None).unwrap_err().to_string();
        assert!(err.contains("--slug"), "{err}");
    }
}
