//! `scrollback status`: every chat with its state, the kind of conversation it comes from, how
//! many messages it holds, its last message, and whether the built site has it (issue 12). What
//! an editor checks before a deploy: nothing private is on the site by mistake.

use anyhow::Result;

use scrollback::build::chat::messages::list_messages;
use scrollback::content::ChatState;
use scrollback::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(project: &Project, _args: Args) -> Result<()> {
    let store = project.open_store()?;
    let chats = store.load_channels()?;
    if chats.is_empty() {
        println!(
            "No chats yet: `scrollback import EXPORT` or `scrollback channel add CHANNEL_ID` makes them."
        );
        return Ok(());
    }
    let layout = project.content_layout();
    let site = project.site_dir();
    let mut rows = vec![[
        "CHAT".to_owned(),
        "STATE".to_owned(),
        "KIND".to_owned(),
        "MESSAGES".to_owned(),
        "LAST MESSAGE (UTC)".to_owned(),
        "ON THE SITE".to_owned(),
    ]];
    for chat in &chats {
        let messages = list_messages(&layout.messages_dir(&chat.slug))?;
        let last = messages
            .keys()
            .next_back()
            .and_then(|ts| jiff::Timestamp::from_second(ts.seconds()).ok())
            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "-".to_owned());
        let built = site.join(chat.slug.as_str()).join("index.html").is_file();
        let on_site = match (built, chat.settings.state) {
            (true, ChatState::Draft) => "yes (a draft: the next build removes it)",
            (true, _) => "yes",
            (false, ChatState::Draft) => "no",
            (false, _) => "not yet (run `scrollback build`)",
        };
        let kind = chat.settings.slack.kind.in_words();
        rows.push([
            chat.slug.to_string(),
            chat.settings.state.to_string(),
            kind.trim_start_matches("a ").to_owned(),
            messages.len().to_string(),
            last,
            on_site.to_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(())
}
