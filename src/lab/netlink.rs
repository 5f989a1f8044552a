//! A small synchronous rtnetlink client: just the link and address requests
//! the lab makes (bridge, veth pairs, macvlans, up/down, ports, addresses).
//!
//! Built on `netlink-packet-route` + `netlink-sys`, the message types and the
//! socket that the `rtnetlink` crate itself uses, without its tokio runtime:
//! the lab makes a few dozen requests, one at a time, so a blocking socket is
//! all it needs and the build stays light.
//!
//! A netlink socket talks to the namespace it was opened in; open one per
//! namespace with [`Netns::run`](super::netns::Netns::run).

use anyhow::{anyhow, bail, Context};
use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressHeaderFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoBridge, InfoData, InfoKind, InfoMacVlan, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
    MacVlanMode,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use std::fs::File;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

use crate::scenario::model::IfAddr;

/// The kernel answers a request at once; this only bounds a broken socket.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// Replies to one request the client reads at most (acks are one message).
const MAX_REPLIES: usize = 64;

/// What the lab needs to know of an existing link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub mac: Option<[u8; 6]>,
    /// The link it sits on (a macvlan's or a VLAN's lower device).
    pub lower: Option<u32>,
    pub macvlan: bool,
    /// A macvlan in private mode.
    pub private_macvlan: bool,
}

/// An rtnetlink socket in one network namespace.
pub struct Rtnl {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl Rtnl {
    /// Opens a socket in the calling thread's network namespace.
    pub fn open() -> anyhow::Result<Rtnl> {
        let mut socket = Socket::new(NETLINK_ROUTE).context("opening a netlink socket")?;
        socket.bind_auto().context("binding the netlink socket")?;
        socket.connect(&SocketAddr::new(0, 0)).context("connecting the netlink socket")?;
        let tv = nix::sys::time::TimeVal::new(REPLY_TIMEOUT.as_secs() as i64, 0);
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(socket.as_raw_fd()) };
        nix::sys::socket::setsockopt(&fd, nix::sys::socket::sockopt::ReceiveTimeout, &tv)
            .context("setting the netlink read timeout")?;
        Ok(Rtnl { socket, seq: 0, buf: vec![0; 64 * 1024] })
    }

