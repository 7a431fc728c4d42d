//! `editor_groups = ["S…"]` (issue 14): the members of Slack user groups are editors too.
//!
//! With a bot token (scope `usergroups:read`), `serve` reads each group's members with
//! `usergroups.users.list` at start and every few minutes, in the background, and makes the
//! editors the configured `editors` plus every member found. Nothing waits for it: until the
//! first answer only `editors` may act. A group that cannot be read keeps the members it had
//! last time (a network blip removes nobody), and the log says what to do.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::config::Config;
use crate::events::EditorialPolicy;
use crate::slack::SlackClient;
use crate::slack::client::take_array;

/// How often the groups' members are read again.
pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// Starts the look-ups on the current runtime when `editor_groups` is set; without a token,
/// says why the groups' members cannot act.
pub fn start(client: Option<SlackClient>, config: &Config, policy: EditorialPolicy) {
    let groups = config.editor_groups.clone();
    if groups.is_empty() {
        return;
    }
    let Some(client) = client else {
        tracing::warn!(
            "editor_groups is set but SLACK_BOT_TOKEN is not: the groups' members cannot act \
             from Slack (only `editors` can); set a bot token with the usergroups:read scope"
        );
        return;
    };
    tokio::spawn(run(client, config.editors.clone(), groups, policy, EVERY));
}

/// Reads the groups now and then every `every`, for as long as the runtime runs.
pub async fn run(
    client: SlackClient,
    editors: Vec<String>,
    groups: Vec<String>,
    policy: EditorialPolicy,
    every: Duration,
) {
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    loop {
        for group in &groups {
            let params = [("usergroup", group.clone())];
            match client.call("usergroups.users.list", &params).await {
                Ok(mut answer) => {
                    let found: BTreeSet<String> = take_array(&mut answer, "users")
                        .into_iter()
                        .filter_map(|u| u.as_str().map(str::to_owned))
                        .collect();
                    if members.get(group) != Some(&found) {
                        tracing::info!(
                            "editor group {group}: {}",
                            crate::human::count(found.len(), "member", "members")
                        );
                    }
                    members.insert(group.clone(), found);
                }
                Err(e) => tracing::warn!(
                    "cannot read the members of editor group {group}: {e} (editor_groups needs \
                     the usergroups:read scope; the members known so far stay editors)"
                ),
            }
        }
        let all = editors
            .iter()
            .cloned()
            .chain(members.values().flatten().cloned())
            .collect();
        policy.set_editors(all);
        tokio::time::sleep(every).await;
    }
}
