//! The shape of a scenario file, as serde reads it. Fields whose values need
//! more checks than their type keep their span (`Spanned`) for messages.

use ::toml::Spanned;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    #[serde(default)]
    pub run: RawRun,
    #[serde(default)]
    pub node: Vec<Spanned<RawNode>>,
    #[serde(default)]
    pub event: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    pub name: Option<String>,
    pub description: Option<String>,
    pub duration: Option<Spanned<String>>,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub loss: Option<Spanned<f64>>,
    pub jitter: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawRole {
    Router,
    Director,
    RealServer,
    Client,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawImpl {
    Engine,
    Keepalived,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub name: Spanned<String>,
    pub ip: Spanned<OneOrMany>,
    pub mac: Option<Spanned<String>>,
    pub role: Option<RawRole>,
    #[serde(rename = "impl")]
    pub implementation: Option<RawImpl>,
    pub keepalived: Option<Spanned<String>>,
    pub keepalived_conf: Option<Spanned<String>>,
    pub start_at: Option<Spanned<String>>,
    pub vip_on_lo: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    pub arp_ignore: Option<Spanned<i64>>,
    #[serde(default)]
    pub arp_announce: Option<Spanned<i64>>,
    #[serde(default)]
    pub ipvsadm: Vec<String>,
    pub gateway: Option<Spanned<String>>,
    /// `net.ipv4.ip_forward` (routers and LVS-NAT directors).
    #[serde(default)]
    pub ip_forward: bool,
    /// iptables command lines (the two-box article's mangle MARK rules).
    #[serde(default)]
    pub iptables: Vec<String>,
    pub requests: Option<Spanned<RawRequests>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequests {
    pub to: Spanned<String>,
    pub count: Option<u32>,
    pub interval: Option<Spanned<String>>,
    pub start: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub at: Spanned<String>,
    pub action: Spanned<String>,
    pub node: Option<Spanned<String>>,
    pub script: Option<Spanned<String>>,
    pub priority: Option<Spanned<i64>>,
    pub groups: Option<Spanned<Vec<Vec<Spanned<String>>>>>,
    pub real_server: Option<Spanned<String>>,
}
