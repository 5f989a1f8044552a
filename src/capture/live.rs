//! An AF_PACKET socket on one interface: whole Ethernet frames in and out,
//! with kernel receive timestamps. The lab's LAN capture reads the bridge
//! with it, and the real-time driver sends and receives a node's frames.
//!
//! Plain libc rather than a packet crate: it is four system calls, and the
//! timestamps come through `recvmsg` control messages, which nix parses.

use anyhow::{bail, Context};
use nix::sys::socket::{self, sockopt, ControlMessageOwned, MsgFlags};
use std::io::IoSliceMut;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use super::{Frame, LinkType, Source, Timestamp};

/// Larger than any frame on a veth with the default MTU; longer frames
/// (offloaded segments) are cut and keep their length in `orig_len`.
pub const SNAPLEN: usize = 65_535;

pub struct PacketSocket {
    fd: OwnedFd,
    ifindex: i32,
    buf: Vec<u8>,
    cmsg: Vec<u8>,
    pkttype: u8,
}

/// Every protocol: what captures use. Such a socket sees frames before
/// any ingress filter, and the frames its own host sends.
pub const ALL_PROTOCOLS: u16 = libc::ETH_P_ALL as u16;

impl PacketSocket {
    /// Opens a socket bound to interface `ifindex` of the calling thread's
    /// network namespace, receiving every protocol. `promisc` also sees
    /// frames not addressed to the interface (on a bridge: all the
    /// traffic between its ports). Reads give up after `read_timeout`, so
    /// that loops around them stay bounded in time.
    pub fn open(ifindex: u32, promisc: bool, read_timeout: Duration) -> anyhow::Result<PacketSocket> {
        PacketSocket::open_protocol(ifindex, ALL_PROTOCOLS, promisc, read_timeout)
    }

    /// As [`open`](Self::open), for one EtherType only (`ETH_P_IP`, ...).
    /// Unlike an all-protocol socket, it receives after the interface's
    /// ingress hooks (an nftables `netdev` drop applies to it), and not
    /// the frames its host sends.
    pub fn open_protocol(
        ifindex: u32,
        ethertype: u16,
        promisc: bool,
        read_timeout: Duration,
    ) -> anyhow::Result<PacketSocket> {
        let proto = ethertype.to_be();
        // SAFETY: plain socket(2); the result is checked before use.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, i32::from(proto)) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error()).context("opening an AF_PACKET socket");
        }
        // SAFETY: `raw` is a fresh, owned descriptor.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let ifindex = i32::try_from(ifindex).context("interface index out of range")?;

        // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = ifindex;
        // SAFETY: the pointer and length describe `sll`.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error()).context("binding the AF_PACKET socket");
        }
        if promisc {
            // SAFETY: packet_mreq is plain data; all-zero is a valid value.
            let mut mreq: libc::packet_mreq = unsafe { std::mem::zeroed() };
            mreq.mr_ifindex = ifindex;
            mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
            // SAFETY: the pointer and length describe `mreq`.
            let rc = unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_PACKET,
                    libc::PACKET_ADD_MEMBERSHIP,
                    (&mreq as *const libc::packet_mreq).cast(),
                    std::mem::size_of::<libc::packet_mreq>() as libc::socklen_t,
                )
            };
            if rc < 0 {
                return Err(std::io::Error::last_os_error()).context("making the interface promiscuous");
            }
        }
        let tv = nix::sys::time::TimeVal::new(read_timeout.as_secs() as i64, read_timeout.subsec_micros() as i64);
        socket::setsockopt(&fd, sockopt::ReceiveTimeout, &tv).context("setting the read timeout")?;
        socket::setsockopt(&fd, sockopt::ReceiveTimestampns, &true).context("asking for timestamps")?;
        Ok(PacketSocket {
            fd,
            ifindex,
            buf: vec![0; SNAPLEN],
            cmsg: nix::cmsg_space!(nix::sys::time::TimeSpec),
            pkttype: 0,
        })
    }

    /// Reads the next frame into `frame`. Returns `Ok(false)` when the read
    /// timeout passes with nothing received.
    pub fn recv(&mut self, frame: &mut Frame) -> anyhow::Result<bool> {
        self.recv_flags(frame, MsgFlags::empty())
    }

    /// Reads a frame if one is queued, without waiting.
    pub fn recv_now(&mut self, frame: &mut Frame) -> anyhow::Result<bool> {
        self.recv_flags(frame, MsgFlags::MSG_DONTWAIT)
    }

    fn recv_flags(&mut self, frame: &mut Frame, flags: MsgFlags) -> anyhow::Result<bool> {
        let mut iov = [IoSliceMut::new(&mut self.buf)];
        let msg = match socket::recvmsg::<socket::LinkAddr>(
            self.fd.as_raw_fd(),
            &mut iov,
            Some(&mut self.cmsg),
            MsgFlags::MSG_TRUNC | flags,
        ) {
            Ok(m) => m,
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => return Ok(false),
            Err(e) => return Err(e).context("reading from the AF_PACKET socket"),
        };
        let orig_len = msg.bytes;
        self.pkttype = msg.address.map_or(0, |a| a.pkttype());
        let ts = msg
            .cmsgs()
            .ok()
            .into_iter()
            .flatten()
            .find_map(|c| match c {
                ControlMessageOwned::ScmTimestampns(t) => Some(Timestamp::new(t.tv_sec(), t.tv_nsec() as u32)),
                _ => None,
            });
        let ts = match ts {
            Some(ts) => ts,
            None => now(),
        };
        let caplen = orig_len.min(SNAPLEN);
        frame.ts = ts;
        frame.orig_len = orig_len as u32;
        frame.linktype = LinkType::Ethernet;
        frame.interface = 0;
        frame.data.clear();
        frame.data.extend_from_slice(&self.buf[..caplen]);
        Ok(true)
    }

    /// Runs a classic BPF program on the socket: frames it rejects are
    /// dropped in the kernel. Frames queued before are drained, so that
    /// every frame read afterwards passed the program.
    #[cfg(feature = "libpcap")]
    pub fn attach_filter(&mut self, program: &[libc::sock_filter]) -> anyhow::Result<()> {
        let fprog = libc::sock_fprog {
            len: u16::try_from(program.len()).context("BPF program too long")?,
            filter: program.as_ptr().cast_mut(),
        };
        // SAFETY: `fprog` points at `program`, which outlives the call; the
        // kernel copies the program.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                (&fprog as *const libc::sock_fprog).cast(),
                std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error()).context("attaching the BPF filter");
        }
        let mut scratch = Frame::default();
        for _ in 0..100_000 {
            if !self.recv_now(&mut scratch)? {
                break;
            }
        }
        Ok(())
    }

    /// How the last frame read reached the interface: `PACKET_HOST`,
    /// `PACKET_MULTICAST`, `PACKET_OTHERHOST` (for another MAC), ...
    pub fn pkttype(&self) -> u8 {
        self.pkttype
    }

    /// Sends one whole Ethernet frame out of the interface.
    pub fn send(&self, frame: &[u8]) -> anyhow::Result<()> {
        // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_ifindex = self.ifindex;
        sll.sll_halen = 6;
        if frame.len() >= 14 {
            sll.sll_addr[..6].copy_from_slice(&frame[..6]);
            // The frame's EtherType, as the kernel would have parsed it.
            sll.sll_protocol = u16::from_ne_bytes([frame[12], frame[13]]);
        }
        // SAFETY: the pointers and lengths describe `frame` and `sll`.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error()).context("sending on the AF_PACKET socket");
        }
        if n as usize != frame.len() {
            bail!("sent {n} of {} bytes", frame.len());
        }
        Ok(())
    }
}

