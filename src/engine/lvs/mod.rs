//! The application side of an LVS lab: the real servers' tiny web server
//! ([`responder`]), the clients that fetch from the VIP ([`client`]), and
//! the TCP segments they exchange ([`tcp`]), and the composite machine
//! that runs them with keepalived and IPVS on one node ([`node`]).

pub mod client;
pub mod node;
pub mod responder;
pub mod setup;
pub mod tcp;
