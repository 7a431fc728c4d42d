//! Where everything lives in the content tree, both ways: paths built from validated ids, and
//! paths read back into what they are. No other module spells the tree's layout.
//!
//! | Path, relative to `content/`         | What                     | Built by          | Parsed as             |
//! |--------------------------------------|--------------------------|-------------------|-----------------------|
//! | `users/<ID>.json`                    | a Slack user object      | `user_file`       | [`ContentPath::User`] |
//! | `users/avatars/<ID>.<hash>.<ext>`    | a user's kept avatar     | `avatar_file`     | `Avatar`              |
//! | `channels/<slug>/`                   | a chat's folder          | `chat_dir`        | `ChatFolder`          |
//! | `channels/<slug>/channel.toml`       | a chat's settings        | `channel_file`    | `ChatSettings`        |
//! | `channels/<slug>/messages/`          | a chat's messages        | `messages_dir`    | `MessagesFolder`      |
//! | `channels/<slug>/messages/<ts>.json` | one message              | `message_file`    | `Message`             |
//! | `emoji/…`                            | custom emoji             | `emoji_dir`       | `Emoji`               |
//! | `files/<FILE_ID>/<name>`             | re-hosted uploaded files | `files_dir`       | `UploadedFile`        |
//! | `files/<FILE_ID>/thumb_<N>.<ext>`    | an image's thumbnails    | `files_dir`       | `UploadedFile`        |
//! | `files/<FILE_ID>/meta.json`          | their content types      | `files_dir`       | `UploadedFile`        |
//!
//! The names inside an upload's folder are [`super::uploads`]'s.
//!
//! [`ContentLayout`] builds absolute paths under a project's `content/`; [`relative`] builds the
//! same paths relative to it (what staging and commit summaries use). What the files hold is
//! documented for the people who edit them in `docs/content.md`.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use super::slug::Slug;
use super::ts::Ts;
use super::user::UserId;
use crate::fsio;

const USERS: &str = "users";
const AVATARS: &str = "avatars";
const CHANNELS: &str = "channels";
const CHANNEL_FILE: &str = "channel.toml";
const MESSAGES: &str = "messages";
const EMOJI: &str = "emoji";
const FILES: &str = "files";

/// The content tree's paths relative to `content/`.
pub mod relative {
    use super::*;

    pub fn users_dir() -> PathBuf {
        PathBuf::from(USERS)
    }

    pub fn user_file(id: &UserId) -> PathBuf {
        users_dir().join(format!("{id}.json"))
    }

    pub fn avatars_dir() -> PathBuf {
        users_dir().join(AVATARS)
    }

    /// `users/avatars/<stem>.<extension>`, the stem from [`crate::content::avatar::stem`].
    pub fn avatar_file(stem: &str, extension: &str) -> PathBuf {
        avatars_dir().join(format!("{stem}.{extension}"))
    }

    pub fn channels_dir() -> PathBuf {
        PathBuf::from(CHANNELS)
    }

    pub fn chat_dir(slug: &Slug) -> PathBuf {
        channels_dir().join(slug.as_str())
    }

    pub fn channel_file(slug: &Slug) -> PathBuf {
        chat_dir(slug).join(CHANNEL_FILE)
    }

    pub fn messages_dir(slug: &Slug) -> PathBuf {
        chat_dir(slug).join(MESSAGES)
    }

    pub fn message_file(slug: &Slug, ts: &Ts) -> PathBuf {
        messages_dir(slug).join(message_file_name(ts))
    }

    /// The name of a message's file in its chat's messages folder: its ts as spelled, then
    /// `.json`.
    pub fn message_file_name(ts: &Ts) -> String {
        format!("{ts}.json")
    }

    pub fn emoji_dir() -> PathBuf {
        PathBuf::from(EMOJI)
    }

    pub fn files_dir() -> PathBuf {
        PathBuf::from(FILES)
    }
}

/// The paths of one project's content tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentLayout {
    root: PathBuf,
}

