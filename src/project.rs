//! A project folder: where its config, content, themes, output and cache live.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

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

    /// The project `start` is in: the nearest folder, `start` or one of its parents, with a
    /// `scrollback.toml` (as Zola and Hugo find theirs). Nowhere else is a project: a command
    /// run in the wrong folder must not write a `content/` or `site/` there (issue 12).
    pub fn find(start: &Path) -> Result<Project> {
        let absolute = std::path::absolute(start)
            .with_context(|| format!("cannot resolve {}", start.display()))?;
        if !absolute.is_dir() {
            bail!("{} is not a folder", start.display());
        }
        match absolute
            .ancestors()
            .find(|dir| dir.join(CONFIG_FILE).is_file())
        {
            Some(root) => Ok(Project::new(root)),
            None => bail!(
                "no {CONFIG_FILE} in {} or its parents: this is not a scrollback project; run \
                 `scrollback init` to make one here, or pass -C PROJECT",
                absolute.display()
            ),
        }
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

    /// The site's own translations (`i18n/<lang>.toml`), which override the theme's key by key.
    pub fn i18n_dir(&self) -> PathBuf {
        self.root.join("i18n")
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
