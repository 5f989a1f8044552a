//! The IPVS half of the simulator: what the Linux kernel's `ip_vs` module
//! and `ipvsadm` do, as sans-IO machines.
//!
//! - [`dest`], [`sched`]: real servers and the fourteen schedulers, with
//!   the kernel's exact selection and tie rules.
//! - [`hash`]: the kernel's bucket hashes and `hsiphash`.
//! - [`kernel`]: the director's in-kernel state ([`kernel::Ipvs`]): services
//!   ([`service`]), the connection table ([`conn`], [`state`]), rate
//!   estimation ([`estimator`]); configured by [`control`], fed packets by
//!   [`input`], which rewrites them for DR/NAT/TUN ([`xmit`], [`packet`]).
//! - [`ipvsadm`]: the command line and the listings of ipvsadm 1.31.
//! - [`keepalived`], [`checker`]: keepalived's `virtual_server` blocks and
//!   its health checkers driven by the scenario's verdicts.
//! - [`director`]: the node's packet path around the hooks: Ethernet frames
//!   in and out, MARK rules, the bypass REDIRECT, IP forwarding for NAT.

pub mod checker;
pub mod conn;
pub mod control;
pub mod dest;
pub mod director;
pub mod estimator;
pub mod hash;
pub mod input;
pub mod iptables;
pub mod ipvsadm;
#[cfg(test)]
mod input_tests;
pub mod keepalived;
#[cfg(test)]
mod keepalived_tests;
pub mod kernel;
pub mod packet;
pub mod sched;
pub mod service;
pub mod state;
pub mod xmit;
