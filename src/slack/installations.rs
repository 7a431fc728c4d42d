//! The workspaces the app is installed in through "Add to Slack" (issue 14, requirement 6), and
//! which bot token answers each: one `serve` can serve several workspaces.
//!
//! Each installation is one JSON file, `<TEAM_ID>.json`, mode 0600, in a folder outside
//! `content/` and `site/` (`.scrollback/installations/`, or `SCROLLBACK_INSTALLATIONS_DIR`): the
//! bot token in it must never be committed or published. [`Installations::client_for`] gives the
//! client of a workspace's own token, and falls back to `SLACK_BOT_TOKEN`'s for a workspace
//! without an installation (the single-workspace setup, unchanged).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::client::SlackClient;
use super::token::BotToken;

/// The environment variable naming the installations' folder.
pub const DIR_VAR: &str = "SCROLLBACK_INSTALLATIONS_DIR";

/// What `oauth.v2.access` gave for one workspace.
#[derive(Clone, Serialize, Deserialize)]
pub struct Installation {
    pub team_id: String,
    pub team_name: String,
    /// The Enterprise Grid organization the workspace belongs to, if any.
    pub enterprise_id: Option<String>,
    pub bot_user_id: String,
    pub app_id: Option<String>,
    /// The bot scopes granted.
    pub scopes: Vec<String>,
    /// Who installed it (a user id).
    pub installed_by: Option<String>,
    /// When, in UTC (RFC 3339).
    pub installed_at: String,
    bot_token: String,
}

