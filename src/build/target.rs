//! Where a build writes and which chats it includes: the public site, or a local preview that
//! also shows drafts (`watch --drafts`, issue 12).
//!
//! The preview is a separate folder with its own build state, never `site/`: whatever `build`,
//! `deploy` and `serve --deploy` publish comes from `site/`, so a draft cannot reach readers by a
//! preview left behind, and switching between the two never makes either rebuild from scratch.

use std::path::PathBuf;

use crate::content::ChatState;
use crate::project::Project;

/// A build's output folder, its state file, and whether drafts are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildTarget {
    /// The folder the site is written to.
    pub dir: PathBuf,
    /// What the last build into `dir` produced, for the next incremental build.
    pub state: PathBuf,
    /// The chats' indexes (`incremental::chat_index`), beside the state.
    pub index: PathBuf,
    /// Build draft chats too (a preview, never published).
    pub drafts: bool,
}

impl BuildTarget {
    /// `site/`: published chats only.
    pub fn site(project: &Project) -> BuildTarget {
        BuildTarget {
            dir: project.site_dir(),
            state: project.cache_dir().join("build-state.json"),
            index: project.cache_dir().join("build-index"),
            drafts: false,
        }
    }

    /// `.scrollback/preview/`: published chats and drafts, for `watch --drafts`.
    pub fn draft_preview(project: &Project) -> BuildTarget {
        BuildTarget {
            dir: project.cache_dir().join("preview"),
            state: project.cache_dir().join("preview-state.json"),
            index: project.cache_dir().join("preview-index"),
            drafts: true,
        }
    }

    /// Whether a chat in `state` is built.
    pub fn includes(&self, state: ChatState) -> bool {
        state.is_published() || (self.drafts && state == ChatState::Draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_only_in_the_preview_and_the_preview_is_not_the_site() {
        let project = Project::new("/p");
        let site = BuildTarget::site(&project);
        let preview = BuildTarget::draft_preview(&project);
        assert!(!site.includes(ChatState::Draft));
        assert!(site.includes(ChatState::Live) && site.includes(ChatState::Archived));
        assert!(preview.includes(ChatState::Draft) && preview.includes(ChatState::Live));
        assert_ne!(site.dir, preview.dir);
        assert_ne!(site.state, preview.state);
        assert_ne!(site.index, preview.index);
        assert!(!preview.dir.starts_with(&site.dir));
    }
}
