//! Building one published chat: gather the facts about its message files, ask
//! [`plan`](crate::build::incremental::plan) what to read and whether the last outputs may stay,
//! then read, thread and render its pages, feeds and live feed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;

use super::discovery::{self, ChatPages};
use super::elsewhere::{self, Away};
use super::inputs::Inputs;
use super::record::{self, OutputLog, PagesLog, Recorded};
use super::search::SearchPlan;
use super::threads::{self, BuiltThreads, ChatThreads};
use crate::build::chat::messages::{self, Item, Shape, Structure, Visibility};
use crate::build::chat::names::Names;
use crate::build::chat::paging::Paging;
use crate::build::chat::view::{MessageView, ViewContext};
use crate::build::incremental::chat_index::{ChatIndex, index_path};
use crate::build::incremental::deps::Deps;
use crate::build::incremental::plan::{
    self, Keep, KeepFacts, Mode, ReadPlan, file_hash, files_signature,
};
use crate::build::incremental::signature::Signature;
use crate::build::incremental::state::{ChatDiscovery, ChatOutputs, ChatRecord, ThreadRecords};
use crate::build::outputs::feed_files::FeedFile;
use crate::build::outputs::feed_pages::{self, Groups, PagedFeed, Siblings};
use crate::build::outputs::pages::{self, ChatHeader, ChatPage, ChatSummary, PageKind};
use crate::build::outputs::search::chat_search::{ChatSearch, SearchLayout};
use crate::build::outputs::site_writer::SiteWriter;
use crate::build::outputs::urls::{Landing, chat_landing_path, chat_page_path};
use crate::build::outputs::{feeds, live_feed};
use crate::build::{BuildReport, ChangeSet};
use crate::content::layout::relative;
use crate::content::{ChannelEntry, ChatState, ContentLayout, Slug, Ts};
use crate::file_stamp::{Folder, Stamp};

/// A chat as the builder keeps it between builds.
#[derive(Debug)]
pub(super) struct ChatCache {
    pub(super) entry: ChannelEntry,
    pub(super) settings: Option<Stamp>,
    /// Rendered messages (only while loaded). Changed only through the methods below, which
    /// keep `files` up to date.
    pub(super) items: BTreeMap<Ts, Item>,
    /// The [`files_signature`] of `items`, kept as they change: summing it over a long chat on
    /// every rebuild was a pass of its own (issue 15).
    files: u64,
    pub(super) loaded: bool,
    /// The files signature of the chat index last written from memory (long-lived builders
    /// write it when they save the state).
    pub(super) indexed: Option<u64>,
    /// The names looked up by every message read since the chat was loaded: kept as messages
    /// are read, so a rebuild does not take the union of every message's (issue 15: 100,000
    /// set unions a build). A superset of what the messages in memory look up now (an edited
    /// or deleted message's names stay until the chat is loaded again), which can only make a
    /// name change re-read the chat when it need not.
    deps: Deps,
    /// The chat as the last build threaded it (long-lived builders), and the messages changed
    /// since with their shape before (`None`: new): a rebuild updates the tops they touch
    /// instead of threading the whole chat ([`Structure::update`]).
    threaded: Option<Structure>,
    since_threaded: BTreeMap<Ts, Option<Shape>>,
}

impl ChatCache {
    pub(super) fn new(entry: ChannelEntry, settings: Option<Stamp>) -> ChatCache {
        ChatCache {
            entry,
            settings,
            items: BTreeMap::new(),
            files: 0,
            loaded: false,
            indexed: None,
            deps: Deps::default(),
            threaded: None,
            since_threaded: BTreeMap::new(),
        }
    }

    /// Drops the rendered messages (the chat is read whole next time).
    pub(super) fn unload(&mut self) {
        self.items.clear();
        self.files = 0;
        self.deps = Deps::default();
        self.loaded = false;
        self.forget_structure();
    }

    /// [`Self::unload`] for a cold build done with the chat: its messages are freed on another
    /// thread (100,000 of them took 13 ms, and the build has the rest of the site to finish).
    fn unload_elsewhere(&mut self) {
        let items = std::mem::take(&mut self.items);
        rayon::spawn(move || drop(items));
        self.unload();
    }

    fn forget_structure(&mut self) {
        self.threaded = None;
        self.since_threaded.clear();
    }

