//! Writing parsed events into the content tree through a store [`Batch`], idempotently and
//! without regressing what a later event did; says which build inputs changed.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::editorial::reaction_entry;
use super::{EditorialPolicy, Event, Parked};
use crate::build::Change;
use crate::content::{Batch, EditorialEntry, Slug, Ts, WriteOutcome};

/// What applying events changed, for the build.
#[derive(Debug, Default)]
pub struct Applied {
    pub changes: Vec<Change>,
    /// The conversations of events no chat tracks (their events change nothing).
    pub untracked: BTreeSet<String>,
    /// New messages recorded in archived chats, not published.
    pub held: Vec<(Slug, Ts)>,
}

impl Applied {
    fn message(&mut self, slug: &Slug, ts: &Ts, outcome: WriteOutcome) {
        if outcome != WriteOutcome::Unchanged {
            self.changes.push(Change::Message(slug.clone(), ts.clone()));
        }
    }
}

/// The chat tracking `channel`, if any.
fn tracked(batch: &Batch<'_>, channel: &str) -> Option<Slug> {
    batch.slug_for_channel(channel).cloned()
}

/// A new message received more than this long after it was posted (microseconds) counts as
/// active when it was received: see [`apply`].
const LATE_MICROS: u64 = 10_000_000;

/// Applies one event to the content tree through `batch`. Events for conversations no chat
/// tracks change nothing (their conversations are noted in `applied.untracked`). An editor's
/// reaction that `policy` maps to an act is that act, not a public reaction.
///
/// `received`: when the event reached scrollback (the journal's time, so applying it again gives
/// the same file). A new message that arrives well after it was posted (a retry Slack delivered
/// late, a message catch-up found after an outage) is noted as changed then: open live pages
/// follow the most recently *active* messages (`live.json`), and one active only at its old ts
/// would be behind newer ones they have already seen, and never shown to them (issue 15).
pub fn apply(
    batch: &mut Batch<'_>,
    event: &Event,
    received: Option<&Ts>,
    policy: &EditorialPolicy,
    parked: &mut Parked,
    applied: &mut Applied,
) -> Result<()> {
    let slug_of = |batch: &Batch<'_>, channel: &str, applied: &mut Applied| {
        let slug = tracked(batch, channel);
        if slug.is_none() {
            applied.untracked.insert(channel.to_owned());
        }
        slug
    };
    match event {
        Event::Message { channel, message } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            let (ts, outcome) =
                batch.upsert_message_keeping(&slug, message.clone(), &["reactions"], None)?;
            if outcome == WriteOutcome::Created
                && let Some(received) = received
                && received.micros() > ts.micros().saturating_add(LATE_MICROS)
            {
                batch.modify_message(&slug, &ts, |record| record.touch(Some(received)))?;
            }
            if batch.hold_if_archived(&slug, &ts, outcome)? {
                applied.held.push((slug.clone(), ts.clone()));
            }
            applied.message(&slug, &ts, outcome);
            apply_topic_notice(batch, &slug, message, applied)?;
            unpark(batch, &slug, &ts, policy, parked, applied)?;
        }
        Event::Changed {
            channel,
            message,
            previous,
            at,
        } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            let ts = Ts::parse(message.get("ts").and_then(Value::as_str).unwrap_or(""))
                .context("message_changed without a ts")?;
            if let Some(previous) = previous {
                // An edit that arrives before its message: the original goes first, so it is
                // kept among the revisions.
                let (_, outcome) =
                    batch.upsert_message_keeping(&slug, previous.clone(), &["reactions"], None)?;
                applied.message(&slug, &ts, outcome);
            }
            let (_, outcome) = batch.upsert_message_keeping(
                &slug,
                message.clone(),
                &["reactions"],
                at.as_ref(),
            )?;
            applied.message(&slug, &ts, outcome);
            let tombstone = message.get("subtype").and_then(Value::as_str) == Some("tombstone");
            // Any change to the message (an edit, an unfurl, a tombstone) is a live change.
            if tombstone || outcome != WriteOutcome::Unchanged {
                let outcome = batch.modify_message(&slug, &ts, |record| {
                    // A deleted parent kept for its replies is deleted for good.
                    record.deleted |= tombstone;
                    record.touch(at.as_ref());
                })?;
                if let Some(outcome) = outcome {
                    applied.message(&slug, &ts, outcome);
                }
            }
            unpark(batch, &slug, &ts, policy, parked, applied)?;
        }
        Event::Deleted {
            channel,
            ts,
            previous,
            at,
        } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            let outcome = batch.delete_message(&slug, ts, previous.clone(), at.as_ref())?;
            applied.message(&slug, ts, outcome);
        }
        Event::Reaction {
            channel,
            ts,
            name,
            user,
            added,
            at,
        } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            // Slack's reaction events always carry `event_ts`; without one there is no stable
            // id for the act, so the reaction stays a reaction.
            if let (Some(act), Some(at)) = (policy.reaction_act(name, user, *added), at) {
                let entry = reaction_entry(act, name, user, *added, at);
                if !apply_act(batch, &slug, ts, entry, applied)? {
                    tracing::info!(
                        "an editor's :{name}: on {slug}/{ts}, which has not arrived yet: kept until it does"
                    );
                    parked.park(&slug, event.clone());
                }
                return Ok(());
            }
            match batch.react(&slug, ts, name, user, *added, at.as_ref())? {
                Some(outcome) => applied.message(&slug, ts, outcome),
                None => {
                    tracing::info!(
                        "{} on {slug}/{ts}, which has not arrived yet: kept until it does",
                        if *added {
                            "reaction_added"
                        } else {
                            "reaction_removed"
                        }
                    );
                    parked.park(&slug, event.clone());
                }
            }
        }
        Event::Renamed { channel, name } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            if batch.update_slack_info(&slug, |info| info.name = name.clone())? {
                applied.changes.push(Change::Chat(slug));
            }
        }
        Event::Archived { channel, archived } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            if batch.update_slack_info(&slug, |info| info.is_archived = *archived)? {
                applied.changes.push(Change::Chat(slug));
            }
        }
        Event::User { user } => {
            let id = user
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if batch.put_user(user.clone())? != WriteOutcome::Unchanged {
                applied.changes.push(Change::User(id));
            }
        }
        Event::Editorial { channel, ts, entry } => {
            let Some(slug) = slug_of(batch, channel, applied) else {
                return Ok(());
            };
            if !apply_act(batch, &slug, ts, entry.clone(), applied)? {
                // Acts come from a message Slack showed the editor: it is in the tree unless
                // its chat was added after it was posted.
                tracing::warn!(
                    "{} of {slug}/{ts}: no such message in content/ (backfill the chat first)",
                    entry.act.name()
                );
            }
        }
        // A mention is answered by `serve` when first recorded; its message comes as a `message`.
        Event::Mention { .. } | Event::Ignored { .. } => {}
    }
    Ok(())
}

