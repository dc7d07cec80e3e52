//! Devices: `-device` and the backends each one needs (`-blockdev`, `-netdev`, `-chardev`,
//! `-audiodev`, `-vnc`), in libvirt 9.0's order: controllers (PCI by index, then USB),
//! disks, network interfaces, serial ports, audio backends, graphics, video, balloon.
//!
//! [`Parts::sort`] first sorts the devices by kind and refuses the kinds this builder does
//! not translate. Each emitter then checks the device's own options and computes what a
//! start computes: the alias QEMU knows the device by (its `id`), the bus name of its PCI
//! address, block node names and boot indexes.

use super::machine::{only_attrs, parse_uint};
use super::syntax::{Props, escape_comma};
use super::{Builder, CommandError, NetFds};
use oxvirt_conf::domain::chr::ChrSource;
use oxvirt_conf::domain::devices::DEVICE_ORDER;
use oxvirt_conf::domain::disk::DiskDef;
use oxvirt_conf::domain::graphics::VncGraphics;
use oxvirt_conf::domain::net::{NetDef, NetType};
use oxvirt_conf::domain::{Device, DeviceAddress, DeviceInfo, DomainDef, RawDevice};

fn unsupported(msg: impl Into<String>) -> CommandError {
    CommandError::Unsupported(msg.into())
}

/// The devices of a definition by kind, in document order.
#[derive(Debug, Default)]
pub(super) struct Parts<'a> {
    disks: Vec<&'a DiskDef>,
    controllers: Vec<&'a RawDevice>,
    serials: Vec<&'a RawDevice>,
    vnc: Vec<&'a VncGraphics>,
    audios: Vec<&'a RawDevice>,
    videos: Vec<&'a RawDevice>,
    balloons: Vec<&'a RawDevice>,
}

