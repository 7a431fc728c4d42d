//! The integration tests: one test binary (as mdBook and Cargo have it) with one module per
//! feature, driving the real `scrollback` binary, the library, a headless browser and stand-ins
//! for deploy targets. Shared scaffolding is in `support/`, fixtures in `tests/fixtures/`.
//!
//! Run one feature's tests with `cargo test --test testsuite serve::`. Tests run in parallel
//! threads of this one process, so none may change process-wide state (environment, current
//! folder) or pick a port by hand: servers bind port 0 and say which port they got.

mod support;

mod build;
mod crash;
#[cfg(feature = "s3")]
mod deploy_live;
mod deploy_netlify;
#[cfg(feature = "s3")]
mod deploy_s3;
mod discoverability;
mod faults;
mod feed_pages;
mod import;
mod incremental;
mod languages;
mod live_page;
mod project_folder;
mod publishing;
mod render_export;
mod render_peer_cases;
mod search;
mod secrets;
mod serve;
mod serve_abuse;
mod serve_catch_up;
#[cfg(feature = "s3")]
mod serve_deploy;
mod serve_push;
mod slack_api_fake;
mod slack_channels;
mod slack_commands;
mod slack_files;
mod slack_interactions;
mod slack_manifest;
mod slack_oauth;
mod slack_web_api;
mod socket_mode;
mod structured_data;
mod thread_pages;
mod watch;
