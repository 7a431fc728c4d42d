//! scrollback turns Slack conversations into a static website: export archives and live Events API
//! events become a content tree of one JSON file per message, and the build renders that tree with a
//! theme into HTML pages plus JSON and JSONP feeds.
//!
//! This is the library; the command line lives in the binary (`src/main.rs`, `src/cli/`), so no
//! module here prints to the terminal or knows about arguments: long-running loops (`watch`,
//! `serve`) report through callbacks the command line prints.

// Keeps it so: printing is the command line's job (the progress bar's fallback is the exception).
#![warn(clippy::print_stdout, clippy::print_stderr)]
// `pub` only where the library's users can reach it; the rest says pub(crate).
#![warn(unreachable_pub)]

pub mod build;
pub mod config;
pub mod content;
pub mod deploy;
pub mod events;
pub mod file_stamp;
pub mod fsio;
pub mod http_client;
pub mod http_server;
pub mod human;
pub mod import;
pub mod lifecycle;
pub mod locale;
pub mod progress;
pub mod project;
pub mod render;
pub mod serve;
pub mod site_files;
pub mod slack;
pub mod watch;