impl<'a> Parts<'a> {
    /// Sorts the devices of `def` by kind; refuses kinds that are not translated.
    pub(super) fn sort(def: &'a DomainDef) -> Result<Parts<'a>, CommandError> {
        let mut p = Parts::default();
        for (k, dev) in &def.devices.others {
            let kind = DEVICE_ORDER.get(*k).copied().unwrap_or("unknown");
            match (kind, dev) {
                ("disk", Device::Disk(d)) => p.disks.push(d),
                ("disk", Device::Raw(r)) => {
                    let dev = r.element.child("target").and_then(|t| t.attr("dev"));
                    return Err(unsupported(format!(
                        "disk '{}': only local file or block images with plain driver options are translated",
                        dev.unwrap_or("")
                    )));
                }
                ("graphics", Device::Vnc(g)) => p.vnc.push(g),
                ("graphics", Device::Raw(r)) => {
                    return Err(unsupported(format!(
                        "graphics type '{}' is not translated",
                        r.element.attr("type").unwrap_or("")
                    )));
                }
                (_, Device::Raw(r)) => match kind {
                    "controller" => p.controllers.push(r),
                    "serial" => p.serials.push(r),
                    "console" => check_console(r)?,
                    "input" => check_input(r)?,
                    "audio" => p.audios.push(r),
                    "video" => p.videos.push(r),
                    "memballoon" => p.balloons.push(r),
                    other => {
                        return Err(unsupported(format!(
                            "<{other}> devices are not translated to the QEMU command line"
                        )));
                    }
                },
                (other, _) => {
                    return Err(unsupported(format!("<{other}> device is not translated")));
                }
            }
        }
        Ok(p)
    }

    /// Number of graphics devices (none: `-display none`).
    pub(super) fn graphics_count(&self) -> usize {
        self.vnc.len()
    }
}

/// A console that is the first serial port is that port's alias, nothing to emit.
fn check_console(r: &RawDevice) -> Result<(), CommandError> {
    let target = r.element.child("target").and_then(|t| t.attr("type"));
    if matches!(target, None | Some("serial")) {
        Ok(())
    } else {
        Err(unsupported(format!(
            "console target type '{}' is not translated",
            target.unwrap_or("")
        )))
    }
}

/// The PS/2 mouse and keyboard are part of every PC: nothing to emit.
fn check_input(r: &RawDevice) -> Result<(), CommandError> {
    let e = &r.element;
    match (e.attr("type"), e.attr("bus")) {
        (Some("mouse" | "keyboard"), Some("ps2")) => Ok(()),
        (t, bus) => Err(unsupported(format!(
            "input device type '{}' on bus '{}' is not translated",
            t.unwrap_or(""),
            bus.unwrap_or("")
        ))),
    }
}

/// Emits every device in libvirt's order.
pub(super) fn emit(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    controllers(b, parts)?;
    disks(b, parts)?;
    nets(b, parts)?;
    serials(b, parts)?;
    audios(b, parts)?;
    graphics(b, parts)?;
    videos(b, parts)?;
    balloon(b, parts)
}

// ---------------------------------------------------------------------------------------
// Addresses and aliases

fn controller_type(c: &RawDevice) -> &str {
    c.element.attr("type").unwrap_or("")
}

fn controller_index(c: &RawDevice) -> u32 {
    c.element
        .attr("index")
        .and_then(|i| i.trim().parse().ok())
        .unwrap_or(0)
}

/// The id of a controller: its alias, else libvirt's rule.
fn controller_alias(c: &RawDevice, q35: bool) -> String {
    match &c.info.alias {
        Some(a) => a.clone(),
        None => super::aliases::controller(c, q35),
    }
}

/// The QEMU bus name of PCI bus `bus`: the alias of the PCI controller with that index.
fn pci_bus_name(b: &Builder<'_>, parts: &Parts<'_>, bus: u32) -> Result<String, CommandError> {
    let q35 = b.machine.q35;
    let ctrl = parts
        .controllers
        .iter()
        .find(|c| controller_type(c) == "pci" && controller_index(c) == bus);
    match ctrl {
        // The root bus is built in, so a user alias cannot rename it.
        Some(c) if bus == 0 => Ok(match c.element.attr("model") {
            Some("pcie-root") => "pcie.0".into(),
            _ => "pci.0".into(),
        }),
        Some(c) => Ok(controller_alias(c, q35)),
        None if bus == 0 => Ok(if q35 { "pcie.0" } else { "pci.0" }.into()),
        None => Err(CommandError::Incomplete(format!(
            "no PCI controller with index {bus}"
        ))),
    }
}

/// Adds `bus`, `multifunction` and `addr` for the device's PCI address.
fn pci_address(
    b: &Builder<'_>,
    parts: &Parts<'_>,
    props: Props,
    info: &DeviceInfo,
    what: &str,
) -> Result<Props, CommandError> {
    check_info(info, what)?;
    match &info.address {
        Some(DeviceAddress::Pci {
            location: Some([domain, bus, slot, function]),
            multifunction,
            zpci,
        }) => {
            if *domain != 0 || zpci.is_some() {
                return Err(unsupported(format!(
                    "{what}: only PCI domain 0 is translated"
                )));
            }
            let addr = if *function == 0 {
                format!("0x{slot:x}")
            } else {
                format!("0x{slot:x}.0x{function:x}")
            };
            Ok(props
                .str("bus", pci_bus_name(b, parts, *bus)?)
                .opt_bool("multifunction", *multifunction)
                .str("addr", addr))
        }
        Some(DeviceAddress::Pci { location: None, .. }) | None => Err(CommandError::Incomplete(
            format!("{what} has no PCI address (define assigns one)"),
        )),
        Some(_) => Err(unsupported(format!(
            "{what}: only PCI addresses are translated for this device"
        ))),
    }
}

/// Info-block options no device here translates.
fn check_info(info: &DeviceInfo, what: &str) -> Result<(), CommandError> {
    if info.rom.is_some() {
        return Err(unsupported(format!("{what}: <rom> is not translated")));
    }
    if info.acpi_index.is_some() {
        return Err(unsupported(format!(
            "{what}: <acpi index> is not translated"
        )));
    }
    if info.master_startport.is_some() {
        return Err(unsupported(format!("{what}: <master> is not translated")));
    }
    if info.loadparm.is_some() {
        return Err(unsupported(format!(
            "{what}: boot loadparm is not translated"
        )));
    }
    Ok(())
}

/// Refuses child elements of a device other than `allowed` (its info block is parsed
/// apart and does not count).
fn only_children(r: &RawDevice, allowed: &[&str], what: &str) -> Result<(), CommandError> {
    match r
        .element
        .elements()
        .find(|e| !allowed.contains(&e.name.as_ref()))
    {
        Some(e) => Err(unsupported(format!(
            "{what}: <{}> is not translated to the QEMU command line",
            e.name
        ))),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Controllers

fn controllers(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    let q35 = b.machine.q35;
    let mut pci: Vec<&RawDevice> = Vec::new();
    let mut usb: Vec<&RawDevice> = Vec::new();
    for c in &parts.controllers {
        let (ty, idx) = (controller_type(c), controller_index(c));
        match ty {
            "pci" => pci.push(c),
            "usb" => usb.push(c),
            // The chipset's own controllers: PIIX3 IDE, ICH9 AHCI, the ISA floppy
            // controller. They exist without an option.
            "ide" if idx == 0 && !q35 => {}
            "sata" if idx == 0 && q35 => {}
            "fdc" if idx == 0 && !q35 => {}
            _ => {
                return Err(unsupported(format!(
                    "{ty} controller {idx} is not translated to the QEMU command line"
                )));
            }
        }
    }
    // PCI controllers in index order, so each bus exists before a device plugs into it.
    pci.sort_by_key(|c| controller_index(c));
    for c in pci {
        pci_controller(b, parts, c)?;
    }
    usb.sort_by_key(|c| controller_index(c));
    for c in usb {
        usb_controller(b, parts, c)?;
    }
    Ok(())
}

fn pci_controller(
    b: &mut Builder<'_>,
    parts: &Parts<'_>,
    c: &RawDevice,
) -> Result<(), CommandError> {
    let idx = controller_index(c);
    let model = c.element.attr("model").unwrap_or("");
    let what = format!("PCI controller {idx}");
    match model {
        // The root bus is part of the machine.
        "pci-root" | "pcie-root" if idx == 0 => return Ok(()),
        "pcie-root-port" => {}
        other => {
            return Err(unsupported(format!(
                "{what}: model '{other}' is not translated"
            )));
        }
    }
    only_attrs(&c.element, &["type", "index", "model"], &what)?;
    only_children(c, &["model", "target"], &what)?;
    let driver = c
        .element
        .child("model")
        .and_then(|m| m.attr("name"))
        .unwrap_or("pcie-root-port");
    let target = c.element.child("target");
    if let Some(t) = target {
        only_attrs(t, &["chassis", "port", "hotplug"], &what)?;
    }
    let number = |k: &str| -> Result<u64, CommandError> {
        target
            .and_then(|t| t.attr(k))
            .and_then(parse_uint)
            .ok_or_else(|| CommandError::Incomplete(format!("{what} has no target {k}")))
    };
    let hotplug = match target.and_then(|t| t.attr("hotplug")) {
        None => None,
        Some("on") => Some(true),
        Some("off") => Some(false),
        Some(o) => return Err(unsupported(format!("{what}: hotplug='{o}'"))),
    };
    let props = Props::new()
        .str("driver", driver)
        .uint("port", number("port")?)
        .uint("chassis", number("chassis")?)
        .str("id", controller_alias(c, b.machine.q35))
        .opt_bool("hotplug", hotplug);
    let props = pci_address(b, parts, props, &c.info, &what)?;
    b.json("-device", &props);
    Ok(())
}

fn usb_controller(
    b: &mut Builder<'_>,
    parts: &Parts<'_>,
    c: &RawDevice,
) -> Result<(), CommandError> {
    let idx = controller_index(c);
    let what = format!("USB controller {idx}");
    only_attrs(&c.element, &["type", "index", "model"], &what)?;
    only_children(c, &[], &what)?;
    let driver = match c.element.attr("model") {
        Some("none") => return Ok(()),
        Some("piix3-uhci") => "piix3-usb-uhci",
        Some("piix4-uhci") => "piix4-usb-uhci",
        Some("qemu-xhci") => "qemu-xhci",
        Some("nec-xhci") => "nec-usb-xhci",
        Some(other) => {
            return Err(unsupported(format!(
                "{what}: model '{other}' is not translated"
            )));
        }
        None => {
            return Err(CommandError::Incomplete(format!(
                "{what} has no model (define sets one)"
            )));
        }
    };
    let props = Props::new()
        .str("driver", driver)
        .str("id", controller_alias(c, b.machine.q35));
    let props = pci_address(b, parts, props, &c.info, &what)?;
    b.json("-device", &props);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Disks

// Positions in the attribute slots of `DiskDef` (libvirt's print order, see oxvirt-conf).
const DISK_TYPE: usize = 0;
const DISK_DEVICE: usize = 1;
const DISK_SNAPSHOT: usize = 5;
const DRIVER_NAME: usize = 0;
const DRIVER_TYPE: usize = 1;
const TARGET_TRAY: usize = 2;

/// The disk options checked and read once.
struct Disk<'a> {
    def: &'a DiskDef,
    dev: &'a str,
    bus: &'a str,
    cdrom: bool,
    format: &'a str,
}

fn check_disk(d: &DiskDef) -> Result<Disk<'_>, CommandError> {
    let dev = d.dev().unwrap_or("");
    let what = format!("disk '{dev}'");
    for (i, v) in d.attrs.iter().enumerate() {
        if let Some(v) = v
            && !matches!(i, DISK_TYPE | DISK_DEVICE | DISK_SNAPSHOT)
        {
            return Err(unsupported(format!(
                "{what}: disk attribute value '{v}' is not translated"
            )));
        }
    }
    let source_type = d.attrs[DISK_TYPE].as_deref().unwrap_or("file");
    if !matches!(source_type, "file" | "block") {
        return Err(unsupported(format!(
            "{what}: source type '{source_type}' is not translated"
        )));
    }
    let cdrom = match d.attrs[DISK_DEVICE].as_deref().unwrap_or("disk") {
        "disk" => false,
        "cdrom" => true,
        other => {
            return Err(unsupported(format!(
                "{what}: device '{other}' is not translated"
            )));
        }
    };
    for (i, v) in d.driver.iter().enumerate() {
        if let Some(v) = v
            && !matches!(i, DRIVER_NAME | DRIVER_TYPE)
        {
            return Err(unsupported(format!(
                "{what}: driver option value '{v}' is not translated"
            )));
        }
    }
    if let Some(n) = d.driver[DRIVER_NAME].as_deref()
        && n != "qemu"
    {
        return Err(unsupported(format!("{what}: driver name '{n}'")));
    }
    let format = d.driver[DRIVER_TYPE].as_deref().unwrap_or("raw");
    if !matches!(format, "raw" | "qcow2") {
        return Err(unsupported(format!(
            "{what}: image format '{format}' is not translated"
        )));
    }
    if let Some(v) = d.target[TARGET_TRAY..].iter().flatten().next() {
        return Err(unsupported(format!(
            "{what}: target attribute value '{v}' is not translated"
        )));
    }
    if d.shareable {
        return Err(unsupported(format!(
            "{what}: <shareable/> is not translated"
        )));
    }
    if d.serial.is_some() {
        return Err(unsupported(format!("{what}: <serial> is not translated")));
    }
    check_info(&d.info, &what)?;
    Ok(Disk {
        def: d,
        dev,
        bus: d.bus().unwrap_or(""),
        cdrom,
        format,
    })
}

/// Boot indexes of the disks and interfaces: from `<os><boot dev>` (each kind gets its
/// position in that list, on its first device only) or from per-device `<boot order>`.
fn boot_indexes(def: &DomainDef, disks: &[Disk<'_>]) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
    let devs = &def.os.boot_devs;
    if devs.is_empty() {
        return (
            disks.iter().map(|d| d.def.info.boot_order).collect(),
            def.devices
                .interfaces
                .iter()
                .map(|n| n.info.boot_order)
                .collect(),
        );
    }
    let pos = |name: &str| {
        devs.iter()
            .rposition(|d| d == name)
            .and_then(|p| u32::try_from(p + 1).ok())
    };
    let (mut hd, mut cd, mut net) = (pos("hd"), pos("cdrom"), pos("network"));
    let disk_idx = disks
        .iter()
        .map(|d| if d.cdrom { cd.take() } else { hd.take() })
        .collect();
    let net_idx = def.devices.interfaces.iter().map(|_| net.take()).collect();
    (disk_idx, net_idx)
}

fn disks(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    let q35 = b.machine.q35;
    let disks: Vec<Disk<'_>> = parts
        .disks
        .iter()
        .map(|d| check_disk(d))
        .collect::<Result<_, _>>()?;
    let (boot, _) = boot_indexes(b.def, &disks);
    // Node names are numbered at start from the last disk backwards; empty drives get
    // none.
    let mut nodes = vec![None; disks.len()];
    let mut next = 1u32;
    for (i, d) in disks.iter().enumerate().rev() {
        if d.def.source.is_some() {
            // A live definition carries the numbers (`aliases::assign_block_nodes`).
            nodes[i] = Some(d.def.source_index.unwrap_or(next));
            next += 1;
        }
    }
    for ((d, node), bootindex) in disks.iter().zip(nodes).zip(boot) {
        let what = format!("disk '{}'", d.dev);
        let drive_addr = match d.def.info.address {
            Some(DeviceAddress::Drive {
                controller,
                bus,
                target,
                unit,
            }) => Some((controller, bus, target, unit)),
            _ => None,
        };
        let (driver, alias) = match (d.bus, drive_addr) {
            ("virtio", _) if !d.cdrom => {
                let idx = super::aliases::disk_name_index(d.dev).ok_or_else(|| {
                    CommandError::Incomplete(format!("{what}: target name has no index"))
                })?;
                ("virtio-blk-pci", format!("virtio-disk{idx}"))
            }
            ("ide", Some((0, bus, 0, unit))) if !q35 => {
                (ide_driver(d), format!("ide0-{bus}-{unit}"))
            }
            ("sata", Some((0, bus, 0, unit))) if q35 => {
                (ide_driver(d), format!("sata0-{bus}-{unit}"))
            }
            _ => {
                return Err(unsupported(format!(
                    "{what}: {} {} on bus '{}' at this address is not translated",
                    if d.cdrom { "CD-ROM" } else { "disk" },
                    d.dev,
                    d.bus
                )));
            }
        };
        let alias = d.def.info.alias.clone().unwrap_or(alias);
        let mut format_node = None;
        if let (Some((_, path)), Some(n)) = (&d.def.source, node) {
            let storage = format!("libvirt-{n}-storage");
            let format = format!("libvirt-{n}-format");
            let block = d.def.attrs[DISK_TYPE].as_deref() == Some("block");
            let protocol = match (block, d.cdrom) {
                (false, _) => "file",
                (true, false) => "host_device",
                (true, true) => "host_cdrom",
            };
            // The protocol layer opens read-only or read-write as the format layer above
            // needs; discards pass through and the format layer decides.
            b.json(
                "-blockdev",
                &Props::new()
                    .str("driver", protocol)
                    .str("filename", path.as_str())
                    .str("node-name", storage.as_str())
                    .bool("auto-read-only", true)
                    .str("discard", "unmap"),
            );
            let mut fmt = Props::new()
                .str("node-name", format.as_str())
                .bool("read-only", d.def.readonly || d.cdrom)
                .str("driver", d.format)
                .str("file", storage);
            // libvirt manages backing chains itself: after probing found no backing file
            // it tells QEMU not to look for one.
            if d.format == "qcow2" && b.ctx.disk_chains_probed {
                fmt = fmt.null("backing");
            }
            b.json("-blockdev", &fmt);
            format_node = Some(format);
        }
        let mut props = Props::new().str("driver", driver);
        props = match drive_addr {
            Some((_, bus, _, unit)) if d.bus == "ide" => props
                .str("bus", format!("ide.{bus}"))
                .uint("unit", unit.into()),
            // AHCI ports are buses of their own, one device each.
            Some((_, _, _, unit)) => props.str("bus", format!("ide.{unit}")),
            None => pci_address(b, parts, props, &d.def.info, &what)?,
        };
        if let Some(f) = format_node {
            props = props.str("drive", f);
        }
        props = props
            .str("id", alias)
            .opt_uint("bootindex", bootindex.map(u64::from));
        b.json("-device", &props);
    }
    Ok(())
}

fn ide_driver(d: &Disk<'_>) -> &'static str {
    if d.cdrom { "ide-cd" } else { "ide-hd" }
}

// ---------------------------------------------------------------------------------------
// Network interfaces

/// Refuses interface options that would change the command line and are not translated.
/// Host-side settings (bandwidth, VLAN, virtualport, filters, link state, which is set
/// over QMP after start) do not appear on it.
fn check_net(n: &NetDef, what: &str) -> Result<(), CommandError> {
    let drv = &n.driver;
    let tuned = drv.txmode.is_some()
        || drv.ioeventfd.is_some()
        || drv.event_idx.is_some()
        || drv.queues.is_some_and(|q| q > 1)
        || drv.rx_queue_size.is_some()
        || drv.tx_queue_size.is_some()
        || drv.rss.is_some()
        || drv.rss_hash_report.is_some()
        || drv.host.iter().any(Option::is_some)
        || drv.guest.iter().any(Option::is_some)
        || n.virtio.as_ref().is_some_and(|v| v.any_set());
    if tuned {
        return Err(unsupported(format!(
            "{what}: <driver> tuning is not translated"
        )));
    }
    let refused = [
        (n.sndbuf.is_some(), "<tune><sndbuf>"),
        (n.teaming.is_some(), "<teaming>"),
        (n.mtu.is_some(), "<mtu>"),
        (n.coalesce.is_some(), "<coalesce>"),
        (n.backend_domain.is_some(), "<backenddomain>"),
        (
            n.backend.kind.as_deref().is_some_and(|k| k != "default"),
            "<backend type>",
        ),
        (
            !n.guest_ip.is_empty() && n.net_type == NetType::User,
            "<ip> of a user interface",
        ),
        (!n.port_forwards.is_empty(), "<portForward>"),
    ];
    if let Some((_, name)) = refused.iter().find(|(r, _)| *r) {
        return Err(unsupported(format!("{what}: {name} is not translated")));
    }
    check_info(&n.info, what)
}

/// The `-netdev` object of an interface.
fn netdev(n: &NetDef, fds: &NetFds, host_alias: &str, what: &str) -> Result<Props, CommandError> {
    let join = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(":");
    match n.actual_type() {
        // All of these reach QEMU as an open tap (or macvtap) descriptor the manager
        // created and passes down.
        NetType::Bridge | NetType::Network | NetType::Ethernet | NetType::Direct => {
            if fds.tap.len() != 1 || fds.vhost.len() > 1 {
                return Err(CommandError::Context(format!(
                    "{what} needs one tap descriptor and at most one vhost descriptor, got {} and {}",
                    fds.tap.len(),
                    fds.vhost.len()
                )));
            }
            // The descriptor numbers are strings: the QAPI type of 'fd' is str.
            let mut p = Props::new().str("type", "tap").str("fd", join(&fds.tap));
            if !fds.vhost.is_empty() {
                p = p.bool("vhost", true).str("vhostfd", join(&fds.vhost));
            }
            Ok(p.str("id", host_alias))
        }
        NetType::User => {
            if !fds.tap.is_empty() || !fds.vhost.is_empty() {
                return Err(CommandError::Context(format!(
                    "{what} is a user interface and takes no descriptors"
                )));
            }
            Ok(Props::new().str("type", "user").str("id", host_alias))
        }
        other => Err(unsupported(format!(
            "{what}: interface type '{other}' is not translated"
        ))),
    }
}

fn nets(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    let def = b.def;
    let ifaces = &def.devices.interfaces;
    if b.ctx.net_fds.len() > ifaces.len() {
        return Err(CommandError::Context(format!(
            "descriptors given for {} interfaces, the domain has {}",
            b.ctx.net_fds.len(),
            ifaces.len()
        )));
    }
    let (_, boot) = boot_indexes(def, &[]);
    let none = NetFds::default();
    for (i, (n, bootindex)) in ifaces.iter().zip(boot).enumerate() {
        let alias = n.info.alias.clone().unwrap_or_else(|| format!("net{i}"));
        let what = format!("interface '{alias}'");
        check_net(n, &what)?;
        let fds = b.ctx.net_fds.get(i).unwrap_or(&none).clone();
        let host_alias = format!("host{alias}");
        let backend = netdev(n, &fds, &host_alias, &what)?;
        b.pass_fds.extend(fds.tap.iter().chain(&fds.vhost));
        b.json("-netdev", &backend);
        let driver = match n.model.as_deref() {
            Some("virtio") => "virtio-net-pci",
            Some(m @ ("e1000" | "e1000e" | "rtl8139")) => m,
            Some(other) => {
                return Err(unsupported(format!(
                    "{what}: model '{other}' is not translated"
                )));
            }
            None => {
                return Err(CommandError::Incomplete(format!(
                    "{what} has no model (define sets one)"
                )));
            }
        };
        let props = Props::new()
            .str("driver", driver)
            .str("netdev", host_alias)
            .str("id", alias.as_str())
            .str("mac", n.mac.to_string())
            .opt_uint("bootindex", bootindex.map(u64::from));
        let props = pci_address(b, parts, props, &n.info, &what)?;
        b.json("-device", &props);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Serial ports

fn serials(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    for (i, s) in parts.serials.iter().enumerate() {
        let alias = s.info.alias.clone().unwrap_or_else(|| format!("serial{i}"));
        let what = format!("serial port '{alias}'");
        check_info(&s.info, &what)?;
        only_children(s, &["target"], &what)?;
        // The pty's path is learned from QEMU after start (query-chardev).
        let pty = matches!(
            &s.chr,
            Some((src, _, _)) if matches!(src.source, ChrSource::Path { pty: true, .. }) && src.log.is_none()
        );
        if !pty {
            return Err(unsupported(format!(
                "{what}: only plain pty character devices are translated"
            )));
        }
        let target = s.element.child("target");
        if let Some(t) = target {
            only_attrs(t, &["type", "port"], &what)?;
            if let Some(ty) = t.attr("type")
                && ty != "isa-serial"
            {
                return Err(unsupported(format!("{what}: target type '{ty}'")));
            }
            for m in t.elements() {
                if m.name != "model" || m.attr("name").is_some_and(|n| n != "isa-serial") {
                    return Err(unsupported(format!(
                        "{what}: only the isa-serial model is translated"
                    )));
                }
            }
        }
        let port = match target.and_then(|t| t.attr("port")) {
            Some(p) => parse_uint(p)
                .ok_or_else(|| CommandError::Incomplete(format!("{what}: port '{p}'")))?,
            None => i as u64,
        };
        let chardev = format!("char{alias}");
        b.opt("-chardev", format!("pty,id={}", escape_comma(&chardev)));
        b.json(
            "-device",
            &Props::new()
                .str("driver", "isa-serial")
                .str("chardev", chardev)
                .str("id", alias)
                .uint("index", port),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Audio, graphics, video, balloon

fn audios(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    for a in &parts.audios {
        let id = a.element.attr("id").unwrap_or("");
        let what = format!("audio backend '{id}'");
        only_attrs(&a.element, &["id", "type"], &what)?;
        only_children(a, &[], &what)?;
        match a.element.attr("type") {
            Some("none") => {}
            other => {
                return Err(unsupported(format!(
                    "{what}: type '{}' is not translated",
                    other.unwrap_or("")
                )));
            }
        }
        b.json(
            "-audiodev",
            &Props::new()
                .str("id", format!("audio{id}"))
                .str("driver", "none"),
        );
    }
    Ok(())
}

fn graphics(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    if parts.vnc.len() > 1 {
        return Err(unsupported("only one VNC server per domain is translated"));
    }
    let Some(g) = parts.vnc.first() else {
        return Ok(());
    };
    let what = "VNC graphics";
    if g.websocket != 0
        || g.keymap.is_some()
        || g.share_policy.is_some()
        || g.power_control.is_some()
    {
        return Err(unsupported(format!(
            "{what}: websocket, keymap, sharePolicy and powerControl are not translated"
        )));
    }
    let mut audio = None;
    for e in &g.extra {
        match (e.name.as_ref(), e.attr("id")) {
            ("audio", Some(id)) => audio = Some(id.to_owned()),
            (other, _) => {
                return Err(unsupported(format!("{what}: <{other}> is not translated")));
            }
        }
    }
    if g.listens.len() > 1 {
        return Err(unsupported(format!("{what}: several listens")));
    }
    let address = match g.listens.first() {
        None => b.ctx.vnc_listen.clone(),
        Some(l) if l.kind == "address" => l
            .address
            .clone()
            .unwrap_or_else(|| b.ctx.vnc_listen.clone()),
        Some(l) => {
            return Err(unsupported(format!(
                "{what}: listen type '{}' is not translated",
                l.kind
            )));
        }
    };
    // A fixed port is the definition's; an automatic one is the allocator's choice.
    let display = match (g.autoport, b.ctx.vnc_display) {
        (false, _) if g.port >= 5900 => (g.port - 5900).unsigned_abs(),
        (_, Some(d)) => u32::from(d),
        _ => {
            return Err(CommandError::Context(
                "no VNC display chosen for the VNC server".into(),
            ));
        }
    };
    let mut opt = if address.contains(':') {
        format!("[{address}]:{display}")
    } else {
        format!("{address}:{display}")
    };
    // The password itself is set over QMP after start.
    if g.passwd.is_some() {
        opt.push_str(",password=on");
    }
    let audio = match audio.or_else(|| {
        parts
            .audios
            .first()
            .and_then(|a| a.element.attr("id"))
            .map(str::to_owned)
    }) {
        Some(id) => id,
        None => {
            return Err(CommandError::Incomplete(format!(
                "{what} needs an <audio> backend (define adds one)"
            )));
        }
    };
    opt.push_str(&format!(",audiodev=audio{audio}"));
    b.opt("-vnc", opt);
    Ok(())
}

fn videos(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    if parts.videos.len() > 1 {
        return Err(unsupported("only one video device is translated"));
    }
    let Some(v) = parts.videos.first() else {
        return Ok(());
    };
    let alias = v.info.alias.clone().unwrap_or_else(|| "video0".into());
    let what = format!("video device '{alias}'");
    only_children(v, &["model"], &what)?;
    let model = v.element.child("model").ok_or_else(|| {
        CommandError::Incomplete(format!("{what} has no model (define sets one)"))
    })?;
    only_attrs(model, &["type", "vram", "heads", "primary"], &what)?;
    if model.elements().next().is_some() {
        return Err(unsupported(format!(
            "{what}: model options are not translated"
        )));
    }
    let number = |k: &str| model.attr(k).and_then(parse_uint);
    let props = match model.attr("type").unwrap_or("") {
        "none" => return Ok(()),
        "cirrus" => Props::new().str("driver", "cirrus-vga").str("id", alias),
        // vram is in KiB; these cards take their video memory in MiB.
        "vga" => Props::new().str("driver", "VGA").str("id", alias).opt_uint(
            "vgamem_mb",
            number("vram").map(|k| k / 1024).filter(|m| *m > 0),
        ),
        "vmvga" => Props::new()
            .str("driver", "vmware-svga")
            .str("id", alias)
            .opt_uint(
                "vgamem_mb",
                number("vram").map(|k| k / 1024).filter(|m| *m > 0),
            ),
        "virtio" => Props::new()
            .str("driver", "virtio-vga")
            .str("id", alias)
            .opt_uint("max_outputs", number("heads").filter(|h| *h > 0)),
        other => {
            return Err(unsupported(format!(
                "{what}: model '{other}' is not translated"
            )));
        }
    };
    let props = pci_address(b, parts, props, &v.info, &what)?;
    b.json("-device", &props);
    Ok(())
}

fn balloon(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    let Some(m) = parts.balloons.first() else {
        return Ok(());
    };
    let what = "memory balloon";
    only_attrs(
        &m.element,
        &["model", "autodeflate", "freePageReporting"],
        what,
    )?;
    // The statistics period is set over QMP after start.
    only_children(m, &["stats"], what)?;
    match m.element.attr("model") {
        Some("none") => return Ok(()),
        Some("virtio") => {}
        other => {
            return Err(unsupported(format!(
                "{what}: model '{}' is not translated",
                other.unwrap_or("")
            )));
        }
    }
    let switch = |k: &str| match m.element.attr(k) {
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        None => Ok(None),
        Some(o) => Err(unsupported(format!("{what}: {k}='{o}'"))),
    };
    let alias = m.info.alias.clone().unwrap_or_else(|| "balloon0".into());
    let props = Props::new()
        .str("driver", "virtio-balloon-pci")
        .str("id", alias)
        .opt_bool("deflate-on-oom", switch("autodeflate")?)
        .opt_bool("free-page-reporting", switch("freePageReporting")?);
    let props = pci_address(b, parts, props, &m.info, what)?;
    b.json("-device", &props);
    Ok(())
}
