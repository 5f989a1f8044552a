//! From keepalived.conf (`scenario::conf`) to what the engine runs, applying
//! keepalived 2.2.7's defaults and its config-time corrections
//! (`vrrp_complete_instance`): derived priority and state, interval rounding,
//! strict mode, the warnings it prints. What keepalived rejects is an error;
//! what the engine does not model is a warning.

use crate::engine::Micros;
use crate::scenario::conf::{self, AuthKind, InitialState, KeepalivedConf, Span};
use crate::wire::vrrp::Family;
use std::net::IpAddr;

/// The owner's priority: the instance owns the addresses.
pub const PRIO_OWNER: u8 = 255;
const PRIO_DEFAULT: u8 = 100;
const SECOND: Micros = 1_000_000;
const CENTI: Micros = 10_000;

/// A config keepalived would refuse to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{span}: {message}")]
pub struct ConfigError {
    pub span: Span,
    pub message: String,
}

/// One keepalived VRRP process: its instances and scripts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DaemonConfig {
    pub router_id: Option<String>,
    pub instances: Vec<InstanceConfig>,
    pub scripts: Vec<ScriptConfig>,
    /// What keepalived would warn about, and what the engine does not model.
    pub warnings: Vec<conf::Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptConfig {
    pub name: String,
    pub interval_us: Micros,
    /// The script's own weight (a `track_script` entry may override it).
    pub weight: i32,
    pub rise: u32,
    pub fall: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VipConfig {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// A `track_script` entry, resolved to an index in `DaemonConfig::scripts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackedScript {
    pub script: usize,
    pub weight: i32,
    pub reverse: bool,
}

/// A `track_interface` entry. The simulated node has one interface; entries
/// naming another are dropped with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackedInterface {
    pub weight: i32,
    pub reverse: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceConfig {
    pub name: String,
    pub vrid: u8,
    pub family: Family,
    pub version: u8,
    /// `state MASTER` (after keepalived's corrections).
    pub want_master: bool,
    pub base_priority: u8,
    /// The configured advert interval, rounded as keepalived rounds it.
    pub adver_int_us: Micros,
    pub nopreempt: bool,
    /// 0: no preempt delay.
    pub preempt_delay_us: Micros,
    pub use_vmac: bool,
    /// `mcast_src_ip` / `unicast_src_ip`; default: the interface's address.
    pub src_ip: Option<IpAddr>,
    pub unicast_peers: Vec<IpAddr>,
    /// PASS authentication: the password, zero-padded to 8 bytes.
    pub auth_pass: Option<[u8; 8]>,
    /// Advertised addresses.
    pub vips: Vec<VipConfig>,
    /// Excluded addresses: configured when master, never advertised.
    pub evips: Vec<VipConfig>,
    pub track_interfaces: Vec<TrackedInterface>,
    pub track_scripts: Vec<TrackedScript>,
    pub garp_rep: u32,
    pub garp_delay_us: Micros,
    /// 0: no periodic refresh.
    pub garp_refresh_us: Micros,
    pub garp_refresh_rep: u32,
    pub garp_lower_prio_rep: u32,
    pub garp_lower_prio_delay_us: Micros,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub skip_check_adv_addr: bool,
    /// Whether the master accepts traffic for its VIPs (`accept`/`no_accept`).
    pub accept: bool,
    pub strict: bool,
}

impl InstanceConfig {
    /// The MAC adverts and GARPs come from with `use_vmac`: 00:00:5e:00:01:VRID
    /// (00:00:5e:00:02:VRID for IPv6).
    pub fn virtual_mac(&self) -> [u8; 6] {
        let kind = if self.family == Family::Ipv6 { 2 } else { 1 };
        [0x00, 0x00, 0x5e, 0x00, kind, self.vrid]
    }
    pub fn unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }
}

struct Ctx<'a> {
    warnings: &'a mut Vec<conf::Warning>,
}

impl Ctx<'_> {
    fn warn(&mut self, span: &Span, message: String) {
        self.warnings.push(conf::Warning { span: span.clone(), message });
    }
}

