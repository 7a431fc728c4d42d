//! The bot token: from the environment only (`SLACK_BOT_TOKEN`), or a file only its owner can
//! read (`SLACK_BOT_TOKEN_FILE`), never from `scrollback.toml` or anything under `content/`, which
//! are committed and published. It never appears in logs or errors: its `Debug` and `Display`
//! show only its kind.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The environment variable holding the token.
pub const TOKEN_VAR: &str = "SLACK_BOT_TOKEN";
/// The environment variable naming a file that holds it.
pub const TOKEN_FILE_VAR: &str = "SLACK_BOT_TOKEN_FILE";

/// Whether the environment names a token (`SLACK_BOT_TOKEN` or `SLACK_BOT_TOKEN_FILE`): the
/// commands and `serve` use Slack's Web API only then.
pub fn is_configured() -> bool {
    std::env::var_os(TOKEN_VAR).is_some() || std::env::var_os(TOKEN_FILE_VAR).is_some()
}

/// A Slack token (`xoxb-…`; user tokens `xoxp-…` work too).
#[derive(Clone)]
pub struct BotToken(String);

impl BotToken {
    /// The token from the environment. `project_root`: a token file inside the project is refused
    /// (it would be committed, or published by a misconfigured deploy).
    pub fn from_env(project_root: &Path) -> Result<BotToken> {
        if let Ok(token) = std::env::var(TOKEN_VAR) {
            return BotToken::parse(&token).with_context(|| format!("in {TOKEN_VAR}"));
        }
        if let Some(path) = std::env::var_os(TOKEN_FILE_VAR) {
            return BotToken::from_file(Path::new(&path), project_root);
        }
        bail!(
            "no Slack token: set {TOKEN_VAR} to the app's bot token (xoxb-…, from the app's \
             OAuth & Permissions page), or {TOKEN_FILE_VAR} to a file holding it"
        )
    }

    fn from_file(path: &Path, project_root: &Path) -> Result<BotToken> {
        let text = read_token_file(TOKEN_FILE_VAR, path, project_root)?;
        BotToken::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Checks the shape: `xox?-` and printable ASCII, so it can go in a header.
    pub fn parse(text: &str) -> Result<BotToken> {
        let text = text.trim();
        let shaped = text.len() > 5
            && text.starts_with("xox")
            && text.as_bytes().get(4) == Some(&b'-')
            && text.bytes().all(|b| b.is_ascii_graphic());
        if !shaped {
            bail!("this is not a Slack token (they start with xoxb- for a bot)");
        }
        Ok(BotToken(text.to_owned()))
    }

    /// The token itself, for the `Authorization` header only.
    pub fn secret(&self) -> &str {
        &self.0
    }

    fn kind(&self) -> &'static str {
        match self.0.get(..4) {
            Some("xoxb") => "bot token",
            Some("xoxp") => "user token",
            Some("xoxe") => "export token",
            _ => "token",
        }
    }
}

/// The text of a token file named by `var`, trimmed: refused inside the project (it would be
/// committed, or published by a misconfigured deploy) and when others can read it.
pub(crate) fn read_token_file(var: &str, path: &Path, project_root: &Path) -> Result<String> {
    let abs = std::fs::canonicalize(path)
        .with_context(|| format!("cannot read {var}={}", path.display()))?;
    if let Ok(root) = std::fs::canonicalize(project_root)
        && abs.starts_with(&root)
    {
        bail!(
            "{var}={} is inside the project: keep the token outside it, where no commit or \
             deploy can take it",
            path.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&abs)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "{var}={} can be read by others (mode {:o}): run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    let text = std::fs::read_to_string(&abs)
        .with_context(|| format!("cannot read {var}={}", path.display()))?;
    Ok(text.trim().to_owned())
}

impl std::fmt::Debug for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BotToken(<{}>)", self.kind())
    }
}

impl std::fmt::Display for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Slack {}", self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_shows_itself() {
        let token = BotToken::parse("xoxb-1234-5678-abcdef").unwrap();
        assert_eq!(format!("{token:?}"), "BotToken(<bot token>)");
        assert_eq!(token.to_string(), "Slack bot token");
        assert_eq!(token.secret(), "xoxb-1234-5678-abcdef");
    }

    #[test]
    fn only_token_shaped_text_is_a_token() {
        for bad in [
            "",
            "xoxb",
            "hunter2",
            "xoxb-with space",
            "xoxb-\nx",
            "Bearer xoxb-1",
        ] {
            assert!(BotToken::parse(bad).is_err(), "{bad:?}");
        }
        assert!(BotToken::parse(" xoxp-1-2 \n").is_ok());
    }

    #[test]
    fn a_token_file_must_be_private_and_outside_the_project() {
        use std::os::unix::fs::PermissionsExt;
        let outside = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let file = outside.path().join("token");
        std::fs::write(&file, "xoxb-1-2\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = BotToken::from_file(&file, project.path()).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(BotToken::from_file(&file, project.path()).is_ok());

        let inside = project.path().join("token");
        std::fs::write(&inside, "xoxb-1-2\n").unwrap();
        std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = BotToken::from_file(&inside, project.path()).unwrap_err();
        assert!(err.to_string().contains("inside the project"), "{err}");
    }
}