impl ContentLayout {
    /// The tree at `root` (a project's `content/`).
    pub fn new(root: impl Into<PathBuf>) -> ContentLayout {
        ContentLayout { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn users_dir(&self) -> PathBuf {
        self.root.join(relative::users_dir())
    }

    pub fn user_file(&self, id: &UserId) -> PathBuf {
        self.root.join(relative::user_file(id))
    }

    pub fn avatars_dir(&self) -> PathBuf {
        self.root.join(relative::avatars_dir())
    }

    pub fn channels_dir(&self) -> PathBuf {
        self.root.join(relative::channels_dir())
    }

    pub fn chat_dir(&self, slug: &Slug) -> PathBuf {
        self.root.join(relative::chat_dir(slug))
    }

    pub fn channel_file(&self, slug: &Slug) -> PathBuf {
        self.root.join(relative::channel_file(slug))
    }

    pub fn messages_dir(&self, slug: &Slug) -> PathBuf {
        self.root.join(relative::messages_dir(slug))
    }

    pub fn message_file(&self, slug: &Slug, ts: &Ts) -> PathBuf {
        self.root.join(relative::message_file(slug, ts))
    }

    pub fn emoji_dir(&self) -> PathBuf {
        self.root.join(relative::emoji_dir())
    }

    pub fn files_dir(&self) -> PathBuf {
        self.root.join(relative::files_dir())
    }

    /// The folders in `channels/` named like chats (other names are left out), sorted by slug,
    /// each with the metadata of its `channel.toml`: what a watcher compares to notice edited
    /// chat settings. A missing `channels/` is empty; any other failure is an error.
    pub fn chat_folders(&self) -> Result<Vec<ChatFolderEntry>> {
        let mut out = Vec::new();
        for entry in fsio::dir_entries(&self.channels_dir())? {
            let name = entry.file_name();
            let Some(slug) = name.to_str().and_then(|n| Slug::parse(n).ok()) else {
                continue;
            };
            if !entry.path().is_dir() {
                continue;
            }
            let path = self.channel_file(&slug);
            let settings = match fs::metadata(&path) {
                Ok(meta) => meta.is_file().then_some(meta),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
            out.push(ChatFolderEntry { slug, settings });
        }
        out.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(out)
    }
}

/// A chat folder, as [`ContentLayout::chat_folders`] lists it.
#[derive(Debug)]
pub struct ChatFolderEntry {
    pub slug: Slug,
    /// The metadata of its `channel.toml`; `None` when that is not a file.
    pub settings: Option<fs::Metadata>,
}

/// What a path in the content tree is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContentPath {
    /// `users/<ID>.json`.
    User(UserId),
    /// `users/avatars` or a kept avatar in it (`<ID>.<hash>.<ext>`).
    Avatar,
    /// `channels/<slug>`.
    ChatFolder(Slug),
    /// `channels/<slug>/channel.toml`.
    ChatSettings(Slug),
    /// `channels/<slug>/messages`.
    MessagesFolder(Slug),
    /// `channels/<slug>/messages/<ts>.json`.
    Message(Slug, Ts),
    /// `emoji` or anything in it.
    Emoji,
    /// `files` or anything in it.
    UploadedFile,
}

/// The names of a relative path, when every one is a plain UTF-8 name (no root, `.` or `..`) and
/// the last is not a temporary file ([`is_temporary`]). For the watcher and [`ContentPath`].
pub fn plain_parts(rel: &Path) -> Option<Vec<&str>> {
    let parts: Vec<&str> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!is_temporary(parts.last()?)).then_some(parts)
}

impl ContentPath {
    /// Reads a path relative to `content/`. `None` for anything else: other files, invalid ids,
    /// slugs or ts, temporary and hidden files, and paths that are absolute or hold `.` or `..`.
    pub fn parse(rel: &Path) -> Option<ContentPath> {
        let parts = plain_parts(rel)?;
        match parts.as_slice() {
            [USERS, AVATARS] => Some(ContentPath::Avatar),
            [USERS, AVATARS, file] => {
                super::avatar::parse_file_name(file)?;
                Some(ContentPath::Avatar)
            }
            [USERS, file] => {
                let id = UserId::parse(file.strip_suffix(".json")?).ok()?;
                Some(ContentPath::User(id))
            }
            [CHANNELS, slug, rest @ ..] => {
                let slug = Slug::parse(slug).ok()?;
                match rest {
                    [] => Some(ContentPath::ChatFolder(slug)),
                    [CHANNEL_FILE] => Some(ContentPath::ChatSettings(slug)),
                    [MESSAGES] => Some(ContentPath::MessagesFolder(slug)),
                    [MESSAGES, file] => {
                        let ts = Ts::parse(file.strip_suffix(".json")?).ok()?;
                        Some(ContentPath::Message(slug, ts))
                    }
                    _ => None,
                }
            }
            [EMOJI, ..] => Some(ContentPath::Emoji),
            [FILES, ..] => Some(ContentPath::UploadedFile),
            _ => None,
        }
    }

