//! Domains: listing and lookup, definition, lifecycle, devices, and the resource and
//! statistics queries.

use super::connect::list_max;
use super::{Call, HandlerResult, check_nparams, count, dom_ref, int, nn_domain, typed_param};
use crate::error::rpc_internal;
use oxvirt_core::{device_flags, resource_flags, xml_flags};
use oxvirt_protocol::remote::*;

const DOMAIN_LIST: (u32, &str) = (DOMAIN_LIST_MAX, "REMOTE_DOMAIN_LIST_MAX");

// --- listing and lookup ---

pub(crate) async fn num_of_domains(c: Call, (): ()) -> HandlerResult<ConnectNumOfDomainsRet> {
    Ok(ConnectNumOfDomainsRet {
        num: c.hv().num_of_domains().await?,
    })
}

pub(crate) async fn num_of_defined_domains(
    c: Call,
    (): (),
) -> HandlerResult<ConnectNumOfDefinedDomainsRet> {
    Ok(ConnectNumOfDefinedDomainsRet {
        num: c.hv().num_of_defined_domains().await?,
    })
}

pub(crate) async fn list_domains(
    c: Call,
    a: ConnectListDomainsArgs,
) -> HandlerResult<ConnectListDomainsRet> {
    let max = list_max(&c, a.maxids, "maxids", DOMAIN_LIST)?;
    Ok(ConnectListDomainsRet {
        ids: c.hv().list_domain_ids(max).await?,
    })
}

pub(crate) async fn list_defined_domains(
    c: Call,
    a: ConnectListDefinedDomainsArgs,
) -> HandlerResult<ConnectListDefinedDomainsRet> {
    let max = list_max(&c, a.maxnames, "maxnames", DOMAIN_LIST)?;
    Ok(ConnectListDefinedDomainsRet {
        names: c.hv().list_defined_domains(max).await?,
    })
}

pub(crate) async fn list_all(
    c: Call,
    a: ConnectListAllDomainsArgs,
) -> HandlerResult<ConnectListAllDomainsRet> {
    let doms = c.hv().list_all_domains(a.flags).await?;
    let ret = count(&doms)?;
    let domains = if a.need_results != 0 {
        doms.iter().map(nn_domain).collect()
    } else {
        Vec::new()
    };
    Ok(ConnectListAllDomainsRet { domains, ret })
}

pub(crate) async fn lookup_by_name(
    c: Call,
    a: DomainLookupByNameArgs,
) -> HandlerResult<DomainLookupByNameRet> {
    Ok(DomainLookupByNameRet {
        dom: nn_domain(&c.hv().domain_lookup_by_name(&a.name).await?),
    })
}

pub(crate) async fn lookup_by_uuid(
    c: Call,
    a: DomainLookupByUuidArgs,
) -> HandlerResult<DomainLookupByUuidRet> {
    Ok(DomainLookupByUuidRet {
        dom: nn_domain(&c.hv().domain_lookup_by_uuid(a.uuid).await?),
    })
}

pub(crate) async fn lookup_by_id(
    c: Call,
    a: DomainLookupByIdArgs,
) -> HandlerResult<DomainLookupByIdRet> {
    Ok(DomainLookupByIdRet {
        dom: nn_domain(&c.hv().domain_lookup_by_id(a.id).await?),
    })
}

// --- definition and lifecycle ---

pub(crate) async fn define_xml(
    c: Call,
    a: DomainDefineXmlArgs,
) -> HandlerResult<DomainDefineXmlRet> {
    Ok(DomainDefineXmlRet {
        dom: nn_domain(&c.hv().domain_define_xml(&a.xml, 0).await?),
    })
}

pub(crate) async fn define_xml_flags(
    c: Call,
    a: DomainDefineXmlFlagsArgs,
) -> HandlerResult<DomainDefineXmlFlagsRet> {
    Ok(DomainDefineXmlFlagsRet {
        dom: nn_domain(&c.hv().domain_define_xml(&a.xml, a.flags).await?),
    })
}

pub(crate) async fn create_xml(
    c: Call,
    a: DomainCreateXmlArgs,
) -> HandlerResult<DomainCreateXmlRet> {
    Ok(DomainCreateXmlRet {
        dom: nn_domain(&c.hv().domain_create_xml(&a.xml_desc, a.flags).await?),
    })
}

