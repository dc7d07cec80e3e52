//! libvirt-style XML, no I/O.
//!
//! Reading: [`parse_document`] turns text into a `roxmltree::Document`; the helpers in
//! [`read`] pull attributes, child elements and text out of nodes and report problems with
//! the element's `line:column`, so `conf` can build typed definitions without repeating
//! lookup code.
//!
//! Untyped subtrees: [`RawElement`] keeps what a typed model does not understand and
//! prints it back in libvirt's or libxml2's layout.
//!
//! Writing: [`XmlWriter`] produces what libvirt's `virBuffer`-based formatters produce:
//! two-space indentation, single-quoted attributes, empty elements self-closed (`<x/>`),
//! text escaped with libvirt's rules, and a trailing newline after every element.
//! Elements are opened with [`XmlWriter::start`], given attributes, and closed with
//! [`XmlWriter::end`]; the writer decides between `<x/>` and `<x>…</x>` by whether anything
//! was written inside.

mod names;
pub mod raw;
pub mod read;
mod syntax;
mod write;

pub use raw::{Name, RawElement, RawNode, intern};
pub use read::{XmlError, parse_document};
pub use write::{XmlWriter, escape_into};
