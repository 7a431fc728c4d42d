//! A child process the test keeps running (`watch`, `serve`, Chromium): killed when dropped, its
//! stdout and stderr collected line by line so tests can wait for a line and show the output
//! when something fails.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use super::wait::wait_until;

/// The lines a process has printed so far, both streams interleaved as they arrived.
#[derive(Default)]
struct Lines {
    lines: Vec<String>,
    /// Streams not yet at their end: 0 once the process has exited.
    open: usize,
}

/// A running child process, killed on drop.
pub struct Process {
    child: Child,
    output: Arc<Mutex<Lines>>,
}

impl Process {
    /// Starts `cmd` and collects what it prints. Its stdin is a pipe this process holds and never
    /// writes to: a child that reads it sees its end when the test binary exits, even if this
    /// `Process` is never dropped (the moto server lives in a static).
    pub fn start(mut cmd: Command) -> Process {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let output = Arc::new(Mutex::new(Lines {
            lines: Vec::new(),
            open: 2,
        }));
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    output.lock().unwrap().lines.push(line);
                }
                output.lock().unwrap().open -= 1;
            });
        }
        Process { child, output }
    }

    /// Waits for an output line containing `needle` and returns it; panics, with the output,
    /// if the process ends first.
    pub fn wait_line(&self, needle: &str) -> String {
        wait_until(
            fmt::from_fn(|f| write!(f, "an output line {needle:?}:\n{}", self.output())),
            || {
                let out = self.output.lock().unwrap();
                let found = out.lines.iter().find(|l| l.contains(needle)).cloned();
                assert!(
                    found.is_some() || out.open > 0,
                    "the process ended without printing {needle:?}:\n{}",
                    out.lines.join("\n")
                );
                found
            },
        )
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Everything printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().lines.join("\n")
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the process to exit.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let output = self.output.clone();
        wait_until(
            fmt::from_fn(|f| {
                let out = output.lock().unwrap();
                write!(f, "an exit on SIGTERM:\n{}", out.lines.join("\n"))
            }),
            || matches!(self.child.try_wait(), Ok(Some(_))),
        );
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill9();
    }
}
