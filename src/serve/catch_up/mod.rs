//! Catching up with what Slack sent while `serve` was down or unreachable (issue 13, item 1).
//!
//! Slack gives up on an event after a few retries; what it sent during a restart or an outage is
//! then only in the channel's history. With a token, `serve` compares every live chat with
//! Slack's history and hands what differs to the journal as the events Slack would have sent:
//! a `message` for a message the content tree lacks or has in an older version, a
//! `message_deleted` for one Slack no longer has. One path records and applies everything, so
//! the ordering, edit and freezing rules are the events' own, and a crash loses nothing the
//! journal acknowledged. Event ids are hashes (of the message as Slack has it now, or of the
//! deleted ts), so what is already recorded is a duplicate the journal drops.
//!
//! # How far back, and how often
//!
//! A *recent* round reads history from an hour before the newest stored message (a day back
//! for a chat with none), every [`EVERY`]: new messages of any gap, and edits made during a
//! short one. History has no "changed since", so an edit of an older message, or a reply to an
//! older thread, only shows by reading that message again: a *wide* round also reads back to
//! the chat's oldest stored message, at most over its newest [`WIDE_MESSAGES`] files and
//! [`WIDE_PAGES`] pages of history (5,000 messages either way), so requests and files read stay
//! bounded however big the chat.
//! Wide rounds run at start, right after Slack signals a gap ([`signal`]: a retried event,
//! `app_rate_limited`), and every [`WIDE_EVERY`], so an outage no retry ever reached costs at
//! most that long. The span is by message age, not by how long `serve` was away: an edit during
//! any gap can touch a message of any age, so a "last caught up at" record would bound nothing.
//!
//! Threads are read again (`conversations.replies`) only when history shows them changed: the
//! parent's `reply_count` or `latest_reply` differs from the replies stored, or the thread had a
//! reply within the recent span (its replies may have been edited during a short gap). A round
//! reads at most [`THREADS_PER_ROUND`] threads of a chat, the most recently active first, and
//! every call is paced by Slack's tiers ([`crate::slack::pacing`]).
//!
//! # Deletions
//!
//! A message is judged deleted only when a read that completed says so ([`stored`]): a
//! top-level message from the oldest one history returned on (the span the pages covered;
//! Slack's retention hides a span before that, never within it), a reply only when its whole
//! thread was read again (or Slack says the thread is gone with its parent). Messages Slack
//! hides (`hidden`) are never judged. A read that fails part-way judges nothing.
//!
//! Not caught: edits of messages older than the wide span, edits of replies in threads whose
//! reply count did not change and that had no recent reply, reactions made during a gap, and
//! anything Slack's retention or the workspace's plan no longer returns.

mod signal;
mod slack_read;
mod stored;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::journal::{self, Ack};
use crate::content::{ChatState, Ts};
use crate::project::Project;
use crate::slack::{SlackClient, SlackError};
pub use signal::GapSignal;
use stored::{Snapshot, stored_timestamps, ts_of};

/// How often live chats are compared with Slack's recent history while `serve` runs.
pub const EVERY: Duration = Duration::from_secs(5 * 60);
/// How often a round reaches back wide even when Slack signalled no gap.
const WIDE_EVERY: Duration = Duration::from_secs(60 * 60);
/// A chat with no message yet is read this far back.
const FIRST_LOOK_BACK: Duration = Duration::from_secs(24 * 60 * 60);
/// History is read from this long before the newest stored message, so messages edited during
/// a short gap are caught too (those compared equal to what is stored are not sent on).
const EDIT_LOOK_BACK: Duration = Duration::from_secs(60 * 60);
/// Stored messages (replies included) a wide round reaches back over at most…
const WIDE_MESSAGES: usize = 5_000;
/// …and pages of history it reads at most beyond the recent span (200 messages each).
const WIDE_PAGES: usize = 25;
/// Threads of one chat read again in one round at most; the rest wait for the next round.
const THREADS_PER_ROUND: usize = 200;
/// A signalled round waits this long, so a burst of retries is one round…
const SIGNAL_SETTLE: Duration = Duration::from_secs(2);
/// …and signalled rounds start at most this often.
const SIGNAL_SPACING: Duration = Duration::from_secs(30);

