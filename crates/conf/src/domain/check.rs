//! The refusals libvirt's domain parser makes for sections oxvirt keeps verbatim or only
//! partly typed: enumerations it converts, numbers it reads, elements it requires. Each
//! check reads the element tree and answers with libvirt's error code and wording, so a
//! document libvirt refuses is refused here with the same message, while the typed model
//! and the verbatim copies stay as they are for documents libvirt accepts.
//!
//! [`DomainDef::parse_with`](super::DomainDef::parse_with) calls the top-level checks at
//! the point of libvirt's parse where the section is read; `device` runs for each child
//! of `<devices>`; `disk_targets` is the define-time validation of disk targets.

use crate::ConfError;
use oxvirt_xml::read::{child, children};
use roxmltree::Node;

/// `VIR_ERR_XML_ERROR`.
fn xml_error(msg: impl Into<String>) -> ConfError {
    ConfError::XmlError(msg.into())
}

/// `VIR_ERR_CONFIG_UNSUPPORTED`.
fn unsupported(msg: impl Into<String>) -> ConfError {
    ConfError::Unsupported(msg.into())
}

/// `virXMLPropEnum` refusing `value`.
fn invalid_enum(node: Node<'_, '_>, attr: &str, value: &str) -> ConfError {
    xml_error(format!(
        "Invalid value for attribute '{attr}' in element '{}': '{value}'.",
        node.tag_name().name()
    ))
}

/// `virXMLPropEnum(node, attr, …)`: `allowed` is libvirt's table; `nonzero` refuses its
/// first entry (the placeholder value); `required` refuses a missing attribute.
fn prop_enum(
    node: Node<'_, '_>,
    attr: &str,
    allowed: &[&str],
    nonzero: bool,
    required: bool,
) -> Result<(), ConfError> {
    match node.attribute(attr) {
        None if required => Err(xml_error(format!(
            "Missing required attribute '{attr}' in element '{}'",
            node.tag_name().name()
        ))),
        None => Ok(()),
        Some(v) => match allowed.iter().position(|a| *a == v) {
            Some(0) if nonzero => Err(invalid_enum(node, attr, v)),
            Some(_) => Ok(()),
            None => Err(invalid_enum(node, attr, v)),
        },
    }
}

/// `virXPathString`: the string value of a node (all its text), `None` when empty.
fn string_value(node: Node<'_, '_>) -> Option<String> {
    let s: String = node
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    (!s.is_empty()).then_some(s)
}

