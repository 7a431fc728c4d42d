//! A project folder: where its config, content, themes, output and cache live.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::config::{CONFIG_FILE, Config};
use crate::content::{ContentLayout, ContentStore};

/// The folders of one scrollback project (the `-C DIR` of every command).
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    pub fn new(root: impl Into<PathBuf>) -> Project {
        Project { root: root.into() }
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    /// The paths inside `content/`.
    pub fn content_layout(&self) -> ContentLayout {
        ContentLayout::new(self.content_dir())
    }

    pub fn site_dir(&self) -> PathBuf {
        self.root.join("site")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.root.join("themes")
    }

    /// The site's own templates, which override the theme's files of the same name.
    pub fn templates_dir(&self) -> PathBuf {
        self.root.join("templates")
    }

    /// The site's own static files, copied over the theme's.
    pub fn static_dir(&self) -> PathBuf {
        self.root.join("static")
    }

    /// `.scrollback/`: build state and staging. Safe to delete; ignored by git.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".scrollback")
    }

    pub fn load_config(&self) -> Result<Config> {
        Config::load(&self.config_path())
    }

    pub fn open_store(&self) -> Result<ContentStore> {
        ContentStore::open(&self.content_dir(), &self.cache_dir().join("staging"))
    }

    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}
