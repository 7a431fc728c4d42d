//! The site's files as HTTP serves them: which file a URL path names (and the URL path of a file),
//! its `Content-Type`, and the headers that keep a page and an upload from harming readers.
//! `serve`, the dev server of `watch` and the deploys all answer these questions; one answer
//! keeps a page typed the same on a laptop, on the origin and on the CDN. How the two local
//! servers answer a request for a file is [`response`].

pub mod response;

/// The Content-Security-Policy of every page (sent by `serve` and the dev server, set in
/// `netlify.toml`, and repeated in the default theme's `<meta>` for hosts that send no headers).
/// Scripts only from files (no inline script, so injected markup cannot run), nothing from
/// plugins; images, media and fonts from anywhere on https (Slack-hosted avatars, unfurls);
/// JSONP feeds from https origins.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' https:; \
    style-src 'self' 'unsafe-inline' https:; img-src 'self' https: data:; \
    media-src 'self' https:; font-src 'self' https: data:; connect-src 'self' https:; \
    object-src 'none'; base-uri 'self'; form-action 'self'";

/// Whether a site file must be downloaded, never opened by the browser: every re-hosted upload
/// (`files/…`) but raster images. An uploaded `.html` or `.svg` opened from the site's own
/// origin would run its scripts there (issue 11).
pub fn is_download(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    if !path.starts_with("files/") {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    ![".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// `Content-Disposition` for a site file: `attachment` (with its file name) for a download.
pub fn content_disposition(path: &str) -> Option<String> {
    if !is_download(path) {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    // RFC 6266: a plain ASCII fallback and the exact name, percent-encoded.
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_path(name)
    ))
}

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
    } else if lower == "atom.xml" || lower.ends_with("/atom.xml") {
        // The site's and each chat's Atom feed (issue 16): feed readers look at the type.
        "application/atom+xml".to_owned()
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
    fn uploads_other_than_images_are_downloads() {
        assert!(is_download("files/F1/page.html"));
        assert!(is_download("/files/F1/logo.svg"));
        assert!(is_download("files/F1/report.PDF"));
        assert!(!is_download("files/F1/chart.PNG"));
        assert!(!is_download("assets/style.css"));
        assert!(!is_download("sotu/index.html"));
        assert_eq!(
            content_disposition("files/F1/résumé \"1\".html").unwrap(),
            "attachment; filename=\"r_sum___1_.html\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.html"
        );
        assert_eq!(content_disposition("files/F1/a.png"), None);
    }

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
            content_type("sotu/atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
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
