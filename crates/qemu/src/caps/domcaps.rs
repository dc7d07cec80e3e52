//! `virsh domcapabilities` (`virConnectGetDomainCapabilities`) for the QEMU driver, in
//! libvirt 9.0's layout (`virDomainCapsFormat`) and with its values for QEMU on x86.
//!
//! Flow of a call ([`domain_capabilities_xml`]):
//!
//! 1. **resolve** ([`resolve_request`], libvirt's `virQEMUCapsCacheLookupDefault`): the
//!    virt type is parsed (`none` or nothing means the binary's best: `kvm` when KVM works,
//!    else `qemu`), the architecture is checked against the binary's (x86 arches stand in
//!    for each other, as do the PPC, ARM and S390 families), an accelerated type on a
//!    binary without KVM is refused, and the machine is turned into its canonical name
//!    (`pc` → `pc-i440fx-7.2`) or, when none is asked for, the binary's default. Errors
//!    carry libvirt's wording and codes ([`DomCapsError::to_vir`]).
//! 2. **environment** ([`DomCapsEnv::probe`]): what the answer depends on beyond
//!    [`QemuCaps`] and [`HostFacts`]: the firmware descriptors
//!    (`/usr/share/qemu/firmware`, `/etc/qemu/firmware`, and for an unprivileged daemon
//!    `$XDG_CONFIG_HOME/qemu/firmware`, merged by file name as libvirt does), whether swtpm
//!    is installed and which TPM versions its `swtpm_setup` offers, and `/dev/vfio/vfio`.
//!    [`domain_capabilities_xml_with`] takes an environment instead, for tests and for a
//!    driver that keeps one.
//! 3. **fill and format**: every section in libvirt's order (path, domain, machine,
//!    arch, vcpu, iothreads, os, cpu, memoryBacking, devices, features).
//!
//! Where the values come from, and what is not reproduced:
//!
//! * Device and feature enums come from a static table for x86 QEMU keyed by version
//!   (SPEC §3.3), not from `qom-list-types` and the QMP schema: it holds what QEMU ≥ 4.2
//!   (libvirt 9.0's minimum) offers when built as Debian builds it (SDL, SPICE, usbredir),
//!   plus D-Bus display from 7.0 and incremental backup from 6.1. A QEMU built without
//!   SPICE or SDL is not noticed. Other architectures get
//!   [`DomCapsError::UnsupportedArch`].
//! * Host-model CPU: libvirt expands the `host` model through QEMU and decodes CPUID
//!   against its CPU map, which is not done here: the mode lists [`HostCpu::model`] and
//!   [`HostCpu::vendor`] and no `<feature>`, and is `supported='no'` when the model is
//!   unknown (as [`host_facts`] leaves it) and for the TCG view.
//! * Custom CPU models are QEMU's models that libvirt's x86 CPU map knows (so no `-vN`
//!   versions, no `max`, `host`, `base`), in QEMU's order, with the vendor from the map.
//!   The TCG view of a binary whose caps were probed with KVM has no usability data
//!   (the TCG probe is deliberately skipped), so its models say `usable='unknown'`.
//! * `<vcpu max>` is the machine's `cpu-max`; libvirt also caps it by `KVM_CAP_MAX_VCPUS`,
//!   which needs an ioctl: [`DomCapsEnv::kvm_max_vcpus`] is applied when the caller knows
//!   it (current x86 kernels allow at least 288, no fewer than QEMU 7.2's machines take,
//!   so the cap changes nothing there).
//! * Hyper-V: libvirt lists what a `hv-passthrough` expansion enables; here the two
//!   enlightenments it always finds (`spinlocks`, `vendor_id`), when KVM works. SEV and
//!   SGX are reported unsupported (their QMP queries are not run).
//! * An unreadable or malformed firmware descriptor is skipped (libvirt fails the call).
//!
//! [`domain_capabilities_xml`]: crate::caps::domcaps::domain_capabilities_xml
//! [`domain_capabilities_xml_with`]: crate::caps::domcaps::domain_capabilities_xml_with
//! [`resolve_request`]: crate::caps::domcaps::resolve_request
//! [`DomCapsError::to_vir`]: crate::caps::domcaps::DomCapsError::to_vir
//! [`DomCapsError::UnsupportedArch`]: crate::caps::domcaps::DomCapsError::UnsupportedArch
//! [`DomCapsEnv::probe`]: crate::caps::domcaps::DomCapsEnv::probe
//! [`DomCapsEnv::kvm_max_vcpus`]: crate::caps::domcaps::DomCapsEnv::kvm_max_vcpus
//! [`QemuCaps`]: crate::caps::QemuCaps
//! [`HostFacts`]: crate::caps::HostFacts
//! [`HostCpu::model`]: crate::caps::HostCpu::model
//! [`HostCpu::vendor`]: crate::caps::HostCpu::vendor
//! [`host_facts`]: crate::caps::host_facts

use oxvirt_conf::domain::check::VIRT_TYPES;
use std::path::{Path, PathBuf};

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_xml::XmlWriter;
use serde::Deserialize;

use super::parse::{arch_wordsize, libvirt_arch};
use super::{HostFacts, MachineInfo, QemuCaps};

