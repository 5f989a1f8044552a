//! The IPVS half of the simulator: what the Linux kernel's `ip_vs` module
//! and `ipvsadm` do, as sans-IO machines.
//!
//! - [`dest`], [`sched`]: real servers and the fourteen schedulers, with
//!   the kernel's exact selection and tie rules.
//! - [`hash`]: the kernel's bucket hashes and `hsiphash`.

pub mod dest;
pub mod hash;
pub mod sched;
