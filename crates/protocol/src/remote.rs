//! Program `REMOTE`: args/ret/message structs of the procedures oxvirt serves, and the
//! typed procedure enum [`RemoteProc`].
//!
//! Layouts are those of libvirt 9.0's `remote_protocol.x`, field for field. Names: the
//! `.x` struct `remote_domain_get_info_ret` is [`DomainGetInfoRet`], fields in snake case
//! (`nrVirtCpu` → `nr_virt_cpu`). A procedure whose args or ret is `void` uses `()`.
//!
//! Wire details worth knowing when filling these in:
//! * `char x[N]` is `[i8; N]` and `char x<MAX>` is `Vec<i8>`: one 4-byte word per
//!   character. Security labels and models count the trailing NUL
//!   ([`c_chars`] builds such a vector from a `&str`).
//! * `unsigned char`/`unsigned short` fields (`DomainGetInfoRet::state`, `nr_virt_cpu`)
//!   still take a word each.

use oxvirt_xdr::{Decode, Encode, Xdr, XdrError};

use crate::procedures::{ProcInfo, remote_proc};
use crate::{NonnullDomain, NonnullNetwork, TypedParam, Uuid};

/// `REMOTE_DOMAIN_LIST_MAX`.
pub const DOMAIN_LIST_MAX: u32 = 16384;
/// `REMOTE_NETWORK_LIST_MAX`.
pub const NETWORK_LIST_MAX: u32 = 16384;
/// `REMOTE_AUTH_TYPE_LIST_MAX`.
pub const AUTH_TYPE_LIST_MAX: u32 = 20;
/// `REMOTE_AUTH_SASL_DATA_MAX`.
pub const AUTH_SASL_DATA_MAX: u32 = 65536;
/// `REMOTE_SECURITY_MODEL_MAX` (`VIR_SECURITY_MODEL_BUFLEN` = 256 + 1).
pub const SECURITY_MODEL_MAX: u32 = 257;
/// `REMOTE_SECURITY_LABEL_MAX` (`VIR_SECURITY_LABEL_BUFLEN` = 4096 + 1).
pub const SECURITY_LABEL_MAX: u32 = 4097;
/// `REMOTE_SECURITY_DOI_MAX` (`VIR_SECURITY_DOI_BUFLEN` = 256 + 1).
pub const SECURITY_DOI_MAX: u32 = 257;
/// `REMOTE_DOMAIN_MESSAGES_MAX`.
pub const DOMAIN_MESSAGES_MAX: u32 = 2048;

/// A C string as `char x<MAX>` carries it: the bytes plus a trailing NUL, one `i8` each.
pub fn c_chars(s: &str) -> Vec<i8> {
    s.bytes().map(|b| b as i8).chain([0]).collect()
}

/// The text of a `char x<MAX>` / `char x[N]` value: up to the first NUL, lossy UTF-8.
pub fn c_chars_to_string(chars: &[i8]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `remote_auth_type`.
#[derive(Xdr, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum AuthType {
    /// `REMOTE_AUTH_NONE`.
    None = 0,
    /// `REMOTE_AUTH_SASL`.
    Sasl = 1,
    /// `REMOTE_AUTH_POLKIT`.
    Polkit = 2,
}

// --- connection ---------------------------------------------------------------------

/// `remote_connect_open_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectOpenArgs {
    /// URI as rewritten by the client; may be absent.
    pub name: Option<String>,
    /// `virConnectFlags` (bit 0: read-only).
    pub flags: u32,
}

/// `remote_connect_supports_feature_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectSupportsFeatureArgs {
    /// `VIR_DRV_FEATURE_*`.
    pub feature: i32,
}

/// `remote_connect_supports_feature_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectSupportsFeatureRet {
    /// 1 if supported.
    pub supported: i32,
}

/// `remote_connect_get_type_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetTypeRet {
    /// Driver name, e.g. `QEMU`.
    pub r#type: String,
}

/// `remote_connect_get_version_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetVersionRet {
    /// Hypervisor version, major * 1000000 + minor * 1000 + release.
    pub hv_ver: u64,
}

/// `remote_connect_get_lib_version_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetLibVersionRet {
    /// Library version, same encoding.
    pub lib_ver: u64,
}

/// `remote_connect_get_hostname_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetHostnameRet {
    /// Host name.
    pub hostname: String,
}

/// `remote_connect_get_uri_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetUriRet {
    /// Canonical URI of the open connection.
    pub uri: String,
}

/// `remote_connect_get_capabilities_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetCapabilitiesRet {
    /// Capabilities XML.
    pub capabilities: String,
}

/// `remote_connect_is_secure_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectIsSecureRet {
    /// 1 if the transport is secure.
    pub secure: i32,
}

/// `remote_node_get_info_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetInfoRet {
    /// CPU model, NUL padded, one word per character (128 bytes).
    pub model: [i8; 32],
    /// Memory in KiB.
    pub memory: u64,
    /// Active CPUs.
    pub cpus: i32,
    /// CPU frequency in MHz.
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

/// `remote_node_get_security_model_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetSecurityModelRet {
    /// Model name, with trailing NUL ([`c_chars`]).
    #[xdr(max = SECURITY_MODEL_MAX)]
    pub model: Vec<i8>,
    /// Domain of interpretation, with trailing NUL.
    #[xdr(max = SECURITY_DOI_MAX)]
    pub doi: Vec<i8>,
}

/// `remote_auth_list_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct AuthListRet {
    /// Offered auth types (the reference daemon lists exactly one).
    #[xdr(max = AUTH_TYPE_LIST_MAX)]
    pub types: Vec<AuthType>,
}

/// `remote_connect_list_all_domains_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListAllDomainsArgs {
    /// Non-zero if the client wants the list, not just the count.
    pub need_results: i32,
    /// `virConnectListAllDomainsFlags`.
    pub flags: u32,
}

/// `remote_connect_list_all_domains_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListAllDomainsRet {
    /// The domains (empty when `need_results` was 0).
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub domains: Vec<NonnullDomain>,
    /// Number of matching domains.
    pub ret: u32,
}

/// `remote_connect_list_all_networks_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListAllNetworksArgs {
    /// Non-zero if the client wants the list.
    pub need_results: i32,
    /// `virConnectListAllNetworksFlags`.
    pub flags: u32,
}

