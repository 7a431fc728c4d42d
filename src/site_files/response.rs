//! The one answer to a GET or HEAD for a file of `site/`, shared by `serve` (the origin behind a
//! CDN, or the site for local use) and the dev server of `watch`, so both servers treat the same
//! site the same way: folders redirect to their trailing slash and serve their `index.html`,
//! every file is typed by [`content_type`], revalidated by its `ETag` (`304 Not Modified`), and
//! anything outside the site is a 404.
//!
//! What the two servers do differently is a [`Serving`]: how long browsers may keep a file (`serve`
//! by the deploys' [`CacheRules`], so the origin and the bucket agree; the dev server not at all),
//! and a hook the dev server uses to add its live-reload script to pages.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{content_type, site_relative};
use crate::deploy::headers::CacheRules;
use crate::file_stamp::Stamp;

/// What one server does beyond what every server does.
#[derive(Debug, Clone, Copy)]
pub struct Serving<'a> {
    pub caching: Caching<'a>,
    pub html_hook: Option<HtmlHook>,
    /// The Content-Security-Policy of pages (`None`: none; see [`Config::page_csp`]).
    ///
    /// [`Config::page_csp`]: crate::config::Config::page_csp
    pub csp: Option<&'a str>,
}

/// Rewrites an HTML page on its way out (never the file on disk).
pub type HtmlHook = fn(&[u8]) -> Vec<u8>;

impl<'a> Serving<'a> {
    /// `serve`: the files as they are, cached as the deploys' `rules` say, pages with the
    /// default policy.
    pub fn origin(rules: &'a CacheRules) -> Serving<'a> {
        Serving {
            caching: Caching::Rules(rules),
            html_hook: None,
            csp: Some(super::PAGE_CSP),
        }
    }
}

/// How long browsers (and CDNs) may keep a file.
#[derive(Debug, Clone, Copy)]
pub enum Caching<'a> {
    /// As a deploy sends it (feeds seconds, pages a minute, fingerprinted files a year): a CDN
    /// in front of `serve` keeps what it would keep in front of the bucket.
    Rules(&'a CacheRules),
    /// Never kept: a designer's browser must never show a stale page or stylesheet.
    NoStore,
}

/// Where a request leads, before any file is read.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    NotAllowed,
    NotFound,
    /// A folder asked for without its trailing slash: go here instead.
    Redirect(String),
    File(PathBuf),
}

/// Decides where `method uri_path` leads in `site`.
fn target(site: &Path, method: &Method, uri_path: &str) -> Target {
    if method != Method::GET && method != Method::HEAD {
        return Target::NotAllowed;
    }
    let Some(rel) = site_relative(uri_path) else {
        return Target::NotFound;
    };
    let path = site.join(rel);
    if !path.is_dir() {
        return Target::File(path);
    }
    if uri_path.ends_with('/') {
        return Target::File(path.join("index.html"));
    }
    // `/sotu` → `/sotu/`, so the page's relative links work. One leading slash only: `//sotu/`
    // would be a protocol-relative URL, a redirect to another host.
    Target::Redirect(format!("/{}/", uri_path.trim_start_matches('/')))
}

