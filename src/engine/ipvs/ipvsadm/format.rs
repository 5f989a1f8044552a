//! ipvsadm 1.31's listings, byte for byte (`list_all`, `print_title`,
//! `print_service_entry`, `list_conn`, `print_largenum` in ipvsadm.c),
//! trailing spaces included.
//!
//! Names are never resolved, so `-L` prints what `-Ln` would. Services are
//! sorted with ipvsadm's comparators, whose address difference wraps as a
//! 32-bit `int` (so 10.0.0.1 sorts after 192.168.1.1), by glibc's merge
//! sort, the `qsort` of the glibc ipvsadm is built against in Debian 12.

use super::{Format, ListWhat};
use crate::engine::ipvs::control::CtlError;
use crate::engine::ipvs::dest::{Counters, Dest, Forward};
use crate::engine::ipvs::estimator::Rates;
use crate::engine::ipvs::kernel::{Ipvs, ServiceView};
use crate::engine::ipvs::service::{Proto, ServiceKey, ServiceSpec};
use std::fmt::Write;
use std::net::Ipv4Addr;

/// `IP_VS_VERSION_CODE` 1.2.1 and `IP_VS_CONN_TAB_SIZE` (2^12).
pub const HEADER: &str = "IP Virtual Server version 1.2.1 (size=4096)\n";

/// What `ipvsadm` prints for `-L` with `what` and `fmt`.
pub fn list(ipvs: &Ipvs, what: ListWhat, fmt: &Format, now_us: u64) -> Result<String, CtlError> {
    let mut out = String::new();
    match what {
        ListWhat::All => {
            out.push_str(HEADER);
            title(&mut out, fmt);
            for v in sorted_services(ipvs, fmt) {
                service_entry(&mut out, &v, fmt);
            }
        }
        ListWhat::Service(key) => {
            let v = ipvs.service(&key).ok_or(CtlError::NoService)?;
            title(&mut out, fmt);
            service_entry(&mut out, &v, fmt);
        }
        ListWhat::Connections => conns(&mut out, ipvs, fmt, now_us),
        ListWhat::Timeout => {
            let (t, f, u) = ipvs.timeouts().triple();
            let _ = writeln!(out, "Timeout (tcp tcpfin udp): {t} {f} {u}");
        }
    }
    Ok(out)
}

/// `ipvsadm -Sn`: the table as commands that rebuild it.
pub fn save(ipvs: &Ipvs) -> String {
    let mut out = String::new();
    let fmt = Format { numeric: true, ..Format::default() };
    for v in sorted_services(ipvs, &fmt) {
        let name = match v.spec.key {
            ServiceKey::Fwmark(m) => format!("-f {m}"),
            ServiceKey::Inet { proto, addr, port } => {
                format!("{} {addr}:{port}", if proto == Proto::Tcp { "-t" } else { "-u" })
            }
        };
        let _ = write!(out, "-A {name} -s {}", v.spec.scheduler);
        if let Some(p) = v.spec.persistence {
            let _ = write!(out, " -p {}", p.timeout_s);
            if p.netmask != Ipv4Addr::BROADCAST {
                let _ = write!(out, " -M {}", p.netmask);
            }
        }
        if v.spec.one_packet {
            out.push_str(" -o");
        }
        if let Some(flags) = sched_flags(v.spec) {
            let _ = write!(out, " -b {flags}");
        }
        out.push('\n');
        for (_, d) in sorted_dests(&v, &fmt) {
            let switch = match d.forward {
                Forward::Route => "-g",
                Forward::Masq => "-m",
                Forward::Tunnel => "-i",
            };
            let tun = if d.forward == Forward::Tunnel { " --tun-type ipip" } else { "" };
            let _ = writeln!(out, "-a {name} -r {}:{} {switch} -w {}{tun}", d.addr, d.port, d.weight);
        }
    }
    out
}

