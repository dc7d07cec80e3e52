//! Turning the five QMP replies of a probe into [`QemuCaps`], the way libvirt 9.0 reads
//! them (`qemuMonitorJSONGetMachines`, `virQEMUCapsProbeQMPMachineTypes`,
//! `qemuMonitorJSONGetCPUDefinitions`). Pure: the tests feed it captured replies.

use std::path::PathBuf;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{BinaryIdentity, CapsError, CpuModel, MachineInfo, QemuCaps};

/// The `return` values of the probe's queries, as QEMU sent them.
#[derive(Debug, Clone, Default)]
pub struct ProbeReplies {
    /// `query-version`.
    pub version: Value,
    /// `query-target`.
    pub target: Value,
    /// `query-kvm`.
    pub kvm: Value,
    /// `query-machines`.
    pub machines: Value,
    /// `query-cpu-definitions`.
    pub cpu_definitions: Value,
}

#[derive(Deserialize)]
struct VersionReply {
    qemu: VersionTriple,
    #[serde(default)]
    package: String,
}

#[derive(Deserialize)]
struct VersionTriple {
    major: u32,
    minor: u32,
    micro: u32,
}

#[derive(Deserialize)]
struct TargetReply {
    arch: String,
}

#[derive(Deserialize)]
struct KvmReply {
    enabled: bool,
    present: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct MachineReply {
    name: String,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    is_default: bool,
    #[serde(default)]
    cpu_max: u32,
    #[serde(default)]
    hotpluggable_cpus: bool,
    #[serde(default)]
    default_cpu_type: Option<String>,
    #[serde(default)]
    default_ram_id: Option<String>,
    #[serde(default)]
    deprecated: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct CpuDefinitionReply {
    name: String,
    #[serde(default)]
    unavailable_features: Option<Vec<String>>,
    #[serde(default)]
    deprecated: bool,
}

impl QemuCaps {
    /// Builds caps from a probe's replies; `identity` is what the binary looked like
    /// before the probe started.
    ///
    /// As libvirt does: the `none` machine (what the probe itself ran) is dropped and the
    /// default machine is moved to the front, the others keeping QEMU's order (that order
    /// is what `virsh capabilities` prints).
    pub fn from_replies(
        emulator: PathBuf,
        identity: BinaryIdentity,
        replies: &ProbeReplies,
    ) -> Result<QemuCaps, CapsError> {
        let decode = |what: &str, v: &Value| -> Result<_, CapsError> {
            Err(CapsError::Reply {
                path: emulator.clone(),
                what: format!("unexpected reply to '{what}': {v}"),
            })
        };
        let version: VersionReply = match from_value(&replies.version) {
            Some(v) => v,
            None => return decode("query-version", &replies.version),
        };
        let target: TargetReply = match from_value(&replies.target) {
            Some(v) => v,
            None => return decode("query-target", &replies.target),
        };
        let kvm: KvmReply = match from_value(&replies.kvm) {
            Some(v) => v,
            None => return decode("query-kvm", &replies.kvm),
        };
        let machines: Vec<MachineReply> = match from_value(&replies.machines) {
            Some(v) => v,
            None => return decode("query-machines", &replies.machines),
        };
        let cpus: Vec<CpuDefinitionReply> = match from_value(&replies.cpu_definitions) {
            Some(v) => v,
            None => return decode("query-cpu-definitions", &replies.cpu_definitions),
        };
        let Some(arch) = libvirt_arch(&target.arch) else {
            return Err(CapsError::Reply {
                path: emulator,
                what: format!("unknown QEMU target architecture '{}'", target.arch),
            });
        };

        let mut machines: Vec<MachineInfo> = machines
            .into_iter()
            .filter(|m| m.name != "none")
            .map(|m| MachineInfo {
                name: m.name,
                alias: m.alias,
                is_default: m.is_default,
                max_cpus: m.cpu_max,
                default_cpu_type: m.default_cpu_type,
                default_ram_id: m.default_ram_id,
                deprecated: m.deprecated,
                hotpluggable_cpus: m.hotpluggable_cpus,
            })
            .collect();
        // virQEMUCapsSetDefaultMachine: a memmove, so the rest keep their order.
        if let Some(i) = machines.iter().position(|m| m.is_default) {
            machines[..=i].rotate_right(1);
        }

        let cpu_models = cpus
            .into_iter()
            .map(|c| CpuModel {
                name: c.name,
                usable: c.unavailable_features.is_none_or(|f| f.is_empty()),
                deprecated: c.deprecated,
            })
            .collect();

        Ok(QemuCaps {
            emulator,
            version: (version.qemu.major, version.qemu.minor, version.qemu.micro),
            package: version.package.trim().to_owned(),
            arch: arch.to_owned(),
            kvm: kvm.enabled && kvm.present,
            machines,
            cpu_models,
            identity,
        })
    }
}

fn from_value<T: DeserializeOwned>(v: &Value) -> Option<T> {
    T::deserialize(v).ok()
}

/// libvirt's architectures (`virArch`), in its enum order, with their word size; the order
/// is the order of the `<guest>` elements in `virsh capabilities`.
const ARCHES: &[(&str, u32)] = &[
    ("alpha", 64),
    ("armv6l", 32),
    ("armv7l", 32),
    ("armv7b", 32),
    ("aarch64", 64),
    ("cris", 32),
    ("i686", 32),
    ("ia64", 64),
    ("lm32", 32),
    ("loongarch64", 64),
    ("m68k", 32),
    ("microblaze", 32),
    ("microblazeel", 32),
    ("mips", 32),
    ("mipsel", 32),
    ("mips64", 64),
    ("mips64el", 64),
    ("or32", 32),
    ("parisc", 32),
    ("parisc64", 64),
    ("ppc", 32),
    ("ppcle", 32),
    ("ppc64", 64),
    ("ppc64le", 64),
    ("ppcemb", 32),
    ("riscv32", 32),
    ("riscv64", 64),
    ("s390", 32),
    ("s390x", 64),
    ("sh4", 32),
    ("sh4eb", 64),
    ("sparc", 32),
    ("sparc64", 64),
    ("unicore32", 32),
    ("x86_64", 64),
    ("xtensa", 32),
    ("xtensaeb", 32),
];

/// libvirt's name for a QEMU target (`virQEMUCapsArchFromString`): `i386` is `i686`,
/// `arm` is `armv7l`, `or1k` is `or32`, `hppa` is `parisc`; the rest are spelt alike.
pub(crate) fn libvirt_arch(qemu: &str) -> Option<&'static str> {
    let name = match qemu {
        "i386" => "i686",
        "arm" => "armv7l",
        "or1k" => "or32",
        "hppa" => "parisc",
        other => other,
    };
    ARCHES.iter().map(|(a, _)| *a).find(|a| *a == name)
}

/// The position of a libvirt architecture in `virArch` (unknown ones sort last).
pub(crate) fn arch_order(arch: &str) -> usize {
    ARCHES
        .iter()
        .position(|(a, _)| *a == arch)
        .unwrap_or(ARCHES.len())
}

/// The word size libvirt gives an architecture (`<wordsize>`).
pub(crate) fn arch_wordsize(arch: &str) -> Option<u32> {
    ARCHES.iter().find(|(a, _)| *a == arch).map(|(_, w)| *w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn identity() -> BinaryIdentity {
        BinaryIdentity::default()
    }

    fn replies(machines: Value) -> ProbeReplies {
        ProbeReplies {
            version: json!({"qemu":{"micro":22,"minor":2,"major":7},"package":" Debian 1:7.2 "}),
            target: json!({"arch":"i386"}),
            kvm: json!({"enabled":false,"present":true}),
            machines,
            cpu_definitions: json!([
                {"name":"qemu64","unavailable-features":[]},
                {"name":"Icelake-Server","unavailable-features":["avx512vnni"],"deprecated":false},
                {"name":"old","deprecated":true}
            ]),
        }
    }

    #[test]
    fn test_from_replies_default_machine_moves_first_and_none_is_dropped() {
        let r = replies(json!([
            {"name":"a","cpu-max":1},
            {"name":"none","cpu-max":1},
            {"name":"b","cpu-max":2},
            {"name":"pc-x","alias":"pc","is-default":true,"cpu-max":255},
            {"name":"c","cpu-max":3}
        ]));
        let caps = QemuCaps::from_replies("/q".into(), identity(), &r).unwrap();
        let names: Vec<_> = caps.machines.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["pc-x", "a", "b", "c"]);
        assert_eq!(caps.arch, "i686");
        assert_eq!(caps.package, "Debian 1:7.2");
        assert!(!caps.kvm, "present but not enabled is no KVM");
    }

    #[test]
    fn test_from_replies_unavailable_features_make_model_unusable() {
        let caps = QemuCaps::from_replies("/q".into(), identity(), &replies(json!([]))).unwrap();
        let usable: Vec<_> = caps
            .cpu_models
            .iter()
            .map(|c| (c.name.as_str(), c.usable))
            .collect();
        assert_eq!(
            usable,
            [("qemu64", true), ("Icelake-Server", false), ("old", true)]
        );
        assert!(caps.cpu_model("old").unwrap().deprecated);
    }

    #[test]
    fn test_from_replies_bad_reply_is_reply_error() {
        let mut r = replies(json!([]));
        r.kvm = json!("nonsense");
        let err = QemuCaps::from_replies("/q".into(), identity(), &r).unwrap_err();
        assert!(
            matches!(&err, CapsError::Reply { what, .. } if what.contains("query-kvm")),
            "{err}"
        );
    }

    #[test]
    fn test_libvirt_arch_qemu_names_map_to_libvirt_names() {
        assert_eq!(libvirt_arch("i386"), Some("i686"));
        assert_eq!(libvirt_arch("x86_64"), Some("x86_64"));
        assert_eq!(libvirt_arch("arm"), Some("armv7l"));
        assert_eq!(libvirt_arch("tricore"), None);
        assert!(arch_order("i686") < arch_order("x86_64"));
        assert_eq!(arch_wordsize("i686"), Some(32));
    }
}