impl DaemonConfig {
    /// Builds the VRRP side of a parsed keepalived.conf. The parser's own
    /// warnings are carried over.
    pub fn from_conf(kc: &KeepalivedConf) -> Result<DaemonConfig, ConfigError> {
        let mut warnings = kc.warnings.clone();
        let mut cx = Ctx { warnings: &mut warnings };
        let scripts: Vec<ScriptConfig> = kc.scripts.iter().map(script).collect();
        for s in &kc.scripts {
            if s.timeout_us.is_some() {
                cx.warn(&s.span, format!("vrrp_script {}: timeout is not simulated (scripts finish at once)", s.name));
            }
        }
        for g in &kc.sync_groups {
            cx.warn(&g.span, format!("vrrp_sync_group {} is not simulated; its instances run independently", g.name));
        }
        if kc.global.garp_interval_us.unwrap_or(0) > 0 {
            cx.warn(&Span::default(), "vrrp_garp_interval is not simulated: GARPs are sent back to back".into());
        }
        let mut instances = Vec::with_capacity(kc.instances.len());
        for inst in &kc.instances {
            if instances.iter().any(|i: &InstanceConfig| i.name == inst.name) {
                return Err(err(&inst.span, format!("vrrp_instance {} defined twice", inst.name)));
            }
            instances.push(instance(inst, &kc.global, &kc.scripts, &mut cx)?);
        }
        for (i, a) in instances.iter().enumerate() {
            if instances[..i].iter().any(|b| b.vrid == a.vrid && b.family == a.family) {
                let span = &kc.instances[i].span;
                return Err(err(span, format!("({}) VRID {} is used by another instance on this interface", a.name, a.vrid)));
            }
        }
        Ok(DaemonConfig { router_id: kc.global.router_id.clone(), instances, scripts, warnings })
    }
}

fn err(span: &Span, message: String) -> ConfigError {
    ConfigError { span: span.clone(), message }
}

fn script(s: &conf::VrrpScript) -> ScriptConfig {
    ScriptConfig {
        name: s.name.clone(),
        interval_us: s.interval_us.unwrap_or(SECOND).max(1),
        weight: s.weight.unwrap_or(0).clamp(-253, 253),
        rise: s.rise.unwrap_or(1).max(1),
        fall: s.fall.unwrap_or(1).max(1),
    }
}

