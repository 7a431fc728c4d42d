//! What went wrong with a Web API call, said so a user can act on it (issue 13, item 7): each of
//! Slack's common error codes comes with what to do. The token never appears in one.

/// A failed Web API call.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `ok: false`.
    #[error("Slack's {method} answered `{code}`: {}", advice(code, needed.as_deref()))]
    Api {
        method: String,
        code: String,
        /// For `missing_scope`: the scope the method needs.
        needed: Option<String>,
    },
    /// Still rate limited after every attempt.
    #[error(
        "Slack keeps rate limiting {method} (HTTP 429, {attempts} attempts): run the command again later; it goes on from where it stopped"
    )]
    RateLimited { method: String, attempts: u32 },
    /// An answer that is not Slack's JSON: a web page (a proxy's, or a login page) or an error
    /// status.
    #[error(
        "{method}: {url} answered HTTP {status} with {what}, not Slack's JSON: check SLACK_API_URL (default https://slack.com/api/)"
    )]
    NotSlack {
        method: String,
        url: String,
        status: u16,
        what: String,
    },
    /// No answer at all.
    #[error(
        "cannot reach Slack at {url} for {method}: {source}; check the network and SLACK_API_URL"
    )]
    Network {
        method: String,
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

impl SlackError {
    /// Slack's error code, for callers that handle some (`already_in_channel`, `name_taken`).
    pub fn code(&self) -> Option<&str> {
        match self {
            SlackError::Api { code, .. } => Some(code),
            SlackError::RateLimited { .. } => Some("ratelimited"),
            _ => None,
        }
    }
}

/// What to do about an error code.
fn advice(code: &str, needed: Option<&str>) -> String {
    match code {
        "not_in_channel" => {
            "the app is not a member of the channel: type `/invite @your-app` in it, then run again"
                .to_owned()
        }
        "missing_scope" => match needed {
            Some(scope) => format!(
                "the token lacks the `{scope}` scope: add it on the app's OAuth & Permissions page, reinstall the app to the workspace, and use the new bot token"
            ),
            None => "the token lacks a scope this needs: see the README's list of scopes".to_owned(),
        },
        "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive"
        | "no_permission" => "Slack refused the token: set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…) from its OAuth & Permissions page".to_owned(),
        "channel_not_found" => "no such conversation for this token: check the id or name; a private channel needs the app invited (`/invite @your-app`)".to_owned(),
        "ratelimited" => "Slack is rate limiting this app: run again later; it goes on from where it stopped".to_owned(),
        "name_taken" => "a channel with this name exists already: follow it with `channel add --name NAME`".to_owned(),
        "invalid_name" | "invalid_name_specials" | "invalid_name_maxlength" | "invalid_name_punctuation" | "invalid_name_required" => {
            "Slack channel names are lowercase letters, digits, `-` and `_`, at most 80 characters".to_owned()
        }
        "user_not_found" | "users_not_found" => "no such user in this workspace: check the ids".to_owned(),
        "no_such_subteam" | "invalid_usergroup" => "no such user group in this workspace: check the ids in editor_groups (S…)".to_owned(),
        "paid_teams_only" => "user groups need a paid Slack plan: list the editors in `editors` instead".to_owned(),
        "is_archived" => "the channel is archived in Slack: unarchive it first".to_owned(),
        "invalid_cursor" => "Slack no longer accepts the saved position: run again with a fresh start (delete the state file the error names)".to_owned(),
        "team_access_not_granted" | "access_denied" => "the app is not installed in this workspace: install it from its settings page".to_owned(),
        _ => "see https://api.slack.com/methods for what it means".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, needed: Option<&str>) -> String {
        SlackError::Api {
            method: "conversations.history".into(),
            code: code.into(),
            needed: needed.map(str::to_owned),
        }
        .to_string()
    }

    #[test]
    fn each_common_error_says_what_to_do() {
        assert!(api("not_in_channel", None).contains("/invite @your-app"));
        assert!(api("missing_scope", Some("channels:history")).contains("`channels:history`"));
        assert!(api("invalid_auth", None).contains("SLACK_BOT_TOKEN"));
        assert!(api("channel_not_found", None).contains("check the id or name"));
        assert!(api("ratelimited", None).contains("run again later"));
        assert!(api("something_new", None).contains("api.slack.com/methods"));
    }
}