/// C `strtoul` over the whole string in base 10, as `virStrToLong_ui` uses it: leading
/// blanks and a sign accepted, nothing after the digits.
pub(crate) fn str_to_uint(s: &str) -> Option<u32> {
    let t = s.trim_start();
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The virtualization types of `<domain type>` (`virDomainVirt`), `none` first.
pub const VIRT_TYPES: &[&str] = &[
    "none",
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "hvf",
];

/// `virDomainOS`.
const OS_TYPES: &[&str] = &["hvm", "xen", "linux", "exe", "uml", "xenpvh"];

/// `virArch` names.
const ARCHES: &[&str] = &[
    "none",
    "alpha",
    "armv6l",
    "armv7l",
    "armv7b",
    "aarch64",
    "cris",
    "i686",
    "ia64",
    "lm32",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mipsel",
    "mips64",
    "mips64el",
    "openrisc",
    "parisc",
    "parisc64",
    "ppc",
    "ppcle",
    "ppc64",
    "ppc64le",
    "ppcemb",
    "riscv32",
    "riscv64",
    "s390",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "unicore32",
    "x86_64",
    "xtensa",
    "xtensaeb",
];

/// `<domain type>`, `<os><type>` and its `arch` (`virDomainDefParseCaps`).
pub(crate) fn caps(root: Node<'_, '_>) -> Result<(), ConfError> {
    let Some(virt) = root.attribute("type").filter(|t| !t.is_empty()) else {
        return Err(ConfError::Internal("missing domain type attribute".into()));
    };
    if !VIRT_TYPES.contains(&virt) {
        return Err(unsupported(format!("invalid domain type {virt}")));
    }
    let ty = child(root, "os").and_then(|o| child(o, "type"));
    match ty.and_then(string_value) {
        None => {
            if child(root, "bootloader").and_then(string_value).is_none() {
                return Err(xml_error("an os <type> must be specified"));
            }
        }
        Some(t) if !OS_TYPES.contains(&t.as_str()) => {
            return Err(unsupported(format!("unknown OS type '{t}'")));
        }
        Some(_) => {}
    }
    if let Some(arch) = ty
        .and_then(|t| t.attribute("arch"))
        .filter(|a| !a.is_empty())
        && (arch == "none" || !ARCHES.contains(&arch))
    {
        return Err(unsupported(format!("Unknown architecture {arch}")));
    }
    Ok(())
}

/// `<title>` must be one line.
pub(crate) fn title(root: Node<'_, '_>) -> Result<(), ConfError> {
    if child(root, "title")
        .and_then(string_value)
        .is_some_and(|t| t.contains('\n'))
    {
        return Err(xml_error("Domain title can't contain newlines"));
    }
    Ok(())
}

/// `<maxMemory slots>` (`virXPathUInt`).
pub(crate) fn memory_slots(root: Node<'_, '_>) -> Result<(), ConfError> {
    if let Some(v) = child(root, "maxMemory")
        .and_then(|m| m.attribute("slots"))
        .filter(|v| !v.is_empty())
        && str_to_uint(v).is_none()
    {
        return Err(xml_error("Failed to parse memory slot count"));
    }
    Ok(())
}

/// `<iothreads>` count.
pub(crate) fn iothreads(root: Node<'_, '_>) -> Result<(), ConfError> {
    if let Some(t) = child(root, "iothreads").and_then(string_value)
        && str_to_uint(&t).is_none()
    {
        return Err(xml_error(format!("invalid iothreads count '{t}'")));
    }
    Ok(())
}

/// `<cpu mode match>` (`virCPUDefParseXML` for a guest CPU).
pub(crate) fn cpu(root: Node<'_, '_>) -> Result<(), ConfError> {
    let Some(cpu) = child(root, "cpu") else {
        return Ok(());
    };
    if let Some(m) = cpu.attribute("mode")
        && !["custom", "host-model", "host-passthrough", "maximum"].contains(&m)
    {
        return Err(unsupported(format!("Invalid mode attribute '{m}'")));
    }
    prop_enum(cpu, "match", &["exact", "minimum", "strict"], false, false)
}

/// `virDomainFeature`.
const FEATURES: &[&str] = &[
    "acpi",
    "apic",
    "pae",
    "hap",
    "viridian",
    "privnet",
    "hyperv",
    "kvm",
    "pvspinlock",
    "capabilities",
    "pmu",
    "vmport",
    "gic",
    "smm",
    "ioapic",
    "hpt",
    "vmcoreinfo",
    "htm",
    "nested-hv",
    "msrs",
    "ccf-assist",
    "xen",
    "cfpc",
    "sbbc",
    "ibs",
    "tcg",
];

/// `<features>`: known names, `<apic eoi>`.
pub(crate) fn features(root: Node<'_, '_>) -> Result<(), ConfError> {
    let Some(f) = child(root, "features") else {
        return Ok(());
    };
    for c in f.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        if !FEATURES.contains(&name) {
            return Err(unsupported(format!("unexpected feature '{name}'")));
        }
        if name == "apic" {
            prop_enum(c, "eoi", &["default", "on", "off"], true, false)?;
        }
    }
    Ok(())
}