fn instance(
    c: &conf::VrrpInstance,
    g: &conf::GlobalDefs,
    scripts: &[conf::VrrpScript],
    cx: &mut Ctx,
) -> Result<InstanceConfig, ConfigError> {
    let name = &c.name;
    let span = &c.span;
    if c.vrid == 0 {
        return Err(err(span, format!("({name}) the virtual router id must be set")));
    }
    let strict = c.strict_mode || g.vrrp_strict;
    let family = match c.vips.first() {
        Some(v) if v.addr.is_ipv6() => Family::Ipv6,
        _ => Family::Ipv4,
    };
    if c.vips.iter().chain(&c.excluded_vips).any(|v| v.addr.is_ipv6() != (family == Family::Ipv6)) {
        return Err(err(span, format!("({name}) IPv4 and IPv6 virtual addresses cannot be mixed in one instance")));
    }
    let mut version = c.version.or(g.vrrp_version).unwrap_or(2);
    if family == Family::Ipv6 && version == 2 {
        cx.warn(span, format!("({name}) cannot use IPv6 with VRRP version 2; setting version 3"));
        version = 3;
    }
    if version != 2 && version != 3 {
        return Err(err(span, format!("({name}) VRRP version {version} is not 2 or 3")));
    }
    if c.vips.is_empty() {
        if version == 3 || strict {
            return Err(err(span, format!("({name}) No VIP specified; at least one is required")));
        }
        cx.warn(span, format!("({name}) No VIP specified; at least one is sensible"));
    }
    let mut base_priority = match c.priority {
        Some(0) => {
            cx.warn(span, format!("({name}) Priority not valid! must be between 1 & 255. Using default 100"));
            PRIO_DEFAULT
        }
        Some(p) => p,
        None if c.state == Some(InitialState::Master) => PRIO_OWNER,
        None => PRIO_DEFAULT,
    };
    let mut want_master = match c.state {
        None => base_priority == PRIO_OWNER,
        Some(s) => s == InitialState::Master,
    };
    if strict && want_master != (base_priority == PRIO_OWNER) {
        cx.warn(span, format!("({name}) State MASTER must match being address owner"));
        want_master = base_priority == PRIO_OWNER;
    }
    let mut auth_pass = None;
    if let Some(a) = &c.auth {
        if strict {
            cx.warn(span, format!("({name}) Strict mode does not support authentication. Ignoring."));
        } else if version == 3 {
            cx.warn(span, format!("({name}) VRRP version 3 does not support authentication. Ignoring."));
        } else if a.pass.is_empty() {
            cx.warn(span, format!("({name}) Authentication specified but no password given. Ignoring"));
        } else if a.kind == AuthKind::Ah {
            cx.warn(span, format!("({name}) auth_type AH is not simulated; adverts are sent without authentication"));
        } else {
            let mut pw = [0u8; 8];
            for (d, s) in pw.iter_mut().zip(a.pass.bytes()) {
                *d = s;
            }
            auth_pass = Some(pw);
        }
    }
    if strict && !c.unicast_peers.is_empty() {
        return Err(err(span, format!("({name}) Unicast peers are not supported in strict mode")));
    }
    if let Some(p) = c.unicast_peers.iter().find(|p| p.is_ipv6() != (family == Family::Ipv6)) {
        return Err(err(span, format!("({name}) unicast peer {p} is not of the instance's address family")));
    }
    if family == Family::Ipv6 && c.unicast_peers.is_empty() {
        if let Some(IpAddr::V6(first)) = c.vips.first().map(|v| v.addr) {
            if first.segments()[0] & 0xffc0 != 0xfe80 {
                cx.warn(span, format!("({name}) the first IPv6 VIP address should be link local"));
            }
        }
    }
    // keepalived limits the advertised VIPs to what fits a 1500-byte frame and 255.
    let hdr = 14 + if family == Family::Ipv4 { 20 + 8 + if version == 2 { 8 } else { 0 } } else { 40 + 8 };
    let max_addr = ((1500 - hdr) / family.addr_len()).min(255);
    let mut vips: Vec<VipConfig> = c.vips.iter().map(vip).collect();
    let mut evips: Vec<VipConfig> = c.excluded_vips.iter().map(vip).collect();
    if vips.len() > max_addr {
        cx.warn(span, format!(
            "({name}) Number of VIPs ({}) exceeds maximum/space available in packet (max {max_addr} addresses) - excess moved to eVIPs",
            vips.len()
        ));
        let excess = vips.split_off(max_addr);
        evips.splice(0..0, excess);
    }
    let mut nopreempt = c.nopreempt;
    if base_priority == PRIO_OWNER && nopreempt {
        cx.warn(span, format!("({name}) nopreempt is incompatible with priority 255. resetting nopreempt"));
        nopreempt = false;
    }
    let mut preempt_delay_us = c.preempt_delay_us.unwrap_or(0).min(1000 * SECOND);
    if want_master {
        if nopreempt {
            cx.warn(span, format!("({name}) Warning - nopreempt will not work with initial state MASTER - clearing"));
            nopreempt = false;
        }
        if preempt_delay_us > 0 {
            cx.warn(span, format!("({name}) Warning - preempt delay will not work with initial state MASTER - clearing"));
            preempt_delay_us = 0;
        }
    }
    if preempt_delay_us > 0 && strict {
        cx.warn(span, format!("({name}) preempt_delay is incompatible with strict mode - resetting"));
        preempt_delay_us = 0;
    }
    if preempt_delay_us > 0 && nopreempt {
        cx.warn(span, format!("({name}) preempt_delay is incompatible with nopreempt mode - resetting"));
        preempt_delay_us = 0;
    }
    let adver_int_us = round_interval(name, span, version, c.advert_int_us.unwrap_or(SECOND), cx);
    let mut accept = c.accept.unwrap_or(base_priority == PRIO_OWNER || !strict);
    if accept && base_priority != PRIO_OWNER && strict && version == 2 {
        cx.warn(span, format!("({name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"));
        accept = false;
    }
    let track_scripts = c
        .track_scripts
        .iter()
        .filter_map(|t| match scripts.iter().position(|s| s.name == t.name) {
            Some(i) => Some(TrackedScript {
                script: i,
                weight: t.weight.unwrap_or_else(|| scripts[i].weight.unwrap_or(0)).clamp(-253, 253),
                reverse: t.reverse,
            }),
            None => {
                cx.warn(span, format!("({name}) track_script {} not found, ignoring...", t.name));
                None
            }
        })
        .collect();
    let iface = c.interface.as_deref();
    let track_interfaces = c
        .track_interfaces
        .iter()
        .filter_map(|t| {
            if iface.is_some_and(|i| i != t.name) {
                cx.warn(span, format!(
                    "({name}) track_interface {}: the simulated node has one interface ({}); entry ignored",
                    t.name,
                    iface.unwrap_or("eth0")
                ));
                return None;
            }
            Some(TrackedInterface { weight: t.weight.unwrap_or(0).clamp(-253, 253), reverse: t.reverse })
        })
        .collect();
    if !c.notify.is_empty() {
        cx.warn(span, format!("({name}) notify scripts are not run by the simulator"));
    }
    let garp_rep = c.garp_master_repeat.or(g.garp_master_repeat).unwrap_or(5);
    let garp_delay_us = u64::from(c.garp_master_delay_s.or(g.garp_master_delay_s).unwrap_or(5)) * SECOND;
    base_priority = base_priority.max(1);
    Ok(InstanceConfig {
        name: name.clone(),
        vrid: c.vrid,
        family,
        version,
        want_master,
        base_priority,
        adver_int_us,
        nopreempt,
        preempt_delay_us,
        use_vmac: c.use_vmac,
        src_ip: c.src_ip,
        unicast_peers: c.unicast_peers.clone(),
        auth_pass,
        vips,
        evips,
        track_interfaces,
        track_scripts,
        garp_rep,
        garp_delay_us,
        garp_refresh_us: u64::from(c.garp_master_refresh_s.or(g.garp_master_refresh_s).unwrap_or(0)) * SECOND,
        garp_refresh_rep: 1,
        garp_lower_prio_rep: if strict { 0 } else { garp_rep },
        garp_lower_prio_delay_us: if strict { 0 } else { garp_delay_us },
        lower_prio_no_advert: strict || g.lower_prio_no_advert,
        higher_prio_send_advert: !strict && g.higher_prio_send_advert,
        skip_check_adv_addr: g.skip_check_adv_addr,
        accept,
        strict,
    })
}

