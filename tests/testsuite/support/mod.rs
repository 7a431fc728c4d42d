//! What the integration tests share, one module per job: a scratch project and the CLI runner,
//! Slack exports to import, parsed pages, waiting for a condition, an HTTP client, child
//! processes, `serve` under test with Slack's side (Events API signing, a fake of the Web API
//! and file hosts, a fake Socket Mode server), a headless browser, and the stand-ins for deploy targets (moto for S3, a fake of Netlify's API) with their output parsers.

pub mod browser;
pub mod exports;
pub mod faults;
pub mod http;
#[cfg(feature = "s3")]
pub mod moto;
pub mod netlify;
pub mod page;
pub mod process;
pub mod project;
pub mod server;
pub mod slack;
pub mod slack_api;
pub mod slack_socket;
pub mod summary;
pub mod wait;