/// Applies an editor's act to a stored message; false when the message is not in the tree.
fn apply_act(
    batch: &mut Batch<'_>,
    slug: &Slug,
    ts: &Ts,
    entry: EditorialEntry,
    applied: &mut Applied,
) -> Result<bool> {
    let outcome = batch.modify_message(slug, ts, |record| {
        record.apply_act(entry);
    })?;
    match outcome {
        Some(outcome) => {
            applied.message(slug, ts, outcome);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// `channel_topic`, `channel_purpose` and `channel_name` notices also update the `[slack]` table.
fn apply_topic_notice(
    batch: &mut Batch<'_>,
    slug: &Slug,
    message: &Map<String, Value>,
    applied: &mut Applied,
) -> Result<()> {
    let field = |k: &str| message.get(k).and_then(Value::as_str);
    match message.get("subtype").and_then(Value::as_str) {
        Some("channel_topic" | "group_topic") => {
            set_topic(batch, slug, field("topic"), None, applied)
        }
        Some("channel_purpose" | "group_purpose") => {
            set_topic(batch, slug, None, field("purpose"), applied)
        }
        Some("channel_name" | "group_name") => {
            if let Some(name) = field("name")
                && batch.update_slack_info(slug, |info| info.name = name.to_owned())?
            {
                applied.changes.push(Change::Chat(slug.clone()));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn set_topic(
    batch: &mut Batch<'_>,
    slug: &Slug,
    topic: Option<&str>,
    purpose: Option<&str>,
    applied: &mut Applied,
) -> Result<()> {
    let changed = batch.update_slack_info(slug, |info| {
        if let Some(t) = topic {
            info.topic = t.to_owned();
        }
        if let Some(p) = purpose {
            info.purpose = p.to_owned();
        }
    })?;
    if changed {
        applied.changes.push(Change::Chat(slug.clone()));
    }
    Ok(())
}

/// Applies reactions that arrived before their message, now that it is here.
fn unpark(
    batch: &mut Batch<'_>,
    slug: &Slug,
    ts: &Ts,
    policy: &EditorialPolicy,
    parked: &mut Parked,
    applied: &mut Applied,
) -> Result<()> {
    for event in parked.take(slug, ts) {
        let Event::Reaction {
            name,
            user,
            added,
            at,
            ..
        } = &event
        else {
            continue;
        };
        if let (Some(act), Some(at)) = (policy.reaction_act(name, user, *added), at) {
            apply_act(
                batch,
                slug,
                ts,
                reaction_entry(act, name, user, *added, at),
                applied,
            )?;
        } else if let Some(outcome) = batch.react(slug, ts, name, user, *added, at.as_ref())? {
            applied.message(slug, ts, outcome);
        }
    }
    Ok(())
}