    /// Keeps messages just read (replacing what was in memory for them).
    fn insert(&mut self, read: Vec<Item>) {
        for item in read {
            if let Some(deps) = &item.deps {
                self.deps.extend(deps);
            }
            self.files = self.files.wrapping_add(file_hash(&item.ts, item.stamp));
            let ts = item.ts.clone();
            let old = self.items.insert(ts.clone(), item);
            if let Some(old) = &old {
                self.files = self.files.wrapping_sub(file_hash(&old.ts, old.stamp));
            }
            if self.threaded.is_some() {
                self.since_threaded
                    .entry(ts)
                    .or_insert_with(|| old.as_ref().map(Shape::of));
            }
        }
    }

    /// Forgets a message whose file is gone.
    fn forget(&mut self, ts: &Ts) {
        if let Some(old) = self.items.remove(ts) {
            self.files = self.files.wrapping_sub(file_hash(&old.ts, old.stamp));
            self.forget_structure();
        }
    }

    /// Starts from the messages a chat index restored, whose [`files_signature`] the index was
    /// checked to be (summing it again over 100,000 messages took a cold build 5 ms).
    fn restore(&mut self, items: BTreeMap<Ts, Item>, files: u64) {
        debug_assert_eq!(
            files,
            files_signature(items.values().map(|i| (&i.ts, i.stamp)))
        );
        self.files = files;
        self.items = items;
        self.forget_structure();
    }

    /// What threading the chat starts from (taken): the last build's structure and the changes
    /// since.
    fn threading(&mut self) -> Threading {
        Threading {
            last: self.threaded.take(),
            changes: std::mem::take(&mut self.since_threaded),
        }
    }
}

/// The last build's structure of a chat and the messages changed since, with their shape before.
struct Threading {
    last: Option<Structure>,
    changes: BTreeMap<Ts, Option<Shape>>,
}

impl Threading {
    /// The chat threaded: the last build's structure updated, when the changes since allow,
    /// else threaded whole.
    fn thread(self, items: &BTreeMap<Ts, Item>) -> Structure {
        if let Some(mut structure) = self.last
            && structure.update(items, &self.changes)
        {
            debug_assert_eq!(
                structure,
                messages::structure(items),
                "an updated structure differs from the chat threaded whole"
            );
            return structure;
        }
        messages::structure(items)
    }
}

/// What building one chat needs from the builder.
#[derive(Clone, Copy)]
pub(super) struct ChatJob<'a> {
    pub(super) layout: &'a ContentLayout,
    pub(super) inputs: &'a Inputs,
    pub(super) names: &'a Names,
    pub(super) hosted: &'a HashMap<String, crate::build::chat::view::HostedFile>,
    pub(super) writer: &'a SiteWriter,
    /// Users, chats, emoji and files that changed in this build.
    pub(super) changed: &'a Deps,
    pub(super) set: &'a ChangeSet,
    pub(super) mode: Mode,
    /// Write the chat's sitemaps and Atom feed (the site has a `base_url`; not a preview).
    pub(super) discover: bool,
    /// Where the chats' indexes are kept (`BuildTarget::index`).
    pub(super) index_dir: &'a Path,
    /// The last build's outputs are on disk as this builder left them
    /// (`OutputLog::is_current`).
    pub(super) trusted: bool,
}

impl<'a> ChatJob<'a> {
    /// What rendering a message file looks up.
    fn view_context(&self) -> ViewContext<'a> {
        ViewContext {
            names: self.names,
            render: &self.inputs.render,
            tz: &self.inputs.tz,
            hosted_files: self.hosted,
        }
    }
}

/// One chat as built.
pub(super) struct BuiltChat {
    pub(super) record: ChatRecord,
    pub(super) report: BuildReport,
    /// Its outputs the last build produced and this one did not: to prune.
    pub(super) gone: Vec<String>,
}