/// What `virConnectGetDomainCapabilities` was asked for; every field may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomCapsRequest {
    /// The emulator binary. The caller resolves it (when absent: `qemu-system-<arch>` in
    /// `$PATH`, see [`default_emulator_names`]) and passes its caps; when given it must be
    /// the binary those caps belong to.
    pub emulator: Option<PathBuf>,
    /// The guest architecture in libvirt's naming (`x86_64`, `i686`); the host's when
    /// absent.
    pub arch: Option<String>,
    /// A machine type, canonical or alias (`pc`, `q35`, `pc-q35-7.2`); the binary's
    /// default when absent.
    pub machine: Option<String>,
    /// A libvirt virt type (`kvm`, `qemu`); `kvm` when KVM works, else `qemu`, when absent.
    pub virttype: Option<String>,
}

/// Why no domain capabilities can be given. [`DomCapsError::to_vir`] gives what a client
/// sees; the texts are libvirt 9.0's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomCapsError {
    /// The virt type is not one libvirt knows.
    #[error("unknown virttype: {0}")]
    UnknownVirtType(String),
    /// The architecture is not one libvirt knows.
    #[error("unknown architecture: {0}")]
    UnknownArch(String),
    /// No emulator was given and none serves the architecture (raised by the caller that
    /// looks for one).
    #[error("unable to find any emulator to serve '{arch}' architecture")]
    NoEmulator {
        /// The architecture asked for.
        arch: String,
    },
    /// The binary emulates another architecture family than the one asked for.
    #[error(
        "architecture from emulator '{emulator_arch}' doesn't match given architecture '{arch}'"
    )]
    ArchMismatch {
        /// The binary's architecture.
        emulator_arch: String,
        /// The architecture asked for.
        arch: String,
    },
    /// An accelerated virt type was asked of a binary that cannot use KVM here.
    #[error("the accel '{accel}' is not supported by '{}' on this host", .emulator.display())]
    AccelUnsupported {
        /// libvirt's accelerator name (`kvm`; `tcg` for virt types it does not map).
        accel: String,
        /// The binary.
        emulator: PathBuf,
    },
    /// The machine type is neither a machine nor an alias of the binary.
    #[error("the machine '{machine}' is not supported by emulator '{}'", .emulator.display())]
    MachineUnsupported {
        /// The machine as asked for.
        machine: String,
        /// The binary.
        emulator: PathBuf,
    },
    /// The caps passed belong to another binary than the request names (a caller bug).
    #[error("capabilities of '{}' given for emulator '{}'", .probed.display(), .requested.display())]
    EmulatorMismatch {
        /// The binary named in the request.
        requested: PathBuf,
        /// The binary the caps were probed from.
        probed: PathBuf,
    },
    /// No capability table exists for the binary's architecture (only x86 has one).
    #[error("domain capabilities of '{arch}' emulators are not implemented")]
    UnsupportedArch {
        /// The binary's architecture.
        arch: String,
    },
}

impl DomCapsError {
    /// The error a client gets, in the QEMU error domain: `VIR_ERR_INVALID_ARG` for what
    /// libvirt reports as invalid arguments, `VIR_ERR_CONFIG_UNSUPPORTED` for a missing
    /// emulator, `VIR_ERR_INTERNAL_ERROR` for a caps mix-up, `VIR_ERR_OPERATION_UNSUPPORTED`
    /// for an architecture without a table.
    pub fn to_vir(&self) -> VirError {
        let code = match self {
            DomCapsError::NoEmulator { .. } => ErrorNumber::ConfigUnsupported,
            DomCapsError::EmulatorMismatch { .. } => ErrorNumber::InternalError,
            DomCapsError::UnsupportedArch { .. } => ErrorNumber::OperationUnsupported,
            _ => ErrorNumber::InvalidArg,
        };
        VirError::new(code, ErrorDomain::Qemu, self.to_string())
    }
}

impl From<DomCapsError> for VirError {
    fn from(e: DomCapsError) -> VirError {
        e.to_vir()
    }
}

/// The host facts the domain capabilities need beyond [`QemuCaps`] and [`HostFacts`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomCapsEnv {
    /// The firmware descriptors in effect, in libvirt's order (by file name).
    pub firmwares: Vec<FirmwareDescriptor>,
    /// swtpm, when `swtpm`, `swtpm_setup` and `swtpm_ioctl` are all installed.
    pub swtpm: Option<SwtpmCaps>,
    /// Whether `/dev/vfio/vfio` exists (VFIO also needs [`HostFacts::iommu`]).
    pub dev_vfio: bool,
    /// `KVM_CAP_MAX_VCPUS`, when known; `<vcpu max>` is capped by it under KVM.
    pub kvm_max_vcpus: Option<u32>,
}

/// What the installed swtpm can emulate (`swtpm_setup --print-capabilities`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwtpmCaps {
    /// It offers TPM 1.2 (feature `tpm-1.2`).
    pub tpm_1_2: bool,
    /// It offers TPM 2.0 (feature `tpm-2.0`).
    pub tpm_2_0: bool,
}

