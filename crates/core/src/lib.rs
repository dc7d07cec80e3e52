//! The driver API: what a hypervisor connection can do, in libvirt's vocabulary.
//!
//! The API is split as libvirt splits it: [`HypervisorDriver`] (the connection's own
//! queries, the host, domains), [`NetworkDriver`] (virtual networks), and further object
//! drivers (storage, node devices, secrets, nwfilters, host interfaces) as they are built.
//! A [`Connection`] bundles the drivers one client opened.
//!
//! A request flows: at daemon start the [`DriverRegistry`] runs every [`StateDriver`]'s
//! `initialize` (load definitions, reconnect to running guests, autostart). A client's
//! `CONNECT_OPEN` asks the registry, which picks the [`ConnectDriver`] of the URI's scheme and
//! gets a [`Connection`]. Each call then reaches one method of one of its drivers, with the
//! caller's [`CallContext`]; its result is encoded, or its [`VirError`] becomes a
//! `remote_error`. At daemon stop the state drivers' `shutdown` runs. core knows neither RPC
//! nor QMP.
//!
//! Every method returns a boxed future so drivers whose work waits on processes (QEMU) and
//! drivers that answer from memory (test) share object-safe traits; the RPC layer picks the
//! driver at run time from the URI.
//!
//! State changes of domains go through [`DomainState::transition`], the single exhaustive
//! table of which lifecycle moves are legal. Lifecycle events are published on the driver's
//! [`EventBus`]; each RPC connection filters them by the callbacks its client registered.

mod connect;
pub mod event;
pub mod state;
pub mod types;

pub use connect::{
    CallContext, ConnectDriver, Connection, DriverRegistry, Identity, ParsedUri, StateContext,
    StateDriver,
};
pub use event::{Event, EventBus};
pub use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
pub use state::{DomainState, StateReason};
pub use types::*;

use std::future::Future;
use std::pin::Pin;

/// The result of a driver call.
pub type DriverResult<T> = Result<T, VirError>;

/// What every driver method returns: a boxed, `Send` future.
pub type DriverFuture<'a, T> = Pin<Box<dyn Future<Output = DriverResult<T>> + Send + 'a>>;

/// Wraps a value computed synchronously (in-memory drivers) as a [`DriverFuture`].
pub fn ready<'a, T: Send + 'a>(r: DriverResult<T>) -> DriverFuture<'a, T> {
    Box::pin(std::future::ready(r))
}

/// The hypervisor half of a connection (libvirt's `virHypervisorDriver`): the connection's
/// own queries, the host (node) and domains. Methods follow libvirt's public API names;
/// `flags` are libvirt's flag words, passed through unchanged.
pub trait HypervisorDriver: Send + Sync {
    /// The error domain this driver reports in (`VIR_FROM_TEST`, `VIR_FROM_QEMU`).
    fn error_domain(&self) -> ErrorDomain;

