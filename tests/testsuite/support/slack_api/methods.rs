//! The Web API methods the fake answers, as plain functions of the workspace and the request's
//! parameters: what each returns, its errors, and cursor pagination (opaque base64 cursors of
//! the form Slack uses, `next_ts:<ts>`, `user:<id>`, `team:<id>`).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use super::workspace::{Channel, Ts, Workspace};

/// An `ok:false` answer: the error and any extra fields (`needed`, `provided`).
#[derive(Debug)]
pub struct ApiError {
    pub error: String,
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(error: &str) -> ApiError {
        ApiError {
            error: error.into(),
            extra: Map::new(),
        }
    }
}

type Answer = Result<Value, ApiError>;
type Params = Map<String, Value>;

/// Every method the fake knows and the scope Slack would name for it in `missing_scope`.
pub const METHODS: [(&str, &str); 17] = [
    ("auth.test", ""),
    ("conversations.list", "channels:read"),
    ("conversations.info", "channels:read"),
    ("conversations.history", "channels:history"),
    ("conversations.replies", "channels:history"),
    ("conversations.create", "channels:manage"),
    ("conversations.invite", "channels:manage"),
    ("conversations.join", "channels:join"),
    ("users.list", "users:read"),
    ("users.info", "users:read"),
    ("bots.info", "users:read"),
    ("emoji.list", "emoji:read"),
    ("chat.postMessage", "chat:write"),
    ("chat.postEphemeral", "chat:write"),
    ("usergroups.users.list", "usergroups:read"),
    ("views.open", ""),
    ("files", "files:read"),
];

/// The scopes the fake's token has (the `x-oauth-scopes` header, `provided` in errors).
pub const SCOPES: &str = "channels:read,channels:history,channels:manage,channels:join,\
groups:read,groups:history,im:history,mpim:history,users:read,emoji:read,chat:write,files:read,\
usergroups:read";

/// The workspace with what the methods need around it.
#[derive(Debug)]
pub struct Api {
    pub ws: Workspace,
    /// The most items one page returns, whatever `limit` asks.
    pub page_limit: usize,
    /// Last minted ts, so new messages get unique, increasing ones.
    pub last_ts: Ts,
    /// Parameters of the chat.postMessage calls that posted.
    pub posted: Vec<Value>,
    /// Parameters of the chat.postEphemeral calls that posted.
    pub ephemeral: Vec<Value>,
    /// User group id → member ids (usergroups.users.list).
    pub usergroups: std::collections::BTreeMap<String, Vec<String>>,
    /// The views views.open opened (the `view` parameter, parsed), with their `trigger_id`.
    pub views: Vec<Value>,
    created: usize,
}

impl Api {
    pub fn new(ws: Workspace) -> Api {
        Api {
            ws,
            page_limit: 1000,
            last_ts: Ts::default(),
            posted: Vec::new(),
            ephemeral: Vec::new(),
            usergroups: Default::default(),
            views: Vec::new(),
            created: 0,
        }
    }

    /// The answer to `method`, or None when the fake does not know it.
    pub fn call(&mut self, method: &str, p: &Params) -> Option<Answer> {
        Some(match method {
            "auth.test" => Ok(self.auth_test()),
            "conversations.list" => self.conversations_list(p),
            "conversations.info" => self.info(p),
            "conversations.history" => self.history(p),
            "conversations.replies" => self.replies(p),
            "conversations.create" => self.create(p),
            "conversations.invite" => self.invite(p),
            "conversations.join" => self.join(p),
            "users.list" => self.users_list(p),
            "users.info" => self.users_info(p),
            "bots.info" => self.bots_info(p),
            "emoji.list" => Ok(json!({"emoji": self.ws.emoji, "cache_ts": now().as_string()})),
            "chat.postMessage" => self.post_message(p),
            "chat.postEphemeral" => self.post_ephemeral(p),
            "usergroups.users.list" => self.usergroup_users(p),
            "views.open" => self.open_view(p),
            _ => return None,
        })
    }

    /// A new ts, later than every one minted before.
    pub fn mint_ts(&mut self) -> Ts {
        let t = now().max(self.last_ts.next());
        self.last_ts = t;
        t
    }

