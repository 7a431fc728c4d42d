//! `scrollback files [SLUG] [--max-mb N]`: downloads the uploads of published chats (or of one
//! chat) into content/files/, so pages show copies instead of Slack's sign-in links (needs
//! SLACK_BOT_TOKEN with files:read).

use anyhow::{Result, bail};

use scrollback::content::Slug;
use scrollback::human::count;
use scrollback::import::files::{DEFAULT_MAX_BYTES, rehost_files};
use scrollback::project::Project;
use scrollback::slack::SlackClient;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this chat (any state); all published chats without it.
    pub slug: Option<String>,
    /// The largest file kept, in MiB; larger ones are listed and left on Slack.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_BYTES / 1024 / 1024)]
    pub max_mb: u64,
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    let store = project.open_store()?;
    let chats = store.load_channels()?;
    let slugs: Vec<Slug> = match &args.slug {
        Some(name) => {
            let found = chats.iter().find(|c| c.slug.as_str() == name);
            let Some(chat) = found else {
                bail!("no chat {name:?} in content/channels/ (`scrollback status` lists them)");
            };
            vec![chat.slug.clone()]
        }
        None => chats
            .iter()
            .filter(|c| c.settings.state.is_published())
            .map(|c| c.slug.clone())
            .collect(),
    };
    let client = SlackClient::from_env(&project.root)?;
    let runtime = super::talk_back::runtime()?;
    let max = args.max_mb.saturating_mul(1024 * 1024);
    let report = runtime.block_on(rehost_files(project, &client, &slugs, max))?;
    for failed in &report.failed {
        eprintln!("not kept: {failed}");
    }
    println!("{}", report.summary(&count(report.chats, "chat", "chats")));
    if !report.failed.is_empty() {
        bail!(
            "{} could not be kept: the pages show them without a link until a run keeps them",
            count(report.failed.len(), "file", "files")
        );
    }
    Ok(())
}
