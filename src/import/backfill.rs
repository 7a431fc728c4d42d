//! `scrollback backfill SLUG|--all [--since DATE]`: a chat's history from Slack's Web API
//! (`conversations.history`, then `conversations.replies` for each thread) into the content tree,
//! through the same write path as imports and events (issue 13, item 1).
//!
//! Every page is committed on its own, then the position after it is saved in
//! `.scrollback/backfill/<slug>.json`: a backfill stopped at any point (Ctrl-C, a crash, a storm
//! of 429s) goes on from the last committed page, and a page done twice changes nothing, since
//! merging a message that is already there is a no-op. Editorial fields and edit history follow
//! the store's merge rules, tokens are stripped there, and an archived chat holds what is new to
//! it (issue 12), as for live events.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::content::{Slug, Ts, WriteCounts};
use crate::fsio;
use crate::progress::{Progress, ProgressMode};
use crate::project::Project;
use crate::slack::SlackClient;
use crate::slack::client::{next_cursor, take_array};

/// Messages asked for per page: Slack's recommended most (it may answer fewer).
pub const PAGE_SIZE: usize = 200;
/// Replies gathered from several threads before one commit.
const REPLIES_PER_COMMIT: usize = 1000;
/// Since 2025, commercially distributed apps outside the Marketplace get at most this many
/// messages a page of history, and one request a minute.
const LIMITED_APP_PAGE: usize = 15;

/// What to backfill.
#[derive(Debug, Clone, Default)]
pub struct BackfillOptions {
    /// Only messages after this instant; everything Slack has when `None`.
    pub since: Option<Ts>,
    /// Bars with an ETA over history (by the time it spans) and threads, or nothing.
    pub progress: Option<ProgressMode>,
}

/// What a backfill did.
#[derive(Debug, Default, Clone)]
pub struct BackfillReport {
    pub chats: usize,
    /// Messages Slack returned (thread parents count once).
    pub messages: usize,
    pub written: WriteCounts,
    /// New messages of archived chats, recorded but not published.
    pub held: usize,
    pub threads: usize,
    /// Requests per method.
    pub requests: BTreeMap<String, usize>,
    /// Chats that went on from a position an earlier run saved.
    pub resumed: Vec<Slug>,
    pub seconds: f64,
}

impl BackfillReport {
    fn requested(&mut self, method: &str) {
        *self.requests.entry(method.to_owned()).or_default() += 1;
    }
}

/// Where a chat's backfill stands, saved after every committed page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct Position {
    channel: String,
    since: Option<String>,
    /// The next page of history; `None` before the first page and once history is done.
    history_cursor: Option<String>,
    history_done: bool,
    /// Thread parents to read the replies of, in the order history found them.
    threads: Vec<String>,
    /// How many of `threads` are done.
    threads_done: usize,
    /// The next page of replies of `threads[threads_done]`.
    replies_cursor: Option<String>,
    /// The newest message seen (what a later backfill after a gap starts from).
    newest: Option<String>,
    complete: bool,
}

fn position_path(project: &Project, slug: &Slug) -> PathBuf {
    project
        .cache_dir()
        .join("backfill")
        .join(format!("{slug}.json"))
}

fn load_position(path: &std::path::Path) -> Option<Position> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(
                "{} is damaged ({e}): starting this chat's backfill over",
                path.display()
            );
            None
        }
    }
}

/// The newest message a finished backfill of `slug` saw, for a backfill after a gap.
pub fn newest_backfilled(project: &Project, slug: &Slug) -> Option<Ts> {
    let position = load_position(&position_path(project, slug))?;
    Ts::parse(position.newest.as_deref()?).ok()
}