    /// Sets a message's text (and blocks) as an edit in Slack's client would, with "edited".
    pub fn edit_message(&mut self, channel: &str, ts: &str, text: &str) {
        let at = self.mint_ts().as_string();
        let key = Ts::parse(ts).expect("a valid ts");
        let m = self
            .ws
            .messages
            .get_mut(channel)
            .and_then(|ms| ms.get_mut(&key))
            .unwrap_or_else(|| panic!("no message {ts} in {channel}"));
        m["text"] = json!(text);
        m["edited"] = json!({"user": m["user"].as_str().unwrap_or("U0"), "ts": at});
        if m.get("blocks").is_some() {
            m["blocks"] = json!([{"type": "rich_text", "block_id": "edit",
                "elements": [{"type": "rich_text_section",
                              "elements": [{"type": "text", "text": text}]}]}]);
        }
    }

    /// views.open: a modal for a `trigger_id` (any non-empty one: the fake cannot tell an
    /// expired one), with the `view` JSON Slack requires (`type`, `title`, `blocks`).
    fn open_view(&mut self, p: &Params) -> Answer {
        let trigger = required(p, "trigger_id")?;
        let view = match p.get("view") {
            Some(Value::String(text)) => serde_json::from_str(text).ok(),
            Some(v @ Value::Object(_)) => Some(v.clone()),
            _ => None,
        };
        let Some(mut view) = view.filter(|v: &Value| {
            v["type"] == "modal" && v["title"].is_object() && v["blocks"].is_array()
        }) else {
            return Err(ApiError::new("invalid_arguments"));
        };
        self.views
            .push(json!({"trigger_id": trigger, "view": view.clone()}));
        view["id"] = json!(format!("VFAKE{:04}", self.views.len()));
        Ok(json!({"view": view}))
    }

    fn auth_test(&self) -> Value {
        json!({"url": "https://fake.slack.com/", "team": self.ws.team_name,
            "user": "scrollback", "team_id": self.ws.team_id, "user_id": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id, "is_enterprise_install": false})
    }

    fn channel(&self, id: &str) -> Result<&Channel, ApiError> {
        self.ws
            .channel(id)
            .ok_or_else(|| ApiError::new("channel_not_found"))
    }

    /// A conversation the bot may see: public ones, and others it is a member of.
    fn visible(&self, id: &str) -> Result<&Channel, ApiError> {
        let c = self.channel(id)?;
        if c.is_private && !c.members.contains(&self.ws.bot_user_id) {
            return Err(ApiError::new("channel_not_found"));
        }
        Ok(c)
    }

    /// A conversation the bot may read: a bot token reads only where it is a member.
    fn readable(&self, id: &str) -> Result<&Channel, ApiError> {
        let c = self.visible(id)?;
        if !c.members.contains(&self.ws.bot_user_id) {
            return Err(ApiError::new("not_in_channel"));
        }
        Ok(c)
    }

    fn info(&self, p: &Params) -> Answer {
        let c = self.visible(&required(p, "channel")?)?;
        Ok(json!({"channel": conversation(c, &self.ws.bot_user_id)}))
    }

    fn conversations_list(&self, p: &Params) -> Answer {
        let types = text(p, "types").unwrap_or_else(|| "public_channel".into());
        let mut wanted = Vec::new();
        for t in types.split(',').map(str::trim) {
            match t {
                "public_channel" | "private_channel" | "im" | "mpim" => wanted.push(t),
                _ => return Err(ApiError::new("invalid_types")),
            }
        }
        let exclude_archived = flag(p, "exclude_archived");
        let mut channels: Vec<&Channel> = self
            .ws
            .channels
            .iter()
            .filter(|c| wanted.contains(&kind(c)) && self.visible(&c.id).is_ok())
            .filter(|c| !(exclude_archived && c.is_archived))
            .collect();
        channels.sort_by(|a, b| a.id.cmp(&b.id));
        let start = match cursor(p, "team")? {
            Some(id) => channels.partition_point(|c| c.id < id),
            None => 0,
        };
        let limit = self.limit(p, 100)?;
        let page: Vec<Value> = channels[start..]
            .iter()
            .take(limit)
            .map(|c| conversation(c, &self.ws.bot_user_id))
            .collect();
        let next = channels.get(start + limit).map(|c| c.id.clone());
        Ok(json!({"channels": page, "response_metadata": next_cursor("team", next)}))
    }

