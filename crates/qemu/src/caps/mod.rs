//! What a QEMU binary can do: its version, target architecture, whether KVM works, its
//! machine types and CPU models, probed once and cached on disk (libvirt's `virQEMUCaps`).
//!
//! Flow of a lookup ([`CapsCache::get`]):
//!
//! 1. **lookup**: the binary is `stat`ed and its [`BinaryIdentity`] taken (ctime, mtime,
//!    size, inode, whether `/dev/kvm` is usable now, kernel release, CPU microcode and our
//!    cache format). A missing binary fails here with libvirt's `Cannot check QEMU binary`.
//! 2. **memory**: caps already probed by this cache whose identity still matches are
//!    returned as they are. Callers asking for the same binary at once queue behind one
//!    per-binary lock, so only the first of them probes.
//! 3. **file**: `<dir>/<sha256 of the binary's path>.json` (libvirt names its XML cache
//!    files the same way) is used when its identity equals the fresh one; anything else
//!    (another identity, another format, a damaged file) is ignored and overwritten.
//! 4. **probe** ([`probe`]): one paused QEMU process per binary (`-machine none`), its
//!    monitor on a socketpair whose far end QEMU inherits as a descriptor, five queries
//!    written back to back, then `quit`, and the process is reaped. The whole probe is
//!    bounded; on timeout the process is killed and reaped. libvirt runs two processes
//!    (KVM, then TCG), 56 commands and two 200 ms kill polls for the same binary (≈690 ms
//!    on the reference host); the facts a driver needs come from five queries (SPEC §3.3).
//! 5. **parse** ([`QemuCaps::from_replies`]): the replies become [`QemuCaps`] as libvirt
//!    reads them (the `none` machine dropped, the default machine moved first), and the
//!    result is written atomically (mode 0600) before it is handed out.
//!
//! Host facts for `virsh capabilities` ([`host_facts`]) come from `/proc` and `/sys` only,
//! and [`capabilities_xml`] formats them with the guests of every probed binary
//! ([`find_emulators`] lists the binaries).
//!
//! Deliberately not probed (see SPEC §3.3): the QMP schema, QOM types and device
//! properties, the host-model CPU expansion and the TCG view of the CPU models. A driver
//! that needs them adds a query here; the cache format version then changes.

mod cache;
/// `virsh domcapabilities`: what a domain of one binary, machine and virt type can use.
pub mod domcaps;
mod host;
mod parse;
mod probe;
mod sys;
mod xml;

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use serde::{Deserialize, Serialize};

pub use cache::{BinaryIdentity, CACHE_FORMAT, CapsCache, CapsSource, cache_file_name};
pub use host::{
    CacheBank, CellCpu, CpuLocation, CpuTopology, HostCpu, HostFacts, NumaCell, host_facts,
};
pub use parse::ProbeReplies;
pub use probe::{PROBE_TIMEOUT, find_emulators, probe, probe_with_timeout};
pub use xml::capabilities_xml;

/// One machine type of a binary (an entry of `query-machines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineInfo {
    /// The versioned name (`pc-i440fx-7.2`).
    pub name: String,
    /// The short name that stands for it (`pc`), if any.
    pub alias: Option<String>,
    /// Whether QEMU uses it when no `-machine` is given.
    pub is_default: bool,
    /// The most vCPUs it takes (`cpu-max`).
    pub max_cpus: u32,
    /// The QOM type of its default CPU (`qemu64-x86_64-cpu`), if it has one.
    pub default_cpu_type: Option<String>,
    /// The id of its RAM backend (`pc.ram`), for `-machine memory-backend=`.
    pub default_ram_id: Option<String>,
    /// Whether QEMU marks it deprecated.
    pub deprecated: bool,
    /// Whether vCPUs can be hot-plugged on it.
    pub hotpluggable_cpus: bool,
}

impl MachineInfo {
    /// The CPU model name of [`MachineInfo::default_cpu_type`] (`qemu64` for
    /// `qemu64-x86_64-cpu`): what libvirt writes into `<cpu><model>` at define.
    pub fn default_cpu_model(&self) -> Option<&str> {
        // QOM CPU types are `<model>-<qemu arch>-cpu`, and no QEMU arch name has a dash.
        let base = self.default_cpu_type.as_deref()?.strip_suffix("-cpu")?;
        base.rsplit_once('-').map(|(model, _arch)| model)
    }
}

/// One CPU model of a binary (an entry of `query-cpu-definitions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuModel {
    /// Its name (`Skylake-Client`, `qemu64`, `EPYC-v2`).
    pub name: String,
    /// Whether the accelerator can run it: QEMU listed no unavailable feature (a QEMU that
    /// does not say counts as usable).
    pub usable: bool,
    /// Whether QEMU marks it deprecated.
    pub deprecated: bool,
}

/// What one QEMU binary can do, as probed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QemuCaps {
    /// The binary's path, as asked for.
    pub emulator: PathBuf,
    /// QEMU's version: (major, minor, micro), e.g. (7, 2, 22).
    pub version: (u32, u32, u32),
    /// The distribution's package string (`Debian 1:7.2+dfsg-7+deb12u18+b3`), trimmed.
    pub package: String,
    /// The guest architecture in libvirt's naming (`x86_64`; `i686` for
    /// `qemu-system-i386`, whose `query-target` says `i386`).
    pub arch: String,
    /// Whether KVM is present and QEMU enabled it (`query-kvm`).
    pub kvm: bool,
    /// Machine types, the default first, then in QEMU's order; `none` is left out.
    pub machines: Vec<MachineInfo>,
    /// CPU models as the accelerator in use sees them: KVM's when [`QemuCaps::kvm`],
    /// else TCG's.
    pub cpu_models: Vec<CpuModel>,
    /// What the binary and host looked like when probed; the cache is valid while this
    /// still matches.
    pub identity: BinaryIdentity,
}

