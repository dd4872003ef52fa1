//! gateway (wip)
pub mod bind;
pub mod lock;
pub mod metrics;
pub mod ratelimit;