    /// Newest first: top-level messages, thread parents (with their reply fields) and
    /// broadcast replies, between `oldest` and `latest`.
    fn history(&self, p: &Params) -> Answer {
        let channel = required(p, "channel")?;
        self.readable(&channel)?;
        let inclusive = flag(p, "inclusive");
        let oldest = bound(p, "oldest", "invalid_ts_oldest")?;
        let latest = bound(p, "latest", "invalid_ts_latest")?;
        let limit = self.limit(p, 100)?;
        let from = cursor(p, "next_ts")?
            .map(|t| Ts::parse(&t).ok_or_else(|| ApiError::new("invalid_cursor")))
            .transpose()?;
        let empty = Default::default();
        let messages = self.ws.messages.get(&channel).unwrap_or(&empty);
        let mut page = Vec::new();
        let mut next = None;
        // Walk back from the cursor, so a page costs about what it returns.
        let start = from.unwrap_or(Ts(u64::MAX, u32::MAX));
        let candidates = messages
            .range(..=start)
            .rev()
            .take_while(|(ts, _)| oldest.is_none_or(|o| **ts > o || (inclusive && **ts == o)))
            .filter(|(ts, m)| {
                let before_latest = latest.is_none_or(|l| **ts < l || (inclusive && **ts == l));
                before_latest && is_top_level(ts, m)
            });
        for (ts, m) in candidates {
            if page.len() == limit {
                next = Some(ts.as_string());
                break;
            }
            page.push(self.shown(&channel, *ts, m));
        }
        Ok(
            json!({"messages": page, "has_more": next.is_some(), "pin_count": 0,
            "channel_actions_ts": null, "channel_actions_count": 0,
            "response_metadata": next_cursor("next_ts", next)}),
        )
    }

    /// The thread of `ts`: its parent first on every page, then replies oldest first. (Slack
    /// repeats the parent on later pages; a client must not count it twice.)
    fn replies(&self, p: &Params) -> Answer {
        let channel = required(p, "channel")?;
        self.readable(&channel)?;
        let asked = Ts::parse(&required(p, "ts")?).ok_or_else(|| ApiError::new("invalid_ts"))?;
        let empty = Default::default();
        let messages = self.ws.messages.get(&channel).unwrap_or(&empty);
        let message = messages
            .get(&asked)
            .ok_or_else(|| ApiError::new("thread_not_found"))?;
        // A reply's ts names its thread.
        let parent = message["thread_ts"]
            .as_str()
            .and_then(Ts::parse)
            .filter(|t| messages.contains_key(t))
            .unwrap_or(asked);
        let inclusive = flag(p, "inclusive");
        let oldest = bound(p, "oldest", "invalid_ts_oldest")?;
        let latest = bound(p, "latest", "invalid_ts_latest")?;
        let from = cursor(p, "next_ts")?
            .map(|t| Ts::parse(&t).ok_or_else(|| ApiError::new("invalid_cursor")))
            .transpose()?;
        let replies: Vec<Ts> = self
            .ws
            .threads
            .get(&channel)
            .and_then(|t| t.get(&parent))
            .into_iter()
            .flatten()
            .copied()
            .filter(|ts| {
                let after_oldest = oldest.is_none_or(|o| *ts > o || (inclusive && *ts == o));
                let before_latest = latest.is_none_or(|l| *ts < l || (inclusive && *ts == l));
                after_oldest && before_latest && from.is_none_or(|f| *ts >= f)
            })
            .collect();
        // The parent takes one place of the page, but a page always moves on by one reply.
        let room = self.limit(p, 100)?.saturating_sub(1).max(1);
        let mut page = vec![self.shown(&channel, parent, &messages[&parent])];
        page.extend(
            replies
                .iter()
                .take(room)
                .map(|ts| self.shown(&channel, *ts, &messages[ts])),
        );
        let next = replies.get(room).map(|ts| ts.as_string());
        Ok(json!({"messages": page, "has_more": next.is_some(),
            "response_metadata": next_cursor("next_ts", next)}))
    }