/// `remote_connect_list_all_networks_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListAllNetworksRet {
    /// The networks.
    #[xdr(max = NETWORK_LIST_MAX)]
    pub nets: Vec<NonnullNetwork>,
    /// Number of matching networks.
    pub ret: u32,
}

// --- events -------------------------------------------------------------------------

/// `remote_connect_domain_event_callback_register_any_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectDomainEventCallbackRegisterAnyArgs {
    /// `virDomainEventID`.
    pub event_id: i32,
    /// Only this domain, or all when `None`.
    pub dom: Option<NonnullDomain>,
}

/// `remote_connect_domain_event_callback_register_any_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectDomainEventCallbackRegisterAnyRet {
    /// Id the server allocated; events carry it.
    pub callback_id: i32,
}

/// `remote_connect_domain_event_callback_deregister_any_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectDomainEventCallbackDeregisterAnyArgs {
    /// Id from the register reply.
    pub callback_id: i32,
}

/// `remote_domain_event_lifecycle_msg` (also the legacy event 107's body).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainEventLifecycleMsg {
    /// The domain.
    pub dom: NonnullDomain,
    /// `virDomainEventType`.
    pub event: i32,
    /// Per-event detail.
    pub detail: i32,
}

/// `remote_domain_event_callback_lifecycle_msg` (procedure 318).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainEventCallbackLifecycleMsg {
    /// The registration this event answers.
    pub callback_id: i32,
    /// The event.
    pub msg: DomainEventLifecycleMsg,
}

/// `remote_connect_network_event_register_any_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectNetworkEventRegisterAnyArgs {
    /// `virNetworkEventID`.
    pub event_id: i32,
    /// Only this network, or all when `None`.
    pub net: Option<NonnullNetwork>,
}

/// `remote_connect_network_event_register_any_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectNetworkEventRegisterAnyRet {
    /// Id the server allocated.
    pub callback_id: i32,
}

/// `remote_connect_network_event_deregister_any_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectNetworkEventDeregisterAnyArgs {
    /// Id from the register reply.
    pub callback_id: i32,
}

/// `remote_network_event_lifecycle_msg` (procedure 315).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkEventLifecycleMsg {
    /// The registration this event answers.
    pub callback_id: i32,
    /// The network.
    pub net: NonnullNetwork,
    /// `virNetworkEventLifecycleType`.
    pub event: i32,
    /// Per-event detail.
    pub detail: i32,
}

/// `remote_connect_event_connection_closed_msg` (procedure 362).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectEventConnectionClosedMsg {
    /// `virConnectCloseReason`.
    pub reason: i32,
}

// --- domains ------------------------------------------------------------------------

/// Args that are just a domain handle (`remote_domain_create_args`, `…_destroy_args`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainArgs {
    /// The domain.
    pub dom: NonnullDomain,
}

/// Args that are a domain handle and flags (`remote_domain_reboot_args`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainFlagsArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// Procedure-specific flags.
    pub flags: u32,
}

/// Ret that is just a domain handle (`remote_domain_lookup_by_name_ret`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainRet {
    /// The domain.
    pub dom: NonnullDomain,
}

/// Args of a device operation without flags (`remote_domain_attach_device_args`).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainDeviceArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// Device XML.
    pub xml: String,
}

/// Args of a device operation with flags (`remote_domain_update_device_flags_args`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainDeviceFlagsArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// Device XML.
    pub xml: String,
    /// `virDomainDeviceModifyFlags` (1 LIVE, 2 CONFIG).
    pub flags: u32,
}

/// `remote_domain_create_args`.
pub type DomainCreateArgs = DomainArgs;
/// `remote_domain_destroy_args`.
pub type DomainDestroyArgs = DomainArgs;
/// `remote_domain_resume_args`.
pub type DomainResumeArgs = DomainArgs;
/// `remote_domain_suspend_args`.
pub type DomainSuspendArgs = DomainArgs;
/// `remote_domain_shutdown_args`.
pub type DomainShutdownArgs = DomainArgs;
/// `remote_domain_undefine_args`.
pub type DomainUndefineArgs = DomainArgs;
/// `remote_domain_get_autostart_args`.
pub type DomainGetAutostartArgs = DomainArgs;
/// `remote_domain_get_info_args`.
pub type DomainGetInfoArgs = DomainArgs;
/// `remote_domain_get_os_type_args`.
pub type DomainGetOsTypeArgs = DomainArgs;
/// `remote_domain_get_security_label_args`.
pub type DomainGetSecurityLabelArgs = DomainArgs;
/// `remote_domain_is_active_args`.
pub type DomainIsActiveArgs = DomainArgs;
/// `remote_domain_is_persistent_args`.
pub type DomainIsPersistentArgs = DomainArgs;

/// `remote_domain_reboot_args`.
pub type DomainRebootArgs = DomainFlagsArgs;
/// `remote_domain_get_xml_desc_args`.
pub type DomainGetXmlDescArgs = DomainFlagsArgs;
/// `remote_domain_has_managed_save_image_args`.
pub type DomainHasManagedSaveImageArgs = DomainFlagsArgs;
/// `remote_domain_snapshot_num_args`.
pub type DomainSnapshotNumArgs = DomainFlagsArgs;
/// `remote_domain_create_with_flags_args`.
pub type DomainCreateWithFlagsArgs = DomainFlagsArgs;
/// `remote_domain_get_state_args`.
pub type DomainGetStateArgs = DomainFlagsArgs;
/// `remote_domain_undefine_flags_args`.
pub type DomainUndefineFlagsArgs = DomainFlagsArgs;
/// `remote_domain_destroy_flags_args`.
pub type DomainDestroyFlagsArgs = DomainFlagsArgs;
/// `remote_domain_shutdown_flags_args`.
pub type DomainShutdownFlagsArgs = DomainFlagsArgs;
/// `remote_domain_get_messages_args`.
pub type DomainGetMessagesArgs = DomainFlagsArgs;

/// `remote_domain_attach_device_args`.
pub type DomainAttachDeviceArgs = DomainDeviceArgs;
/// `remote_domain_detach_device_args`.
pub type DomainDetachDeviceArgs = DomainDeviceArgs;
/// `remote_domain_attach_device_flags_args`.
pub type DomainAttachDeviceFlagsArgs = DomainDeviceFlagsArgs;
/// `remote_domain_detach_device_flags_args`.
pub type DomainDetachDeviceFlagsArgs = DomainDeviceFlagsArgs;
/// `remote_domain_update_device_flags_args`.
pub type DomainUpdateDeviceFlagsArgs = DomainDeviceFlagsArgs;

