//! The HTTP/1.1 server loop `serve` and the dev server of `watch` share: an axum router behind an
//! accept loop that bounds what any one client can hold (issue 11, defect 3).
//!
//! `axum::serve` has no limits at all: a client that opens a connection and sends nothing, or
//! sends headers a byte a minute, or never reads its response, holds a task and its buffers for
//! ever, and there is no cap on how many do. Here:
//! - at most [`Limits::max_connections`] connections are open; past that, new ones wait in the
//!   kernel's backlog until one closes (nothing is buffered for them);
//! - a request's headers must arrive within [`Limits::header_timeout`], which is also how long an
//!   idle keep-alive connection stays open (hyper starts the clock whenever it waits for a head);
//! - headers are capped at [`Limits::max_header_bytes`];
//! - a client that stops reading its response for [`Limits::write_stall`] is dropped.
//!
//! Request bodies are the handlers' to bound (`serve` reads `/slack/events` bodies with a size
//! cap, a deadline and a cap on how many are read at once; nothing else reads a body).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;

/// What any one client may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub max_header_bytes: usize,
    pub write_stall: Duration,
}

impl Limits {
    /// Enough for a newsroom's readers behind a CDN and for Slack (which opens a handful of
    /// connections), small enough that a flood of idle connections costs a few tens of MB.
    pub const DEFAULT: Limits = Limits {
        max_connections: 1024,
        header_timeout: Duration::from_secs(20),
        // Slack's headers are well under 2 KB; browsers' cookies for a static site, a few KB.
        max_header_bytes: 16 * 1024,
        write_stall: Duration::from_secs(30),
    };
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets requests
/// in flight finish for up to `grace`, and closes what is still open.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    let mut warned_full = false;
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        if permits.available_permits() == 0 && !warned_full {
            tracing::warn!(
                "{} connections are open (the limit): new ones wait until one closes",
                limits.max_connections
            );
        }
        warned_full = permits.available_permits() == 0;
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Out of file descriptors (EMFILE) and the like pass; spinning on them would not.
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let mut stream = TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.write_stall));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(limits.max_header_bytes.max(8192))
            .serve_connection(
                TokioIo::new(Box::pin(stream)),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out is not the server's error.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::info!("closing connections still open");
        }
    }
}
