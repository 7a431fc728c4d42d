//! A chat's thread pages, as the builder makes them: which threads get a page, what each page is
//! signed from, and rendering those whose signature changed (the page itself is
//! [`outputs::thread_pages`](crate::build::outputs::thread_pages)).
//!
//! A thread page is signed from everything it shows: the thread pages' context (the global
//! signature, `thread.html` and what it extends or includes, the static files' fingerprinted
//! names when those templates call `asset()`, the chat's settings), the chat's header, the
//! thread's top signature (its parent's and published replies' JSON, as the chat pages sign
//! them) and the parent's place (the link back to its numbered page). A new reply changes one
//! top signature: it re-renders that thread's page and no other.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::inputs::Inputs;
use super::record::PagesLog;
use crate::build::chat::messages::{self, Item, Top};
use crate::build::chat::paging::Paging;
use crate::build::chat::view::MessageView;
use crate::build::incremental::signature::{self, Signature};
use crate::build::incremental::state::{ThreadRecord, ThreadRecords, thread_record};
use crate::build::outputs::pages::ChatHeader;
use crate::build::outputs::site_writer::SiteWriter;
use crate::build::outputs::thread_pages::{self, ThreadPage};
use crate::build::outputs::urls::{Landing, thread_page_link, thread_page_path};
use crate::content::{Slug, Ts};
use crate::file_stamp::{Folder, Stamp};

/// A chat as its thread pages need it, besides its messages (threaded; passed to [`plan`] and
/// [`build`] apart, since a cold build reads views in between).
pub(super) struct ChatThreads<'a> {
    pub(super) slug: &'a Slug,
    pub(super) header: &'a ChatHeader,
    /// The header as the chat pages sign it.
    pub(super) header_json: &'a str,
    pub(super) tops: &'a [Top],
    /// [`Top::sig`](messages::Top::sig) of each top, as the chat pages use them.
    pub(super) top_sigs: &'a [u64],
    /// The chat's HTML pages, for the link back to the parent.
    pub(super) paging: &'a Paging,
    pub(super) landing: Landing,
}

/// A thread page as the sitemap lists it.
#[derive(Debug, Clone)]
pub(super) struct ThreadListing {
    /// Its thread's parent: the page's path follows ([`thread_page_path`]).
    pub(super) ts: Ts,
    /// The thread's newest change (Unix seconds): the latest time or edit among its messages.
    pub(super) lastmod: Option<i64>,
}

/// What every thread page of a chat is rendered from besides its thread: the thread pages'
/// templates and config ([`Inputs::thread_page_context`]) and the chat's settings.
pub(super) fn context(inputs: &Inputs, settings: &str) -> u64 {
    let mut sig = inputs.thread_page_context();
    sig.push(settings);
    sig.finish()
}

/// Whether a top-level message has a thread page: the theme has the template, the message is
/// published (not a tombstone) and at least one reply is.
pub(super) fn has_page(inputs: &Inputs, top: &Top) -> bool {
    inputs.thread_pages && !top.replies.is_empty() && top.published
}

/// A chat page's view of a top-level message, with the link to its thread's page when it has
/// one (the chat pages' signature covers it: it follows from the top's own signature).
pub(super) fn linked(
    inputs: &Inputs,
    top: &Top,
    items: &BTreeMap<Ts, Item>,
) -> Option<MessageView> {
    let mut view = messages::nested_view(top, items)?;
    if has_page(inputs, top) {
        view.thread_url = Some(thread_page_link(&top.ts));
    }
    Some(view)
}

/// A thread page to bring up to date.
pub(super) struct PlannedThread {
    /// Its top's index among the chat's tops.
    pub(super) index: usize,
    /// The chat page that shows its parent.
    page: usize,
    sig: u64,
    /// The page on disk was made from `sig` and is as the last build left it (its stamp then):
    /// nothing to render.
    kept: Option<Stamp>,
}

impl PlannedThread {
    pub(super) fn current(&self) -> bool {
        self.kept.is_some()
    }
}

/// Which threads have a page and what each is signed from, from what the chat index keeps (no
/// views): a cold build reads the views of the threads whose page must render, and no others.
/// `last`: the chat's thread pages as the last build recorded them.
pub(super) fn plan(
    inputs: &Inputs,
    log: &PagesLog<'_>,
    last: &[ThreadRecord],
    chat: &ChatThreads<'_>,
    context: u64,
) -> Vec<PlannedThread> {
    // What every thread page of the chat shares, hashed once rather than per thread (the
    // header's JSON, for each of a long chat's thousands of threads: issue 15).
    let shared = Signature::new()
        .with(context.to_le_bytes())
        .with(chat.header_json)
        .with([chat.landing as u8])
        .finish();
    // Trusted (a long-lived builder's own outputs), a page kept by its signature needs no path;
    // else each kept page is stamped, by name in the chat's folder.
    let folder =
        (!log.trusted()).then(|| Folder::open(&log.writer().root().join(chat.slug.as_str())));
    chat.tops
        .par_iter()
        .enumerate()
        .filter(|(_, top)| has_page(inputs, top))
        .map(|(index, top)| {
            let page = chat.paging.page_of(index);
            // The link back is made of the page, how the chat lands and the ts: signed as
            // those, not formatted; in short hashes, not a stream (whose state alone is larger
            // than all four parts: issue 15).
            let sig = signature::chain([
                shared,
                page as u64,
                signature::hash(top.ts.as_str().as_bytes()),
                chat.top_sigs[index],
            ]);
            let kept = thread_record(last, &top.ts)
                .filter(|r| r.sig == sig)
                .filter(|r| folder.as_ref().is_none_or(|folder| on_disk(folder, r)))
                .map(|r| r.stamp);
            PlannedThread {
                index,
                page,
                sig,
                kept,
            }
        })
        .collect()
}

