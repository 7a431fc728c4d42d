//! From a chat's message files to what templates and feeds see: [`messages`] reads, decides
//! what is published and threads; [`paging`] cuts the chat into pages; [`view`] is the documented
//! view model; [`names`] resolves users, chats and emoji while rendering.

pub mod messages;
pub mod names;
pub mod paging;
pub mod view;
