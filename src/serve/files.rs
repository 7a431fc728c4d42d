//! `site/` over HTTP, so one `serve` process is also the site for local use, tests and small
//! deployments (behind a CDN, `serve` is the origin).
//!
//! Feeds are revalidated on every request (`Cache-Control: no-cache` with an `ETag` and a
//! `Last-Modified`), so a live page polling `live.json` gets a `304 Not Modified` while nothing
//! changed; feeds may be read from any origin (embeds).

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::file_stamp::Stamp;
use crate::site_files::{content_type, site_relative};

/// Answers a GET or HEAD for `uri_path` from `site`.
pub async fn serve_file(
    site: &Path,
    method: &Method,
    uri_path: &str,
    headers: &HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
    }
    let Some(rel) = site_relative(uri_path) else {
        return not_found();
    };
    let mut path = site.join(&rel);
    if path.is_dir() {
        if !uri_path.ends_with('/') {
            // `/sotu` → `/sotu/`, so the page's relative links work.
            let location = format!("{uri_path}/");
            return Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(header::LOCATION, location)
                .body(Body::empty())
                .unwrap_or_else(|_| not_found());
        }
        path = path.join("index.html");
    }
    let Some(stamp) = Stamp::read(&path) else {
        return not_found();
    };
    let etag = format!("\"{:x}-{:x}-{:x}\"", stamp.len, stamp.mtime, stamp.inode);
    let modified = http_date(stamp.mtime);
    let fresh = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|since| Some(since) == modified.as_deref()),
    };
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache_control(&path));
    if let Some(m) = &modified {
        builder = builder.header(header::LAST_MODIFIED, m);
    }
    let is_feed = path
        .extension()
        .is_some_and(|e| e == "json" || e == "jsonp");
    if is_feed {
        builder = builder.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }
    if fresh {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| not_found());
    }
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(_) => return not_found(),
    };
    let builder = builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type(&path.to_string_lossy()))
        .header(header::CONTENT_LENGTH, bytes.len());
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    builder.body(body).unwrap_or_else(|_| not_found())
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn cache_control(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json" | "jsonp" | "html") => "no-cache",
        _ => "public, max-age=300",
    }
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

    #[test]
    fn http_dates_are_rfc_9110() {
        assert!(
            http_date(1_500_000_000_000_000_000)
                .unwrap()
                .ends_with("GMT")
        );
    }
}
