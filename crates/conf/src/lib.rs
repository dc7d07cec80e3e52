//! libvirt's configuration objects as typed definitions, no I/O.
//!
//! A document flows `text → oxvirt_xml::parse_document → Def::parse (typed, defaults filled
//! through a [`Generator`]) → validate → format (oxvirt_xml::XmlWriter)`. Formatting follows
//! libvirt's element order and defaults so clients that diff or re-submit what we print see
//! libvirt's output. Errors are [`ConfError`]; [`ConfError::to_vir`] turns them into the
//! `(code, domain, message)` clients get.

pub mod domain;
pub mod error;
pub mod flags;
pub mod generate;
pub mod netdev;
pub mod network;

pub use error::ConfError;
pub use flags::{FormatFlags, ParseCtx};
pub use generate::{Generator, RandomGenerator, SequenceGenerator};