/// One QEMU firmware descriptor (`docs/interop/firmware.json`), the parts libvirt uses
/// for the domain capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmwareDescriptor {
    /// The file it was read from.
    pub path: PathBuf,
    /// `interface-types` (`uefi`, `bios`, `openfirmware`, `uboot`).
    pub interfaces: Vec<String>,
    /// The firmware image: the flash executable or the memory image; `None` for the
    /// `kernel` device, which libvirt does not list as a loader.
    pub executable: Option<PathBuf>,
    /// The flash NVRAM template, if any.
    pub nvram_template: Option<PathBuf>,
    /// The architectures (libvirt's naming) and machine-type globs it serves.
    pub targets: Vec<FirmwareTarget>,
    /// `features` (`requires-smm`, `secure-boot`, `acpi-s3`, …).
    pub features: Vec<String>,
    /// Whether [`FirmwareDescriptor::executable`] exists; libvirt lists only existing
    /// images. [`FirmwareDescriptor::parse`] leaves it `false`,
    /// [`load_firmware_descriptors`] checks the file.
    pub executable_exists: bool,
}

/// One `targets` entry of a firmware descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmwareTarget {
    /// The architecture in libvirt's naming (`i686` for QEMU's `i386`).
    pub architecture: String,
    /// Machine-type globs (`pc-q35-*`).
    pub machines: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct DescriptorJson {
    #[serde(default)]
    interface_types: Vec<String>,
    mapping: MappingJson,
    #[serde(default)]
    targets: Vec<TargetJson>,
    #[serde(default)]
    features: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct MappingJson {
    device: String,
    #[serde(default)]
    executable: Option<FileJson>,
    #[serde(default)]
    nvram_template: Option<FileJson>,
    #[serde(default)]
    filename: Option<String>,
}

#[derive(Deserialize)]
struct FileJson {
    filename: String,
}

#[derive(Deserialize)]
struct TargetJson {
    architecture: String,
    #[serde(default)]
    machines: Vec<String>,
}

impl FirmwareDescriptor {
    /// Parses a descriptor's JSON; `None` when it is not one (libvirt would fail the
    /// whole call on such a file; here it is skipped). Targets of architectures libvirt
    /// does not know are dropped.
    pub fn parse(path: &Path, json: &str) -> Option<FirmwareDescriptor> {
        let d: DescriptorJson = serde_json::from_str(json).ok()?;
        let (executable, nvram_template) = match d.mapping.device.as_str() {
            "flash" => (
                d.mapping.executable.map(|f| PathBuf::from(f.filename)),
                d.mapping.nvram_template.map(|f| PathBuf::from(f.filename)),
            ),
            "memory" => (d.mapping.filename.map(PathBuf::from), None),
            "kernel" => (None, None),
            _ => return None,
        };
        let targets = d
            .targets
            .into_iter()
            .filter_map(|t| {
                Some(FirmwareTarget {
                    architecture: libvirt_arch(&t.architecture)?.to_owned(),
                    machines: t.machines,
                })
            })
            .collect();
        Some(FirmwareDescriptor {
            path: path.to_owned(),
            interfaces: d.interface_types,
            executable,
            nvram_template,
            targets,
            features: d.features,
            executable_exists: false,
        })
    }

    /// Whether it serves `machine` on `arch` (`qemuFirmwareMatchesMachineArch`).
    pub fn matches(&self, machine: &str, arch: &str) -> bool {
        self.targets
            .iter()
            .filter(|t| t.architecture == arch)
            .any(|t| t.machines.iter().any(|glob| glob_match(glob, machine)))
    }
}

/// The directories firmware descriptors are read from, lowest priority first: QEMU's
/// data directory, the system configuration and, for an unprivileged daemon, the user's
/// configuration (`$XDG_CONFIG_HOME`, else `~/.config`).
pub fn firmware_dirs(privileged: bool) -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/qemu/firmware"),
        PathBuf::from("/etc/qemu/firmware"),
    ];
    if !privileged {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
        if let Some(c) = config {
            dirs.push(c.join("qemu/firmware"));
        }
    }
    dirs
}

/// The descriptors in effect in `dirs` (lowest priority first), as libvirt merges them
/// (`qemuInteropFetchConfigs`): a file name in a later directory replaces the same name
/// in an earlier one, an empty file hides it, dot files and non-files are ignored, and
/// the result is ordered by file name. Unparsable descriptors are skipped.
pub fn load_firmware_descriptors(dirs: &[PathBuf]) -> Vec<FirmwareDescriptor> {
    let mut files: std::collections::BTreeMap<String, PathBuf> = Default::default();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if name.starts_with('.') || !path.is_file() {
                continue;
            }
            files.insert(name, path);
        }
    }
    files
        .into_values()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            if text.is_empty() {
                return None;
            }
            let mut fw = FirmwareDescriptor::parse(&path, &text)?;
            fw.executable_exists = fw.executable.as_deref().is_some_and(Path::exists);
            Some(fw)
        })
        .collect()
}