/// `ipvs_cmp_services`: fwmark, family, protocol, address, port, each a C
/// `int` difference.
fn cmp_services(a: &ServiceSpec, b: &ServiceSpec) -> i32 {
    let fields = |s: &ServiceSpec| match s.key {
        ServiceKey::Fwmark(m) => (m, 0u8, 0u32, 0u16),
        ServiceKey::Inet { proto, addr, port } => (0, proto.number(), u32::from(addr), port),
    };
    let (fa, pa, aa, porta) = fields(a);
    let (fb, pb, ab, portb) = fields(b);
    // IPPROTO_TCP for fwmark services, as ipvsadm sets it.
    let proto = |fw: u32, p: u8| if fw != 0 { 6 } else { i32::from(p) };
    [
        fa.wrapping_sub(fb) as i32,
        proto(fa, pa) - proto(fb, pb),
        aa.wrapping_sub(ab) as i32,
        i32::from(porta) - i32::from(portb),
    ]
    .into_iter()
    .find(|&r| r != 0)
    .unwrap_or(0)
}

/// `ipvs_cmp_dests`: address then port.
fn cmp_dests(a: &Dest, b: &Dest) -> i32 {
    match u32::from(a.addr).wrapping_sub(u32::from(b.addr)) as i32 {
        0 => i32::from(a.port) - i32::from(b.port),
        r => r,
    }
}

/// glibc's `msort_with_tmp`: top-down merge sort, left run first on ties.
fn msort<T: Copy>(v: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let (n1, _) = (n / 2, n - n / 2);
    msort(&mut v[..n1], cmp);
    msort(&mut v[n1..], cmp);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) <= 0 {
            merged.push(v[i]);
            i += 1;
        } else {
            merged.push(v[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    merged.extend_from_slice(&v[j..n]);
    v.copy_from_slice(&merged);
}

fn sorted_services<'a>(ipvs: &'a Ipvs, fmt: &Format) -> Vec<ServiceView<'a>> {
    let mut v: Vec<ServiceView<'a>> = ipvs.services().collect();
    if !fmt.nosort {
        msort(&mut v, &|a: &ServiceView<'_>, b: &ServiceView<'_>| cmp_services(a.spec, b.spec));
    }
    v
}

fn sorted_dests<'a>(v: &ServiceView<'a>, fmt: &Format) -> Vec<(crate::engine::ipvs::dest::DestId, &'a Dest)> {
    let mut d: Vec<_> = v.dests.iter().collect();
    if !fmt.nosort {
        msort(&mut d, &|a: &(_, &Dest), b: &(_, &Dest)| cmp_dests(a.1, b.1));
    }
    d
}