/// `remote_domain_define_xml_ret`.
pub type DomainDefineXmlRet = DomainRet;
/// `remote_domain_define_xml_flags_ret`.
pub type DomainDefineXmlFlagsRet = DomainRet;
/// `remote_domain_lookup_by_id_ret`.
pub type DomainLookupByIdRet = DomainRet;
/// `remote_domain_lookup_by_name_ret`.
pub type DomainLookupByNameRet = DomainRet;
/// `remote_domain_lookup_by_uuid_ret`.
pub type DomainLookupByUuidRet = DomainRet;
/// `remote_domain_create_with_flags_ret`.
pub type DomainCreateWithFlagsRet = DomainRet;

/// `remote_domain_define_xml_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainDefineXmlArgs {
    /// Domain XML.
    pub xml: String,
}

/// `remote_domain_define_xml_flags_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainDefineXmlFlagsArgs {
    /// Domain XML.
    pub xml: String,
    /// `virDomainDefineFlags` (1 VALIDATE).
    pub flags: u32,
}

/// `remote_domain_lookup_by_id_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainLookupByIdArgs {
    /// Domain id.
    pub id: i32,
}

/// `remote_domain_lookup_by_name_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainLookupByNameArgs {
    /// Domain name.
    pub name: String,
}

/// `remote_domain_lookup_by_uuid_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainLookupByUuidArgs {
    /// Domain UUID (16 raw bytes).
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_domain_get_xml_desc_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetXmlDescRet {
    /// Domain XML.
    pub xml: String,
}

/// `remote_domain_get_autostart_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetAutostartRet {
    /// 1 if autostarted.
    pub autostart: i32,
}

/// `remote_domain_set_autostart_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainSetAutostartArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// 1 to enable.
    pub autostart: i32,
}

/// `remote_domain_get_info_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetInfoRet {
    /// `virDomainState` (an `unsigned char`, one word).
    pub state: u8,
    /// Maximum memory in KiB.
    pub max_mem: u64,
    /// Current memory in KiB.
    pub memory: u64,
    /// Virtual CPUs (an `unsigned short`, one word).
    pub nr_virt_cpu: u16,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
}

/// `remote_domain_get_os_type_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetOsTypeRet {
    /// OS type, e.g. `hvm`.
    pub r#type: String,
}

/// `remote_domain_get_security_label_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetSecurityLabelRet {
    /// Label with trailing NUL ([`c_chars`]); empty when there is none.
    #[xdr(max = SECURITY_LABEL_MAX)]
    pub label: Vec<i8>,
    /// 1 if enforcing.
    pub enforcing: i32,
}

/// `remote_domain_is_active_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainIsActiveRet {
    /// 1 if running.
    pub active: i32,
}

/// `remote_domain_is_persistent_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainIsPersistentRet {
    /// 1 if it has a persistent config.
    pub persistent: i32,
}

/// `remote_domain_has_managed_save_image_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainHasManagedSaveImageRet {
    /// 1 if a managed save image exists.
    pub result: i32,
}

/// `remote_domain_snapshot_num_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainSnapshotNumRet {
    /// Number of snapshots.
    pub num: i32,
}

/// `remote_domain_get_state_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetStateRet {
    /// `virDomainState`.
    pub state: i32,
    /// State-specific reason.
    pub reason: i32,
}

/// `remote_domain_get_messages_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetMessagesRet {
    /// Messages (tainting, deprecation, …).
    #[xdr(max = DOMAIN_MESSAGES_MAX)]
    pub msgs: Vec<String>,
}

// --- networks -----------------------------------------------------------------------

/// Args that are just a network handle (`remote_network_create_args`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkArgs {
    /// The network.
    pub net: NonnullNetwork,
}

/// Ret that is just a network handle (`remote_network_lookup_by_name_ret`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkRet {
    /// The network.
    pub net: NonnullNetwork,
}

/// `remote_network_create_args`.
pub type NetworkCreateArgs = NetworkArgs;
/// `remote_network_destroy_args`.
pub type NetworkDestroyArgs = NetworkArgs;
/// `remote_network_undefine_args`.
pub type NetworkUndefineArgs = NetworkArgs;
/// `remote_network_get_autostart_args`.
pub type NetworkGetAutostartArgs = NetworkArgs;
/// `remote_network_get_bridge_name_args`.
pub type NetworkGetBridgeNameArgs = NetworkArgs;
/// `remote_network_is_active_args`.
pub type NetworkIsActiveArgs = NetworkArgs;
/// `remote_network_is_persistent_args`.
pub type NetworkIsPersistentArgs = NetworkArgs;

/// `remote_network_create_xml_ret`.
pub type NetworkCreateXmlRet = NetworkRet;
/// `remote_network_create_xml_flags_ret`.
pub type NetworkCreateXmlFlagsRet = NetworkRet;
/// `remote_network_define_xml_ret`.
pub type NetworkDefineXmlRet = NetworkRet;
/// `remote_network_define_xml_flags_ret`.
pub type NetworkDefineXmlFlagsRet = NetworkRet;
/// `remote_network_lookup_by_name_ret`.
pub type NetworkLookupByNameRet = NetworkRet;
/// `remote_network_lookup_by_uuid_ret`.
pub type NetworkLookupByUuidRet = NetworkRet;

/// `remote_network_create_xml_args` / `remote_network_define_xml_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkXmlArgs {
    /// Network XML.
    pub xml: String,
}

/// `remote_network_create_xml_args`.
pub type NetworkCreateXmlArgs = NetworkXmlArgs;
/// `remote_network_define_xml_args`.
pub type NetworkDefineXmlArgs = NetworkXmlArgs;

/// `remote_network_create_xml_flags_args` / `remote_network_define_xml_flags_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkXmlFlagsArgs {
    /// Network XML.
    pub xml: String,
    /// `VIR_NETWORK_*_VALIDATE`.
    pub flags: u32,
}

/// `remote_network_create_xml_flags_args`.
pub type NetworkCreateXmlFlagsArgs = NetworkXmlFlagsArgs;
/// `remote_network_define_xml_flags_args`.
pub type NetworkDefineXmlFlagsArgs = NetworkXmlFlagsArgs;

