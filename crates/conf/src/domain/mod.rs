//! `<domain>`: the typed domain definition.

pub mod net;
