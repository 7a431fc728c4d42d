//! Reactions that arrived before their message.
//!
//! Slack does not promise order: a `reaction_added` can overtake the message it is on. A stub
//! message file cannot hold it (an empty message would be published), so the reaction waits here
//! until the message is written, then is applied. The list is small, bounded and kept in
//! `.scrollback/events/parked.json`, since the journal entry it came from counts as applied.

use std::collections::VecDeque;
use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::Event;
use crate::content::{Slug, Ts};
use crate::fsio;

/// At most this many reactions wait; the oldest go first (with a log line).
const MAX_PARKED: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    slug: String,
    ts: String,
    name: String,
    user: String,
    added: bool,
    #[serde(default)]
    at: Option<String>,
}

/// Reactions waiting for their message.
#[derive(Debug, Default)]
pub struct Parked {
    entries: VecDeque<Entry>,
    dirty: bool,
}

impl Parked {
    /// Reads the list; a missing or damaged file is an empty list (with a warning).
    pub fn load(path: &Path) -> Parked {
        let entries = match fsio::read_optional(path) {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(
                    "{} is damaged ({e}): parked reactions dropped",
                    path.display()
                );
                VecDeque::new()
            }),
            Ok(None) => VecDeque::new(),
            Err(e) => {
                tracing::warn!("{e:#}: parked reactions dropped");
                VecDeque::new()
            }
        };
        Parked {
            entries,
            dirty: false,
        }
    }

    /// Writes the list (durably) if it changed since the last save.
    pub fn save(&mut self, path: &Path) -> Result<()> {
        if self.dirty {
            fsio::write_private(path, &serde_json::to_vec(&self.entries)?)?;
            self.dirty = false;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps a reaction event until its message arrives.
    pub fn park(&mut self, slug: &Slug, event: Event) {
        let Event::Reaction {
            ts,
            name,
            user,
            added,
            at,
            ..
        } = event
        else {
            return;
        };
        let entry = Entry {
            slug: slug.to_string(),
            ts: ts.to_string(),
            name,
            user,
            added,
            at: at.map(|t| t.to_string()),
        };
        if self.entries.contains(&entry) {
            return;
        }
        if self.entries.len() >= MAX_PARKED
            && let Some(old) = self.entries.pop_front()
        {
            tracing::warn!(
                "too many reactions wait for their message: dropped :{}: on {}/{}",
                old.name,
                old.slug,
                old.ts
            );
        }
        self.entries.push_back(entry);
        self.dirty = true;
    }

    /// The reactions waiting for message `ts` of chat `slug`, in arrival order (removed).
    pub fn take(&mut self, slug: &Slug, ts: &Ts) -> Vec<Event> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let (mine, rest): (VecDeque<Entry>, VecDeque<Entry>) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|e| e.slug == slug.as_str() && e.ts == ts.as_str());
        self.entries = rest;
        if mine.is_empty() {
            return Vec::new();
        }
        self.dirty = true;
        mine.into_iter()
            .map(|e| Event::Reaction {
                channel: String::new(),
                ts: ts.clone(),
                name: e.name,
                user: e.user,
                added: e.added,
                at: e.at.and_then(|t| Ts::parse(&t).ok()),
            })
            .collect()
    }
}