    /// The index of the interface called `name`.
    pub fn link_index(&mut self, name: &str) -> anyhow::Result<u32> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        let replies = self.request(RouteNetlinkMessage::GetLink(msg), NLM_F_REQUEST)?;
        replies
            .into_iter()
            .find_map(|r| match r {
                RouteNetlinkMessage::NewLink(l) => Some(l.header.index),
                _ => None,
            })
            .ok_or_else(|| anyhow!("no interface {name}"))
    }

    /// The link called `name`, if there is one.
    pub fn find_link(&mut self, name: &str) -> anyhow::Result<Option<Link>> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        let replies = match self.request(RouteNetlinkMessage::GetLink(msg), NLM_F_REQUEST) {
            Ok(r) => r,
            Err(e) if e.downcast_ref::<std::io::Error>().and_then(|e| e.raw_os_error()) == Some(libc::ENODEV) => {
                return Ok(None)
            }
            Err(e) => return Err(e.context(format!("looking up interface {name}"))),
        };
        Ok(replies.into_iter().find_map(|r| match r {
            RouteNetlinkMessage::NewLink(l) => Some(link_of(&l)),
            _ => None,
        }))
    }

    /// Creates a bridge. No STP, so ports forward at once; no multicast
    /// snooping, so VRRP's multicast (IPv6's too) reaches every port
    /// whatever MLD the nodes send, like a plain switch.
    pub fn add_bridge(&mut self, name: &str) -> anyhow::Result<()> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Bridge),
            LinkInfo::Data(InfoData::Bridge(vec![InfoBridge::MulticastSnooping(false)])),
        ]));
        self.create(RouteNetlinkMessage::NewLink(msg)).with_context(|| format!("creating bridge {name}"))
    }

    /// Creates a veth pair: `name` here, and its peer `peer_name` with MAC
    /// `peer_mac` directly inside the namespace `peer_ns`.
    pub fn add_veth(&mut self, name: &str, peer_name: &str, peer_mac: [u8; 6], peer_ns: &File) -> anyhow::Result<()> {
        let mut peer = LinkMessage::default();
        peer.attributes.push(LinkAttribute::IfName(peer_name.to_string()));
        peer.attributes.push(LinkAttribute::Address(peer_mac.to_vec()));
        peer.attributes.push(LinkAttribute::NetNsFd(peer_ns.as_raw_fd()));
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
        ]));
        self.create(RouteNetlinkMessage::NewLink(msg))
            .with_context(|| format!("creating veth pair {name} / {peer_name}"))
    }

    /// Creates `name`, a macvlan in private mode on `lower` with `mac`,
    /// down. Private: it gets what comes from the wire for its MAC, never
    /// what a sibling on the same lower device sends.
    pub fn add_macvlan(&mut self, name: &str, lower: u32, mac: [u8; 6]) -> anyhow::Result<()> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_string()));
        msg.attributes.push(LinkAttribute::Link(lower));
        msg.attributes.push(LinkAttribute::Address(mac.to_vec()));
        msg.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::MacVlan),
            LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(MacVlanMode::Private)])),
        ]));
        self.create(RouteNetlinkMessage::NewLink(msg)).with_context(|| format!("creating macvlan {name}"))
    }

    /// Removes a link (and what sits on it).
    pub fn del_link(&mut self, index: u32) -> anyhow::Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        self.change(RouteNetlinkMessage::DelLink(msg)).with_context(|| format!("removing link {index}"))
    }

    /// Makes `index` a port of the bridge `bridge`.
    pub fn set_controller(&mut self, index: u32, bridge: u32) -> anyhow::Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.attributes.push(LinkAttribute::Controller(bridge));
        self.change(RouteNetlinkMessage::SetLink(msg)).context("adding a port to the bridge")
    }

    /// Sets the administrative state of a link.
    pub fn set_up(&mut self, index: u32, up: bool) -> anyhow::Result<()> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.flags = if up { LinkFlags::Up } else { LinkFlags::empty() };
        msg.header.change_mask = LinkFlags::Up;
        self.change(RouteNetlinkMessage::SetLink(msg))
            .with_context(|| format!("setting link {index} {}", if up { "up" } else { "down" }))
    }

    /// Adds an address to a link. `nodad` skips IPv6 duplicate address
    /// detection, so that the address is usable at once.
    pub fn add_addr(&mut self, index: u32, addr: IfAddr, nodad: bool) -> anyhow::Result<()> {
        let msg = addr_message(index, addr, nodad);
        self.create(RouteNetlinkMessage::NewAddress(msg)).with_context(|| format!("adding {}/{}", addr.addr, addr.prefix))
    }

    /// Removes an address from a link.
    pub fn del_addr(&mut self, index: u32, addr: IfAddr) -> anyhow::Result<()> {
        let msg = addr_message(index, addr, false);
        self.change(RouteNetlinkMessage::DelAddress(msg)).with_context(|| format!("removing {}/{}", addr.addr, addr.prefix))
    }

    /// Adds a default route through `gateway`.
    pub fn add_default_route(&mut self, gateway: IpAddr) -> anyhow::Result<()> {
        let mut msg = RouteMessage::default();
        msg.header.table = RouteHeader::RT_TABLE_MAIN;
        msg.header.protocol = RouteProtocol::Boot;
        msg.header.scope = RouteScope::Universe;
        msg.header.kind = RouteType::Unicast;
        let (family, gw) = match gateway {
            IpAddr::V4(a) => (AddressFamily::Inet, RouteAddress::Inet(a)),
            IpAddr::V6(a) => (AddressFamily::Inet6, RouteAddress::Inet6(a)),
        };
        msg.header.address_family = family;
        msg.attributes.push(RouteAttribute::Gateway(gw));
        self.create(RouteNetlinkMessage::NewRoute(msg)).with_context(|| format!("adding a default route via {gateway}"))
    }

    fn create(&mut self, msg: RouteNetlinkMessage) -> anyhow::Result<()> {
        self.request(msg, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).map(drop)
    }

    fn change(&mut self, msg: RouteNetlinkMessage) -> anyhow::Result<()> {
        self.request(msg, NLM_F_REQUEST | NLM_F_ACK).map(drop)
    }

    /// Sends one request and collects the replies up to its ack or error.
    fn request(&mut self, msg: RouteNetlinkMessage, flags: u16) -> anyhow::Result<Vec<RouteNetlinkMessage>> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        packet.finalize();
        let mut out = vec![0; packet.buffer_len()];
        packet.serialize(&mut out);
        self.socket.send(&out, 0).context("sending a netlink request")?;

        let mut replies = Vec::new();
        for _ in 0..MAX_REPLIES {
            let n = self.socket.recv(&mut &mut self.buf[..], 0).context("reading a netlink reply")?;
            let mut at = 0;
            while at < n {
                let chunk = &self.buf[at..n];
                let len = NetlinkBuffer::new_checked(chunk).map_err(|e| anyhow!("bad netlink reply: {e}"))?.length()
                    as usize;
                if len == 0 || len > chunk.len() {
                    bail!("bad netlink reply length {len}");
                }
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&chunk[..len])
                    .map_err(|e| anyhow!("bad netlink reply: {e}"))?;
                at += (len + 3) & !3;
                if reply.header.sequence_number != self.seq {
                    continue;
                }
                match reply.payload {
                    NetlinkPayload::Error(e) => {
                        return match e.code {
                            None => Ok(replies),
                            Some(_) => Err(anyhow!(e.to_io())),
                        }
                    }
                    NetlinkPayload::Done(_) => return Ok(replies),
                    NetlinkPayload::InnerMessage(m) => {
                        replies.push(m);
                        if flags & NLM_F_ACK == 0 && reply.header.flags & netlink_packet_core::NLM_F_MULTIPART == 0 {
                            return Ok(replies);
                        }
                    }
                    _ => {}
                }
            }
        }
        bail!("netlink: no end of reply after {MAX_REPLIES} messages")
    }
}

fn link_of(l: &LinkMessage) -> Link {
    let mut link = Link { index: l.header.index, mac: None, lower: None, macvlan: false, private_macvlan: false };
    for a in &l.attributes {
        match a {
            LinkAttribute::Address(m) => link.mac = <[u8; 6]>::try_from(m.as_slice()).ok(),
            LinkAttribute::Link(i) => link.lower = Some(*i),
            LinkAttribute::LinkInfo(infos) => {
                link.macvlan = infos.contains(&LinkInfo::Kind(InfoKind::MacVlan));
                link.private_macvlan = infos.iter().any(|i| {
                    matches!(i, LinkInfo::Data(InfoData::MacVlan(d)) if d.contains(&InfoMacVlan::Mode(MacVlanMode::Private)))
                })
            }
            _ => {}
        }
    }
    link
}

fn addr_message(index: u32, addr: IfAddr, nodad: bool) -> AddressMessage {
    let mut msg = AddressMessage::default();
    msg.header.index = index;
    msg.header.prefix_len = addr.prefix;
    msg.header.family = match addr.addr {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    };
    if nodad {
        msg.header.flags = AddressHeaderFlags::Nodad;
    }
    msg.attributes.push(AddressAttribute::Local(addr.addr));
    msg.attributes.push(AddressAttribute::Address(addr.addr));
    msg
}
