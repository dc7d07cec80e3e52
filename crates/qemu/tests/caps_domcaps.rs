//! `virsh domcapabilities` formatting and request resolution, checked against what
//! libvirt 9.0.0 printed for QEMU 7.2 on the reference host.
//!
//! `tests/data/caps/domcapabilities-kvm.xml` is a copy of
//! `shared/spec/qemu/captures/caps/domcapabilities-kvm.xml` (`virsh domcapabilities` with
//! no arguments); the probe replies under `tests/data/caps/x86_64/` are those of
//! `caps_parse.rs`. The reference host had Debian's `ovmf` and `swtpm` installed and no
//! IOMMU; [`reference_env`] stands for that (its firmware descriptors are modelled on
//! Debian's `ovmf` package, not captured: the capture shows only what they yield for
//! `pc-i440fx-7.2`).

use std::path::{Path, PathBuf};

use oxvirt_error::{ErrorDomain, ErrorNumber};
use oxvirt_qemu::caps::domcaps::{
    DomCapsEnv, DomCapsError, DomCapsRequest, FirmwareDescriptor, SwtpmCaps,
    domain_capabilities_xml, domain_capabilities_xml_with, load_firmware_descriptors,
    resolve_request,
};
use oxvirt_qemu::caps::{BinaryIdentity, HostCpu, HostFacts, ProbeReplies, QemuCaps};
use serde_json::Value;

const EMULATOR: &str = "/usr/bin/qemu-system-x86_64";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/caps")
}

fn read(rel: &str) -> String {
    let p = data_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn reply(arch: &str, command: &str) -> Value {
    serde_json::from_str(&read(&format!("{arch}/{command}.json"))).unwrap()
}

fn captured_caps(arch: &str) -> QemuCaps {
    let replies = ProbeReplies {
        version: reply(arch, "query-version"),
        target: reply(arch, "query-target"),
        kvm: reply(arch, "query-kvm"),
        machines: reply(arch, "query-machines"),
        cpu_definitions: if arch == "i386" {
            Value::Array(Vec::new())
        } else {
            reply(arch, "query-cpu-definitions")
        },
    };
    let emulator = PathBuf::from(format!("/usr/bin/qemu-system-{arch}"));
    QemuCaps::from_replies(emulator, BinaryIdentity::default(), &replies).unwrap()
}

/// The reference host, as far as the domain capabilities depend on it: an x86_64 AMD
/// host whose CPU libvirt names `kvm64`, without an IOMMU.
fn reference_host() -> HostFacts {
    HostFacts {
        arch: "x86_64".into(),
        cpu: HostCpu {
            model: Some("kvm64".into()),
            vendor: Some("AMD".into()),
            ..HostCpu::default()
        },
        iommu: false,
        ..HostFacts::default()
    }
}

/// Descriptors as Debian 12's `ovmf` installs them: two Secure Boot builds for q35 only
/// (they need SMM), and the plain build for both PC machines.
const DEBIAN_OVMF: &[(&str, &str)] = &[
    (
        "40-edk2-x86_64-secure-enrolled.json",
        r#"{
  "description": "UEFI firmware for x86_64, with Secure Boot and SMM, SB enabled, MS certs enrolled",
  "interface-types": ["uefi"],
  "mapping": {
    "device": "flash",
    "executable": {"filename": "/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "format": "raw"},
    "nvram-template": {"filename": "/usr/share/OVMF/OVMF_VARS_4M.ms.fd", "format": "raw"}
  },
  "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],
  "features": ["acpi-s3", "amd-sev", "enrolled-keys", "requires-smm", "secure-boot", "verbose-dynamic"],
  "tags": []
}"#,
    ),
    (
        "50-edk2-x86_64-secure.json",
        r#"{
  "description": "UEFI firmware for x86_64, with Secure Boot and SMM",
  "interface-types": ["uefi"],
  "mapping": {
    "device": "flash",
    "executable": {"filename": "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "format": "raw"},
    "nvram-template": {"filename": "/usr/share/OVMF/OVMF_VARS_4M.fd", "format": "raw"}
  },
  "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],
  "features": ["acpi-s3", "amd-sev", "requires-smm", "secure-boot", "verbose-dynamic"],
  "tags": []
}"#,
    ),
    (
        "60-edk2-x86_64.json",
        r#"{
  "description": "UEFI firmware for x86_64",
  "interface-types": ["uefi"],
  "mapping": {
    "device": "flash",
    "executable": {"filename": "/usr/share/OVMF/OVMF_CODE_4M.fd", "format": "raw"},
    "nvram-template": {"filename": "/usr/share/OVMF/OVMF_VARS_4M.fd", "format": "raw"}
  },
  "targets": [{"architecture": "x86_64", "machines": ["pc-i440fx-*", "pc-q35-*"]}],
  "features": ["acpi-s3", "amd-sev", "verbose-dynamic"],
  "tags": []
}"#,
    ),
];

