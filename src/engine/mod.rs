//! Sans-IO protocol machines: VRRP routers, IPVS directors, hosts. Inputs in, outputs out; no clock, no socket.
pub mod ipvs;
pub mod lvs;
