//! Real disk faults for one run of the binary: a full disk, a read-only file system, folders the
//! user may not write. The project is copied onto a tmpfs mounted in a private mount namespace
//! (`unshare -m`: no other process sees it, and it vanishes with the run), the command runs there,
//! and the result is copied back so the test inspects it with the usual helpers.
//!
//! Needs `unshare`, `setpriv` and `mount`, and the privilege to mount a tmpfs: as root (CI here)
//! with `SCROLLBACK_REQUIRE_TOOLS` set, a missing piece fails the tests; otherwise they are
//! skipped with a note.

use std::process::{Command, Output};

use super::project::{BIN, Project};

/// What is wrong with the disk during the run.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Only this many KiB free beyond what the project already uses.
    DiskFull { free_kib: u64 },
    /// The whole project is on a read-only file system.
    ReadOnly,
    /// The command runs as `nobody`; the project stays root's (readable, not writable).
    NotPermitted,
    /// One folder of the project (relative to it) is a read-only mount; the rest is writable.
    ReadOnlyFolder(&'static str),
}

/// Whether this machine can mount a tmpfs in a private namespace.
pub fn available() -> bool {
    let works = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"])
        .output()
        .is_ok_and(|o| o.status.success());
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    });
    if !works {
        assert!(
            !root || std::env::var_os("SCROLLBACK_REQUIRE_TOOLS").is_none(),
            "SCROLLBACK_REQUIRE_TOOLS is set but `unshare -m` cannot mount a tmpfs here"
        );
        eprintln!("skipped: `unshare -m` cannot mount a tmpfs on this machine");
    }
    works
}

/// Runs `scrollback args…` on `p` under `fault`; afterwards `p` holds what the run left.
/// Paths in the output are the tmpfs copy's (`…/disk/…`), not `p`'s.
pub fn run_with_fault(p: &Project, fault: Fault, args: &[&str]) -> Output {
    let work = tempfile::tempdir().unwrap();
    let disk = work.path().join("disk");
    let out = work.path().join("out");
    std::fs::create_dir_all(&disk).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let (after_copy, run_as) = match fault {
        Fault::DiskFull { free_kib } => (
            format!(
                "used=$(du -sk \"$DISK\" | cut -f1); mount -o remount,size=$((used + {free_kib}))k \"$DISK\""
            ),
            "",
        ),
        Fault::ReadOnly => ("mount -o remount,ro \"$DISK\"".to_owned(), ""),
        Fault::ReadOnlyFolder(rel) => (
            format!(
                "mount --bind \"$DISK/{rel}\" \"$DISK/{rel}\"; mount -o remount,bind,ro \"$DISK/{rel}\""
            ),
            "",
        ),
        Fault::NotPermitted => (
            "chmod 755 \"$DISK\"".to_owned(),
            "setpriv --reuid=65534 --regid=65534 --clear-groups",
        ),
    };
    let script = format!(
        r#"set -e
mount -t tmpfs -o size=1g tmpfs "$DISK"
cp -a "$PROJECT/." "$DISK/"
{after_copy}
set +e
{run_as} "$BIN" -C "$DISK" "$@" > "$OUT/stdout" 2> "$OUT/stderr"
echo $? > "$OUT/status"
set -e
find "$PROJECT" -mindepth 1 -maxdepth 1 -exec rm -rf {{}} +
cp -a "$DISK/." "$PROJECT/"
"#
    );
    let ran = Command::new("unshare")
        .args(["-m", "sh", "-c", &script, "sh"])
        .args(args)
        .env("DISK", &disk)
        .env("OUT", &out)
        .env("PROJECT", p.root())
        .env("BIN", BIN)
        .env_remove("SLACK_SIGNING_SECRET")
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "the fault harness failed: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let status: i32 = std::fs::read_to_string(out.join("status"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status << 8),
        stdout: std::fs::read(out.join("stdout")).unwrap(),
        stderr: std::fs::read(out.join("stderr")).unwrap(),
    }
}

/// `cmd` run in a private mount namespace of its own (`unshare -m`), where [`mount_read_only`]
/// can make one folder read-only while it runs: for `watch` and `serve`, whose rebuilds the
/// one-shot [`run_with_fault`] cannot reach. The project stays where it is (no copy), so the
/// test changes its files and the running process sees them.
pub fn in_private_namespace(cmd: Command) -> Command {
    let mut wrapped = Command::new("unshare");
    wrapped
        .arg("-m")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// Makes `dir` read-only for the process `pid` started by [`in_private_namespace`] (a read-only
/// bind mount of the folder onto itself, in that namespace only).
pub fn mount_read_only(pid: u32, dir: &std::path::Path) {
    in_namespace_of(
        pid,
        &format!(
            "mount --bind '{0}' '{0}' && mount -o remount,bind,ro '{0}'",
            dir.display()
        ),
    );
}

/// Undoes [`mount_read_only`].
pub fn unmount(pid: u32, dir: &std::path::Path) {
    in_namespace_of(pid, &format!("umount '{}'", dir.display()));
}

fn in_namespace_of(pid: u32, script: &str) {
    let out = Command::new("nsenter")
        .args(["-t", &pid.to_string(), "-m", "sh", "-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{script}` in the namespace of {pid} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