fn debian_ovmf() -> Vec<FirmwareDescriptor> {
    DEBIAN_OVMF
        .iter()
        .map(|(name, json)| {
            let path = Path::new("/usr/share/qemu/firmware").join(name);
            let mut fw = FirmwareDescriptor::parse(&path, json).expect(name);
            fw.executable_exists = true;
            fw
        })
        .collect()
}

/// The reference host's environment: OVMF and swtpm 0.7 (TPM 1.2 and 2.0) installed,
/// no `/dev/vfio/vfio`.
fn reference_env() -> DomCapsEnv {
    DomCapsEnv {
        firmwares: debian_ovmf(),
        swtpm: Some(SwtpmCaps {
            tpm_1_2: true,
            tpm_2_0: true,
        }),
        dev_vfio: false,
        kvm_max_vcpus: Some(1024),
    }
}

fn domcaps(req: &DomCapsRequest) -> Result<String, DomCapsError> {
    domain_capabilities_xml_with(
        &captured_caps("x86_64"),
        req,
        &reference_host(),
        &reference_env(),
    )
}

fn machine(name: &str) -> DomCapsRequest {
    DomCapsRequest {
        machine: Some(name.into()),
        ..DomCapsRequest::default()
    }
}

/// The lines of `text` from the first line equal to `start` through the next line equal
/// to `end`.
fn section(text: &str, start: &str, end: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let a = lines.iter().position(|l| *l == start).expect(start);
    let b = a + lines[a..].iter().position(|l| *l == end).expect(end);
    lines[a..=b].join("\n")
}

#[test]
fn test_domain_capabilities_xml_captured_host_matches_libvirt() {
    let xml = domcaps(&DomCapsRequest::default()).unwrap();
    let capture = read("domcapabilities-kvm.xml");
    // Excluded: the host-model `<feature>` lines, which libvirt decodes from the host's
    // CPUID and QEMU's `host` model expansion (neither is done here). They all sit in the
    // host-model mode; every other line must be as libvirt printed it.
    let host_model = section(
        &capture,
        "    <mode name='host-model' supported='yes'>",
        "    </mode>",
    );
    let features: Vec<&str> = host_model
        .lines()
        .filter(|l| l.starts_with("      <feature policy="))
        .collect();
    assert_eq!(features.len(), 27);
    // The capture ends in two empty lines that virsh printed after the API's string.
    let body = capture
        .strip_suffix("\n\n")
        .expect("virsh's trailing empty lines");
    let expected: String = body
        .lines()
        .filter(|l| !l.starts_with("      <feature policy="))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(xml, expected);
    assert_eq!(
        capture.lines().filter(|l| l.contains("<feature ")).count(),
        features.len(),
        "no <feature> outside host-model"
    );
}

#[test]
fn test_domain_capabilities_xml_no_arguments_equals_explicit_defaults() {
    let explicit = DomCapsRequest {
        emulator: Some(EMULATOR.into()),
        arch: Some("x86_64".into()),
        machine: Some("pc-i440fx-7.2".into()),
        virttype: Some("kvm".into()),
    };
    assert_eq!(
        domcaps(&explicit).unwrap(),
        domcaps(&DomCapsRequest::default()).unwrap()
    );
    // `none` is libvirt's "no virt type given".
    let none = DomCapsRequest {
        virttype: Some("none".into()),
        ..DomCapsRequest::default()
    };
    assert_eq!(
        domcaps(&none).unwrap(),
        domcaps(&DomCapsRequest::default()).unwrap()
    );
}

#[test]
fn test_domain_capabilities_xml_alias_pc_prints_canonical_machine() {
    let xml = domcaps(&machine("pc")).unwrap();
    assert!(
        xml.contains("  <machine>pc-i440fx-7.2</machine>\n"),
        "{xml}"
    );
    assert_eq!(xml, domcaps(&DomCapsRequest::default()).unwrap());
}