impl DomCapsEnv {
    /// Reads this host's environment: the firmware descriptors for a `privileged`
    /// (system) or unprivileged (session) daemon, swtpm (running `swtpm_setup
    /// --print-capabilities` when it is installed) and `/dev/vfio/vfio`.
    /// [`DomCapsEnv::kvm_max_vcpus`] stays unknown.
    pub fn probe(privileged: bool) -> DomCapsEnv {
        DomCapsEnv {
            firmwares: load_firmware_descriptors(&firmware_dirs(privileged)),
            swtpm: probe_swtpm(),
            dev_vfio: Path::new("/dev/vfio/vfio").exists(),
            kvm_max_vcpus: None,
        }
    }
}

/// swtpm as libvirt finds it (`virTPMEmulatorInit`, `virTPMSwtpmSetupCapsGet`).
fn probe_swtpm() -> Option<SwtpmCaps> {
    find_in_path("swtpm")?;
    let setup = find_in_path("swtpm_setup")?;
    find_in_path("swtpm_ioctl")?;
    let out = std::process::Command::new(setup)
        .arg("--print-capabilities")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    Some(swtpm_caps_from_json(&String::from_utf8_lossy(&out.stdout)))
}

/// The TPM versions in `swtpm_setup --print-capabilities` output (none when it cannot
/// say, as older swtpm releases).
fn swtpm_caps_from_json(text: &str) -> SwtpmCaps {
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_default();
    let has = |f: &str| {
        v["features"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(f)))
    };
    SwtpmCaps {
        tpm_1_2: has("tpm-1.2"),
        tpm_2_0: has("tpm-2.0"),
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// GLib's `g_pattern_match_simple`: `*` matches any run of characters, `?` any one.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A request resolved against a binary, as libvirt resolves it before filling the caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRequest {
    /// The guest architecture printed in `<arch>` (the request's, else the host's).
    pub arch: String,
    /// The virt type printed in `<domain>`.
    pub virttype: &'static str,
    /// The canonical machine type printed in `<machine>`; `None` only for a binary
    /// without machines.
    pub machine: Option<String>,
}

impl ResolvedRequest {
    /// Whether the KVM view of the caps applies (libvirt keeps KVM and TCG data apart).
    fn kvm_view(&self) -> bool {
        self.virttype == "kvm"
    }

    /// libvirt treats every virt type but `qemu` as accelerated.
    fn accelerated(&self) -> bool {
        self.virttype != "qemu"
    }
}

/// libvirt's name for the host architecture from `uname -m` (`virArchFromHost`).
fn host_arch(uname: &str) -> &str {
    match uname {
        "i386" | "i486" | "i586" | "i686" => "i686",
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        other => other,
    }
}

fn family(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "i686" | "x86_64" => "x86",
        "ppc" | "ppcle" | "ppc64" | "ppc64le" | "ppcemb" => "ppc",
        "armv6l" | "armv7l" | "armv7b" | "aarch64" => "arm",
        "s390" | "s390x" => "s390",
        _ => return None,
    })
}

fn is_x86(arch: &str) -> bool {
    matches!(arch, "i686" | "x86_64")
}

/// Whether a guest of `guest` runs natively on `host` (`virQEMUCapsGuestIsNative`).
fn guest_is_native(host: &str, guest: &str) -> bool {
    host == guest
        || (host == "x86_64" && guest == "i686")
        || (host == "aarch64" && guest == "armv7l")
        || (matches!(host, "ppc64" | "ppc64le") && matches!(guest, "ppc64" | "ppc64le"))
}

/// The QEMU binary names libvirt looks for in `$PATH`, in order, when no emulator is
/// given (`virQEMUCapsGetDefaultEmulator`, without RHEL's `/usr/libexec/qemu-kvm`).
pub fn default_emulator_names(host_arch_name: &str, arch: &str) -> Vec<String> {
    let host = host_arch(host_arch_name);
    let qemu_name = |a: &str| -> String {
        match a {
            "i686" => "i386",
            "armv7l" | "armv6l" | "armv7b" => "arm",
            "or32" => "or1k",
            "parisc" => "hppa",
            other => other,
        }
        .to_owned()
    };
    let mut names = Vec::new();
    if host == "aarch64" && arch == "armv7l" {
        names.push(format!("qemu-system-{}", qemu_name(host)));
    }
    names.push(format!("qemu-system-{}", qemu_name(arch)));
    let mut target = if guest_is_native(host, arch) {
        host
    } else {
        arch
    };
    if matches!(target, "ppc64" | "ppc64le") {
        target = "ppc64";
    }
    let t = format!("qemu-system-{}", qemu_name(target));
    if !names.contains(&t) {
        names.push(t);
    }
    names
}

/// The machine `name` stands for, alias first as in `virQEMUCapsGetCanonicalMachine`.
fn canonical<'a>(caps: &'a QemuCaps, name: &str) -> Option<&'a MachineInfo> {
    caps.machines
        .iter()
        .find(|m| m.alias.as_deref() == Some(name))
        .or_else(|| caps.machines.iter().find(|m| m.name == name))
}

