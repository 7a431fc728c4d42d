//! Sitemaps (the sitemaps.org protocol, 0.9): `sitemap.xml` is always a sitemap index, pointing
//! at small child sitemaps (`sitemap-site.xml` for the site's own pages, and per chat
//! `<slug>/sitemap-<kind>-N.xml`).
//!
//! Why always an index: a new message changes one URL's `lastmod` (its page's). With one big
//! `urlset` that would rewrite, and a deploy upload, a file listing every page of the site; with
//! an index it rewrites one child of at most [`URLS_PER_FILE`] URLs and one line of the index.
//! Each kind of URL (a chat's pages, its thread pages) is numbered in its own files, in
//! the order new ones appear, so new URLs of one kind never shift another kind's files. A
//! child sitemap may only list URLs under its own folder (the protocol's rule), which a chat's
//! are.

use serde::{Deserialize, Serialize};

use super::xml::{escape_into, utc};
use crate::build::incremental::signature::Signature;
use crate::content::Slug;

/// The sitemap index, at the top of the site.
pub const INDEX: &str = "sitemap.xml";
/// The child sitemap of the site's own pages (the index of chats).
pub const SITE_FILE: &str = "sitemap-site.xml";
/// The protocol's limit of URLs in one sitemap, and of sitemaps in one index.
pub const PROTOCOL_LIMIT: usize = 50_000;
/// URLs per child sitemap: far under [`PROTOCOL_LIMIT`], so the file a new message rewrites
/// stays small (at most about 22 KB) however long its chat.
pub const URLS_PER_FILE: usize = 200;

const XMLNS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// One URL of a sitemap.
#[derive(Debug, Clone, PartialEq)]
pub struct SitemapUrl {
    /// Absolute.
    pub loc: String,
    /// When its content last changed (Unix seconds), from the messages it shows: never the
    /// clock, so the same content gives the same bytes.
    pub lastmod: Option<i64>,
}

/// A kind of URL a chat has: each is cut into its own numbered files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// The chat's pages (`index.html`, `page-N.html`).
    Pages,
    /// Its threads' pages (`thread-<ts>.html`).
    Threads,
}

impl UrlKind {
    fn name(self) -> &'static str {
        match self {
            UrlKind::Pages => "pages",
            UrlKind::Threads => "threads",
        }
    }
}

/// A child sitemap as the index lists it: its site path and its newest `lastmod`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SitemapRef {
    pub path: String,
    pub lastmod: Option<i64>,
}

/// Site path of file `n` (1-based) of a chat's sitemaps of one kind.
pub fn chat_file_path(slug: &Slug, kind: UrlKind, n: usize) -> String {
    format!("{slug}/sitemap-{}-{n}.xml", kind.name())
}

/// One child sitemap of a chat: its reference for the index and its URLs.
pub struct ChatFile<'a> {
    pub reference: SitemapRef,
    pub urls: &'a [SitemapUrl],
}

impl ChatFile<'_> {
    /// What its bytes are made from (its URLs and their `lastmod`): an unchanged file is not
    /// rendered again, which for a long chat's thousands of thread URLs was a pass of its own
    /// (issue 15).
    pub fn signature(&self) -> u64 {
        // Gathered, then hashed at once: a stream fed two small parts per URL cost more than
        // making the URLs (issue 15).
        let mut parts = Vec::with_capacity(self.urls.iter().map(|u| u.loc.len() + 17).sum());
        for url in self.urls {
            parts.extend_from_slice(&(url.loc.len() as u64).to_le_bytes());
            parts.extend_from_slice(url.loc.as_bytes());
            parts.extend_from_slice(&url.lastmod.map_or([0xff; 9], |t| {
                let mut b = [0; 9];
                b[1..].copy_from_slice(&t.to_le_bytes());
                b
            }));
        }
        Signature::new().with("urlset 2").with(&parts).finish()
    }

    pub fn bytes(&self) -> Vec<u8> {
        urlset(self.urls)
    }
}

/// One kind of a chat's URLs cut into files of at most `per_file` URLs (none for no URLs).
pub fn chat_files<'a>(
    slug: &Slug,
    kind: UrlKind,
    urls: &'a [SitemapUrl],
    per_file: usize,
) -> Vec<ChatFile<'a>> {
    urls.chunks(per_file.clamp(1, PROTOCOL_LIMIT))
        .enumerate()
        .map(|(i, chunk)| ChatFile {
            reference: SitemapRef {
                path: chat_file_path(slug, kind, i + 1),
                lastmod: chunk.iter().filter_map(|u| u.lastmod).max(),
            },
            urls: chunk,
        })
        .collect()
}

