//! The incremental machinery: how the build knows what it may skip. See
//! `docs/incremental-builds.md` for the whole contract in one page.
//!
//! - [`signature`]: 64-bit hashes of everything an output is made from;
//! - [`deps`]: what each message and template looked up, so a change re-renders its users;
//! - [`state`]: what the last build saw and wrote, kept in `.scrollback/build-state.json`;
//! - [`chat_index`]: each chat's messages without their views, so a cold build reads only what
//!   it renders again;
//! - [`plan`]: the decisions (which files to read, which outputs to keep), as pure functions.

pub mod chat_index;
pub mod deps;
pub mod plan;
pub mod signature;
pub mod state;
