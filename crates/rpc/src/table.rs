//! The dispatch table: one row per typed REMOTE procedure, naming its handler.
//!
//! A row gives the procedure and its handler; the procedure's wire types come from
//! `oxvirt_protocol::remote::procs`, its API name, read-only permission, priority and error
//! domain from the generated procedure table. From a row the [`rows!`] macro generates the
//! whole call: decode the arguments → check the connection (open, read-only) → call the
//! handler → encode the reply. The handler's signature must match the procedure's types,
//! and [`row`] is an exhaustive `match` over [`RemoteProc`], so a typed procedure without a
//! row, or a row whose handler takes the wrong arguments, does not compile; a handler that
//! no row names is dead code, which the build refuses too.

use crate::conn::Client;
use crate::dispatch::{CallFuture, CallResult, PreCall, decode, encode};
use crate::frame::Frame;
use crate::handlers::{connect, domain, network, node};
use oxvirt_protocol::remote::{Procedure, RemoteProc, procs};
use std::sync::Arc;

/// How one procedure is served.
#[derive(Clone, Copy)]
pub(crate) enum Row {
    /// Changes the client connection itself (open, close, features, callbacks): runs on
    /// the connection task, in arrival order, because later calls depend on its effect.
    Client(fn(&Arc<Client>, &[u8]) -> CallResult),
    /// Calls a driver: decoded, checked and run as its own future.
    Driver(fn(PreCall, Frame) -> CallFuture),
    /// A MESSAGE the server sends (events); a client calling it gets "unknown procedure",
    /// as from libvirtd, whose table has no function for it.
    Message,
    /// A procedure no driver serves yet: after the open and read-only checks, libvirt's
    /// "this function is not supported by the connection driver".
    Unsupported,
}

/// Whether this daemon serves `p` (its row names a handler), as opposed to answering
/// "not supported" or "unknown procedure".
pub fn is_served(p: RemoteProc) -> bool {
    matches!(row(p), Row::Client(_) | Row::Driver(_))
}

macro_rules! rows {
    ($($kind:ident $proc:ident $(=> $handler:path)?;)+) => {
        /// The row of a typed procedure.
        pub(crate) fn row(p: RemoteProc) -> Row {
            match p {
                $(RemoteProc::$proc => rows!(@row $kind $proc $($handler)?),)+
            }
        }
    };
    (@row client $proc:ident $handler:path) => {
        Row::Client(|client, payload| {
            let args: <procs::$proc as Procedure>::Args = decode(payload)?;
            let ret: <procs::$proc as Procedure>::Ret = $handler(client, args)?;
            encode(&ret)
        })
    };
    (@row driver $proc:ident $handler:path) => {
        Row::Driver(|pre, frame| {
            Box::pin(async move {
                // libvirtd decodes the arguments before it checks anything else.
                let args: <procs::$proc as Procedure>::Args = decode(frame.payload())?;
                let call = pre.check()?;
                let info = call.info;
                let ret: <procs::$proc as Procedure>::Ret = $handler(call, args)
                    .await
                    .map_err(|e| crate::dispatch::api_layer_error(e, info))?;
                encode(&ret)
            })
        })
    };
    (@row message $proc:ident) => {
        Row::Message
    };
    (@row unsupported $proc:ident) => {
        Row::Unsupported
    };
}