pub(crate) async fn undefine(c: Call, a: DomainUndefineArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_undefine(&dom_ref(a.dom), 0).await?)
}

pub(crate) async fn undefine_flags(c: Call, a: DomainUndefineFlagsArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_undefine(&dom_ref(a.dom), a.flags).await?)
}

pub(crate) async fn create(c: Call, a: DomainCreateArgs) -> HandlerResult<()> {
    c.hv().domain_create(&dom_ref(a.dom), 0).await?;
    Ok(())
}

pub(crate) async fn create_with_flags(
    c: Call,
    a: DomainCreateWithFlagsArgs,
) -> HandlerResult<DomainCreateWithFlagsRet> {
    Ok(DomainCreateWithFlagsRet {
        dom: nn_domain(&c.hv().domain_create(&dom_ref(a.dom), a.flags).await?),
    })
}

pub(crate) async fn destroy(c: Call, a: DomainDestroyArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_destroy(&dom_ref(a.dom), 0).await?)
}

pub(crate) async fn destroy_flags(c: Call, a: DomainDestroyFlagsArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_destroy(&dom_ref(a.dom), a.flags).await?)
}

pub(crate) async fn shutdown(c: Call, a: DomainShutdownArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_shutdown(&dom_ref(a.dom), 0).await?)
}

pub(crate) async fn shutdown_flags(c: Call, a: DomainShutdownFlagsArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_shutdown(&dom_ref(a.dom), a.flags).await?)
}

pub(crate) async fn reboot(c: Call, a: DomainRebootArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_reboot(&dom_ref(a.dom), a.flags).await?)
}

pub(crate) async fn reset(c: Call, a: DomainResetArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_reset(&dom_ref(a.dom), a.flags).await?)
}

pub(crate) async fn suspend(c: Call, a: DomainSuspendArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_suspend(&dom_ref(a.dom)).await?)
}

pub(crate) async fn resume(c: Call, a: DomainResumeArgs) -> HandlerResult<()> {
    Ok(c.hv().domain_resume(&dom_ref(a.dom)).await?)
}

pub(crate) async fn get_autostart(
    c: Call,
    a: DomainGetAutostartArgs,
) -> HandlerResult<DomainGetAutostartRet> {
    Ok(DomainGetAutostartRet {
        autostart: int(c.hv().domain_get_autostart(&dom_ref(a.dom)).await?),
    })
}

pub(crate) async fn set_autostart(c: Call, a: DomainSetAutostartArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_set_autostart(&dom_ref(a.dom), a.autostart != 0)
        .await?)
}

// --- state and description ---

pub(crate) async fn get_info(c: Call, a: DomainGetInfoArgs) -> HandlerResult<DomainGetInfoRet> {
    let info = c.hv().domain_get_info(&dom_ref(a.dom)).await?;
    Ok(DomainGetInfoRet {
        state: info.state.code() as u8,
        max_mem: info.max_mem_kib,
        memory: info.memory_kib,
        nr_virt_cpu: info.nr_virt_cpu,
        cpu_time: info.cpu_time_ns,
    })
}

pub(crate) async fn get_state(c: Call, a: DomainGetStateArgs) -> HandlerResult<DomainGetStateRet> {
    let (state, reason) = c.hv().domain_get_state(&dom_ref(a.dom), a.flags).await?;
    Ok(DomainGetStateRet {
        state: state.code(),
        reason,
    })
}

pub(crate) async fn get_xml_desc(
    c: Call,
    a: DomainGetXmlDescArgs,
) -> HandlerResult<DomainGetXmlDescRet> {
    c.deny_readonly_if(a.flags & xml_flags::SECURE != 0)?;
    Ok(DomainGetXmlDescRet {
        xml: c.hv().domain_get_xml_desc(&dom_ref(a.dom), a.flags).await?,
    })
}

pub(crate) async fn is_active(c: Call, a: DomainIsActiveArgs) -> HandlerResult<DomainIsActiveRet> {
    Ok(DomainIsActiveRet {
        active: int(c.hv().domain_is_active(&dom_ref(a.dom)).await?),
    })
}