impl QemuCaps {
    /// The version as one number, `major * 1_000_000 + minor * 1_000 + micro` (7002022):
    /// what `virConnectGetVersion` returns.
    pub fn version_number(&self) -> u64 {
        let (major, minor, micro) = self.version;
        u64::from(major) * 1_000_000 + u64::from(minor) * 1_000 + u64::from(micro)
    }

    /// The machine `name` stands for, by canonical name or by alias (`pc` gives
    /// `pc-i440fx-7.2`).
    pub fn canonical_machine(&self, name: &str) -> Option<&MachineInfo> {
        // A canonical name wins over an alias of the same spelling, as in QEMU's lookup.
        self.machines.iter().find(|m| m.name == name).or_else(|| {
            self.machines
                .iter()
                .find(|m| m.alias.as_deref() == Some(name))
        })
    }

    /// The machine QEMU uses when none is given (`pc-i440fx-7.2` on x86).
    pub fn default_machine(&self) -> Option<&MachineInfo> {
        self.machines.iter().find(|m| m.is_default)
    }

    /// The CPU model called `name`, if the binary has one.
    pub fn cpu_model(&self, name: &str) -> Option<&CpuModel> {
        self.cpu_models.iter().find(|c| c.name == name)
    }
}

/// Why caps could not be had for a binary.
///
/// Every probe failure reads like libvirt's `Failed to probe capabilities for BINARY: …`
/// and maps to `VIR_ERR_INTERNAL_ERROR`; the binary checks keep libvirt 9.0's system
/// errors. [`CapsError::to_vir`] gives what a client sees.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CapsError {
    /// The binary cannot be `stat`ed (most often: it does not exist).
    #[error("Cannot check QEMU binary {}: {}", .path.display(), .errno.desc())]
    Stat {
        /// The binary.
        path: PathBuf,
        /// Why `stat` failed.
        errno: Errno,
    },
    /// The binary exists but we may not run it.
    #[error("QEMU binary {} is not executable: {}", .path.display(), .errno.desc())]
    NotExecutable {
        /// The binary.
        path: PathBuf,
        /// Why `access(X_OK)` failed.
        errno: Errno,
    },
    /// The monitor socketpair could not be made.
    #[error("Failed to probe capabilities for {}: cannot create monitor socket: {}", .path.display(), .errno.desc())]
    Socket {
        /// The binary.
        path: PathBuf,
        /// Why `socketpair` failed.
        errno: Errno,
    },
    /// The process could not be started.
    #[error("Failed to probe capabilities for {}: cannot execute: {source}", .path.display())]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// Why `fork`/`exec` failed.
        #[source]
        source: std::io::Error,
    },
    /// QEMU exited before answering (bad arguments, missing libraries, not QEMU at all).
    /// `detail` is its standard error, or its exit status when it printed nothing.
    #[error("Failed to probe capabilities for {}: {detail}", .path.display())]
    Exited {
        /// The binary.
        path: PathBuf,
        /// QEMU's standard error, trimmed, or how it ended.
        detail: String,
    },
    /// The monitor conversation failed.
    #[error("Failed to probe capabilities for {}: {source}", .path.display())]
    Monitor {
        /// The binary.
        path: PathBuf,
        /// What the QMP client said.
        #[source]
        source: oxvirt_qmp::QmpError,
    },
    /// The probe took longer than allowed; the process was killed.
    #[error("Failed to probe capabilities for {}: no answer within {} ms", .path.display(), .after.as_millis())]
    Timeout {
        /// The binary.
        path: PathBuf,
        /// The limit.
        after: Duration,
    },
    /// A reply lacks what the probe needs or has the wrong shape.
    #[error("Failed to probe capabilities for {}: {what}", .path.display())]
    Reply {
        /// The binary.
        path: PathBuf,
        /// What is wrong with which reply.
        what: String,
    },
}

impl CapsError {
    /// The binary the error is about.
    pub fn emulator(&self) -> &Path {
        match self {
            CapsError::Stat { path, .. }
            | CapsError::NotExecutable { path, .. }
            | CapsError::Socket { path, .. }
            | CapsError::Spawn { path, .. }
            | CapsError::Exited { path, .. }
            | CapsError::Monitor { path, .. }
            | CapsError::Timeout { path, .. }
            | CapsError::Reply { path, .. } => path,
        }
    }

    /// The error a client gets, in the QEMU error domain: libvirt 9.0 reports the binary
    /// checks of `virQEMUCapsNewForBinaryInternal` as system errors
    /// (`Cannot check QEMU binary /x: No such file or directory`) and a failed probe as
    /// `internal error: Failed to probe capabilities for /x: …`.
    pub fn to_vir(&self) -> VirError {
        let code = match self {
            CapsError::Stat { .. } | CapsError::NotExecutable { .. } => ErrorNumber::SystemError,
            _ => ErrorNumber::InternalError,
        };
        VirError::new(code, ErrorDomain::Qemu, self.to_string())
    }
}

impl From<CapsError> for VirError {
    fn from(e: CapsError) -> VirError {
        e.to_vir()
    }
}

impl From<&CapsError> for VirError {
    fn from(e: &CapsError) -> VirError {
        e.to_vir()
    }
}
