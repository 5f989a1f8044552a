//! Scenarios: the TOML model, keepalived.conf and ipvsadm import, built-in scenarios.

pub mod builtin;
pub mod builtin_lvs;
pub mod conf;
pub mod model;