/// Brings one published chat's pages and feeds up to date. `previous`: its record from the last
/// build; else, when the record was dropped (a config change), the outputs it listed, still on
/// disk.
pub(super) fn build_chat(
    job: ChatJob<'_>,
    cache: &mut ChatCache,
    previous: Option<ChatRecord>,
    dropped: Option<ChatOutputs>,
) -> Result<BuiltChat> {
    let inputs = job.inputs;
    let slug = &cache.entry.slug.clone();
    let was_in_memory = cache.loaded;

    let settings = toml::to_string(&cache.entry.settings).unwrap_or_default();
    let context = Contexts {
        pages: {
            let mut sig = inputs.chat_page_context();
            sig.push(&settings);
            sig.finish()
        },
        threads: threads::context(inputs, &settings),
    };
    let lookups_changed = !job.changed.is_empty()
        && match &previous {
            Some(p) if !was_in_memory => p.deps.touches(job.changed),
            _ => cache.items.values().any(|i| i.touches(job.changed)),
        };

    // The facts: a listing with stamps, or the files the caller named.
    let listed = plan::must_list(was_in_memory, job.set.everything);
    // A cold build starts from the chat's index, if the last build left one for the files its
    // record signs: then only the files that changed are read (issue 15). Not when a name
    // messages looked up changed: the index does not say which messages did.
    let (restored, plan) = if listed {
        let dir = job.layout.messages_dir(slug);
        // The index loads while the folder is listed and stamped: both take a 100,000-message
        // chat's cold build a quarter of its time, the listing on one thread (issue 15).
        let (restored, stamps) = rayon::join(
            || match &previous {
                Some(p) if !was_in_memory && job.mode == Mode::Cold && !lookups_changed => {
                    ChatIndex::load(&index_path(job.index_dir, slug.as_str()), p.files)
                }
                _ => None,
            },
            || -> Result<_> { Ok(stamp_all(&dir, messages::list_message_ts(&dir)?)) },
        );
        let stamps = stamps?;
        let known = if was_in_memory {
            Some(&cache.items)
        } else {
            restored.as_ref()
        };
        let memory = known.map(|items| items.iter().map(|(t, i)| (t, i.stamp)));
        let plan = plan::plan_listed(memory, previous.as_ref().map(|p| p.files), &stamps);
        (restored, plan)
    } else {
        let named: Vec<(Ts, bool)> = job
            .set
            .messages
            .get(&cache.entry.slug)
            .into_iter()
            .flatten()
            .map(|ts| (ts.clone(), job.layout.message_file(slug, ts).is_file()))
            .collect();
        (None, plan::plan_named(&named))
    };

    let keep = plan::may_keep(KeepFacts {
        mode: job.mode,
        was_in_memory,
        listed,
        files_changed: plan.files_changed,
        lookups_changed,
        same_context: previous
            .as_ref()
            .is_some_and(|p| p.context == context.record()),
    });
    let keep = match keep {
        Keep::Yes => true,
        Keep::IfOutputsOnDisk => previous.as_ref().is_some_and(|p| {
            record::all_on_disk(job.writer, &p.outputs.pages)
                && threads::all_on_disk(job.writer, slug, &p.outputs.threads)
                && record::all_on_disk(job.writer, &p.outputs.search)
        }),
        Keep::No => false,
    };
    if keep && let Some(p) = previous {
        let report = BuildReport {
            unchanged: p.outputs.len(),
            ..BuildReport::default()
        };
        return Ok(BuiltChat {
            record: p,
            report,
            gone: Vec::new(),
        });
    }

    // The last build's outputs, to update in place; names looked up by the messages the index
    // kept without reading: the last record's. An index is restored only when it was written
    // from the files the record signs.
    let (logs, known_deps, restored) = match previous {
        Some(p) => (
            ChatLogs::new(job, p.outputs),
            if restored.is_some() {
                p.deps
            } else {
                Deps::default()
            },
            restored.map(|items| (items, p.files)),
        ),
        None => (
            ChatLogs::new(job, dropped.unwrap_or_default()),
            Deps::default(),
            None,
        ),
    };
    if let Some((items, files)) = restored {
        cache.restore(items, files);
    }
    let read = read_changed(job, cache, plan, lookups_changed)?;
    // A cold build writes the chat's index while the chat renders (what the index keeps is
    // known once the changed files are read): 25 ms at 100,000 messages (issue 15). It is a
    // cache checked against the state the build saves, so a render that fails leaves it unused.
    // It is taken while the chat is threaded, both from the messages as read.
    let threading = cache.threading();
    let (structure, index) = rayon::join(
        || threading.thread(&cache.items),
        || (job.mode == Mode::Cold).then(|| ChatIndex::of(&cache.items)),
    );
    let (built, saved) = rayon::join(
        || render_chat(job, cache, structure, context, known_deps, logs),
        || index.map(|index| index.save(&index_path(job.index_dir, slug.as_str()))),
    );
    let mut built = built?;
    saved.transpose()?;
    built.report.messages_rendered += read;
    if job.mode == Mode::Cold {
        cache.unload_elsewhere();
    }
    Ok(built)
}

/// A chat's two output logs: its pages and feeds (and the count of its thread pages), and its
/// part of the search index (built side by side); and its thread pages as last recorded.
struct ChatLogs<'a> {
    pages: PagesLog<'a>,
    threads: ThreadRecords,
    search: OutputLog<'a>,
}