    /// The path relative to `content/` (for `Avatar`, `Emoji` and `UploadedFile`, their folder).
    pub fn relative(&self) -> PathBuf {
        match self {
            ContentPath::User(id) => relative::user_file(id),
            ContentPath::Avatar => relative::avatars_dir(),
            ContentPath::ChatFolder(slug) => relative::chat_dir(slug),
            ContentPath::ChatSettings(slug) => relative::channel_file(slug),
            ContentPath::MessagesFolder(slug) => relative::messages_dir(slug),
            ContentPath::Message(slug, ts) => relative::message_file(slug, ts),
            ContentPath::Emoji => relative::emoji_dir(),
            ContentPath::UploadedFile => relative::files_dir(),
        }
    }
}

/// Editors' and tools' temporary files: vim's swap files and its `4913` probe, emacs's lock
/// and autosave files, `~` backups, and our own `.tmp-*` files mid-rename.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with('#')
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn ts(s: &str) -> Ts {
        Ts::parse(s).unwrap()
    }

    fn parse(s: &str) -> Option<ContentPath> {
        ContentPath::parse(Path::new(s))
    }

    #[test]
    fn builds_the_documented_paths() {
        let layout = ContentLayout::new("/p/content");
        let (s, t) = (slug("sotu"), ts("1517365800.000100"));
        let id = UserId::parse("U0BMQB6JE").unwrap();
        for (built, want) in [
            (layout.users_dir(), "/p/content/users"),
            (layout.user_file(&id), "/p/content/users/U0BMQB6JE.json"),
            (layout.avatars_dir(), "/p/content/users/avatars"),
            (layout.channels_dir(), "/p/content/channels"),
            (layout.chat_dir(&s), "/p/content/channels/sotu"),
            (
                layout.channel_file(&s),
                "/p/content/channels/sotu/channel.toml",
            ),
            (layout.messages_dir(&s), "/p/content/channels/sotu/messages"),
            (
                layout.message_file(&s, &t),
                "/p/content/channels/sotu/messages/1517365800.000100.json",
            ),
            (layout.emoji_dir(), "/p/content/emoji"),
            (layout.files_dir(), "/p/content/files"),
        ] {
            assert_eq!(built, Path::new(want));
            let rel = built.strip_prefix(layout.root()).unwrap();
            assert!(rel.is_relative() && !rel.as_os_str().is_empty(), "{want}");
        }
        assert_eq!(
            relative::message_file(&s, &t),
            Path::new("channels/sotu/messages/1517365800.000100.json")
        );
        assert_eq!(
            relative::avatar_file("U0BMQB6JE.3f9a1c0b7e", "jpg"),
            Path::new("users/avatars/U0BMQB6JE.3f9a1c0b7e.jpg")
        );
    }

    #[test]
    fn parses_what_each_path_is() {
        let (s, t) = (slug("sotu"), ts("1517365800.000100"));
        for (path, want) in [
            (
                "users/U0BMQB6JE.json",
                ContentPath::User(UserId::parse("U0BMQB6JE").unwrap()),
            ),
            ("channels/sotu", ContentPath::ChatFolder(s.clone())),
            (
                "channels/sotu/channel.toml",
                ContentPath::ChatSettings(s.clone()),
            ),
            (
                "channels/sotu/messages",
                ContentPath::MessagesFolder(s.clone()),
            ),
            (
                "channels/sotu/messages/1517365800.000100.json",
                ContentPath::Message(s, t),
            ),
            ("users/avatars", ContentPath::Avatar),
            (
                "users/avatars/U0BMQB6JE.3f9a1c0b7e.jpg",
                ContentPath::Avatar,
            ),
            ("emoji", ContentPath::Emoji),
            ("emoji/partyparrot.gif", ContentPath::Emoji),
            ("files", ContentPath::UploadedFile),
            ("files/F1/chart.png", ContentPath::UploadedFile),
        ] {
            assert_eq!(parse(path), Some(want), "{path}");
        }
    }

