//! The outputs that make the site findable (issue 16): each chat's child sitemaps and Atom feed,
//! built with the chat from what is in memory, and the site's sitemap index, `sitemap-site.xml`,
//! `robots.txt` and Atom feed, built from the chats' records so an unchanged chat is not read
//! for them.
//!
//! They need absolute URLs: without a `base_url` none is written (the build says so once) and
//! those of an earlier build are pruned like any output no longer produced. The drafts preview
//! gets only a `robots.txt` that turns crawlers away. What they list is what the chat's pages
//! show: the threaded, published items of `messages::structure`, never a draft, hidden,
//! comment-tagged or held message.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use super::inputs::Inputs;
use super::record::{OutputLog, PagesLog};
use super::threads::{self, ThreadListing};
use crate::build::BuildTarget;
use crate::build::chat::messages::{Item, Top, Visibility};
use crate::build::chat::paging::Paging;
use crate::build::incremental::signature::{Signature, hash};
use crate::build::incremental::state::{ChatDiscovery, ChatRecord};
use crate::build::outputs::atom::{self, EntryChat, EntryKey, FeedHead};
use crate::build::outputs::pages::ChatHeader;
use crate::build::outputs::robots;
use crate::build::outputs::sitemap::{self, SitemapRef, SitemapUrl, UrlKind};
use crate::build::outputs::urls::{Landing, chat_page_canonical, page_url, thread_page_url};
use crate::content::{Slug, Ts};

/// What the build says, once, when it has no `base_url`.
pub(super) const NO_BASE_URL: &str = "No base_url in scrollback.toml: sitemap.xml, robots.txt and the Atom feeds (atom.xml) were not written, as they need the site's absolute address.";

/// A chat as its discoverability outputs need it.
pub(super) struct ChatPages<'a> {
    pub(super) slug: &'a Slug,
    pub(super) header: &'a ChatHeader,
    pub(super) tops: &'a [Top],
    pub(super) items: &'a BTreeMap<Ts, Item>,
    /// The chat's HTML pages, as the build cuts them.
    pub(super) paging: &'a Paging,
    pub(super) landing: Landing,
    /// Its thread pages, in the order threads began.
    pub(super) threads: &'a [ThreadListing],
}

impl ChatPages<'_> {
    /// When the newest change among the messages on page `n` (its top-level messages and their
    /// replies) was: from what the chat index keeps, without their views.
    fn updated_on(&self, n: usize) -> Option<i64> {
        self.tops[self.paging.range(n)]
            .iter()
            .filter_map(|t| t.updated)
            .max()
    }

    /// The canonical site path of the page that shows the top-level message at `index`: its
    /// numbered page, which keeps its address whatever the chat's state.
    fn page_of(&self, index: usize) -> String {
        chat_page_canonical(self.slug, self.paging.page_of(index), self.landing)
    }

    /// Every page a search engine should know, by its canonical path, with its number: a live
    /// chat's address (its latest messages, as of the newest page) and each numbered page
    /// (page 1 of a chat that is not live is the chat's address).
    fn canonical_pages(&self) -> Vec<(usize, String)> {
        let total = self.paging.count();
        // The address last: it changes with every message, as the newest page does, so both
        // sit in the last child sitemap and a new message rewrites only that one.
        let landing = (self.landing == Landing::Latest).then(|| (total, format!("{}/", self.slug)));
        (1..=total)
            .map(|n| (n, chat_page_canonical(self.slug, n, self.landing)))
            .chain(landing)
            .collect()
    }
}

/// The tops (by index) a chat's `atom.xml` shows: its newest published top-level messages, newest
/// first (no tombstones).
pub(super) fn atom_tops<'a>(
    tops: &'a [Top],
    items: &'a BTreeMap<Ts, Item>,
) -> impl Iterator<Item = usize> + 'a {
    tops.iter()
        .enumerate()
        .rev()
        .filter(|(_, top)| {
            items
                .get(&top.ts)
                .is_some_and(|i| i.visibility == Visibility::Published)
        })
        .map(|(index, _)| index)
        .take(atom::ENTRIES)
}

