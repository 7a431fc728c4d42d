//! One upload kept in `content/files/<FILE_ID>/`: the file, Slack's thumbnails of an image and
//! `meta.json` with their content types, fetched first and committed together, so a run stopped
//! anywhere leaves each upload whole or absent. Shared by `files` (the bot token) and
//! `import --files` (the export's own `?t=` URL tokens); the names are [`crate::content::uploads`]'s.

use anyhow::Result;
use serde_json::{Map, Value};

use crate::content::tokens::strip_tokens_str;
use crate::content::uploads::{
    ThumbMeta, UploadMeta, extension_for, is_raster_image, kept_name, upload_path,
};
use crate::project::Project;
use crate::slack::SlackClient;
use crate::slack::download::{Download, fetch};

/// Slack's thumbnails kept for an image: `thumb_360`, which pages show inline, and `thumb_720`
/// for screens with twice the pixels (pages show it instead when Slack made one).
pub const THUMB_EDGES: [u32; 2] = [360, 720];

/// Where the bytes come from.
#[derive(Debug, Clone)]
pub enum Fetcher {
    /// The Web API's bot token (`files`).
    Bot(SlackClient),
    /// No token of ours: an official export's URLs carry their own (`import --files`).
    Export(reqwest::Client),
}

impl Fetcher {
    async fn get(&self, url: &str, max_bytes: u64) -> Result<Download> {
        match self {
            Fetcher::Bot(client) => client.download(url, max_bytes).await,
            Fetcher::Export(http) => fetch(http, url, None, max_bytes).await,
        }
    }
}

/// What became of one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Downloaded now: this many bytes, thumbnails included.
    Downloaded(u64),
    /// Kept by an earlier run.
    Before,
    /// Slack no longer has it (deleted, hidden by the free plan's limit, no URL).
    Unavailable,
    /// A link to another service (Google Drive, Dropbox): nothing to keep.
    External,
}

/// Keeps the upload `file` (a message's file object) unless it is kept already. The outer
/// error is the content tree's (a full disk: stop); the inner one says why this file was not
/// kept, without any token its URLs carried.
pub async fn keep_upload(
    project: &Project,
    fetcher: &Fetcher,
    file: &Map<String, Value>,
    max_bytes: u64,
) -> Result<std::result::Result<Kept, String>> {
    let text = |k: &str| file.get(k).and_then(Value::as_str).unwrap_or_default();
    let id = text("id");
    if matches!(text("mode"), "tombstone" | "hidden_by_limit")
        || text("file_access") == "file_not_found"
    {
        return Ok(Ok(Kept::Unavailable));
    }
    if file.get("is_external").and_then(Value::as_bool) == Some(true) {
        return Ok(Ok(Kept::External));
    }
    let name = Some(text("name")).filter(|n| !n.is_empty()).unwrap_or(id);
    let Ok(rel) = upload_path(id, name) else {
        return Ok(Err(format!("{id:?} is not a Slack file id")));
    };
    let folder = project.content_layout().files_dir().join(id);
    if crate::fsio::dir_entries(&folder).is_ok_and(|e| !e.is_empty()) {
        return Ok(Ok(Kept::Before));
    }
    let url = Some(text("url_private_download"))
        .filter(|u| !u.is_empty())
        .unwrap_or(text("url_private"));
    if url.is_empty() {
        return Ok(Ok(Kept::Unavailable));
    }
    let original = match fetcher.get(url, max_bytes).await {
        Ok(d) => d,
        Err(e) => return Ok(Err(scrubbed(&e))),
    };
    let mimetype = text("mimetype").to_ascii_lowercase();
    let generic = extension_for(&original.content_type).is_none();
    let content_type = if generic && !mimetype.is_empty() {
        mimetype.clone()
    } else {
        original.content_type.clone()
    };
    let safe = rel.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let kept = upload_path(id, &kept_name(safe, &content_type))?;
    let kept = kept.file_name().and_then(|n| n.to_str()).unwrap_or(safe);

    // Thumbnails of a still image (a GIF's are still frames: pages show the GIF itself).
    let mut thumbs = Vec::new();
    if is_raster_image(&content_type) && content_type != "image/gif" {
        for edge in THUMB_EDGES {
            let thumb_url = text(&format!("thumb_{edge}"));
            if thumb_url.is_empty() {
                continue;
            }
            match fetcher.get(thumb_url, max_bytes).await {
                Ok(d) if is_raster_image(&d.content_type) => thumbs.push((edge, d)),
                Ok(d) => tracing::warn!(
                    "{name} ({id}): thumb_{edge} is {}, not an image: not kept",
                    d.content_type
                ),
                Err(e) => tracing::warn!("{name} ({id}): thumb_{edge} not kept: {}", scrubbed(&e)),
            }
        }
    }

    let dimension = |key: String| file.get(&key).and_then(Value::as_u64);
    let mut meta = UploadMeta {
        name: kept.to_owned(),
        content_type,
        mimetype,
        size: original.bytes.len() as u64,
        thumbs: Default::default(),
    };
    let mut store = project.open_store()?;
    let mut batch = store.begin()?;
    batch.put_upload(id, kept, &original.bytes)?;
    let mut bytes = original.bytes.len() as u64;
    for (edge, thumb) in &thumbs {
        let ext = extension_for(&thumb.content_type).unwrap_or("png");
        batch.put_upload_thumb(id, *edge, ext, &thumb.bytes)?;
        bytes += thumb.bytes.len() as u64;
        meta.thumbs.insert(
            edge.to_string(),
            ThumbMeta {
                name: format!("thumb_{edge}.{ext}"),
                content_type: thumb.content_type.clone(),
                width: dimension(format!("thumb_{edge}_w")),
                height: dimension(format!("thumb_{edge}_h")),
            },
        );
    }
    batch.put_upload_meta(id, &meta)?;
    batch.commit()?;
    Ok(Ok(Kept::Downloaded(bytes)))
}

/// An error's text without any token (the URLs in it carry none; this is the second lock).
pub fn scrubbed(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    strip_tokens_str(&text).unwrap_or(text)
}
