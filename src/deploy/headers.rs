//! The `Cache-Control` each published file is served with, chosen by path (its `Content-Type`
//! comes from [`crate::site_files::content_type`]).
//!
//! Caching is a trade between freshness and load: during a live chat the feeds change every few
//! seconds and must not be cached for longer than that, pages briefly, and files whose name holds
//! a content hash can never change, so they are cached for a year. The site's own rules from
//! `[[deploy.cache_control]]` come first, in order; the first rule whose pattern matches wins,
//! and the defaults below come after them.

use crate::config::deploy::CacheRule;

/// Feeds: a reader's next poll must see new messages.
pub const FEED_CACHE: &str = "public, max-age=5, must-revalidate";
/// Pages: short, so edits and new pages show within a minute.
pub const HTML_CACHE: &str = "public, max-age=60";
/// Files named by their content hash never change.
pub const FINGERPRINTED_CACHE: &str = "public, max-age=31536000, immutable";
/// Everything else (style sheets, emoji, re-hosted uploads): a few minutes.
pub const ASSET_CACHE: &str = "public, max-age=300";

/// What a rule matches.
#[derive(Debug, Clone)]
enum Matcher {
    Glob(String),
    Fingerprinted,
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
        for feed in ["*/feed.json", "*/feed.jsonp", "*/live.json"] {
            rules.push((Matcher::Glob(feed.to_owned()), FEED_CACHE.to_owned()));
        }
        rules.push((Matcher::Glob("**.html".to_owned()), HTML_CACHE.to_owned()));
        rules.push((Matcher::Fingerprinted, FINGERPRINTED_CACHE.to_owned()));
        rules.push((Matcher::Glob("**".to_owned()), ASSET_CACHE.to_owned()));
        CacheRules { rules }
    }

    /// The `Cache-Control` of a site path (`/`-separated, no leading slash).
    pub fn cache_control(&self, path: &str) -> &str {
        self.rules
            .iter()
            .find(|(m, _)| match m {
                Matcher::Glob(g) => glob_matches(g, path),
                Matcher::Fingerprinted => is_fingerprinted(path),
            })
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

/// Whether a file's name carries a content hash (8 or more hex digits with at least one digit
/// and one letter, between dots, dashes or underscores), as in `style.3f9a1c0b.css` or
/// `app-8e1b22c4d9.js`: such a file never changes under its name.
pub fn is_fingerprinted(path: &str) -> bool {
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
    }

    #[test]
    fn defaults_by_kind_and_site_rules_first() {
        let d = CacheRules::default();
        assert_eq!(d.cache_control("c/feed.json"), FEED_CACHE);
        assert_eq!(d.cache_control("c/feed.jsonp"), FEED_CACHE);
        assert_eq!(d.cache_control("c/live.json"), FEED_CACHE);
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
