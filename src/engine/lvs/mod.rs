//! The application side of an LVS lab: the real servers' tiny web server
//! ([`responder`]), the clients that fetch from the VIP ([`client`]), and
//! the TCP segments they exchange ([`tcp`]).

pub mod client;
pub mod responder;
pub mod tcp;