/// `<on_poweroff>`, `<on_reboot>`, `<on_crash>`, `<on_lockfailure>` (libvirt reads
/// reboot first).
pub(crate) fn lifecycle(root: Node<'_, '_>) -> Result<(), ConfError> {
    const ACTIONS: &[&str] = &[
        "destroy",
        "restart",
        "rename-restart",
        "preserve",
        "coredump-destroy",
        "coredump-restart",
    ];
    const LOCK: &[&str] = &["default", "poweroff", "restart", "pause", "ignore"];
    for (name, allowed) in [
        ("on_reboot", ACTIONS),
        ("on_poweroff", ACTIONS),
        ("on_crash", ACTIONS),
        ("on_lockfailure", LOCK),
    ] {
        if let Some(v) = child(root, name).and_then(string_value)
            && !allowed.contains(&v.as_str())
        {
            return Err(unsupported(format!("unknown {name} action: {v}")));
        }
    }
    Ok(())
}

/// `<clock offset>` and its timers' names.
pub(crate) fn clock(root: Node<'_, '_>) -> Result<(), ConfError> {
    let Some(c) = child(root, "clock") else {
        return Ok(());
    };
    if let Some(o) = c.attribute("offset").filter(|o| !o.is_empty())
        && !["utc", "localtime", "variable", "timezone", "absolute"].contains(&o)
    {
        return Err(unsupported(format!("unknown clock offset '{o}'")));
    }
    const TIMERS: &[&str] = &[
        "platform",
        "pit",
        "rtc",
        "hpet",
        "tsc",
        "kvmclock",
        "hypervclock",
        "armvtimer",
    ];
    for t in children(c, "timer") {
        prop_enum(t, "name", TIMERS, false, true)?;
    }
    Ok(())
}

/// `<os><boot dev>` (the first four) and `<os firmware>`.
pub(crate) fn boot(root: Node<'_, '_>) -> Result<(), ConfError> {
    let Some(os) = child(root, "os") else {
        return Ok(());
    };
    for b in children(os, "boot").take(4) {
        prop_enum(b, "dev", &["fd", "cdrom", "hd", "network"], false, true)?;
    }
    if let Some(fw) = os.attribute("firmware").filter(|f| !f.is_empty())
        && !["bios", "efi"].contains(&fw)
    {
        return Err(xml_error(format!("unknown firmware value {fw}")));
    }
    Ok(())
}

/// Controller models by controller type (`virDomainControllerModel*`); types without a
/// table accept no model.
fn controller_models(ty: &str) -> &'static [&'static str] {
    match ty {
        "scsi" => &[
            "auto",
            "buslogic",
            "lsilogic",
            "lsisas1068",
            "vmpvscsi",
            "ibmvscsi",
            "virtio-scsi",
            "lsisas1078",
            "virtio-transitional",
            "virtio-non-transitional",
            "ncr53c90",
            "dc390",
            "am53c974",
        ],
        "usb" => &[
            "piix3-uhci",
            "piix4-uhci",
            "ehci",
            "ich9-ehci1",
            "ich9-uhci1",
            "ich9-uhci2",
            "ich9-uhci3",
            "vt82c686b-uhci",
            "pci-ohci",
            "nec-xhci",
            "qusb1",
            "qusb2",
            "qemu-xhci",
            "none",
        ],
        "pci" => &[
            "pci-root",
            "pcie-root",
            "pci-bridge",
            "dmi-to-pci-bridge",
            "pcie-to-pci-bridge",
            "pcie-root-port",
            "pcie-switch-upstream-port",
            "pcie-switch-downstream-port",
            "pci-expander-bus",
            "pcie-expander-bus",
        ],
        "ide" => &["piix3", "piix4", "ich6"],
        "virtio-serial" => &["virtio", "virtio-transitional", "virtio-non-transitional"],
        _ => &[],
    }
}