#[test]
fn test_domain_capabilities_xml_alias_q35_gives_q35_values() {
    let xml = domcaps(&machine("q35")).unwrap();
    assert!(xml.contains("  <machine>pc-q35-7.2</machine>\n"), "{xml}");
    assert!(xml.contains("  <vcpu max='288'/>\n"), "{xml}");
    // q35 has no built-in IDE controller.
    assert_eq!(
        section(&xml, "      <enum name='bus'>", "      </enum>"),
        "      <enum name='bus'>\n        <value>fdc</value>\n        <value>scsi</value>\n        \
         <value>virtio</value>\n        <value>usb</value>\n        <value>sata</value>\n      \
         </enum>"
    );
    // All three OVMF builds serve q35, and the Secure Boot ones need SMM.
    assert_eq!(
        section(&xml, "    <loader supported='yes'>", "    </loader>"),
        "    <loader supported='yes'>\n      <value>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</value>\n      \
         <value>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</value>\n      \
         <value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>\n      <enum name='type'>\n        \
         <value>rom</value>\n        <value>pflash</value>\n      </enum>\n      \
         <enum name='readonly'>\n        <value>yes</value>\n        <value>no</value>\n      \
         </enum>\n      <enum name='secure'>\n        <value>yes</value>\n        \
         <value>no</value>\n      </enum>\n    </loader>"
    );
    assert_eq!(xml, domcaps(&machine("pc-q35-7.2")).unwrap());
}

#[test]
fn test_domain_capabilities_xml_virttype_qemu_gives_tcg_view() {
    let req = DomCapsRequest {
        virttype: Some("qemu".into()),
        ..DomCapsRequest::default()
    };
    let xml = domcaps(&req).unwrap();
    assert!(xml.contains("  <domain>qemu</domain>\n"), "{xml}");
    assert!(
        xml.contains("  <machine>pc-i440fx-7.2</machine>\n"),
        "{xml}"
    );
    // Host-passthrough needs an accelerator; the TCG host model and the TCG usability of
    // the models are not probed.
    assert!(xml.contains("    <mode name='host-passthrough' supported='no'/>\n"));
    assert!(xml.contains("    <mode name='host-model' supported='no'/>\n"));
    assert!(xml.contains("      <model usable='unknown' vendor='AMD'>EPYC-Milan</model>\n"));
    assert!(!xml.contains("usable='yes'") && !xml.contains("usable='no'"));
    assert!(xml.contains("    <mode name='maximum' supported='yes'>\n"));
}

#[test]
fn test_domain_capabilities_xml_bad_machine_is_invalid_arg() {
    let err = domcaps(&machine("foo")).unwrap_err();
    assert_eq!(
        err,
        DomCapsError::MachineUnsupported {
            machine: "foo".into(),
            emulator: EMULATOR.into()
        }
    );
    let vir = err.to_vir();
    assert_eq!(vir.code, ErrorNumber::InvalidArg);
    assert_eq!(vir.domain, ErrorDomain::Qemu);
    assert_eq!(
        vir.message,
        "invalid argument: the machine 'foo' is not supported by emulator \
         '/usr/bin/qemu-system-x86_64'"
    );
    // `none` is dropped from the caps, as libvirt drops it.
    assert!(domcaps(&machine("none")).is_err());
}

#[test]
fn test_domain_capabilities_xml_bad_arch_is_invalid_arg() {
    let other = DomCapsRequest {
        arch: Some("aarch64".into()),
        ..DomCapsRequest::default()
    };
    assert_eq!(
        domcaps(&other).unwrap_err().to_vir().message,
        "invalid argument: architecture from emulator 'x86_64' doesn't match given \
         architecture 'aarch64'"
    );
    let unknown = DomCapsRequest {
        arch: Some("foo".into()),
        ..DomCapsRequest::default()
    };
    let vir = domcaps(&unknown).unwrap_err().to_vir();
    assert_eq!(vir.code, ErrorNumber::InvalidArg);
    assert_eq!(vir.message, "invalid argument: unknown architecture: foo");
}

#[test]
fn test_domain_capabilities_xml_i686_on_x86_64_binary_is_accepted() {
    // libvirt lets x86 arches stand in for each other; the firmware (x86_64 only) then
    // serves nothing.
    let req = DomCapsRequest {
        arch: Some("i686".into()),
        ..DomCapsRequest::default()
    };
    let xml = domcaps(&req).unwrap();
    assert!(xml.contains("  <arch>i686</arch>\n"), "{xml}");
    assert!(xml.contains("    <enum name='firmware'/>\n"), "{xml}");
}

