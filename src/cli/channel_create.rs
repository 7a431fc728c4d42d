//! `scrollback channel add --create NAME`: a new Slack channel and its chat at once, as the
//! newsroom tools did: `conversations.create`, the chat, `conversations.invite` for the team, and
//! the intro message that explains the comment tag (issue 13, items 4 and 6).
//!
//! Everything that can be checked is checked before Slack is asked to create the channel. Once
//! it exists, the chat is written; inviting and the intro come after, and a failure there is a
//! warning that says what to do by hand (running the command again would find the name taken).

use anyhow::{Context, Result, bail};

use scrollback::content::{ConversationKind, SlackChannelInfo, Slug};
use scrollback::project::Project;
use scrollback::slack::SlackClient;
use scrollback::slack::announce::{self, Values};
use scrollback::slack::conversations::{self, normalize_name};

use super::channel::{AddArgs, NewChat, check_headline, check_slug_free, default_slug};
use super::talk_back::{self, warn};

pub fn run(project: &Project, args: AddArgs) -> Result<()> {
    let name = normalize_name(args.create.as_deref().unwrap_or_default());
    check_headline(&args.headline)?;
    let slug = match &args.slug {
        Some(s) => Slug::parse(s)?,
        None => default_slug(Some(&name))?,
    };
    let users: Vec<String> = args.invite.iter().map(|u| u.trim().to_owned()).collect();
    if let Some(bad) = users.iter().find(|u| !is_user_id(u)) {
        bail!(
            "--invite {bad:?} is not a Slack user id (like U024BE7LH: from the person's profile, \u{22ee} \u{2192} Copy member ID)"
        );
    }
    check_slug_free(&project.open_store()?, &slug)?;
    // Read before Slack is touched: the intro needs it, and a broken file should stop us here.
    let config = project.load_config()?;
    let client = SlackClient::from_env(&project.root)?;
    let runtime = talk_back::runtime()?;

    let created = runtime.block_on(conversations::create(&client, &name, args.private))?;
    let id = created.id.clone();
    let kind = if args.private {
        ConversationKind::Private
    } else {
        created.info.kind
    };
    let made = NewChat {
        id: id.clone(),
        info: SlackChannelInfo {
            kind,
            ..created.info
        },
        slug,
        headline: args.headline.trim().to_owned(),
        description: args.description,
        draft: args.draft,
    }
    .write(project)
    .with_context(|| {
        format!(
            "Slack now has the channel #{name} ({id}), but its chat could not be written: once \
             fixed, run `scrollback channel add {id} --slug … --headline …`"
        )
    })?;

    if !users.is_empty() {
        match runtime.block_on(conversations::invite(&client, &id, &users)) {
            Ok(()) => println!("Invited {} to #{name}.", users.join(", ")),
            Err(e) => warn(format_args!(
                "not everyone was invited to #{name}: {e}. Invite them in Slack (`/invite @name` in the channel)"
            )),
        }
    }
    if args.no_intro {
        return Ok(());
    }
    let values = Values::new(&config, &made, args.headline.trim());
    match announce::render(&config.slack.intro, &values) {
        Some(text) => talk_back::post(&runtime, &client, &made, &id, &text),
        None => warn("[slack] intro is empty: no intro message was posted"),
    }
    Ok(())
}

/// Whether `id` looks like a Slack user id (`U…`, or `W…` on Enterprise Grid).
fn is_user_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && matches!(id.as_bytes()[0], b'U' | b'W')
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        assert!(is_user_id("U024BE7LH"));
        assert!(is_user_id("W0123ABC"));
        for bad in ["", "U", "@alice", "u024be7lh", "C024BE7LH", "U1,U2"] {
            assert!(!is_user_id(bad), "{bad}");
        }
    }
}
