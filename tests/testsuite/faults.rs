//! Disk faults (issue 11): a full disk, a read-only file system, folders the user may not write,
//! a file where a folder belongs. Each run exits non-zero with an error naming the path, and
//! leaves `content/` exactly as it was; once the fault is gone, the same command completes.
//! In `watch`, a failed rebuild is reported and the next one completes.

use std::process::Output;

use serde_json::json;

use crate::support::exports::{mini_export, official_export, synthetic_export, write_zip};
use crate::support::faults::{
    Fault, available, in_private_namespace, mount_read_only, run_with_fault, unmount,
};
use crate::support::process::Process;
use crate::support::project::{NO_ENV, Project, scrollback};
use crate::support::wait::wait_until;

/// Asserts the run failed with `why` (the OS's words) and a path inside the project.
fn assert_failed_naming_a_path(out: &Output, why: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "succeeded despite the fault:\n{err}");
    assert!(err.contains(why), "no {why:?} in:\n{err}");
    assert!(
        err.contains("/disk/"),
        "no path in the project named in:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn assert_no_staging_left(p: &Project) {
    let left = p.snapshot(".scrollback/staging");
    assert!(left.is_empty(), "staged files left: {:?}", left.keys());
}

/// A project with the official export imported (and not built).
fn imported() -> Project {
    let p = Project::init();
    p.import(&official_export());
    p
}

#[test]
fn an_import_on_a_full_disk_fails_naming_the_path_and_changes_nothing() {
    if !available() {
        return;
    }
    let p = imported();
    let before = p.snapshot("content");
    let (zip, manifest) = synthetic_export(3000, 6, 41, false);
    let zip = zip.to_str().unwrap();
    // Not a bad entry to skip: --keep-going stops too, and the archive is not blamed.
    for keep_going in [&[][..], &["--keep-going"]] {
        let args = [&["import", zip][..], keep_going].concat();
        let out = run_with_fault(&p, Fault::DiskFull { free_kib: 512 }, &args);
        assert_failed_naming_a_path(&out, "No space left on device");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("content/ is as it was"), "{err}");
        assert!(!err.contains("fix the archive"), "{err}");
        assert_eq!(p.snapshot("content"), before);
        assert_no_staging_left(&p);
    }
    // With room again, the same import completes.
    p.import(std::path::Path::new(zip));
    let is_message = |path: &&String| path.contains("/messages/");
    let added = p.snapshot("content").keys().filter(is_message).count()
        - before.keys().filter(is_message).count();
    assert_eq!(
        added as u64,
        manifest["counts"]["messages"].as_u64().unwrap()
    );
}

#[test]
fn a_build_on_a_full_disk_fails_naming_the_path_and_the_next_build_is_whole() {
    if !available() {
        return;
    }
    let p = imported();
    let before = p.snapshot("content");
    let out = run_with_fault(&p, Fault::DiskFull { free_kib: 64 }, &["build"]);
    assert_failed_naming_a_path(&out, "No space left on device");
    assert_eq!(p.snapshot("content"), before);
    p.build();
    assert_eq!(p.snapshot("site"), p.clean_build());
}

#[test]
fn a_read_only_disk_fails_import_and_build_naming_the_path() {
    if !available() {
        return;
    }
    let p = imported();
    let before = p.snapshot("content");
    let (zip, _) = synthetic_export(300, 2, 42, false);
    let out = run_with_fault(&p, Fault::ReadOnly, &["import", zip.to_str().unwrap()]);
    assert_failed_naming_a_path(&out, "Read-only file system");
    let out = run_with_fault(&p, Fault::ReadOnly, &["build"]);
    assert_failed_naming_a_path(&out, "Read-only file system");
    assert_eq!(p.snapshot("content"), before);
}