impl<'a> ChatLogs<'a> {
    fn new(job: ChatJob<'a>, outputs: ChatOutputs) -> ChatLogs<'a> {
        ChatLogs {
            pages: OutputLog::new(job.writer, outputs.pages, job.trusted),
            threads: outputs.threads,
            search: OutputLog::new(job.writer, outputs.search, job.trusted),
        }
    }
}

/// Reads what the plan names (every file, when the chat was not in memory), plus the messages
/// whose lookups changed, and updates the chat in memory. Returns how many published messages
/// it rendered.
fn read_changed(
    job: ChatJob<'_>,
    cache: &mut ChatCache,
    plan: ReadPlan,
    lookups_changed: bool,
) -> Result<usize> {
    if plan.read_all {
        cache.unload();
    }
    for ts in &plan.forget {
        cache.forget(ts);
    }
    let slug = &cache.entry.slug;
    let path = |ts: &Ts| job.layout.message_file(slug, ts);
    let mut to_read: Vec<PathBuf> = plan.read.iter().map(path).collect();
    if !plan.read_all && lookups_changed {
        to_read.extend(
            cache
                .items
                .iter()
                .filter(|(_, item)| item.touches(job.changed))
                .map(|(ts, _)| path(ts)),
        );
    }
    let inputs = job.inputs;
    let cx = job.view_context();
    let fresh: Vec<Item> = to_read
        .par_iter()
        .map(|path| messages::load_item(path, &inputs.config, &cx))
        .collect::<Result<_>>()?;
    let rendered = fresh.iter().filter(|i| i.view.is_some()).count();
    cache.insert(fresh);
    cache.loaded = true;
    Ok(rendered)
}

/// Renders a chat that is in memory: its pages, feeds and (while live) live feed.
///
/// Messages restored from the chat index have no view yet: everything is first signed from what
/// the index keeps, then only the views the outputs to render show are read (issue 15).
/// `structure`: the chat threaded. `known_deps`: the names the last build's messages looked up,
/// for those never read.
fn render_chat(
    job: ChatJob<'_>,
    cache: &mut ChatCache,
    structure: Structure,
    contexts: Contexts,
    known_deps: Deps,
    logs: ChatLogs<'_>,
) -> Result<BuiltChat> {
    let ChatLogs {
        pages: mut log,
        threads: last_threads,
        search: mut search_log,
    } = logs;
    let context = contexts.pages;
    let inputs = job.inputs;
    let config = &inputs.config;
    let slug = &cache.entry.slug.clone();
    let Structure {
        tops,
        count,
        places,
        unshown,
        pinned: pinned_ts,
    } = &structure;
    let (count, places) = (*count, *places);

    // What every output shows: the first and newest published messages, and pinned ones.
    let published = |i: &&Item| i.visibility == Visibility::Published;
    let first_ts = tops
        .iter()
        .filter_map(|t| cache.items.get(&t.ts))
        .find(published)
        .map(|i| i.ts.clone());
    let newest_ts = cache
        .items
        .values()
        .rev()
        .find(published)
        .map(|i| i.ts.clone());
    let shared = first_ts.iter().chain(&newest_ts).chain(pinned_ts);
    let mut messages_rendered = read_views(job, cache, shared)?;

    let items = &cache.items;
    let view_of = |ts: &Option<Ts>| ts.as_ref().and_then(|t| items.get(t)?.view.as_deref());
    let first = view_of(&first_ts).map(|(v, _)| v.time.clone());
    let url = format!("{}{}/", inputs.link.from_root, slug);
    let header = ChatHeader::new(&cache.entry, first, url, &inputs.tz);
    let paging = Paging::cut(tops, places, config.page_size);
    let total = paging.count();
    let landing = Landing::of(cache.entry.settings.state);
    let newest = view_of(&newest_ts);
    let summary = ChatSummary {
        header,
        message_count: count,
        last: newest.map(|(v, _)| v.time.clone()),
        last_ts: newest.map(|(v, _)| v.ts.clone()),
        pages: total,
    };
    let header_json = serde_json::to_string(&summary.header)?;
    let top_sigs: Vec<u64> = tops.iter().map(|t| t.sig).collect();

    // Pinned messages, shown above every page's own (issue 14).
    let pinned_sig = {
        let mut sig = Signature::new();
        for (_, json) in messages::pinned(pinned_ts, items) {
            sig.push(json);
        }
        sig.finish()
    };
    let pinned_homes = elsewhere::pinned_homes(tops, pinned_ts, &cache.items);

    let whole_chat = config.feeds.whole_chat;
    let json_path = FeedFile::Json.path(slug);
    let jsonp_path = FeedFile::Jsonp.path(slug);
    let chat_threads = ChatThreads {
        slug,
        header: &summary.header,
        header_json: &header_json,
        tops,
        top_sigs: &top_sigs,
        paging: &paging,
        landing,
    };
    let search_layout = config
        .search
        .enabled
        .then(|| SearchLayout::new(tops, places, config));
    // The chat's pages and feeds are planned while its thread pages and search index are: each
    // signs every output of its kind, a third of a rebuild at 100,000 messages (issue 15).
    let (planned, (thread_plan, search_plan)) = rayon::join(
        || -> Result<PagesPlan> {
            // Pages: every numbered page, and the chat's address (page 1's copy, or while live its
            // latest messages).
            let mut page_outs: Vec<PageOut> = (1..=total)
                .map(|n| {
                    let mut paths = vec![chat_page_path(slug, n)];
                    if n == 1 && landing == Landing::FirstPage {
                        paths.push(chat_landing_path(slug));
                    }
                    let shown = paging.range(n);
                    PageOut {
                        kind: PageKind::Numbered(n),
                        away: elsewhere::away(tops, &paging, shown.clone(), &pinned_homes),
                        tops: shown,
                        paths,
                    }
                })
                .collect();
            if landing == Landing::Latest {
                let start = tops.len().saturating_sub(config.live.latest.max(1));
                page_outs.push(PageOut {
                    kind: PageKind::Latest {
                        earlier: start.checked_sub(1).map(|i| paging.page_of(i)),
                    },
                    away: elsewhere::away(tops, &paging, start..tops.len(), &pinned_homes),
                    tops: start..tops.len(),
                    paths: vec![chat_landing_path(slug)],
                });
            }
            // What every page shares, hashed once.
            let shared = Signature::new()
                .with(context.to_le_bytes())
                .with(&header_json)
                .with(pinned_sig.to_le_bytes())
                .finish();
            let page_sigs: Vec<u64> = page_outs
                .iter()
                .map(|out| {
                    let mut sig = Signature::new();
                    sig.push_u64(shared);
                    sig.push(format!("{:?}", out.kind));
                    match out.kind {
                        // Only what the page shows of the others (a live chat's old pages stay).
                        PageKind::Numbered(n) => {
                            sig.push(format!("{:?}", pages::pagination_key(n, total, landing)))
                        }
                        PageKind::Latest { .. } => sig.push_u64(total as u64),
                    }
                    sig.push_u64s(top_sigs[out.tops.clone()].iter().copied());
                    out.away.sign(&mut sig);
                    sig.finish()
                })
                .collect();
            // Stamped on every thread, as the thread pages are (a cold build's check of each
            // kept output, issue 15).
            let pages_current: Vec<bool> = page_outs
                .par_iter()
                .zip(&page_sigs)
                .map(|(out, sig)| out.paths.iter().all(|p| log.is_current(p, *sig)))
                .collect();

            // Feed version 1, the whole chat, when the config keeps it.
            let feed_sig = if whole_chat {
                let mut sig = Signature::new();
                sig.push_u64(inputs.global);
                sig.push(serde_json::to_vec(&summary)?);
                sig.push_u64s(top_sigs.iter().copied());
                sig.finish()
            } else {
                0 // not written
            };
            let feeds_current =
                log.is_current(&json_path, feed_sig) && log.is_current(&jsonp_path, feed_sig);

            // Feed version 2: pages cut as the HTML pages are; only pages whose version changed render.
            let feed_paging = Paging::cut(tops, places, config.feeds.page_size);
            let entries = PagedFeed {
                header: &summary.header,
                tops,
                items,
                top_sigs: &top_sigs,
                paging: &feed_paging,
            }
            .entries();
            let feed_pages: Vec<(String, String, u64, bool)> = entries
                .par_iter()
                .map(|e| {
                    let sig = Signature::new()
                        .with(inputs.global.to_le_bytes())
                        .with(&e.version)
                        .finish();
                    let json = FeedFile::PageJson(e.page).path(slug);
                    let jsonp = FeedFile::PageJsonp(e.page).path(slug);
                    let current = log.is_current(&json, sig) && log.is_current(&jsonp, sig);
                    (json, jsonp, sig, current)
                })
                .collect();
            let live = cache.entry.settings.state == ChatState::Live;
            let candidates = live.then(|| live_feed::Candidates::new(tops, unshown, &config.live));
            Ok(PagesPlan {
                page_outs,
                page_sigs,
                pages_current,
                feed_sig,
                feeds_current,
                feed_paging,
                entries,
                feed_pages,
                candidates,
            })
        },
        || {
            rayon::join(
                || threads::plan(inputs, &log, &last_threads, &chat_threads, contexts.threads),
                || {
                    search_layout.as_ref().map(|layout| {
                        let index = ChatSearch::new(slug, tops, items, &top_sigs, &paging, layout);
                        let plan = SearchPlan::new(inputs, &index, &search_log);
                        let stale: Vec<usize> = plan.tops(&index).collect();
                        (plan, stale)
                    })
                },
            )
        },
    );
    let PagesPlan {
        page_outs,
        page_sigs,
        pages_current,
        feed_sig,
        feeds_current,
        feed_paging,
        entries,
        feed_pages,
        candidates,
    } = planned?;
    let live = candidates.is_some();

    // Read the views the outputs to render show, and nothing else.
    let mut wanted: Vec<usize> = Vec::new();
    for (out, current) in page_outs.iter().zip(&pages_current) {
        if !current {
            wanted.extend(out.tops.clone());
        }
    }
    if whole_chat && !feeds_current {
        wanted.extend(0..tops.len());
    }
    for (e, (.., current)) in entries.iter().zip(&feed_pages) {
        if !current {
            wanted.extend(feed_paging.range(e.page));
        }
    }
    if let Some(candidates) = &candidates {
        wanted.extend(candidates.may_show(&config.live));
    }
    if job.discover {
        wanted.extend(discovery::atom_tops(tops, items));
    }
    wanted.extend(thread_plan.iter().filter(|t| !t.current()).map(|t| t.index));
    let search_plan = search_plan.map(|(plan, stale)| {
        wanted.extend(stale);
        plan
    });
    wanted.sort_unstable();
    wanted.dedup();
    let wanted_ts = wanted
        .iter()
        .flat_map(|&i| std::iter::once(&tops[i].ts).chain(&tops[i].replies));
    messages_rendered += read_views(job, cache, wanted_ts)?;

    let items = &cache.items;
    let pinned: Vec<_> = messages::pinned(pinned_ts, items)
        .into_iter()
        .map(|(view, _)| view)
        .collect();
    let writer = job.writer;
    let render_pages = || -> Vec<Result<Vec<Option<bool>>>> {
        page_outs
            .par_iter()
            .zip(&pages_current)
            .map(|(out, current)| {
                if *current {
                    return Ok(vec![None; out.paths.len()]);
                }
                let link = |mut view: MessageView| {
                    out.away.link(&mut view, landing);
                    view
                };
                let messages: Vec<_> = tops[out.tops.clone()]
                    .iter()
                    .filter_map(|t| threads::linked(inputs, t, items))
                    .map(link)
                    .collect();
                let pinned: Vec<_> = pinned.iter().cloned().map(link).collect();
                let bytes = pages::render_chat_page(
                    &inputs.theme,
                    &inputs.site,
                    config,
                    ChatPage {
                        chat: &summary.header,
                        slug,
                        messages: &messages,
                        pinned: &pinned,
                        kind: out.kind,
                        total,
                        landing,
                        thread_pages: inputs.thread_pages,
                    },
                )?;
                out.paths
                    .iter()
                    .map(|p| Ok(Some(writer.put(p, &bytes)?)))
                    .collect()
            })
            .collect()
    };

    // The whole chat's feed, assembled from each message's JSON while the pages render.
    let write_feeds = || -> Result<Option<(bool, bool)>> {
        if feeds_current {
            return Ok(None);
        }
        let json = feeds::feed_json(&summary, |out| {
            for (i, top) in tops.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                messages::nested_json(top, items, out);
            }
        });
        let jsonp = feeds::jsonp(&config.feed_callback, &json);
        Ok(Some((
            writer.put(&json_path, &json)?,
            writer.put(&jsonp_path, &jsonp)?,
        )))
    };
    let paged = PagedFeed {
        header: &summary.header,
        tops,
        items,
        top_sigs: &top_sigs,
        paging: &feed_paging,
    };
    let write_feed_pages = || -> Vec<Result<Option<(bool, bool)>>> {
        entries
            .par_iter()
            .zip(&feed_pages)
            .map(|(e, (json_path, jsonp_path, _, current))| {
                if *current {
                    return Ok(None);
                }
                let json = paged.page_json(e.page);
                let jsonp = feeds::jsonp(&config.feed_callback, &json);
                Ok(Some((
                    writer.put(json_path, &json)?,
                    writer.put(jsonp_path, &jsonp)?,
                )))
            })
            .collect()
    };
    let (rendered, (feeds_written, pages_written)) = rayon::join(render_pages, || {
        rayon::join(
            || whole_chat.then(write_feeds).transpose(),
            write_feed_pages,
        )
    });

