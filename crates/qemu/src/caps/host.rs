//! The host half of `virsh capabilities`, read once from `/proc` and `/sys` (libvirt's
//! `virQEMUCapsInit` → `virCapabilitiesNew`, `virCapabilitiesInitNUMA`,
//! `virCapabilitiesInitCaches`, the host CPU from `virCPUProbeHost`).
//!
//! Nothing here runs a program or opens `/dev/kvm`. What libvirt decodes from raw CPUID
//! against its CPU map (the host CPU model and its extra features) and the TSC frequency
//! it asks KVM for are not reproduced: [`HostCpu::model`] stays empty unless the caller
//! knows better, and no `<feature>` or `<counter>` is printed.

use std::collections::BTreeSet;
use std::path::Path;

/// Facts about the host, for the `<host>` element of the capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFacts {
    /// The host UUID: the SMBIOS system UUID when the kernel exposes it, else
    /// `/etc/machine-id` in UUID form, else random (libvirt generates one per daemon run
    /// when SMBIOS has none).
    pub uuid: String,
    /// The host architecture in libvirt's naming (`x86_64`).
    pub arch: String,
    /// The host CPU.
    pub cpu: HostCpu,
    /// Whether the kernel set up an IOMMU (`/sys/kernel/iommu_groups` is not empty).
    pub iommu: bool,
    /// NUMA cells; one made-up cell holding everything when the kernel has no NUMA.
    pub cells: Vec<NumaCell>,
    /// Level 3 (and higher) caches, as libvirt lists them under `<cache>`.
    pub cache_banks: Vec<CacheBank>,
    /// The DAC security model's base label for QEMU processes (`+0:+0`), or `None` to
    /// list no DAC model. [`host_facts`] fills in our own uid and gid; a driver running
    /// QEMU as another user sets it from its configuration.
    pub dac_label: Option<String>,
}

/// The host CPU, as far as `/proc/cpuinfo` and `/sys` tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCpu {
    /// libvirt's CPU model name for the host (`kvm64`, `EPYC-Milan`): not derived here,
    /// see the module docs.
    pub model: Option<String>,
    /// libvirt's vendor name (`AMD`, `Intel`, `Hygon`).
    pub vendor: Option<String>,
    /// The microcode revision.
    pub microcode: Option<u64>,
    /// Family, model and stepping.
    pub signature: Option<(u32, u32, u32)>,
    /// Sockets, dies, cores and threads.
    pub topology: CpuTopology,
    /// Physical address bits (`<maxphysaddr mode='emulate' bits=…>`).
    pub phys_addr_bits: Option<u32>,
    /// Page sizes in KiB: the base page, then the huge page sizes, ascending.
    pub page_sizes_kib: Vec<u64>,
}

/// The host CPU topology as libvirt counts it: sockets per NUMA cell, dies per socket,
/// cores per die, threads per core.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTopology {
    /// Sockets (per NUMA cell).
    pub sockets: u32,
    /// Dies per socket.
    pub dies: u32,
    /// Cores per die.
    pub cores: u32,
    /// Threads per core.
    pub threads: u32,
}

/// One NUMA cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumaCell {
    /// The node number.
    pub id: u32,
    /// Its memory in KiB.
    pub memory_kib: u64,
    /// (page size in KiB, number of such pages): the base pages not taken by huge pages,
    /// then each huge page size.
    pub pages: Vec<(u64, u64)>,
    /// (node, distance) to every node, itself included; empty when unknown.
    pub distances: Vec<(u32, u32)>,
    /// Its CPUs.
    pub cpus: Vec<CellCpu>,
}

/// One CPU of a cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellCpu {
    /// The CPU number.
    pub id: u32,
    /// Where it sits; `None` for an offline CPU (the kernel hides its topology).
    pub location: Option<CpuLocation>,
}

/// Where a CPU sits in the topology.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuLocation {
    /// Its package.
    pub socket_id: u32,
    /// Its die in the package.
    pub die_id: u32,
    /// Its core.
    pub core_id: u32,
    /// The CPUs sharing its core, as a list (`0,4` or `0-1`).
    pub siblings: String,
}

/// One cache of the host (`<bank>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheBank {
    /// The cache's id at its level.
    pub id: u32,
    /// Its level (3 for L3).
    pub level: u32,
    /// `both`, `code` or `data`.
    pub kind: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The CPUs sharing it, as a list (`0-1`).
    pub cpus: String,
}