/// `remote_network_get_xml_desc_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkGetXmlDescArgs {
    /// The network.
    pub net: NonnullNetwork,
    /// `virNetworkXMLFlags`.
    pub flags: u32,
}

/// `remote_network_get_xml_desc_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkGetXmlDescRet {
    /// Network XML.
    pub xml: String,
}

/// `remote_network_get_autostart_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkGetAutostartRet {
    /// 1 if autostarted.
    pub autostart: i32,
}

/// `remote_network_set_autostart_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkSetAutostartArgs {
    /// The network.
    pub net: NonnullNetwork,
    /// 1 to enable.
    pub autostart: i32,
}

/// `remote_network_get_bridge_name_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkGetBridgeNameRet {
    /// Bridge device name.
    pub name: String,
}

/// `remote_network_lookup_by_name_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkLookupByNameArgs {
    /// Network name.
    pub name: String,
}

/// `remote_network_lookup_by_uuid_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkLookupByUuidArgs {
    /// Network UUID (16 raw bytes).
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_network_is_active_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkIsActiveRet {
    /// 1 if active.
    pub active: i32,
}

/// `remote_network_is_persistent_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkIsPersistentRet {
    /// 1 if persistent.
    pub persistent: i32,
}

/// `remote_network_update_args`. The fields mean what they say only for clients that
/// saw feature 16 (`NETWORK_UPDATE_HAS_CORRECT_ORDER`) supported; older clients send the
/// section in `command` and the command in `section`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NetworkUpdateArgs {
    /// The network.
    pub net: NonnullNetwork,
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

// --- the procedure enum -------------------------------------------------------------

// --- Table C procedures the daemon also serves (virsh create, dominfo on old clients, …) ---

/// `remote_connect_get_max_vcpus_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetMaxVcpusArgs {
    /// Hypervisor type, ignored by most drivers.
    pub r#type: Option<String>,
}

/// `remote_connect_get_max_vcpus_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetMaxVcpusRet {
    /// Maximum vCPUs of a guest.
    pub max_vcpus: i32,
}

/// `remote_domain_create_xml_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainCreateXmlArgs {
    /// Domain XML.
    pub xml_desc: String,
    /// `virDomainCreateFlags`.
    pub flags: u32,
}

/// `remote_domain_create_xml_ret`.
pub type DomainCreateXmlRet = DomainRet;
/// `remote_domain_get_max_memory_args`.
pub type DomainGetMaxMemoryArgs = DomainArgs;
/// `remote_domain_get_max_vcpus_args`.
pub type DomainGetMaxVcpusArgs = DomainArgs;

/// `remote_domain_get_max_memory_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetMaxMemoryRet {
    /// KiB.
    pub memory: u64,
}

/// `remote_domain_get_max_vcpus_ret` and the `int num` replies of the counting calls.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NumRet {
    /// The count.
    pub num: i32,
}

/// `remote_domain_get_max_vcpus_ret`.
pub type DomainGetMaxVcpusRet = NumRet;
/// `remote_connect_num_of_domains_ret`.
pub type ConnectNumOfDomainsRet = NumRet;
/// `remote_connect_num_of_defined_domains_ret`.
pub type ConnectNumOfDefinedDomainsRet = NumRet;
/// `remote_connect_num_of_networks_ret`.
pub type ConnectNumOfNetworksRet = NumRet;
/// `remote_connect_num_of_defined_networks_ret`.
pub type ConnectNumOfDefinedNetworksRet = NumRet;

/// `remote_connect_list_domains_args` (`maxids`) and the `maxnames` args of the name lists.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ListMaxArgs {
    /// The most entries the caller accepts.
    pub max: i32,
}

/// `remote_connect_list_domains_args`.
pub type ConnectListDomainsArgs = ListMaxArgs;
/// `remote_connect_list_defined_domains_args`.
pub type ConnectListDefinedDomainsArgs = ListMaxArgs;
/// `remote_connect_list_networks_args`.
pub type ConnectListNetworksArgs = ListMaxArgs;
/// `remote_connect_list_defined_networks_args`.
pub type ConnectListDefinedNetworksArgs = ListMaxArgs;

/// `remote_connect_list_domains_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListDomainsRet {
    /// Ids of running domains.
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub ids: Vec<i32>,
}

/// `remote_connect_list_defined_domains_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListDefinedDomainsRet {
    /// Names of inactive domains.
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub names: Vec<String>,
}

/// `remote_connect_list_networks_ret` / `remote_connect_list_defined_networks_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectListNetworkNamesRet {
    /// Network names.
    #[xdr(max = NETWORK_LIST_MAX)]
    pub names: Vec<String>,
}

/// `remote_connect_list_networks_ret`.
pub type ConnectListNetworksRet = ConnectListNetworkNamesRet;
/// `remote_connect_list_defined_networks_ret`.
pub type ConnectListDefinedNetworksRet = ConnectListNetworkNamesRet;

/// `remote_domain_event_reboot_msg`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainEventRebootMsg {
    /// The domain.
    pub dom: NonnullDomain,
}

/// `remote_domain_event_callback_reboot_msg`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainEventCallbackRebootMsg {
    /// The client's callback id.
    pub callback_id: i32,
    /// The event.
    pub msg: DomainEventRebootMsg,
}

// --- resources, statistics and host queries -------------------------------------

/// `REMOTE_VCPUINFO_MAX`.
pub const VCPUINFO_MAX: u32 = 16384;
/// `REMOTE_CPUMAPS_MAX`.
pub const CPUMAPS_MAX: u32 = 8_388_608;
/// `REMOTE_CPUMAP_MAX`.
pub const CPUMAP_MAX: u32 = 2048;
/// `REMOTE_DOMAIN_MEMORY_STATS_MAX`.
pub const DOMAIN_MEMORY_STATS_MAX: u32 = 1024;
/// `REMOTE_NODE_MAX_CELLS`.
pub const NODE_MAX_CELLS: u32 = 1024;
/// `REMOTE_NODE_CPU_STATS_MAX`.
pub const NODE_CPU_STATS_MAX: u32 = 16;
/// `REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX`.
pub const DOMAIN_SCHEDULER_PARAMETERS_MAX: u32 = 16;
/// `REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX`.
pub const DOMAIN_MEMORY_PARAMETERS_MAX: u32 = 16;

/// `remote_domain_set_memory_args` / `remote_domain_set_max_memory_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainSetMemoryArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// KiB.
    pub memory: u64,
}

