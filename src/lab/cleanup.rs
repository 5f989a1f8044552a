//! Every namespace the lab makes is removed: by the [`Lab`](super::Lab)'s
//! `Drop` on return or panic, by the forced exit on SIGINT/SIGTERM, and by
//! [`down`] for what a killed process left behind.
//!
//! Lab names carry the creating process's id (`vl-<pid>-<n>`), so `down`
//! can tell leftovers (their process is gone) from labs still running.
//!
//! On SIGINT/SIGTERM ([`crate::interrupt`]) a running lab ends early and
//! tears down in order; if that takes too long, the forced exit removes
//! every lab this process registered.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::netns::{self, Netns};

/// The start of every lab's names.
pub const PREFIX: &str = "vl-";

struct Registry {
    labs: Vec<String>,
    exiting: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { labs: Vec::new(), exiting: false });

/// The forced exit's hook: removes every registered lab, and from then on
/// refuses to make new namespaces.
fn remove_all() {
    let mut reg = lock();
    reg.exiting = true;
    for lab in reg.labs.clone() {
        let _ = remove_lab(&lab);
    }
}

fn lock() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fresh lab name for this process, registered for the signal handler.
pub(super) fn register() -> anyhow::Result<String> {
    crate::interrupt::on_force_exit(remove_all);
    let mut reg = lock();
    if reg.exiting {
        anyhow::bail!("interrupted");
    }
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("{PREFIX}{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    reg.labs.push(name.clone());
    Ok(name)
}

pub(super) fn unregister(lab: &str) {
    lock().labs.retain(|l| l != lab);
}

/// Creates a namespace while the signal handler cannot be tearing down, so
/// that none is made after its sweep.
pub(super) fn create_netns(name: &str) -> anyhow::Result<Netns> {
    let reg = lock();
    if reg.exiting {
        anyhow::bail!("interrupted");
    }
    let ns = Netns::create(name);
    drop(reg);
    ns
}

/// The namespace names of lab `lab`: the LAN's (`lab` itself) and its
/// nodes' (`lab.NODE`).
pub fn lab_namespaces(lab: &str) -> anyhow::Result<Vec<String>> {
    let dotted = format!("{lab}.");
    Ok(netns::list()?.into_iter().filter(|n| n == lab || n.starts_with(&dotted)).collect())
}

/// The lab's working directory (configs, pid files, scripts).
pub fn lab_dir(lab: &str) -> PathBuf {
    std::env::temp_dir().join(lab)
}

/// Removes lab `lab`: the nodes' namespaces first (ending their
/// processes), then the LAN's, then its directory.
pub fn remove_lab(lab: &str) -> anyhow::Result<Vec<String>> {
    let mut names = lab_namespaces(lab)?;
    names.sort_by_key(|n| n == lab);
    let mut first_err = None;
    for n in &names {
        if let Err(e) = Netns::open(n).and_then(Netns::remove) {
            first_err.get_or_insert(e);
        }
    }
    let dir = lab_dir(lab);
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            first_err.get_or_insert(anyhow::Error::new(e).context(format!("removing {}", dir.display())));
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(names),
    }
}

/// The lab a namespace belongs to and the pid that made it:
/// `vl-123-0.n1` → (`vl-123-0`, 123).
fn parse_lab(name: &str) -> Option<(&str, u32)> {
    let lab = name.split('.').next()?;
    let rest = lab.strip_prefix(PREFIX)?;
    let (pid, n) = rest.split_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((lab, pid.parse().ok()?))
}

/// Removes labs left behind: those whose process is gone, or with `all`
/// every lab on the machine (also running ones). Returns the namespaces
/// removed. Work directories of gone labs are removed too.
pub fn down(all: bool) -> anyhow::Result<Vec<String>> {
    let mut labs: Vec<String> = Vec::new();
    let dirs = std::fs::read_dir(std::env::temp_dir())
        .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect::<Vec<_>>())
        .unwrap_or_default();
    for name in netns::list()?.into_iter().chain(dirs) {
        if let Some((lab, pid)) = parse_lab(&name) {
            let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
            if (all || gone) && !labs.iter().any(|l| l == lab) {
                labs.push(lab.to_string());
            }
        }
    }
    let mut removed = Vec::new();
    for lab in labs {
        removed.extend(remove_lab(&lab)?);
    }
    Ok(removed)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn lab_names() {
        assert_eq!(parse_lab("vl-123-0"), Some(("vl-123-0", 123)));
        assert_eq!(parse_lab("vl-123-4.n1"), Some(("vl-123-4", 123)));
        assert_eq!(parse_lab("vl-123-4.a.b"), Some(("vl-123-4", 123)));
        for other in ["vl-", "vl-x-0", "vl-12", "vl-12-", "vl-12-a", "lan", "netns1", "vl-1-0x"] {
            assert_eq!(parse_lab(other), None, "{other}");
        }
    }
}
