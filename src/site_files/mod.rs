//! The site's files as HTTP serves them: which file a URL path names (and the URL path of a file),
//! and its `Content-Type`.
//! `serve`, the dev server of `watch` and the deploys all answer these questions; one answer
//! keeps a page typed the same on a laptop, on the origin and on the CDN. How the two local
//! servers answer a request for a file is [`response`].

pub mod response;

use std::path::{Component, Path, PathBuf};

/// The path under `site/` a URL path names, or `None` for anything that could leave it (`..`,
/// hidden files, bad percent-encoding).
pub fn site_relative(uri_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(uri_path.split(['?', '#']).next().unwrap_or(""))?;
    let mut out = PathBuf::new();
    for part in decoded.split('/') {
        if part.is_empty() {
            continue;
        }
        if part.starts_with('.') || part.contains('\\') || part.contains('\0') {
            return None;
        }
        let p = Path::new(part);
        if p.components().count() != 1
            || !matches!(p.components().next(), Some(Component::Normal(_)))
        {
            return None;
        }
        out.push(part);
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The URL path of a site path: percent-encodes what a URL path cannot hold as is (uploads have
/// spaces and Unicode names). [`site_relative`] reads it back.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `Content-Type` of a site path.
pub fn content_type(path: &str) -> String {
    let lower = path.to_ascii_lowercase();
    let essence = if lower.ends_with(".jsonp") {
        "application/javascript".to_owned()
    } else if lower.ends_with(".json") {
        "application/json".to_owned()
    } else if lower.ends_with(".webmanifest") {
        "application/manifest+json".to_owned()
    } else {
        mime_guess::from_path(&lower)
            .first()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_else(|| "application/octet-stream".to_owned())
    };
    if is_text(&essence) {
        format!("{essence}; charset=utf-8")
    } else {
        essence
    }
}

fn is_text(essence: &str) -> bool {
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/manifest+json"
                | "application/rss+xml"
                | "application/atom+xml"
                | "image/svg+xml"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        assert_eq!(site_relative("/").unwrap(), PathBuf::new());
        assert_eq!(
            site_relative("/sotu/feed.json?t=1").unwrap(),
            PathBuf::from("sotu/feed.json")
        );
        assert_eq!(
            site_relative("/files/F1/a%20b.png").unwrap(),
            PathBuf::from("files/F1/a b.png")
        );
        for bad in [
            "/../etc/passwd",
            "/a/%2e%2e/b",
            "/.scrollback/x",
            "/a%00b",
            "/%zz",
        ] {
            assert!(site_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn encoded_paths_read_back() {
        let path = "files/F1/a b/ünï.png";
        let encoded = encode_path(path);
        assert_eq!(encoded, "files/F1/a%20b/%C3%BCn%C3%AF.png");
        assert_eq!(site_relative(&encoded).unwrap(), PathBuf::from(path));
        assert_eq!(encode_path("a-b_c.d~e/f"), "a-b_c.d~e/f");
    }

    #[test]
    fn content_types_have_a_charset_for_text() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("a/feed.json"),
            "application/json; charset=utf-8"
        );
        assert_eq!(
            content_type("a/feed.jsonp"),
            "application/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("emoji/x.png"), "image/png");
        assert_eq!(content_type("emoji/x.SVG"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("files/F1/noext"), "application/octet-stream");
    }
}
