//! Which files of `site/` are feeds: the one list the build names them from and the cache rules
//! read, so a feed the build writes can never miss the feeds' short lifetime (`live.jsonp` once
//! did, and embeds lagged minutes behind).

use crate::content::Slug;

/// A feed file of a chat, at `<slug>/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFile {
    /// `feed.json`: the whole chat.
    Json,
    /// `feed.jsonp`: the same, for pages on other origins.
    Jsonp,
    /// `live.json`: what changed recently, while the chat is live.
    LiveJson,
    /// `live.jsonp`: the same, for pages on other origins.
    LiveJsonp,
}

impl FeedFile {
    /// Every feed the build writes.
    pub const ALL: [FeedFile; 4] = [
        FeedFile::Json,
        FeedFile::Jsonp,
        FeedFile::LiveJson,
        FeedFile::LiveJsonp,
    ];

    /// Its file name in the chat's folder.
    pub fn name(self) -> &'static str {
        match self {
            FeedFile::Json => "feed.json",
            FeedFile::Jsonp => "feed.jsonp",
            FeedFile::LiveJson => "live.json",
            FeedFile::LiveJsonp => "live.jsonp",
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
        FeedFile::ALL.into_iter().find(|f| f.name() == name)
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
        for other in [
            "feed.json",
            "/feed.json",
            "a/b/feed.json",
            "sotu/feed.json.bak",
            "sotu/index.html",
        ] {
            assert_eq!(FeedFile::of(other), None, "{other}");
        }
    }
}
