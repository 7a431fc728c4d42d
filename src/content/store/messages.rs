//! The write rules for messages: tokens stripped, versions merged without regressing, deletions
//! kept as deleted files, reactions applied to the stored message.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::Batch;
use crate::content::ChatState;
use crate::content::layout::relative;
use crate::content::message::MessageRecord;
use crate::content::slug::Slug;
use crate::content::tokens::strip_tokens;
use crate::content::transaction::WriteOutcome;
use crate::content::ts::Ts;

/// A message file ready to stage.
struct PreparedMessage {
    ts: Ts,
    /// Content-relative path.
    rel: PathBuf,
    bytes: Vec<u8>,
    /// What staging it does to the tree, when preparing it already found out (see
    /// [`Transaction::stage_many`](crate::content::transaction::Transaction::stage_many)).
    known: Option<WriteOutcome>,
}

impl Batch<'_> {
    fn is_new_chat(&self, slug: &Slug) -> bool {
        self.tx.is_new_folder(&relative::chat_dir(slug))
    }

    /// Adds or updates one message of a chat from a raw Slack message object.
    pub fn upsert_message(
        &mut self,
        slug: &Slug,
        raw: Map<String, Value>,
    ) -> Result<(Ts, WriteOutcome)> {
        self.upsert_message_keeping(slug, raw, &[], None)
    }

    /// Like [`Batch::upsert_message`], but keys in `keep` that the stored message has and `raw`
    /// lacks are carried over. Live edits arrive without the state other events built up (the
    /// `reactions` that reaction events added), which a plain merge would drop. `changed_at` is
    /// the `event_ts` of the `message_changed` event that brought `raw`, if one did (see
    /// [`MessageRecord::merge`]).
    pub fn upsert_message_keeping(
        &mut self,
        slug: &Slug,
        raw: Map<String, Value>,
        keep: &[&str],
        changed_at: Option<&Ts>,
    ) -> Result<(Ts, WriteOutcome)> {
        let p = self.prepare_message(slug, raw, keep, changed_at)?;
        let outcome = self.tx.stage(&p.rel, &p.bytes, p.known)?;
        Ok((p.ts, outcome))
    }

    /// [`Batch::upsert_message`] for many messages of one chat at once, in parallel (imports).
    pub fn upsert_messages(
        &mut self,
        slug: &Slug,
        raws: Vec<Map<String, Value>>,
    ) -> Vec<Result<(Ts, WriteOutcome)>> {
        use rayon::prelude::*;
        let prepared: Vec<Result<PreparedMessage>> = raws
            .into_par_iter()
            .map(|raw| self.prepare_message(slug, raw, &[], None))
            .collect();
        let mut files = Vec::new();
        let mut results: Vec<Result<Ts>> = Vec::with_capacity(prepared.len());
        for p in prepared {
            results.push(p.map(|p| {
                files.push((p.rel, p.bytes, p.known));
                p.ts
            }));
        }
        let mut staged = self.tx.stage_many(files).into_iter();
        results
            .into_iter()
            .map(|r| {
                let ts = r?;
                let outcome = staged.next().unwrap_or(Ok(WriteOutcome::Unchanged))?;
                Ok((ts, outcome))
            })
            .collect()
    }

    /// The bytes a message file will hold once `raw` is merged into what the batch has.
    fn prepare_message(
        &self,
        slug: &Slug,
        mut raw: Map<String, Value>,
        keep: &[&str],
        changed_at: Option<&Ts>,
    ) -> Result<PreparedMessage> {
        let ts_text = raw
            .get("ts")
            .and_then(Value::as_str)
            .context("the message has no `ts`")?;
        let ts = Ts::parse(ts_text)?;
        for value in raw.values_mut() {
            strip_tokens(value);
        }
        let rel = relative::message_file(slug, &ts);
        let new_chat = self.is_new_chat(slug);
        let staged = self.tx.maybe_staged(&rel);
        // Read from the tree itself, the file decides the outcome here; staged in this batch,
        // staging must compare with the tree.
        let (existing, from_tree) = match (new_chat, staged) {
            (true, false) => (None, false),
            (_, true) => (self.tx.current(&rel)?, false),
            (false, false) => (self.tx.read_tree(&rel)?, true),
        };
        let record = match &existing {
            None => {
                let mut record = MessageRecord::new(ts.clone(), raw);
                record.version_event_ts = changed_at.cloned();
                record
            }
            Some(bytes) => {
                let mut record: MessageRecord =
                    serde_json::from_slice(bytes).with_context(|| {
                        format!(
                            "{} is not a valid message file",
                            self.store.layout.message_file(slug, &ts).display()
                        )
                    })?;
                for key in keep {
                    if !raw.contains_key(*key)
                        && let Some(v) = record.slack.get(*key)
                    {
                        raw.insert((*key).to_owned(), v.clone());
                    }
                }
                record.merge(raw, changed_at);
                record
            }
        };
        let bytes = record.to_bytes();
        let known = match (&existing, from_tree) {
            // A file of a chat new in this batch cannot be in the tree yet.
            (None, _) if new_chat && !staged => Some(WriteOutcome::Created),
            (None, true) => Some(WriteOutcome::Created),
            (Some(old), true) if *old == bytes => Some(WriteOutcome::Unchanged),
            (Some(_), true) => Some(WriteOutcome::Updated),
            _ => None,
        };
        Ok(PreparedMessage {
            ts,
            rel,
            bytes,
            known,
        })
    }

    /// Marks a message deleted (Slack deleted it at `at`). The file stays, for the record. A
    /// message the tree does not have yet gets a deleted stub (from `previous`, Slack's copy of
    /// the message, when the event carries one), so the original arriving late stays deleted.
    pub fn delete_message(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        previous: Option<Map<String, Value>>,
        at: Option<&Ts>,
    ) -> Result<WriteOutcome> {
        let found = self.modify_message(slug, ts, |record| {
            record.deleted = true;
            record.touch(at);
        })?;
        if let Some(outcome) = found {
            return Ok(outcome);
        }
        let mut slack = previous.unwrap_or_default();
        slack.insert("ts".to_owned(), Value::String(ts.to_string()));
        slack
            .entry("type")
            .or_insert_with(|| Value::String("message".to_owned()));
        for value in slack.values_mut() {
            strip_tokens(value);
        }
        let mut record = MessageRecord::new(ts.clone(), slack);
        record.deleted = true;
        record.touch(at);
        let rel = relative::message_file(slug, ts);
        let new_chat = self.is_new_chat(slug);
        self.tx.stage(
            &rel,
            &record.to_bytes(),
            new_chat.then_some(WriteOutcome::Created),
        )
    }

    /// Adds or removes one person's reaction to a stored message (see [`MessageRecord::react`]).
    /// Returns `None` when the tree does not have the message.
    pub fn react(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        name: &str,
        user: &str,
        added: bool,
        at: Option<&Ts>,
    ) -> Result<Option<WriteOutcome>> {
        self.modify_message(slug, ts, |record| {
            if record.react(name, user, added) {
                record.touch(at);
            }
        })
    }

    /// An archived chat is a finished article: a message new to it (`outcome` is `Created`) is
    /// recorded but held off the site (issue 12). Edits and deletions of what it shows still
    /// apply, so corrections reach readers. Returns whether the message was held.
    pub fn hold_if_archived(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        outcome: WriteOutcome,
    ) -> Result<bool> {
        if outcome != WriteOutcome::Created || self.chat_state(slug)? != ChatState::Archived {
            return Ok(false);
        }
        self.modify_message(slug, ts, |record| record.held = true)?;
        Ok(true)
    }

    /// Changes a stored message with `change` (for events such as deletions and reactions).
    /// Returns `None` when the message is not in the tree.
    pub fn modify_message(
        &mut self,
        slug: &Slug,
        ts: &Ts,
        change: impl FnOnce(&mut MessageRecord),
    ) -> Result<Option<WriteOutcome>> {
        let rel = relative::message_file(slug, ts);
        let Some(bytes) = self.tx.current(&rel)? else {
            return Ok(None);
        };
        let mut record: MessageRecord = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a valid message file",
                self.store.layout.message_file(slug, ts).display()
            )
        })?;
        change(&mut record);
        for value in record.slack.values_mut() {
            strip_tokens(value);
        }
        self.tx.stage(&rel, &record.to_bytes(), None).map(Some)
    }
}
