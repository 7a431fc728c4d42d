//! `scrollback theme new NAME`: a new theme, started from the default one, with the theme guide
//! (THEMES.md) beside it, so a designer who got only the theme folder has the contract at hand.

use anyhow::{Result, bail};

use scrollback::build::theme::BUILTIN_DEFAULT;
use scrollback::content::Slug;
use scrollback::fsio::write_atomic;
use scrollback::project::Project;

/// The theme guide, written into every new theme (issue 12: a designer opens the theme folder,
/// not the repository).
const THEME_GUIDE: &str = include_str!("../../THEMES.md");

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ThemeCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ThemeCommand {
    /// Copy the default theme to themes/NAME, ready to edit (see THEMES.md).
    New {
        /// The theme's folder name: lowercase letters, digits, `-` and `_`.
        name: String,
    },
}

pub fn run(project: &Project, args: Args) -> Result<()> {
    match args.command {
        ThemeCommand::New { name } => new_theme(project, &name),
    }
}

fn new_theme(project: &Project, name: &str) -> Result<()> {
    if Slug::parse(name).is_err() {
        bail!("{name:?} is not a valid theme name: use lowercase letters, digits, `-` or `_`");
    }
    let dir = project.themes_dir().join(name);
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    for (path, text) in BUILTIN_DEFAULT {
        let text = if *path == "theme.toml" {
            text.replacen("name = \"default\"", &format!("name = \"{name}\""), 1)
        } else {
            (*text).to_owned()
        };
        write_atomic(&dir.join(path), text.as_bytes())?;
    }
    let guide = dir.join("THEMES.md");
    write_atomic(&guide, THEME_GUIDE.as_bytes())?;
    println!(
        "Created {} from the default theme. Use it with `theme = \"{name}\"` in scrollback.toml, then `scrollback watch` to see your edits live. {} describes what each template receives.",
        dir.display(),
        guide.display()
    );
    Ok(())
}
