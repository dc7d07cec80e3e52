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

/// What the filters of `virConnectListAllDomains` look at, for one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFacts {
    /// The domain's state.
    pub state: DomainState,
    /// It has a persistent definition.
    pub persistent: bool,
    /// It has a managed save image.
    pub managed_save: bool,
    /// It starts with the daemon.
    pub autostart: bool,
    /// It has snapshots.
    pub has_snapshot: bool,
    /// It has checkpoints.
    pub has_checkpoint: bool,
}

impl ListFacts {
    /// Whether the domain passes every filter `flags` ([`list_flags`]) sets: each pair of
    /// opposite bits filters only when one of them is given.
    pub fn matches(&self, flags: u32) -> bool {
        use list_flags as F;
        let pick = |yes: u32, no: u32, value: bool| {
            flags & (yes | no) == 0 || (flags & yes != 0 && value) || (flags & no != 0 && !value)
        };
        let state_filter = F::RUNNING | F::PAUSED | F::SHUTOFF | F::OTHER;
        let state_ok = flags & state_filter == 0
            || match self.state {
                DomainState::Running => flags & F::RUNNING != 0,
                DomainState::Paused => flags & F::PAUSED != 0,
                DomainState::Shutoff => flags & F::SHUTOFF != 0,
                _ => flags & F::OTHER != 0,
            };
        pick(F::ACTIVE, F::INACTIVE, self.state.is_active())
            && pick(F::PERSISTENT, F::TRANSIENT, self.persistent)
            && state_ok
            && pick(F::MANAGEDSAVE, F::NO_MANAGEDSAVE, self.managed_save)
            && pick(F::AUTOSTART, F::NO_AUTOSTART, self.autostart)
            && pick(F::HAS_SNAPSHOT, F::NO_SNAPSHOT, self.has_snapshot)
            && pick(F::HAS_CHECKPOINT, F::NO_CHECKPOINT, self.has_checkpoint)
    }
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

/// `virVcpuInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcpuInfo {
    /// vCPU number.
    pub number: u32,
    /// `virVcpuState` (1 running).
    pub state: i32,
    /// CPU time used, nanoseconds.
    pub cpu_time_ns: u64,
    /// Host CPU it runs on.
    pub cpu: i32,
}

/// `virDomainGetVcpus`' answer: one entry per described vCPU and `maxinfo * maplen` bytes
/// of CPU maps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VcpusInfo {
    /// The vCPUs.
    pub info: Vec<VcpuInfo>,
    /// Their affinity maps, `maplen` bytes each.
    pub cpumaps: Vec<u8>,
}

/// `virNodeGetCPUMap`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeCpuMap {
    /// Number of host CPUs.
    pub cpus: i32,
    /// Online CPUs as a bit map.
    pub map: Vec<u8>,
    /// Number of online CPUs.
    pub online: u32,
}

/// `virDomainMemoryStatStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStat {
    /// `virDomainMemoryStatTags`.
    pub tag: i32,
    /// The value (KiB for sizes).
    pub val: u64,
}

/// `virDomainInterfaceStatsStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InterfaceStats {
    /// Bytes received.
    pub rx_bytes: i64,
    /// Packets received.
    pub rx_packets: i64,
    /// Receive errors.
    pub rx_errs: i64,
    /// Receive drops.
    pub rx_drop: i64,
    /// Bytes sent.
    pub tx_bytes: i64,
    /// Packets sent.
    pub tx_packets: i64,
    /// Send errors.
    pub tx_errs: i64,
    /// Send drops.
    pub tx_drop: i64,
}

/// `virDomainBlockStatsStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockStats {
    /// Read requests.
    pub rd_req: i64,
    /// Bytes read.
    pub rd_bytes: i64,
    /// Write requests.
    pub wr_req: i64,
    /// Bytes written.
    pub wr_bytes: i64,
    /// Errors.
    pub errs: i64,
}

/// `virDomainBlockInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockInfo {
    /// Logical size, bytes.
    pub capacity: u64,
    /// Host allocation, bytes.
    pub allocation: u64,
    /// Host storage, bytes.
    pub physical: u64,
}

/// One `virNodeCPUStats` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuStat {
    /// `VIR_NODE_CPU_STATS_*` name (`user`, `kernel`, …).
    pub field: String,
    /// Nanoseconds.
    pub value: u64,
}

/// `virNodeGetCPUStats`' answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuStats {
    /// The statistics (empty when only the count was asked for).
    pub params: Vec<CpuStat>,
    /// How many the driver has.
    pub nparams: i32,
}

/// `virDomainControlInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ControlInfo {
    /// `virDomainControlState`.
    pub state: u32,
    /// `virDomainControlErrorReason`.
    pub details: u32,
    /// Milliseconds in this state.
    pub state_time: u64,
}

/// The value of a `virTypedParameter`.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// `VIR_TYPED_PARAM_INT`.
    Int(i32),
    /// `VIR_TYPED_PARAM_UINT`.
    UInt(u32),
    /// `VIR_TYPED_PARAM_LLONG`.
    LLong(i64),
    /// `VIR_TYPED_PARAM_ULLONG`.
    ULLong(u64),
    /// `VIR_TYPED_PARAM_DOUBLE`.
    Double(f64),
    /// `VIR_TYPED_PARAM_BOOLEAN`.
    Boolean(bool),
    /// `VIR_TYPED_PARAM_STRING`.
    String(String),
}

/// `virTypedParameter`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedParameter {
    /// Parameter name.
    pub field: String,
    /// Its value.
    pub value: TypedValue,
}

/// A parameter list and the count the driver reports: when the caller asked for zero
/// parameters, `params` is empty and `nparams` says how many there are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypedParameters {
    /// The parameters.
    pub params: Vec<TypedParameter>,
    /// How many the driver has.
    pub nparams: i32,
}

/// `virNetworkUpdate`'s request, with the C API's meaning of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkUpdate {
    /// `virNetworkUpdateCommand`.
    pub command: u32,
    /// `virNetworkUpdateSection`.
    pub section: u32,
    /// Index of the parent element, −1 for any.
    pub parent_index: i32,
    /// XML fragment.
    pub xml: String,
    /// `virNetworkUpdateFlags`.
    pub flags: u32,
}

/// Bits of `virDomainMemoryModFlags` and `virDomainVcpuFlags` beyond the modification
/// impact (`device_flags::LIVE`, `device_flags::CONFIG`).
pub mod resource_flags {
    /// `VIR_DOMAIN_MEM_MAXIMUM`
    pub const MEM_MAXIMUM: u32 = 1 << 2;
    /// `VIR_DOMAIN_VCPU_MAXIMUM`
    pub const VCPU_MAXIMUM: u32 = 1 << 2;
    /// `VIR_DOMAIN_VCPU_GUEST`
    pub const VCPU_GUEST: u32 = 1 << 3;
    /// `VIR_DOMAIN_VCPU_HOTPLUGGABLE`
    pub const VCPU_HOTPLUGGABLE: u32 = 1 << 4;
    /// `VIR_TYPED_PARAM_STRING_OKAY`
    pub const TYPED_PARAM_STRING_OKAY: u32 = 1 << 2;
}

/// The arguments of `virConnectGetDomainCapabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainCapsRequest {
    /// Path of the emulator binary.
    pub emulator: Option<String>,
    /// Guest architecture (`x86_64`).
    pub arch: Option<String>,
    /// Machine type, canonical name or alias.
    pub machine: Option<String>,
    /// `kvm` or `qemu`.
    pub virttype: Option<String>,
}
