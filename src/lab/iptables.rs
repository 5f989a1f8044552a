//! A scenario's `iptables = [...]` lines on a node whose kernel does the
//! work, as nftables rules in the node's namespace. There is no
//! `iptables-translate` to lean on, so the lab translates a documented
//! subset of the filter table and refuses the rest by name:
//!
//! `[iptables] [-t filter] -A|-I INPUT|OUTPUT|FORWARD [[!] -p tcp|udp|icmp|vrrp|NUMBER]
//! [[!] -s ADDR[/LEN]] [[!] -d ADDR[/LEN]] [[!] -i IFACE] [[!] -o IFACE]
//! [-m tcp|udp] [--sport PORT] [--dport PORT] -j ACCEPT|DROP|REJECT`
//!
//! (The engine's director applies the two-box article's mangle MARK rules
//! itself, see `engine::ipvs::iptables`.)

use std::net::Ipv4Addr;

/// The nftables table the rules go to.
pub const TABLE: &str = "vrrplab_iptables";

/// What is wrong with a line, and at which word (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("word {word}: {message}")]
pub struct RuleError {
    pub word: usize,
    pub message: String,
}

/// One translated rule: its chain, whether it goes first (`-I`), the nft text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub chain: &'static str,
    pub insert: bool,
    pub nft: String,
}

/// Translates one iptables command line.
pub fn translate(line: &str) -> Result<Rule, RuleError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let err = |i: usize, m: String| RuleError { word: i + 1, message: m };
    let mut i = usize::from(words.first() == Some(&"iptables"));
    let (mut chain, mut insert, mut verdict) = (None, false, None);
    let mut proto: Option<(bool, String)> = None;
    let mut matches = Vec::new();
    let mut ports = Vec::new();
    let mut negate = false;
    while i < words.len() {
        let w = words[i];
        let value = |k: usize| words.get(k + 1).copied().ok_or_else(|| err(k, format!("{w} needs a value")));
        let not = if negate { "!= " } else { "" };
        match w {
            "!" => {
                negate = true;
                i += 1;
                continue;
            }
            "-t" | "--table" => {
                let t = value(i)?;
                if t != "filter" {
                    return Err(err(i + 1, format!("table {t}: the lab translates the filter table only")));
                }
            }
            "-A" | "--append" | "-I" | "--insert" => {
                insert = w.starts_with("-I") || w == "--insert";
                chain = Some(match value(i)? {
                    "INPUT" => "input",
                    "OUTPUT" => "output",
                    "FORWARD" => "forward",
                    c => return Err(err(i + 1, format!("chain {c}: INPUT, OUTPUT or FORWARD"))),
                });
                // `-I CHAIN 1` is the same as `-I CHAIN`.
                if insert && words.get(i + 2) == Some(&"1") {
                    i += 1;
                }
            }
            "-p" | "--protocol" => {
                let p = match value(i)? {
                    "tcp" | "6" => "tcp".to_string(),
                    "udp" | "17" => "udp".to_string(),
                    "icmp" | "1" => "icmp".to_string(),
                    "vrrp" | "112" => "112".to_string(),
                    n => n.parse::<u8>().map_err(|_| err(i + 1, format!("protocol {n}")))?.to_string(),
                };
                proto = Some((negate, p));
            }
            "-s" | "--source" | "-d" | "--destination" => {
                let a = value(i)?;
                let (addr, len) = a.split_once('/').unwrap_or((a, "32"));
                let ok = addr.parse::<Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 32);
                if !ok {
                    return Err(err(i + 1, format!("{a}: an IPv4 address or ADDR/LEN")));
                }
                let field = if w.starts_with("-s") || w == "--source" { "saddr" } else { "daddr" };
                matches.push(format!("ip {field} {not}{a}"));
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let field = if w.starts_with("-i") || w == "--in-interface" { "iifname" } else { "oifname" };
                matches.push(format!("{field} {not}\"{}\"", value(i)?));
            }
            "-m" | "--match" => {
                let m = value(i)?;
                if !matches!(m, "tcp" | "udp") {
                    return Err(err(i + 1, format!("match {m}: not translated by the lab")));
                }
            }
            "--sport" | "--source-port" | "--dport" | "--destination-port" => {
                let p = value(i)?;
                p.parse::<u16>().map_err(|_| err(i + 1, format!("port {p}")))?;
                let field = if w.contains("sport") || w.contains("source") { "sport" } else { "dport" };
                ports.push((i, format!("{field} {not}{p}")));
            }
            "-j" | "--jump" => {
                verdict = Some(match value(i)? {
                    "ACCEPT" => "accept",
                    "DROP" => "drop",
                    "REJECT" => "reject",
                    t => return Err(err(i + 1, format!("target {t}: ACCEPT, DROP or REJECT"))),
                });
            }
            _ => return Err(err(i, format!("{w}: not in the subset the lab translates"))),
        }
        if negate && matches!(w, "-t" | "-A" | "-I" | "-m" | "-j") {
            return Err(err(i, format!("! before {w}")));
        }
        negate = false;
        i += 2;
    }
    let chain = chain.ok_or_else(|| err(words.len().saturating_sub(1), "no -A or -I CHAIN".into()))?;
    let verdict = verdict.ok_or_else(|| err(words.len().saturating_sub(1), "no -j TARGET".into()))?;
    let mut parts = Vec::new();
    match (&proto, ports.first()) {
        (Some((false, p)), Some(_)) if p == "tcp" || p == "udp" => {
            parts.extend(ports.iter().map(|(_, m)| format!("{p} {m}")));
        }
        (_, Some((at, _))) => return Err(err(*at, "a port needs -p tcp or -p udp".into())),
        (Some((neg, p)), None) => parts.push(format!("ip protocol {}{p}", if *neg { "!= " } else { "" })),
        (None, None) => {}
    }
    parts.splice(0..0, matches);
    parts.push(verdict.to_string());
    Ok(Rule { chain, insert, nft: parts.join(" ") })
}

