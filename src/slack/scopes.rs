//! The bot token scopes scrollback asks for, and why: one table, shown on `serve`'s "Add to
//! Slack" page and sent in its authorize link (issue 14, requirement 6). The README's scope table
//! lists the same scopes (a test below keeps the two in step).

/// One bot scope and what scrollback does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub name: &'static str,
    /// For the install page: what the scope is needed for.
    pub why: &'static str,
}

/// Every bot scope scrollback uses, in the README's order.
pub const BOT_SCOPES: &[Scope] = &[
    Scope {
        name: "channels:read",
        why: "find a public channel by name and read its name and topic",
    },
    Scope {
        name: "groups:read",
        why: "the same for private channels the app is invited to",
    },
    Scope {
        name: "channels:history",
        why: "receive and read back the messages of the public channels published as chats",
    },
    Scope {
        name: "groups:history",
        why: "the same for private channels, once an editor publishes one",
    },
    Scope {
        name: "im:history",
        why: "backfill a chat made from a direct message (only when an editor asks)",
    },
    Scope {
        name: "mpim:history",
        why: "backfill a chat made from a group DM (only when an editor asks)",
    },
    Scope {
        name: "reactions:read",
        why: "show reactions on live chats, and editors' reactions as editorial marks",
    },
    Scope {
        name: "users:read",
        why: "show people's and bots' names and avatars instead of ids",
    },
    Scope {
        name: "emoji:read",
        why: "show the workspace's custom emoji",
    },
    Scope {
        name: "files:read",
        why: "keep copies of uploads, so pages never link Slack's private URLs",
    },
    Scope {
        name: "chat:write",
        why: "tell a channel its chat went live or was archived, and answer mentions",
    },
    Scope {
        name: "commands",
        why: "the /scrollback command and the message shortcuts",
    },
    Scope {
        name: "app_mentions:read",
        why: "answer @scrollback status",
    },
    Scope {
        name: "usergroups:read",
        why: "let the members of the editors' user groups act",
    },
    Scope {
        name: "channels:manage",
        why: "create a public channel for a new chat and invite people to it",
    },
    Scope {
        name: "groups:write",
        why: "the same for a private channel",
    },
];

/// The scopes as Slack's authorize URL takes them: comma-separated.
pub fn bot_scope_param() -> String {
    BOT_SCOPES
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The backticked scopes of the README's "Slack app: scopes" table, in order.
    fn readme_scopes() -> Vec<String> {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("### Slack app: scopes")
            .nth(1)
            .expect("the README's scope section");
        table
            .lines()
            .skip_while(|l| !l.starts_with("| scope"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .flat_map(|row| {
                let first = row.split('|').nth(1).unwrap_or_default().to_owned();
                first
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_the_scopes_the_install_asks_for() {
        let ours: Vec<String> = BOT_SCOPES.iter().map(|s| s.name.to_owned()).collect();
        assert_eq!(readme_scopes(), ours);
    }

    #[test]
    fn the_scope_parameter_is_comma_separated() {
        let param = bot_scope_param();
        assert!(param.starts_with("channels:read,groups:read,"), "{param}");
        assert_eq!(param.split(',').count(), BOT_SCOPES.len());
    }
}