#[test]
fn test_domain_capabilities_xml_bad_virttype_is_invalid_arg() {
    let req = DomCapsRequest {
        virttype: Some("foo".into()),
        ..DomCapsRequest::default()
    };
    assert_eq!(
        domcaps(&req).unwrap_err().to_vir().message,
        "invalid argument: unknown virttype: foo"
    );
}

#[test]
fn test_domain_capabilities_xml_kvm_without_kvm_is_invalid_arg() {
    let mut caps = captured_caps("x86_64");
    caps.kvm = false;
    let req = DomCapsRequest {
        virttype: Some("kvm".into()),
        ..DomCapsRequest::default()
    };
    let err =
        domain_capabilities_xml_with(&caps, &req, &reference_host(), &reference_env()).unwrap_err();
    assert_eq!(
        err.to_vir().message,
        "invalid argument: the accel 'kvm' is not supported by \
         '/usr/bin/qemu-system-x86_64' on this host"
    );
    // Without a virt type such a binary gives the TCG view, with real usability.
    let xml = domain_capabilities_xml_with(
        &caps,
        &DomCapsRequest::default(),
        &reference_host(),
        &reference_env(),
    )
    .unwrap();
    assert!(xml.contains("  <domain>qemu</domain>\n"), "{xml}");
    assert!(xml.contains("<model usable='yes' vendor='unknown'>486</model>"));
    assert!(!xml.contains("<hyperv"), "{xml}");
}

#[test]
fn test_domain_capabilities_xml_wrong_caps_is_internal_error() {
    let req = DomCapsRequest {
        emulator: Some("/usr/bin/qemu-system-i386".into()),
        ..DomCapsRequest::default()
    };
    let vir = domcaps(&req).unwrap_err().to_vir();
    assert_eq!(vir.code, ErrorNumber::InternalError);
}

#[test]
fn test_domain_capabilities_xml_no_firmware_lists_no_loader() {
    let env = DomCapsEnv::default();
    let xml = domain_capabilities_xml_with(
        &captured_caps("x86_64"),
        &DomCapsRequest::default(),
        &reference_host(),
        &env,
    )
    .unwrap();
    assert_eq!(
        section(&xml, "  <os supported='yes'>", "  </os>"),
        "  <os supported='yes'>\n    <enum name='firmware'/>\n    <loader supported='yes'>\n      \
         <enum name='type'>\n        <value>rom</value>\n        <value>pflash</value>\n      \
         </enum>\n      <enum name='readonly'>\n        <value>yes</value>\n        \
         <value>no</value>\n      </enum>\n      <enum name='secure'>\n        \
         <value>no</value>\n      </enum>\n    </loader>\n  </os>"
    );
    // Without swtpm only the passthrough backend is offered, and no version.
    assert_eq!(
        section(&xml, "    <tpm supported='yes'>", "    </tpm>"),
        "    <tpm supported='yes'>\n      <enum name='model'>\n        <value>tpm-tis</value>\n        \
         <value>tpm-crb</value>\n      </enum>\n      <enum name='backendModel'>\n        \
         <value>passthrough</value>\n      </enum>\n    </tpm>"
    );
}

#[test]
fn test_domain_capabilities_xml_iommu_and_vfio_offer_vfio_backend() {
    let mut host = reference_host();
    host.iommu = true;
    let mut env = reference_env();
    env.dev_vfio = true;
    let xml = domain_capabilities_xml_with(
        &captured_caps("x86_64"),
        &DomCapsRequest::default(),
        &host,
        &env,
    )
    .unwrap();
    assert!(xml.contains(
        "      <enum name='pciBackend'>\n        <value>default</value>\n        \
         <value>vfio</value>\n      </enum>\n"
    ));
}

#[test]
fn test_domain_capabilities_xml_unknown_host_model_is_unsupported() {
    let mut host = reference_host();
    host.cpu.model = None;
    let xml = domain_capabilities_xml_with(
        &captured_caps("x86_64"),
        &DomCapsRequest::default(),
        &host,
        &reference_env(),
    )
    .unwrap();
    assert!(xml.contains("    <mode name='host-model' supported='no'/>\n"));
}