    fn create(&mut self, p: &Params) -> Answer {
        let name = text(p, "name").unwrap_or_default();
        if name.is_empty() {
            return Err(ApiError::new("invalid_name_required"));
        }
        if name.chars().count() > 80 {
            return Err(ApiError::new("invalid_name_maxlength"));
        }
        let allowed = |c: char| c.is_lowercase() || c.is_numeric() || c == '-' || c == '_';
        if !name.chars().all(allowed) {
            return Err(ApiError::new("invalid_name_specials"));
        }
        if self.ws.channels.iter().any(|c| c.name == name) {
            return Err(ApiError::new("name_taken"));
        }
        self.created += 1;
        let id = format!("C0NEW{:04}", self.created);
        let channel = Channel {
            id: id.clone(),
            name,
            is_private: flag(p, "is_private"),
            created: now().0 as i64,
            creator: self.ws.bot_user_id.clone(),
            members: vec![self.ws.bot_user_id.clone()],
            ..Channel::default()
        };
        self.ws.add_conversation(channel);
        Ok(json!({"channel": conversation(self.channel(&id)?, &self.ws.bot_user_id)}))
    }

    fn invite(&mut self, p: &Params) -> Answer {
        let id = required(p, "channel")?;
        let users = text(p, "users").unwrap_or_default();
        let users: Vec<&str> = users
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .collect();
        if users.is_empty() {
            return Err(ApiError::new("no_user"));
        }
        let channel = self.readable(&id)?;
        if channel.is_archived {
            return Err(ApiError::new("is_archived"));
        }
        let mut new = Vec::new();
        for user in users {
            if user == self.ws.bot_user_id {
                return Err(ApiError::new("cant_invite_self"));
            }
            if !self.ws.users.iter().any(|u| u["id"] == user) {
                return Err(ApiError::new("user_not_found"));
            }
            if !channel.members.iter().any(|m| m == user) && !new.contains(&user) {
                new.push(user);
            }
        }
        if new.is_empty() {
            return Err(ApiError::new("already_in_channel"));
        }
        let new: Vec<String> = new.into_iter().map(str::to_owned).collect();
        for user in new {
            self.joined(&id, &user);
        }
        Ok(json!({"channel": conversation(self.channel(&id)?, &self.ws.bot_user_id)}))
    }

    fn join(&mut self, p: &Params) -> Answer {
        let id = required(p, "channel")?;
        let channel = self.visible(&id)?;
        if channel.is_private || channel.is_im || channel.is_mpim {
            return Err(ApiError::new("method_not_supported_for_channel_type"));
        }
        if channel.is_archived {
            return Err(ApiError::new("is_archived"));
        }
        let already = channel.members.contains(&self.ws.bot_user_id);
        if !already {
            let bot = self.ws.bot_user_id.clone();
            self.joined(&id, &bot);
        }
        let mut answer = json!({"channel": conversation(self.channel(&id)?, &self.ws.bot_user_id)});
        if already {
            answer["warning"] = json!("already_in_channel");
        }
        Ok(answer)
    }

    /// A member joins: Slack posts "<@U…> has joined the channel" into the history.
    fn joined(&mut self, channel: &str, user: &str) {
        let ts = self.mint_ts().as_string();
        if let Some(c) = self.ws.channels.iter_mut().find(|c| c.id == channel) {
            c.members.push(user.to_owned());
        }
        let message = json!({"type": "message", "subtype": "channel_join", "ts": ts,
            "user": user, "text": format!("<@{user}> has joined the channel")});
        self.ws.add_message(channel, message);
    }

    fn users_list(&self, p: &Params) -> Answer {
        let mut users: Vec<&Value> = self.ws.users.iter().collect();
        users.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        let start = match cursor(p, "user")? {
            Some(id) => {
                users.partition_point(|u| u["id"].as_str().unwrap_or_default() < id.as_str())
            }
            None => 0,
        };
        // No limit asks for everything (up to the page limit).
        let limit = self.limit(p, usize::MAX)?;
        let page: Vec<&Value> = users[start..].iter().take(limit).copied().collect();
        let next = users
            .get(start + limit)
            .and_then(|u| u["id"].as_str().map(str::to_owned));
        Ok(json!({"members": page, "cache_ts": now().0,
            "response_metadata": next_cursor("user", next)}))
    }

    fn users_info(&self, p: &Params) -> Answer {
        let id = text(p, "user").unwrap_or_default();
        self.ws
            .users
            .iter()
            .find(|u| u["id"] == id.as_str())
            .map(|u| json!({"user": u}))
            .ok_or_else(|| ApiError::new("user_not_found"))
    }