#[test]
fn folders_the_user_may_not_write_fail_import_and_build_naming_the_path() {
    if !available() {
        return;
    }
    let p = imported();
    let before = p.snapshot("content");
    let (zip, _) = synthetic_export(300, 2, 43, false);
    let out = run_with_fault(&p, Fault::NotPermitted, &["import", zip.to_str().unwrap()]);
    assert_failed_naming_a_path(&out, "Permission denied");
    let out = run_with_fault(&p, Fault::NotPermitted, &["build"]);
    assert_failed_naming_a_path(&out, "Permission denied");
    assert_eq!(p.snapshot("content"), before);
}

#[test]
fn a_file_the_build_cannot_remove_fails_it_naming_the_path_and_the_next_build_removes_it() {
    if !available() {
        return;
    }
    let p = imported();
    p.build();
    // One file to prune, a stray left in site/ by hand, in a folder it may not be removed from.
    p.write("site/stray/old.html", "<p>left by hand</p>");
    let out = run_with_fault(&p, Fault::ReadOnlyFolder("site/stray"), &["build"]);
    assert_failed_naming_a_path(&out, "Read-only file system");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot remove") && err.contains("site/stray/old.html"),
        "{err}"
    );
    assert!(p.path("site/stray/old.html").exists());
    p.build();
    assert!(
        !p.path("site/stray").exists(),
        "the stray and its folder are pruned"
    );
    assert_eq!(p.snapshot("site"), p.clean_build());
}

#[test]
fn a_rebuild_in_watch_that_cannot_remove_a_file_says_so_and_the_next_one_removes_it() {
    if !available() {
        return;
    }
    let p = imported();
    p.build();
    let slug = std::fs::read_dir(p.path("content/channels"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|slug| p.path(&format!("site/{slug}/index.html")).exists())
        .expect("a published chat");
    let chat_site = p.path(&format!("site/{slug}"));
    let watch = Process::start(in_private_namespace(scrollback(
        p.root(),
        &["watch", "--port", "0"],
        NO_ENV,
    )));
    watch.wait_line(" on http://");
    // The chat's pages may no longer be removed; then it goes back to draft: the rebuild must
    // remove every one of them.
    mount_read_only(watch.id(), &chat_site);
    let settings = p.path(&format!("content/channels/{slug}/channel.toml"));
    let toml = std::fs::read_to_string(&settings).unwrap();
    let draft: String = toml
        .lines()
        .map(|l| {
            if l.starts_with("state = ") {
                "state = \"draft\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(draft, toml);
    std::fs::write(&settings, draft + "\n").unwrap();
    let line = watch.wait_line("cannot remove");
    assert!(line.contains(&format!("site/{slug}/")), "{line}");
    assert!(chat_site.join("index.html").exists());
    // The fault is gone; the next change rebuilds, and that rebuild removes what is left.
    unmount(watch.id(), &chat_site);
    p.write(
        "content/users/UNEW.json",
        r#"{"id": "UNEW", "name": "new"}"#,
    );
    wait_until(format!("{} removed", chat_site.display()), || {
        !chat_site.exists()
    });
    drop(watch);
    assert_eq!(p.snapshot("site"), p.clean_build());
}

#[test]
fn a_folder_where_a_message_file_belongs_fails_the_import_and_changes_nothing() {
    let p = Project::init();
    let zip = p.path("first.zip");
    let message =
        |ts: &str, text: &str| json!({"type": "message", "user": "U1", "ts": ts, "text": text});
    write_zip(
        &zip,
        &mini_export("desk", json!([message("1520000000.000100", "first")])),
    );
    p.import(&zip);
    // Someone (a sync tool, a slip in a file manager) left a folder where a message belongs.
    let blocked = "content/channels/desk/messages/1520000000.000200.json";
    std::fs::create_dir_all(p.path(blocked).join("inside")).unwrap();
    let before = p.snapshot("content");
    write_zip(
        &zip,
        &mini_export(
            "desk",
            json!([
                message("1520000000.000100", "first, edited"),
                message("1520000000.000200", "second")
            ]),
        ),
    );
    let err = p.fails(&["import", zip.to_str().unwrap()]);
    assert!(
        err.contains(blocked),
        "the blocked path is not named:\n{err}"
    );
    assert_eq!(p.snapshot("content"), before, "a partial import landed");
    assert_no_staging_left(&p);
}
