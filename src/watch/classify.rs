//! Which change a changed path is: one pure function, so the rules are in one place and
//! unit-tested, and each kind of change maps to exactly one rebuild ([`Change`]).

use std::path::Path;

use crate::build::Change;
use crate::config::CONFIG_FILE;
use crate::content::ContentPath;
use crate::content::layout::plain_parts;

/// Classifies `path` (absolute, or relative to the project) in a project at `root` whose theme
/// is `theme`. `None`: the change does not matter to the site (output, caches, temporary files,
/// other themes).
pub fn classify(root: &Path, theme: &str, path: &Path) -> Option<Change> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts = plain_parts(rel)?;
    let named = || parts.join("/");
    match parts.as_slice() {
        [file] if *file == CONFIG_FILE => Some(Change::Config),
        ["templates", ..] | ["i18n", ..] => Some(Change::Theme(named())),
        ["static", _, ..] => Some(Change::Static(named())),
        ["themes", t, rest @ ..] if *t == theme => match rest {
            ["theme.toml"] | ["templates", ..] | ["i18n", ..] => Some(Change::Theme(named())),
            ["static", _, ..] => Some(Change::Static(named())),
            _ => None,
        },
        ["content", ..] => {
            ContentPath::parse(rel.strip_prefix("content").ok()?).map(content_change)
        }
        _ => None,
    }
}

fn content_change(path: ContentPath) -> Change {
    match path {
        ContentPath::User(id) => Change::User(id.as_str().to_owned()),
        ContentPath::ChatFolder(slug)
        | ContentPath::ChatSettings(slug)
        | ContentPath::MessagesFolder(slug) => Change::Chat(slug),
        ContentPath::Message(slug, ts) => Change::Message(slug, ts),
        ContentPath::Avatar | ContentPath::Emoji | ContentPath::UploadedFile => Change::Assets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Slug, Ts};

    fn kind(path: &str) -> Option<Change> {
        classify(Path::new("/p"), "default", Path::new(path))
    }

    #[test]
    fn content_changes() {
        let slug = Slug::parse("sotu").unwrap();
        assert_eq!(
            kind("/p/content/channels/sotu/messages/1517365800.000100.json"),
            Some(Change::Message(
                slug.clone(),
                Ts::parse("1517365800.000100").unwrap()
            ))
        );
        assert_eq!(
            kind("/p/content/channels/sotu/channel.toml"),
            Some(Change::Chat(slug.clone()))
        );
        assert_eq!(kind("/p/content/channels/sotu"), Some(Change::Chat(slug)));
        assert_eq!(
            kind("/p/content/users/U0BMQB6JE.json"),
            Some(Change::User("U0BMQB6JE".into()))
        );
        assert_eq!(
            kind("/p/content/emoji/partyparrot.gif"),
            Some(Change::Assets)
        );
        assert_eq!(kind("/p/content/files/F1/chart.png"), Some(Change::Assets));
        assert_eq!(
            kind("/p/content/users/avatars/U0BMQB6JE.3f9a1c0b7e.jpg"),
            Some(Change::Assets)
        );
    }

    #[test]
    fn theme_changes() {
        let theme = |p: &str| Some(Change::Theme(p.to_owned()));
        let statics = |p: &str| Some(Change::Static(p.to_owned()));
        assert_eq!(
            kind("/p/themes/default/templates/chat.html"),
            theme("themes/default/templates/chat.html")
        );
        assert_eq!(
            kind("/p/themes/default/theme.toml"),
            theme("themes/default/theme.toml")
        );
        assert_eq!(
            kind("/p/templates/message.html"),
            theme("templates/message.html")
        );
        assert_eq!(
            kind("/p/themes/default/i18n/fr.toml"),
            theme("themes/default/i18n/fr.toml")
        );
        assert_eq!(kind("/p/i18n/fr.toml"), theme("i18n/fr.toml"));
        assert_eq!(
            kind("/p/themes/default/static/assets/style.css"),
            statics("themes/default/static/assets/style.css")
        );
        assert_eq!(kind("/p/static/logo.png"), statics("static/logo.png"));
        assert_eq!(kind("/p/scrollback.toml"), Some(Change::Config));
        assert_eq!(kind("scrollback.toml"), Some(Change::Config));
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