/// `remote_domain_set_max_memory_args`.
pub type DomainSetMaxMemoryArgs = DomainSetMemoryArgs;

/// `remote_domain_set_memory_flags_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainSetMemoryFlagsArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// KiB.
    pub memory: u64,
    /// `virDomainMemoryModFlags`.
    pub flags: u32,
}

/// `remote_domain_set_vcpus_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainSetVcpusArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// New vCPU count.
    pub nvcpus: u32,
}

/// `remote_domain_set_vcpus_flags_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainSetVcpusFlagsArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// New vCPU count.
    pub nvcpus: u32,
    /// `virDomainVcpuFlags`.
    pub flags: u32,
}

/// `remote_domain_get_vcpus_flags_args`.
pub type DomainGetVcpusFlagsArgs = DomainFlagsArgs;
/// `remote_domain_get_vcpus_flags_ret`.
pub type DomainGetVcpusFlagsRet = NumRet;

/// `remote_domain_get_vcpus_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetVcpusArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// The most vCPUs the caller wants described.
    pub maxinfo: i32,
    /// Bytes per CPU map.
    pub maplen: i32,
}

/// `remote_vcpu_info`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct VcpuInfo {
    /// vCPU number.
    pub number: u32,
    /// `virVcpuState`.
    pub state: i32,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
    /// Host CPU it runs on.
    pub cpu: i32,
}

/// `remote_domain_get_vcpus_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetVcpusRet {
    /// One entry per vCPU described.
    #[xdr(max = VCPUINFO_MAX)]
    pub info: Vec<VcpuInfo>,
    /// `maxinfo * maplen` bytes of CPU maps.
    #[xdr(opaque, max = CPUMAPS_MAX)]
    pub cpumaps: Vec<u8>,
}

/// `remote_node_get_cpu_map_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCpuMapArgs {
    /// Non-zero to receive the map.
    pub need_map: i32,
    /// Non-zero to receive the online count.
    pub need_online: i32,
    /// Unused.
    pub flags: u32,
}

/// `remote_node_get_cpu_map_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCpuMapRet {
    /// Online CPUs as a bit map (empty unless asked for).
    #[xdr(opaque, max = CPUMAP_MAX)]
    pub cpumap: Vec<u8>,
    /// Online CPUs (0 unless asked for).
    pub online: u32,
    /// Number of host CPUs.
    pub ret: i32,
}

/// `remote_domain_get_vcpu_pin_info_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetVcpuPinInfoArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// How many maps the caller wants.
    pub ncpumaps: i32,
    /// Bytes per map.
    pub maplen: i32,
    /// `virDomainModificationImpact`.
    pub flags: u32,
}

/// `remote_domain_get_vcpu_pin_info_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetVcpuPinInfoRet {
    /// `ncpumaps * maplen` bytes of maps.
    #[xdr(opaque, max = CPUMAPS_MAX)]
    pub cpumaps: Vec<u8>,
    /// Number of maps filled.
    pub num: i32,
}

/// `remote_domain_memory_stats_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainMemoryStatsArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// The most statistics the caller accepts.
    pub max_stats: u32,
    /// Unused.
    pub flags: u32,
}

/// `remote_domain_memory_stat`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainMemoryStat {
    /// `virDomainMemoryStatTags`.
    pub tag: i32,
    /// The value.
    pub val: u64,
}

/// `remote_domain_memory_stats_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainMemoryStatsRet {
    /// The statistics.
    #[xdr(max = DOMAIN_MEMORY_STATS_MAX)]
    pub stats: Vec<DomainMemoryStat>,
}

/// `remote_domain_interface_stats_args` / `remote_domain_block_stats_args`: a domain and
/// a device name or path.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainDevicePathArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// Device name or path.
    pub path: String,
}

/// `remote_domain_interface_stats_args`.
pub type DomainInterfaceStatsArgs = DomainDevicePathArgs;
/// `remote_domain_block_stats_args`.
pub type DomainBlockStatsArgs = DomainDevicePathArgs;

/// `remote_domain_interface_stats_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainInterfaceStatsRet {
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

/// `remote_domain_block_stats_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainBlockStatsRet {
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

/// `remote_domain_get_block_info_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetBlockInfoArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// Disk target or source path.
    pub path: String,
    /// Unused.
    pub flags: u32,
}

/// `remote_domain_get_block_info_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetBlockInfoRet {
    /// Bytes allocated on the host.
    pub allocation: u64,
    /// Logical size in bytes.
    pub capacity: u64,
    /// Host storage in bytes.
    pub physical: u64,
}

/// `remote_node_get_cells_free_memory_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCellsFreeMemoryArgs {
    /// First cell.
    pub start_cell: i32,
    /// The most cells the caller accepts.
    pub maxcells: i32,
}

/// `remote_node_get_cells_free_memory_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCellsFreeMemoryRet {
    /// Free memory per cell, bytes.
    #[xdr(max = NODE_MAX_CELLS)]
    pub cells: Vec<u64>,
}

/// `remote_node_get_free_memory_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetFreeMemoryRet {
    /// Free memory, bytes.
    pub free_mem: u64,
}

/// Args that are only flags (`remote_connect_get_sysinfo_args`, …).
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct FlagsArgs {
    /// Procedure-specific flags.
    pub flags: u32,
}

/// `remote_connect_get_sysinfo_args`.
pub type ConnectGetSysinfoArgs = FlagsArgs;

/// `remote_connect_get_sysinfo_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct ConnectGetSysinfoRet {
    /// Sysinfo XML.
    pub sysinfo: String,
}

/// `remote_node_get_cpu_stats_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCpuStatsArgs {
    /// CPU number, or −1 for the total.
    pub cpu_num: i32,
    /// The most statistics the caller accepts; 0 asks for the count.
    pub nparams: i32,
    /// Unused.
    pub flags: u32,
}

/// `remote_node_get_cpu_stats`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeCpuStat {
    /// `VIR_NODE_CPU_STATS_*` name.
    pub field: String,
    /// Nanoseconds.
    pub value: u64,
}

/// `remote_node_get_cpu_stats_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCpuStatsRet {
    /// The statistics (empty when only the count was asked for).
    #[xdr(max = NODE_CPU_STATS_MAX)]
    pub params: Vec<NodeCpuStat>,
    /// How many there are.
    pub nparams: i32,
}