/// Backfills the chats `slugs` from Slack.
pub async fn backfill(
    project: &Project,
    client: &SlackClient,
    slugs: &[Slug],
    options: &BackfillOptions,
) -> Result<BackfillReport> {
    let started = Instant::now();
    let mut report = BackfillReport::default();
    let store = project.open_store()?;
    let chats = store.load_channels()?;
    for slug in slugs {
        let Some(chat) = chats.iter().find(|c| &c.slug == slug) else {
            bail!("no chat {slug} in content/channels/ (`scrollback status` lists them)");
        };
        let channel = chat.settings.channel_id.clone();
        if channel.is_empty() {
            bail!(
                "chat {slug} has no Slack channel id (channel_id in content/channels/{slug}/channel.toml)"
            );
        }
        let created = chat.settings.slack.created;
        backfill_chat(
            project,
            client,
            slug,
            &channel,
            created,
            options,
            &mut report,
        )
        .await
        .with_context(|| format!("cannot backfill {slug} (Slack conversation {channel})"))?;
        report.chats += 1;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

async fn backfill_chat(
    project: &Project,
    client: &SlackClient,
    slug: &Slug,
    channel: &str,
    created: i64,
    options: &BackfillOptions,
    report: &mut BackfillReport,
) -> Result<()> {
    let path = position_path(project, slug);
    let since = options.since.as_ref().map(|t| t.as_str().to_owned());
    let fresh = Position {
        channel: channel.to_owned(),
        since: since.clone(),
        ..Position::default()
    };
    let mut position = match load_position(&path) {
        Some(p) if !p.complete && p.channel == channel && p.since == since => {
            report.resumed.push(slug.clone());
            tracing::info!(
                "{slug}: going on from where the last backfill stopped ({} of {} threads done)",
                p.threads_done,
                p.threads.len()
            );
            p
        }
        _ => fresh,
    };
    let save = |position: &Position| -> Result<()> {
        fsio::write_private(&path, &serde_json::to_vec_pretty(position)?)
            .with_context(|| format!("cannot save the backfill position in {}", path.display()))
    };
    let mut known_threads: HashSet<String> = position.threads.iter().cloned().collect();
    let mut warned_limited = false;
    let mut history_bar = None;

    while !position.history_done {
        let mut params = vec![
            ("channel", channel.to_owned()),
            ("limit", PAGE_SIZE.to_string()),
            ("inclusive", "false".to_owned()),
        ];
        if let Some(oldest) = &position.since {
            params.push(("oldest", oldest.clone()));
        }
        if let Some(cursor) = &position.history_cursor {
            params.push(("cursor", cursor.clone()));
        }
        let mut answer = client.call("conversations.history", &params).await?;
        report.requested("conversations.history");
        let messages = take_array(&mut answer, "messages");
        let more = next_cursor(&answer);
        if more.is_some() && messages.len() <= LIMITED_APP_PAGE && !warned_limited {
            warned_limited = true;
            warn_limited_app(client, messages.len());
        }
        for m in &messages {
            let ts = m.get("ts").and_then(Value::as_str).unwrap_or_default();
            let has_replies = m.get("reply_count").and_then(Value::as_u64).unwrap_or(0) > 0;
            if has_replies && known_threads.insert(ts.to_owned()) {
                position.threads.push(ts.to_owned());
            }
        }
        let oldest_on_page = messages
            .last()
            .and_then(|m| m.get("ts"))
            .and_then(Value::as_str)
            .and_then(|ts| Ts::parse(ts).ok());
        write_page(project, slug, messages, &mut position, report)?;
        if let (Some(oldest), Some(newest)) = (oldest_on_page, position.newest.as_deref()) {
            let bar = history_bar.get_or_insert_with(|| {
                HistorySpan::new(newest, position.since.as_deref(), created).map(|span| {
                    let mode = options.progress.unwrap_or(ProgressMode::Quiet);
                    let bar = Progress::fraction(mode, &format!("{slug}: history"), span.seconds());
                    (span, bar)
                })
            });
            if let Some((span, bar)) = bar {
                bar.set(span.covered(&oldest));
            }
        }
        match more {
            Some(cursor) => position.history_cursor = Some(cursor),
            None => {
                position.history_cursor = None;
                position.history_done = true;
            }
        }
        save(&position)?;
    }

    if let Some(Some((span, bar))) = history_bar {
        bar.set(span.seconds());
    }
    let bar = Progress::new(
        options.progress.unwrap_or(ProgressMode::Quiet),
        &format!("{slug}: threads"),
        position.threads.len() as u64,
    );
    bar.inc(position.threads_done as u64);
    // Threads are short (a few replies each): their pages are committed in groups, each with
    // the position after it, so a chat of 10,000 threads costs tens of commits, not 10,000.
    // What a stop loses is at most one group's requests.
    let mut group: Vec<Value> = Vec::new();
    // Commits the group, then saves the position after it: never a position ahead of the tree.
    let commit_group = |group: &mut Vec<Value>,
                        position: &mut Position,
                        report: &mut BackfillReport|
     -> Result<()> {
        write_page(project, slug, std::mem::take(group), position, report)?;
        save(position)
    };
    while position.threads_done < position.threads.len() {
        let parent = position.threads[position.threads_done].clone();
        let mut params = vec![
            ("channel", channel.to_owned()),
            ("ts", parent.clone()),
            ("limit", PAGE_SIZE.to_string()),
        ];
        if let Some(cursor) = &position.replies_cursor {
            params.push(("cursor", cursor.clone()));
        }
        let answer = match client.call("conversations.replies", &params).await {
            Ok(a) => Some(a),
            // Deleted since history listed it: nothing to read.
            Err(e) if e.code() == Some("thread_not_found") => None,
            Err(e) => {
                // What the group holds is fetched: keep it before stopping.
                commit_group(&mut group, &mut position, report)?;
                return Err(e.into());
            }
        };
        let more = match answer {
            Some(mut answer) => {
                report.requested("conversations.replies");
                let mut messages = take_array(&mut answer, "messages");
                // Every page starts with the parent, which history already brought.
                messages.retain(|m| m.get("ts").and_then(Value::as_str) != Some(parent.as_str()));
                group.extend(messages);
                next_cursor(&answer)
            }
            None => None,
        };
        match more {
            Some(cursor) => position.replies_cursor = Some(cursor),
            None => {
                position.replies_cursor = None;
                position.threads_done += 1;
                report.threads += 1;
                bar.inc(1);
            }
        }
        if group.len() >= REPLIES_PER_COMMIT {
            commit_group(&mut group, &mut position, report)?;
        }
    }
    commit_group(&mut group, &mut position, report)?;
    bar.finish();
    position.complete = true;
    save(&position)?;
    Ok(())
}

/// The stretch of time history covers, newest first: from the newest message down to `--since`
/// or the channel's creation. Slack tells no message count without reading it all, so the
/// history bar (and its ETA) measures seconds of the chat read, not messages.
#[derive(Debug, Clone, Copy)]
struct HistorySpan {
    top: i64,
    bottom: i64,
}

/// Whole seconds of a Slack timestamp.
fn whole_seconds(ts: &str) -> Option<i64> {
    ts.split('.').next()?.parse().ok()
}

impl HistorySpan {
    fn new(newest: &str, since: Option<&str>, created: i64) -> Option<HistorySpan> {
        let top = whole_seconds(newest)?;
        let bottom = match since {
            Some(since) => whole_seconds(since)?,
            // 0: a chat made without Slack's channel info; no span to measure.
            None if created > 0 => created,
            None => return None,
        };
        (top > bottom).then_some(HistorySpan { top, bottom })
    }

    fn seconds(&self) -> u64 {
        self.top.abs_diff(self.bottom)
    }

    /// Seconds from the newest message down to `oldest_read`, capped at the span.
    fn covered(&self, oldest_read: &Ts) -> u64 {
        let at = whole_seconds(oldest_read.as_str()).unwrap_or(self.bottom);
        self.top.abs_diff(at.clamp(self.bottom, self.top))
    }
}

/// Commits one page of messages: all of it or, on an error, none.
fn write_page(
    project: &Project,
    slug: &Slug,
    messages: Vec<Value>,
    position: &mut Position,
    report: &mut BackfillReport,
) -> Result<()> {
    let raws: Vec<Map<String, Value>> = messages
        .into_iter()
        .filter_map(|m| match m {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect();
    if raws.is_empty() {
        return Ok(());
    }
    report.messages += raws.len();
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    for result in batch.upsert_messages(slug, raws) {
        let (ts, outcome) = result.context("Slack sent a message scrollback cannot store")?;
        report.written.add(outcome);
        if batch.hold_if_archived(slug, &ts, outcome)? {
            report.held += 1;
        }
        let newer = match &position.newest {
            Some(n) => Ts::parse(n).map_or(true, |n| ts > n),
            None => true,
        };
        if newer {
            position.newest = Some(ts.as_str().to_owned());
        }
    }
    batch.commit()?;
    Ok(())
}

/// Slack gave a short page while it has more: the app is probably commercially distributed
/// outside the Marketplace, limited since 2025 to 15 messages a page and one request a minute.
fn warn_limited_app(client: &SlackClient, got: usize) {
    tracing::warn!(
        "Slack answers this app {got} messages a page: it is probably a commercially distributed \
         app outside the Marketplace, which Slack limits to 1 request a minute for history and \
         replies (15 messages a page). A large backfill will take hours; an internal (custom) app \
         gets 50 requests a minute of up to {PAGE_SIZE} messages. Pacing to 1 a minute."
    );
    let now = Instant::now();
    client.pacer().limit("conversations.history", 1.0, now);
    client.pacer().limit("conversations.replies", 1.0, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_span_measures_seconds_read_from_the_newest_message_down() {
        let span = HistorySpan::new("1000.000200", Some("400.000000"), 0).unwrap();
        assert_eq!(span.seconds(), 600);
        assert_eq!(span.covered(&Ts::parse("700.000100").unwrap()), 300);
        // Older than the bottom (clocks differ, or the channel was renamed from an older one).
        assert_eq!(span.covered(&Ts::parse("100.000000").unwrap()), 600);
        let by_creation = HistorySpan::new("1000.000200", None, 200).unwrap();
        assert_eq!(by_creation.seconds(), 800);
        assert!(HistorySpan::new("1000.000200", None, 0).is_none());
        assert!(HistorySpan::new("100.000000", Some("400.000000"), 0).is_none());
    }
}