impl AsFd for PacketSocket {
    /// For waiting on several sockets at once (poll).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The wall clock as a capture timestamp (what the kernel would have
/// stamped, for the rare frame without a timestamp).
pub fn now() -> Timestamp {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos())
}

/// Frames from a live interface of the calling thread's namespace, as a
/// [`Source`]: `vrrplab live -i IFACE`. The input ends after `duration`, or
/// when `stop` says so (SIGINT/SIGTERM); reads wake up every [`POLL`] to
/// look.
pub struct LiveSource {
    socket: PacketSocket,
    iface: String,
    deadline: Option<std::time::Instant>,
    stop: fn() -> bool,
}

/// How often a waiting live source looks at its stop conditions.
pub const POLL: Duration = Duration::from_millis(100);

impl LiveSource {
    /// Opens `iface` in promiscuous mode, as tcpdump does.
    pub fn open(iface: &str, duration: Option<Duration>, stop: fn() -> bool) -> anyhow::Result<LiveSource> {
        let ifindex = ifindex(iface)?;
        let socket = PacketSocket::open(ifindex, true, POLL).with_context(|| format!("capturing on {iface}"))?;
        Ok(LiveSource {
            socket,
            iface: iface.to_string(),
            deadline: duration.map(|d| std::time::Instant::now() + d),
            stop,
        })
    }
}

#[cfg(feature = "libpcap")]
impl LiveSource {
    /// Keeps only the frames `program` accepts (see `capture::bpf`).
    pub fn with_filter(mut self, program: &[libc::sock_filter]) -> anyhow::Result<LiveSource> {
        self.socket.attach_filter(program)?;
        Ok(self)
    }
}

impl Source for LiveSource {
    fn next_frame(&mut self, frame: &mut Frame) -> anyhow::Result<bool> {
        loop {
            if (self.stop)() || self.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(false);
            }
            if self.socket.recv(frame).map_err(|e| self.error(e))? {
                return Ok(true);
            }
        }
    }

    fn nanosecond_precision(&self) -> bool {
        true
    }
}

impl LiveSource {
    /// Names the interface; says so plainly when it went down or was
    /// deleted (the kernel then fails the socket's read with ENETDOWN once).
    fn error(&self, e: anyhow::Error) -> anyhow::Error {
        use nix::errno::Errno;
        let gone = e.root_cause().downcast_ref::<Errno>().is_some_and(|e| matches!(e, Errno::ENETDOWN | Errno::ENODEV | Errno::ENXIO));
        if gone {
            anyhow::anyhow!("capturing on {}: the interface went down or was removed ({})", self.iface, e.root_cause())
        } else {
            e.context(format!("capturing on {}", self.iface))
        }
    }
}

/// The index of interface `name` in the calling thread's namespace.
pub fn ifindex(name: &str) -> anyhow::Result<u32> {
    let c = std::ffi::CString::new(name).map_err(|_| anyhow::anyhow!("invalid interface name {name:?}"))?;
    // SAFETY: `c` is a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        bail!("no interface {name:?}: {}", std::io::Error::last_os_error());
    }
    Ok(index)
}