rows! {
    // --- the connection ---
    client ConnectOpen => connect::open;
    client ConnectClose => connect::close;
    client AuthList => connect::auth_list;
    client ConnectSupportsFeature => connect::supports_feature;
    client ConnectRegisterCloseCallback => connect::register_close_callback;
    client ConnectUnregisterCloseCallback => connect::unregister_close_callback;
    client ConnectDomainEventCallbackRegisterAny => connect::domain_event_register;
    client ConnectDomainEventCallbackDeregisterAny => connect::domain_event_deregister;
    client ConnectNetworkEventRegisterAny => connect::network_event_register;
    client ConnectNetworkEventDeregisterAny => connect::network_event_deregister;
    driver ConnectGetType => connect::get_type;
    driver ConnectGetVersion => connect::get_version;
    driver ConnectGetLibVersion => connect::get_lib_version;
    driver ConnectGetHostname => connect::get_hostname;
    driver ConnectGetUri => connect::get_uri;
    driver ConnectGetCapabilities => connect::get_capabilities;
    driver ConnectGetDomainCapabilities => connect::get_domain_capabilities;
    driver ConnectIsSecure => connect::is_secure;
    driver ConnectGetMaxVcpus => connect::get_max_vcpus;
    driver ConnectGetSysinfo => connect::get_sysinfo;
    message ConnectEventConnectionClosed;

    // --- the host ---
    driver NodeGetInfo => node::get_info;
    driver NodeGetSecurityModel => node::get_security_model;
    driver NodeGetFreeMemory => node::get_free_memory;
    driver NodeGetCellsFreeMemory => node::get_cells_free_memory;
    driver NodeGetCpuStats => node::get_cpu_stats;
    driver NodeGetCpuMap => node::get_cpu_map;

    // --- domains ---
    driver ConnectNumOfDomains => domain::num_of_domains;
    driver ConnectNumOfDefinedDomains => domain::num_of_defined_domains;
    driver ConnectListDomains => domain::list_domains;
    driver ConnectListDefinedDomains => domain::list_defined_domains;
    driver ConnectListAllDomains => domain::list_all;
    driver DomainLookupByName => domain::lookup_by_name;
    driver DomainLookupByUuid => domain::lookup_by_uuid;
    driver DomainLookupById => domain::lookup_by_id;
    driver DomainDefineXml => domain::define_xml;
    driver DomainDefineXmlFlags => domain::define_xml_flags;
    driver DomainCreateXml => domain::create_xml;
    driver DomainUndefine => domain::undefine;
    driver DomainUndefineFlags => domain::undefine_flags;
    driver DomainCreate => domain::create;
    driver DomainCreateWithFlags => domain::create_with_flags;
    driver DomainDestroy => domain::destroy;
    driver DomainDestroyFlags => domain::destroy_flags;
    driver DomainShutdown => domain::shutdown;
    driver DomainShutdownFlags => domain::shutdown_flags;
    driver DomainReboot => domain::reboot;
    driver DomainReset => domain::reset;
    driver DomainSuspend => domain::suspend;
    driver DomainResume => domain::resume;
    driver DomainGetAutostart => domain::get_autostart;
    driver DomainSetAutostart => domain::set_autostart;
    driver DomainGetInfo => domain::get_info;
    driver DomainGetState => domain::get_state;
    driver DomainGetXmlDesc => domain::get_xml_desc;
    driver DomainIsActive => domain::is_active;
    driver DomainIsPersistent => domain::is_persistent;
    driver DomainHasManagedSaveImage => domain::has_managed_save_image;
    driver DomainSnapshotNum => domain::snapshot_num;
    driver DomainGetSecurityLabel => domain::get_security_label;
    driver DomainGetMessages => domain::get_messages;
    driver DomainGetOsType => domain::get_os_type;
    driver DomainGetMaxMemory => domain::get_max_memory;
    driver DomainGetMaxVcpus => domain::get_max_vcpus;
    driver DomainAttachDevice => domain::attach_device;
    driver DomainAttachDeviceFlags => domain::attach_device_flags;
    driver DomainDetachDevice => domain::detach_device;
    driver DomainDetachDeviceFlags => domain::detach_device_flags;
    driver DomainUpdateDeviceFlags => domain::update_device_flags;
    driver DomainSetMemory => domain::set_memory;
    driver DomainSetMaxMemory => domain::set_max_memory;
    driver DomainSetMemoryFlags => domain::set_memory_flags;
    driver DomainSetVcpus => domain::set_vcpus;
    driver DomainSetVcpusFlags => domain::set_vcpus_flags;
    driver DomainGetVcpusFlags => domain::get_vcpus_flags;
    driver DomainGetVcpus => domain::get_vcpus;
    driver DomainGetVcpuPinInfo => domain::get_vcpu_pin_info;
    driver DomainMemoryStats => domain::memory_stats;
    driver DomainInterfaceStats => domain::interface_stats;
    driver DomainBlockStats => domain::block_stats;
    driver DomainGetBlockInfo => domain::get_block_info;
    driver DomainGetHostname => domain::get_hostname;
    driver DomainGetTime => domain::get_time;
    driver DomainGetControlInfo => domain::get_control_info;
    driver DomainGetSchedulerType => domain::get_scheduler_type;
    driver DomainGetSchedulerParameters => domain::get_scheduler_parameters;
    driver DomainGetSchedulerParametersFlags => domain::get_scheduler_parameters_flags;
    driver DomainGetMemoryParameters => domain::get_memory_parameters;
    message DomainEventCallbackLifecycle;
    message DomainEventCallbackReboot;

    // --- networks ---
    driver ConnectNumOfNetworks => network::num_of_networks;
    driver ConnectNumOfDefinedNetworks => network::num_of_defined_networks;
    driver ConnectListNetworks => network::list_networks;
    driver ConnectListDefinedNetworks => network::list_defined_networks;
    driver ConnectListAllNetworks => network::list_all;
    driver NetworkLookupByName => network::lookup_by_name;
    driver NetworkLookupByUuid => network::lookup_by_uuid;
    driver NetworkDefineXml => network::define_xml;
    driver NetworkDefineXmlFlags => network::define_xml_flags;
    driver NetworkCreateXml => network::create_xml;
    driver NetworkCreateXmlFlags => network::create_xml_flags;
    driver NetworkUndefine => network::undefine;
    driver NetworkCreate => network::create;
    driver NetworkDestroy => network::destroy;
    driver NetworkGetXmlDesc => network::get_xml_desc;
    driver NetworkGetBridgeName => network::get_bridge_name;
    driver NetworkGetAutostart => network::get_autostart;
    driver NetworkSetAutostart => network::set_autostart;
    driver NetworkUpdate => network::update;
    driver NetworkIsActive => network::is_active;
    driver NetworkIsPersistent => network::is_persistent;
    message NetworkEventLifecycle;

    // --- not served yet: open and read-only checks, then libvirt's "not supported" ---
    // (serving one: replace `unsupported` by `driver` and name its handler)
    unsupported DomainPinVcpu;
    unsupported DomainCoreDump;
    unsupported DomainRestore;
    unsupported DomainSave;
    unsupported DomainSetSchedulerParameters;
    unsupported DomainMigratePrepare;
    unsupported DomainMigratePerform;
    unsupported DomainMigrateFinish;
    unsupported AuthSaslInit;
    unsupported AuthSaslStart;
    unsupported AuthSaslStep;
    unsupported AuthPolkit;
    unsupported ConnectNumOfStoragePools;
    unsupported ConnectListStoragePools;
    unsupported ConnectNumOfDefinedStoragePools;
    unsupported ConnectListDefinedStoragePools;
    unsupported ConnectFindStoragePoolSources;
    unsupported StoragePoolCreateXml;
    unsupported StoragePoolDefineXml;
    unsupported StoragePoolCreate;
    unsupported StoragePoolBuild;
    unsupported StoragePoolDestroy;
    unsupported StoragePoolDelete;
    unsupported StoragePoolUndefine;
    unsupported StoragePoolRefresh;
    unsupported StoragePoolLookupByName;
    unsupported StoragePoolLookupByUuid;
    unsupported StoragePoolLookupByVolume;
    unsupported StoragePoolGetInfo;
    unsupported StoragePoolGetXmlDesc;
    unsupported StoragePoolGetAutostart;
    unsupported StoragePoolSetAutostart;
    unsupported StoragePoolNumOfVolumes;
    unsupported StoragePoolListVolumes;
    unsupported StorageVolCreateXml;
    unsupported StorageVolDelete;
    unsupported StorageVolLookupByName;
    unsupported StorageVolLookupByKey;
    unsupported StorageVolLookupByPath;
    unsupported StorageVolGetInfo;
    unsupported StorageVolGetXmlDesc;
    unsupported StorageVolGetPath;
    unsupported DomainBlockPeek;
    unsupported DomainMemoryPeek;
    unsupported ConnectDomainEventRegister;
    unsupported ConnectDomainEventDeregister;
    message DomainEventLifecycle;
    unsupported DomainMigratePrepare2;
    unsupported DomainMigrateFinish2;
    unsupported NodeNumOfDevices;
    unsupported NodeListDevices;
    unsupported NodeDeviceLookupByName;
    unsupported NodeDeviceGetXmlDesc;
    unsupported NodeDeviceGetParent;
    unsupported NodeDeviceNumOfCaps;
    unsupported NodeDeviceListCaps;
    unsupported NodeDeviceDettach;
    unsupported NodeDeviceReAttach;
    unsupported NodeDeviceReset;
    unsupported NodeDeviceCreateXml;
    unsupported NodeDeviceDestroy;
    unsupported StorageVolCreateXmlFrom;
    unsupported ConnectNumOfInterfaces;
    unsupported ConnectListInterfaces;
    unsupported InterfaceLookupByName;
    unsupported InterfaceLookupByMacString;
    unsupported InterfaceGetXmlDesc;
    unsupported InterfaceDefineXml;
    unsupported InterfaceUndefine;
    unsupported InterfaceCreate;
    unsupported InterfaceDestroy;
    unsupported ConnectDomainXmlFromNative;
    unsupported ConnectDomainXmlToNative;
    unsupported ConnectNumOfDefinedInterfaces;
    unsupported ConnectListDefinedInterfaces;
    unsupported ConnectNumOfSecrets;
    unsupported ConnectListSecrets;
    unsupported SecretLookupByUuid;
    unsupported SecretDefineXml;
    unsupported SecretGetXmlDesc;
    unsupported SecretSetValue;
    unsupported SecretGetValue;
    unsupported SecretUndefine;
    unsupported SecretLookupByUsage;
    unsupported DomainMigratePrepareTunnel;
    unsupported StoragePoolIsActive;
    unsupported StoragePoolIsPersistent;
    unsupported InterfaceIsActive;
    unsupported ConnectCompareCpu;
    unsupported ConnectBaselineCpu;
    unsupported DomainGetJobInfo;
    unsupported DomainAbortJob;
    unsupported StorageVolWipe;
    unsupported DomainMigrateSetMaxDowntime;
    unsupported ConnectDomainEventRegisterAny;
    unsupported ConnectDomainEventDeregisterAny;
    message DomainEventReboot;
    message DomainEventRtcChange;
    message DomainEventWatchdog;
    message DomainEventIoError;
    message DomainEventGraphics;
    unsupported NwfilterLookupByName;
    unsupported NwfilterLookupByUuid;
    unsupported NwfilterGetXmlDesc;
    unsupported ConnectNumOfNwfilters;
    unsupported ConnectListNwfilters;
    unsupported NwfilterDefineXml;
    unsupported NwfilterUndefine;
    unsupported DomainManagedSave;
    unsupported DomainManagedSaveRemove;
    unsupported DomainSnapshotCreateXml;
    unsupported DomainSnapshotGetXmlDesc;
    unsupported DomainSnapshotListNames;
    unsupported DomainSnapshotLookupByName;
    unsupported DomainHasCurrentSnapshot;
    unsupported DomainSnapshotCurrent;
    unsupported DomainRevertToSnapshot;
    unsupported DomainSnapshotDelete;
    message DomainEventIoErrorReason;
    unsupported DomainSetMemoryParameters;
    unsupported DomainOpenConsole;
    unsupported DomainIsUpdated;
    unsupported DomainSetBlkioParameters;
    unsupported DomainGetBlkioParameters;
    unsupported DomainMigrateSetMaxSpeed;
    unsupported StorageVolUpload;
    unsupported StorageVolDownload;
    unsupported DomainInjectNmi;
    unsupported DomainScreenshot;
    unsupported DomainMigrateBegin3;
    unsupported DomainMigratePrepare3;
    unsupported DomainMigratePrepareTunnel3;
    unsupported DomainMigratePerform3;
    unsupported DomainMigrateFinish3;
    unsupported DomainMigrateConfirm3;
    unsupported DomainSetSchedulerParametersFlags;
    unsupported InterfaceChangeBegin;
    unsupported InterfaceChangeCommit;
    unsupported InterfaceChangeRollback;
    message DomainEventControlError;
    unsupported DomainPinVcpuFlags;
    unsupported DomainSendKey;
    unsupported NodeGetMemoryStats;
    unsupported DomainSaveFlags;
    unsupported DomainRestoreFlags;
    unsupported DomainSaveImageGetXmlDesc;
    unsupported DomainSaveImageDefineXml;
    unsupported DomainBlockJobAbort;
    unsupported DomainGetBlockJobInfo;
    unsupported DomainBlockJobSetSpeed;
    unsupported DomainBlockPull;
    message DomainEventBlockJob;
    unsupported DomainMigrateGetMaxSpeed;
    unsupported DomainBlockStatsFlags;
    unsupported DomainSnapshotGetParent;
    unsupported DomainSnapshotNumChildren;
    unsupported DomainSnapshotListChildrenNames;
    message DomainEventDiskChange;
    unsupported DomainOpenGraphics;
    unsupported NodeSuspendForDuration;
    unsupported DomainBlockResize;
    unsupported DomainSetBlockIoTune;
    unsupported DomainGetBlockIoTune;
    unsupported DomainSetNumaParameters;
    unsupported DomainGetNumaParameters;
    unsupported DomainSetInterfaceParameters;
    unsupported DomainGetInterfaceParameters;
    unsupported StorageVolWipePattern;
    unsupported StorageVolResize;
    unsupported DomainPmSuspendForDuration;
    unsupported DomainGetCpuStats;
    unsupported DomainGetDiskErrors;
    unsupported DomainSetMetadata;
    unsupported DomainGetMetadata;
    unsupported DomainBlockRebase;
    unsupported DomainPmWakeup;
    message DomainEventTrayChange;
    message DomainEventPmwakeup;
    message DomainEventPmsuspend;
    unsupported DomainSnapshotIsCurrent;
    unsupported DomainSnapshotHasMetadata;
    unsupported DomainListAllSnapshots;
    unsupported DomainSnapshotListAllChildren;
    message DomainEventBalloonChange;
    unsupported DomainGetSecurityLabelList;
    unsupported DomainPinEmulator;
    unsupported DomainGetEmulatorPinInfo;
    unsupported ConnectListAllStoragePools;
    unsupported StoragePoolListAllVolumes;
    unsupported ConnectListAllInterfaces;
    unsupported ConnectListAllNodeDevices;
    unsupported ConnectListAllNwfilters;
    unsupported ConnectListAllSecrets;
    unsupported NodeSetMemoryParameters;
    unsupported NodeGetMemoryParameters;
    unsupported DomainBlockCommit;
    message DomainEventPmsuspendDisk;
    unsupported DomainFstrim;
    unsupported DomainSendProcessSignal;
    unsupported DomainOpenChannel;
    unsupported NodeDeviceLookupScsiHostByWwn;
    unsupported DomainGetJobStats;
    unsupported DomainMigrateGetCompressionCache;
    unsupported DomainMigrateSetCompressionCache;
    unsupported NodeDeviceDetachFlags;
    unsupported DomainMigrateBegin3Params;
    unsupported DomainMigratePrepare3Params;
    unsupported DomainMigratePrepareTunnel3Params;
    unsupported DomainMigratePerform3Params;
    unsupported DomainMigrateFinish3Params;
    unsupported DomainMigrateConfirm3Params;
    unsupported DomainSetMemoryStatsPeriod;
    unsupported DomainCreateXmlWithFiles;
    unsupported DomainCreateWithFiles;
    message DomainEventDeviceRemoved;
    unsupported ConnectGetCpuModelNames;
    message DomainEventCallbackRtcChange;
    message DomainEventCallbackWatchdog;
    message DomainEventCallbackIoError;
    message DomainEventCallbackGraphics;
    message DomainEventCallbackIoErrorReason;
    message DomainEventCallbackControlError;
    message DomainEventCallbackBlockJob;
    message DomainEventCallbackDiskChange;
    message DomainEventCallbackTrayChange;
    message DomainEventCallbackPmwakeup;
    message DomainEventCallbackPmsuspend;
    message DomainEventCallbackBalloonChange;
    message DomainEventCallbackPmsuspendDisk;
    message DomainEventCallbackDeviceRemoved;
    unsupported DomainCoreDumpWithFormat;
    unsupported DomainFsfreeze;
    unsupported DomainFsthaw;
    unsupported DomainSetTime;
    message DomainEventBlockJob2;
    unsupported NodeGetFreePages;
    unsupported NetworkGetDhcpLeases;
    unsupported DomainOpenGraphicsFd;
    unsupported ConnectGetAllDomainStats;
    unsupported DomainBlockCopy;
    message DomainEventCallbackTunable;
    unsupported NodeAllocPages;
    message DomainEventCallbackAgentLifecycle;
    unsupported DomainGetFsinfo;
    unsupported DomainGetIothreadInfo;
    unsupported DomainPinIothread;
    unsupported DomainInterfaceAddresses;
    message DomainEventCallbackDeviceAdded;
    unsupported DomainAddIothread;
    unsupported DomainDelIothread;
    unsupported DomainSetUserPassword;
    unsupported DomainRename;
    message DomainEventCallbackMigrationIteration;
    message DomainEventCallbackJobCompleted;
    unsupported DomainMigrateStartPostCopy;
    unsupported DomainGetPerfEvents;
    unsupported DomainSetPerfEvents;
    message DomainEventCallbackDeviceRemovalFailed;
    unsupported ConnectStoragePoolEventRegisterAny;
    unsupported ConnectStoragePoolEventDeregisterAny;
    message StoragePoolEventLifecycle;
    unsupported DomainGetGuestVcpus;
    unsupported DomainSetGuestVcpus;
    message StoragePoolEventRefresh;
    unsupported ConnectNodeDeviceEventRegisterAny;
    unsupported ConnectNodeDeviceEventDeregisterAny;
    message NodeDeviceEventLifecycle;
    message NodeDeviceEventUpdate;
    unsupported StorageVolGetInfoFlags;
    message DomainEventCallbackMetadataChange;
    unsupported ConnectSecretEventRegisterAny;
    unsupported ConnectSecretEventDeregisterAny;
    message SecretEventLifecycle;
    message SecretEventValueChanged;
    unsupported DomainSetVcpu;
    message DomainEventBlockThreshold;
    unsupported DomainSetBlockThreshold;
    unsupported DomainMigrateGetMaxDowntime;
    unsupported DomainManagedSaveGetXmlDesc;
    unsupported DomainManagedSaveDefineXml;
    unsupported DomainSetLifecycleAction;
    unsupported StoragePoolLookupByTargetPath;
    unsupported DomainDetachDeviceAlias;
    unsupported ConnectCompareHypervisorCpu;
    unsupported ConnectBaselineHypervisorCpu;
    unsupported NodeGetSevInfo;
    unsupported DomainGetLaunchSecurityInfo;
    unsupported NwfilterBindingLookupByPortDev;
    unsupported NwfilterBindingGetXmlDesc;
    unsupported NwfilterBindingCreateXml;
    unsupported NwfilterBindingDelete;
    unsupported ConnectListAllNwfilterBindings;
    unsupported DomainSetIothreadParams;
    unsupported ConnectGetStoragePoolCapabilities;
    unsupported NetworkListAllPorts;
    unsupported NetworkPortLookupByUuid;
    unsupported NetworkPortCreateXml;
    unsupported NetworkPortGetParameters;
    unsupported NetworkPortSetParameters;
    unsupported NetworkPortGetXmlDesc;
    unsupported NetworkPortDelete;
    unsupported DomainCheckpointCreateXml;
    unsupported DomainCheckpointGetXmlDesc;
    unsupported DomainListAllCheckpoints;
    unsupported DomainCheckpointListAllChildren;
    unsupported DomainCheckpointLookupByName;
    unsupported DomainCheckpointGetParent;
    unsupported DomainCheckpointDelete;
    unsupported DomainGetGuestInfo;
    unsupported ConnectSetIdentity;
    unsupported DomainAgentSetResponseTimeout;
    unsupported DomainBackupBegin;
    unsupported DomainBackupGetXmlDesc;
    message DomainEventMemoryFailure;
    unsupported DomainAuthorizedSshKeysGet;
    unsupported DomainAuthorizedSshKeysSet;
    unsupported DomainStartDirtyRateCalc;
    unsupported NodeDeviceDefineXml;
    unsupported NodeDeviceUndefine;
    unsupported NodeDeviceCreate;
    unsupported NwfilterDefineXmlFlags;
    unsupported NodeDeviceGetAutostart;
    unsupported NodeDeviceSetAutostart;
    unsupported NodeDeviceIsPersistent;
    unsupported NodeDeviceIsActive;
    message DomainEventMemoryDeviceSizeChange;
    unsupported DomainSetLaunchSecurityState;
    unsupported DomainSaveParams;
    unsupported DomainRestoreParams;
    unsupported DomainAbortJobFlags;
    unsupported DomainFdAssociate;
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_protocol::remote::ProcKind;

    #[test]
    fn test_rows_message_rows_are_exactly_the_event_procedures() {
        let mismatched: Vec<RemoteProc> = RemoteProc::ALL
            .iter()
            .copied()
            .filter(|p| matches!(row(*p), Row::Message) != (p.kind() == ProcKind::Message))
            .collect();

        assert!(mismatched.is_empty(), "{mismatched:?}");
    }

    #[test]
    fn test_rows_every_typed_procedure_has_a_row_in_the_generated_table() {
        let missing: Vec<RemoteProc> = RemoteProc::ALL
            .iter()
            .copied()
            .filter(|p| oxvirt_protocol::procedures::remote_proc(p.number()).is_none())
            .collect();

        assert!(missing.is_empty(), "{missing:?}");
    }
}
