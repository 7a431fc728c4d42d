//! Slack's Web API: the client behind `backfill`, `sync` and `files` (issue 13).
//!
//! One bot token (`SLACK_BOT_TOKEN`, from the environment only; see [`token`]) and one base URL
//! (`SLACK_API_URL`, default `https://slack.com/api/`, so tests and proxies can stand in for
//! Slack). Every call goes through [`SlackClient::call`], which paces requests by Slack's rate
//! tiers ([`pacing`]), waits out a 429 as its `Retry-After` says, and turns `ok: false` into an
//! error that says what to do ([`error`]). Cursor pagination is [`SlackClient::paginate`].
//! [`conversations`] finds, reads and creates channels for `channel add`; [`announce`] posts to
//! a chat's channel. [`download`] fetches files (uploads, thumbnails, emoji). [`app_token`] is
//! Socket Mode's app-level token (`SLACK_APP_TOKEN`).
//! [`installations`] are the workspaces installed through "Add to Slack" ([`oauth`], with the
//! [`scopes`] it asks for), each with its own bot token.

pub mod announce;
pub mod app_token;
pub mod client;
pub mod conversations;
pub mod download;
pub mod error;
pub mod installations;
pub mod oauth;
pub mod pacing;
pub mod scopes;
pub mod token;

pub use app_token::AppToken;
pub use client::SlackClient;
pub use error::SlackError;
pub use token::BotToken;