/// Reads the host facts from `/proc` and `/sys`. Cheap (a few dozen small files); call
/// it once per daemon run and keep the result.
pub fn host_facts() -> HostFacts {
    let sys = Path::new("/sys/devices/system");
    let online = read_trim(&sys.join("cpu/online"))
        .map(|s| parse_cpu_list(&s))
        .unwrap_or_default();
    let mut cells = numa_cells(sys, &online);
    let base_kib = page_size_kib();
    if cells.is_empty() {
        cells.push(fake_cell(&online, base_kib));
    }
    let mut topology = topology(sys, &online);
    // libvirt counts sockets per NUMA cell when they divide evenly.
    let ncells = u32::try_from(cells.len()).unwrap_or(1);
    if ncells > 1 && topology.sockets.is_multiple_of(ncells) {
        topology.sockets /= ncells;
    }
    let mut page_sizes_kib = vec![base_kib];
    page_sizes_kib.extend(huge_page_sizes(Path::new("/sys/kernel/mm/hugepages")));
    let cpuinfo = CpuInfo::read();
    let uid = nix::unistd::geteuid();
    let gid = nix::unistd::getegid();
    HostFacts {
        uuid: host_uuid(),
        arch: nix::sys::utsname::uname()
            .map(|u| u.machine().to_string_lossy().into_owned())
            .unwrap_or_default(),
        cpu: HostCpu {
            model: None,
            vendor: cpuinfo.vendor,
            microcode: cpuinfo.microcode,
            signature: cpuinfo.signature,
            topology,
            phys_addr_bits: cpuinfo.phys_bits,
            page_sizes_kib,
        },
        iommu: std::fs::read_dir("/sys/kernel/iommu_groups").is_ok_and(|mut d| d.next().is_some()),
        cells,
        cache_banks: cache_banks(sys, &online),
        dac_label: Some(format!("+{uid}:+{gid}")),
    }
}

fn read_trim(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn read_u64(path: &Path) -> Option<u64> {
    read_trim(path)?.parse().ok()
}

/// Parses a kernel CPU list (`0-3,8,10-11`).
fn parse_cpu_list(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    out.extend(a..=b);
                }
            }
            None => out.extend(part.parse::<u32>().ok()),
        }
    }
    out
}

/// The base page size in KiB.
fn page_size_kib() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|b| u64::try_from(b).ok())
        .map_or(4, |b| b / 1024)
}

/// The huge page sizes (KiB) under a `hugepages` directory (`hugepages-2048kB`), ascending.
fn huge_page_sizes(dir: &Path) -> Vec<u64> {
    let mut sizes: Vec<u64> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_prefix("hugepages-")?
                .strip_suffix("kB")?
                .parse()
                .ok()
        })
        .collect();
    sizes.sort_unstable();
    sizes
}

fn cpu_location(sys: &Path, cpu: u32) -> Option<CpuLocation> {
    let topo = sys.join(format!("cpu/cpu{cpu}/topology"));
    let num = |f: &str| read_trim(&topo.join(f)).and_then(|s| s.parse::<i64>().ok());
    Some(CpuLocation {
        socket_id: u32::try_from(num("physical_package_id")?).unwrap_or(0),
        // A kernel without dies reports -1 or nothing: libvirt prints 0.
        die_id: num("die_id")
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(0),
        core_id: u32::try_from(num("core_id")?).unwrap_or(0),
        siblings: read_trim(&topo.join("thread_siblings_list"))?,
    })
}

fn topology(sys: &Path, online: &[u32]) -> CpuTopology {
    let locs: Vec<CpuLocation> = online
        .iter()
        .filter_map(|&c| cpu_location(sys, c))
        .collect();
    if locs.is_empty() {
        let n = u32::try_from(online.len().max(1)).unwrap_or(1);
        return CpuTopology {
            sockets: 1,
            dies: 1,
            cores: n,
            threads: 1,
        };
    }
    fn count<T: Ord>(set: BTreeSet<T>) -> u32 {
        u32::try_from(set.len()).unwrap_or(1).max(1)
    }
    let sockets = count(locs.iter().map(|l| l.socket_id).collect());
    let dies = count(locs.iter().map(|l| (l.socket_id, l.die_id)).collect());
    let cores = count(
        locs.iter()
            .map(|l| (l.socket_id, l.die_id, l.core_id))
            .collect(),
    );
    let cpus = u32::try_from(locs.len()).unwrap_or(1);
    CpuTopology {
        sockets,
        dies: dies / sockets,
        cores: cores / dies,
        threads: (cpus / cores).max(1),
    }
}

