//! The folder of one re-hosted upload, `content/files/<FILE_ID>/`, and the names in it:
//!
//! - the file itself, under a name made safe from Slack's ([`upload_path`]);
//! - Slack's thumbnails of an image, `thumb_<N>.<ext>` ([`thumb_path`]);
//! - `meta.json` ([`UploadMeta`]): the content type Slack answered with, for each of them.
//!
//! The names scrollback writes beside a file are reserved: an upload called `meta.json` or
//! `thumb_360.png` is kept as `file_meta.json` or `file_thumb_360.png`, so a folder's own files
//! can never collide with the upload. A folder has one upload, so nothing else can collide.
//! Content types are served from names (on `serve`, S3 and Netlify alike), so a name without a
//! known extension, or an image named as something else, gets the extension of its type
//! ([`kept_name`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// The record of a kept upload, beside it.
pub const META_FILE: &str = "meta.json";

/// What a name in an upload's folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPart {
    /// The upload itself.
    Original,
    /// Slack's thumbnail `thumb_<N>`, `N` pixels on its longer side at most.
    Thumb(u32),
    /// [`META_FILE`].
    Meta,
}

impl UploadPart {
    pub fn of(name: &str) -> UploadPart {
        if name == META_FILE {
            return UploadPart::Meta;
        }
        let thumb = name.strip_prefix("thumb_").and_then(|rest| {
            let (edge, ext) = rest.split_once('.')?;
            let valid_ext = !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_alphanumeric());
            let valid_edge = !edge.is_empty() && edge.bytes().all(|b| b.is_ascii_digit());
            (valid_ext && valid_edge)
                .then(|| edge.parse().ok())
                .flatten()
        });
        thumb.map_or(UploadPart::Original, UploadPart::Thumb)
    }
}

/// What `meta.json` holds: the kept file's name and content type, and its thumbnails'.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadMeta {
    /// The upload's name in the folder.
    pub name: String,
    /// What Slack's file server answered with (`Content-Type`, without parameters).
    pub content_type: String,
    /// The file object's `mimetype`, as Slack recorded it at upload.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mimetype: String,
    pub size: u64,
    /// By edge (`"360"`): Slack's thumbnails kept beside it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thumbs: BTreeMap<String, ThumbMeta>,
}

/// One kept thumbnail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThumbMeta {
    pub name: String,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
}

fn check_id(id: &str) -> Result<()> {
    let valid_id = id.len() >= 2
        && id.len() <= 32
        && id.starts_with('F')
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !valid_id {
        bail!("{id:?} is not a Slack file id");
    }
    Ok(())
}

/// `<FILE_ID>/<name>` of a re-hosted upload, relative to `content/files/`.
pub fn upload_path(id: &str, name: &str) -> Result<PathBuf> {
    check_id(id)?;
    let mut safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe = safe
        .trim_start_matches(['.', '-'])
        .chars()
        .take(120)
        .collect();
    if safe.is_empty() || safe.chars().all(|c| c == '_' || c == '.') {
        safe = "file".to_owned();
    }
    if UploadPart::of(&safe) != UploadPart::Original {
        safe = format!("file_{safe}");
    }
    Ok(PathBuf::from(id).join(safe))
}

/// `<FILE_ID>/thumb_<edge>.<extension>`, relative to `content/files/`.
pub fn thumb_path(id: &str, edge: u32, extension: &str) -> Result<PathBuf> {
    check_id(id)?;
    if extension.is_empty() || !extension.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("{extension:?} is not a file extension");
    }
    Ok(PathBuf::from(id).join(format!("thumb_{edge}.{extension}")))
}

/// `<FILE_ID>/meta.json`, relative to `content/files/`.
pub fn meta_path(id: &str) -> Result<PathBuf> {
    check_id(id)?;
    Ok(PathBuf::from(id).join(META_FILE))
}

/// Images a browser shows inline from the site (not SVG: it is served as a download).
pub fn is_raster_image(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif"
    )
}

/// The extension a file of `content_type` is best served under.
pub fn extension_for(content_type: &str) -> Option<&'static str> {
    match content_type {
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        "image/avif" => Some("avif"),
        "application/pdf" => Some("pdf"),
        "text/plain" => Some("txt"),
        "" | "application/octet-stream" | "binary/octet-stream" => None,
        other => mime_guess::get_mime_extensions_str(other)?.first().copied(),
    }
}

/// The name an upload called `name` (already made safe by [`upload_path`]) is kept under, given
/// its `content_type`: as it is, unless it has no extension a server knows (a `report` that is
/// a PDF becomes `report.pdf`) or it is an image named as something else (`chart.dat` that is
/// a PNG becomes `chart.dat.png`), since servers type a file by its name. A generic or unknown
/// type changes nothing.
pub fn kept_name(name: &str, content_type: &str) -> String {
    let guessed = mime_guess::from_path(name).first();
    let wrong = match &guessed {
        None => true,
        Some(g) => is_raster_image(content_type) && g.type_() != mime_guess::mime::IMAGE,
    };
    match extension_for(content_type) {
        Some(ext) if wrong => format!("{name}.{ext}"),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_scrollback_writes_are_reserved() {
        assert_eq!(UploadPart::of("meta.json"), UploadPart::Meta);
        assert_eq!(UploadPart::of("thumb_360.png"), UploadPart::Thumb(360));
        for original in [
            "chart.png",
            "thumb_.png",
            "thumb_x.png",
            "thumb_360",
            "file_meta.json",
        ] {
            assert_eq!(UploadPart::of(original), UploadPart::Original, "{original}");
        }
        assert_eq!(
            upload_path("F1", "meta.json").unwrap(),
            PathBuf::from("F1/file_meta.json")
        );
        assert_eq!(
            upload_path("F1", "thumb_360.png").unwrap(),
            PathBuf::from("F1/file_thumb_360.png")
        );
        assert_eq!(
            thumb_path("F1", 720, "jpg").unwrap(),
            PathBuf::from("F1/thumb_720.jpg")
        );
        assert!(thumb_path("F1", 720, "../x").is_err());
        assert!(meta_path("../F1").is_err());
    }

    #[test]
    fn a_name_gets_the_extension_its_type_is_served_under() {
        for (name, content_type, kept) in [
            ("chart.png", "image/png", "chart.png"),
            ("photo.JPG", "image/jpeg", "photo.JPG"),
            ("chart.png", "image/jpeg", "chart.png"),
            ("screenshot", "image/png", "screenshot.png"),
            ("chart.dat", "image/png", "chart.dat.png"),
            ("report", "application/pdf", "report.pdf"),
            ("notes.md", "text/plain", "notes.md"),
            ("data", "application/octet-stream", "data"),
            ("page.html", "text/plain", "page.html"),
        ] {
            assert_eq!(kept_name(name, content_type), kept, "{name} {content_type}");
        }
    }
}
