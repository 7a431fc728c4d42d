//! The search index's outputs (`outputs::search`, docs/search.md): each chat's docs blocks and
//! segment buckets, built with the chat from what is in memory, and the site's manifest and
//! search page, built from the chats' records so an unchanged chat is not read for them.
//!
//! Only what changed renders: a docs block or a segment whose signature (its messages with their
//! places) is the last build's, with its files on disk as that build left them, is kept.

use std::collections::BTreeMap;

use anyhow::Result;
use rayon::prelude::*;

use super::inputs::Inputs;
use super::record::OutputLog;
use crate::build::incremental::signature::hash;
use crate::build::incremental::state::ChatRecord;
use crate::build::outputs::pages;
use crate::build::outputs::search::chat_search::ChatSearch;
use crate::build::outputs::search::{self, manifest};
use crate::build::theme::Theme;
use crate::config::Config;

/// What the build says when search is on but the theme has no search page.
pub(super) const NO_TEMPLATE: &str = "The theme has no templates/search.html: the search index was written (search/index.json), but no search page.";

/// Whether the site has a search page: search is on and the theme has its template.
pub(super) fn has_page(config: &Config, theme: &Theme) -> bool {
    config.search.enabled && theme.templates.contains_key("search.html")
}

/// A chat's part of the index to bring up to date: every file with its signature, and which
/// are current. Planned before any view is read (the signatures need none), so a cold build
/// reads the views of the stale files' messages only ([`SearchPlan::tops`]).
pub(super) struct SearchPlan {
    /// Docs blocks that hold a published message: number, path, signature, current.
    blocks: Vec<(usize, String, u64, bool)>,
    /// Segments: number, signature, and whether the bucket files the last build wrote for it
    /// are all current (else it renders).
    segments: Vec<(usize, u64, bool)>,
}

impl SearchPlan {
    pub(super) fn new(inputs: &Inputs, index: &ChatSearch<'_>, log: &OutputLog<'_>) -> SearchPlan {
        let global = inputs.global;
        let blocks = (1..=index.block_count())
            .into_par_iter()
            .filter(|b| index.block_has_docs(*b))
            .map(|b| {
                let path = index.block_path(b);
                let sig = index.block_signature(global, b);
                let current = log.is_current(&path, sig);
                (b, path, sig, current)
            })
            .collect();
        // A segment is kept whole when every bucket the last build wrote for it is current (an
        // empty bucket has no file).
        let segments = (1..=index.segment_count())
            .into_par_iter()
            .map(|s| {
                let sig = index.segment_signature(global, s);
                (s, sig, log.all_current_under(&index.segment_dir(s), sig))
            })
            .collect();
        SearchPlan { blocks, segments }
    }

    /// The tops whose views the stale files show.
    pub(super) fn tops<'s>(
        &'s self,
        index: &'s ChatSearch<'_>,
    ) -> impl Iterator<Item = usize> + 's {
        let blocks = self
            .blocks
            .iter()
            .filter(|(.., current)| !current)
            .flat_map(|(b, ..)| index.block_tops(*b));
        let segments = self
            .segments
            .iter()
            .filter(|(.., kept)| !kept)
            .flat_map(|(s, ..)| index.segment_tops(*s));
        blocks.chain(segments)
    }

    /// Renders the stale files (every message they show has its view now) and records all of
    /// them.
    pub(super) fn build(self, index: &ChatSearch<'_>, log: &mut OutputLog<'_>) -> Result<()> {
        let writer = log.writer();
        let blocks: Vec<(String, u64, Option<bool>)> = self
            .blocks
            .into_par_iter()
            .map(|(b, path, sig, current)| {
                let wrote = if current {
                    None
                } else {
                    Some(writer.put(&path, &index.block_json(b))?)
                };
                Ok((path, sig, wrote))
            })
            .collect::<Result<_>>()?;
        let (kept, stale): (Vec<_>, Vec<_>) =
            self.segments.into_iter().partition(|(.., kept)| *kept);
        let segments: Vec<Vec<(String, u64, Option<bool>)>> = stale
            .into_par_iter()
            .map(|(s, sig, _)| -> Result<Vec<(String, u64, Option<bool>)>> {
                index
                    .segment_buckets(s)
                    .into_iter()
                    .map(|(k, bytes)| {
                        let path = index.bucket_path(s, k);
                        let wrote = writer.put(&path, &bytes)?;
                        Ok((path, sig, Some(wrote)))
                    })
                    .collect()
            })
            .collect::<Result<_>>()?;
        for (s, ..) in kept {
            log.keep_under(&index.segment_dir(s));
        }
        for (path, sig, wrote) in blocks.into_iter().chain(segments.into_iter().flatten()) {
            log.record(&path, sig, wrote);
        }
        Ok(())
    }
}

/// Writes the manifest and the search page. Returns what the build must say, if anything.
pub(super) fn site_outputs(
    inputs: &Inputs,
    chats: &BTreeMap<String, ChatRecord>,
    log: &mut OutputLog<'_>,
) -> Result<Option<&'static str>> {
    let config = &inputs.config;
    if !config.search.enabled {
        return Ok(None);
    }
    let entries: Vec<manifest::ChatEntry<'_>> = chats
        .iter()
        .map(|(slug, record)| manifest::ChatEntry {
            slug,
            headline: &record.summary.header.headline,
            segments: search::Segments::new(config).count(record.summary.pages),
        })
        .collect();
    let bytes = manifest::json(&entries);
    log.put(manifest::PATH, hash(&bytes), move || Ok(bytes))?;
    if inputs.theme.static_files.contains_key(search::PAGE) {
        return Ok(None); // the site's own search page wins
    }
    if !inputs.site.search {
        return Ok(Some(NO_TEMPLATE));
    }
    log.put(search::PAGE, inputs.search_page_context().finish(), || {
        pages::render_search_page(&inputs.theme, &inputs.site, config)
    })?;
    Ok(None)
}