/// `virXMLPropInt(…, 10, VIR_XML_PROP_NONNEGATIVE)`.
fn nonnegative_int(node: Node<'_, '_>, attr: &str) -> Result<(), ConfError> {
    let Some(v) = node.attribute(attr) else {
        return Ok(());
    };
    let t = v.trim_start();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let n = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<i64>().ok().and_then(|n| i32::try_from(n).ok())
    } else {
        None
    };
    let el = node.tag_name().name();
    match n {
        None => Err(xml_error(format!(
            "Invalid value for attribute '{attr}' in element '{el}': '{v}'. Expected integer value"
        ))),
        Some(n) if n < 0 => Err(xml_error(format!(
            "Invalid value for attribute '{attr}' in element '{el}': '{v}'. Expected non-negative value"
        ))),
        Some(_) => Ok(()),
    }
}

/// The character device target types of `kind` (`None`: any, parallel ports).
fn chr_target_types(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "serial" => Some(&[
            "none",
            "isa-serial",
            "usb-serial",
            "pci-serial",
            "spapr-vio-serial",
            "system-serial",
            "sclp-serial",
            "isa-debug",
        ]),
        "channel" => Some(&["none", "guestfwd", "virtio", "xen"]),
        "console" => Some(&[
            "none", "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm",
        ]),
        _ => None,
    }
}

/// `virDomainChr` source types.
const CHR_TYPES: &[&str] = &[
    "null",
    "vc",
    "pty",
    "dev",
    "file",
    "pipe",
    "stdio",
    "udp",
    "tcp",
    "unix",
    "spicevmc",
    "spiceport",
    "nmdm",
    "qemu-vdagent",
    "dbus",
];

/// The parse-time refusals for one child of `<devices>`.
pub(crate) fn device(node: Node<'_, '_>) -> Result<(), ConfError> {
    match node.tag_name().name() {
        "disk" => {
            const TYPES: &[&str] = &[
                "none",
                "file",
                "block",
                "dir",
                "network",
                "volume",
                "nvme",
                "vhostuser",
            ];
            prop_enum(node, "type", TYPES, true, false)?;
            prop_enum(
                node,
                "device",
                &["disk", "cdrom", "floppy", "lun"],
                false,
                false,
            )?;
            if let Some(t) = child(node, "target") {
                const BUSES: &[&str] = &[
                    "none", "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd",
                ];
                prop_enum(t, "bus", BUSES, true, false)?;
            }
        }
        "controller" => {
            const TYPES: &[&str] = &[
                "ide",
                "fdc",
                "scsi",
                "sata",
                "virtio-serial",
                "ccid",
                "usb",
                "pci",
                "xenbus",
                "isa",
            ];
            prop_enum(node, "type", TYPES, false, false)?;
            if let Some(m) = node.attribute("model")
                && !controller_models(node.attribute("type").unwrap_or("ide")).contains(&m)
            {
                return Err(unsupported(format!("Unknown model type '{m}'")));
            }
            nonnegative_int(node, "index")?;
        }
        kind @ ("serial" | "parallel" | "console" | "channel") => {
            if let Some(t) = node.attribute("type")
                && !CHR_TYPES.contains(&t)
            {
                return Err(unsupported(format!(
                    "unknown type presented to host for character device: {t}"
                )));
            }
            if let Some(allowed) = chr_target_types(kind)
                && let Some(tt) = child(node, "target").and_then(|t| t.attribute("type"))
                && !allowed.contains(&tt)
            {
                return Err(unsupported(format!(
                    "unknown target type '{tt}' specified for character device"
                )));
            }
        }
        "input" => {
            let Some(t) = node.attribute("type") else {
                return Err(ConfError::Internal("missing input device type".into()));
            };
            if !["mouse", "tablet", "keyboard", "passthrough", "evdev"].contains(&t) {
                return Err(unsupported(format!("unknown input device type '{t}'")));
            }
            if let Some(b) = node.attribute("bus")
                && !["ps2", "usb", "xen", "parallels", "virtio", "none"].contains(&b)
            {
                return Err(unsupported(format!("unknown input bus type '{b}'")));
            }
        }
        "graphics" => {
            const TYPES: &[&str] = &[
                "sdl",
                "vnc",
                "rdp",
                "desktop",
                "spice",
                "egl-headless",
                "dbus",
            ];
            prop_enum(node, "type", TYPES, false, true)?;
        }
        "sound" => {
            const MODELS: &[&str] = &[
                "sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7",
            ];
            prop_enum(node, "model", MODELS, false, true)?;
        }
        "video" => {
            const MODELS: &[&str] = &[
                "default",
                "vga",
                "cirrus",
                "vmvga",
                "xen",
                "vbox",
                "qxl",
                "parallels",
                "virtio",
                "gop",
                "none",
                "bochs",
                "ramfb",
            ];
            if let Some(t) = child(node, "model")
                .and_then(|m| m.attribute("type"))
                .filter(|t| !t.is_empty())
                && !MODELS.contains(&t)
            {
                return Err(unsupported(format!("unknown video model '{t}'")));
            }
        }
        "hostdev" => {
            if let Some(m) = node.attribute("mode")
                && !["subsystem", "capabilities"].contains(&m)
            {
                return Err(unsupported(format!("unknown hostdev mode '{m}'")));
            }
        }
        "watchdog" => {
            let Some(m) = node.attribute("model") else {
                return Err(ConfError::Internal(
                    "watchdog must contain model name".into(),
                ));
            };
            if !["i6300esb", "ib700", "diag288"].contains(&m) {
                return Err(unsupported(format!("unknown watchdog model '{m}'")));
            }
        }
        "memballoon" => {
            const MODELS: &[&str] = &[
                "virtio",
                "xen",
                "none",
                "virtio-transitional",
                "virtio-non-transitional",
            ];
            prop_enum(node, "model", MODELS, false, true)?;
        }
        "rng" => {
            let Some(m) = node.attribute("model") else {
                return Err(xml_error("missing RNG device model"));
            };
            if !["virtio", "virtio-transitional", "virtio-non-transitional"].contains(&m) {
                return Err(unsupported(format!("unknown RNG model '{m}'")));
            }
        }
        _ => {}
    }
    Ok(())
}