/// `remote_domain_get_hostname_args`.
pub type DomainGetHostnameArgs = DomainFlagsArgs;

/// `remote_domain_get_hostname_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetHostnameRet {
    /// The guest's host name.
    pub hostname: String,
}

/// `remote_domain_get_time_args`.
pub type DomainGetTimeArgs = DomainFlagsArgs;

/// `remote_domain_get_time_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetTimeRet {
    /// Seconds since the epoch.
    pub seconds: i64,
    /// Nanoseconds.
    pub nseconds: u32,
}

/// `remote_domain_get_control_info_args`.
pub type DomainGetControlInfoArgs = DomainFlagsArgs;

/// `remote_domain_get_control_info_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetControlInfoRet {
    /// `virDomainControlState`.
    pub state: u32,
    /// `virDomainControlErrorReason` when in error.
    pub details: u32,
    /// Milliseconds in this state.
    pub state_time: u64,
}

/// `remote_domain_get_scheduler_type_args`.
pub type DomainGetSchedulerTypeArgs = DomainArgs;

/// `remote_domain_get_scheduler_type_ret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetSchedulerTypeRet {
    /// Scheduler name.
    pub r#type: String,
    /// Number of scheduler parameters.
    pub nparams: i32,
}

/// `remote_domain_get_scheduler_parameters_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetSchedulerParametersArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// The most parameters the caller accepts.
    pub nparams: i32,
}

/// `remote_domain_get_scheduler_parameters_flags_args` and
/// `remote_domain_get_memory_parameters_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainGetParametersArgs {
    /// The domain.
    pub dom: NonnullDomain,
    /// The most parameters the caller accepts.
    pub nparams: i32,
    /// `virDomainModificationImpact` and `VIR_TYPED_PARAM_STRING_OKAY`.
    pub flags: u32,
}

/// `remote_domain_get_scheduler_parameters_flags_args`.
pub type DomainGetSchedulerParametersFlagsArgs = DomainGetParametersArgs;
/// `remote_domain_get_memory_parameters_args`.
pub type DomainGetMemoryParametersArgs = DomainGetParametersArgs;

/// `remote_domain_get_scheduler_parameters_ret` (and the `_flags` variant).
#[derive(Xdr, Debug, Clone, PartialEq)]
pub struct DomainGetSchedulerParametersRet {
    /// The parameters.
    #[xdr(max = DOMAIN_SCHEDULER_PARAMETERS_MAX)]
    pub params: Vec<TypedParam>,
}

/// `remote_domain_get_memory_parameters_ret`.
#[derive(Xdr, Debug, Clone, PartialEq)]
pub struct DomainGetMemoryParametersRet {
    /// The parameters (empty when only the count was asked for).
    #[xdr(max = DOMAIN_MEMORY_PARAMETERS_MAX)]
    pub params: Vec<TypedParam>,
    /// How many there are.
    pub nparams: i32,
}

/// Whether a procedure is a CALL answered by a REPLY, or a server-sent MESSAGE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcKind {
    /// CALL with args, REPLY with ret.
    Call,
    /// MESSAGE (event) whose body is the "args" type.
    Message,
}

macro_rules! remote_procedures {
    ($($num:literal => $variant:ident, $kind:ident, $args:ty, $ret:ty;)+) => {
        /// The `REMOTE` procedures oxvirt has types for. `as i32` is the wire number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum RemoteProc {
            $(
                #[doc = concat!("Procedure ", stringify!($num), ".")]
                $variant = $num,
            )+
        }

        impl TryFrom<i32> for RemoteProc {
            type Error = i32;

            fn try_from(n: i32) -> Result<Self, i32> {
                match n {
                    $($num => Ok(Self::$variant),)+
                    other => Err(other),
                }
            }
        }

        impl RemoteProc {
            /// Every variant, in procedure-number order.
            pub const ALL: &'static [RemoteProc] = &[$(Self::$variant),+];

            /// Call/reply or event message.
            pub fn kind(self) -> ProcKind {
                match self {
                    $(Self::$variant => ProcKind::$kind,)+
                }
            }

            /// Decodes a CALL payload (or a MESSAGE body) as this procedure's args type
            /// and encodes it again. Used by golden tests and the fuzzer.
            pub fn reencode_args(self, payload: &[u8]) -> Result<Vec<u8>, XdrError> {
                match self {
                    $(Self::$variant => reencode::<$args>(payload),)+
                }
            }

            /// Decodes a successful REPLY payload as this procedure's ret type and encodes
            /// it again.
            pub fn reencode_ret(self, payload: &[u8]) -> Result<Vec<u8>, XdrError> {
                match self {
                    $(Self::$variant => reencode::<$ret>(payload),)+
                }
            }
        }

        /// One marker type per typed procedure, carrying its body types as a [`Procedure`],
        /// so that a dispatcher row naming the procedure gets its types from here.
        pub mod procs {
            use super::*;
            $(
                #[doc = concat!("Procedure ", stringify!($num), " (`", stringify!($variant), "`).")]
                #[derive(Debug, Clone, Copy)]
                pub struct $variant;

                impl Procedure for $variant {
                    const PROC: RemoteProc = RemoteProc::$variant;
                    type Args = $args;
                    type Ret = $ret;
                }
            )+
        }
    };
}

/// A typed procedure: its number and the types of its CALL and REPLY bodies (for a MESSAGE,
/// `Args` is the event body).
pub trait Procedure {
    /// The procedure.
    const PROC: RemoteProc;
    /// The CALL body (`()` for `void`).
    type Args: Encode + Decode + Send + 'static;
    /// The REPLY body (`()` for `void`).
    type Ret: Encode + Decode + Send + 'static;
}

fn reencode<T: Encode + Decode>(payload: &[u8]) -> Result<Vec<u8>, XdrError> {
    oxvirt_xdr::to_bytes(&oxvirt_xdr::from_bytes::<T>(payload)?)
}

impl RemoteProc {
    /// The wire number.
    pub fn number(self) -> i32 {
        self as i32
    }

    /// Table entry: REMOTE name, public API name, ACL, read-only safety.
    pub fn info(self) -> &'static ProcInfo {
        remote_proc(self as i32).unwrap_or_else(|| unreachable!("procedure table lacks {self:?}"))
    }
}

