//! Push for the live pages `serve` hosts itself: `GET /_scrollback/live/<slug>` is a stream of
//! server-sent events, each one the chat's `live.json` as a build wrote it (issue 15).
//!
//! A page polling `live.json` sees a new message up to one poll interval late (3 s, up to 30 s
//! while the chat is quiet); a stream delivers it as soon as the build that wrote it is done.
//! Each event is exactly what a poll would have fetched, so `live.js` applies pushes and polls
//! through one code path. The first event is the document on disk when the stream opens, then one
//! per build that rewrote it; when the chat stops being live (its `live.json` is removed) the
//! stream ends and the page's next poll gets the `404` that tells it the chat ended.
//!
//! Each chat followed has a `watch` channel holding its newest document only: the publisher never
//! waits for a reader, and a reader that fell behind gets the newest document and skips those in
//! between (each is a whole state, so nothing is lost).
//!
//! Bounds: at most `max_streams` streams at once (`503` past that, and the page polls); a comment
//! every [`KEEP_ALIVE`] keeps proxies from closing an idle stream and finds streams whose reader
//! went away; every stream ends when `serve` stops, so none delays stopping. `/_scrollback/` is
//! never a chat (slugs start with a letter or digit) nor a file of `site/`; a CDN or static host
//! answers `404` there, and pages behind it poll as before.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::http::App;
use super::publisher::OnPublish;
use crate::build::BuildReport;
use crate::build::outputs::feed_files::FeedFile;
use crate::content::Slug;

/// The stream's route: under a prefix no chat slug and no site file can take.
pub const ROUTE: &str = "/_scrollback/live/{slug}";
/// Everything else under the prefix: never served from `site/`.
pub const RESERVED: &str = "/_scrollback/{*rest}";

/// Streams open at once by default: a quarter of the server's connections, so readers never
/// crowd out Slack's events or page loads.
pub const DEFAULT_MAX_STREAMS: usize = 256;

/// How often an idle stream gets a comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A chat's newest `live.json`; `None` once it is removed (the chat is no longer live).
type Document = Option<Arc<str>>;

/// The open streams and what feeds them.
pub struct LivePush {
    site: PathBuf,
    max_streams: usize,
    streams: Arc<Semaphore>,
    chats: Mutex<HashMap<Slug, watch::Sender<Document>>>,
    /// Turns true when `serve` stops: every stream ends.
    stop: watch::Receiver<bool>,
    /// `live.json` requests served (polls), for `/healthz`.
    polls: AtomicU64,
    /// The cap was reached and said so in the log (once until a stream opens again).
    full_reported: AtomicBool,
}

impl LivePush {
    /// `max_streams` 0 turns push off: the route answers `404`, as a static host does.
    pub fn new(site: PathBuf, max_streams: usize, stop: watch::Receiver<bool>) -> LivePush {
        LivePush {
            site,
            max_streams,
            streams: Arc::new(Semaphore::new(max_streams)),
            chats: Mutex::new(HashMap::new()),
            stop,
            polls: AtomicU64::new(0),
            full_reported: AtomicBool::new(false),
        }
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        self.max_streams - self.streams.available_permits()
    }

    /// Counts a request for a `live.json` (a page that polls).
    pub fn note_poll(&self) {
        self.polls.fetch_add(1, Ordering::Relaxed);
    }

    pub fn polls(&self) -> u64 {
        self.polls.load(Ordering::Relaxed)
    }

    /// After a build: hands each rewritten `live.json` of a followed chat to its streams, and
    /// ends the streams of chats whose `live.json` is gone. Never waits for a reader.
    pub fn published(&self, report: &BuildReport) {
        let mut chats = self.chats.lock().unwrap_or_else(PoisonError::into_inner);
        chats.retain(|_, sender| sender.receiver_count() > 0);
        for (slug, sender) in chats.iter() {
            let path = FeedFile::LiveJson.path(slug);
            if report.removed.contains(&path) {
                sender.send_replace(None);
            } else if report.written.contains(&path) {
                // The build wrote it; the next one cannot start before this hook returns.
                match std::fs::read_to_string(self.site.join(&path)) {
                    Ok(doc) => {
                        sender.send_replace(Some(doc.into()));
                    }
                    Err(e) => tracing::warn!("cannot read {path} to push it: {e}"),
                }
            }
        }
    }