    fn bots_info(&self, p: &Params) -> Answer {
        let id = text(p, "bot").unwrap_or_default();
        self.ws
            .bots
            .iter()
            .find(|b| b["id"] == id.as_str())
            .map(|b| json!({"bot": b}))
            .ok_or_else(|| ApiError::new("bot_not_found"))
    }

    /// Posts as the app's bot, which must be a member (the app has chat:write, not
    /// chat:write.public). `channel` may be an id or a name.
    fn usergroup_users(&self, p: &Params) -> Answer {
        let id = required(p, "usergroup")?;
        match self.usergroups.get(&id) {
            Some(users) => Ok(json!({"users": users})),
            None => Err(ApiError::new("no_such_subteam")),
        }
    }

    /// A message only `user` sees: in a channel the app and the user are members of; it
    /// never enters the history.
    fn post_ephemeral(&mut self, p: &Params) -> Answer {
        let id = required(p, "channel")?;
        let user = required(p, "user")?;
        let channel = self.channel(&id)?;
        if !channel.members.contains(&self.ws.bot_user_id) {
            return Err(ApiError::new("not_in_channel"));
        }
        if !channel.members.contains(&user) {
            return Err(ApiError::new("user_not_in_channel"));
        }
        if text(p, "text").unwrap_or_default().is_empty() && p.get("blocks").is_none() {
            return Err(ApiError::new("no_text"));
        }
        let ts = self.mint_ts().as_string();
        self.ephemeral.push(Value::Object(p.clone()));
        Ok(json!({"message_ts": ts}))
    }

    fn post_message(&mut self, p: &Params) -> Answer {
        let asked = required(p, "channel")?;
        let name = asked.trim_start_matches('#');
        let channel = self
            .ws
            .channels
            .iter()
            .find(|c| c.id == asked || (!c.is_im && c.name == name))
            .ok_or_else(|| ApiError::new("channel_not_found"))?;
        if !channel.members.contains(&self.ws.bot_user_id) {
            return Err(ApiError::new("not_in_channel"));
        }
        if channel.is_archived {
            return Err(ApiError::new("is_archived"));
        }
        let id = channel.id.clone();
        let body = text(p, "text").unwrap_or_default();
        if body.is_empty() && p.get("blocks").is_none() && p.get("attachments").is_none() {
            return Err(ApiError::new("no_text"));
        }
        let ts = self.mint_ts().as_string();
        let mut message = json!({"type": "message", "subtype": "bot_message", "text": body,
            "user": self.ws.bot_user_id, "bot_id": self.ws.bot_id, "ts": ts,
            "team": self.ws.team_id});
        if let Some(thread) = text(p, "thread_ts") {
            message["thread_ts"] = json!(thread);
        }
        for key in ["blocks", "attachments"] {
            if let Some(v) = p.get(key) {
                // Form bodies carry them as JSON text.
                let v = v
                    .as_str()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or_else(|| v.clone());
                message[key] = v;
            }
        }
        self.ws.add_message(&id, message.clone());
        self.posted.push(Value::Object(p.clone()));
        Ok(json!({"channel": id, "ts": ts, "message": message}))
    }

    /// A message as the API shows it: thread fields computed from the replies it has, the
    /// export-era "replies" list gone, deleted files as tombstones.
    fn shown(&self, channel: &str, ts: Ts, m: &Value) -> Value {
        let mut m = m.clone();
        let Some(obj) = m.as_object_mut() else {
            return m;
        };
        obj.remove("replies");
        let replies = self.ws.threads.get(channel).and_then(|t| t.get(&ts));
        if let Some(replies) = replies.filter(|r| !r.is_empty()) {
            let thread = &self.ws.messages[channel];
            let mut users: Vec<&str> = Vec::new();
            for r in replies {
                let user = thread.get(r).and_then(|m| m["user"].as_str());
                if let Some(user) = user.filter(|u| !users.contains(u)) {
                    users.push(user);
                }
            }
            obj.insert("thread_ts".into(), json!(ts.as_string()));
            obj.insert("reply_count".into(), json!(replies.len()));
            obj.insert("reply_users_count".into(), json!(users.len()));
            obj.insert(
                "reply_users".into(),
                json!(users.iter().take(5).collect::<Vec<_>>()),
            );
            let latest = replies.iter().next_back().map(|t| t.as_string());
            obj.insert("latest_reply".into(), json!(latest));
        }
        if let Some(Value::Array(files)) = obj.get_mut("files") {
            for f in files {
                let deleted = f["id"]
                    .as_str()
                    .and_then(|id| self.ws.files.get(id))
                    .is_some_and(|file| file.deleted);
                if deleted {
                    *f = json!({"id": f["id"], "mode": "tombstone"});
                }
            }
        }
        m
    }

