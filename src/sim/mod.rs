//! The deterministic simulator: virtual clock, event queue, L2 segments, faults, taps.
//!
//! ```text
//! queue.rs    time-ordered events with a total tie order
//! rng.rs      the seeded generator (loss, jitter, exploration)
//! segment.rs  the LAN: a learning switch, partitions
//! world.rs    nodes (host stack + machines), the run loop, actions, taps
//! log.rs      the event log and its text/JSON forms
//! ```

pub mod build;
pub mod explore;
pub mod log;
pub mod queue;
pub mod rng;
pub mod segment;
pub mod summary;
pub mod world;

pub use world::{Factory, Stats, World};

#[cfg(test)]
mod tests;
