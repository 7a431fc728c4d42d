//! `scrollback backfill SLUG|--all [--since DATE]`: a chat's history and threads from Slack's Web
//! API into content/ (needs SLACK_BOT_TOKEN).

use anyhow::{Context, Result, bail};

use scrollback::content::{Slug, Ts};
use scrollback::human::count;
use scrollback::import::backfill::{BackfillOptions, backfill};
use scrollback::progress::ProgressMode;
use scrollback::project::Project;
use scrollback::slack::SlackClient;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The chat to backfill (its folder name under content/channels/).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub slug: Option<String>,
    /// Every chat that has a Slack channel id.
    #[arg(long)]
    pub all: bool,
    /// Only messages from this day on (YYYY-MM-DD in the site's time zone, or an RFC 3339 time).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

pub fn run(project: &Project, args: Args, progress: ProgressMode) -> Result<()> {
    let config = project.load_config()?;
    let since = args
        .since
        .as_deref()
        .map(|d| parse_since(d, &config.time_zone()?))
        .transpose()?;
    let store = project.open_store()?;
    let chats = store.load_channels()?;
    let slugs: Vec<Slug> = match &args.slug {
        Some(name) => {
            let slug = Slug::parse(name).map_err(|_| {
                anyhow::anyhow!("{name:?} is not a chat name (a folder in content/channels/)")
            })?;
            if !chats.iter().any(|c| c.slug == slug) {
                bail!("no chat {slug} in content/channels/ (`scrollback status` lists them)");
            }
            vec![slug]
        }
        None => chats
            .iter()
            .filter(|c| !c.settings.channel_id.is_empty())
            .map(|c| c.slug.clone())
            .collect(),
    };
    if slugs.is_empty() {
        bail!("no chat has a Slack channel id yet: `scrollback channel add` makes one");
    }
    let client = SlackClient::from_env(&project.root)?;
    let runtime = super::talk_back::runtime()?;
    let report = runtime.block_on(backfill(
        project,
        &client,
        &slugs,
        &BackfillOptions {
            since,
            progress: Some(progress),
        },
    ))?;
    let requests: Vec<String> = report
        .requests
        .iter()
        .map(|(method, n)| format!("{method} {n}"))
        .collect();
    let total: usize = report.requests.values().sum();
    println!(
        "Backfilled {}{} from Slack in {}: {} ({}{}), {}; {} ({})",
        count(report.chats, "chat", "chats"),
        if report.resumed.is_empty() {
            String::new()
        } else {
            format!(" ({} resumed)", report.resumed.len())
        },
        scrollback::human::seconds(report.seconds),
        count(report.messages, "message", "messages"),
        report.written,
        if report.held > 0 {
            format!("; {} held: the chat is archived", report.held)
        } else {
            String::new()
        },
        count(report.threads, "thread", "threads"),
        count(total, "request", "requests"),
        requests.join(", ")
    );
    Ok(())
}

/// `2026-01-01` (midnight in the site's zone) or an RFC 3339 time.
fn parse_since(text: &str, zone: &jiff::tz::TimeZone) -> Result<Ts> {
    let instant = if let Ok(day) = text.parse::<jiff::civil::Date>() {
        day.to_zoned(zone.clone())
            .with_context(|| format!("--since {text}: not a day in the site's time zone"))?
            .timestamp()
    } else {
        text.parse::<jiff::Timestamp>().with_context(|| {
            format!("--since {text:?}: give a day (2026-01-01) or a time (2026-01-01T09:00:00Z)")
        })?
    };
    let micros = u64::try_from(instant.as_microsecond())
        .map_err(|_| anyhow::anyhow!("--since {text}: before 1970"))?;
    Ok(Ts::from_micros(micros))
}
