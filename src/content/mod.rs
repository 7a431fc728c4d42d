//! The content tree: `content/`, one JSON file per message, a public interface that people edit
//! and keep in git. This module knows nothing of HTML or themes.
//!
//! - [`layout`]: where every file of the tree is, built from validated ids and parsed back;
//! - [`message`], [`user`], [`avatar`], [`channel`], [`slug`], [`ts`], [`tokens`]: what the files
//!   hold, and the rules for ids, names, kept avatars and secrets;
//! - [`store`]: the one write path (import, events and backfill all write through it), with the
//!   write rules for chats, messages and users, over [`transaction`], which stages bytes and
//!   commits them atomically;
//! - [`uploads`]: the names in a re-hosted upload's folder (`files/<FILE_ID>/`).

pub mod avatar;
pub mod channel;
pub mod editorial;
pub mod layout;
pub mod message;
pub mod slug;
pub mod store;
pub mod tokens;
pub mod transaction;
pub mod ts;
pub mod uploads;
pub mod user;

pub use channel::{ChannelSettings, ChatState, ConversationKind, SlackChannelInfo};
pub use editorial::{Act, EditorialEntry};
pub use layout::{ContentLayout, ContentPath};
pub use message::MessageRecord;
pub use slug::Slug;
pub use store::{Batch, ChannelDescription, ChannelEntry, ContentStore};
pub use transaction::{CommitSummary, WriteCounts, WriteOutcome};
pub use ts::Ts;
pub use user::UserId;
