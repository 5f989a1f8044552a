//! `live -f EXPR`: tcpdump's filter language, compiled by libpcap into a
//! classic BPF program that the kernel runs on the capture socket, so that
//! frames the filter rejects are never copied to the program.

use anyhow::{anyhow, Context};

/// Compiles `expr` for Ethernet frames (optimized, as tcpdump does).
pub fn compile(expr: &str) -> anyhow::Result<Vec<libc::sock_filter>> {
    let dead = pcap::Capture::dead(pcap::Linktype::ETHERNET).context("libpcap")?;
    let program = dead.compile(expr, true).map_err(|e| anyhow!("-f {expr:?}: {e}"))?;
    // libpcap's instructions print as "code jt jf k", the fields of the
    // kernel's `struct sock_filter`.
    program
        .get_instructions()
        .iter()
        .map(|insn| {
            let text = insn.to_string();
            let f: Vec<&str> = text.split_whitespace().collect();
            let bad = || anyhow!("unexpected BPF instruction from libpcap: {text:?}");
            match f.as_slice() {
                [code, jt, jf, k] => Ok(libc::sock_filter {
                    code: code.parse().map_err(|_| bad())?,
                    jt: jt.parse().map_err(|_| bad())?,
                    jf: jf.parse().map_err(|_| bad())?,
                    k: k.parse().map_err(|_| bad())?,
                }),
                _ => Err(bad()),
            }
        })
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn compiles_tcpdump_expressions_and_refuses_nonsense() {
        let prog = compile("vrrp or arp").unwrap();
        assert!(prog.len() > 2);
        // The last instructions return: accept (snaplen) or reject (0).
        assert!(prog.iter().any(|i| i.code == 0x06 && i.k == 0));
        let err = compile("vrrp and and").unwrap_err();
        assert!(format!("{err:#}").contains("-f"), "{err:#}");
    }
}
