//! Scenarios: the TOML model, keepalived.conf and ipvsadm import, built-in scenarios.
//!
//! [`load`] is the one entry point the CLI, the simulator and the lab use:
//! `builtin:NAME` names one of [`builtin`]'s scenarios, anything else is a
//! TOML scenario file ([`toml`]).

pub mod builtin;
pub mod conf;
pub mod keepalived;
pub mod model;
pub mod toml;

use model::Scenario;
use std::path::Path;

/// Scenario specs starting with this name a built-in scenario, not a file.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// Loads a scenario from a spec: a TOML file path, or `builtin:NAME`.
pub fn load(spec: &str) -> anyhow::Result<Scenario> {
    if let Some(name) = spec.strip_prefix(BUILTIN_PREFIX) {
        return builtin::get(name);
    }
    Ok(toml::load_file(Path::new(spec))?)
}
