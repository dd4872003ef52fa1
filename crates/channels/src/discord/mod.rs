//! Discord: gateway v10 and REST through twilight.

pub mod settings;