    for ((out, sig), wrote) in page_outs.iter().zip(&page_sigs).zip(rendered) {
        for (path, wrote) in out.paths.iter().zip(wrote?) {
            log.record(path, *sig, wrote);
        }
    }
    if let Some(feeds_written) = feeds_written? {
        log.record(&json_path, feed_sig, feeds_written.map(|(json, _)| json));
        log.record(&jsonp_path, feed_sig, feeds_written.map(|(_, jsonp)| jsonp));
    }
    for ((json_path, jsonp_path, sig, _), wrote) in feed_pages.into_iter().zip(pages_written) {
        let wrote = wrote?;
        log.record(&json_path, sig, wrote.map(|(json, _)| json));
        log.record(&jsonp_path, sig, wrote.map(|(_, jsonp)| jsonp));
    }
    let groups = Groups::new(&entries);
    for group in groups.older() {
        let sig = Signature::new()
            .with(inputs.global.to_le_bytes())
            .with(&summary.header.id)
            .with(&group.version)
            .finish();
        let g = group.group;
        let pair = FeedPair {
            json: FeedFile::GroupJson(g),
            jsonp: FeedFile::GroupJsonp(g),
            callback: &config.feed_callback,
        };
        pair.put(slug, sig, &mut log, || {
            groups.group_json(&summary.header, g)
        })?;
    }
    let head = feed_pages::head_json(
        &summary,
        config.feeds.page_size,
        &groups,
        Siblings { whole_chat, live },
    );
    let head_sig = Signature::new()
        .with(inputs.global.to_le_bytes())
        .with(&head)
        .finish();
    let pair = FeedPair {
        json: FeedFile::HeadJson,
        jsonp: FeedFile::HeadJsonp,
        callback: &config.feed_callback,
    };
    pair.put(slug, head_sig, &mut log, || head.clone())?;