/// How far back a round reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// From an hour before the newest stored message.
    Recent,
    /// Also back to the oldest stored message, up to [`WIDE_PAGES`] pages.
    Wide,
}

/// What one round did.
#[derive(Debug, Default)]
struct Caught {
    messages: usize,
    deletions: usize,
}

/// Compares every live chat with Slack's history and journals what the content tree lacks: a
/// wide round now, then recent rounds every `every`, wide ones every [`WIDE_EVERY`] and soon
/// after `gaps` is raised, until the journal stops.
pub async fn run(
    project: Project,
    client: SlackClient,
    journal: mpsc::Sender<journal::Request>,
    gaps: Arc<GapSignal>,
    every: Duration,
) {
    let mut task = CatchUp {
        project,
        client,
        journal,
        reported: HashSet::new(),
    };
    let mut reach = Reach::Wide;
    let mut last_wide = Instant::now();
    let mut last_signalled: Option<Instant> = None;
    loop {
        if reach == Reach::Wide {
            last_wide = Instant::now();
        }
        match task.round(reach).await {
            Ok(caught) => say(&caught, reach),
            Err(e) if journal_stopped(&e) => return,
            Err(e) => tracing::warn!("cannot catch up with Slack's history: {e:#}"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {
                reach = if last_wide.elapsed() >= WIDE_EVERY { Reach::Wide } else { Reach::Recent };
            }
            () = gaps.raised() => {
                let mut wait = SIGNAL_SETTLE;
                if let Some(at) = last_signalled {
                    wait = wait.max(SIGNAL_SPACING.saturating_sub(at.elapsed()));
                }
                tokio::time::sleep(wait).await;
                last_signalled = Some(Instant::now());
                reach = Reach::Wide;
            }
        }
    }
}

fn say(caught: &Caught, reach: Reach) {
    if caught.messages == 0 && caught.deletions == 0 {
        // Wide rounds are rare (start, gaps, hourly): worth a line even when all is well.
        if reach == Reach::Wide {
            tracing::info!("caught up with Slack: nothing missed");
        } else {
            tracing::debug!("caught up with Slack: nothing missed");
        }
        return;
    }
    let deletions = if caught.deletions == 0 {
        String::new()
    } else {
        format!(", {} deleted in Slack", caught.deletions)
    };
    tracing::info!(
        "caught up with Slack: {} the live chats lacked{deletions}",
        crate::human::count(caught.messages, "message", "messages")
    );
}

fn journal_stopped(e: &anyhow::Error) -> bool {
    e.to_string().contains(journal::STOPPED)
}

/// The catch-up task's state.
struct CatchUp {
    project: Project,
    client: SlackClient,
    journal: mpsc::Sender<journal::Request>,
    /// (chat, error code) pairs already warned about: one warning each per run.
    reported: HashSet<(String, String)>,
}

/// What comparing one chat with Slack found, to journal.
#[derive(Debug, Default)]
struct Differences {
    /// Messages to send on, oldest first, and whether the tree has them (in another version).
    messages: Vec<(Value, bool)>,
    /// Messages Slack no longer has.
    deleted: Vec<Ts>,
}

impl CatchUp {
    /// One round over every live chat. A chat Slack cannot be read for is skipped (and said
    /// once); only a stopped journal ends the round.
    async fn round(&mut self, reach: Reach) -> Result<Caught> {
        let chats = self.project.open_store()?.load_channels()?;
        let layout = self.project.content_layout();
        let mut caught = Caught::default();
        for chat in chats {
            if chat.settings.state != ChatState::Live || chat.settings.channel_id.is_empty() {
                continue;
            }
            let channel = chat.settings.channel_id.clone();
            let dir = layout.messages_dir(&chat.slug);
            let slug = chat.slug.to_string();
            let found = match self.compare(&slug, &channel, dir, reach).await {
                Ok(found) => found,
                Err(e) => {
                    self.report(&slug, &e);
                    continue;
                }
            };
            for (message, known) in found.messages {
                if record(&self.journal, &channel, message, known).await? {
                    caught.messages += 1;
                }
            }
            for ts in found.deleted {
                if record_deleted(&self.journal, &channel, &ts).await? {
                    caught.deletions += 1;
                }
            }
        }
        Ok(caught)
    }

    fn report(&mut self, slug: &str, e: &SlackError) {
        let code = e.code().unwrap_or("unreachable").to_owned();
        if self.reported.insert((slug.to_owned(), code)) {
            tracing::warn!("cannot catch up `{slug}` with Slack's history: {e}");
        } else {
            tracing::debug!("cannot catch up `{slug}` with Slack's history: {e}");
        }
    }

    /// Reads one chat's span from Slack and compares it with the content tree.
    async fn compare(
        &mut self,
        slug: &str,
        channel: &str,
        dir: std::path::PathBuf,
        reach: Reach,
    ) -> Result<Differences, SlackError> {
        // The content tree first (see `stored`: what it holds was posted before Slack is asked).
        let read = tokio::task::spawn_blocking(move || -> Result<(Span, Snapshot)> {
            let span = Span::of(&stored_timestamps(&dir)?, reach);
            let snapshot = Snapshot::read(&dir, &span.since)?;
            Ok((span, snapshot))
        })
        .await;
        let (span, snapshot) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => {
                tracing::warn!("cannot read `{slug}` to compare it with Slack: {e:#}");
                return Ok(Differences::default());
            }
            Err(e) => {
                tracing::warn!("cannot read `{slug}` to compare it with Slack: {e}");
                return Ok(Differences::default());
            }
        };
        let pages = match reach {
            Reach::Recent => 0,
            Reach::Wide => WIDE_PAGES,
        };
        let history =
            slack_read::history(&self.client, channel, &span.since, &span.recent, pages).await?;
        tracing::debug!(
            "{slug}: compared with Slack's history since {} ({} messages{})",
            span.since,
            history.messages.len(),
            if history.cut_short { ", cut short" } else { "" }
        );
        let mut found = Differences::default();
        let mut sent: HashSet<u64> = HashSet::new();
        // What history returned, for the judgement: a tombstone stands for a deleted parent.
        let mut returned: HashSet<u64> = HashSet::new();
        let mut parents: HashMap<u64, &Value> = HashMap::new();
        for m in &history.messages {
            let Some(ts) = ts_of(m) else { continue };
            let tombstone = m.get("subtype").and_then(Value::as_str) == Some("tombstone");
            if !tombstone {
                returned.insert(ts.micros());
            }
            if m.get("reply_count").and_then(Value::as_u64).unwrap_or(0) > 0 {
                parents.insert(ts.micros(), m);
            }
            // A tombstone of a stored message is applied as its deletion (below).
            let known_tombstone = tombstone && snapshot.has(&ts);
            if !known_tombstone && !snapshot.is_as_is(m) && sent.insert(ts.micros()) {
                found.messages.push((m.clone(), snapshot.has(&ts)));
            }
        }
        if let Some(from) = &history.complete_from {
            found
                .deleted
                .extend(snapshot.vanished_from_history(&returned, from.micros()));
        }

        let threads = threads_to_read(&parents, &snapshot, &span, history.complete_from.as_ref());
        if threads.len() > THREADS_PER_ROUND {
            tracing::debug!(
                "{slug}: {} threads changed, {THREADS_PER_ROUND} read this round",
                threads.len()
            );
        }
        for parent in threads.into_iter().take(THREADS_PER_ROUND) {
            let thread = match slack_read::thread(&self.client, channel, &parent).await {
                Ok(thread) => thread,
                Err(e) => {
                    // What was read so far still counts; the rest waits for the next round.
                    self.report(slug, &e);
                    break;
                }
            };
            let Some(thread) = thread else {
                // Gone with its parent: history (read completely over it) no longer has the
                // parent either, so every reply went too.
                if !returned.contains(&parent.micros()) {
                    found
                        .deleted
                        .extend(snapshot.vanished_from_thread(&parent, &HashSet::new()));
                }
                continue;
            };
            let mut in_thread = HashSet::new();
            for m in thread {
                let Some(ts) = ts_of(&m) else { continue };
                in_thread.insert(ts.micros());
                let tombstone = m.get("subtype").and_then(Value::as_str) == Some("tombstone");
                if tombstone && snapshot.has(&ts) {
                    continue;
                }
                if !snapshot.is_as_is(&m) && sent.insert(ts.micros()) {
                    found.messages.push((m, snapshot.has(&ts)));
                }
            }
            found
                .deleted
                .extend(snapshot.vanished_from_thread(&parent, &in_thread));
        }
        // Oldest first, as Slack would have sent them.
        found
            .messages
            .sort_by_key(|(m, _)| ts_of(m).map_or(0, |t| t.micros()));
        Ok(found)
    }
}