/// Answers a request for `uri_path` from `site`.
pub async fn serve_site_file(
    site: &Path,
    method: &Method,
    uri_path: &str,
    headers: &HeaderMap,
    serving: Serving<'_>,
) -> Response {
    let path = match target(site, method, uri_path) {
        Target::File(path) => path,
        Target::NotAllowed => {
            return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
        }
        Target::NotFound => return not_found(),
        Target::Redirect(location) => {
            return Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(header::LOCATION, location)
                .body(Body::empty())
                .unwrap_or_else(|_| not_found());
        }
    };
    let Some(stamp) = Stamp::read(&path) else {
        return not_found();
    };
    let etag = format!("\"{:x}-{:x}-{:x}\"", stamp.len, stamp.mtime, stamp.inode);
    let modified = http_date(stamp.mtime);
    let rel = path.strip_prefix(site).unwrap_or(&path).to_string_lossy();
    let rel = rel.replace('\\', "/");
    let cache_control = match serving.caching {
        Caching::Rules(rules) => rules.cache_control(&rel),
        Caching::NoStore => "no-store",
    };
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache_control)
        // A file is what its Content-Type says, never what its bytes look like.
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if let Some(disposition) = super::content_disposition(&rel) {
        builder = builder.header(header::CONTENT_DISPOSITION, disposition);
    }
    if let Some(m) = &modified {
        builder = builder.header(header::LAST_MODIFIED, m);
    }
    let is_feed = path
        .extension()
        .is_some_and(|e| e == "json" || e == "jsonp");
    if is_feed {
        // Feeds may be read from any origin (embeds).
        builder = builder.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }
    if is_fresh(headers, &etag, modified.as_deref()) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| not_found());
    }
    let content_type = content_type(&path.to_string_lossy());
    let is_page = content_type.starts_with("text/html");
    let mut builder = builder;
    if is_page && let Some(csp) = serving.csp {
        builder = builder.header(header::CONTENT_SECURITY_POLICY, csp);
    }
    let builder = builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type);
    let (length, body) = match serving.html_hook {
        // Pages the dev server rewrites are read whole (they are a designer's few KB).
        Some(hook) if is_page => {
            let Ok(bytes) = tokio::fs::read(&path).await else {
                return not_found();
            };
            let bytes = hook(&bytes);
            (bytes.len() as u64, Body::from(bytes))
        }
        // The rest is streamed: a large upload costs a buffer per request, not its size.
        _ => {
            let Ok(file) = tokio::fs::File::open(&path).await else {
                return not_found();
            };
            let Ok(metadata) = file.metadata().await else {
                return not_found();
            };
            let stream = tokio_util::io::ReaderStream::with_capacity(file, STREAM_CHUNK);
            (metadata.len(), Body::from_stream(stream))
        }
    };
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        body
    };
    builder
        .header(header::CONTENT_LENGTH, length)
        .body(body)
        .unwrap_or_else(|_| not_found())
}

/// How much of a file is read at a time when it is streamed.
const STREAM_CHUNK: usize = 64 * 1024;

