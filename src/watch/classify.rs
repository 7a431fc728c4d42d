//! Which kind of change a changed path is: one pure function, so the rules are in one place
//! and unit-tested, and each kind maps to exactly one rebuild.

use std::path::{Component, Path};

use crate::build::Change;
use crate::config::CONFIG_FILE;
use crate::content::layout::is_temporary;
use crate::content::{ContentPath, Slug, Ts};

/// A file system change, by what it means for the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// `scrollback.toml`: everything may change.
    Config,
    /// A template or `theme.toml` of the active theme, or a site template.
    Template,
    /// A stylesheet: copied, and swapped in open pages without a reload.
    Stylesheet,
    /// Any other static file (scripts, images, fonts).
    Static,
    User(String),
    /// A chat's `channel.toml` or its folder.
    Chat(Slug),
    Message(Slug, Ts),
    /// Custom emoji or re-hosted files.
    Assets,
}

impl ChangeKind {
    /// The rebuild this kind of change needs.
    pub fn to_change(&self) -> Change {
        match self {
            ChangeKind::Config => Change::Config,
            ChangeKind::Template => Change::Theme,
            ChangeKind::Stylesheet | ChangeKind::Static => Change::Static,
            ChangeKind::User(id) => Change::User(id.clone()),
            ChangeKind::Chat(slug) => Change::Chat(slug.clone()),
            ChangeKind::Message(slug, ts) => Change::Message(slug.clone(), ts.clone()),
            ChangeKind::Assets => Change::Assets,
        }
    }

    /// How the change is named in the one-line rebuild log.
    pub fn describe(&self) -> String {
        match self {
            ChangeKind::Config => "config".to_owned(),
            ChangeKind::Template => "template".to_owned(),
            ChangeKind::Stylesheet => "stylesheet".to_owned(),
            ChangeKind::Static => "static file".to_owned(),
            ChangeKind::User(id) => format!("user {id}"),
            ChangeKind::Chat(slug) => format!("chat {slug}"),
            ChangeKind::Message(slug, ts) => format!("message {slug}/{ts}"),
            ChangeKind::Assets => "emoji or files".to_owned(),
        }
    }
}

/// Classifies `path` (absolute, or relative to the project) in a project at `root` whose theme
/// is `theme`. `None`: the change does not matter to the site (output, caches, temporary files,
/// other themes).
pub fn classify(root: &Path, theme: &str, path: &Path) -> Option<ChangeKind> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<&str> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let name = *parts.last()?;
    if is_temporary(name) {
        return None;
    }
    let stylesheet_or_static = || {
        if name.ends_with(".css") {
            ChangeKind::Stylesheet
        } else {
            ChangeKind::Static
        }
    };
    match parts.as_slice() {
        [file] if *file == CONFIG_FILE => Some(ChangeKind::Config),
        ["templates", ..] => Some(ChangeKind::Template),
        ["static", _, ..] => Some(stylesheet_or_static()),
        ["themes", t, rest @ ..] if *t == theme => match rest {
            ["theme.toml"] | ["templates", ..] => Some(ChangeKind::Template),
            ["static", _, ..] => Some(stylesheet_or_static()),
            _ => None,
        },
        ["content", ..] => ContentPath::parse(rel.strip_prefix("content").ok()?).map(content_kind),
        _ => None,
    }
}

fn content_kind(path: ContentPath) -> ChangeKind {
    match path {
        ContentPath::User(id) => ChangeKind::User(id.as_str().to_owned()),
        ContentPath::ChatFolder(slug)
        | ContentPath::ChatSettings(slug)
        | ContentPath::MessagesFolder(slug) => ChangeKind::Chat(slug),
        ContentPath::Message(slug, ts) => ChangeKind::Message(slug, ts),
        ContentPath::Emoji | ContentPath::UploadedFile => ChangeKind::Assets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> Option<ChangeKind> {
        classify(Path::new("/p"), "default", Path::new(path))
    }

    #[test]
    fn content_changes() {
        let slug = Slug::parse("sotu").unwrap();
        assert_eq!(
            kind("/p/content/channels/sotu/messages/1517365800.000100.json"),
            Some(ChangeKind::Message(
                slug.clone(),
                Ts::parse("1517365800.000100").unwrap()
            ))
        );
        assert_eq!(
            kind("/p/content/channels/sotu/channel.toml"),
            Some(ChangeKind::Chat(slug.clone()))
        );
        assert_eq!(
            kind("/p/content/channels/sotu"),
            Some(ChangeKind::Chat(slug))
        );
        assert_eq!(
            kind("/p/content/users/U0BMQB6JE.json"),
            Some(ChangeKind::User("U0BMQB6JE".into()))
        );
        assert_eq!(
            kind("/p/content/emoji/partyparrot.gif"),
            Some(ChangeKind::Assets)
        );
        assert_eq!(
            kind("/p/content/files/F1/chart.png"),
            Some(ChangeKind::Assets)
        );
    }

    #[test]
    fn theme_changes() {
        assert_eq!(
            kind("/p/themes/default/templates/chat.html"),
            Some(ChangeKind::Template)
        );
        assert_eq!(
            kind("/p/themes/default/theme.toml"),
            Some(ChangeKind::Template)
        );
        assert_eq!(
            kind("/p/templates/message.html"),
            Some(ChangeKind::Template)
        );
        assert_eq!(
            kind("/p/themes/default/static/assets/style.css"),
            Some(ChangeKind::Stylesheet)
        );
        assert_eq!(kind("/p/static/logo.png"), Some(ChangeKind::Static));
        assert_eq!(kind("/p/scrollback.toml"), Some(ChangeKind::Config));
        assert_eq!(kind("scrollback.toml"), Some(ChangeKind::Config));
    }

    #[test]
    fn ignored() {
        for path in [
            "/p/site/index.html",
            "/p/.scrollback/build-state.json",
            "/p/themes/other/templates/chat.html",
            "/p/themes/default/templates/.chat.html.swp",
            "/p/themes/default/templates/4913",
            "/p/themes/default/templates/chat.html~",
            "/p/content/channels/sotu/messages/.tmp-abc",
            "/p/content/channels/sotu/messages/notes.txt",
            "/p/content/channels/../../etc/messages/1.1.json",
            "/p/content/users/readme.md",
            "/p/README.md",
            "/elsewhere/file",
        ] {
            assert_eq!(kind(path), None, "{path}");
        }
    }
}
