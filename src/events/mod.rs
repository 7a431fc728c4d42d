//! Slack Events API events into the content tree.
//!
//! [`parse()`] checks an `event_callback` envelope and says what it is (before `serve` acknowledges
//! it, so a malformed event gets a 400 instead of being acknowledged and lost); [`apply()`] writes a
//! parsed event through the content store's one write path and says which build inputs changed.
//! Editors' acts ([`editorial`]) travel the same way. Neither knows anything of HTTP, the
//! journal or the site: `serve` wires them together.
//!
//! Every event is applied idempotently, and none regresses what a later event did, because Slack
//! retries, replays after a restart repeat, and events arrive out of order: an edit before its
//! message (the store's merge orders versions by `edited.ts`), a deletion before its message (a
//! deleted stub, so the late original never appears), a reaction before its message (parked until
//! the message arrives; see [`Parked`]).

mod apply;
pub mod editorial;
pub mod parked;
mod parse;

pub use apply::{Applied, apply};
pub use editorial::{EditorialPolicy, act_envelope, parse_recorded};
pub use parked::Parked;
pub use parse::{Callback, Event, Malformed, describe, envelope_type, parse};

#[cfg(test)]
mod tests;