/// The nft script for a node's lines: the table afresh, then the rules in
/// the order iptables would have added them.
pub fn script(rules: &[Rule]) -> String {
    let mut s = format!("table ip {TABLE}\ndelete table ip {TABLE}\ntable ip {TABLE} {{\n");
    for chain in ["input", "output", "forward"] {
        s.push_str(&format!("    chain {chain} {{\n        type filter hook {chain} priority 0; policy accept;\n    }}\n"));
    }
    s.push_str("}\n");
    for r in rules {
        let verb = if r.insert { "insert" } else { "add" };
        s.push_str(&format!("{verb} rule ip {TABLE} {} {}\n", r.chain, r.nft));
    }
    s
}

#[cfg(test)]
mod test {
    use super::*;

    fn nft(line: &str) -> String {
        translate(line).unwrap().nft
    }

    #[test]
    fn the_subset_translates() {
        assert_eq!(nft("iptables -A INPUT -p vrrp -j DROP"), "ip protocol 112 drop");
        assert_eq!(nft("-A INPUT -s 192.0.2.12 -p 112 -j DROP"), "ip saddr 192.0.2.12 ip protocol 112 drop");
        assert_eq!(
            nft("iptables -t filter -I INPUT 1 -i eth0 -d 192.0.2.100/32 -p tcp -m tcp --dport 80 -j REJECT"),
            "iifname \"eth0\" ip daddr 192.0.2.100/32 tcp dport 80 reject"
        );
        assert_eq!(nft("-A OUTPUT ! -d 192.0.2.0/24 -j ACCEPT"), "ip daddr != 192.0.2.0/24 accept");
        assert_eq!(nft("-A FORWARD ! -p icmp -j DROP"), "ip protocol != icmp drop");
        let r = translate("-I FORWARD -p udp --sport 53 -j ACCEPT").unwrap();
        assert_eq!((r.chain, r.insert, r.nft.as_str()), ("forward", true, "udp sport 53 accept"));
    }

    #[test]
    fn the_rest_is_refused_by_name() {
        let e = |l: &str| translate(l).unwrap_err().to_string();
        assert_eq!(e("iptables -t mangle -A PREROUTING -j MARK --set-mark 3"), "word 3: table mangle: the lab translates the filter table only");
        assert_eq!(e("-A PREROUTING -j DROP"), "word 2: chain PREROUTING: INPUT, OUTPUT or FORWARD");
        assert_eq!(e("-A INPUT -m state --state NEW -j DROP"), "word 4: match state: not translated by the lab");
        assert_eq!(e("-A INPUT --dport 80 -j DROP"), "word 3: a port needs -p tcp or -p udp");
        assert_eq!(e("-A INPUT -j LOG"), "word 4: target LOG: ACCEPT, DROP or REJECT");
        assert_eq!(e("-A INPUT -s 2001:db8::1 -j DROP"), "word 4: 2001:db8::1: an IPv4 address or ADDR/LEN");
        assert_eq!(e("-A INPUT -p tcp"), "word 4: no -j TARGET");
        assert_eq!(e("-A INPUT -x -j DROP"), "word 3: -x: not in the subset the lab translates");
    }

    #[test]
    fn the_script_replaces_the_table_and_keeps_iptables_order() {
        let rules = [translate("-A INPUT -p vrrp -j DROP").unwrap(), translate("-I INPUT -s 192.0.2.11 -j ACCEPT").unwrap()];
        let s = script(&rules);
        assert!(s.starts_with("table ip vrrplab_iptables\ndelete table ip vrrplab_iptables\n"));
        assert!(s.ends_with(
            "add rule ip vrrplab_iptables input ip protocol 112 drop\ninsert rule ip vrrplab_iptables input ip saddr 192.0.2.11 accept\n"
        ));
    }
}