remote_procedures! {
    1 => ConnectOpen, Call, ConnectOpenArgs, ();
    2 => ConnectClose, Call, (), ();
    3 => ConnectGetType, Call, (), ConnectGetTypeRet;
    4 => ConnectGetVersion, Call, (), ConnectGetVersionRet;
    5 => ConnectGetMaxVcpus, Call, ConnectGetMaxVcpusArgs, ConnectGetMaxVcpusRet;
    6 => NodeGetInfo, Call, (), NodeGetInfoRet;
    7 => ConnectGetCapabilities, Call, (), ConnectGetCapabilitiesRet;
    8 => DomainAttachDevice, Call, DomainAttachDeviceArgs, ();
    9 => DomainCreate, Call, DomainCreateArgs, ();
    10 => DomainCreateXml, Call, DomainCreateXmlArgs, DomainCreateXmlRet;
    11 => DomainDefineXml, Call, DomainDefineXmlArgs, DomainDefineXmlRet;
    12 => DomainDestroy, Call, DomainDestroyArgs, ();
    13 => DomainDetachDevice, Call, DomainDetachDeviceArgs, ();
    14 => DomainGetXmlDesc, Call, DomainGetXmlDescArgs, DomainGetXmlDescRet;
    15 => DomainGetAutostart, Call, DomainGetAutostartArgs, DomainGetAutostartRet;
    16 => DomainGetInfo, Call, DomainGetInfoArgs, DomainGetInfoRet;
    17 => DomainGetMaxMemory, Call, DomainGetMaxMemoryArgs, DomainGetMaxMemoryRet;
    18 => DomainGetMaxVcpus, Call, DomainGetMaxVcpusArgs, DomainGetMaxVcpusRet;
    20 => DomainGetVcpus, Call, DomainGetVcpusArgs, DomainGetVcpusRet;
    21 => ConnectListDefinedDomains, Call, ConnectListDefinedDomainsArgs, ConnectListDefinedDomainsRet;
    19 => DomainGetOsType, Call, DomainGetOsTypeArgs, DomainGetOsTypeRet;
    22 => DomainLookupById, Call, DomainLookupByIdArgs, DomainLookupByIdRet;
    23 => DomainLookupByName, Call, DomainLookupByNameArgs, DomainLookupByNameRet;
    24 => DomainLookupByUuid, Call, DomainLookupByUuidArgs, DomainLookupByUuidRet;
    25 => ConnectNumOfDefinedDomains, Call, (), ConnectNumOfDefinedDomainsRet;
    27 => DomainReboot, Call, DomainRebootArgs, ();
    28 => DomainResume, Call, DomainResumeArgs, ();
    29 => DomainSetAutostart, Call, DomainSetAutostartArgs, ();
    30 => DomainSetMaxMemory, Call, DomainSetMaxMemoryArgs, ();
    31 => DomainSetMemory, Call, DomainSetMemoryArgs, ();
    32 => DomainSetVcpus, Call, DomainSetVcpusArgs, ();
    33 => DomainShutdown, Call, DomainShutdownArgs, ();
    34 => DomainSuspend, Call, DomainSuspendArgs, ();
    35 => DomainUndefine, Call, DomainUndefineArgs, ();
    36 => ConnectListDefinedNetworks, Call, ConnectListDefinedNetworksArgs, ConnectListDefinedNetworksRet;
    37 => ConnectListDomains, Call, ConnectListDomainsArgs, ConnectListDomainsRet;
    38 => ConnectListNetworks, Call, ConnectListNetworksArgs, ConnectListNetworksRet;
    39 => NetworkCreate, Call, NetworkCreateArgs, ();
    40 => NetworkCreateXml, Call, NetworkCreateXmlArgs, NetworkCreateXmlRet;
    41 => NetworkDefineXml, Call, NetworkDefineXmlArgs, NetworkDefineXmlRet;
    42 => NetworkDestroy, Call, NetworkDestroyArgs, ();
    43 => NetworkGetXmlDesc, Call, NetworkGetXmlDescArgs, NetworkGetXmlDescRet;
    44 => NetworkGetAutostart, Call, NetworkGetAutostartArgs, NetworkGetAutostartRet;
    45 => NetworkGetBridgeName, Call, NetworkGetBridgeNameArgs, NetworkGetBridgeNameRet;
    46 => NetworkLookupByName, Call, NetworkLookupByNameArgs, NetworkLookupByNameRet;
    47 => NetworkLookupByUuid, Call, NetworkLookupByUuidArgs, NetworkLookupByUuidRet;
    48 => NetworkSetAutostart, Call, NetworkSetAutostartArgs, ();
    49 => NetworkUndefine, Call, NetworkUndefineArgs, ();
    50 => ConnectNumOfDefinedNetworks, Call, (), ConnectNumOfDefinedNetworksRet;
    51 => ConnectNumOfDomains, Call, (), ConnectNumOfDomainsRet;
    52 => ConnectNumOfNetworks, Call, (), ConnectNumOfNetworksRet;
    56 => DomainGetSchedulerType, Call, DomainGetSchedulerTypeArgs, DomainGetSchedulerTypeRet;
    57 => DomainGetSchedulerParameters, Call, DomainGetSchedulerParametersArgs, DomainGetSchedulerParametersRet;
    59 => ConnectGetHostname, Call, (), ConnectGetHostnameRet;
    60 => ConnectSupportsFeature, Call, ConnectSupportsFeatureArgs, ConnectSupportsFeatureRet;
    64 => DomainBlockStats, Call, DomainBlockStatsArgs, DomainBlockStatsRet;
    65 => DomainInterfaceStats, Call, DomainInterfaceStatsArgs, DomainInterfaceStatsRet;
    66 => AuthList, Call, (), AuthListRet;
    101 => NodeGetCellsFreeMemory, Call, NodeGetCellsFreeMemoryArgs, NodeGetCellsFreeMemoryRet;
    102 => NodeGetFreeMemory, Call, (), NodeGetFreeMemoryRet;
    110 => ConnectGetUri, Call, (), ConnectGetUriRet;
    121 => DomainGetSecurityLabel, Call, DomainGetSecurityLabelArgs, DomainGetSecurityLabelRet;
    122 => NodeGetSecurityModel, Call, (), NodeGetSecurityModelRet;
    149 => ConnectIsSecure, Call, (), ConnectIsSecureRet;
    150 => DomainIsActive, Call, DomainIsActiveArgs, DomainIsActiveRet;
    151 => DomainIsPersistent, Call, DomainIsPersistentArgs, DomainIsPersistentRet;
    152 => NetworkIsActive, Call, NetworkIsActiveArgs, NetworkIsActiveRet;
    153 => NetworkIsPersistent, Call, NetworkIsPersistentArgs, NetworkIsPersistentRet;
    157 => ConnectGetLibVersion, Call, (), ConnectGetLibVersionRet;
    159 => DomainMemoryStats, Call, DomainMemoryStatsArgs, DomainMemoryStatsRet;
    160 => DomainAttachDeviceFlags, Call, DomainAttachDeviceFlagsArgs, ();
    161 => DomainDetachDeviceFlags, Call, DomainDetachDeviceFlagsArgs, ();
    174 => DomainUpdateDeviceFlags, Call, DomainUpdateDeviceFlagsArgs, ();
    183 => DomainHasManagedSaveImage, Call, DomainHasManagedSaveImageArgs, DomainHasManagedSaveImageRet;
    187 => DomainSnapshotNum, Call, DomainSnapshotNumArgs, DomainSnapshotNumRet;
    194 => DomainGetBlockInfo, Call, DomainGetBlockInfoArgs, DomainGetBlockInfoRet;
    198 => DomainGetMemoryParameters, Call, DomainGetMemoryParametersArgs, DomainGetMemoryParametersRet;
    199 => DomainSetVcpusFlags, Call, DomainSetVcpusFlagsArgs, ();
    200 => DomainGetVcpusFlags, Call, DomainGetVcpusFlagsArgs, DomainGetVcpusFlagsRet;
    203 => ConnectGetSysinfo, Call, ConnectGetSysinfoArgs, ConnectGetSysinfoRet;
    204 => DomainSetMemoryFlags, Call, DomainSetMemoryFlagsArgs, ();
    196 => DomainCreateWithFlags, Call, DomainCreateWithFlagsArgs, DomainCreateWithFlagsRet;
    212 => DomainGetState, Call, DomainGetStateArgs, DomainGetStateRet;
    223 => DomainGetSchedulerParametersFlags, Call, DomainGetSchedulerParametersFlagsArgs, DomainGetSchedulerParametersRet;
    227 => NodeGetCpuStats, Call, NodeGetCpuStatsArgs, NodeGetCpuStatsRet;
    229 => DomainGetControlInfo, Call, DomainGetControlInfoArgs, DomainGetControlInfoRet;
    230 => DomainGetVcpuPinInfo, Call, DomainGetVcpuPinInfoArgs, DomainGetVcpuPinInfoRet;
    231 => DomainUndefineFlags, Call, DomainUndefineFlagsArgs, ();
    234 => DomainDestroyFlags, Call, DomainDestroyFlagsArgs, ();
    258 => DomainShutdownFlags, Call, DomainShutdownFlagsArgs, ();
    273 => ConnectListAllDomains, Call, ConnectListAllDomainsArgs, ConnectListAllDomainsRet;
    277 => DomainGetHostname, Call, DomainGetHostnameArgs, DomainGetHostnameRet;
    283 => ConnectListAllNetworks, Call, ConnectListAllNetworksArgs, ConnectListAllNetworksRet;
    291 => NetworkUpdate, Call, NetworkUpdateArgs, ();
    293 => NodeGetCpuMap, Call, NodeGetCpuMapArgs, NodeGetCpuMapRet;
    313 => ConnectNetworkEventRegisterAny, Call, ConnectNetworkEventRegisterAnyArgs, ConnectNetworkEventRegisterAnyRet;
    314 => ConnectNetworkEventDeregisterAny, Call, ConnectNetworkEventDeregisterAnyArgs, ();
    315 => NetworkEventLifecycle, Message, NetworkEventLifecycleMsg, ();
    316 => ConnectDomainEventCallbackRegisterAny, Call, ConnectDomainEventCallbackRegisterAnyArgs, ConnectDomainEventCallbackRegisterAnyRet;
    317 => ConnectDomainEventCallbackDeregisterAny, Call, ConnectDomainEventCallbackDeregisterAnyArgs, ();
    318 => DomainEventCallbackLifecycle, Message, DomainEventCallbackLifecycleMsg, ();
    319 => DomainEventCallbackReboot, Message, DomainEventCallbackRebootMsg, ();
    337 => DomainGetTime, Call, DomainGetTimeArgs, DomainGetTimeRet;
    350 => DomainDefineXmlFlags, Call, DomainDefineXmlFlagsArgs, DomainDefineXmlFlagsRet;
    360 => ConnectRegisterCloseCallback, Call, (), ();
    361 => ConnectUnregisterCloseCallback, Call, (), ();
    362 => ConnectEventConnectionClosed, Message, ConnectEventConnectionClosedMsg, ();
    426 => DomainGetMessages, Call, DomainGetMessagesArgs, DomainGetMessagesRet;
    432 => NetworkDefineXmlFlags, Call, NetworkDefineXmlFlagsArgs, NetworkDefineXmlFlagsRet;
    437 => NetworkCreateXmlFlags, Call, NetworkCreateXmlFlagsArgs, NetworkCreateXmlFlagsRet;
}