/// Writes a chat's child sitemaps and `atom.xml`; returns what the
/// site's sitemap index and feed take from it.
pub(super) fn chat_outputs(
    inputs: &Inputs,
    chat: &ChatPages<'_>,
    log: &mut PagesLog<'_>,
) -> Result<ChatDiscovery> {
    let base = inputs.config.base_url();
    let mut discovery = ChatDiscovery::default();

    // Each page, changed when the newest change among its messages was.
    let urls: Vec<SitemapUrl> = chat
        .canonical_pages()
        .iter()
        .map(|(n, path)| SitemapUrl {
            loc: page_url(base, path),
            lastmod: chat.updated_on(*n),
        })
        .collect();
    // Each thread page, changed when its thread last did.
    let threads: Vec<SitemapUrl> = chat
        .threads
        .iter()
        .map(|t| SitemapUrl {
            loc: thread_page_url(base, chat.slug, &t.ts),
            lastmod: t.lastmod,
        })
        .collect();
    for (kind, urls) in [(UrlKind::Pages, urls), (UrlKind::Threads, threads)] {
        for file in sitemap::chat_files(chat.slug, kind, &urls, sitemap::URLS_PER_FILE) {
            let path = &file.reference.path;
            log.put(path, file.signature(), || Ok(file.bytes()))?;
            discovery.sitemaps.push(file.reference);
        }
    }

    // The newest published top-level messages, newest first (no tombstones).
    let authority = atom::authority(base);
    let from = EntryChat {
        id: &chat.header.id,
        slug: chat.slug.as_str(),
        headline: &chat.header.headline,
    };
    let mut entries = Vec::new();
    for index in atom_tops(chat.tops, chat.items) {
        let top = &chat.tops[index];
        let Some((view, _)) = chat.items.get(&top.ts).and_then(|i| i.view.as_deref()) else {
            continue;
        };
        // A thread is read on its own page (issue 16: the feed's entries are messages or
        // threads); a single message at its anchor on its page.
        let link = if threads::has_page(inputs, top) {
            thread_page_url(base, chat.slug, &top.ts)
        } else {
            format!("{}#{}", page_url(base, &chat.page_of(index)), view.anchor)
        };
        entries.push(atom::entry(&authority, &from, view, &link));
        discovery.entries.push(EntryKey {
            ts: top.ts.micros(),
            updated: view.updated(),
        });
    }
    let chat_url = format!("{base}/{}/", chat.slug);
    let self_url = format!("{chat_url}{}", atom::FILE);
    let title = if chat.header.headline.trim().is_empty() {
        chat.slug.as_str()
    } else {
        &chat.header.headline
    };
    let head = FeedHead {
        id: &chat_url,
        title,
        subtitle: &chat.header.description,
        self_url: &self_url,
        alternate: &chat_url,
        language: &inputs.config.language,
    };
    let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
    let updated = discovery.entries.iter().map(|e| e.updated).max();
    let bytes = atom::feed(&head, &refs, updated);
    let path = format!("{}/{}", chat.slug, atom::FILE);
    log.put(&path, hash(&bytes), move || Ok(bytes))?;
    Ok(discovery)
}

/// Writes the site's `robots.txt`, sitemap index, `sitemap-site.xml` and `atom.xml` from the
/// chats' records. Returns what the build must say about them, if anything.
pub(super) fn site_outputs(
    inputs: &Inputs,
    target: &BuildTarget,
    chats: &BTreeMap<String, ChatRecord>,
    log: &mut OutputLog<'_>,
) -> Result<Option<&'static str>> {
    if target.drafts {
        put(inputs, log, "robots.txt", robots::preview())?;
        return Ok(None);
    }
    let base = inputs.config.base_url();
    if base.is_empty() {
        return Ok(Some(NO_BASE_URL));
    }
    put(inputs, log, "robots.txt", robots::site(base))?;

    // The site's own pages: the index of chats, changed with the newest message it summarizes.
    let newest = chats
        .values()
        .filter_map(|r| r.summary.last.as_ref().map(|t| t.epoch))
        .max();
    let own = [SitemapUrl {
        loc: page_url(base, "index.html"),
        lastmod: newest,
    }];
    put(inputs, log, sitemap::SITE_FILE, sitemap::urlset(&own))?;
    let mut refs = vec![SitemapRef {
        path: sitemap::SITE_FILE.to_owned(),
        lastmod: newest,
    }];
    for record in chats.values() {
        refs.extend(record.discovery.sitemaps.iter().cloned());
    }
    put(inputs, log, sitemap::INDEX, sitemap::index(base, &refs))?;

    site_feed(inputs, &target.dir, chats, log).context("cannot assemble the site's atom.xml")?;
    Ok(None)
}

