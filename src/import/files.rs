//! `scrollback files [SLUG]`: the uploads of published chats (or of one chat) downloaded from
//! Slack into `content/files/<FILE_ID>/<name>`, so pages show our copies and an archive never
//! depends on Slack, whose file URLs ask every reader to sign in (issue 13, item 3).
//!
//! Needs a token with `files:read`. A file already kept is not fetched again; a file Slack no
//! longer has (deleted, hidden by the free plan's limit) is counted as unavailable and the page
//! says so. Slack answers a request it does not authorize with its login page and status 200:
//! [`SlackClient::download`] refuses any HTML answer, so a login page is never kept as a file.
//! Each file is committed on its own: a run stopped anywhere keeps what it got, and the next
//! one fetches only the rest.

use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::content::message::attached_files;
use crate::content::store::upload_path;
use crate::content::{MessageRecord, Slug};
use crate::project::Project;
use crate::slack::SlackClient;

/// The largest upload kept unless `--max-mb` says otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// What `files` did.
#[derive(Debug, Default, Clone)]
pub struct FilesReport {
    pub chats: usize,
    /// Uploads the chats' messages mention.
    pub files: usize,
    pub downloaded: usize,
    pub bytes: u64,
    /// Kept by an earlier run.
    pub kept: usize,
    /// Slack no longer has them.
    pub unavailable: usize,
    /// Links to other services (Google Drive, Dropbox): nothing to keep.
    pub external: usize,
    /// Could not be kept, with why.
    pub failed: Vec<String>,
    pub seconds: f64,
}

/// Downloads the uploads of `slugs` that `content/files/` lacks.
pub async fn rehost_files(
    project: &Project,
    client: &SlackClient,
    slugs: &[Slug],
    max_bytes: u64,
) -> Result<FilesReport> {
    let started = Instant::now();
    let mut report = FilesReport::default();
    let layout = project.content_layout();
    for slug in slugs {
        report.chats += 1;
        for file in uploads_of(&layout.messages_dir(slug))? {
            report.files += 1;
            let text = |k: &str| file.get(k).and_then(Value::as_str).unwrap_or_default();
            let id = text("id");
            if matches!(text("mode"), "tombstone" | "hidden_by_limit")
                || text("file_access") == "file_not_found"
            {
                report.unavailable += 1;
                continue;
            }
            if file.get("is_external").and_then(Value::as_bool) == Some(true) {
                report.external += 1;
                continue;
            }
            let name = Some(text("name")).filter(|n| !n.is_empty()).unwrap_or(id);
            let Ok(rel) = upload_path(id, name) else {
                report
                    .failed
                    .push(format!("{slug}: {id:?} is not a Slack file id"));
                continue;
            };
            let folder = layout.files_dir().join(rel.parent().unwrap_or(&rel));
            if crate::fsio::dir_entries(&folder).is_ok_and(|e| !e.is_empty()) {
                report.kept += 1;
                continue;
            }
            let url = Some(text("url_private_download"))
                .filter(|u| !u.is_empty())
                .unwrap_or(text("url_private"));
            if url.is_empty() {
                report.unavailable += 1;
                continue;
            }
            match client.download(url, max_bytes).await {
                Ok(download) => {
                    let mut store = project.open_store()?;
                    let mut batch = store.begin()?;
                    batch.put_upload(id, name, &download.bytes)?;
                    batch.commit()?;
                    report.downloaded += 1;
                    report.bytes += download.bytes.len() as u64;
                }
                Err(e) => report.failed.push(format!("{slug}: {name} ({id}): {e:#}")),
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The file objects of every message in a chat's `messages/` folder (deleted messages'
/// uploads are left alone: they are not shown).
fn uploads_of(dir: &std::path::Path) -> Result<Vec<serde_json::Map<String, Value>>> {
    let mut files = Vec::new();
    for entry in crate::fsio::dir_entries(dir)? {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let record: MessageRecord = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a valid message file", path.display()))?;
        if record.deleted {
            continue;
        }
        let slack = Value::Object(record.slack);
        files.extend(
            attached_files(&slack)
                .into_iter()
                .filter_map(|f| f.as_object().cloned()),
        );
    }
    Ok(files)
}
