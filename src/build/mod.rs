//! `scrollback build`: the content tree and a theme in, `site/` out.
//!
//! The build is the only writer of `site/`. It works chat by chat (so memory stays bounded by the
//! largest chat, not the whole archive), renders in parallel, writes a file only when its bytes
//! changed, and removes outputs that are no longer produced. The same inputs always give the same
//! bytes: nothing depends on the clock, the machine or the order of the file system.
//!
//! Where things are, by job:
//! - [`change`]: what callers say changed ([`Change`], [`ChangeSet`]); [`report`]: what a build
//!   did;
//! - [`site_builder`]: one build, step by step ([`SiteBuilder`]);
//! - [`hot_builder`]: the long-lived builder of `watch` and `serve` ([`HotBuilder`]);
//! - [`incremental`]: signatures, dependencies, the saved state, and the pure decisions of what
//!   to read and keep (the contract: `docs/incremental-builds.md`);
//! - [`chat`]: from message files to the view model (what is published, threads, names);
//! - [`theme`]: templates and static files; [`assets`]: the fingerprinted names pages link
//!   style sheets and scripts by; [`outputs`]: pages, feeds, the live feed, and the
//!   one writer of `site/`.

pub mod assets;
pub mod change;
pub mod chat;
pub mod date_filter;
pub mod hot_builder;
pub mod incremental;
pub mod outputs;
pub mod report;
pub mod site_builder;
pub mod target;
pub mod theme;
pub mod translations;

use anyhow::Result;

pub use change::{Change, ChangeSet};
pub use hot_builder::HotBuilder;
pub use incremental::plan::Mode;
pub use report::BuildReport;
pub use site_builder::SiteBuilder;
pub use target::BuildTarget;

use crate::progress::ProgressMode;
use crate::project::Project;

/// A full `scrollback build`: everything is checked; only what changed since the last build is
/// rendered, and only files whose bytes changed are written.
pub fn build(project: &Project, progress: ProgressMode) -> Result<BuildReport> {
    SiteBuilder::new(project, Mode::Cold, progress).build(&[Change::Everything])
}