/// A `<urlset>` of `urls` (at most [`PROTOCOL_LIMIT`]; callers cut them with [`chat_files`]).
pub fn urlset(urls: &[SitemapUrl]) -> Vec<u8> {
    let mut out = String::with_capacity(120 + urls.len() * 110);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"");
    out.push_str(XMLNS);
    out.push_str("\">\n");
    for url in urls {
        out.push_str("<url><loc>");
        escape_into(&url.loc, &mut out);
        out.push_str("</loc>");
        push_lastmod(url.lastmod, &mut out);
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

/// The `<sitemapindex>` of `sitemaps`, whose paths are relative to `base_url` (no trailing `/`).
/// Past [`PROTOCOL_LIMIT`] children (10 million URLs of [`URLS_PER_FILE`]), search engines read
/// only the first ones: a warning says so.
pub fn index(base_url: &str, sitemaps: &[SitemapRef]) -> Vec<u8> {
    if sitemaps.len() > PROTOCOL_LIMIT {
        tracing::warn!(
            "the sitemap index lists {} sitemaps, more than the {PROTOCOL_LIMIT} search engines read",
            sitemaps.len()
        );
    }
    let mut out = String::with_capacity(120 + sitemaps.len() * 110);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"");
    out.push_str(XMLNS);
    out.push_str("\">\n");
    for sitemap in sitemaps {
        out.push_str("<sitemap><loc>");
        escape_into(&format!("{base_url}/{}", sitemap.path), &mut out);
        out.push_str("</loc>");
        push_lastmod(sitemap.lastmod, &mut out);
        out.push_str("</sitemap>\n");
    }
    out.push_str("</sitemapindex>\n");
    out.into_bytes()
}

fn push_lastmod(lastmod: Option<i64>, out: &mut String) {
    if let Some(at) = lastmod {
        out.push_str("<lastmod>");
        out.push_str(&utc(at));
        out.push_str("</lastmod>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(n: usize) -> Vec<SitemapUrl> {
        (0..n)
            .map(|i| SitemapUrl {
                loc: format!("https://x.org/c/sotu/page-{}.html", i + 1),
                lastmod: (i != 3).then_some(1_520_000_000 + i as i64),
            })
            .collect()
    }

    #[test]
    fn a_chat_past_the_threshold_is_cut_into_several_files_each_url_once() {
        let slug = Slug::parse("sotu").unwrap();
        let all = urls(7);
        let files = chat_files(&slug, UrlKind::Pages, &all, 3);
        let paths: Vec<&str> = files.iter().map(|f| f.reference.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "sotu/sitemap-pages-1.xml",
                "sotu/sitemap-pages-2.xml",
                "sotu/sitemap-pages-3.xml"
            ]
        );
        // Each file's newest lastmod goes to the index; a URL without one is left out of it.
        let lastmods: Vec<Option<i64>> = files.iter().map(|f| f.reference.lastmod).collect();
        assert_eq!(
            lastmods,
            [
                Some(1_520_000_002),
                Some(1_520_000_005),
                Some(1_520_000_006)
            ]
        );
        let listed: Vec<String> = files
            .iter()
            .flat_map(|f| {
                let text = String::from_utf8(f.bytes()).unwrap();
                text.split("<loc>")
                    .skip(1)
                    .map(|s| s.split("</loc>").next().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        let expected: Vec<String> = all.iter().map(|u| u.loc.clone()).collect();
        assert_eq!(listed, expected);
        assert!(
            files
                .iter()
                .all(|f| f.bytes().windows(5).filter(|w| w == b"<url>").count() <= 3)
        );
        // A file is signed by its URLs and their lastmod, and by nothing else.
        let signatures: Vec<u64> = files.iter().map(ChatFile::signature).collect();
        assert_eq!(signatures.len(), 3);
        assert!(signatures[0] != signatures[1] && signatures[1] != signatures[2]);
        let mut moved = all.clone();
        moved[4].lastmod = Some(1);
        let again = chat_files(&slug, UrlKind::Pages, &moved, 3);
        assert_eq!(again[0].signature(), signatures[0]);
        assert_ne!(again[1].signature(), signatures[1]);
        moved[3].lastmod = None;
        moved[4].lastmod = Some(0);
        // None and Some(0) are told apart.
        let none = chat_files(&slug, UrlKind::Pages, &moved[4..5], 3)[0].signature();
        moved[4].lastmod = None;
        assert_ne!(
            chat_files(&slug, UrlKind::Pages, &moved[4..5], 3)[0].signature(),
            none
        );
        // Under the threshold: one file.
        assert_eq!(chat_files(&slug, UrlKind::Pages, &all, 7).len(), 1);
        assert!(chat_files(&slug, UrlKind::Pages, &[], 7).is_empty());
    }

    #[test]
    fn the_index_lists_absolute_locations_with_their_lastmod() {
        let text = String::from_utf8(index(
            "https://x.org/c?a&b",
            &[
                SitemapRef {
                    path: SITE_FILE.to_owned(),
                    lastmod: Some(0),
                },
                SitemapRef {
                    path: "sotu/sitemap-pages-1.xml".to_owned(),
                    lastmod: None,
                },
            ],
        ))
        .unwrap();
        assert!(text.contains(
            "<sitemap><loc>https://x.org/c?a&amp;b/sitemap-site.xml</loc><lastmod>1970-01-01T00:00:00Z</lastmod></sitemap>"
        ));
        assert!(text.contains(
            "<sitemap><loc>https://x.org/c?a&amp;b/sotu/sitemap-pages-1.xml</loc></sitemap>"
        ));
    }
}