/// `<target dev>` of a disk.
fn disk_dst<'a>(disk: Node<'a, '_>) -> Option<&'a str> {
    child(disk, "target").and_then(|t| t.attribute("dev"))
}

/// The path libvirt names a disk by in messages (`virDomainDiskGetSource`).
fn disk_source<'a>(disk: Node<'a, '_>) -> Option<&'a str> {
    let src = child(disk, "source")?;
    let attr = match disk.attribute("type").unwrap_or("file") {
        "block" => "dev",
        "dir" => "dir",
        "network" => "name",
        "volume" => "volume",
        _ => "file",
    };
    src.attribute(attr)
}

/// Define-time validation of disk targets (`virDomainDiskDefValidate`, then
/// `virDomainDefDuplicateDiskInfoValidate`): each disk names a target, no two the same.
pub(crate) fn disk_targets(devices: Node<'_, '_>) -> Result<(), ConfError> {
    let disks: Vec<Node<'_, '_>> = children(devices, "disk").collect();
    for d in &disks {
        if disk_dst(*d).is_none() {
            let src = child(*d, "source");
            if d.attribute("type") == Some("volume")
                && let Some(s) = src
            {
                return Err(ConfError::NoTarget(format!(
                    "pool = '{}', volume = '{}'",
                    s.attribute("pool").unwrap_or("(null)"),
                    s.attribute("volume").unwrap_or("(null)")
                )));
            }
            return Err(ConfError::NoTarget(
                disk_source(*d).unwrap_or_default().to_owned(),
            ));
        }
    }
    for (i, a) in disks.iter().enumerate() {
        for b in &disks[i + 1..] {
            if disk_dst(*a) == disk_dst(*b) {
                return Err(xml_error(format!(
                    "target '{}' duplicated for disk sources '{}' and '{}'",
                    disk_dst(*a).unwrap_or_default(),
                    disk_source(*a).unwrap_or("(null)"),
                    disk_source(*b).unwrap_or("(null)")
                )));
            }
        }
    }
    Ok(())
}
