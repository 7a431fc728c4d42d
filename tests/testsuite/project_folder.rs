//! Where a command runs (issue 12): the project is found by its `scrollback.toml`, in the folder
//! or a parent, as Zola and Hugo find theirs; anywhere else is refused, and only `init` makes a
//! project.

use std::process::{Command, Output};

use crate::support::exports::official_export;
use crate::support::project::{BIN, Project};

fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env_remove("SLACK_SIGNING_SECRET")
        .output()
        .unwrap()
}

#[test]
fn commands_find_the_project_from_inside_it_and_refuse_elsewhere() {
    let p = Project::init();
    p.import(&official_export());

    // From deep inside content/: the project's own site/, nothing written where the command ran.
    let inside = p.path("content/channels/enrique");
    let out = run_in(&inside, &["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(p.exists("site/index.html"));
    assert!(!inside.join("site").exists() && !p.exists("content/site"));

    // Outside any project: refused, and nothing is created.
    let elsewhere = tempfile::tempdir().unwrap();
    let export = official_export();
    for args in [
        &["build"][..],
        &["import", export.to_str().unwrap()],
        &["publish", "x"],
    ] {
        let out = run_in(elsewhere.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{args:?} succeeded outside a project"
        );
        assert!(
            err.contains("no scrollback.toml") && err.contains("scrollback init"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // -C a folder that does not exist: refused, not created.
    let missing = elsewhere.path().join("nope");
    let out = run_in(p.root(), &["-C", missing.to_str().unwrap(), "build"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a folder"));
    assert!(!missing.exists());

    // `init` is the one command that makes a project.
    let out = run_in(elsewhere.path(), &["init", "fresh"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(elsewhere.path().join("fresh/scrollback.toml").exists());
}
