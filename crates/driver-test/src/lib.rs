//! `test:///default`: libvirt's in-memory test driver, for clients that expect libvirtd.
//!
//! This crate owns the behaviour of libvirt's test driver: the default objects (domain
//! `test` running as id 1, network `default`, a fake i686 host with 16 CPUs in 2 NUMA cells),
//! the domain and network lifecycles, the lifecycle events, and the exact error codes,
//! domains and messages libvirt's test driver reports. Nothing touches the host.
//!
//! How a call flows:
//! 1. The daemon registers one [`TestDriverFactory`]; it creates the single
//!    [`TestDriver`] that every `test:///default` connection shares for the daemon's
//!    lifetime, so `virsh define` and a later `virsh start` see the same domain.
//! 2. The RPC layer calls a [`oxvirt_core::Connection`] method on it (`connection.rs`).
//! 3. The method checks the flag word as libvirt does, takes the driver's lock, finds the
//!    object (`domain.rs`, `network.rs`), moves its state through
//!    [`oxvirt_core::DomainState::transition`], publishes the lifecycle event on the
//!    driver's [`oxvirt_core::EventBus`] and returns an already-completed future.
//!
//! XML goes through `xmldef.rs`, the only module that knows `oxvirt-conf`'s domain and
//! network types. `update-device` of an `<interface>` (`update.rs`) is oxvirt's extension:
//! the change-net planner decides, and the plan is applied to a simulated host
//! (`hostsim.rs`) and to the live definition.

mod connection;
mod defaults;
mod domain;
mod driver;
mod errors;
mod hostsim;
mod network;
mod resources;
mod update;
mod xmldef;

pub use driver::{TestDriver, TestDriverFactory};