    #[test]
    fn every_built_path_parses_back() {
        let (s, t) = (slug("sotu-2018"), ts("1.5"));
        for path in [
            ContentPath::User(UserId::parse("USLACKBOT").unwrap()),
            ContentPath::Avatar,
            ContentPath::ChatFolder(s.clone()),
            ContentPath::ChatSettings(s.clone()),
            ContentPath::MessagesFolder(s.clone()),
            ContentPath::Message(s, t),
            ContentPath::Emoji,
            ContentPath::UploadedFile,
        ] {
            assert_eq!(ContentPath::parse(&path.relative()), Some(path.clone()));
            let layout = ContentLayout::new("content");
            let absolute = layout.root().join(path.relative());
            let rel = absolute.strip_prefix(layout.root()).unwrap();
            assert_eq!(ContentPath::parse(rel), Some(path));
        }
    }

    #[test]
    fn refuses_hostile_and_foreign_paths() {
        for path in [
            "",
            "/channels/sotu/channel.toml",
            "/etc/passwd",
            "./channels/sotu",
            "channels/../users/U1.json",
            "channels/../../etc/messages/1.1.json",
            "channels/sotu/../other/channel.toml",
            "channels/sotu/messages/../../../x.json",
            "channels",
            "users",
            "users/readme.md",
            "users/u1.json",
            "users/U1",
            "users/sub/U1.json",
            "channels/Sotu/channel.toml",
            "channels/assets/channel.toml",
            "channels/-x",
            "channels/sotu/notes.txt",
            "channels/sotu/messages/notes.txt",
            "channels/sotu/messages/1.json",
            "channels/sotu/messages/1.2.3.json",
            "channels/sotu/messages/1.000001",
            "channels/sotu/messages/x/1.000001.json",
            "channels/sotu/messages/.tmp-abc",
            "channels/sotu/messages/1.000001.json~",
            "channels/sotu/messages/1.000001.json.swp",
            "channels/sotu/.channel.toml.swp",
            "channels/sotu/4913",
            "channels/.hidden",
            "users/#U1.json#",
            "users/avatars/U1.png",
            "users/avatars/U1.3f9a1c0b7e.svg",
            "users/avatars/.U1.3f9a1c0b7e.png.tmp",
            "users/avatars/sub/U1.3f9a1c0b7e.png",
            "emoji/.DS_Store",
            "files/F1/upload.tmp",
            "site/index.html",
            "README.md",
        ] {
            assert_eq!(parse(path), None, "{path}");
        }
    }

    #[test]
    fn lists_chat_folders_with_their_settings() {
        let dir = tempfile::tempdir().unwrap();
        let layout = ContentLayout::new(dir.path().join("content"));
        assert!(
            layout.chat_folders().unwrap().is_empty(),
            "no channels/ yet"
        );
        for name in ["b", "a", ".git", "Not-A-Slug"] {
            fs::create_dir_all(layout.channels_dir().join(name)).unwrap();
        }
        let settings = "channel_id = \"C1\"\n";
        fs::write(layout.channel_file(&slug("a")), settings).unwrap();
        fs::write(layout.channels_dir().join("c"), "a file, not a chat").unwrap();
        let listed = layout.chat_folders().unwrap();
        let slugs: Vec<&str> = listed.iter().map(|e| e.slug.as_str()).collect();
        assert_eq!(slugs, ["a", "b"]);
        assert_eq!(
            listed[0].settings.as_ref().map(fs::Metadata::len),
            Some(settings.len() as u64)
        );
        assert!(listed[1].settings.is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_chat_folder_listing_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        let layout = ContentLayout::new(dir.path());
        fs::write(layout.channels_dir(), "not a folder").unwrap();
        assert!(layout.chat_folders().is_err());
    }
}
