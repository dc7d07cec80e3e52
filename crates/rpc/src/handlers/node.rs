//! The host: hardware, memory, CPU statistics and security model.

use super::{Call, HandlerResult, check_nparams};
use crate::error::rpc_internal;
use oxvirt_protocol::remote::*;

pub(crate) async fn get_info(c: Call, (): ()) -> HandlerResult<NodeGetInfoRet> {
    let n = c.hv().node_get_info().await?;
    let mut model = [0i8; 32];
    for (dst, b) in model.iter_mut().zip(n.model.bytes().take(31)) {
        *dst = b as i8;
    }
    Ok(NodeGetInfoRet {
        model,
        memory: n.memory_kib,
        cpus: n.cpus,
        mhz: n.mhz,
        nodes: n.nodes,
        sockets: n.sockets,
        cores: n.cores,
        threads: n.threads,
    })
}

pub(crate) async fn get_security_model(c: Call, (): ()) -> HandlerResult<NodeGetSecurityModelRet> {
    let m = c.hv().node_get_security_model().await?;
    Ok(NodeGetSecurityModelRet {
        model: c_chars(&m.model),
        doi: c_chars(&m.doi),
    })
}

pub(crate) async fn get_free_memory(c: Call, (): ()) -> HandlerResult<NodeGetFreeMemoryRet> {
    Ok(NodeGetFreeMemoryRet {
        free_mem: c.hv().node_get_free_memory().await?,
    })
}

pub(crate) async fn get_cells_free_memory(
    c: Call,
    a: NodeGetCellsFreeMemoryArgs,
) -> HandlerResult<NodeGetCellsFreeMemoryRet> {
    if a.maxcells as u32 > NODE_MAX_CELLS {
        return Err(rpc_internal("maxCells > REMOTE_NODE_MAX_CELLS").into());
    }
    Ok(NodeGetCellsFreeMemoryRet {
        cells: c
            .hv()
            .node_get_cells_free_memory(a.start_cell, a.maxcells)
            .await?,
    })
}

pub(crate) async fn get_cpu_stats(
    c: Call,
    a: NodeGetCpuStatsArgs,
) -> HandlerResult<NodeGetCpuStatsRet> {
    check_nparams(a.nparams, NODE_CPU_STATS_MAX)?;
    let s = c
        .hv()
        .node_get_cpu_stats(a.cpu_num, a.nparams, a.flags)
        .await?;
    Ok(NodeGetCpuStatsRet {
        params: s
            .params
            .into_iter()
            .map(|p| NodeGetCpuStats {
                field: p.field,
                value: p.value,
            })
            .collect(),
        nparams: s.nparams,
    })
}

pub(crate) async fn get_cpu_map(c: Call, a: NodeGetCpuMapArgs) -> HandlerResult<NodeGetCpuMapRet> {
    let m = c.hv().node_get_cpu_map(a.flags).await?;
    Ok(NodeGetCpuMapRet {
        cpumap: if a.need_map != 0 { m.map } else { Vec::new() },
        online: if a.need_online != 0 { m.online } else { 0 },
        ret: m.cpus,
    })
}
