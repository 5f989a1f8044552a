//! `ipvsadm` 1.31: its command line ([`parse`]) and its listings
//! ([`format`](mod@format)), so scenarios can be written as the seed articles' scripts
//! and the simulator can print what `ipvsadm -Ln` would.

pub mod format;
pub mod parse;

use super::control::{CtlError, DestSpec};
use super::kernel::Ipvs;
use super::service::{ServiceKey, ServiceSpec};

/// What an operator would type on a director to see its state: `-Ln`,
/// `-Ln --stats`, `-Ln --rate` and `-Lnc`, each under a `# ipvsadm …` line.
pub fn tables(ipvs: &Ipvs, now_us: u64) -> String {
    let mut out = String::new();
    let all = |f: Format| format::list(ipvs, ListWhat::All, &f, now_us);
    let n = Format { numeric: true, ..Format::default() };
    let listings = [
        ("-Ln", all(n)),
        ("-Ln --stats", all(Format { stats: true, ..n })),
        ("-Ln --rate", all(Format { rate: true, ..n })),
        ("-Lnc", format::list(ipvs, ListWhat::Connections, &n, now_us)),
    ];
    for (args, text) in listings {
        out.push_str(&format!("# ipvsadm {args}\n"));
        // Listing everything cannot fail: only a named service can be missing.
        out.push_str(&text.unwrap_or_default());
    }
    out
}

/// What `ipvsadm -L` shows and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Format {
    /// `-n` (the simulator never resolves names, so listings are always numeric).
    pub numeric: bool,
    pub stats: bool,
    pub rate: bool,
    pub thresholds: bool,
    pub persistent_conn: bool,
    pub nosort: bool,
    /// `-X`: full numbers instead of K/M/G/T.
    pub exact: bool,
}

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListWhat {
    All,
    Service(ServiceKey),
    /// `-c`: the connection table.
    Connections,
    /// `--timeout`.
    Timeout,
}

/// One ipvsadm invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    AddService(ServiceSpec),
    EditService(ServiceSpec),
    DelService(ServiceKey),
    Clear,
    AddDest(ServiceKey, DestSpec),
    EditDest(ServiceKey, DestSpec),
    DelDest(ServiceKey, DestSpec),
    /// `--set tcp tcpfin udp`.
    SetTimeouts(u32, u32, u32),
    Zero(Option<ServiceKey>),
    List(ListWhat, Format),
    /// `-S`: the table as ipvsadm commands.
    Save,
}

impl Command {
    /// Runs the command against a director, returning what ipvsadm prints
    /// on standard output (listings), or the kernel's refusal.
    pub fn apply(&self, ipvs: &mut Ipvs, now_us: u64) -> Result<String, CtlError> {
        match self {
            Command::AddService(spec) => ipvs.add_service(spec.clone(), now_us).map(|_| String::new()),
            Command::EditService(spec) => ipvs.edit_service(spec.clone(), now_us).map(|_| String::new()),
            Command::DelService(key) => ipvs.del_service(key).map(|_| String::new()),
            Command::Clear => {
                ipvs.flush();
                Ok(String::new())
            }
            Command::AddDest(key, d) => ipvs.add_dest(key, *d).map(|_| String::new()),
            Command::EditDest(key, d) => ipvs.edit_dest(key, *d).map(|_| String::new()),
            Command::DelDest(key, d) => ipvs.del_dest(key, d.addr, d.port).map(|_| String::new()),
            Command::SetTimeouts(t, f, u) => {
                ipvs.set_timeouts(*t, *f, *u);
                Ok(String::new())
            }
            Command::Zero(key) => ipvs.zero(key.as_ref()).map(|_| String::new()),
            Command::List(what, fmt) => format::list(ipvs, *what, fmt, now_us),
            Command::Save => Ok(format::save(ipvs)),
        }
    }
}