/// The threads to read again, the most recently active first: those whose parent (in
/// `parents`, history's thread parents by ts) shows other replies than the tree has, those with
/// a reply in the recent span, and those the tree has replies of whose parent history, read
/// completely over it (from `complete_from` on), no longer lists as a thread.
fn threads_to_read(
    parents: &HashMap<u64, &Value>,
    snapshot: &Snapshot,
    span: &Span,
    complete_from: Option<&Ts>,
) -> Vec<Ts> {
    let covered = |ts: &u64| complete_from.is_some_and(|f| *ts >= f.micros());
    let candidates: HashSet<u64> = parents
        .keys()
        .copied()
        .chain(snapshot.parents().into_iter().filter(covered))
        .collect();
    let mut threads: Vec<(u64, Ts)> = Vec::new();
    for micros in candidates {
        let parent = Ts::from_micros(micros);
        let in_history = parents.get(&micros).copied();
        let count = in_history
            .and_then(|m| m.get("reply_count"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let latest = in_history
            .and_then(|m| m.get("latest_reply"))
            .and_then(Value::as_str)
            .and_then(|t| Ts::parse(t).ok())
            .map(|t| t.micros());
        let changed = (count, latest) != snapshot.replies_of(&parent);
        let recent = latest.is_some_and(|l| l >= span.recent.micros());
        if changed || recent {
            threads.push((latest.unwrap_or(micros), parent));
        }
    }
    threads.sort_by_key(|t| std::cmp::Reverse(t.0));
    threads.into_iter().map(|(_, parent)| parent).collect()
}

/// The span of a chat one round reads.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    /// Read back to here (the wide span's start, or `recent`).
    since: Ts,
    /// The recent span's start: history is always read completely back to here, so no new
    /// message of a gap is skipped, however many there are.
    recent: Ts,
}

impl Span {
    /// The span for a chat whose message files have `stored` timestamps (oldest first).
    fn of(stored: &[Ts], reach: Reach) -> Span {
        let recent = match stored.last() {
            Some(newest) => Ts::from_micros(
                newest
                    .micros()
                    .saturating_sub(EDIT_LOOK_BACK.as_micros() as u64),
            ),
            None => {
                let back = jiff::Timestamp::now() - FIRST_LOOK_BACK;
                Ts::from_micros(u64::try_from(back.as_microsecond()).unwrap_or(0))
            }
        };
        // The newest WIDE_MESSAGES stored (replies included), so the files read stay bounded too.
        let wide_from = stored.get(stored.len().saturating_sub(WIDE_MESSAGES));
        let since = match (reach, wide_from) {
            (Reach::Wide, Some(from)) if from.micros() < recent.micros() => from.clone(),
            _ => recent.clone(),
        };
        Span { since, recent }
    }
}

/// Journals one message as the event Slack would have sent: a `message` when the tree lacks
/// it, a `message_changed` dated now when it has another version (so history's version wins
/// even where the two differ in no edit time, such as a reply count). Returns whether it was
/// new to the journal.
async fn record(
    journal: &mpsc::Sender<journal::Request>,
    channel: &str,
    message: Value,
    known: bool,
) -> Result<bool> {
    let Value::Object(mut message) = message else {
        return Ok(false);
    };
    message.insert("type".into(), json!("message"));
    let mut event = if known {
        let mut changed = Map::new();
        changed.insert("type".into(), json!("message"));
        changed.insert("subtype".into(), json!("message_changed"));
        changed.insert("hidden".into(), json!(true));
        changed.insert("message".into(), Value::Object(message));
        changed
    } else {
        message
    };
    event.insert("channel".into(), json!(channel));
    // The id leaves the time out: the same change noticed again is the same event.
    let id = event_id(channel, &event);
    if known {
        event.insert("event_ts".into(), json!(now_ts().as_str()));
    }
    append(journal, id, event).await
}

fn now_ts() -> Ts {
    Ts::from_micros(u64::try_from(jiff::Timestamp::now().as_microsecond()).unwrap_or(0))
}

/// Journals the `message_deleted` event Slack would have sent for `ts` (at the time it is
/// noticed: Slack does not say when). Returns whether it was new to the journal.
async fn record_deleted(
    journal: &mpsc::Sender<journal::Request>,
    channel: &str,
    ts: &Ts,
) -> Result<bool> {
    let event = json!({
        "type": "message",
        "subtype": "message_deleted",
        "hidden": true,
        "channel": channel,
        "deleted_ts": ts.as_str(),
        "event_ts": now_ts().as_str(),
    });
    let mut hash = Sha256::new();
    hash.update(b"message_deleted\0");
    hash.update(channel.as_bytes());
    hash.update(b"\0");
    hash.update(ts.as_str().as_bytes());
    let id = format!("Bf{}", &hex::encode(hash.finalize())[..40]);
    let Value::Object(event) = event else {
        return Ok(false);
    };
    append(journal, id, event).await
}

/// Appends an event to the journal as an `event_callback`; whether it was new to it.
async fn append(
    journal: &mpsc::Sender<journal::Request>,
    id: String,
    event: Map<String, Value>,
) -> Result<bool> {
    let envelope = json!({
        "type": "event_callback",
        "event_id": id,
        "event_time": jiff::Timestamp::now().as_second(),
        "event": event,
    });
    match journal::append(journal, id, envelope).await {
        Ok(Ack::Recorded(_)) => Ok(true),
        Ok(Ack::Duplicate) => Ok(false),
        Err(e) if e == journal::STOPPED => anyhow::bail!("{}", journal::STOPPED),
        Err(e) => anyhow::bail!("the journal refused a caught-up event: {e}"),
    }
}

/// `Bf` and a hash of the channel and the message as Slack has it now: the same message is the
/// same event, an edited one a new event.
fn event_id(channel: &str, event: &Map<String, Value>) -> String {
    let mut hash = Sha256::new();
    hash.update(channel.as_bytes());
    hash.update(serde_json::to_vec(event).unwrap_or_default());
    format!("Bf{}", &hex::encode(hash.finalize())[..40])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_message_is_the_same_event_and_an_edit_a_new_one() {
        let m = |text: &str| {
            json!({"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": "1.000001"})
                .as_object()
                .unwrap()
                .clone()
        };
        let id = event_id("C1", &m("hello"));
        assert_eq!(id, event_id("C1", &m("hello")));
        assert_ne!(id, event_id("C1", &m("hello, edited")));
        assert_ne!(id, event_id("C2", &m("hello")));
        // What the event parser accepts as a Slack event id.
        assert!(id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn threads_are_read_again_when_changed_or_recent_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = |m: Value| {
            let ts = ts_of(&m).unwrap();
            let record =
                crate::content::MessageRecord::new(ts.clone(), m.as_object().unwrap().clone());
            std::fs::write(dir.path().join(format!("{ts}.json")), record.to_bytes()).unwrap();
        };
        let reply = |ts: &str, parent: &str| json!({"ts": ts, "thread_ts": parent, "text": "r"});
        // Four old threads of one stored reply each, and a recent one.
        for (parent, r) in [
            ("10", "11"),
            ("20", "21"),
            ("30", "31"),
            ("40", "41"),
            ("9000", "9001"),
        ] {
            store(json!({"ts": format!("{parent}.000000"), "text": "p"}));
            store(reply(&format!("{r}.000000"), &format!("{parent}.000000")));
        }
        let snapshot = Snapshot::read(dir.path(), &Ts::parse("1.0").unwrap()).unwrap();
        let parent = |ts: &str, count: u64, latest: &str| json!({"ts": ts, "reply_count": count, "latest_reply": latest});
        let history = [
            parent("10.000000", 1, "11.000000"), // unchanged, old: not read
            parent("20.000000", 2, "25.000000"), // a new reply
            parent("30.000000", 1, "35.000000"), // one deleted, one added
            // 40: history lists no replies any more (not a parent here)
            parent("9000.000000", 1, "9001.000000"), // unchanged but recent
        ];
        let parents: HashMap<u64, &Value> = history
            .iter()
            .map(|m| (ts_of(m).unwrap().micros(), m))
            .collect();
        let span = Span {
            since: Ts::parse("1.0").unwrap(),
            recent: Ts::parse("8000.0").unwrap(),
        };
        let read = threads_to_read(&parents, &snapshot, &span, Some(&Ts::parse("5.0").unwrap()));
        let read: Vec<&str> = read.iter().map(Ts::as_str).collect();
        assert_eq!(read, ["9000.000000", "40.000000", "30.000000", "20.000000"]);
        // Not judged where history was not read completely.
        let read = threads_to_read(
            &parents,
            &snapshot,
            &span,
            Some(&Ts::parse("50.0").unwrap()),
        );
        assert!(!read.iter().any(|t| t.as_str() == "40.000000"));
    }

    #[test]
    fn a_wide_span_reaches_back_over_the_newest_stored_messages_only() {
        let stored: Vec<Ts> = (0..WIDE_MESSAGES as u64 + 10)
            .map(|i| Ts::from_micros((1_000 + i) * 1_000_000))
            .collect();
        let wide = Span::of(&stored, Reach::Wide);
        assert_eq!(wide.since, stored[10]);
    }

    #[test]
    fn a_wide_span_reaches_the_oldest_message_and_a_recent_one_an_hour_back() {
        let ts = |s: &str| Ts::parse(s).unwrap();
        let stored = [ts("1000.000000"), ts("90000.000000"), ts("100000.000000")];
        let recent = Span::of(&stored, Reach::Recent);
        assert_eq!(recent.since, ts("96400.000000"));
        assert_eq!(recent.recent, recent.since);
        let wide = Span::of(&stored, Reach::Wide);
        assert_eq!(wide.since, ts("1000.000000"));
        assert_eq!(wide.recent, ts("96400.000000"));
        // A chat whose messages all lie within the hour reads the same either way.
        let young = [ts("99000.000000"), ts("100000.000000")];
        assert_eq!(
            Span::of(&young, Reach::Wide),
            Span::of(&young, Reach::Recent)
        );
    }

    #[tokio::test]
    async fn caught_up_events_parse_as_slacks_and_keep_their_ids_when_noticed_again() {
        use crate::events::Event;
        let (tx, rx) = mpsc::channel::<journal::Request>();
        let journal = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while let Ok(journal::Request::Append { id, event, reply }) = rx.recv() {
                let parsed = crate::events::parse(event.as_object().unwrap()).unwrap();
                let _ = reply.send(Ok(Ack::Duplicate));
                seen.push((id, parsed.event));
            }
            seen
        });
        let ts = Ts::parse("1700000000.000100").unwrap();
        let message = json!({"user": "U1", "text": "v2", "ts": ts.as_str()});
        for _ in 0..2 {
            record(&tx, "C1", message.clone(), false).await.unwrap();
            record(&tx, "C1", message.clone(), true).await.unwrap();
            assert!(!record_deleted(&tx, "C1", &ts).await.unwrap());
        }
        drop(tx);
        let seen = journal.join().unwrap();
        assert!(matches!(&seen[0].1, Event::Message { channel, .. } if channel == "C1"));
        assert!(matches!(&seen[1].1, Event::Changed { at: Some(_), .. }));
        assert!(matches!(&seen[2].1, Event::Deleted { ts: t, at: Some(_), .. } if *t == ts));
        for i in 0..3 {
            assert_eq!(seen[i].0, seen[i + 3].0, "noticed again, the same event");
        }
        assert_ne!(seen[0].0, seen[1].0);
    }
}