    // The live feed, while the chat is live: small, so live pages can poll it.
    if let Some(candidates) = &candidates {
        let live = live_feed::live_json(&summary, candidates, tops, items, &config.live);
        let sig = Signature::new()
            .with(inputs.global.to_le_bytes())
            .with(&live)
            .finish();
        let pair = FeedPair {
            json: FeedFile::LiveJson,
            jsonp: FeedFile::LiveJsonp,
            callback: &config.live.callback,
        };
        pair.put(slug, sig, &mut log, || live.clone())?;
    }

    // Each thread's own page, then the sitemaps and the Atom feed that list them; beside them,
    // the chat's part of the search index, whose newest segment is indexed on one thread.
    let (listed, searched) = rayon::join(
        || -> Result<(ChatDiscovery, BuiltThreads)> {
            let built = threads::build(
                inputs,
                &mut log,
                &chat_threads,
                items,
                thread_plan,
                last_threads,
            )?;
            if !job.discover {
                return Ok((ChatDiscovery::default(), built));
            }
            let chat = ChatPages {
                slug,
                header: &summary.header,
                tops,
                items,
                paging: &paging,
                landing,
                threads: &built.listed,
            };
            Ok((discovery::chat_outputs(inputs, &chat, &mut log)?, built))
        },
        || -> Result<()> {
            if let (Some(layout), Some(plan)) = (&search_layout, search_plan) {
                let index = ChatSearch::new(slug, tops, items, &top_sigs, &paging, layout);
                plan.build(&index, &mut search_log)?;
            }
            Ok(())
        },
    );
    let (discovery, threads) = listed?;
    searched?;

