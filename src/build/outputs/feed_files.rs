//! Which files of `site/` are feeds: the one list the build names them from and the cache rules
//! read, so a feed the build writes can never miss the feeds' short lifetime (`live.jsonp` once
//! did, and embeds lagged minutes behind).
//!
//! Every feed sits in its chat's folder, one folder deep like the chat's pages, so the relative
//! links in message HTML (`../emoji/…`) resolve the same from every feed and every page.

use crate::content::Slug;

/// A feed file of a chat, at `<slug>/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFile {
    /// `feed.json`: the whole chat (feed version 1, behind `[feeds] whole_chat`).
    Json,
    /// `feed.jsonp`: the same, for pages on other origins.
    Jsonp,
    /// `live.json`: what changed recently, while the chat is live.
    LiveJson,
    /// `live.jsonp`: the same, for pages on other origins.
    LiveJsonp,
    /// `feed-index.json`: the head of the paged feed (version 2), listing its pages.
    HeadJson,
    /// `feed-index.jsonp`: the same, for pages on other origins.
    HeadJsonp,
    /// `feed-index-G.json`: the pages of an older group of pages (1-based), listed apart so
    /// the head stays small however long the chat grows.
    GroupJson(usize),
    /// `feed-index-G.jsonp`: the same, for pages on other origins.
    GroupJsonp(usize),
    /// `feed-page-N.json`: page N (1-based) of the paged feed.
    PageJson(usize),
    /// `feed-page-N.jsonp`: the same, for pages on other origins.
    PageJsonp(usize),
}

impl FeedFile {
    /// One feed of every kind the build writes (page 1 stands for every page).
    pub const ALL: [FeedFile; 10] = [
        FeedFile::Json,
        FeedFile::Jsonp,
        FeedFile::LiveJson,
        FeedFile::LiveJsonp,
        FeedFile::HeadJson,
        FeedFile::HeadJsonp,
        FeedFile::GroupJson(1),
        FeedFile::GroupJsonp(1),
        FeedFile::PageJson(1),
        FeedFile::PageJsonp(1),
    ];

    /// Its file name in the chat's folder.
    pub fn name(self) -> String {
        match self {
            FeedFile::Json => "feed.json".to_owned(),
            FeedFile::Jsonp => "feed.jsonp".to_owned(),
            FeedFile::LiveJson => "live.json".to_owned(),
            FeedFile::LiveJsonp => "live.jsonp".to_owned(),
            FeedFile::HeadJson => "feed-index.json".to_owned(),
            FeedFile::HeadJsonp => "feed-index.jsonp".to_owned(),
            FeedFile::GroupJson(n) => format!("feed-index-{n}.json"),
            FeedFile::GroupJsonp(n) => format!("feed-index-{n}.jsonp"),
            FeedFile::PageJson(n) => format!("feed-page-{n}.json"),
            FeedFile::PageJsonp(n) => format!("feed-page-{n}.jsonp"),
        }
    }

    /// Its site path for a chat.
    pub fn path(self, slug: &Slug) -> String {
        format!("{slug}/{}", self.name())
    }

    /// The feed a site path (`/`-separated, no leading slash) is, if it is one: a feed's name one
    /// folder deep, where chats are.
    pub fn of(site_path: &str) -> Option<FeedFile> {
        let (folder, name) = site_path.split_once('/')?;
        if folder.is_empty() || name.contains('/') {
            return None;
        }
        let numbered = |prefix: &str| -> Option<(usize, bool)> {
            let rest = name.strip_prefix(prefix)?;
            let (n, jsonp) = match rest.strip_suffix(".jsonp") {
                Some(n) => (n, true),
                None => (rest.strip_suffix(".json")?, false),
            };
            // Only the build's own spelling: digits, no leading zero, from 1.
            if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((n.parse().ok()?, jsonp))
        };
        if let Some((n, jsonp)) = numbered("feed-page-") {
            return Some(if jsonp {
                FeedFile::PageJsonp(n)
            } else {
                FeedFile::PageJson(n)
            });
        }
        if let Some((n, jsonp)) = numbered("feed-index-") {
            return Some(if jsonp {
                FeedFile::GroupJsonp(n)
            } else {
                FeedFile::GroupJson(n)
            });
        }
        FeedFile::ALL
            .into_iter()
            .filter(|f| {
                !matches!(
                    f,
                    FeedFile::PageJson(_)
                        | FeedFile::PageJsonp(_)
                        | FeedFile::GroupJson(_)
                        | FeedFile::GroupJsonp(_)
                )
            })
            .find(|f| f.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feed_is_recognized_by_its_own_path_only() {
        let slug = Slug::parse("sotu").unwrap();
        for feed in FeedFile::ALL {
            assert_eq!(FeedFile::of(&feed.path(&slug)), Some(feed));
        }
        assert_eq!(FeedFile::of("sotu/live.jsonp"), Some(FeedFile::LiveJsonp));
        assert_eq!(
            FeedFile::of("sotu/feed-page-44.jsonp"),
            Some(FeedFile::PageJsonp(44))
        );
        assert_eq!(
            FeedFile::of("sotu/feed-index.json"),
            Some(FeedFile::HeadJson)
        );
        assert_eq!(
            FeedFile::of("sotu/feed-index-3.jsonp"),
            Some(FeedFile::GroupJsonp(3))
        );
        for other in [
            "feed.json",
            "/feed.json",
            "a/b/feed.json",
            "sotu/feed.json.bak",
            "sotu/index.html",
            "sotu/feed-page-.json",
            "sotu/feed-page-0.json",
            "sotu/feed-page-01.json",
            "sotu/feed-page-1.html",
            "sotu/feed-page-x.json",
            "a/b/feed-page-1.json",
            "sotu/feed-index-.json",
            "sotu/feed-index-01.json",
            "sotu/feed-index-1.html",
        ] {
            assert_eq!(FeedFile::of(other), None, "{other}");
        }
    }
}
