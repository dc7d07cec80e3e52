//! Memory and vCPU settings, statistics and guest/host queries: what `setmem`,
//! `setvcpus`, `vcpucount`, `dommemstat`, `domblkstat`, `freecell`, `nodecpustats`… ask.
//!
//! Settings follow libvirt's modification impact: a call names the live definition, the
//! persistent one or (for some) both; `current` means live for a running domain and config
//! otherwise ([`modification_impact`]). Statistics are the test driver's canned values;
//! the ones it derives from the clock (vCPU, block and interface counters) are derived from
//! the clock here too.

use crate::defaults;
use crate::domain::DomainObj;
use crate::driver::Core;
use crate::errors::{self, check_flags};
use crate::xmldef::DomainXml;
use oxvirt_core::{
    BlockInfo, BlockStats, ControlInfo, CpuStat, CpuStats, DomainRef, DomainState, DriverResult,
    ErrorDomain, ErrorNumber, InterfaceStats, MemoryStat, NodeCpuMap, TypedParameter,
    TypedParameters, TypedValue, VcpuInfo, VcpusInfo, VirError, device_flags, resource_flags,
};
use std::time::{SystemTime, UNIX_EPOCH};

const LIVE: u32 = device_flags::LIVE;
const CONFIG: u32 = device_flags::CONFIG;

/// The guest clock every test domain starts with (`testDomainObjPrivate.seconds`); it also
/// decides `domcontrol`'s answer (a value this large means "ok").
const GUEST_SECONDS: i64 = 627_319_920;

/// `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`: what an unset memory tunable reports.
const MEMORY_PARAM_UNLIMITED: u64 = 9_007_199_254_740_991;

/// The fixed answers of `testDomainGetBlockInfo`.
const BLOCK_INFO: BlockInfo = BlockInfo {
    capacity: 1_099_506_450_432,
    allocation: 1_099_511_627_776,
    physical: 1_099_511_627_776,
};

/// `testNodeGetCPUStats`: (`VIR_NODE_CPU_STATS_*` field, nanoseconds).
const CPU_STATS: [(&str, u64); 4] = [
    ("user", 9_797_400_000),
    ("kernel", 34_678_723_400_000),
    ("idle", 87_264_900_000),
    ("iowait", 763_600_000),
];

/// `testConnectGetSysinfo`.
const SYSINFO: &str = "<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
";

/// `virVcpuState` running.
const VCPU_RUNNING: i32 = 1;

/// `virDomainObjUpdateModificationImpact`: turns "current" into live or config and refuses
/// what the domain's state cannot offer.
fn modification_impact(vm: &DomainObj, mut flags: u32) -> DriverResult<u32> {
    if flags & (LIVE | CONFIG) == 0 {
        flags |= if vm.is_active() { LIVE } else { CONFIG };
    }
    if !vm.is_active() && flags & LIVE != 0 {
        return Err(errors::domain_not_running());
    }
    if !vm.persistent && flags & CONFIG != 0 {
        return Err(errors::invalid_domain(
            "transient domains do not have any persistent config",
        ));
    }
    Ok(flags)
}

/// `virDomainObjGetOneDefState`: the one definition a call reads or changes, and whether it
/// is the live one.
fn one_def(vm: &mut DomainObj, flags: u32) -> DriverResult<(&mut DomainXml, bool)> {
    if flags & LIVE != 0 && flags & CONFIG != 0 {
        return Err(VirError::new(
            ErrorNumber::InvalidArg,
            ErrorDomain::Domain,
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
        ));
    }
    let flags = modification_impact(vm, flags)?;
    let live = flags & LIVE != 0;
    let active = vm.is_active();
    let def = match vm.new_def.as_mut() {
        Some(config) if active && flags & CONFIG != 0 => config,
        _ => &mut vm.def,
    };
    Ok((def, live))
}

fn invalid_arg(detail: impl Into<String>) -> VirError {
    VirError::new(ErrorNumber::InvalidArg, ErrorDomain::Test, detail)
}