    // --- connection ---
    /// `virConnectGetType`: `Test`, `QEMU`.
    fn get_type(&self) -> DriverFuture<'_, String>;
    /// `virConnectGetVersion`.
    fn get_version(&self) -> DriverFuture<'_, u64>;
    /// `virConnectGetLibVersion`.
    fn get_lib_version(&self) -> DriverFuture<'_, u64> {
        ready(Ok(LIB_VERSION))
    }
    /// `virConnectGetHostname`.
    fn get_hostname(&self) -> DriverFuture<'_, String>;
    /// `virConnectGetURI`.
    fn get_uri(&self) -> DriverFuture<'_, String>;
    /// `virConnectGetCapabilities`.
    fn get_capabilities(&self) -> DriverFuture<'_, String>;
    /// `virConnectGetDomainCapabilities`: what this driver can do with one emulator,
    /// architecture, machine type and virtualization type (any of them may be left out).
    fn get_domain_capabilities<'a>(
        &'a self,
        _req: &'a DomainCapsRequest,
        _flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virConnectGetDomainCapabilities",
        )))
    }
    /// `virNodeGetInfo`.
    fn node_get_info(&self) -> DriverFuture<'_, NodeInfo>;
    /// `virNodeGetSecurityModel`.
    fn node_get_security_model(&self) -> DriverFuture<'_, SecurityModel>;
    /// `virConnectIsSecure`.
    fn is_secure(&self) -> DriverFuture<'_, bool> {
        ready(Ok(true))
    }
    /// `virConnectGetMaxVcpus`.
    fn get_max_vcpus(&self, _type: Option<&str>) -> DriverFuture<'_, i32>;
    /// The event bus this driver's domains publish on.
    fn events(&self) -> &EventBus;

    // --- domains ---
    /// `virConnectListAllDomains` with libvirt's filter flags.
    fn list_all_domains(&self, flags: u32) -> DriverFuture<'_, Vec<DomainRef>>;
    /// `virConnectNumOfDomains` (running).
    fn num_of_domains(&self) -> DriverFuture<'_, i32>;
    /// `virConnectListDomains`: ids of running domains.
    fn list_domain_ids(&self, max: i32) -> DriverFuture<'_, Vec<i32>>;
    /// `virConnectNumOfDefinedDomains`.
    fn num_of_defined_domains(&self) -> DriverFuture<'_, i32>;
    /// `virConnectListDefinedDomains`.
    fn list_defined_domains(&self, max: i32) -> DriverFuture<'_, Vec<String>>;
    /// `virDomainLookupByName`.
    fn domain_lookup_by_name<'a>(&'a self, name: &'a str) -> DriverFuture<'a, DomainRef>;
    /// `virDomainLookupByUUID`.
    fn domain_lookup_by_uuid(&self, uuid: [u8; 16]) -> DriverFuture<'_, DomainRef>;
    /// `virDomainLookupByID`.
    fn domain_lookup_by_id(&self, id: i32) -> DriverFuture<'_, DomainRef>;
    /// `virDomainDefineXMLFlags`.
    fn domain_define_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, DomainRef>;
    /// `virDomainCreateXML`.
    fn domain_create_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, DomainRef>;
    /// `virDomainUndefineFlags`.
    fn domain_undefine<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()>;
    /// `virDomainCreateWithFlags`; returns the handle with the new id.
    fn domain_create<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, DomainRef>;
    /// `virDomainDestroyFlags`.
    fn domain_destroy<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()>;
    /// `virDomainShutdownFlags`.
    fn domain_shutdown<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()>;
    /// `virDomainReboot`.
    fn domain_reboot<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()>;
    /// `virDomainReset`: a hardware reset, the guest is not asked.
    fn domain_reset<'a>(&'a self, _dom: &'a DomainRef, _flags: u32) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainReset",
        )))
    }
    /// `virDomainSuspend`.
    fn domain_suspend<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, ()>;
    /// `virDomainResume`.
    fn domain_resume<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, ()>;
    /// `virDomainGetAutostart`.
    fn domain_get_autostart<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool>;
    /// `virDomainSetAutostart`.
    fn domain_set_autostart<'a>(&'a self, dom: &'a DomainRef, on: bool) -> DriverFuture<'a, ()>;
    /// `virDomainGetInfo`.
    fn domain_get_info<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, DomainInfo>;
    /// `virDomainGetState`.
    fn domain_get_state<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, (DomainState, i32)>;
    /// `virDomainGetXMLDesc`.
    fn domain_get_xml_desc<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, String>;
    /// `virDomainIsActive`.
    fn domain_is_active<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool>;
    /// `virDomainIsPersistent`.
    fn domain_is_persistent<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool>;
    /// `virDomainHasManagedSaveImage`.
    fn domain_has_managed_save_image<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, bool>;
    /// `virDomainSnapshotNum`.
    fn domain_snapshot_num<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, i32>;
    /// `virDomainGetSecurityLabel`.
    fn domain_get_security_label<'a>(
        &'a self,
        dom: &'a DomainRef,
    ) -> DriverFuture<'a, SecurityLabel>;
    /// `virDomainGetMessages`.
    fn domain_get_messages<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, Vec<String>>;
    /// `virDomainGetOSType`.
    fn domain_get_os_type<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, String>;
    /// `virDomainGetMaxMemory` (KiB).
    fn domain_get_max_memory<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, u64>;
    /// `virDomainGetMaxVcpus`.
    fn domain_get_max_vcpus<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, i32>;
    /// `virDomainAttachDeviceFlags`.
    fn domain_attach_device<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _xml: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainAttachDeviceFlags",
        )))
    }
    /// `virDomainDetachDeviceFlags`.
    fn domain_detach_device<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _xml: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainDetachDeviceFlags",
        )))
    }
    /// `virDomainUpdateDeviceFlags`.
    fn domain_update_device<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _xml: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainUpdateDeviceFlags",
        )))
    }
    /// oxvirt's extension (`device_flags::OXVIRT_DRY_RUN`): plans what
    /// `virDomainUpdateDeviceFlags` would do to a live `<interface>` without doing it, and
    /// returns the plan as JSON. Drivers without an update planner refuse.
    fn domain_plan_update_device<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _xml: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainUpdateDeviceFlags",
        )))
    }

    // --- resources, statistics, guest queries ---
    /// `virDomainSetMemoryFlags` (KiB; `resource_flags::MEM_MAXIMUM` sets the maximum).
    /// `virDomainSetMemory` is LIVE and `virDomainSetMaxMemory` is MEM_MAXIMUM.
    fn domain_set_memory<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _kib: u64,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainSetMemoryFlags",
        )))
    }
    /// `virDomainSetVcpusFlags`; `virDomainSetVcpus` is LIVE.
    fn domain_set_vcpus<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _count: u32,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainSetVcpusFlags",
        )))
    }
    /// `virDomainGetVcpusFlags`.
    fn domain_get_vcpus_flags<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _flags: u32,
    ) -> DriverFuture<'a, i32> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetVcpusFlags",
        )))
    }
    /// `virDomainGetVcpus`: at most `maxinfo` vCPUs, `maplen` bytes of map each.
    fn domain_get_vcpus<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _maxinfo: usize,
        _maplen: usize,
    ) -> DriverFuture<'a, VcpusInfo> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetVcpus",
        )))
    }
    /// `virDomainGetVcpuPinInfo`: `ncpumaps * maplen` bytes of maps and how many of the
    /// maps are filled.
    fn domain_get_vcpu_pin_info<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _ncpumaps: usize,
        _maplen: usize,
        _flags: u32,
    ) -> DriverFuture<'a, (Vec<u8>, i32)> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetVcpuPinInfo",
        )))
    }
    /// `virDomainMemoryStats`: at most `max` statistics.
    fn domain_memory_stats<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _max: u32,
        _flags: u32,
    ) -> DriverFuture<'a, Vec<MemoryStat>> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainMemoryStats",
        )))
    }
    /// `virDomainInterfaceStats`.
    fn domain_interface_stats<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _device: &'a str,
    ) -> DriverFuture<'a, InterfaceStats> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainInterfaceStats",
        )))
    }
    /// `virDomainBlockStats`.
    fn domain_block_stats<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _path: &'a str,
    ) -> DriverFuture<'a, BlockStats> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainBlockStats",
        )))
    }
    /// `virDomainGetBlockInfo`.
    fn domain_get_block_info<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _path: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, BlockInfo> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetBlockInfo",
        )))
    }
    /// `virDomainGetHostname`.
    fn domain_get_hostname<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetHostname",
        )))
    }
    /// `virDomainGetTime`: seconds and nanoseconds.
    fn domain_get_time<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _flags: u32,
    ) -> DriverFuture<'a, (i64, u32)> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetTime",
        )))
    }
    /// `virDomainGetControlInfo`.
    fn domain_get_control_info<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _flags: u32,
    ) -> DriverFuture<'a, ControlInfo> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetControlInfo",
        )))
    }
    /// `virDomainGetSchedulerType`: the name and the number of parameters.
    fn domain_get_scheduler_type<'a>(
        &'a self,
        _dom: &'a DomainRef,
    ) -> DriverFuture<'a, (String, i32)> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetSchedulerType",
        )))
    }
    /// `virDomainGetSchedulerParametersFlags`: at most `nparams` parameters.
    fn domain_get_scheduler_parameters<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _nparams: i32,
        _flags: u32,
    ) -> DriverFuture<'a, Vec<TypedParameter>> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetSchedulerParametersFlags",
        )))
    }
    /// `virDomainGetMemoryParameters`: `nparams` 0 asks for the count.
    fn domain_get_memory_parameters<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _nparams: i32,
        _flags: u32,
    ) -> DriverFuture<'a, TypedParameters> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainGetMemoryParameters",
        )))
    }

    // --- host ---
    /// `virConnectGetSysinfo`.
    fn get_sysinfo(&self, _flags: u32) -> DriverFuture<'_, String> {
        ready(Err(VirError::no_support(
            ErrorDomain::None,
            "virConnectGetSysinfo",
        )))
    }
    /// `virNodeGetCellsFreeMemory`: bytes per cell from `start`, at most `max` cells.
    fn node_get_cells_free_memory(&self, _start: i32, _max: i32) -> DriverFuture<'_, Vec<u64>> {
        ready(Err(VirError::no_support(
            ErrorDomain::None,
            "virNodeGetCellsFreeMemory",
        )))
    }
    /// `virNodeGetFreeMemory`, bytes.
    fn node_get_free_memory(&self) -> DriverFuture<'_, u64> {
        ready(Err(VirError::no_support(
            ErrorDomain::None,
            "virNodeGetFreeMemory",
        )))
    }
    /// `virNodeGetCPUStats`: `nparams` 0 asks for the count.
    fn node_get_cpu_stats(
        &self,
        _cpu: i32,
        _nparams: i32,
        _flags: u32,
    ) -> DriverFuture<'_, CpuStats> {
        ready(Err(VirError::no_support(
            ErrorDomain::None,
            "virNodeGetCPUStats",
        )))
    }
    /// `virNodeGetCPUMap`.
    fn node_get_cpu_map(&self, _flags: u32) -> DriverFuture<'_, NodeCpuMap> {
        ready(Err(VirError::no_support(
            ErrorDomain::None,
            "virNodeGetCPUMap",
        )))
    }
}

