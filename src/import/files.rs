//! `scrollback files [SLUG]`: the uploads of published chats (or of one chat) downloaded from
//! Slack into `content/files/<FILE_ID>/<name>`, so pages show our copies and an archive never
//! depends on Slack, whose file URLs ask every reader to sign in (issue 13, item 3). Also
//! `import --files`: the uploads of an export's public channels, with the export's own URL
//! tokens ([`ExportFiles`]). One upload is kept by [`keep_upload`](super::keep_upload).
//!
//! Needs a token with `files:read`. A file already kept is not fetched again; a file Slack no
//! longer has (deleted, hidden by the free plan's limit) is counted as unavailable and the page
//! says so. Slack answers a request it does not authorize with its login page and status 200:
//! [`SlackClient::download`] refuses any HTML answer, so a login page is never kept as a file.
//! Each file is committed on its own: a run stopped anywhere keeps what it got, and the next
//! one fetches only the rest.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::keep_upload::{Fetcher, Kept, keep_upload};
use crate::content::message::{attached_files, attached_files_in};
use crate::content::tokens::strip_tokens_str;
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
    /// Downloaded, thumbnails included.
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
    let fetcher = Fetcher::Bot(client.clone());
    for slug in slugs {
        report.chats += 1;
        for file in uploads_of(&layout.messages_dir(slug))? {
            let outcome = keep_upload(project, &fetcher, &file, max_bytes).await?;
            report.note(slug, &file, outcome);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The uploads of an official export's public channels, as the export has them: their URLs
/// still carry the export's `?t=xoxe-…` token, which is never written anywhere (its `Debug`
/// shows only a count) and is dropped with this value.
#[derive(Clone, Default)]
pub struct ExportFiles {
    /// (chat, file object), each file once.
    files: Vec<(Slug, Map<String, Value>)>,
    ids: HashSet<String>,
    chats: HashSet<Slug>,
}

impl std::fmt::Debug for ExportFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExportFiles({} files)", self.files.len())
    }
}

impl ExportFiles {
    /// Notes the uploads `message` carries, for chat `slug`.
    pub fn add_message(&mut self, slug: &Slug, message: &Map<String, Value>) {
        self.chats.insert(slug.clone());
        for file in attached_files_in(message)
            .into_iter()
            .filter_map(Value::as_object)
        {
            let id = file.get("id").and_then(Value::as_str).unwrap_or_default();
            if self.ids.insert(id.to_owned()) {
                self.files.push((slug.clone(), file.clone()));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Downloads the uploads of an import's public channels with the export's own URL tokens: the
/// same limit, checks and one commit per file as `files`.
pub async fn keep_export_files(
    project: &Project,
    files: &ExportFiles,
    max_bytes: u64,
) -> Result<FilesReport> {
    let started = Instant::now();
    let mut report = FilesReport {
        chats: files.chats.len(),
        ..FilesReport::default()
    };
    let fetcher = Fetcher::Export(crate::slack::download::http_client()?);
    for (slug, file) in &files.files {
        let outcome = keep_upload(project, &fetcher, file, max_bytes).await?;
        report.note(slug, file, outcome);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

impl FilesReport {
    /// The closing line of `files` and `import --files`; `of` says whose files ("3 chats").
    pub fn summary(&self, of: &str) -> String {
        let failed = if self.failed.is_empty() {
            String::new()
        } else {
            format!("; {} not kept (above)", self.failed.len())
        };
        format!(
            "Files of {of} in {}: {} downloaded ({}), {} kept before, {} no longer on Slack, {} external{failed}",
            crate::human::seconds(self.seconds),
            self.downloaded,
            crate::human::bytes(self.bytes),
            self.kept,
            self.unavailable,
            self.external,
        )
    }

    fn note(
        &mut self,
        slug: &Slug,
        file: &Map<String, Value>,
        outcome: std::result::Result<Kept, String>,
    ) {
        self.files += 1;
        match outcome {
            Ok(Kept::Downloaded(bytes)) => {
                self.downloaded += 1;
                self.bytes += bytes;
            }
            Ok(Kept::Before) => self.kept += 1,
            Ok(Kept::Unavailable) => self.unavailable += 1,
            Ok(Kept::External) => self.external += 1,
            Err(why) => {
                let text = |k: &str| file.get(k).and_then(Value::as_str).unwrap_or_default();
                let id = text("id");
                let name = Some(text("name")).filter(|n| !n.is_empty()).unwrap_or(id);
                let line = format!("{slug}: {name} ({id}): {why}");
                self.failed.push(strip_tokens_str(&line).unwrap_or(line));
            }
        }
    }
}

/// The file objects of every message in a chat's `messages/` folder (deleted messages'
/// uploads are left alone: they are not shown).
fn uploads_of(dir: &std::path::Path) -> Result<Vec<Map<String, Value>>> {
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