/// Writes a small site-level output made from its own bytes, unless the theme or the site's
/// `static/` has a file of that name: theirs wins.
fn put(inputs: &Inputs, log: &mut OutputLog<'_>, rel: &str, bytes: Vec<u8>) -> Result<()> {
    if inputs.theme.static_files.contains_key(rel) {
        return Ok(());
    }
    log.put(rel, hash(&bytes), move || Ok(bytes))
}

/// The site's `atom.xml`: the newest entries across the chats, taken whole from their feeds
/// (as just written or kept), so no chat is read for it.
fn site_feed(
    inputs: &Inputs,
    site: &Path,
    chats: &BTreeMap<String, ChatRecord>,
    log: &mut OutputLog<'_>,
) -> Result<()> {
    if inputs.theme.static_files.contains_key(atom::FILE) {
        return Ok(());
    }
    // Each chat's entries are newest first, so the site's picks from one chat are a prefix.
    let mut picks: Vec<(&str, EntryKey)> = chats
        .iter()
        .flat_map(|(slug, r)| r.discovery.entries.iter().map(move |e| (slug.as_str(), *e)))
        .collect();
    picks.sort_by(|a, b| b.1.ts.cmp(&a.1.ts).then_with(|| a.0.cmp(b.0)));
    picks.truncate(atom::ENTRIES);
    let feed_path = |slug: &str| format!("{slug}/{}", atom::FILE);
    let slugs: std::collections::BTreeSet<&str> = picks.iter().map(|(slug, _)| *slug).collect();

    // Made from the picks and the bytes of the chats' feeds they come from (their signature is
    // a hash of those bytes).
    let mut sig = Signature::new();
    sig.push_u64(inputs.global);
    for (slug, key) in &picks {
        sig.push(slug);
        sig.push_u64(key.ts);
    }
    for slug in &slugs {
        let chat_feed = chats
            .get(*slug)
            .and_then(|r| r.outputs.pages.get(&feed_path(slug)))
            .map(|o| o.sig);
        sig.push_u64(chat_feed.context("internal: a chat's feed is not recorded")?);
    }
    log.put(atom::FILE, sig.finish(), || {
        let mut texts: BTreeMap<&str, String> = BTreeMap::new();
        for slug in &slugs {
            let path = site.join(feed_path(slug));
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            texts.insert(slug, text);
        }
        let mut from: BTreeMap<&str, std::vec::IntoIter<&str>> = texts
            .iter()
            .map(|(slug, text)| (*slug, atom::entries_of(text).into_iter()))
            .collect();
        let mut entries = Vec::with_capacity(picks.len());
        for (slug, _) in &picks {
            let entry = from
                .get_mut(slug)
                .and_then(Iterator::next)
                .with_context(|| format!("{} has fewer entries than recorded", feed_path(slug)))?;
            entries.push(entry);
        }
        let base = inputs.config.base_url();
        let home = format!("{base}/");
        let self_url = format!("{base}/{}", atom::FILE);
        let head = FeedHead {
            id: &home,
            title: &inputs.config.title,
            subtitle: &inputs.config.description,
            self_url: &self_url,
            alternate: &home,
            language: &inputs.config.language,
        };
        let updated = picks.iter().map(|(_, k)| k.updated).max();
        Ok(atom::feed(&head, &entries, updated))
    })
}