/// The network half of a connection (libvirt's `virNetworkDriver`): virtual networks.
pub trait NetworkDriver: Send + Sync {
    /// The event bus this driver's networks publish on.
    fn events(&self) -> &EventBus;

    /// `virConnectListAllNetworks`.
    fn list_all_networks(&self, flags: u32) -> DriverFuture<'_, Vec<NetworkRef>>;
    /// `virConnectNumOfNetworks` (active).
    fn num_of_networks(&self) -> DriverFuture<'_, i32>;
    /// `virConnectListNetworks` (active names).
    fn list_networks(&self, max: i32) -> DriverFuture<'_, Vec<String>>;
    /// `virConnectNumOfDefinedNetworks`.
    fn num_of_defined_networks(&self) -> DriverFuture<'_, i32>;
    /// `virConnectListDefinedNetworks`.
    fn list_defined_networks(&self, max: i32) -> DriverFuture<'_, Vec<String>>;
    /// `virNetworkLookupByName`.
    fn network_lookup_by_name<'a>(&'a self, name: &'a str) -> DriverFuture<'a, NetworkRef>;
    /// `virNetworkLookupByUUID`.
    fn network_lookup_by_uuid(&self, uuid: [u8; 16]) -> DriverFuture<'_, NetworkRef>;
    /// `virNetworkDefineXMLFlags`.
    fn network_define_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, NetworkRef>;
    /// `virNetworkCreateXMLFlags`.
    fn network_create_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, NetworkRef>;
    /// `virNetworkUndefine`.
    fn network_undefine<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, ()>;
    /// `virNetworkCreate`.
    fn network_create<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, ()>;
    /// `virNetworkDestroy`.
    fn network_destroy<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, ()>;
    /// `virNetworkGetXMLDesc`.
    fn network_get_xml_desc<'a>(
        &'a self,
        net: &'a NetworkRef,
        flags: u32,
    ) -> DriverFuture<'a, String>;
    /// `virNetworkGetBridgeName`.
    fn network_get_bridge_name<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, String>;
    /// `virNetworkGetAutostart`.
    fn network_get_autostart<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, bool>;
    /// `virNetworkSetAutostart`.
    fn network_set_autostart<'a>(&'a self, net: &'a NetworkRef, on: bool) -> DriverFuture<'a, ()>;
    /// `virNetworkIsActive`.
    fn network_is_active<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, bool>;
    /// `virNetworkIsPersistent`.
    fn network_is_persistent<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, bool>;
    /// `virNetworkUpdate`.
    fn network_update<'a>(
        &'a self,
        _net: &'a NetworkRef,
        _update: &'a NetworkUpdate,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Network,
            "virNetworkUpdate",
        )))
    }
}

/// The library version we report: libvirt 9.0.0, the ABI our clients were built against.
pub const LIB_VERSION: u64 = 9_000_000;