fn vip(v: &conf::Vip) -> VipConfig {
    let max = if v.addr.is_ipv4() { 32 } else { 128 };
    VipConfig { addr: v.addr, prefix: v.prefix.min(max) }
}

/// keepalived keeps v2 intervals in whole seconds (1..255) and v3 intervals
/// in centiseconds (1..4095), rounding to the nearest and warning.
fn round_interval(name: &str, span: &Span, version: u8, us: Micros, cx: &mut Ctx) -> Micros {
    let (unit, max) = if version == 2 { (SECOND, 255 * SECOND) } else { (CENTI, 4095 * CENTI) };
    if us > max {
        cx.warn(span, format!("({name}) VRRPv{version} advertisement interval is out of range; using the maximum"));
        return max;
    }
    if us % unit != 0 {
        cx.warn(span, format!("({name}) VRRPv{version} advertisement interval must be a multiple of {} ms - rounding", unit / 1000));
        let r = (us + unit / 2) / unit * unit;
        return r.max(unit);
    }
    us.max(unit)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::scenario::conf::{Auth, GlobalDefs, Track, Vip, VrrpInstance, VrrpScript};

    pub(crate) fn inst(name: &str, vrid: u8) -> VrrpInstance {
        VrrpInstance {
            name: name.into(),
            vrid,
            interface: Some("eth0".into()),
            vips: vec![Vip { addr: "192.0.2.100".parse().unwrap(), prefix: 32, dev: None, label: None }],
            ..Default::default()
        }
    }

    fn one(i: VrrpInstance, g: GlobalDefs) -> (InstanceConfig, Vec<String>) {
        let kc = KeepalivedConf { global: g, instances: vec![i], ..Default::default() };
        let d = DaemonConfig::from_conf(&kc).unwrap();
        (d.instances[0].clone(), d.warnings.into_iter().map(|w| w.message).collect())
    }

    #[test]
    fn keepalived_defaults() {
        let (c, w) = one(inst("VI_1", 51), GlobalDefs::default());
        assert!(w.is_empty(), "{w:?}");
        assert_eq!((c.version, c.base_priority, c.want_master), (2, 100, false));
        assert_eq!(c.adver_int_us, 1_000_000);
        assert_eq!((c.garp_rep, c.garp_delay_us, c.garp_refresh_us), (5, 5_000_000, 0));
        assert_eq!((c.garp_lower_prio_rep, c.garp_lower_prio_delay_us), (5, 5_000_000));
        assert!(c.accept && !c.lower_prio_no_advert && !c.strict);
    }

    #[test]
    fn master_without_priority_is_owner_and_owner_without_state_is_master() {
        let (c, _) = one(VrrpInstance { state: Some(InitialState::Master), ..inst("VI_1", 1) }, GlobalDefs::default());
        assert_eq!((c.base_priority, c.want_master), (255, true));
        let (c, _) = one(VrrpInstance { priority: Some(255), ..inst("VI_1", 1) }, GlobalDefs::default());
        assert!(c.want_master);
    }

    #[test]
    fn notify_scripts_are_not_run() {
        let i = VrrpInstance { notify: vec![("notify_master".into(), "/x.sh master".into())], ..inst("VI_1", 51) };
        let (_, w) = one(i, GlobalDefs::default());
        assert_eq!(w, ["(VI_1) notify scripts are not run by the simulator"]);
    }

    #[test]
    fn nopreempt_with_master_is_cleared() {
        let i = VrrpInstance { state: Some(InitialState::Master), priority: Some(100), nopreempt: true, ..inst("VI_1", 1) };
        let (c, w) = one(i, GlobalDefs::default());
        assert!(!c.nopreempt);
        assert_eq!(w, ["(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing"]);
    }

    #[test]
    fn intervals_are_rounded_per_version() {
        let i = VrrpInstance { advert_int_us: Some(1_400_000), ..inst("VI_1", 1) };
        assert_eq!(one(i.clone(), GlobalDefs::default()).0.adver_int_us, 1_000_000);
        let i3 = VrrpInstance { version: Some(3), advert_int_us: Some(104_000), ..inst("VI_1", 1) };
        assert_eq!(one(i3, GlobalDefs::default()).0.adver_int_us, 100_000);
        let tiny = VrrpInstance { advert_int_us: Some(100_000), ..inst("VI_1", 1) };
        assert_eq!(one(tiny, GlobalDefs::default()).0.adver_int_us, 1_000_000);
    }

    #[test]
    fn strict_mode_effects() {
        let i = VrrpInstance {
            state: Some(InitialState::Master),
            priority: Some(100),
            auth: Some(Auth { kind: AuthKind::Pass, pass: "1111".into() }),
            preempt_delay_us: Some(5_000_000),
            ..inst("VI_1", 1)
        };
        let (c, w) = one(i, GlobalDefs { vrrp_strict: true, ..Default::default() });
        assert!(!c.want_master, "MASTER must match being owner");
        assert_eq!(c.auth_pass, None);
        assert!(c.lower_prio_no_advert && !c.accept);
        assert_eq!((c.garp_lower_prio_rep, c.preempt_delay_us), (0, 0));
        assert!(w.iter().any(|m| m.contains("State MASTER must match being address owner")));
        let peers = VrrpInstance { unicast_peers: vec!["192.0.2.12".parse().unwrap()], ..inst("VI_1", 1) };
        let kc = KeepalivedConf {
            global: GlobalDefs { vrrp_strict: true, ..Default::default() },
            instances: vec![peers],
            ..Default::default()
        };
        assert!(DaemonConfig::from_conf(&kc).unwrap_err().message.contains("Unicast peers are not supported"));
    }

    #[test]
    fn ipv6_forces_version_3_and_password_is_padded() {
        let mut i = inst("VI_6", 7);
        i.vips = vec![Vip { addr: "fe80::100".parse().unwrap(), prefix: 64, dev: None, label: None }];
        let (c, w) = one(i, GlobalDefs { vrrp_version: Some(2), ..Default::default() });
        assert_eq!((c.family, c.version), (Family::Ipv6, 3));
        assert!(w[0].contains("setting version 3"));
        let p = VrrpInstance { auth: Some(Auth { kind: AuthKind::Pass, pass: "1111".into() }), ..inst("VI_1", 1) };
        assert_eq!(one(p, GlobalDefs::default()).0.auth_pass, Some(*b"1111\0\0\0\0"));
    }

    #[test]
    fn track_script_weight_falls_back_to_the_script() {
        let kc = KeepalivedConf {
            scripts: vec![VrrpScript { name: "chk".into(), weight: Some(-30), ..Default::default() }],
            instances: vec![VrrpInstance {
                track_scripts: vec![
                    Track { name: "chk".into(), weight: None, reverse: false },
                    Track { name: "nope".into(), weight: Some(5), reverse: false },
                ],
                ..inst("VI_1", 1)
            }],
            ..Default::default()
        };
        let d = DaemonConfig::from_conf(&kc).unwrap();
        assert_eq!(d.instances[0].track_scripts, [TrackedScript { script: 0, weight: -30, reverse: false }]);
        assert!(d.warnings[0].message.contains("track_script nope not found"));
    }

    #[test]
    fn errors_keepalived_refuses() {
        let kc = KeepalivedConf { instances: vec![inst("A", 0)], ..Default::default() };
        assert!(DaemonConfig::from_conf(&kc).is_err());
        let kc = KeepalivedConf { instances: vec![inst("A", 5), inst("B", 5)], ..Default::default() };
        assert!(DaemonConfig::from_conf(&kc).unwrap_err().message.contains("VRID 5"));
        let v3 = VrrpInstance { version: Some(3), vips: vec![], ..inst("A", 5) };
        let kc = KeepalivedConf { instances: vec![v3], ..Default::default() };
        assert!(DaemonConfig::from_conf(&kc).is_err());
    }
}