impl Installation {
    /// An installation from `oauth.v2.access`'s answer. Org-wide (Enterprise Grid) installs
    /// are refused: their events name workspaces the answer does not list.
    pub fn from_access(
        answer: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Installation> {
        let value = serde_json::Value::Object(answer.clone());
        let text = |path: &[&str]| {
            path.iter()
                .try_fold(&value, |v, k| v.get(*k))
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        if answer.get("is_enterprise_install") == Some(&serde_json::Value::Bool(true)) {
            bail!(
                "this is an organization-wide (Enterprise Grid) install, which scrollback does not \
                 support: install the app in each workspace instead"
            );
        }
        if text(&["token_type"]).as_deref().is_some_and(|t| t != "bot") {
            bail!("Slack gave no bot token (the app must ask for bot scopes)");
        }
        let team_id = text(&["team", "id"]).context("Slack's answer names no workspace")?;
        if !is_team_id(&team_id) {
            bail!("Slack's answer names a workspace id that is not one");
        }
        let token = text(&["access_token"]).context("Slack's answer has no bot token")?;
        let token = BotToken::parse(&token).context("in Slack's answer")?;
        let now = jiff::Timestamp::now();
        Ok(Installation {
            team_name: text(&["team", "name"]).unwrap_or_else(|| team_id.clone()),
            team_id,
            enterprise_id: text(&["enterprise", "id"]),
            bot_user_id: text(&["bot_user_id"]).unwrap_or_default(),
            app_id: text(&["app_id"]),
            scopes: text(&["scope"])
                .map(|s| s.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            installed_by: text(&["authed_user", "id"]),
            installed_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            bot_token: token.secret().to_owned(),
        })
    }

    pub fn token(&self) -> Result<BotToken> {
        BotToken::parse(&self.bot_token)
    }
}

impl std::fmt::Debug for Installation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installation")
            .field("team_id", &self.team_id)
            .field("team_name", &self.team_name)
            .field("bot_user_id", &self.bot_user_id)
            .finish_non_exhaustive()
    }
}

/// A workspace id as a file name may hold: `T…` (or `E…`), letters and digits only.
pub fn is_team_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The installations' folder: `SCROLLBACK_INSTALLATIONS_DIR`, or `.scrollback/installations/`.
/// Refused inside `content/` or `site/`, which are committed and published.
pub fn dir(project: &crate::project::Project) -> Result<PathBuf> {
    let dir = match std::env::var_os(DIR_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => project.cache_dir().join("installations"),
    };
    let inside = |published: &Path| {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        abs(&dir).starts_with(abs(published))
    };
    if inside(&project.content_dir()) || inside(&project.site_dir()) {
        bail!(
            "{DIR_VAR}={} is inside content/ or site/: the bot tokens would be committed or \
             published; choose a folder outside them",
            dir.display()
        );
    }
    Ok(dir)
}

/// The installed workspaces' clients, and the default one.
#[derive(Debug)]
pub struct Installations {
    dir: PathBuf,
    /// `SLACK_BOT_TOKEN`'s client: for workspaces without an installation.
    default: Option<SlackClient>,
    teams: RwLock<HashMap<String, (Installation, SlackClient)>>,
}

impl Installations {
    /// Reads the installations in `dir` (none if it does not exist). A file that cannot be used
    /// (unreadable, others can read it, not an installation) is skipped with a warning.
    pub fn open(dir: PathBuf, default: Option<SlackClient>) -> Installations {
        let mut teams = HashMap::new();
        for path in json_files(&dir) {
            match read(&path) {
                Ok(installation) => {
                    let client = installation.token().and_then(SlackClient::for_token);
                    match client {
                        Ok(client) => {
                            tracing::info!(
                                "installed in {} ({})",
                                installation.team_name,
                                installation.team_id
                            );
                            teams.insert(installation.team_id.clone(), (installation, client));
                        }
                        Err(e) => tracing::warn!("not using {}: {e:#}", path.display()),
                    }
                }
                Err(e) => tracing::warn!("not using {}: {e:#}", path.display()),
            }
        }
        Installations {
            dir,
            default,
            teams: RwLock::new(teams),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `SLACK_BOT_TOKEN`'s client, if set.
    pub fn default_client(&self) -> Option<&SlackClient> {
        self.default.as_ref()
    }

    /// The client for `serve`'s background work (catching up, names, uploads, editor groups),
    /// which follows chats rather than requests: `SLACK_BOT_TOKEN`'s, else the one installed
    /// workspace's. With several installations and no `SLACK_BOT_TOKEN`, none (said once):
    /// chats do not record their workspace yet.
    pub fn background_client(&self) -> Option<SlackClient> {
        if let Some(default) = &self.default {
            return Some(default.clone());
        }
        let teams = self.teams.read().unwrap_or_else(|e| e.into_inner());
        match teams.len() {
            0 => None,
            1 => teams.values().next().map(|(installation, client)| {
                tracing::info!(
                    "catching up, names and uploads with the installation in {} ({})",
                    installation.team_name,
                    installation.team_id
                );
                client.clone()
            }),
            n => {
                tracing::warn!(
                    "{n} workspaces installed and no SLACK_BOT_TOKEN: serve does not catch up                      with Slack's history, look up names or keep uploads (set SLACK_BOT_TOKEN to                      the token of the workspace whose chats it follows)"
                );
                None
            }
        }
    }

    /// The bot token for `team`: its installation's, else `SLACK_BOT_TOKEN`.
    pub fn token_for(&self, team: &str) -> Option<BotToken> {
        self.client_for(Some(team)).map(|c| c.token().clone())
    }

    /// The client for `team` (`None`: the request named no workspace): its installation's,
    /// else `SLACK_BOT_TOKEN`'s.
    pub fn client_for(&self, team: Option<&str>) -> Option<SlackClient> {
        let teams = self.teams.read().unwrap_or_else(|e| e.into_inner());
        team.and_then(|t| teams.get(t))
            .map(|(_, client)| client.clone())
            .or_else(|| self.default.clone())
    }

    /// The installed workspaces' ids.
    pub fn teams(&self) -> Vec<String> {
        let teams = self.teams.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<String> = teams.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Keeps `installation` (replacing the workspace's earlier one) and uses its token from now
    /// on. The file is written 0600 in a folder only its owner can enter.
    pub fn save(&self, installation: Installation) -> Result<PathBuf> {
        let client = SlackClient::for_token(installation.token()?)?;
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot make {} private", self.dir.display()))?;
        }
        let path = self.dir.join(format!("{}.json", installation.team_id));
        let mut bytes = serde_json::to_vec_pretty(&installation)?;
        bytes.push(b'\n');
        crate::fsio::write_private(&path, &bytes)?;
        let mut teams = self.teams.write().unwrap_or_else(|e| e.into_inner());
        teams.insert(installation.team_id.clone(), (installation, client));
        Ok(path)
    }
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
}

fn read(path: &Path) -> Result<Installation> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "others can read it (mode {:o}): run `chmod 600 {}`",
                mode & 0o777,
                path.display()
            );
        }
    }
    let bytes = std::fs::read(path)?;
    let installation: Installation =
        serde_json::from_slice(&bytes).context("not an installation")?;
    let named = path.file_stem().and_then(|s| s.to_str());
    if !is_team_id(&installation.team_id) || named != Some(installation.team_id.as_str()) {
        bail!("its name is not its workspace id");
    }
    Ok(installation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(team: &str, token: &str) -> serde_json::Map<String, serde_json::Value> {
        json!({"ok": true, "access_token": token, "token_type": "bot",
               "scope": "commands,chat:write", "bot_user_id": "UBOT", "app_id": "A1",
               "team": {"id": team, "name": "Team"}, "enterprise": null,
               "authed_user": {"id": "UINSTALLER"}, "is_enterprise_install": false})
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn an_answer_becomes_an_installation_that_hides_its_token() {
        let i = Installation::from_access(&answer("T1", "xoxb-1-2-secret")).unwrap();
        assert_eq!(i.team_id, "T1");
        assert_eq!(i.scopes, ["commands", "chat:write"]);
        assert_eq!(i.installed_by.as_deref(), Some("UINSTALLER"));
        assert!(!format!("{i:?}").contains("secret"));
        let mut org = answer("T1", "xoxb-1");
        org.insert("is_enterprise_install".into(), json!(true));
        assert!(Installation::from_access(&org).is_err());
        assert!(Installation::from_access(&answer("../T1", "xoxb-1")).is_err());
        assert!(Installation::from_access(&answer("T1", "not-a-token")).is_err());
    }

    #[test]
    fn saved_installations_are_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("installations");
        let store = Installations::open(folder.clone(), None);
        assert!(store.client_for(Some("T1")).is_none());
        let path = store
            .save(Installation::from_access(&answer("T1", "xoxb-team-one")).unwrap())
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(store.token_for("T1").unwrap().secret(), "xoxb-team-one");
        assert!(store.token_for("T2").is_none());

        let again = Installations::open(folder.clone(), None);
        assert_eq!(again.teams(), ["T1"]);
        // A file others can read is not used.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Installations::open(folder, None).teams().is_empty());
    }
}
