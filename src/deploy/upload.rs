//! Sending the planned files: publishing order, and the loop that keeps a bounded number of
//! uploads in flight.
//!
//! Uploads go out in waves so that a reader never gets a page whose assets or feeds are not
//! there yet: assets first, then feeds, then pages, the index last.

use anyhow::{Context, Result};

use super::DeployReport;
use super::plan::{Plan, UploadReason};
use super::scan::LocalFile;
use crate::build::outputs::feed_files::FeedFile;
use crate::progress::Progress;

/// Sorts uploads into publishing order.
pub fn order_uploads(uploads: &mut [(LocalFile, UploadReason)]) {
    uploads.sort_by(|(a, _), (b, _)| {
        (publish_rank(&a.path), &a.path).cmp(&(publish_rank(&b.path), &b.path))
    });
}

/// The wave a file is published in: every file of a wave is in place before the next wave
/// starts, so what a page needs is there before the page, and the index (which links to the
/// chats) comes last.
/// 0: assets (style sheets, emoji, uploads); 1: feeds; 2: thread pages (`thread-<ts>.html`:
/// chat pages link them, so a new reply's new thread page is there before the link); 3: further
/// chat pages (`page-N.html`); 4: other HTML (a chat's first page links to its further pages);
/// 5: the site's `index.html`.
pub fn publish_rank(path: &str) -> u8 {
    let name = path.rsplit('/').next().unwrap_or(path);
    if path == "index.html" {
        5
    } else if name.ends_with(".html") && name.starts_with("thread-") {
        2
    } else if name.ends_with(".html") && name.starts_with("page-") {
        3
    } else if name.ends_with(".html") {
        4
    } else if FeedFile::of(path).is_some() {
        1
    } else {
        0
    }
}

impl Plan {
    /// The uploads grouped into waves of equal [`publish_rank`], in order.
    pub fn waves(&self) -> Vec<&[(LocalFile, UploadReason)]> {
        self.uploads
            .chunk_by(|(a, _), (b, _)| publish_rank(&a.path) == publish_rank(&b.path))
            .collect()
    }
}

/// Uploads `files` with at most `concurrency` requests in flight, recording each in `report`.
/// The first failure stops the rest; files already sent stay, and the next run skips them.
pub(super) async fn upload_concurrently<F, Fut>(
    files: Vec<LocalFile>,
    concurrency: usize,
    progress: &Progress,
    report: &mut DeployReport,
    upload: F,
) -> Result<()>
where
    F: Fn(LocalFile) -> Fut,
    Fut: Future<Output = Result<LocalFile>> + Send + 'static,
{
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut finish = |done: std::result::Result<Result<LocalFile>, tokio::task::JoinError>| {
        let file = done.context("internal: an upload task stopped")??;
        progress.inc(1);
        report.bytes += file.size;
        report.uploaded.push(file.path);
        anyhow::Ok(())
    };
    for file in files {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .context("internal: upload slots closed")?;
        // Collect what finished meanwhile, so a failure stops the uploads early.
        while let Some(done) = tasks.try_join_next() {
            finish(done)?;
        }
        let sending = upload(file);
        tasks.spawn(async move {
            let _permit = permit;
            sending.await
        });
    }
    while let Some(done) = tasks.join_next().await {
        finish(done)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks() {
        assert!(publish_rank("assets/x.css") < publish_rank("c/feed.jsonp"));
        assert!(publish_rank("c/feed.json") < publish_rank("c/thread-1-000100.html"));
        assert!(publish_rank("c/thread-1-000100.html") < publish_rank("c/page-2.html"));
        assert!(publish_rank("c/thread-1-000100.html") < publish_rank("c/index.html"));
        assert!(publish_rank("c/feed.json") < publish_rank("c/page-2.html"));
        assert!(publish_rank("c/page-9.html") < publish_rank("c/index.html"));
        assert!(publish_rank("c/index.html") < publish_rank("index.html"));
        assert_eq!(publish_rank("c/live.json"), 1);
        assert_eq!(publish_rank("c/live.jsonp"), 1, "every feed, JSONP too");
    }
}
