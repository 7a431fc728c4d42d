//! The app-level token of Socket Mode (`xapp-…`, scope `connections:write`): from the
//! environment only (`SLACK_APP_TOKEN`), or a file only its owner can read
//! (`SLACK_APP_TOKEN_FILE`), like the bot token ([`super::token`]). It opens WebSocket links
//! that receive everything the app receives, so it never appears in logs or errors: its `Debug`
//! and `Display` show only its kind.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::token::read_token_file;

/// The environment variable holding the token.
pub const APP_TOKEN_VAR: &str = "SLACK_APP_TOKEN";
/// The environment variable naming a file that holds it.
pub const APP_TOKEN_FILE_VAR: &str = "SLACK_APP_TOKEN_FILE";

/// An app-level token (`xapp-…`).
#[derive(Clone)]
pub struct AppToken(String);

impl AppToken {
    /// The token from the environment; a token file inside `project_root` is refused.
    pub fn from_env(project_root: &Path) -> Result<AppToken> {
        if let Ok(token) = std::env::var(APP_TOKEN_VAR) {
            return AppToken::parse(&token).with_context(|| format!("in {APP_TOKEN_VAR}"));
        }
        if let Some(path) = std::env::var_os(APP_TOKEN_FILE_VAR) {
            let path = Path::new(&path);
            let text = read_token_file(APP_TOKEN_FILE_VAR, path, project_root)?;
            return AppToken::parse(&text).with_context(|| format!("in {}", path.display()));
        }
        bail!(
            "no app-level token: Socket Mode needs {APP_TOKEN_VAR} (xapp-…, made on the app's \
             Basic Information page under App-Level Tokens, with the connections:write scope), \
             or {APP_TOKEN_FILE_VAR} naming a file that holds it"
        )
    }

    /// Checks the shape: `xapp-` and printable ASCII, so it can go in a header.
    pub fn parse(text: &str) -> Result<AppToken> {
        let text = text.trim();
        let shaped = text.len() > 5
            && text.starts_with("xapp-")
            && text.bytes().all(|b| b.is_ascii_graphic());
        if !shaped {
            if text.starts_with("xox") {
                bail!(
                    "this is a bot or user token; Socket Mode needs the app-level token \
                     (xapp-…)"
                );
            }
            bail!("this is not an app-level token (they start with xapp-)");
        }
        Ok(AppToken(text.to_owned()))
    }

    /// The token itself, for the `Authorization` header only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AppToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppToken(<app-level token>)")
    }
}

impl std::fmt::Display for AppToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slack app-level token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_token_never_shows_itself() {
        let token = AppToken::parse("xapp-1-A1-2-abcdef").unwrap();
        assert_eq!(format!("{token:?}"), "AppToken(<app-level token>)");
        assert_eq!(token.to_string(), "Slack app-level token");
        assert_eq!(token.secret(), "xapp-1-A1-2-abcdef");
    }

    #[test]
    fn only_app_token_shaped_text_is_an_app_token() {
        for bad in ["", "xapp-", "xapp-with space", "Bearer xapp-1", "hunter2"] {
            assert!(AppToken::parse(bad).is_err(), "{bad:?}");
        }
        let bot = AppToken::parse("xoxb-1-2").unwrap_err().to_string();
        assert!(bot.contains("app-level token (xapp-…)"), "{bot}");
        assert!(AppToken::parse(" xapp-1-A1-2 \n").is_ok());
    }
}
