//! Scenarios: the TOML model, keepalived.conf and ipvsadm import, built-in scenarios.

pub mod builtin;
pub mod conf;
pub mod model;
