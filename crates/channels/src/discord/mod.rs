//! Discord: gateway v10 and REST through twilight. [`source`] turns the gateway's events into
//! [`Inbound`](crate::inbound::Inbound) messages, [`sink`] sends replies; both can be pointed at
//! a fake Discord ([`endpoints`]).

pub mod convert;
pub mod endpoints;
pub mod settings;
pub mod sink;
pub mod source;
