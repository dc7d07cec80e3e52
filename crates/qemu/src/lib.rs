//! The QEMU driver of oxvirt: running domains under QEMU/KVM the way libvirt 9.0's QEMU
//! driver does.
//!
//! Modules:
//! * [`command`]: the QEMU command line for a domain definition, as a pure function
//!   golden-tested against the command lines libvirt 9.0.0 ran QEMU 7.2 with.
//!
//! Capability probing, process launch, the QMP monitor and the driver proper come as
//! further modules (`caps`, `process`, `monitor`, `driver`).

pub mod caps;
pub mod command;
mod domain;
mod driver;
mod live;
pub mod process;
pub mod status;
mod sys;

pub use driver::QemuDriver;
