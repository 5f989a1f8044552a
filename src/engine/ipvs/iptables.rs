//! The one iptables rule the two-box LVS article uses to keep the other
//! director's forwarded packets out of IPVS, parsed from its command line:
//!
//! `iptables -t mangle -I PREROUTING -d VIP -p tcp -m tcp --dport 80
//! -m mac ! --mac-source MAC -j MARK --set-mark 0x3`

use super::director::{Mac, MarkRule};

/// What is wrong with a rule, and at which word (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("word {word}: {message}")]
pub struct RuleError {
    pub word: usize,
    pub message: String,
}

fn parse_mac(s: &str) -> Option<Mac> {
    let parts: Vec<u8> = s.split(':').map(|p| u8::from_str_radix(p, 16)).collect::<Result<_, _>>().ok()?;
    parts.try_into().ok()
}

fn parse_mark(s: &str) -> Option<u32> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Parses a mangle PREROUTING MARK rule (`iptables` at the start is optional).
pub fn parse_mark_rule(line: &str) -> Result<MarkRule, RuleError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let err = |i: usize, m: &str| RuleError { word: i + 1, message: m.to_string() };
    let mut i = usize::from(words.first() == Some(&"iptables"));
    let (mut table, mut chain, mut daddr, mut proto, mut dport, mut not_from, mut mark) = (None, None, None, None, None, None, None);
    let mut negate = false;
    while i < words.len() {
        let w = words[i];
        let arg = |k: usize| words.get(k).copied().ok_or_else(|| err(k - 1, &format!("{w} needs a value")));
        match w {
            "!" => {
                negate = true;
                i += 1;
                continue;
            }
            "-t" => table = Some(arg(i + 1)?),
            "-I" | "-A" => chain = Some(arg(i + 1)?),
            "-d" => daddr = Some(arg(i + 1)?.parse().map_err(|_| err(i + 1, "not an IPv4 address"))?),
            "-p" => proto = Some(arg(i + 1)?),
            "-m" => {}
            "--dport" => dport = Some(arg(i + 1)?.parse::<u16>().map_err(|_| err(i + 1, "not a port"))?),
            "--mac-source" => {
                if !negate {
                    return Err(err(i, "only `! --mac-source` (all but the other director) is modelled"));
                }
                not_from = Some(parse_mac(arg(i + 1)?).ok_or_else(|| err(i + 1, "not a MAC address"))?);
            }
            "-j" => {
                if arg(i + 1)? != "MARK" {
                    return Err(err(i + 1, "only the MARK target is modelled"));
                }
            }
            "--set-mark" => mark = Some(parse_mark(arg(i + 1)?).ok_or_else(|| err(i + 1, "not a mark"))?),
            _ => return Err(err(i, &format!("unexpected `{w}`"))),
        }
        negate = false;
        // "-m NAME" and every option with a value take two words.
        i += 2;
    }
    if table != Some("mangle") || chain != Some("PREROUTING") {
        return Err(err(0, "only `-t mangle` PREROUTING rules are modelled"));
    }
    let proto = match proto {
        Some("tcp") => 6,
        Some("udp") => 17,
        _ => return Err(err(0, "the rule needs -p tcp or -p udp")),
    };
    Ok(MarkRule {
        daddr: daddr.ok_or_else(|| err(0, "the rule needs -d"))?,
        proto,
        dport: dport.ok_or_else(|| err(0, "the rule needs --dport"))?,
        not_from,
        mark: mark.ok_or_else(|| err(0, "the rule needs --set-mark"))?,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_articles_rule() {
        let r = parse_mark_rule(
            "iptables -t mangle -I PREROUTING -d 192.0.2.100 -p tcp -m tcp --dport 80 -m mac ! --mac-source 02:00:00:00:00:32 -j MARK --set-mark 0x3",
        )
        .unwrap();
        assert_eq!(r.daddr, "192.0.2.100".parse::<std::net::Ipv4Addr>().unwrap());
        assert_eq!((r.proto, r.dport, r.mark), (6, 80, 3));
        assert_eq!(r.not_from, Some([2, 0, 0, 0, 0, 0x32]));
        let plain = parse_mark_rule("-t mangle -A PREROUTING -d 192.0.2.100 -p udp --dport 53 -j MARK --set-mark 4").unwrap();
        assert_eq!((plain.proto, plain.not_from, plain.mark), (17, None, 4));
    }

    #[test]
    fn errors_point_at_the_word() {
        let e = parse_mark_rule("iptables -t nat -I PREROUTING -d 192.0.2.100 -p tcp --dport 80 -j MARK --set-mark 3").unwrap_err();
        assert_eq!(e.word, 1);
        let e = parse_mark_rule("iptables -t mangle -I PREROUTING -d 192.0.2.x -p tcp --dport 80 -j MARK --set-mark 3").unwrap_err();
        assert_eq!((e.word, e.message.as_str()), (7, "not an IPv4 address"));
        let e = parse_mark_rule("iptables -t mangle -I PREROUTING -d 192.0.2.1 -p tcp --dport 80 -j DROP").unwrap_err();
        assert_eq!(e.message, "only the MARK target is modelled");
        assert!(parse_mark_rule("iptables -t mangle -I PREROUTING -d 192.0.2.1 -p tcp --dport").is_err());
        assert!(parse_mark_rule("iptables -t mangle -I PREROUTING -d 192.0.2.1 -p tcp --dport 80 -m mac --mac-source 02:00:00:00:00:01 -j MARK --set-mark 1").is_err());
    }
}