/// Resolves `req` against `caps` the way `virQEMUCapsCacheLookupDefault` does;
/// `host_arch_name` is the host's architecture (`uname -m`; the binary's when empty).
pub fn resolve_request(
    caps: &QemuCaps,
    req: &DomCapsRequest,
    host_arch_name: &str,
) -> Result<ResolvedRequest, DomCapsError> {
    let mut virttype = None;
    if let Some(v) = req.virttype.as_deref() {
        let Some(known) = VIRT_TYPES.iter().find(|t| **t == v) else {
            return Err(DomCapsError::UnknownVirtType(v.to_owned()));
        };
        if *known != "none" {
            virttype = Some(*known);
        }
    }
    let arch = match req.arch.as_deref() {
        Some(a) if arch_wordsize(a).is_some() => a.to_owned(),
        Some(a) => return Err(DomCapsError::UnknownArch(a.to_owned())),
        None if host_arch_name.is_empty() => caps.arch.clone(),
        None => host_arch(host_arch_name).to_owned(),
    };
    if let Some(e) = &req.emulator
        && *e != caps.emulator
    {
        return Err(DomCapsError::EmulatorMismatch {
            requested: e.clone(),
            probed: caps.emulator.clone(),
        });
    }
    if caps.arch != arch && (family(&arch).is_none() || family(&arch) != family(&caps.arch)) {
        return Err(DomCapsError::ArchMismatch {
            emulator_arch: caps.arch.clone(),
            arch,
        });
    }
    let caps_type = if caps.kvm { "kvm" } else { "qemu" };
    let virttype = virttype.unwrap_or(caps_type);
    if virttype != "qemu" && !caps.kvm {
        let accel = match virttype {
            "kvm" | "hvf" => virttype,
            _ => "tcg",
        };
        return Err(DomCapsError::AccelUnsupported {
            accel: accel.to_owned(),
            emulator: caps.emulator.clone(),
        });
    }
    let machine = match req.machine.as_deref() {
        Some(name) => match canonical(caps, name) {
            Some(m) => Some(m.name.clone()),
            None => {
                return Err(DomCapsError::MachineUnsupported {
                    machine: name.to_owned(),
                    emulator: caps.emulator.clone(),
                });
            }
        },
        // virQEMUCapsGetPreferredMachine: the first machine, which is QEMU's default.
        None => caps.machines.first().map(|m| m.name.clone()),
    };
    Ok(ResolvedRequest {
        arch,
        virttype,
        machine,
    })
}

/// The `virsh domcapabilities` XML for `req`, with this host's environment read now
/// ([`DomCapsEnv::probe`], privileged when running as root). See the module docs.
pub fn domain_capabilities_xml(
    caps: &QemuCaps,
    req: &DomCapsRequest,
    host: &HostFacts,
) -> Result<String, DomCapsError> {
    let env = DomCapsEnv::probe(nix::unistd::geteuid().is_root());
    domain_capabilities_xml_with(caps, req, host, &env)
}

/// [`domain_capabilities_xml`] with a given environment.
pub fn domain_capabilities_xml_with(
    caps: &QemuCaps,
    req: &DomCapsRequest,
    host: &HostFacts,
    env: &DomCapsEnv,
) -> Result<String, DomCapsError> {
    let r = resolve_request(caps, req, &host.arch)?;
    if !is_x86(&caps.arch) {
        return Err(DomCapsError::UnsupportedArch {
            arch: caps.arch.clone(),
        });
    }
    let flags = QemuFlags::x86(caps.version);
    let host_arch_name = if host.arch.is_empty() {
        caps.arch.as_str()
    } else {
        host_arch(&host.arch)
    };

    let mut w = XmlWriter::with_capacity(8 * 1024);
    w.start("domainCapabilities");
    w.text_element("path", &caps.emulator.to_string_lossy());
    w.text_element("domain", r.virttype);
    w.text_element_opt("machine", r.machine.as_deref());
    w.text_element("arch", &r.arch);
    let mut max_vcpus = r
        .machine
        .as_deref()
        .and_then(|m| caps.machines.iter().find(|x| x.name == m))
        .map_or(0, |m| m.max_cpus);
    if r.kvm_view()
        && let Some(kvm_max) = env.kvm_max_vcpus
    {
        max_vcpus = max_vcpus.min(kvm_max);
    }
    if max_vcpus > 0 {
        w.start("vcpu").attr_display("max", max_vcpus).end();
    }
    supported(&mut w, "iothreads", true).end();

    write_os(&mut w, &r, env);
    write_cpu(&mut w, caps, &r, host, host_arch_name, &flags);

    supported(&mut w, "memoryBacking", true);
    let mut sources = vec!["file", "anonymous"];
    if flags.memfd {
        sources.push("memfd");
    }
    enum_values(&mut w, "sourceType", &sources);
    w.end();

    w.start("devices");
    write_devices(&mut w, &r, host, env, &flags);
    w.end();

    w.start("features");
    // GIC versions exist only for ARM `virt` machines.
    supported(&mut w, "gic", false).end();
    supported(&mut w, "vmcoreinfo", flags.vmcoreinfo).end();
    supported(&mut w, "genid", flags.vmgenid).end();
    supported(&mut w, "backingStoreInput", true).end();
    supported(&mut w, "backup", flags.incremental_backup).end();
    supported(&mut w, "sev", false).end();
    supported(&mut w, "sgx", false).end();
    if caps.kvm {
        supported(&mut w, "hyperv", true);
        enum_values(&mut w, "features", &["spinlocks", "vendor_id"]);
        w.end();
    }
    w.end();

    w.end();
    Ok(w.finish())
}

