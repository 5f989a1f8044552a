//! Named network namespaces, kept the way `ip netns` keeps them: an empty
//! file under `/run/netns` with the namespace bind-mounted over it.
//!
//! Why bind-mount rather than hold a process or an fd: a mounted namespace
//! outlives every process in it, so the lab can create a namespace, leave it
//! empty, and start daemons in it later; `ip netns exec NAME tcpdump` works
//! on a running lab for debugging; and when the lab process is killed
//! outright, its namespaces stay visible by name so that `vrrplab lab down`
//! can find and remove them. A namespace that only an fd held would vanish
//! from view yet live on as long as some daemon still ran in it.
//!
//! Why threads: `unshare(CLONE_NEWNET)` and `setns` change the namespace of
//! the calling *thread* only. Every namespace operation here runs on a short
//! scoped thread, so the caller's threads never leave the namespace they
//! started in, and nothing the lab does can touch the host's network.
//! Sockets (netlink, AF_PACKET) stay bound to the namespace of the thread
//! that opened them, so a socket opened through [`Netns::run`] keeps working
//! from any thread afterwards. Child processes inherit the namespace of the
//! thread that forked them, which is how daemons are started in a node.

use anyhow::{anyhow, bail, Context};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where `ip netns` looks.
pub const NETNS_DIR: &str = "/run/netns";

/// How long processes left in a namespace get to exit after SIGTERM before
/// they are killed.
const TERM_GRACE: Duration = Duration::from_secs(2);

/// A named network namespace. Dropping it does not remove it: the
/// [`Lab`](super::Lab) that created it does, so that ownership is explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netns {
    name: String,
    path: PathBuf,
}

impl Netns {
    /// Creates a new, empty namespace named `name` (only its loopback, down).
    pub fn create(name: &str) -> anyhow::Result<Netns> {
        check_name(name)?;
        ensure_netns_dir()?;
        let path = Path::new(NETNS_DIR).join(name);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        let mounted = std::thread::scope(|s| {
            s.spawn(|| -> nix::Result<()> {
                unshare(CloneFlags::CLONE_NEWNET)?;
                mount(Some("/proc/thread-self/ns/net"), &path, None::<&str>, MsFlags::MS_BIND, None::<&str>)
            })
            .join()
        });
        match mounted {
            Ok(Ok(())) => Ok(Netns { name: name.to_string(), path }),
            Ok(Err(e)) => {
                let _ = fs::remove_file(&path);
                Err(anyhow!("creating network namespace {name}: {e}"))
            }
            Err(_) => {
                let _ = fs::remove_file(&path);
                bail!("creating network namespace {name}: the helper thread panicked")
            }
        }
    }

    /// An existing namespace, by name.
    pub fn open(name: &str) -> anyhow::Result<Netns> {
        check_name(name)?;
        let path = Path::new(NETNS_DIR).join(name);
        if !path.exists() {
            bail!("no network namespace {name} (no {})", path.display());
        }
        Ok(Netns { name: name.to_string(), path })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An fd of the namespace, for `setns` or netlink's `IFLA_NET_NS_FD`.
    pub fn file(&self) -> anyhow::Result<File> {
        File::open(&self.path).with_context(|| format!("opening network namespace {}", self.name))
    }

    /// Runs `f` on a thread inside this namespace and returns its result.
    /// Sockets `f` opens stay in the namespace; processes it spawns run there.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> anyhow::Result<T> + Send) -> anyhow::Result<T> {
        let file = self.file()?;
        std::thread::scope(|s| {
            s.spawn(|| {
                setns(&file, CloneFlags::CLONE_NEWNET)
                    .with_context(|| format!("entering network namespace {}", self.name))?;
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow!("a thread in network namespace {} panicked", self.name)))
        })
    }

    /// Moves the calling thread into this namespace for good: for the
    /// long-lived threads that drive a node (one thread per node).
    pub fn enter_current_thread(&self) -> anyhow::Result<()> {
        let file = self.file()?;
        setns(&file, CloneFlags::CLONE_NEWNET).with_context(|| format!("entering network namespace {}", self.name))
    }

    /// Processes whose network namespace is this one (as `ip netns pids`).
    pub fn pids(&self) -> Vec<Pid> {
        let Ok(target) = fs::metadata(&self.path) else { return Vec::new() };
        let Ok(dir) = fs::read_dir("/proc") else { return Vec::new() };
        dir.filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&pid| {
                fs::metadata(format!("/proc/{pid}/ns/net"))
                    .is_ok_and(|m| m.dev() == target.dev() && m.ino() == target.ino())
            })
            .map(Pid::from_raw)
            .collect()
    }

    /// Ends every process in the namespace (SIGTERM, then SIGKILL after a
    /// grace period), unmounts it and removes its file. The kernel frees the
    /// namespace once the last socket opened in it is closed.
    pub fn remove(self) -> anyhow::Result<()> {
        end_processes(&self);
        umount2(&self.path, MntFlags::MNT_DETACH)
            .with_context(|| format!("unmounting network namespace {}", self.name))?;
        fs::remove_file(&self.path).with_context(|| format!("removing {}", self.path.display()))
    }
}

/// Names of the namespaces in [`NETNS_DIR`], sorted.
pub fn list() -> anyhow::Result<Vec<String>> {
    let dir = match fs::read_dir(NETNS_DIR) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context(format!("listing {NETNS_DIR}")),
    };
    let mut names: Vec<String> = dir.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    Ok(names)
}

fn end_processes(ns: &Netns) {
    let me = Pid::this();
    let others = || ns.pids().into_iter().filter(|&p| p != me).collect::<Vec<_>>();
    let pids = others();
    if pids.is_empty() {
        return;
    }
    for &p in &pids {
        let _ = kill(p, Signal::SIGTERM);
    }
    let deadline = Instant::now() + TERM_GRACE;
    while Instant::now() < deadline && !others().is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in others() {
        let _ = kill(p, Signal::SIGKILL);
    }
}

/// A name that is a single plain path component.
fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        bail!("invalid network namespace name {name:?}");
    }
    Ok(())
}

/// Makes `/run/netns` a shared mount point, as iproute2 does, so that the
/// bind mounts under it propagate to other mount namespaces (a daemon in
/// its own mount namespace still sees the lab's namespaces).
fn ensure_netns_dir() -> anyhow::Result<()> {
    fs::create_dir_all(NETNS_DIR).with_context(|| format!("creating {NETNS_DIR}"))?;
    let shared = || mount(None::<&str>, NETNS_DIR, None::<&str>, MsFlags::MS_SHARED | MsFlags::MS_REC, None::<&str>);
    match shared() {
        Ok(()) => Ok(()),
        Err(nix::errno::Errno::EINVAL) => {
            // Not a mount point yet: make it one, then shared.
            mount(Some(NETNS_DIR), NETNS_DIR, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
                .with_context(|| format!("bind-mounting {NETNS_DIR} on itself"))?;
            shared().with_context(|| format!("making {NETNS_DIR} a shared mount"))
        }
        Err(e) => Err(e).context(format!("making {NETNS_DIR} a shared mount")),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn names_are_single_path_components() {
        assert!(check_name("vl-12-0.n1").is_ok());
        for bad in ["", "..", ".hidden", "a/b", "a b", "x\0"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
