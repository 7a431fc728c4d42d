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
use crate::build::incremental::signature::Signature;
use crate::build::outputs::pages::ChatHeader;
use crate::build::outputs::site_writer::SiteWriter;
use crate::build::outputs::thread_pages::{self, ThreadPage};
use crate::build::outputs::urls::{Landing, thread_page_link, thread_page_path};
use crate::content::{Slug, Ts};

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
    /// Site path (also its canonical path).
    pub(super) path: String,
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
    path: String,
    sig: u64,
    /// The page on disk was made from `sig`: nothing to render.
    pub(super) current: bool,
}

/// Which threads have a page and what each is signed from, from what the chat index keeps (no
/// views): a cold build reads the views of the threads whose page must render, and no others.
pub(super) fn plan(
    inputs: &Inputs,
    log: &PagesLog<'_>,
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
    // On every thread: a cold build `stat`s each page it keeps (11,000 at 100,000 messages).
    chat.tops
        .par_iter()
        .enumerate()
        .filter(|(_, top)| has_page(inputs, top))
        .map(|(index, top)| {
            let page = chat.paging.page_of(index);
            // The link back is made of the page, how the chat lands and the ts: signed as
            // those, not formatted.
            let sig = Signature::new()
                .with(shared.to_le_bytes())
                .with(page.to_le_bytes())
                .with(top.ts.as_str())
                .with(chat.top_sigs[index].to_le_bytes())
                .finish();
            let path = thread_page_path(chat.slug, &top.ts);
            PlannedThread {
                index,
                page,
                current: log.is_current(&path, sig),
                path,
                sig,
            }
        })
        .collect()
}

/// Brings the chat's thread pages up to date as [`plan`]ned and
/// returns them for the sitemap, in the order threads began (their first reply), so new
/// threads add URLs at the end of the chat's thread sitemaps.
pub(super) fn build(
    inputs: &Inputs,
    writer: &SiteWriter,
    log: &mut PagesLog<'_>,
    chat: &ChatThreads<'_>,
    items: &BTreeMap<Ts, Item>,
    planned: Vec<PlannedThread>,
) -> Result<Vec<ThreadListing>> {
    let config = &inputs.config;
    let written: Vec<Result<Option<bool>>> = planned
        .par_iter()
        .map(|t| {
            if t.current {
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
            Ok(Some(writer.put(&t.path, &bytes)?))
        })
        .collect();
    let mut listed = Vec::with_capacity(planned.len());
    for (t, wrote) in planned.into_iter().zip(written) {
        log.record(&t.path, t.sig, wrote?);
        let top = &chat.tops[t.index];
        // From what the chat index keeps: a thread whose page did not render has no views.
        let lastmod = top.updated;
        listed.push((
            top.replies.first().cloned(),
            top.ts.clone(),
            ThreadListing {
                path: t.path,
                lastmod,
            },
        ));
    }
    listed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Ok(listed.into_iter().map(|(_, _, l)| l).collect())
}
