//! The content tree: `content/`, one JSON file per message, a public interface that people edit
//! and keep in git. This module knows nothing of HTML or themes.

pub mod channel;
pub mod layout;
pub mod message;
pub mod slug;
pub mod store;
pub mod tokens;
pub mod transaction;
pub mod ts;
pub mod user;

pub use channel::{ChannelSettings, ChatState, ConversationKind, SlackChannelInfo};
pub use layout::{ContentLayout, ContentPath};
pub use message::MessageRecord;
pub use slug::Slug;
pub use store::{Batch, ChannelDescription, ChannelEntry, ContentStore};
pub use transaction::{CommitSummary, WriteOutcome};
pub use ts::Ts;
pub use user::UserId;
