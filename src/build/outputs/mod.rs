//! What the build writes into `site/`, and the one writer that writes it.
//!
//! - [`pages`]: the index and each chat's paginated pages (tera templates, minified);
//! - [`feeds`]: `feed.json` and `feed.jsonp`, the whole chat (feed version 1, docs/feeds.md);
//! - [`feed_pages`]: the paged feed, `feed-page-N.json` and its head `feed-index.json` (version 2);
//! - [`live_feed`]: `live.json`/`live.jsonp`, the small document live pages poll;
//! - [`feed_files`]: which files are feeds (the one list the cache rules read too);
//! - [`fingerprint`]: the content-hashed names of style sheets and scripts;
//! - [`markdown`]: the Markdown of `channel.toml` fields, to safe HTML;
//! - [`sitemap`], [`robots`], [`atom`]: what makes the site findable (they need a `base_url`),
//!   with [`xml`] for their escaping and dates;
//! - [`search`]: the static search index and its manifest (docs/search.md);
//! - [`structured_data`]: a chat or thread page's JSON-LD (schema.org) and its social card's
//!   image;
//! - [`thread_pages`]: a thread's own page (its parent and replies), `thread-<ts>.html`;
//! - [`urls`]: where outputs live in `site/` and how pages link to each other;
//! - [`site_writer`]: the only code that writes `site/` (only changed bytes; prunes the rest).

pub mod atom;
pub mod feed_files;
pub mod feed_pages;
pub mod feeds;
pub mod fingerprint;
pub mod live_feed;
pub mod markdown;
pub mod pages;
pub mod robots;
pub mod search;
pub mod site_writer;
pub mod sitemap;
pub mod structured_data;
pub mod thread_pages;
pub mod urls;
pub mod xml;