/// Microseconds since the epoch (`g_get_real_time`), the base of the clock-derived counters.
fn real_time_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Host CPUs of the fake node (`VIR_NODEINFO_MAXCPUS`).
fn host_cpus() -> usize {
    let n = defaults::node_info();
    usize::try_from(n.nodes * n.sockets * n.cores * n.threads).unwrap_or(0)
}

/// A `maplen`-byte CPU map with the first `cpus` bits set.
fn full_cpumap(cpus: usize, maplen: usize) -> Vec<u8> {
    (0..maplen)
        .map(|byte| {
            let bits = cpus.saturating_sub(byte * 8).min(8);
            u8::try_from((1u16 << bits) - 1).unwrap_or(u8::MAX)
        })
        .collect()
}

/// A `maplen`-byte CPU map with the bits of `cpus` set (those that fit).
fn cpumap_of(cpus: &[u32], maplen: usize) -> Vec<u8> {
    let mut map = vec![0u8; maplen];
    for &cpu in cpus {
        let cpu = usize::try_from(cpu).unwrap_or(usize::MAX);
        if let Some(byte) = map.get_mut(cpu / 8) {
            *byte |= 1 << (cpu % 8);
        }
    }
    map
}

impl Core {
    fn with_domain_mut<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&mut DomainObj) -> DriverResult<T>,
    ) -> DriverResult<T> {
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        f(&mut st.domains[idx])
    }

    /// `testDomainSetMemoryFlags`.
    pub(crate) fn set_memory(&self, dom: &DomainRef, kib: u64, flags: u32) -> DriverResult<()> {
        check_flags(
            flags,
            LIVE | CONFIG | resource_flags::MEM_MAXIMUM,
            "testDomainSetMemoryFlags",
        )?;
        self.with_domain_mut(dom, |vm| {
            let (def, live) = one_def(vm, flags)?;
            if flags & resource_flags::MEM_MAXIMUM == 0 {
                if kib > def.max_memory_kib() {
                    return Err(invalid_arg("cannot set memory higher than max memory"));
                }
                def.set_current_memory_kib(kib);
                return Ok(());
            }
            if live {
                return Err(errors::invalid_test(
                    "cannot resize the maximum memory on an active domain",
                ));
            }
            // Guest NUMA cells are kept verbatim by our definitions, so the NUMA refusal
            // libvirt makes here is not checked.
            if def.hotplug_memory_kib().is_some_and(|max| max < kib) {
                return Err(errors::invalid_test(
                    "cannot set initial memory size greater than the maximum memory size",
                ));
            }
            def.set_max_memory_kib(kib);
            if def.current_memory_kib() > kib {
                def.set_current_memory_kib(kib);
            }
            Ok(())
        })
    }

    /// `testDomainSetVcpusFlags`.
    pub(crate) fn set_vcpus(&self, dom: &DomainRef, count: u32, flags: u32) -> DriverResult<()> {
        check_flags(
            flags,
            LIVE | CONFIG | resource_flags::VCPU_MAXIMUM,
            "testDomainSetVcpusFlags",
        )?;
        let max_supported = defaults::MAX_VCPUS.unsigned_abs();
        if count > max_supported {
            return Err(invalid_arg(format!(
                "requested cpu amount exceeds maximum supported amount ({count} > {max_supported})"
            )));
        }
        let maximum = flags & resource_flags::VCPU_MAXIMUM != 0;
        self.with_domain_mut(dom, |vm| {
            let flags = modification_impact(vm, flags)?;
            let active = vm.is_active();
            // virDomainObjGetDefs: the live definition and, separately, the persistent one.
            let (live, config) = match (flags & LIVE != 0, flags & CONFIG != 0) {
                (true, true) => (Some(&mut vm.def), vm.new_def.as_mut()),
                (true, false) => (Some(&mut vm.def), None),
                (false, true) if active => (None, vm.new_def.as_mut()),
                (false, _) => (None, Some(&mut vm.def)),
            };
            let exceeds = |max: u32| {
                invalid_arg(format!(
                    "requested cpu amount exceeds maximum ({count} > {max})"
                ))
            };
            if let Some(def) = &live
                && def.max_vcpus() < count
            {
                return Err(exceeds(def.max_vcpus()));
            }
            if let Some(def) = &config
                && !maximum
                && def.max_vcpus() < count
            {
                return Err(exceeds(def.max_vcpus()));
            }
            if let Some(def) = live {
                def.set_vcpus(count);
            }
            if let Some(def) = config {
                if maximum {
                    def.set_max_vcpus(count);
                } else {
                    def.set_vcpus(count);
                }
            }
            Ok(())
        })
    }

    /// `testDomainGetVcpusFlags`.
    pub(crate) fn get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> DriverResult<i32> {
        check_flags(
            flags,
            LIVE | CONFIG | resource_flags::VCPU_MAXIMUM,
            "testDomainGetVcpusFlags",
        )?;
        self.with_domain_mut(dom, |vm| {
            let (def, _) = one_def(vm, flags)?;
            let n = if flags & resource_flags::VCPU_MAXIMUM != 0 {
                def.max_vcpus()
            } else {
                def.vcpus()
            };
            Ok(i32::try_from(n).unwrap_or(i32::MAX))
        })
    }

    /// `testDomainGetVcpus`: every online vCPU may run on every host CPU and reports the
    /// clock as its CPU time; the maps cover `maxinfo` entries whatever the count.
    pub(crate) fn get_vcpus(
        &self,
        dom: &DomainRef,
        maxinfo: usize,
        maplen: usize,
    ) -> DriverResult<VcpusInfo> {
        self.with_domain_mut(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::invalid_test(
                    "cannot list vcpus for an inactive domain",
                ));
            }
            let cpus = host_cpus();
            let online = usize::try_from(vm.def.vcpus()).unwrap_or(usize::MAX);
            let count = maxinfo.min(online);
            let cpu_time_ns = u64::try_from(real_time_us() / 10).unwrap_or(0);
            let map = full_cpumap(cpus, maplen);
            let mut cpumaps = vec![0u8; maxinfo.saturating_mul(maplen)];
            let mut info = Vec::with_capacity(count);
            for (n, chunk) in (0..count).zip(cpumaps.chunks_mut(maplen.max(1))) {
                chunk.copy_from_slice(&map[..chunk.len()]);
                info.push(VcpuInfo {
                    number: u32::try_from(n).unwrap_or(u32::MAX),
                    state: VCPU_RUNNING,
                    cpu_time_ns,
                    cpu: i32::try_from(cpus).unwrap_or(0) - 1,
                });
            }
            Ok(VcpusInfo { info, cpumaps })
        })
    }

    /// `testDomainGetVcpuPinInfo` (which checks no flags): each vCPU up to the maximum may
    /// run on the domain's `cpuset`, or on every host CPU. Per-vCPU pinning
    /// (`<cputune><vcpupin>`) is kept verbatim by our definitions and not consulted.
    pub(crate) fn vcpu_pin_info(
        &self,
        dom: &DomainRef,
        ncpumaps: usize,
        maplen: usize,
        flags: u32,
    ) -> DriverResult<(Vec<u8>, i32)> {
        self.with_domain_mut(dom, |vm| {
            let (def, _) = one_def(vm, flags)?;
            let map = match def.cpuset() {
                Some(cpus) => cpumap_of(cpus, maplen),
                None => full_cpumap(host_cpus(), maplen),
            };
            let max = usize::try_from(def.max_vcpus()).unwrap_or(usize::MAX);
            let filled = ncpumaps.min(max);
            let mut cpumaps = vec![0u8; ncpumaps.saturating_mul(maplen)];
            for chunk in cpumaps.chunks_mut(maplen.max(1)).take(filled) {
                chunk.copy_from_slice(&map[..chunk.len()]);
            }
            Ok((cpumaps, i32::try_from(filled).unwrap_or(i32::MAX)))
        })
    }

    /// `testDomainMemoryStats`: balloon-derived numbers, only with a balloon.
    pub(crate) fn memory_stats(
        &self,
        dom: &DomainRef,
        max: u32,
        flags: u32,
    ) -> DriverResult<Vec<MemoryStat>> {
        check_flags(flags, 0, "testDomainMemoryStats")?;
        self.with_domain_mut(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::domain_not_running());
            }
            if !vm.def.has_memballoon() {
                return Ok(Vec::new());
            }
            // The test driver holds the balloon in an int.
            let cur = u64::from(u32::try_from(vm.def.current_memory_kib()).unwrap_or(u32::MAX));
            let stats = [
                (6, cur),
                (0, 0),
                (1, 0),
                (2, 0),
                (3, 0),
                (4, cur / 2),
                (5, cur),
                (8, cur / 2),
                (9, GUEST_SECONDS.unsigned_abs()),
                (10, cur / 8),
                (11, 0),
                (12, 0),
                (7, cur / 2),
            ];
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            Ok(stats
                .into_iter()
                .take(max)
                .map(|(tag, val)| MemoryStat { tag, val })
                .collect())
        })
    }

    /// `testDomainInterfaceStats`.
    pub(crate) fn interface_stats(
        &self,
        dom: &DomainRef,
        device: &str,
    ) -> DriverResult<InterfaceStats> {
        self.with_domain_mut(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::domain_not_running());
            }
            if !vm.def.has_interface(device) {
                return Err(VirError::new(
                    ErrorNumber::InvalidArg,
                    ErrorDomain::Domain,
                    format!("'{device}' is not a known interface"),
                ));
            }
            let t = real_time_us();
            Ok(InterfaceStats {
                rx_bytes: t / 10,
                rx_packets: t / 100,
                rx_errs: t / 1_000_000,
                rx_drop: t / 2_000_000,
                tx_bytes: t / 20,
                tx_packets: t / 110,
                tx_errs: t / 3_000_000,
                tx_drop: t / 4_000_000,
            })
        })
    }

    /// `testDomainBlockStats`.
    pub(crate) fn block_stats(&self, dom: &DomainRef, path: &str) -> DriverResult<BlockStats> {
        if path.is_empty() {
            return Err(VirError::new(
                ErrorNumber::OperationUnsupported,
                ErrorDomain::Test,
                "summary statistics are not supported yet",
            ));
        }
        self.with_domain_mut(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::domain_not_running());
            }
            if vm.def.disk_source(path).is_none() {
                return Err(invalid_arg(format!("invalid path: {path}")));
            }
            let t = real_time_us();
            Ok(BlockStats {
                rd_req: t / 10,
                rd_bytes: t / 20,
                wr_req: t / 30,
                wr_bytes: t / 40,
                errs: t / 2_000_000,
            })
        })
    }

    /// `testDomainGetBlockInfo`.
    pub(crate) fn block_info(
        &self,
        dom: &DomainRef,
        path: &str,
        flags: u32,
    ) -> DriverResult<BlockInfo> {
        check_flags(flags, 0, "testDomainGetBlockInfo")?;
        self.with_domain_mut(dom, |vm| match vm.def.disk_source(path) {
            None => Err(invalid_arg(format!(
                "invalid path {path} not assigned to domain"
            ))),
            Some(None) => Err(invalid_arg(format!(
                "disk '{path}' does not currently have a source assigned"
            ))),
            Some(Some(_)) => Ok(BLOCK_INFO),
        })
    }

    /// `testDomainGetHostname`: the domain's name with `host` appended.
    pub(crate) fn domain_hostname(&self, dom: &DomainRef, flags: u32) -> DriverResult<String> {
        check_flags(flags, 0, "testDomainGetHostname")?;
        self.with_domain_mut(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::domain_not_running());
            }
            Ok(format!("{}host", dom.name))
        })
    }

    /// `testDomainGetTime`: only a running (not paused) guest answers.
    pub(crate) fn domain_time(&self, dom: &DomainRef, flags: u32) -> DriverResult<(i64, u32)> {
        check_flags(flags, 0, "testDomainGetTime")?;
        self.with_domain_mut(dom, |vm| {
            if vm.state != DomainState::Running {
                return Err(errors::invalid_test("domain is not running"));
            }
            Ok((GUEST_SECONDS, 0))
        })
    }

    /// `testDomainGetControlInfo`: with the default guest clock the monitor is "ok".
    pub(crate) fn control_info(&self, dom: &DomainRef, flags: u32) -> DriverResult<ControlInfo> {
        check_flags(flags, 0, "testDomainGetControlInfo")?;
        self.with_domain_mut(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::domain_not_running());
            }
            Ok(ControlInfo::default())
        })
    }

    /// `testDomainGetSchedulerParametersFlags`: one fixed weight, whatever was asked.
    pub(crate) fn scheduler_parameters(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> DriverResult<Vec<TypedParameter>> {
        check_flags(flags, 0, "testDomainGetSchedulerParametersFlags")?;
        self.with_domain_mut(dom, |_| {
            Ok(vec![TypedParameter {
                field: "weight".to_owned(),
                value: TypedValue::UInt(50),
            }])
        })
    }

    /// `testDomainGetMemoryParameters`: the three limits, none of which our definitions
    /// set, so all unlimited. Asking for zero parameters gets the count without a lookup.
    pub(crate) fn memory_parameters(
        &self,
        dom: &DomainRef,
        nparams: i32,
        flags: u32,
    ) -> DriverResult<TypedParameters> {
        check_flags(
            flags,
            LIVE | CONFIG | resource_flags::TYPED_PARAM_STRING_OKAY,
            "testDomainGetMemoryParameters",
        )?;
        const FIELDS: [&str; 3] = ["hard_limit", "soft_limit", "swap_hard_limit"];
        let count = i32::try_from(FIELDS.len()).unwrap_or(i32::MAX);
        if nparams == 0 {
            return Ok(TypedParameters {
                params: Vec::new(),
                nparams: count,
            });
        }
        self.with_domain_mut(dom, |vm| {
            one_def(vm, flags)?;
            let take = usize::try_from(nparams.min(count)).unwrap_or(0);
            let params: Vec<_> = FIELDS
                .iter()
                .take(take)
                .map(|f| TypedParameter {
                    field: (*f).to_owned(),
                    value: TypedValue::ULLong(MEMORY_PARAM_UNLIMITED),
                })
                .collect();
            Ok(TypedParameters {
                nparams: nparams.min(count),
                params,
            })
        })
    }

    /// `testConnectGetSysinfo`.
    pub(crate) fn sysinfo(&self, flags: u32) -> DriverResult<String> {
        check_flags(flags, 0, "testConnectGetSysinfo")?;
        Ok(SYSINFO.to_owned())
    }

    /// `testNodeGetCellsFreeMemory`: the cells' sizes (the test driver reports the cell
    /// size, not its free part).
    pub(crate) fn cells_free_memory(&self, start: i32, max: i32) -> DriverResult<Vec<u64>> {
        let cells = defaults::cell_memory_kib();
        let start = usize::try_from(start).unwrap_or(0);
        if start >= cells.len() {
            return Err(invalid_arg("Range exceeds available cells"));
        }
        let max = usize::try_from(max).unwrap_or(0);
        Ok(cells.into_iter().skip(start).take(max).collect())
    }

    /// `testNodeGetFreeMemory`: the sum of the cells' free memory.
    pub(crate) fn free_memory(&self) -> u64 {
        defaults::cell_free_memory().iter().sum()
    }

    /// `testNodeGetCPUStats`: four fixed counters; asking for none gets the count.
    pub(crate) fn cpu_stats(&self, nparams: i32, flags: u32) -> DriverResult<CpuStats> {
        check_flags(flags, 0, "testNodeGetCPUStats")?;
        let count = i32::try_from(CPU_STATS.len()).unwrap_or(i32::MAX);
        if nparams == 0 {
            return Ok(CpuStats {
                params: Vec::new(),
                nparams: count,
            });
        }
        let take = usize::try_from(nparams.min(count)).unwrap_or(0);
        let params: Vec<_> = CPU_STATS
            .iter()
            .take(take)
            .map(|(field, value)| CpuStat {
                field: (*field).to_owned(),
                value: *value,
            })
            .collect();
        Ok(CpuStats {
            nparams: i32::try_from(params.len()).unwrap_or(0),
            params,
        })
    }

    /// `testNodeGetCPUMap`: 8 CPUs, of which 0, 2 and 4 online.
    pub(crate) fn cpu_map(&self, flags: u32) -> DriverResult<NodeCpuMap> {
        check_flags(flags, 0, "testNodeGetCPUMap")?;
        Ok(NodeCpuMap {
            cpus: 8,
            map: vec![0x15],
            online: 3,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_domain(core: &Core) -> DomainRef {
        core.lookup_by_name("test").expect("default domain")
    }

    #[test]
    fn test_full_cpumap_sixteen_cpus_in_one_byte_is_ff() {
        assert_eq!(full_cpumap(16, 1), vec![0xff]);
    }

    #[test]
    fn test_full_cpumap_ten_cpus_in_three_bytes_sets_ten_bits() {
        assert_eq!(full_cpumap(10, 3), vec![0xff, 0x03, 0x00]);
    }

    #[test]
    fn test_set_memory_live_lowers_balloon() {
        let core = Core::new();
        let dom = test_domain(&core);

        core.set_memory(&dom, 1_048_576, LIVE).expect("setmem");

        assert_eq!(core.get_info(&dom).expect("info").memory_kib, 1_048_576);
    }

    #[test]
    fn test_set_memory_maximum_on_running_domain_is_refused() {
        let core = Core::new();
        let dom = test_domain(&core);

        let e = core
            .set_memory(&dom, 4_194_304, resource_flags::MEM_MAXIMUM)
            .unwrap_err();

        assert_eq!(
            e.message,
            "Requested operation is not valid: cannot resize the maximum memory on an active domain"
        );
    }

    #[test]
    fn test_set_memory_above_maximum_is_invalid_arg() {
        let core = Core::new();
        let dom = test_domain(&core);

        let e = core.set_memory(&dom, 99_999_999, LIVE).unwrap_err();

        assert_eq!(e.code, ErrorNumber::InvalidArg);
    }

    #[test]
    fn test_set_vcpus_maximum_config_keeps_live_count() {
        let core = Core::new();
        let dom = test_domain(&core);

        core.set_vcpus(&dom, 4, CONFIG | resource_flags::VCPU_MAXIMUM)
            .expect("setvcpus");

        let config_max = core
            .get_vcpus_flags(&dom, CONFIG | resource_flags::VCPU_MAXIMUM)
            .expect("count");
        let live_max = core
            .get_vcpus_flags(&dom, LIVE | resource_flags::VCPU_MAXIMUM)
            .expect("count");
        assert_eq!((config_max, live_max), (4, 2));
    }

    #[test]
    fn test_set_vcpus_above_live_maximum_is_refused() {
        let core = Core::new();
        let dom = test_domain(&core);

        let e = core.set_vcpus(&dom, 3, LIVE).unwrap_err();

        assert_eq!(
            e.message,
            "invalid argument: requested cpu amount exceeds maximum (3 > 2)"
        );
    }

    #[test]
    fn test_get_vcpus_clamps_to_online_count_and_sizes_maps_by_request() {
        let core = Core::new();
        let dom = test_domain(&core);

        let v = core.get_vcpus(&dom, 4, 2).expect("vcpus");

        assert_eq!((v.info.len(), v.cpumaps.len()), (2, 8));
    }

    #[test]
    fn test_memory_stats_limit_truncates_list() {
        let core = Core::new();
        let dom = test_domain(&core);

        let stats = core.memory_stats(&dom, 2, 0).expect("stats");

        assert_eq!(
            stats,
            vec![
                MemoryStat {
                    tag: 6,
                    val: 2_097_152
                },
                MemoryStat { tag: 0, val: 0 }
            ]
        );
    }

    #[test]
    fn test_cells_free_memory_past_last_cell_is_refused() {
        let core = Core::new();

        let e = core.cells_free_memory(2, 1).unwrap_err();

        assert_eq!(e.code, ErrorNumber::InvalidArg);
    }

    #[test]
    fn test_memory_parameters_zero_asks_count() {
        let core = Core::new();
        let dom = test_domain(&core);

        let p = core.memory_parameters(&dom, 0, 0).expect("params");

        assert_eq!((p.params.len(), p.nparams), (0, 3));
    }
}
