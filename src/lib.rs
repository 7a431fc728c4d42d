//! scrollback turns Slack conversations into a static website: export archives and live Events API
//! events become a content tree of one JSON file per message, and the build renders that tree with a
//! theme into HTML pages plus JSON and JSONP feeds.

pub mod build;
pub mod cli;
pub mod config;
pub mod content;
pub mod deploy;
pub mod events;
pub mod fsio;
pub mod human;
pub mod import;
pub mod progress;
pub mod project;
pub mod render;
pub mod serve;
pub mod site_files;
pub mod watch;