/// Whether the browser's copy (by `If-None-Match`, else `If-Modified-Since`) is current.
fn is_fresh(headers: &HeaderMap, etag: &str, modified: Option<&str>) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match header(header::IF_NONE_MATCH) {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => header(header::IF_MODIFIED_SINCE).is_some_and(|since| Some(since) == modified),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// An HTTP date (RFC 9110) from nanoseconds since the epoch.
fn http_date(nanos: i128) -> Option<String> {
    let ts = jiff::Timestamp::from_second((nanos / 1_000_000_000) as i64).ok()?;
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&ts)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site with a page, a feed, a stylesheet and a folder with an index.
    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sotu")).unwrap();
        std::fs::create_dir_all(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("sotu/index.html"), "<p>x</p></body>").unwrap();
        std::fs::write(dir.path().join("sotu/feed.json"), "{}").unwrap();
        std::fs::write(dir.path().join("assets/style.css"), "p {}").unwrap();
        dir
    }

    async fn get(site: &Path, uri: &str, headers: &HeaderMap, serving: Serving<'_>) -> Response {
        serve_site_file(site, &Method::GET, uri, headers, serving).await
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers()[name].to_str().unwrap()
    }

    #[test]
    fn requests_lead_to_files_folders_redirects_or_nowhere() {
        let dir = site();
        let site = dir.path();
        let get = |uri| target(site, &Method::GET, uri);
        assert_eq!(
            get("/assets/style.css"),
            Target::File(site.join("assets/style.css"))
        );
        assert_eq!(get("/sotu/"), Target::File(site.join("sotu/index.html")));
        assert_eq!(get("/"), Target::File(site.join("index.html")));
        assert_eq!(get("/sotu"), Target::Redirect("/sotu/".into()));
        // A missing file is found missing when it is read.
        assert_eq!(get("/nope.html"), Target::File(site.join("nope.html")));
        assert_eq!(get("/../etc/passwd"), Target::NotFound);
        assert_eq!(get("/.scrollback/x"), Target::NotFound);
        assert_eq!(
            target(site, &Method::HEAD, "/sotu"),
            Target::Redirect("/sotu/".into())
        );
        assert_eq!(target(site, &Method::POST, "/sotu/"), Target::NotAllowed);
    }

    #[test]
    fn redirects_never_name_another_host() {
        let dir = site();
        for uri in ["//assets", "///assets", "//sotu"] {
            let Target::Redirect(location) = target(dir.path(), &Method::GET, uri) else {
                panic!("{uri} is a folder");
            };
            assert!(!location.starts_with("//"), "{uri} → {location}");
            assert_eq!(location, format!("/{}/", uri.trim_start_matches('/')));
        }
    }

    #[test]
    fn freshness_is_by_etag_first_then_by_date() {
        let headers = |pairs: &[(header::HeaderName, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(k, header::HeaderValue::from_static(v));
            }
            h
        };
        let date = Some("Fri, 14 Jul 2017 02:40:00 GMT");
        assert!(is_fresh(
            &headers(&[(header::IF_NONE_MATCH, "\"a\", \"b\"")]),
            "\"b\"",
            date
        ));
        assert!(is_fresh(
            &headers(&[(header::IF_NONE_MATCH, "*")]),
            "\"b\"",
            None
        ));
        assert!(!is_fresh(
            &headers(&[
                (header::IF_NONE_MATCH, "\"a\""),
                (header::IF_MODIFIED_SINCE, "Fri, 14 Jul 2017 02:40:00 GMT"),
            ]),
            "\"b\"",
            date
        ));
        assert!(is_fresh(
            &headers(&[(header::IF_MODIFIED_SINCE, "Fri, 14 Jul 2017 02:40:00 GMT")]),
            "\"b\"",
            date
        ));
        assert!(!is_fresh(&HeaderMap::new(), "\"b\"", date));
    }

    #[tokio::test]
    async fn files_are_typed_cached_and_revalidated() {
        use crate::deploy::headers::{ASSET_CACHE, FEED_CACHE, HTML_CACHE};
        let dir = site();
        let site = dir.path();
        let none = HeaderMap::new();
        let rules = CacheRules::default();
        let page = get(site, "/sotu/", &none, Serving::origin(&rules)).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            header_of(&page, header::CONTENT_SECURITY_POLICY),
            super::super::PAGE_CSP
        );
        assert_eq!(header_of(&page, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(
            header_of(&page, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        // The lifetimes a deploy gives the same files.
        assert_eq!(header_of(&page, header::CACHE_CONTROL), HTML_CACHE);
        assert!(page.headers().get(header::LAST_MODIFIED).is_some());
        assert!(
            page.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
        let etag = page.headers()[header::ETAG].clone();
        assert_eq!(body(page).await, "<p>x</p></body>");

        let mut known = HeaderMap::new();
        known.insert(header::IF_NONE_MATCH, etag);
        let again = get(site, "/sotu/", &known, Serving::origin(&rules)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(body(again).await, "");

        let feed = get(site, "/sotu/feed.json", &none, Serving::origin(&rules)).await;
        assert_eq!(header_of(&feed, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        assert_eq!(header_of(&feed, header::CACHE_CONTROL), FEED_CACHE);
        let css = get(site, "/assets/style.css", &none, Serving::origin(&rules)).await;
        assert_eq!(header_of(&css, header::CACHE_CONTROL), ASSET_CACHE);

        let head = serve_site_file(
            site,
            &Method::HEAD,
            "/sotu/",
            &none,
            Serving::origin(&rules),
        )
        .await;
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(header_of(&head, header::CONTENT_LENGTH), "15");
        assert_eq!(body(head).await, "");

        let redirect = get(site, "//sotu", &none, Serving::origin(&rules)).await;
        assert_eq!(redirect.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(header_of(&redirect, header::LOCATION), "/sotu/");
        for missing in ["/nope.html", "/nope/", "/../x", "/%zz"] {
            let response = get(site, missing, &none, Serving::origin(&rules)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        }
        let post = serve_site_file(site, &Method::POST, "/", &none, Serving::origin(&rules)).await;
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[tokio::test]
    async fn the_html_hook_rewrites_pages_only() {
        let dir = site();
        let dev = Serving {
            caching: Caching::NoStore,
            html_hook: Some(|html| [html, b"<!-- hooked -->"].concat()),
            csp: None,
        };
        let none = HeaderMap::new();
        let page = get(dir.path(), "/sotu/", &none, dev).await;
        assert_eq!(header_of(&page, header::CACHE_CONTROL), "no-store");
        assert!(
            page.headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .is_none()
        );
        assert_eq!(header_of(&page, header::CONTENT_LENGTH), "30");
        assert_eq!(body(page).await, "<p>x</p></body><!-- hooked -->");
        let css = get(dir.path(), "/assets/style.css", &none, dev).await;
        assert_eq!(header_of(&css, header::CACHE_CONTROL), "no-store");
        assert_eq!(body(css).await, "p {}");
    }

    #[test]
    fn http_dates_are_rfc_9110() {
        assert!(
            http_date(1_500_000_000_000_000_000)
                .unwrap()
                .ends_with("GMT")
        );
    }
}