/// What [`build`] made of a chat's thread pages.
pub(super) struct BuiltThreads {
    /// Their records for the next build, sorted by ts.
    pub(super) records: ThreadRecords,
    /// Their listing for the sitemap, in the order threads began (their first reply), so new
    /// threads add URLs at the end of the chat's thread sitemaps.
    pub(super) listed: Vec<ThreadListing>,
    /// The paths of the pages the last build made and this one does not: to prune.
    pub(super) gone: Vec<String>,
}

/// Brings the chat's thread pages up to date as [`plan`]ned; `last` as given to [`plan`].
pub(super) fn build(
    inputs: &Inputs,
    log: &mut PagesLog<'_>,
    chat: &ChatThreads<'_>,
    items: &BTreeMap<Ts, Item>,
    planned: Vec<PlannedThread>,
    last: ThreadRecords,
) -> Result<BuiltThreads> {
    let config = &inputs.config;
    let writer = log.writer();
    let slug = chat.slug.as_str();
    let written: Vec<Result<Option<(String, bool)>>> = planned
        .par_iter()
        .map(|t| {
            if t.current() {
                return Ok(None);
            }
            let top = &chat.tops[t.index];
            let parent = messages::nested_view(top, items)
                .context("internal: a thread page's parent has no view")?;
            let bytes = thread_pages::render_thread_page(
                &inputs.theme,
                &inputs.site,
                config,
                ThreadPage {
                    chat: chat.header,
                    slug: chat.slug,
                    ts: &top.ts,
                    parent: &parent,
                    page: t.page,
                    landing: chat.landing,
                },
            )?;
            let path = thread_page_path(slug, &top.ts);
            let wrote = writer.put(&path, &bytes)?;
            Ok(Some((path, wrote)))
        })
        .collect();
    let mut records = Vec::with_capacity(planned.len());
    let mut listed = Vec::with_capacity(planned.len());
    for (t, wrote) in planned.into_iter().zip(written) {
        let top = &chat.tops[t.index];
        let wrote = wrote?;
        log.count(wrote.as_ref().map(|(_, wrote)| *wrote));
        let stamp = match wrote {
            None => t.kept,
            // A file gone since it was written is not recorded: the next build renders it again.
            Some((path, _)) => writer.stamp(&path),
        };
        if let Some(stamp) = stamp {
            records.push(ThreadRecord {
                ts: top.ts.clone(),
                sig: t.sig,
                stamp,
            });
        }
        // Sorted by when the thread began, then by its parent: by their keys, since moving
        // 11,000 listings about in a sort was as long as the rest of this (issue 15).
        let began = top.replies.first().map_or(0, |r| r.micros() + 1);
        listed.push((began, top.ts.micros(), t.index));
    }
    // Tops come in ts order: sorted already, but the records' lookups rely on it.
    if !records.is_sorted_by(|a, b| a.ts < b.ts) {
        records.sort_unstable_by(|a, b| a.ts.cmp(&b.ts));
    }
    // The index settles ties (two spellings of one instant) as the tops' order does.
    listed.sort_unstable();
    // From what the chat index keeps: a thread whose page did not render has no views.
    let listed = listed
        .into_iter()
        .map(|(.., index)| ThreadListing {
            ts: chat.tops[index].ts.clone(),
            lastmod: chat.tops[index].updated,
        })
        .collect();
    Ok(BuiltThreads {
        gone: gone(slug, &last, &records),
        records,
        listed,
    })
}

/// The paths of the pages in `last` that are not in `now` (both sorted by ts), in one walk.
fn gone(slug: &str, last: &[ThreadRecord], now: &[ThreadRecord]) -> Vec<String> {
    let mut now = now.iter().peekable();
    let mut gone = Vec::new();
    for r in last {
        while now.next_if(|n| n.ts < r.ts).is_some() {}
        if now.next_if(|n| n.ts == r.ts).is_none() {
            gone.push(thread_page_path(slug, &r.ts));
        }
    }
    gone
}

/// Whether every page in `records` is on disk as the last build wrote it: a `stat` each by name
/// in the chat's folder, on every thread (a cold build of an unchanged chat keeps them then).
pub(super) fn all_on_disk(writer: &SiteWriter, slug: &Slug, records: &[ThreadRecord]) -> bool {
    let folder = Folder::open(&writer.root().join(slug.as_str()));
    records.par_iter().all(|r| on_disk(&folder, r))
}

/// Whether the page of `record` is in the chat's `folder` as the build that recorded it left it.
fn on_disk(folder: &Folder, record: &ThreadRecord) -> bool {
    folder.stamp(&thread_page_link(&record.ts)) == Some(record.stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_gone_are_those_last_recorded_and_not_now() {
        let record = |ts: &str| ThreadRecord {
            ts: Ts::parse(ts).unwrap(),
            sig: 7,
            stamp: Stamp {
                len: 1,
                mtime: 2,
                inode: 3,
            },
        };
        let last = [record("1.000001"), record("2.000001"), record("3.000001")];
        let now = [record("0.000001"), record("2.000001"), record("4.000001")];
        assert_eq!(
            gone("c", &last, &now),
            ["c/thread-1-000001.html", "c/thread-3-000001.html"]
        );
        assert!(gone("c", &last, &last).is_empty());
        assert_eq!(gone("c", &last, &[]).len(), 3);
        assert!(gone("c", &[], &now).is_empty());
    }
}