fn numa_cells(sys: &Path, online: &[u32]) -> Vec<NumaCell> {
    let node_dir = sys.join("node");
    let Some(ids) = read_trim(&node_dir.join("online")).map(|s| parse_cpu_list(&s)) else {
        return Vec::new();
    };
    let base_kib = page_size_kib();
    ids.iter()
        .map(|&id| {
            let dir = node_dir.join(format!("node{id}"));
            let memory_kib = node_mem_total_kib(&dir.join("meminfo")).unwrap_or(0);
            let huge: Vec<(u64, u64)> = huge_page_sizes(&dir.join("hugepages"))
                .into_iter()
                .map(|size| {
                    let n =
                        read_u64(&dir.join(format!("hugepages/hugepages-{size}kB/nr_hugepages")));
                    (size, n.unwrap_or(0))
                })
                .collect();
            // The base pages are what the huge pages leave (virNumaGetPages).
            let huge_kib: u64 = huge.iter().map(|(s, n)| s * n).sum();
            let mut pages = vec![(
                base_kib,
                memory_kib.saturating_sub(huge_kib) / base_kib.max(1),
            )];
            pages.extend(huge);
            let distances = read_trim(&dir.join("distance"))
                .map(|s| {
                    ids.iter()
                        .zip(s.split_whitespace())
                        .filter_map(|(&node, d)| Some((node, d.parse().ok()?)))
                        .collect()
                })
                .unwrap_or_default();
            let cpus = read_trim(&dir.join("cpulist"))
                .map(|s| parse_cpu_list(&s))
                .unwrap_or_default()
                .into_iter()
                .map(|cpu| CellCpu {
                    id: cpu,
                    location: online
                        .contains(&cpu)
                        .then(|| cpu_location(sys, cpu))
                        .flatten(),
                })
                .collect();
            NumaCell {
                id,
                memory_kib,
                pages,
                distances,
                cpus,
            }
        })
        .collect()
}

/// `Node N MemTotal: X kB` of a node's `meminfo`.
fn node_mem_total_kib(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let rest = l.split_once("MemTotal:")?.1;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// libvirt's stand-in cell on a kernel without NUMA (`virCapabilitiesHostNUMAInitFake`):
/// all memory and all CPUs.
fn fake_cell(online: &[u32], base_kib: u64) -> NumaCell {
    let memory_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0);
    let sys = Path::new("/sys/devices/system");
    NumaCell {
        id: 0,
        memory_kib,
        pages: vec![(base_kib, memory_kib / base_kib.max(1))],
        distances: Vec::new(),
        cpus: online
            .iter()
            .map(|&id| CellCpu {
                id,
                location: cpu_location(sys, id),
            })
            .collect(),
    }
}