    /// `limit` as asked (0 or absent: `default`), never above the page limit.
    fn limit(&self, p: &Params, default: usize) -> Result<usize, ApiError> {
        let asked = match text(p, "limit") {
            None => default,
            Some(s) => match s.parse::<usize>() {
                Ok(0) => default,
                Ok(n) => n,
                Err(_) => return Err(ApiError::new("invalid_limit")),
            },
        };
        Ok(asked.min(self.page_limit).max(1))
    }
}

/// The conversation object of conversations.list/info/create.
fn conversation(c: &Channel, bot: &str) -> Value {
    let topic = json!({"value": c.topic, "creator": c.creator, "last_set": c.created});
    let purpose = json!({"value": c.purpose, "creator": c.creator, "last_set": c.created});
    if c.is_im {
        let user = c
            .members
            .iter()
            .find(|m| *m != bot)
            .cloned()
            .unwrap_or_default();
        return json!({"id": c.id, "created": c.created, "is_im": true, "is_org_shared": false,
            "user": user, "is_user_deleted": false, "priority": 0});
    }
    json!({"id": c.id, "name": c.name, "name_normalized": c.name,
        "is_channel": !c.is_mpim, "is_group": false, "is_im": false, "is_mpim": c.is_mpim,
        "is_private": c.is_private, "created": c.created, "creator": c.creator,
        "is_archived": c.is_archived, "is_general": c.is_general, "is_shared": false,
        "is_org_shared": false, "is_member": c.members.iter().any(|m| m == bot),
        "topic": topic, "purpose": purpose, "num_members": c.members.len()})
}

fn kind(c: &Channel) -> &'static str {
    match (c.is_im, c.is_mpim, c.is_private) {
        (true, _, _) => "im",
        (_, true, _) => "mpim",
        (_, _, true) => "private_channel",
        _ => "public_channel",
    }
}

/// In conversations.history: not a reply hidden in its thread.
fn is_top_level(ts: &Ts, m: &Value) -> bool {
    let thread = m["thread_ts"].as_str().and_then(Ts::parse);
    thread.is_none_or(|t| t == *ts) || m["subtype"] == "thread_broadcast"
}

/// A parameter as text (form values are strings; JSON bodies may carry numbers or booleans).
pub fn text(p: &Params, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn required(p: &Params, key: &str) -> Result<String, ApiError> {
    text(p, key)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| match key {
            "channel" => ApiError::new("channel_not_found"),
            _ => {
                let mut e = ApiError::new("invalid_arguments");
                let message = format!("[ERROR] missing required field: {key}");
                e.extra
                    .insert("response_metadata".into(), json!({"messages": [message]}));
                e
            }
        })
}

fn flag(p: &Params, key: &str) -> bool {
    matches!(text(p, key).as_deref(), Some("true" | "1"))
}

fn bound(p: &Params, key: &str, error: &str) -> Result<Option<Ts>, ApiError> {
    match text(p, key).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Ts::parse(&s).map(Some).ok_or_else(|| ApiError::new(error)),
    }
}

/// The key a `cursor` parameter carries, if any: base64 of `<kind>:<key>`.
fn cursor(p: &Params, kind: &str) -> Result<Option<String>, ApiError> {
    let Some(raw) = text(p, "cursor").filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    BASE64
        .decode(raw.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(&format!("{kind}:")).map(str::to_owned))
        .filter(|key| !key.is_empty())
        .map(Some)
        .ok_or_else(|| ApiError::new("invalid_cursor"))
}

/// `response_metadata`: the next page's cursor, "" after the last page.
fn next_cursor(kind: &str, next: Option<String>) -> Value {
    let cursor = next.map_or(String::new(), |key| BASE64.encode(format!("{kind}:{key}")));
    json!({"next_cursor": cursor})
}

fn now() -> Ts {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    Ts(d.as_secs(), d.subsec_micros())
}