/// Opens `<name supported='yes|no'`; the caller adds children and ends it.
fn supported<'w>(w: &'w mut XmlWriter, name: &str, yes: bool) -> &'w mut XmlWriter {
    w.start(name)
        .attr("supported", if yes { "yes" } else { "no" })
}

/// `<enum name='…'>` with one `<value>` per entry (`<enum name='…'/>` when empty).
fn enum_values(w: &mut XmlWriter, name: &str, values: &[&str]) {
    w.start("enum").attr("name", name);
    for v in values {
        w.text_element("value", v);
    }
    w.end();
}

fn write_os(w: &mut XmlWriter, r: &ResolvedRequest, env: &DomCapsEnv) {
    let machine = r.machine.as_deref().unwrap_or_default();
    let matching: Vec<&FirmwareDescriptor> = env
        .firmwares
        .iter()
        .filter(|fw| fw.matches(machine, &r.arch))
        .collect();
    let has_interface = |i: &str| {
        matching
            .iter()
            .any(|fw| fw.interfaces.iter().any(|x| x == i))
    };
    let secure = matching
        .iter()
        .any(|fw| fw.features.iter().any(|f| f == "requires-smm"));

    supported(w, "os", true);
    let mut firmware = Vec::new();
    if has_interface("bios") {
        firmware.push("bios");
    }
    if has_interface("uefi") {
        firmware.push("efi");
    }
    enum_values(w, "firmware", &firmware);

    supported(w, "loader", true);
    // qemuFirmwareGetSupported keeps unique (image, template) pairs; the loader list then
    // keeps each existing image once. Without any descriptor libvirt falls back to
    // qemu.conf's `nvram` list, empty by default.
    let mut loaders: Vec<&Path> = Vec::new();
    for fw in &matching {
        if let Some(exe) = fw.executable.as_deref()
            && fw.executable_exists
            && !loaders.contains(&exe)
        {
            loaders.push(exe);
        }
    }
    for l in loaders {
        w.text_element("value", &l.to_string_lossy());
    }
    enum_values(w, "type", &["rom", "pflash"]);
    enum_values(w, "readonly", &["yes", "no"]);
    if secure {
        enum_values(w, "secure", &["yes", "no"]);
    } else {
        enum_values(w, "secure", &["no"]);
    }
    w.end();
    w.end();
}

fn write_cpu(
    w: &mut XmlWriter,
    caps: &QemuCaps,
    r: &ResolvedRequest,
    host: &HostFacts,
    host_arch_name: &str,
    flags: &QemuFlags,
) {
    w.start("cpu");

    let passthrough = r.accelerated() && guest_is_native(host_arch_name, &caps.arch);
    w.start("mode")
        .attr("name", "host-passthrough")
        .attr("supported", if passthrough { "yes" } else { "no" });
    if passthrough {
        let mut values = Vec::new();
        if flags.cpu_migratable {
            values.push("on");
        }
        values.push("off");
        enum_values(w, "hostPassthroughMigratable", &values);
    }
    w.end();

    w.start("mode")
        .attr("name", "maximum")
        .attr("supported", if flags.cpu_max { "yes" } else { "no" });
    if flags.cpu_max {
        enum_values(w, "maximumMigratable", &["on", "off"]);
    }
    w.end();

    w.start("mode").attr("name", "host-model");
    match host.cpu.model.as_deref().filter(|_| r.kvm_view()) {
        Some(model) => {
            w.attr("supported", "yes");
            w.start("model")
                .attr("fallback", "forbid")
                .text(model)
                .end();
            w.text_element_opt("vendor", host.cpu.vendor.as_deref());
        }
        None => {
            w.attr("supported", "no");
        }
    }
    w.end();

    w.start("mode").attr("name", "custom");
    let models: Vec<_> = caps
        .cpu_models
        .iter()
        .filter_map(|m| Some((m, x86_model_vendor(&m.name)?)))
        .collect();
    w.attr("supported", if models.is_empty() { "no" } else { "yes" });
    // The caps hold the KVM view when KVM works; the TCG view of such a binary is unknown.
    let known = r.kvm_view() || !caps.kvm;
    for (m, vendor) in models {
        let usable = match (known, m.usable) {
            (false, _) => "unknown",
            (true, true) => "yes",
            (true, false) => "no",
        };
        w.start("model").attr("usable", usable);
        if m.deprecated {
            w.attr("deprecated", "yes");
        }
        w.attr("vendor", vendor.unwrap_or("unknown"));
        w.text(&m.name).end();
    }
    w.end();

    w.end();
}