    /// Opens a stream of `slug`'s live feed: `404` unless the chat is published and live,
    /// `503` past the cap.
    async fn open(&self, slug: &str) -> Response {
        let not_found = || (StatusCode::NOT_FOUND, "no live chat here\n").into_response();
        if self.max_streams == 0 {
            return not_found();
        }
        let Ok(slug) = Slug::parse(slug) else {
            return not_found();
        };
        let path = self.site.join(FeedFile::LiveJson.path(&slug));
        // Before a channel is made for it: unknown slugs must not grow the map.
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return not_found();
        }
        let Ok(permit) = self.streams.clone().try_acquire_owned() else {
            if !self.full_reported.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "{} push streams are open (the limit, --push-streams): more pages poll \
                     live.json instead",
                    self.max_streams
                );
            }
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                "too many streams open: poll live.json\n",
            )
                .into_response();
        };
        self.full_reported.store(false, Ordering::Relaxed);
        // Subscribe, then read the file, then take what was sent meanwhile as seen: the file is
        // at least as new as anything sent before the read, and nothing sent after is missed.
        let mut documents = {
            let mut chats = self.chats.lock().unwrap_or_else(PoisonError::into_inner);
            chats
                .entry(slug)
                .or_insert_with(|| watch::channel(None).0)
                .subscribe()
        };
        let first: Arc<str> = match tokio::fs::read_to_string(&path).await {
            Ok(doc) => doc.into(),
            Err(_) => return not_found(),
        };
        documents.mark_unchanged();
        let open = Open {
            first: Some(first),
            documents,
            stop: self.stop.clone(),
            _permit: permit,
        };
        let events = stream::unfold(open, |mut open| async move {
            let doc = match open.first.take() {
                Some(doc) => doc,
                None => open.next().await?,
            };
            Some((
                Ok::<_, Infallible>(Event::default().data(doc.trim_end())),
                open,
            ))
        });
        (
            // A proxy (nginx) in front must pass each event on at once.
            [("x-accel-buffering", "no")],
            Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)),
        )
            .into_response()
    }
}

/// One open stream: what it sends next, and its place under the cap (given back when the stream
/// is dropped, which is when its connection closes).
struct Open {
    first: Option<Arc<str>>,
    documents: watch::Receiver<Document>,
    stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
}

impl Open {
    /// The next document; `None` ends the stream (the chat is no longer live, or serve stops).
    async fn next(&mut self) -> Option<Arc<str>> {
        if *self.stop.borrow() {
            return None;
        }
        tokio::select! {
            changed = self.documents.changed() => {
                changed.ok()?;
                self.documents.borrow_and_update().clone()
            }
            _ = self.stop.wait_for(|stop| *stop) => None,
        }
    }
}

/// `GET /_scrollback/live/<slug>`.
pub async fn stream(State(app): State<Arc<App>>, Path(slug): Path<String>) -> Response {
    app.push.open(&slug).await
}

/// What the publisher calls after every build: push first (readers are waiting), then `then`
/// (the deploy hook, when there is one).
pub fn publishing(push: Arc<LivePush>, mut then: Option<OnPublish>) -> OnPublish {
    Box::new(move |report: &BuildReport| {
        push.published(report);
        if let Some(hook) = then.as_mut() {
            hook(report);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(written: &[&str], removed: &[&str]) -> BuildReport {
        BuildReport {
            written: written.iter().map(|s| (*s).to_owned()).collect(),
            removed: removed.iter().map(|s| (*s).to_owned()).collect(),
            ..BuildReport::default()
        }
    }

    /// Reads the response body's next chunk (one event, or a comment).
    async fn next_chunk(body: &mut axum::body::BodyDataStream) -> Option<String> {
        use futures_util::StreamExt;
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("a chunk within 10 s")?;
        Some(String::from_utf8(chunk.unwrap().to_vec()).unwrap())
    }

    #[tokio::test]
    async fn streams_the_live_feed_caps_streams_and_ends_on_stop() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("c")).unwrap();
        std::fs::write(site.path().join("c/live.json"), "{\"n\":1}\n").unwrap();
        let (stop_tx, stop) = watch::channel(false);
        let push = LivePush::new(site.path().to_owned(), 1, stop);

        assert_eq!(push.open("nope").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(push.open("../c").await.status(), StatusCode::NOT_FOUND);
        let response = push.open("c").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(push.open_streams(), 1);
        // The cap: one.
        assert_eq!(
            push.open("c").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let mut body = response.into_body().into_data_stream();
        assert_eq!(next_chunk(&mut body).await.unwrap(), "data: {\"n\":1}\n\n");

        // Two builds before the reader looks: it gets the newest only.
        std::fs::write(site.path().join("c/live.json"), "{\"n\":2}\n").unwrap();
        push.published(&report(&["c/live.json"], &[]));
        std::fs::write(site.path().join("c/live.json"), "{\"n\":3}\n").unwrap();
        push.published(&report(&["c/index.html", "c/live.json"], &[]));
        assert_eq!(next_chunk(&mut body).await.unwrap(), "data: {\"n\":3}\n\n");

        // Stopping ends the stream, and gives its place back.
        stop_tx.send(true).unwrap();
        assert_eq!(next_chunk(&mut body).await, None);
        drop(body);
        assert_eq!(push.open_streams(), 0);
    }

    #[tokio::test]
    async fn a_chat_no_longer_live_ends_its_streams() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("c")).unwrap();
        std::fs::write(site.path().join("c/live.json"), "{}\n").unwrap();
        let (_stop_tx, stop) = watch::channel(false);
        let push = LivePush::new(site.path().to_owned(), 4, stop);
        let mut body = push.open("c").await.into_body().into_data_stream();
        assert!(next_chunk(&mut body).await.is_some());
        std::fs::remove_file(site.path().join("c/live.json")).unwrap();
        push.published(&report(&[], &["c/live.json"]));
        assert_eq!(next_chunk(&mut body).await, None);
        assert_eq!(push.open("c").await.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn no_streams_when_push_is_off() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("c")).unwrap();
        std::fs::write(site.path().join("c/live.json"), "{}\n").unwrap();
        let (_stop_tx, stop) = watch::channel(false);
        let push = LivePush::new(site.path().to_owned(), 0, stop);
        assert_eq!(push.open("c").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(push.open_streams(), 0);
    }
}