    if job.mode == Mode::LongLived {
        cache.threaded = Some(structure);
    }
    let deps = if known_deps.is_empty() {
        cache.deps.clone()
    } else {
        let mut deps = known_deps;
        deps.extend(&cache.deps);
        deps
    };
    let Recorded {
        records: outputs,
        mut gone,
        mut report,
    } = log.finish();
    let search = search_log.finish();
    gone.extend(threads.gone);
    gone.extend(search.gone);
    report.absorb(search.report);
    report.messages_rendered += messages_rendered;
    Ok(BuiltChat {
        record: ChatRecord {
            settings: cache.settings,
            files: cache.files,
            deps,
            context: contexts.record(),
            summary,
            outputs: ChatOutputs {
                pages: outputs,
                threads: threads.records,
                search: search.records,
            },
            discovery,
        },
        report,
        gone,
    })
}

/// Reads the views of `wanted` messages that the chat index restored without one (a cold
/// build); returns how many it read. An item keeps the stamp the index gave it: a file that
/// changed since it was listed is read again by the next build.
fn read_views<'t>(
    job: ChatJob<'_>,
    cache: &mut ChatCache,
    wanted: impl Iterator<Item = &'t Ts>,
) -> Result<usize> {
    let slug = &cache.entry.slug;
    let mut pending: Vec<(Ts, Stamp)> = wanted
        .filter_map(|ts| cache.items.get(ts).filter(|i| i.view_pending()))
        .map(|i| (i.ts.clone(), i.stamp))
        .collect();
    // A broadcast reply is both a top and a reply.
    pending.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    pending.dedup_by(|a, b| a.0 == b.0);
    if pending.is_empty() {
        return Ok(0);
    }
    let inputs = job.inputs;
    let cx = job.view_context();
    let read: Vec<Item> = pending
        .par_iter()
        .map(|(ts, stamp)| {
            let mut item =
                messages::load_item(&job.layout.message_file(slug, ts), &inputs.config, &cx)?;
            item.stamp = *stamp;
            Ok(item)
        })
        .collect::<Result<_>>()?;
    let count = read.len();
    cache.insert(read);
    Ok(count)
}

