//! Real keepalived in a node's namespace: its files (config, pid files,
//! controlled scripts) in the node's lab directory, its console log in the
//! lab's log, and the faults done to it the real way (SIGTERM for a
//! graceful stop, SIGKILL of the VRRP process for a crash).
//!
//! Command line: `keepalived -n -l -D -G -P -R -f CONF -p PID -r VRRP_PID
//! -c CHECKERS_PID`: in the foreground (so the lab owns the process), log to
//! the console with details and never to the host's syslog, VRRP only (the
//! host's IPVS is left alone), no respawn of a killed VRRP process (a crash
//! stays a crash), and pid files of its own (so several keepalived run side
//! by side without touching the host's `/run/keepalived.pid`).

pub mod render;

use anyhow::{bail, Context};
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::log::LogBook;
use super::netns::Netns;
use crate::scenario::conf::KeepalivedConf;

/// How long keepalived gets to stop after SIGTERM (it sends its priority-0
/// adverts and removes its VIPs) before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How long the VRRP process may take to write its pid file after start.
const PIDFILE_WAIT: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(10);

/// The files of one node's keepalived, all in one directory of the lab's.
#[derive(Debug, Clone)]
pub struct Files {
    dir: PathBuf,
}

impl Files {
    pub fn new(dir: PathBuf) -> Files {
        Files { dir }
    }
    pub fn conf(&self) -> PathBuf {
        self.dir.join("keepalived.conf")
    }
    pub fn pid(&self) -> PathBuf {
        self.dir.join("keepalived.pid")
    }
    pub fn vrrp_pid(&self) -> PathBuf {
        self.dir.join("vrrp.pid")
    }
    pub fn checkers_pid(&self) -> PathBuf {
        self.dir.join("checkers.pid")
    }
    /// The file a `vrrp_script` runs in the lab.
    pub fn script(&self, name: &str) -> PathBuf {
        self.dir.join(format!("script-{name}.sh"))
    }

    /// Writes the config for `conf` (with every instance's priority set to
    /// `priority` if given) and, the first time, each script in its passing
    /// state. Returns the notes about what the lab changed in the config.
    pub fn write(&self, conf: &KeepalivedConf, interface: &str, priority: Option<u8>) -> anyhow::Result<Vec<String>> {
        fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        let path = |name: &str| self.script(name);
        let side = render::LabSide { interface, script_path: &path, priority };
        let (text, notes) = render::render(conf, &side);
        fs::write(self.conf(), text).with_context(|| format!("writing {}", self.conf().display()))?;
        for s in &conf.scripts {
            if !self.script(&s.name).exists() {
                self.set_script(&s.name, true)?;
            }
        }
        Ok(notes)
    }

    /// Makes the lab's `vrrp_script` file `name` exit 0 (`ok`) or 1 from now
    /// on. The new file is renamed into place, so keepalived never runs a
    /// half-written one.
    pub fn set_script(&self, name: &str, ok: bool) -> anyhow::Result<()> {
        let path = self.script(name);
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, format!("#!/bin/sh\nexit {}\n", if ok { 0 } else { 1 }))
            .with_context(|| format!("writing {}", tmp.display()))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
        fs::rename(&tmp, &path).with_context(|| format!("replacing {}", path.display()))
    }
}

/// A running keepalived.
pub struct Keepalived {
    node: String,
    files: Files,
    child: Child,
    readers: Vec<JoinHandle<()>>,
}

impl Keepalived {
    /// Starts keepalived with the config already written to `files`, inside
    /// `ns`. Its console lines go to `log` under the node's name.
    pub fn spawn(node: &str, ns: &Netns, files: Files, log: &LogBook) -> anyhow::Result<Keepalived> {
        let bin = binary()?;
        for stale in [files.pid(), files.vrrp_pid(), files.checkers_pid()] {
            let _ = fs::remove_file(stale);
        }
        let mut cmd = Command::new(&bin);
        cmd.args(["-n", "-l", "-D", "-G", "-P", "-R", "-f"])
            .arg(files.conf())
            .arg("-p")
            .arg(files.pid())
            .arg("-r")
            .arg(files.vrrp_pid())
            .arg("-c")
            .arg(files.checkers_pid())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C at the terminal reaches the
            // lab, which stops keepalived in order, and the whole group
            // (VRRP process, scripts) can be ended at once.
            .process_group(0);
        let mut child = ns
            .run(|| cmd.spawn().with_context(|| format!("starting {}", bin.display())))
            .with_context(|| format!("node {node}"))?;
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(read_lines(out, node, log.clone()));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(read_lines(err, node, log.clone()));
        }
        Ok(Keepalived { node: node.to_string(), files, child, readers })
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// Whether the main keepalived process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The VRRP child process, once it has written its pid file.
    pub fn vrrp_pid(&self) -> anyhow::Result<Pid> {
        let path = self.files.vrrp_pid();
        let deadline = Instant::now() + PIDFILE_WAIT;
        loop {
            if let Ok(text) = fs::read_to_string(&path) {
                if let Ok(pid) = text.trim().parse::<i32>() {
                    return Ok(Pid::from_raw(pid));
                }
            }
            if Instant::now() >= deadline {
                bail!("{}: keepalived wrote no VRRP pid file ({})", self.node, path.display());
            }
            std::thread::sleep(POLL);
        }
    }

