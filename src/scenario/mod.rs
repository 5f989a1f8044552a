//! Scenarios: the TOML model, keepalived.conf and ipvsadm import, built-in scenarios.

pub mod conf;
pub mod keepalived;
pub mod model;