#[cfg(test)]
mod tests {
    use oxvirt_xdr::to_bytes;

    use super::*;

    #[test]
    fn test_c_chars_counts_trailing_nul() {
        assert_eq!(c_chars("testSecurity").len(), 13);
    }

    #[test]
    fn test_c_chars_to_string_stops_at_nul() {
        assert_eq!(c_chars_to_string(&[b'i' as i8, b'6' as i8, 0, 9]), "i6");
    }

    #[test]
    fn test_node_get_info_model_is_128_bytes() {
        let ret = NodeGetInfoRet {
            model: [0; 32],
            memory: 0,
            cpus: 0,
            mhz: 0,
            nodes: 0,
            sockets: 0,
            cores: 0,
            threads: 0,
        };
        assert_eq!(to_bytes(&ret).unwrap().len(), 128 + 8 + 6 * 4);
    }

    #[test]
    fn test_remote_proc_try_from_unknown_fails() {
        assert_eq!(RemoteProc::try_from(9999), Err(9999));
    }

    #[test]
    fn test_remote_proc_covers_priority_one_set() {
        // 72 priority-1 procedures + CONNECT_EVENT_CONNECTION_CLOSED + 13 of Table C +
        // 24 resource, statistics and host queries.
        let calls = RemoteProc::ALL.len();
        assert_eq!(calls, 110);
    }
}