fn title(out: &mut String, fmt: &Format) {
    let cols = |out: &mut String, names: [&str; 5]| {
        let _ = writeln!(
            out,
            "{:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", names[0], names[1], names[2], names[3], names[4]
        );
    };
    if fmt.stats {
        cols(out, ["Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"]);
    } else if fmt.rate {
        cols(out, ["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"]);
    } else if fmt.thresholds {
        let _ = writeln!(
            out,
            "{:<33} {:<10} {:<10} {:<10} {:<10}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        );
    } else if fmt.persistent_conn {
        let _ = writeln!(
            out,
            "{:<33} {:<9} {:<11} {:<10} {:<10}\n  -> RemoteAddress:Port",
            "Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn", "InActConn"
        );
    } else {
        out.push_str("Prot LocalAddress:Port Scheduler Flags\n");
        out.push_str("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
    }
}

/// `print_sched_flags`, without the parentheses.
fn sched_flags(spec: &ServiceSpec) -> Option<String> {
    let f = spec.flags;
    let names: [(bool, &str); 3] = match spec.scheduler.as_str() {
        "sh" => [(f.fallback, "sh-fallback"), (f.port, "sh-port"), (false, "")],
        "mh" => [(f.fallback, "mh-fallback"), (f.port, "mh-port"), (false, "")],
        _ => [(f.fallback, "flag-1"), (f.port, "flag-2"), (f.flag3, "flag-3")],
    };
    let set: Vec<&str> = names.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect();
    (f.fallback || f.port || f.flag3).then(|| set.join(","))
}

/// `print_largenum`.
fn largenum(out: &mut String, n: u64, fmt: &Format) {
    let _ = if fmt.exact {
        let len = n.to_string().len();
        write!(out, "{:>w$}", n, w = if len <= 8 { 9 } else { len + 1 })
    } else if n < 100_000_000 {
        write!(out, "{n:>9}")
    } else if n < 1_000_000_000 {
        write!(out, "{:>8}K", n / 1000)
    } else if n < 100_000_000_000 {
        write!(out, "{:>8}M", n / 1_000_000)
    } else if n < 100_000_000_000_000 {
        write!(out, "{:>8}G", n / 1_000_000_000)
    } else {
        write!(out, "{:>8}T", n / 1_000_000_000_000)
    };
}

fn counters(out: &mut String, c: &Counters, fmt: &Format) {
    for n in [c.conns, c.inpkts, c.outpkts, c.inbytes, c.outbytes] {
        largenum(out, n, fmt);
    }
}

fn service_entry(out: &mut String, v: &ServiceView<'_>, fmt: &Format) {
    let name = match v.spec.key {
        ServiceKey::Fwmark(m) => format!("FWM  {m}"),
        ServiceKey::Inet { proto, addr, port } => {
            let mut s = format!("{:<4} {addr}:{port}", proto.upper());
            s.truncate(33);
            s
        }
    };
    if fmt.stats {
        let _ = write!(out, "{name:<33}");
        counters(out, v.stats, fmt);
    } else if fmt.rate {
        let _ = write!(out, "{name:<33}");
        let r = v.rates;
        for n in [r.cps, r.inpps, r.outpps, r.inbps, r.outbps] {
            largenum(out, n, fmt);
        }
    } else {
        let _ = write!(out, "{name} {}", v.spec.scheduler);
        if let Some(flags) = sched_flags(v.spec) {
            let _ = write!(out, " ({flags})");
        }
        if let Some(p) = v.spec.persistence {
            let _ = write!(out, " persistent {}", p.timeout_s);
            if p.netmask != Ipv4Addr::BROADCAST {
                let _ = write!(out, " mask {}", p.netmask);
            }
        }
        if v.spec.one_packet {
            out.push_str(" ops");
        }
    }
    out.push('\n');
    for (_, d) in sorted_dests(v, fmt) {
        let mut name = format!("{}:{}", d.addr, d.port);
        name.truncate(28);
        let _ = if fmt.stats {
            let _ = write!(out, "  -> {name:<28}");
            counters(out, &d.stats, fmt);
            writeln!(out)
        } else if fmt.rate {
            let r: Rates = d.rate.rates();
            let _ = write!(out, "  -> {name:<28} {:>8} {:>8} {:>8}", r.cps, r.inpps, r.outpps);
            largenum(out, r.inbps, fmt);
            largenum(out, r.outbps, fmt);
            writeln!(out)
        } else if fmt.thresholds {
            writeln!(out, "  -> {name:<28} {:<10} {:<10} {:<10} {:<10}", d.u_threshold, d.l_threshold, d.active, d.inactive)
        } else if fmt.persistent_conn {
            writeln!(out, "  -> {name:<28} {:<9} {:<11} {:<10} {:<10}", d.weight, d.persistent, d.active, d.inactive)
        } else {
            writeln!(out, "  -> {name:<28} {:<7} {:<6} {:<10} {:<10}", d.forward.ipvsadm_name(), d.weight, d.active, d.inactive)
        };
    }
}

/// `list_conn`/`print_conn`: the kernel's `/proc/net/ip_vs_conn` entries,
/// oldest first (the kernel walks its hash table instead).
fn conns(out: &mut String, ipvs: &Ipvs, fmt: &Format, now_us: u64) {
    out.push_str("IPVS connection entries\n");
    if fmt.persistent_conn {
        let _ = writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} {:<18} {:<16} pe_data",
            "state", "source", "virtual", "destination", "pe name"
        );
    } else {
        let _ = writeln!(out, "pro expire {:<11} {:<18} {:<18} destination", "state", "source", "virtual");
    }
    for (_, c) in ipvs.conns() {
        let proto = c.proto.map_or("IP", Proto::upper);
        let left = c.expires_in_s(now_us);
        let expire = format!("{:02}:{:02}", left / 60, left % 60);
        let state = if c.template { "NONE" } else { c.state.name() };
        let (source, virt) = (format!("{}:{}", c.caddr, c.cport), format!("{}:{}", c.vaddr, c.vport));
        let _ = writeln!(out, "{proto:<3} {expire:<6} {state:<11} {source:<18} {virt:<18} {}:{}", c.daddr, c.dport);
    }
}

#[cfg(test)]
mod test;
