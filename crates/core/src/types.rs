//! Plain data the driver API passes around: object handles and info records.

use crate::state::DomainState;

/// A domain as clients name it: `remote_nonnull_domain` without the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRef {
    /// Unique name.
    pub name: String,
    /// Unique UUID.
    pub uuid: [u8; 16],
    /// Running id, −1 when inactive.
    pub id: i32,
}

/// A network handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRef {
    /// Unique name.
    pub name: String,
    /// Unique UUID.
    pub uuid: [u8; 16],
}

/// `virDomainInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainInfo {
    /// Current state.
    pub state: DomainState,
    /// Maximum memory, KiB.
    pub max_mem_kib: u64,
    /// Current memory, KiB.
    pub memory_kib: u64,
    /// Number of virtual CPUs.
    pub nr_virt_cpu: u16,
    /// CPU time used, nanoseconds.
    pub cpu_time_ns: u64,
}

/// `virNodeInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// CPU model (at most 31 bytes on the wire).
    pub model: String,
    /// Memory, KiB.
    pub memory_kib: u64,
    /// Active CPUs.
    pub cpus: i32,
    /// Expected CPU frequency, MHz.
    pub mhz: i32,
    /// NUMA nodes.
    pub nodes: i32,
    /// Sockets per node.
    pub sockets: i32,
    /// Cores per socket.
    pub cores: i32,
    /// Threads per core.
    pub threads: i32,
}

/// `virSecurityModel`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityModel {
    /// Model name, empty when there is none.
    pub model: String,
    /// Domain of interpretation.
    pub doi: String,
}

/// `virSecurityLabel`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityLabel {
    /// Label text, empty when unconfined.
    pub label: String,
    /// Whether the label is enforced.
    pub enforcing: bool,
}

/// Bits of `virConnectListAllDomainsFlags`.
pub mod list_flags {
    /// `VIR_CONNECT_LIST_DOMAINS_ACTIVE`
    pub const ACTIVE: u32 = 1 << 0;
    /// `VIR_CONNECT_LIST_DOMAINS_INACTIVE`
    pub const INACTIVE: u32 = 1 << 1;
    /// `VIR_CONNECT_LIST_DOMAINS_PERSISTENT`
    pub const PERSISTENT: u32 = 1 << 2;
    /// `VIR_CONNECT_LIST_DOMAINS_TRANSIENT`
    pub const TRANSIENT: u32 = 1 << 3;
    /// `VIR_CONNECT_LIST_DOMAINS_RUNNING`
    pub const RUNNING: u32 = 1 << 4;
    /// `VIR_CONNECT_LIST_DOMAINS_PAUSED`
    pub const PAUSED: u32 = 1 << 5;
    /// `VIR_CONNECT_LIST_DOMAINS_SHUTOFF`
    pub const SHUTOFF: u32 = 1 << 6;
    /// `VIR_CONNECT_LIST_DOMAINS_OTHER`
    pub const OTHER: u32 = 1 << 7;
    /// `VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE`
    pub const MANAGEDSAVE: u32 = 1 << 8;
    /// `VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE`
    pub const NO_MANAGEDSAVE: u32 = 1 << 9;
    /// `VIR_CONNECT_LIST_DOMAINS_AUTOSTART`
    pub const AUTOSTART: u32 = 1 << 10;
    /// `VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART`
    pub const NO_AUTOSTART: u32 = 1 << 11;
    /// `VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT`
    pub const HAS_SNAPSHOT: u32 = 1 << 12;
    /// `VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT`
    pub const NO_SNAPSHOT: u32 = 1 << 13;
    /// `VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT`
    pub const HAS_CHECKPOINT: u32 = 1 << 14;
    /// `VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT`
    pub const NO_CHECKPOINT: u32 = 1 << 15;
}

/// Bits of `virConnectListAllNetworksFlags`.
pub mod net_list_flags {
    /// `VIR_CONNECT_LIST_NETWORKS_INACTIVE`
    pub const INACTIVE: u32 = 1 << 0;
    /// `VIR_CONNECT_LIST_NETWORKS_ACTIVE`
    pub const ACTIVE: u32 = 1 << 1;
    /// `VIR_CONNECT_LIST_NETWORKS_PERSISTENT`
    pub const PERSISTENT: u32 = 1 << 2;
    /// `VIR_CONNECT_LIST_NETWORKS_TRANSIENT`
    pub const TRANSIENT: u32 = 1 << 3;
    /// `VIR_CONNECT_LIST_NETWORKS_AUTOSTART`
    pub const AUTOSTART: u32 = 1 << 4;
    /// `VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART`
    pub const NO_AUTOSTART: u32 = 1 << 5;
}

/// Bits of `virDomainXMLFlags`.
pub mod xml_flags {
    /// `VIR_DOMAIN_XML_SECURE`: include passwords; refused on read-only connections.
    pub const SECURE: u32 = 1 << 0;
    /// `VIR_DOMAIN_XML_INACTIVE`
    pub const INACTIVE: u32 = 1 << 1;
    /// `VIR_DOMAIN_XML_UPDATE_CPU`
    pub const UPDATE_CPU: u32 = 1 << 2;
    /// `VIR_DOMAIN_XML_MIGRATABLE`
    pub const MIGRATABLE: u32 = 1 << 3;
}

/// Bits of `virDomainDeviceModifyFlags`.
pub mod device_flags {
    /// `VIR_DOMAIN_AFFECT_LIVE`
    pub const LIVE: u32 = 1 << 0;
    /// `VIR_DOMAIN_AFFECT_CONFIG`
    pub const CONFIG: u32 = 1 << 1;
    /// `VIR_DOMAIN_DEVICE_MODIFY_FORCE`
    pub const FORCE: u32 = 1 << 2;
    /// oxvirt's extension: plan the update and report it without touching the domain.
    /// A bit libvirt 9.0 does not define, so stock clients never send it.
    pub const OXVIRT_DRY_RUN: u32 = 1 << 30;
}