/// What a chat's pages and its thread pages are rendered from besides their messages.
#[derive(Debug, Clone, Copy)]
struct Contexts {
    pages: u64,
    threads: u64,
}

impl Contexts {
    /// The chat's record keeps one signature of both: a change of either renders the chat.
    fn record(self) -> u64 {
        Signature::new()
            .with(self.pages.to_le_bytes())
            .with(self.threads.to_le_bytes())
            .finish()
    }
}

/// What `render_chat` plans for a chat's pages and feeds: each output with its signature and
/// whether it is current.
struct PagesPlan {
    page_outs: Vec<PageOut>,
    page_sigs: Vec<u64>,
    pages_current: Vec<bool>,
    /// The whole chat's feed (version 1, when the config keeps it).
    feed_sig: u64,
    feeds_current: bool,
    feed_paging: Paging,
    entries: Vec<feed_pages::PageEntry>,
    /// Each feed page's JSON and JSONP paths, signature, and whether they are current.
    feed_pages: Vec<(String, String, u64, bool)>,
    /// The live feed's, while the chat is live.
    candidates: Option<live_feed::Candidates>,
}

/// A feed document and its JSONP copy, written under one signature.
struct FeedPair<'a> {
    json: FeedFile,
    jsonp: FeedFile,
    /// The JSONP callback.
    callback: &'a str,
}

impl FeedPair<'_> {
    /// Writes both files of the pair when `sig` changed (`doc` makes the JSON, only then).
    fn put(
        &self,
        slug: &Slug,
        sig: u64,
        log: &mut PagesLog<'_>,
        doc: impl Fn() -> Vec<u8>,
    ) -> Result<()> {
        log.put(&self.json.path(slug), sig, || Ok(doc()))?;
        log.put(&self.jsonp.path(slug), sig, || {
            Ok(feeds::jsonp(self.callback, &doc()))
        })
    }
}

/// One HTML output of a chat: a numbered page or its latest messages, at one or two paths (page
/// 1 of a chat that is not live is also its address).
struct PageOut {
    kind: PageKind,
    /// What it shows away from its place (pinned messages, broadcast replies' thread copies).
    away: Away,
    /// Which of the chat's tops it shows.
    tops: std::ops::Range<usize>,
    paths: Vec<String>,
}

/// The stamp of each listed message file (`None`: gone since it was listed), read in parallel
/// relative to their folder.
fn stamp_all(dir: &Path, listed: Vec<Ts>) -> Vec<(Ts, Option<Stamp>)> {
    let folder = Folder::open(dir);
    listed
        .into_par_iter()
        .map(|ts| {
            let stamp = folder.stamp(&relative::message_file_name(&ts));
            (ts, stamp)
        })
        .collect()
}