    /// A crash: the VRRP process is killed outright and sends nothing more.
    /// (With `-R` the parent then exits instead of respawning it.)
    pub fn crash(&mut self) -> anyhow::Result<()> {
        let pid = self.vrrp_pid()?;
        kill(pid, Signal::SIGKILL).with_context(|| format!("{}: killing the VRRP process {pid}", self.node))
    }

    /// Re-reads the config (SIGHUP), for a changed priority.
    pub fn reload(&self) -> anyhow::Result<()> {
        kill(self.pid(), Signal::SIGHUP).with_context(|| format!("{}: reloading keepalived", self.node))
    }

    /// Starts a graceful stop without waiting for it: SIGTERM, on which
    /// keepalived sends priority 0 from each master, removes its VIPs and
    /// exits about a second later.
    pub fn terminate(&mut self) -> anyhow::Result<()> {
        if self.is_running() {
            kill(self.pid(), Signal::SIGTERM).with_context(|| format!("{}: stopping keepalived", self.node))?;
        }
        Ok(())
    }

    /// A graceful stop ([`terminate`](Self::terminate)), waited for: killed
    /// if it takes longer than the grace period. Its log is read to the end.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.terminate()?;
        let deadline = Instant::now() + STOP_GRACE;
        while self.is_running() && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        self.finish();
        Ok(())
    }

    /// Ends whatever is left of the process group and reaps the process.
    fn finish(&mut self) {
        // The group id is the main process's pid (process_group(0)), which
        // stays reserved until it is reaped below.
        let _ = killpg(self.pid(), Signal::SIGKILL);
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(1);
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        for r in self.readers.drain(..) {
            if r.is_finished() {
                let _ = r.join();
            }
        }
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        if !self.readers.is_empty() || self.is_running() {
            self.finish();
        }
    }
}

/// Where keepalived is: `VRRPLAB_KEEPALIVED`, else the usual places.
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("VRRPLAB_KEEPALIVED") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].iter().map(PathBuf::from))
        .map(|d| d.join("keepalived"))
        .find(|p| is_executable(p))
        .context("keepalived is not installed (apt-get install keepalived), or set VRRPLAB_KEEPALIVED")
}

fn is_executable(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Reads a daemon's output line by line into the log until it closes.
fn read_lines(stream: impl Read + Send + 'static, node: &str, log: LogBook) -> JoinHandle<()> {
    let node = node.to_string();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).split(b'\n') {
            let Ok(line) = line else { break };
            log.push(&node, strip_date(&String::from_utf8_lossy(&line)));
        }
    })
}

/// keepalived's console lines start with `Sun Nov 22 01:14:27 2026: `; the
/// log has its own, finer, time.
fn strip_date(line: &str) -> &str {
    let b = line.as_bytes();
    let dated = b.len() >= 26
        && &b[24..26] == b": "
        && b[20..24].iter().all(u8::is_ascii_digit)
        && b[13] == b':'
        && b[16] == b':';
    if dated {
        &line[26..]
    } else {
        line
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn strips_keepalived_console_dates() {
        assert_eq!(strip_date("Sun Nov 22 01:14:30 2026: (VI_1) Entering MASTER STATE"), "(VI_1) Entering MASTER STATE");
        assert_eq!(strip_date("Sun Nov  2 01:14:30 2026: Stopping"), "Stopping");
        assert_eq!(strip_date("no date here"), "no date here");
        assert_eq!(strip_date("Sun Nov 22 01:14:30 2026:"), "Sun Nov 22 01:14:30 2026:");
    }

    #[test]
    fn scripts_flip_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path().to_path_buf());
        files.set_script("chk", true).unwrap();
        let ok = Command::new(files.script("chk")).status().unwrap();
        assert!(ok.success());
        files.set_script("chk", false).unwrap();
        let failed = Command::new(files.script("chk")).status().unwrap();
        assert_eq!(failed.code(), Some(1));
        assert!(!files.script("chk").with_extension("tmp").exists());
    }
}
