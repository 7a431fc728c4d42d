//! The `Cache-Control` each published file is served with, chosen by path (its `Content-Type`
//! comes from [`crate::site_files::content_type`]). `deploy` sends it to S3 and `serve` with
//! every file, so the origin and the bucket agree; `netlify.toml` repeats it for Netlify.
//!
//! Caching is a trade between freshness and load. Each default rule follows from what the build
//! knows about the file, not from a second list kept by hand:
//!
//! | path | `Cache-Control` | why |
//! |---|---|---|
//! | a feed ([`FeedFile`]: `*/feed-index.json`, `*/feed-index-G.json`, `*/feed-page-N.json`, `*/feed.json`, `*/live.json` and their `.jsonp`) | [`FEED_CACHE`] | a reader's next poll must see new messages, JSON and JSONP alike |
//! | `**.html` | [`HTML_CACHE`] | edits and new pages show within a minute |
//! | `files/**`, `emoji/**` | [`ASSET_CACHE`] | named by Slack (a file id, an emoji name), not by content: a redacted upload must reach readers |
//! | a fingerprinted style sheet or script (`assets/style.3f9a1c0b7e.css`) | [`FINGERPRINTED_CACHE`] | its name changes with its bytes |
//! | a static file named with a content hash by its author (`app.3f9a1c0b.js`) | [`FINGERPRINTED_CACHE`] | a bundler's output |
//! | everything else | [`ASSET_CACHE`] | a changed file shows within minutes |
//!
//! The site's own rules from `[[deploy.cache_control]]` come first, in order; the first rule
//! whose pattern matches wins.

use crate::build::outputs::feed_files::FeedFile;
use crate::build::outputs::fingerprint;
use crate::build::outputs::urls::is_copied_upload;
use crate::config::deploy::CacheRule;

/// Feeds: a reader's next poll must see new messages.
pub const FEED_CACHE: &str = "public, max-age=5, must-revalidate";
/// Pages: short, so edits and new pages show within a minute.
pub const HTML_CACHE: &str = "public, max-age=60";
/// Files named by their content hash never change.
pub const FINGERPRINTED_CACHE: &str = "public, max-age=31536000, immutable";
/// Everything else (unfingerprinted style sheets, emoji, re-hosted uploads): a few minutes.
pub const ASSET_CACHE: &str = "public, max-age=300";

/// What a rule matches.
#[derive(Debug, Clone)]
enum Matcher {
    Glob(String),
    /// A file the build writes as a feed.
    Feed,
    /// A re-hosted upload or a custom emoji.
    CopiedUpload,
    /// A name that carries a hash of the file's bytes.
    Fingerprinted,
}

impl Matcher {
    fn matches(&self, path: &str) -> bool {
        match self {
            Matcher::Glob(g) => glob_matches(g, path),
            Matcher::Feed => FeedFile::of(path).is_some(),
            Matcher::CopiedUpload => is_copied_upload(path),
            Matcher::Fingerprinted => is_fingerprinted(path),
        }
    }
}

/// The ordered `Cache-Control` rules: the site's own, then the defaults.
#[derive(Debug, Clone)]
pub struct CacheRules {
    rules: Vec<(Matcher, String)>,
}

impl Default for CacheRules {
    fn default() -> Self {
        CacheRules::new(&[])
    }
}

impl CacheRules {
    pub fn new(site_rules: &[CacheRule]) -> CacheRules {
        let mut rules: Vec<(Matcher, String)> = site_rules
            .iter()
            .map(|r| {
                (
                    Matcher::Glob(r.path.trim_start_matches('/').to_owned()),
                    r.value.clone(),
                )
            })
            .collect();
        // The defaults, in the order of the table above: uploads before fingerprints, so a
        // Slack file id can never pass for a content hash.
        rules.extend(
            [
                (Matcher::Feed, FEED_CACHE),
                (Matcher::Glob("**.html".to_owned()), HTML_CACHE),
                (Matcher::CopiedUpload, ASSET_CACHE),
                (Matcher::Fingerprinted, FINGERPRINTED_CACHE),
            ]
            .map(|(m, v)| (m, v.to_owned())),
        );
        CacheRules { rules }
    }

    /// The `Cache-Control` of a site path (`/`-separated, no leading slash).
    pub fn cache_control(&self, path: &str) -> &str {
        self.rules
            .iter()
            .find(|(m, _)| m.matches(path))
            .map_or(ASSET_CACHE, |(_, v)| v.as_str())
    }
}

/// Whether a site path matches a glob-ish pattern: `*` is any run of characters within one
/// folder name, `**` any run across folders, `?` one character other than `/`; everything else
/// matches itself.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Deep,
        Star,
        One,
        Lit(char),
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        toks.push(match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                Tok::Deep
            }
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        });
    }
    let s: Vec<char> = path.chars().collect();
    // matches[j]: the pattern from token i on matches s[j..]; filled from the last token back, so
    // the work is bounded by pattern length times path length whatever the stars.
    let mut next = vec![false; s.len() + 1];
    next[s.len()] = true;
    for tok in toks.iter().rev() {
        let mut cur = vec![false; s.len() + 1];
        for j in (0..=s.len()).rev() {
            let here = s.get(j).copied();
            cur[j] = match *tok {
                Tok::Deep => next[j] || (here.is_some() && cur[j + 1]),
                Tok::Star => next[j] || (here.is_some_and(|c| c != '/') && cur[j + 1]),
                Tok::One => here.is_some_and(|c| c != '/') && next[j + 1],
                Tok::Lit(l) => here == Some(l) && next[j + 1],
            };
        }
        next = cur;
    }
    next[0]
}

