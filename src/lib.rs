//! scrollback turns Slack conversations into a static website: export archives and live Events API
//! events become a content tree of one JSON file per message, and the build renders that tree with a
//! theme into HTML pages plus JSON and JSONP feeds.

pub mod render;