pub(crate) async fn is_persistent(
    c: Call,
    a: DomainIsPersistentArgs,
) -> HandlerResult<DomainIsPersistentRet> {
    Ok(DomainIsPersistentRet {
        persistent: int(c.hv().domain_is_persistent(&dom_ref(a.dom)).await?),
    })
}

pub(crate) async fn has_managed_save_image(
    c: Call,
    a: DomainHasManagedSaveImageArgs,
) -> HandlerResult<DomainHasManagedSaveImageRet> {
    let has = c
        .hv()
        .domain_has_managed_save_image(&dom_ref(a.dom), a.flags)
        .await?;
    Ok(DomainHasManagedSaveImageRet { result: int(has) })
}

pub(crate) async fn snapshot_num(
    c: Call,
    a: DomainSnapshotNumArgs,
) -> HandlerResult<DomainSnapshotNumRet> {
    Ok(DomainSnapshotNumRet {
        num: c.hv().domain_snapshot_num(&dom_ref(a.dom), a.flags).await?,
    })
}

pub(crate) async fn get_security_label(
    c: Call,
    a: DomainGetSecurityLabelArgs,
) -> HandlerResult<DomainGetSecurityLabelRet> {
    let l = c.hv().domain_get_security_label(&dom_ref(a.dom)).await?;
    Ok(DomainGetSecurityLabelRet {
        label: c_chars(&l.label),
        enforcing: int(l.enforcing),
    })
}

pub(crate) async fn get_messages(
    c: Call,
    a: DomainGetMessagesArgs,
) -> HandlerResult<DomainGetMessagesRet> {
    Ok(DomainGetMessagesRet {
        msgs: c.hv().domain_get_messages(&dom_ref(a.dom), a.flags).await?,
    })
}

pub(crate) async fn get_os_type(
    c: Call,
    a: DomainGetOsTypeArgs,
) -> HandlerResult<DomainGetOsTypeRet> {
    Ok(DomainGetOsTypeRet {
        r#type: c.hv().domain_get_os_type(&dom_ref(a.dom)).await?,
    })
}

pub(crate) async fn get_max_memory(
    c: Call,
    a: DomainGetMaxMemoryArgs,
) -> HandlerResult<DomainGetMaxMemoryRet> {
    Ok(DomainGetMaxMemoryRet {
        memory: c.hv().domain_get_max_memory(&dom_ref(a.dom)).await?,
    })
}

pub(crate) async fn get_max_vcpus(
    c: Call,
    a: DomainGetMaxVcpusArgs,
) -> HandlerResult<DomainGetMaxVcpusRet> {
    Ok(DomainGetMaxVcpusRet {
        num: c.hv().domain_get_max_vcpus(&dom_ref(a.dom)).await?,
    })
}

// --- devices ---

pub(crate) async fn attach_device(c: Call, a: DomainAttachDeviceArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_attach_device(&dom_ref(a.dom), &a.xml, 0)
        .await?)
}

pub(crate) async fn attach_device_flags(
    c: Call,
    a: DomainAttachDeviceFlagsArgs,
) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_attach_device(&dom_ref(a.dom), &a.xml, a.flags)
        .await?)
}

pub(crate) async fn detach_device(c: Call, a: DomainDetachDeviceArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_detach_device(&dom_ref(a.dom), &a.xml, 0)
        .await?)
}

pub(crate) async fn detach_device_flags(
    c: Call,
    a: DomainDetachDeviceFlagsArgs,
) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_detach_device(&dom_ref(a.dom), &a.xml, a.flags)
        .await?)
}

pub(crate) async fn update_device_flags(
    c: Call,
    a: DomainUpdateDeviceFlagsArgs,
) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_update_device(&dom_ref(a.dom), &a.xml, a.flags)
        .await?)
}

// --- resources ---

pub(crate) async fn set_memory(c: Call, a: DomainSetMemoryArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_set_memory(&dom_ref(a.dom), a.memory, device_flags::LIVE)
        .await?)
}

pub(crate) async fn set_max_memory(c: Call, a: DomainSetMaxMemoryArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_set_memory(&dom_ref(a.dom), a.memory, resource_flags::MEM_MAXIMUM)
        .await?)
}

pub(crate) async fn set_memory_flags(c: Call, a: DomainSetMemoryFlagsArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_set_memory(&dom_ref(a.dom), a.memory, a.flags)
        .await?)
}

