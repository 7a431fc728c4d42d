//! Reading a live chat back from Slack for catching up: a span of `conversations.history` (newest
//! first, up to a number of pages) and whole threads (`conversations.replies`). Each read either
//! completes or fails as a whole, so nothing is ever judged from half an answer; calls are paced
//! by the client ([`crate::slack::pacing`]).

use std::collections::HashSet;

use serde_json::Value;

use super::stored::ts_of;
use crate::content::Ts;
use crate::slack::client::{next_cursor, take_array};
use crate::slack::{SlackClient, SlackError};

/// Messages asked for per page (Slack's recommended most; it may answer fewer).
const PAGE_SIZE: &str = "200";

/// A span of history as read.
#[derive(Debug, Default)]
pub(super) struct History {
    /// Top-level messages, thread parents and broadcast replies, newest first.
    pub(super) messages: Vec<Value>,
    /// The oldest ts returned. Pages come newest first and follow each other, so history is
    /// complete from here to the moment it was read, even when the page cap stopped the
    /// reading before `since`. Also what keeps Slack's retention out of the judgement: a plan
    /// that hides older messages hides a span before this, never within it.
    pub(super) complete_from: Option<Ts>,
    /// Whether the page cap stopped the reading before `since`.
    pub(super) cut_short: bool,
}

/// The history of `channel` from `since` on (inclusive): every page back to `recent` (new
/// messages are never skipped), then at most `max_pages` pages in all.
pub(super) async fn history(
    client: &SlackClient,
    channel: &str,
    since: &Ts,
    recent: &Ts,
    max_pages: usize,
) -> Result<History, SlackError> {
    let mut read = History::default();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![
            ("channel", channel.to_owned()),
            ("oldest", since.as_str().to_owned()),
            ("inclusive", "true".to_owned()),
            ("limit", PAGE_SIZE.to_owned()),
        ];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let mut answer = client.call("conversations.history", &params).await?;
        pages += 1;
        let page = take_array(&mut answer, "messages");
        let page_oldest = page.iter().filter_map(ts_of).min();
        read.complete_from = read.complete_from.into_iter().chain(page_oldest).min();
        read.messages.extend(page);
        cursor = next_cursor(&answer);
        let past_recent = read
            .complete_from
            .as_ref()
            .is_some_and(|oldest| oldest.micros() < recent.micros());
        if cursor.is_none() || (pages >= max_pages && past_recent) {
            break;
        }
    }
    read.cut_short = cursor.is_some();
    Ok(read)
}

/// The whole thread of `parent` (the parent first, then its replies), or `None` when Slack no
/// longer has the thread.
pub(super) async fn thread(
    client: &SlackClient,
    channel: &str,
    parent: &Ts,
) -> Result<Option<Vec<Value>>, SlackError> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![
            ("channel", channel.to_owned()),
            ("ts", parent.as_str().to_owned()),
            ("limit", PAGE_SIZE.to_owned()),
        ];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let mut answer = match client.call("conversations.replies", &params).await {
            Ok(answer) => answer,
            Err(e) if e.code() == Some("thread_not_found") => return Ok(None),
            Err(e) => return Err(e),
        };
        // Slack repeats the parent on every page.
        for m in take_array(&mut answer, "messages") {
            if ts_of(&m).is_some_and(|ts| seen.insert(ts.micros())) {
                found.push(m);
            }
        }
        cursor = next_cursor(&answer);
        if cursor.is_none() {
            return Ok(Some(found));
        }
    }
}