/// The caches of level 3 and up, one bank per distinct (level, id), sorted by level then
/// id (virCapabilitiesInitCaches).
fn cache_banks(sys: &Path, online: &[u32]) -> Vec<CacheBank> {
    let mut banks: Vec<CacheBank> = Vec::new();
    for &cpu in online {
        let dir = sys.join(format!("cpu/cpu{cpu}/cache"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if !e.file_name().to_string_lossy().starts_with("index") {
                continue;
            }
            let p = e.path();
            let Some(level) = read_u64(&p.join("level")) else {
                continue;
            };
            if level < 3 {
                continue;
            }
            let kind = match read_trim(&p.join("type")).as_deref() {
                Some("Unified") => "both",
                Some("Instruction") => "code",
                Some("Data") => "data",
                _ => continue,
            };
            let (Some(id), Some(size), Some(cpus)) = (
                read_u64(&p.join("id")),
                read_trim(&p.join("size")).and_then(|s| parse_size(&s)),
                read_trim(&p.join("shared_cpu_list")),
            ) else {
                continue;
            };
            let (Ok(id), Ok(level)) = (u32::try_from(id), u32::try_from(level)) else {
                continue;
            };
            if !banks
                .iter()
                .any(|b| b.level == level && b.id == id && b.kind == kind)
            {
                banks.push(CacheBank {
                    id,
                    level,
                    kind: kind.to_owned(),
                    size_bytes: size,
                    cpus,
                });
            }
        }
    }
    banks.sort_by_key(|b| (b.level, b.id));
    banks
}

/// A sysfs size (`32768K`, `1M`, `512`) in bytes.
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        'K' => (&s[..s.len() - 1], 1u64 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

/// The host UUID; see [`HostFacts::uuid`].
fn host_uuid() -> String {
    for path in [
        "/sys/devices/virtual/dmi/id/product_uuid",
        "/sys/class/dmi/id/product_uuid",
    ] {
        if let Some(s) = read_trim(Path::new(path))
            && let Ok(u) = uuid::Uuid::parse_str(&s)
            && !is_degenerate(&u)
        {
            return u.hyphenated().to_string();
        }
    }
    if let Some(s) = read_trim(Path::new("/etc/machine-id"))
        && let Ok(u) = uuid::Uuid::parse_str(&s)
        && !is_degenerate(&u)
    {
        return u.hyphenated().to_string();
    }
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// libvirt refuses UUIDs made of one repeated byte (firmware placeholders such as
/// all-zero or all-ff).
fn is_degenerate(u: &uuid::Uuid) -> bool {
    let b = u.as_bytes();
    b.iter().all(|&x| x == b[0])
}

/// The first CPU's block of `/proc/cpuinfo`, the parts libvirt shows.
#[derive(Default)]
struct CpuInfo {
    vendor: Option<String>,
    microcode: Option<u64>,
    signature: Option<(u32, u32, u32)>,
    phys_bits: Option<u32>,
}

impl CpuInfo {
    fn read() -> CpuInfo {
        std::fs::read_to_string("/proc/cpuinfo")
            .map(|t| CpuInfo::parse(&t))
            .unwrap_or_default()
    }

    fn parse(text: &str) -> CpuInfo {
        let mut info = CpuInfo::default();
        let (mut family, mut model, mut stepping) = (None, None, None);
        for line in text.lines() {
            if line.trim().is_empty() {
                break;
            }
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "vendor_id" => {
                    info.vendor = match value {
                        "AuthenticAMD" => Some("AMD".to_owned()),
                        "GenuineIntel" => Some("Intel".to_owned()),
                        "HygonGenuine" => Some("Hygon".to_owned()),
                        _ => None,
                    }
                }
                "cpu family" => family = value.parse().ok(),
                "model" => model = value.parse().ok(),
                "stepping" => stepping = value.parse().ok(),
                "microcode" => {
                    info.microcode = match value.strip_prefix("0x") {
                        Some(hex) => u64::from_str_radix(hex, 16).ok(),
                        None => value.parse().ok(),
                    }
                }
                // `48 bits physical, 48 bits virtual`
                "address sizes" => {
                    info.phys_bits = value
                        .split_once(" bits physical")
                        .and_then(|(n, _)| n.trim().parse().ok());
                }
                _ => {}
            }
        }
        if let (Some(f), Some(m), Some(s)) = (family, model, stepping) {
            info.signature = Some((f, m, s));
        }
        info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_cpu_list_ranges_and_singles_expand() {
        assert_eq!(parse_cpu_list("0-2,5,7-8\n"), [0, 1, 2, 5, 7, 8]);
        assert_eq!(parse_cpu_list(""), Vec::<u32>::new());
    }

    #[test]
    fn test_parse_size_suffixes_scale() {
        assert_eq!(parse_size("32768K"), Some(32 << 20));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size("512"), Some(512));
    }

    #[test]
    fn test_cpuinfo_first_block_gives_vendor_signature_microcode() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n\
                    model name\t: AMD EPYC\nstepping\t: 1\nmicrocode\t: 0x1000065\n\
                    address sizes\t: 48 bits physical, 48 bits virtual\n\nprocessor\t: 1\n\
                    vendor_id\t: GenuineIntel\n";
        let info = CpuInfo::parse(text);
        assert_eq!(info.vendor.as_deref(), Some("AMD"));
        assert_eq!(info.signature, Some((25, 17, 1)));
        assert_eq!(info.microcode, Some(16_777_317));
        assert_eq!(info.phys_bits, Some(48));
    }

    #[test]
    fn test_host_facts_this_host_has_cpus_and_memory() {
        let h = host_facts();
        assert!(!h.arch.is_empty());
        assert!(!h.cells.is_empty());
        assert!(
            h.cells
                .iter()
                .all(|c| c.memory_kib > 0 && !c.cpus.is_empty())
        );
        assert!(h.cpu.topology.sockets >= 1 && h.cpu.topology.threads >= 1);
        assert!(uuid::Uuid::parse_str(&h.uuid).is_ok(), "{}", h.uuid);
    }
}
