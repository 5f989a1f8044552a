//! Scenarios: the TOML model, keepalived.conf and ipvsadm import, built-in scenarios.
//!
//! [`load`] is the one entry point the CLI, the simulator and the lab use.
//! Built-in scenarios are reserved the prefix [`BUILTIN_PREFIX`]: they belong
//! in a `builtin` module (`pub fn get(name: &str) -> Option<Scenario>` and a
//! list for `sim --list`), which [`load`] will consult once it exists; until
//! then a `builtin:` spec is refused with a clear error.

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
        anyhow::bail!("built-in scenario '{name}': built-in scenarios are not available in this build");
    }
    Ok(toml::load_file(Path::new(spec))?)
}