#[test]
fn test_domain_capabilities_xml_i386_without_cpu_models_has_no_custom_mode() {
    let xml = domain_capabilities_xml_with(
        &captured_caps("i386"),
        &DomCapsRequest::default(),
        &reference_host(),
        &reference_env(),
    )
    .unwrap();
    assert!(xml.contains("  <path>/usr/bin/qemu-system-i386</path>\n"));
    // No arch given: the host's (x86_64), which an i686 binary serves.
    assert!(xml.contains("  <arch>x86_64</arch>\n"), "{xml}");
    assert!(xml.contains("    <mode name='custom' supported='no'/>\n"));
    assert!(xml.contains("    <mode name='host-passthrough' supported='yes'>\n"));
}

#[test]
fn test_domain_capabilities_xml_kvm_max_vcpus_caps_vcpu_max() {
    let mut env = reference_env();
    env.kvm_max_vcpus = Some(240);
    let xml = domain_capabilities_xml_with(
        &captured_caps("x86_64"),
        &DomCapsRequest::default(),
        &reference_host(),
        &env,
    )
    .unwrap();
    assert!(xml.contains("  <vcpu max='240'/>\n"), "{xml}");
    let r = resolve_request(&captured_caps("x86_64"), &machine("q35"), "x86_64").unwrap();
    assert_eq!(r.machine.as_deref(), Some("pc-q35-7.2"));
    assert_eq!((r.arch.as_str(), r.virttype), ("x86_64", "kvm"));
}

#[test]
fn test_load_firmware_descriptors_later_dir_overrides_and_empty_masks() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, conf) = (tmp.path().join("share"), tmp.path().join("etc"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&conf).unwrap();
    let image = tmp.path().join("CODE.fd");
    std::fs::write(&image, b"x").unwrap();
    let json = |exe: &Path| {
        format!(
            r#"{{"interface-types":["uefi"],"mapping":{{"device":"flash","executable":{{"filename":"{}"}}}},"targets":[{{"architecture":"x86_64","machines":["pc-*"]}}],"features":[]}}"#,
            exe.display()
        )
    };
    std::fs::write(data.join("60-a.json"), json(Path::new("/nonexistent.fd"))).unwrap();
    std::fs::write(conf.join("60-a.json"), json(&image)).unwrap();
    std::fs::write(data.join("50-b.json"), json(&image)).unwrap();
    std::fs::write(conf.join("50-b.json"), "").unwrap();
    std::fs::write(data.join("70-c.json"), "not json").unwrap();
    std::fs::write(data.join(".hidden.json"), json(&image)).unwrap();
    let fws = load_firmware_descriptors(&[data, conf.clone()]);
    assert_eq!(fws.len(), 1, "{fws:?}");
    assert_eq!(fws[0].path, conf.join("60-a.json"));
    assert_eq!(fws[0].executable.as_deref(), Some(image.as_path()));
    assert!(fws[0].executable_exists);
    assert!(fws[0].matches("pc-i440fx-7.2", "x86_64"));
    assert!(!fws[0].matches("pc-i440fx-7.2", "i686"));
}

#[test]
fn test_domain_capabilities_xml_this_host_has_libvirt_sections() {
    let host = oxvirt_qemu::caps::host_facts();
    if host.arch != "x86_64" {
        oxvirt_testutil::skip("not an x86_64 host");
        return;
    }
    let xml = domain_capabilities_xml(&captured_caps("x86_64"), &DomCapsRequest::default(), &host)
        .unwrap();
    let doc = oxvirt_xml::parse_document(&xml).unwrap();
    let names: Vec<&str> = doc
        .root_element()
        .children()
        .filter(|c| c.is_element())
        .map(|c| c.tag_name().name())
        .collect();
    assert_eq!(
        names,
        [
            "path",
            "domain",
            "machine",
            "arch",
            "vcpu",
            "iothreads",
            "os",
            "cpu",
            "memoryBacking",
            "devices",
            "features"
        ]
    );
}

#[test]
fn test_copied_domcapabilities_capture_matches_shared_original() {
    let Some(orig) =
        oxvirt_testutil::shared_reference("spec/qemu/captures/caps/domcapabilities-kvm.xml")
    else {
        return;
    };
    assert_eq!(
        std::fs::read_to_string(orig).unwrap(),
        read("domcapabilities-kvm.xml")
    );
}