pub(crate) async fn set_vcpus(c: Call, a: DomainSetVcpusArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_set_vcpus(&dom_ref(a.dom), a.nvcpus, device_flags::LIVE)
        .await?)
}

pub(crate) async fn set_vcpus_flags(c: Call, a: DomainSetVcpusFlagsArgs) -> HandlerResult<()> {
    Ok(c.hv()
        .domain_set_vcpus(&dom_ref(a.dom), a.nvcpus, a.flags)
        .await?)
}

pub(crate) async fn get_vcpus_flags(
    c: Call,
    a: DomainGetVcpusFlagsArgs,
) -> HandlerResult<DomainGetVcpusFlagsRet> {
    Ok(DomainGetVcpusFlagsRet {
        num: c
            .hv()
            .domain_get_vcpus_flags(&dom_ref(a.dom), a.flags)
            .await?,
    })
}

/// libvirtd bounds a vCPU map reply (`count` maps of `maplen` bytes) before asking the
/// driver; `name` is the count's argument name in its message.
fn vcpu_map_sizes(count: i32, maplen: i32, name: &str) -> HandlerResult<(usize, usize)> {
    if count as u32 > VCPUINFO_MAX {
        return Err(rpc_internal(&format!("{name} > REMOTE_VCPUINFO_MAX")).into());
    }
    let count = usize::try_from(count).unwrap_or(0);
    let maplen = usize::try_from(maplen).unwrap_or(0);
    if count.saturating_mul(maplen) > CPUMAPS_MAX as usize {
        return Err(rpc_internal("maxinfo * maplen > REMOTE_CPUMAPS_MAX").into());
    }
    Ok((count, maplen))
}

pub(crate) async fn get_vcpus(c: Call, a: DomainGetVcpusArgs) -> HandlerResult<DomainGetVcpusRet> {
    let (maxinfo, maplen) = vcpu_map_sizes(a.maxinfo, a.maplen, "maxinfo")?;
    let v = c
        .hv()
        .domain_get_vcpus(&dom_ref(a.dom), maxinfo, maplen)
        .await?;
    Ok(DomainGetVcpusRet {
        info: v
            .info
            .iter()
            .map(|i| VcpuInfo {
                number: i.number,
                state: i.state,
                cpu_time: i.cpu_time_ns,
                cpu: i.cpu,
            })
            .collect(),
        cpumaps: v.cpumaps,
    })
}

pub(crate) async fn get_vcpu_pin_info(
    c: Call,
    a: DomainGetVcpuPinInfoArgs,
) -> HandlerResult<DomainGetVcpuPinInfoRet> {
    let (ncpumaps, maplen) = vcpu_map_sizes(a.ncpumaps, a.maplen, "ncpumaps")?;
    let (cpumaps, num) = c
        .hv()
        .domain_get_vcpu_pin_info(&dom_ref(a.dom), ncpumaps, maplen, a.flags)
        .await?;
    Ok(DomainGetVcpuPinInfoRet { cpumaps, num })
}

pub(crate) async fn memory_stats(
    c: Call,
    a: DomainMemoryStatsArgs,
) -> HandlerResult<DomainMemoryStatsRet> {
    if a.max_stats > DOMAIN_MEMORY_STATS_MAX {
        return Err(rpc_internal("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX").into());
    }
    let stats = c
        .hv()
        .domain_memory_stats(&dom_ref(a.dom), a.max_stats, a.flags)
        .await?;
    Ok(DomainMemoryStatsRet {
        stats: stats
            .iter()
            .map(|s| DomainMemoryStat {
                tag: s.tag,
                val: s.val,
            })
            .collect(),
    })
}

pub(crate) async fn interface_stats(
    c: Call,
    a: DomainInterfaceStatsArgs,
) -> HandlerResult<DomainInterfaceStatsRet> {
    let s = c
        .hv()
        .domain_interface_stats(&dom_ref(a.dom), &a.device)
        .await?;
    Ok(DomainInterfaceStatsRet {
        rx_bytes: s.rx_bytes,
        rx_packets: s.rx_packets,
        rx_errs: s.rx_errs,
        rx_drop: s.rx_drop,
        tx_bytes: s.tx_bytes,
        tx_packets: s.tx_packets,
        tx_errs: s.tx_errs,
        tx_drop: s.tx_drop,
    })
}

