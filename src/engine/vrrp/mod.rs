//! VRRP as keepalived 2.2.7 runs it, sans-IO: a [`Daemon`] (one keepalived
//! process) holds one [`Router`] per `vrrp_instance`. Feed it frames, timer
//! expiries and commands with the current time; it answers with frames,
//! address changes, state changes and keepalived's log lines.
//!
//! ```text
//! config.rs   keepalived.conf -> InstanceConfig (defaults, corrections, warnings)
//! router.rs   the per-instance state machine
//! receive.rs  advert validation (vrrp_check_packet) and its log lines
//! advert.rs   adverts and GARP/NA frames
//! track.rs    tracking scripts: rise/fall, weights
//! timers.rs   the daemon's timer heap; Skew_Time and Master_Down_Interval
//! daemon.rs   the process: dispatch by VRID, start/stop, link, scripts
//! ```

pub mod advert;
pub mod config;
pub mod daemon;
pub mod receive;
pub mod router;
pub mod timers;
pub mod track;

pub use config::{ConfigError, DaemonConfig, InstanceConfig};
pub use daemon::Daemon;
pub use router::{Iface, Router};

#[cfg(test)]
mod tests;
