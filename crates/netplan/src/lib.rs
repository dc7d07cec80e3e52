//! The QEMU driver's decision half of `update-device` for a live `<interface>`
//! (libvirt's `qemuDomainChangeNet` after the RHEL-7036 rewrite), with no I/O.
//!
//! `virsh update-device DOM iface.xml --live` arrives here as the live interfaces of the
//! running domain plus the new XML. The flow, one module each:
//!
//! 1. [`planner`] parses the new `<interface>` in live mode (random MAC / virtualport ids
//!    from the caller's [`Generator`](oxvirt_conf::Generator)), finds the NIC it designates,
//!    compares it attribute by attribute, resolves a declared `type='network'` through a
//!    [`NetworkResolver`], applies the type matrix and the virtualport rules, and orders the
//!    actions — `spec/change-net/SPEC.md` §1–§6 in that order.
//! 2. [`plan`](mod@plan) is the result as data: an [`Outcome`], the ordered [`Action`]s in the
//!    vectors' vocabulary, bridge endpoints, the network-port decision, QMP commands, the
//!    explanation of which rule fired, and the new [`NetDef`](oxvirt_conf::domain::net::NetDef)
//!    to store when the definition is replaced. It serialises to JSON.
//! 3. [`resolve`] answers for networks and the host: [`NetworkDefResolver`] allocates ports
//!    the way libvirt's network driver does, from network definitions.
//!
//! The executor is not here: the QEMU driver applies a plan step by step through its host
//! networking and QMP layers and undoes what it did if a step fails; the test driver
//! applies plans to a simulated host. Where libvirt reports an error and carries on, or
//! fails half-way (quirks Q1–Q3), the planner refuses before any action instead.
//!
//! [`vectors`] runs the change-net test vectors (`change-net-vectors DIR`).

pub mod plan;
pub mod planner;
pub mod resolve;
pub mod vectors;

pub use plan::{
    Action, BridgeKind, FailStage, NetworkPort, Outcome, PlanFailure, Reason, UpdatePlan,
};
pub use planner::{LiveDomain, plan, plan_def, plan_interface_update};
pub use resolve::{NetworkDefResolver, NetworkResolver};