fn write_devices(
    w: &mut XmlWriter,
    r: &ResolvedRequest,
    host: &HostFacts,
    env: &DomCapsEnv,
    flags: &QemuFlags,
) {
    let machine = r.machine.as_deref().unwrap_or_default();
    let virtio_models: &[&str] = if flags.virtio_transitional {
        &["virtio", "virtio-transitional", "virtio-non-transitional"]
    } else {
        &["virtio"]
    };

    supported(w, "disk", true);
    enum_values(w, "diskDevice", &["disk", "cdrom", "floppy", "lun"]);
    let mut bus = Vec::new();
    if has_builtin_ide(machine, &r.arch) {
        bus.push("ide");
    }
    bus.extend(["fdc", "scsi", "virtio"]);
    if flags.usb_storage {
        bus.push("usb");
    }
    if flags.ich9_ahci {
        bus.push("sata");
    }
    enum_values(w, "bus", &bus);
    enum_values(w, "model", virtio_models);
    w.end();

    supported(w, "graphics", true);
    let mut graphics = vec!["sdl", "vnc", "spice", "egl-headless"];
    if flags.display_dbus {
        graphics.push("dbus");
    }
    enum_values(w, "type", &graphics);
    w.end();

    supported(w, "video", true);
    enum_values(
        w,
        "modelType",
        &[
            "vga", "cirrus", "vmvga", "qxl", "virtio", "none", "bochs", "ramfb",
        ],
    );
    w.end();

    supported(w, "hostdev", true);
    enum_values(w, "mode", &["subsystem"]);
    enum_values(
        w,
        "startupPolicy",
        &["default", "mandatory", "requisite", "optional"],
    );
    enum_values(w, "subsysType", &["usb", "pci", "scsi"]);
    enum_values(w, "capsType", &[]);
    // qemuHostdevHostSupportsPassthroughVFIO: an IOMMU and /dev/vfio/vfio.
    if host.iommu && env.dev_vfio {
        enum_values(w, "pciBackend", &["default", "vfio"]);
    } else {
        enum_values(w, "pciBackend", &[]);
    }
    w.end();

    supported(w, "rng", true);
    enum_values(w, "model", virtio_models);
    enum_values(w, "backendModel", &["random", "egd", "builtin"]);
    w.end();

    supported(w, "filesystem", true);
    enum_values(w, "driverType", &["path", "handle", "virtiofs"]);
    w.end();

    supported(w, "tpm", true);
    enum_values(w, "model", &["tpm-tis", "tpm-crb"]);
    match env.swtpm {
        Some(swtpm) => {
            enum_values(w, "backendModel", &["passthrough", "emulator", "external"]);
            let mut versions = Vec::new();
            if swtpm.tpm_1_2 {
                versions.push("1.2");
            }
            if swtpm.tpm_2_0 {
                versions.push("2.0");
            }
            if !versions.is_empty() {
                enum_values(w, "backendVersion", &versions);
            }
        }
        None => enum_values(w, "backendModel", &["passthrough"]),
    }
    w.end();

    supported(w, "redirdev", true);
    enum_values(w, "bus", &["usb"]);
    w.end();

    supported(w, "channel", true);
    enum_values(w, "type", &["pty", "unix", "spicevmc"]);
    w.end();
}

/// Whether the machine has an IDE controller built in (`qemuDomainMachineHasBuiltinIDE`
/// for x86: the i440FX machines).
fn has_builtin_ide(machine: &str, arch: &str) -> bool {
    is_x86(arch)
        && (machine == "pc"
            || ["pc-0.", "pc-1.", "pc-i440fx-", "rhel"]
                .iter()
                .any(|p| machine.starts_with(p)))
}

/// The QEMU capability flags the domain capabilities use, from a static table for x86
/// QEMU (SPEC §3.3) instead of libvirt's schema and QOM probing.
#[derive(Debug, Clone, Copy)]
struct QemuFlags {
    /// `memory-backend-memfd`.
    memfd: bool,
    /// `usb-storage`.
    usb_storage: bool,
    /// `ich9-ahci`.
    ich9_ahci: bool,
    /// `virtio-*-pci-transitional` devices.
    virtio_transitional: bool,
    /// `-display dbus` (QEMU 7.0).
    display_dbus: bool,
    /// `vmcoreinfo`.
    vmcoreinfo: bool,
    /// `vmgenid`.
    vmgenid: bool,
    /// `blockdev-reopen` and `block-bitmap-mapping`, libvirt's condition for backup (6.1).
    incremental_backup: bool,
    /// The CPU's `migratable` property.
    cpu_migratable: bool,
    /// The `max` CPU model.
    cpu_max: bool,
}

impl QemuFlags {
    /// x86 QEMU of `version`: everything libvirt 9.0 probes for was there by 4.2, its
    /// minimum, except what the thresholds below name.
    fn x86(version: (u32, u32, u32)) -> QemuFlags {
        let at_least = |major: u32, minor: u32| (version.0, version.1) >= (major, minor);
        QemuFlags {
            memfd: true,
            usb_storage: true,
            ich9_ahci: true,
            virtio_transitional: true,
            display_dbus: at_least(7, 0),
            vmcoreinfo: true,
            vmgenid: true,
            incremental_backup: at_least(6, 1),
            cpu_migratable: true,
            cpu_max: true,
        }
    }
}