pub(crate) async fn block_stats(
    c: Call,
    a: DomainBlockStatsArgs,
) -> HandlerResult<DomainBlockStatsRet> {
    let s = c.hv().domain_block_stats(&dom_ref(a.dom), &a.path).await?;
    Ok(DomainBlockStatsRet {
        rd_req: s.rd_req,
        rd_bytes: s.rd_bytes,
        wr_req: s.wr_req,
        wr_bytes: s.wr_bytes,
        errs: s.errs,
    })
}

pub(crate) async fn get_block_info(
    c: Call,
    a: DomainGetBlockInfoArgs,
) -> HandlerResult<DomainGetBlockInfoRet> {
    let b = c
        .hv()
        .domain_get_block_info(&dom_ref(a.dom), &a.path, a.flags)
        .await?;
    Ok(DomainGetBlockInfoRet {
        allocation: b.allocation,
        capacity: b.capacity,
        physical: b.physical,
    })
}

pub(crate) async fn get_hostname(
    c: Call,
    a: DomainGetHostnameArgs,
) -> HandlerResult<DomainGetHostnameRet> {
    Ok(DomainGetHostnameRet {
        hostname: c.hv().domain_get_hostname(&dom_ref(a.dom), a.flags).await?,
    })
}

pub(crate) async fn get_time(c: Call, a: DomainGetTimeArgs) -> HandlerResult<DomainGetTimeRet> {
    let (seconds, nseconds) = c.hv().domain_get_time(&dom_ref(a.dom), a.flags).await?;
    Ok(DomainGetTimeRet { seconds, nseconds })
}

pub(crate) async fn get_control_info(
    c: Call,
    a: DomainGetControlInfoArgs,
) -> HandlerResult<DomainGetControlInfoRet> {
    let i = c
        .hv()
        .domain_get_control_info(&dom_ref(a.dom), a.flags)
        .await?;
    Ok(DomainGetControlInfoRet {
        state: i.state,
        details: i.details,
        state_time: i.state_time,
    })
}

pub(crate) async fn get_scheduler_type(
    c: Call,
    a: DomainGetSchedulerTypeArgs,
) -> HandlerResult<DomainGetSchedulerTypeRet> {
    let (r#type, nparams) = c.hv().domain_get_scheduler_type(&dom_ref(a.dom)).await?;
    Ok(DomainGetSchedulerTypeRet { r#type, nparams })
}

async fn scheduler_parameters(
    c: Call,
    dom: oxvirt_protocol::NonnullDomain,
    nparams: i32,
    flags: u32,
) -> HandlerResult<Vec<oxvirt_protocol::TypedParam>> {
    check_nparams(nparams, DOMAIN_SCHEDULER_PARAMETERS_MAX)?;
    let params = c
        .hv()
        .domain_get_scheduler_parameters(&dom_ref(dom), nparams, flags)
        .await?;
    Ok(params.into_iter().map(typed_param).collect())
}

pub(crate) async fn get_scheduler_parameters(
    c: Call,
    a: DomainGetSchedulerParametersArgs,
) -> HandlerResult<DomainGetSchedulerParametersRet> {
    let params = scheduler_parameters(c, a.dom, a.nparams, 0).await?;
    Ok(DomainGetSchedulerParametersRet { params })
}

pub(crate) async fn get_scheduler_parameters_flags(
    c: Call,
    a: DomainGetSchedulerParametersFlagsArgs,
) -> HandlerResult<DomainGetSchedulerParametersFlagsRet> {
    let params = scheduler_parameters(c, a.dom, a.nparams, a.flags).await?;
    Ok(DomainGetSchedulerParametersFlagsRet { params })
}

pub(crate) async fn get_memory_parameters(
    c: Call,
    a: DomainGetMemoryParametersArgs,
) -> HandlerResult<DomainGetMemoryParametersRet> {
    check_nparams(a.nparams, DOMAIN_MEMORY_PARAMETERS_MAX)?;
    let p = c
        .hv()
        .domain_get_memory_parameters(&dom_ref(a.dom), a.nparams, a.flags)
        .await?;
    Ok(DomainGetMemoryParametersRet {
        params: p.params.into_iter().map(typed_param).collect(),
        nparams: p.nparams,
    })
}
