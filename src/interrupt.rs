//! SIGINT and SIGTERM for long-running commands (`live`, `lab run`, `lab
//! up`): a flag their loops poll so that they end early in order (flush the
//! pcap, stop keepalived, remove namespaces) and exit normally.
//!
//! While something [`hold`]s the handler, the first signal only raises the
//! flag. If the process has not exited after a grace period, or on a second
//! signal, the registered [`on_force_exit`] hooks run (the lab removes its
//! namespaces there) and the process exits with 128 + the signal. With no
//! holder, a signal exits that way at once.

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

/// How long an interrupted process gets to finish on its own.
const GRACE: Duration = Duration::from_secs(8);

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HOLDERS: AtomicUsize = AtomicUsize::new(0);
static FORCE_HOOKS: Mutex<Vec<fn()>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Whether SIGINT or SIGTERM has arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// While alive, a signal asks the process to finish instead of ending it.
#[must_use = "the handler is held only while the guard lives"]
pub struct Hold(());

impl Drop for Hold {
    fn drop(&mut self) {
        HOLDERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Installs the handler (once per process) and holds it.
pub fn hold() -> anyhow::Result<Hold> {
    install()?;
    HOLDERS.fetch_add(1, Ordering::Relaxed);
    Ok(Hold(()))
}

/// Runs `hook` before a forced exit (registering the same hook twice runs
/// it once).
pub fn on_force_exit(hook: fn()) {
    let mut hooks = FORCE_HOOKS.lock().unwrap_or_else(|e| e.into_inner());
    if !hooks.contains(&hook) {
        hooks.push(hook);
    }
}

fn install() -> anyhow::Result<()> {
    let mut result = Ok(());
    INSTALL.call_once(|| match Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                let mut signals = signals.forever();
                let Some(first) = signals.next() else { return };
                INTERRUPTED.store(true, Ordering::Relaxed);
                if HOLDERS.load(Ordering::Relaxed) == 0 {
                    force_exit(first);
                }
                std::thread::spawn(move || {
                    std::thread::sleep(GRACE);
                    force_exit(first);
                });
                if signals.next().is_some() {
                    force_exit(first);
                }
            });
        }
        Err(e) => result = Err(e).context("installing the SIGINT/SIGTERM handler"),
    });
    result
}

fn force_exit(signal: i32) -> ! {
    let hooks = FORCE_HOOKS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for hook in hooks {
        hook();
    }
    std::process::exit(128 + signal)
}