/// libvirt 9.0's x86 CPU map (`src/cpu_map/index.xml`): every model it knows, with the
/// vendor of its definition (`None`: no vendor, printed as `unknown`). `SapphireRapids`
/// and `EPYC-Genoa` come from later maps; QEMU 7.2 offers neither, so they change nothing
/// for it.
const X86_CPU_MAP: &[(&str, Option<&str>)] = &[
    ("486", None),
    ("pentium", None),
    ("pentium2", None),
    ("pentium3", None),
    ("pentiumpro", None),
    ("coreduo", Some("Intel")),
    ("n270", Some("Intel")),
    ("core2duo", Some("Intel")),
    ("qemu32", None),
    ("kvm32", None),
    ("cpu64-rhel5", None),
    ("cpu64-rhel6", None),
    ("qemu64", None),
    ("kvm64", None),
    ("Conroe", Some("Intel")),
    ("Penryn", Some("Intel")),
    ("Nehalem", Some("Intel")),
    ("Nehalem-IBRS", Some("Intel")),
    ("Westmere", Some("Intel")),
    ("Westmere-IBRS", Some("Intel")),
    ("SandyBridge", Some("Intel")),
    ("SandyBridge-IBRS", Some("Intel")),
    ("IvyBridge", Some("Intel")),
    ("IvyBridge-IBRS", Some("Intel")),
    ("Haswell-noTSX", Some("Intel")),
    ("Haswell-noTSX-IBRS", Some("Intel")),
    ("Haswell", Some("Intel")),
    ("Haswell-IBRS", Some("Intel")),
    ("Broadwell-noTSX", Some("Intel")),
    ("Broadwell-noTSX-IBRS", Some("Intel")),
    ("Broadwell", Some("Intel")),
    ("Broadwell-IBRS", Some("Intel")),
    ("Skylake-Client", Some("Intel")),
    ("Skylake-Client-IBRS", Some("Intel")),
    ("Skylake-Client-noTSX-IBRS", Some("Intel")),
    ("Skylake-Server", Some("Intel")),
    ("Skylake-Server-IBRS", Some("Intel")),
    ("Skylake-Server-noTSX-IBRS", Some("Intel")),
    ("Cascadelake-Server", Some("Intel")),
    ("Cascadelake-Server-noTSX", Some("Intel")),
    ("Icelake-Client", Some("Intel")),
    ("Icelake-Client-noTSX", Some("Intel")),
    ("Icelake-Server", Some("Intel")),
    ("Icelake-Server-noTSX", Some("Intel")),
    ("Cooperlake", Some("Intel")),
    ("Snowridge", Some("Intel")),
    ("SapphireRapids", Some("Intel")),
    ("athlon", Some("AMD")),
    ("phenom", Some("AMD")),
    ("Opteron_G1", Some("AMD")),
    ("Opteron_G2", Some("AMD")),
    ("Opteron_G3", Some("AMD")),
    ("Opteron_G4", Some("AMD")),
    ("Opteron_G5", Some("AMD")),
    ("EPYC", Some("AMD")),
    ("EPYC-IBPB", Some("AMD")),
    ("EPYC-Rome", Some("AMD")),
    ("EPYC-Milan", Some("AMD")),
    ("EPYC-Genoa", Some("AMD")),
    ("Dhyana", Some("Hygon")),
];

/// `Some(vendor)` when libvirt's x86 CPU map has the model (`None` if it is not there).
fn x86_model_vendor(name: &str) -> Option<Option<&'static str>> {
    X86_CPU_MAP
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_glob_match_star_and_question_mark_match_like_glib() {
        assert!(glob_match("pc-q35-*", "pc-q35-7.2"));
        assert!(glob_match("pc-i440fx-*", "pc-i440fx-7.2"));
        assert!(!glob_match("pc-q35-*", "pc-i440fx-7.2"));
        assert!(glob_match("pc-?35-*", "pc-q35-"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn test_swtpm_caps_from_json_features_give_versions() {
        let caps = swtpm_caps_from_json(
            r#"{ "type": "swtpm_setup", "features": [ "tpm-1.2", "tpm-2.0", "cmdarg-keyfile-fd" ], "version": "0.7.1" }"#,
        );
        assert_eq!(
            caps,
            SwtpmCaps {
                tpm_1_2: true,
                tpm_2_0: true
            }
        );
        assert_eq!(swtpm_caps_from_json("garbage"), SwtpmCaps::default());
    }

    #[test]
    fn test_default_emulator_names_i686_on_x86_64_tries_i386_then_x86_64() {
        assert_eq!(
            default_emulator_names("x86_64", "i686"),
            ["qemu-system-i386", "qemu-system-x86_64"]
        );
        assert_eq!(
            default_emulator_names("x86_64", "x86_64"),
            ["qemu-system-x86_64"]
        );
        assert_eq!(
            default_emulator_names("aarch64", "armv7l"),
            ["qemu-system-aarch64", "qemu-system-arm"]
        );
    }

    #[test]
    fn test_has_builtin_ide_only_i440fx_machines_yes() {
        assert!(has_builtin_ide("pc-i440fx-7.2", "x86_64"));
        assert!(has_builtin_ide("pc", "i686"));
        assert!(!has_builtin_ide("pc-q35-7.2", "x86_64"));
        assert!(!has_builtin_ide("isapc", "x86_64"));
    }
}