/// Whether a static file's name carries a hash of its bytes: the build's fingerprinted copies
/// (`style.3f9a1c0b7e.css`, see [`fingerprint`]), or a name its author hashed (8 or more hex
/// digits with at least one digit and one letter, between dots, dashes or underscores, as in
/// `app-8e1b22c4d9.js`, a bundler's output). Re-hosted uploads and emoji are ruled out before
/// this is asked ([`is_copied_upload`]): their names are Slack's.
pub fn is_fingerprinted(path: &str) -> bool {
    if fingerprint::is_build_fingerprint(path) {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = match name.rsplit_once('.') {
        Some((stem, _ext)) => stem,
        None => return false,
    };
    stem.split(['.', '-', '_']).any(|part| {
        part.len() >= 8
            && part.chars().all(|c| c.is_ascii_hexdigit())
            && part.chars().any(|c| c.is_ascii_digit())
            && part.chars().any(|c| c.is_ascii_alphabetic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("*/feed.json", "chat/feed.json"));
        assert!(!glob_matches("*/feed.json", "a/b/feed.json"));
        assert!(!glob_matches("*/feed.json", "chat/feed.jsonp"));
        assert!(glob_matches("**.html", "index.html"));
        assert!(glob_matches("**.html", "a/b/page-2.html"));
        assert!(glob_matches("assets/**", "assets/x/y.css"));
        assert!(!glob_matches("assets/*", "assets/x/y.css"));
        assert!(glob_matches("assets/*", "assets/y.css"));
        assert!(glob_matches("*/page-?.html", "c/page-2.html"));
        assert!(!glob_matches("*/page-?.html", "c/page-22.html"));
        assert!(glob_matches("index.html", "index.html"));
        assert!(!glob_matches("index.html", "c/index.html"));
        assert!(glob_matches("**", ""));
        assert!(glob_matches("*a*b*c", "xaxxbxxc"));
    }

    #[test]
    fn fingerprints() {
        assert!(is_fingerprinted("assets/style.3f9a1c0b.css"));
        assert!(is_fingerprinted("assets/app-8e1b22c4d9.js"));
        assert!(!is_fingerprinted("assets/style.css"));
        assert!(!is_fingerprinted("assets/deadbeef.css"), "no digit");
        assert!(!is_fingerprinted("files/20240101.txt"), "no letter");
        assert!(!is_fingerprinted("3f9a1c0b"), "no extension");
        // The build's own names, whatever digits the hash happens to have.
        let made = fingerprint::fingerprinted_path("assets/a.css", b"x");
        assert!(is_fingerprinted(&made), "{made}");
        assert!(is_fingerprinted("assets/style.0123456789.css"));
    }

    #[test]
    fn every_feed_the_build_writes_gets_the_feed_rule() {
        let d = CacheRules::default();
        let slug = crate::content::Slug::parse("sotu").unwrap();
        for feed in FeedFile::ALL {
            assert_eq!(d.cache_control(&feed.path(&slug)), FEED_CACHE, "{feed:?}");
        }
        assert_eq!(d.cache_control("sotu/live.jsonp"), FEED_CACHE);
    }

    #[test]
    fn uploads_and_emoji_are_never_immutable() {
        let d = CacheRules::default();
        for path in [
            // A Slack file id is all hex more often than not.
            "files/F0ABCDEF12/chart.png",
            "files/F07ABC12345/report-3f9a1c0b7e.pdf",
            "files/F1/style.3f9a1c0b7e.css",
            "emoji/party-8e1b22c4d9.gif",
        ] {
            assert_eq!(d.cache_control(path), ASSET_CACHE, "{path}");
        }
        // A site rule can still say otherwise.
        let custom = CacheRules::new(&[CacheRule {
            path: "emoji/**".into(),
            value: "public, max-age=86400".into(),
        }]);
        assert_eq!(custom.cache_control("emoji/x.gif"), "public, max-age=86400");
    }

    #[test]
    fn defaults_by_kind_and_site_rules_first() {
        let d = CacheRules::default();
        assert_eq!(d.cache_control("c/feed.json"), FEED_CACHE);
        assert_eq!(d.cache_control("c/feed.jsonp"), FEED_CACHE);
        assert_eq!(d.cache_control("c/live.json"), FEED_CACHE);
        assert_eq!(d.cache_control("c/live.jsonp"), FEED_CACHE);
        assert_eq!(d.cache_control("c/data.json"), ASSET_CACHE);
        assert_eq!(d.cache_control("index.html"), HTML_CACHE);
        assert_eq!(d.cache_control("c/page-3.html"), HTML_CACHE);
        assert_eq!(
            d.cache_control("assets/style.3f9a1c0b.css"),
            FINGERPRINTED_CACHE
        );
        assert_eq!(d.cache_control("assets/style.css"), ASSET_CACHE);
        let custom = CacheRules::new(&[
            CacheRule {
                path: "/assets/**".into(),
                value: "no-cache".into(),
            },
            CacheRule {
                path: "**".into(),
                value: "max-age=1".into(),
            },
        ]);
        assert_eq!(
            custom.cache_control("assets/style.3f9a1c0b.css"),
            "no-cache"
        );
        assert_eq!(custom.cache_control("c/feed.json"), "max-age=1");
    }
}
