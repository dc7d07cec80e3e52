//! QEMU post-parse defaults that need no running QEMU: what libvirt's QEMU driver fills in
//! from the recorded capabilities of QEMU 8.0.0 on x86_64 (`caps_8.0.0.x86_64.xml`, the
//! capabilities of libvirt's `x86_64-latest` tests).
//!
//! Flow, in the order libvirt's `virDomainDefPostParse` runs the QEMU callbacks:
//! 1. [`domain_defaults`] (the driver's domain callback, before the per-device callbacks):
//!    emulator and machine type (absent: `pc-i440fx-8.0`; the aliases `pc` and `q35` stay as
//!    written, libvirt canonicalises them only when starting the domain), implicit
//!    PS/2 inputs, USB controller 0, SATA on q35, `pci-root`/`pcie-root`, a virtio
//!    `<memballoon>`, the default `<audio>` backend, the default guest CPU (`qemu64`).
//! 2. [`device_defaults`] (per-device callbacks): USB/video/vsock/interface models, disk
//!    driver name and format, encryption engine, video memory sizes.
//! 3. [`implicit_chardevs`] (libvirt's common implicit devices, which the QEMU callbacks
//!    shape): the `<serial>` a first `<console>` stands for, serial and console targets,
//!    the `virtio-serial` controller of virtio channels and their ports.
//! 4. [`assign_pci_addresses`] (after the common post-parse): sPAPR VIO registers of
//!    `ibmvscsi` controllers, then libvirt's two-pass PCI
//!    address assignment: a dry run that counts the buses to add (pcie-root-ports,
//!    pci-bridges, a pcie-to-pci-bridge), the controllers for those buses, then the real
//!    pass in libvirt's device order, `multifunction='on'` where a slot is shared and the
//!    PCI controllers' model names, chassis and port numbers.
//!
//! Devices not modelled as types yet are edited as [`RawElement`]s.

use super::device_info::{DeviceAddress, DeviceInfo};
use super::devices::{DEVICE_ORDER, Device, RawDevice};
use super::{DomainDef, SECTION_ORDER};
use crate::ConfError;
use oxvirt_xml::{RawElement, RawNode};

/// Which driver's post-parse defaults a parse applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Defaults {
    /// Only libvirt's hypervisor-agnostic defaults (what the test driver does).
    #[default]
    Plain,
    /// Plus the QEMU driver's defaults for the recorded QEMU 8.0.0 x86_64 capabilities.
    Qemu,
}

/// What the QEMU driver's defaults take from the capabilities of the emulator: the QEMU
/// driver fills it from the binary it probed ([`Defaults::Qemu`] uses libvirt's recorded
/// QEMU 8.0.0 capabilities, [`QemuFacts::recorded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuFacts {
    /// The emulator a definition without `<emulator>` gets.
    pub emulator: String,
    /// The machine type a definition without one gets (canonical name).
    pub default_machine: String,
    /// `(alias, canonical)` pairs: an alias in a definition becomes the canonical name,
    /// as libvirt's define stores `pc-i440fx-7.2` for `pc`. Empty: aliases stay as written.
    pub machine_aliases: Vec<(String, String)>,
    /// The default CPU model of PC machine types.
    pub default_cpu: String,
}

impl QemuFacts {
    /// libvirt's recorded QEMU 8.0.0 x86_64 capabilities (`x86_64-latest` tests), whose
    /// expected files keep machine aliases as written.
    pub fn recorded() -> Self {
        Self {
            emulator: "/usr/bin/qemu-system-x86_64".into(),
            default_machine: "pc-i440fx-8.0".into(),
            machine_aliases: Vec::new(),
            default_cpu: "qemu64".into(),
        }
    }
}

fn kind(name: &str) -> usize {
    DEVICE_ORDER
        .iter()
        .position(|k| *k == name)
        .unwrap_or(usize::MAX)
}

/// Moves the attributes named in `order` to the front, in that order.
fn order_attrs(e: &mut RawElement, order: &[&str]) {
    let mut front = Vec::new();
    for k in order {
        if let Some(i) = e.attrs.iter().position(|(a, _)| a == k) {
            front.push(e.attrs.remove(i));
        }
    }
    front.append(&mut e.attrs);
    e.attrs = front;
}

fn child_mut<'a>(e: &'a mut RawElement, name: &str) -> Option<&'a mut RawElement> {
    e.elements_mut().find(|c| c.name == name)
}

impl DomainDef {
    fn is_q35(&self) -> bool {
        self.os
            .machine
            .as_deref()
            .is_some_and(|m| m == "q35" || m.starts_with("pc-q35"))
    }

    fn is_x86(&self) -> bool {
        matches!(self.os.arch.as_deref(), Some("x86_64" | "i686"))
    }

    fn raws(&self, name: &'static str) -> impl Iterator<Item = &RawDevice> {
        let k = kind(name);
        self.devices
            .others
            .iter()
            .filter_map(move |(i, d)| match d {
                Device::Raw(r) if *i == k => Some(r.as_ref()),
                _ => None,
            })
    }

    fn raws_mut(&mut self, name: &'static str) -> impl Iterator<Item = &mut RawDevice> {
        let k = kind(name);
        self.devices
            .others
            .iter_mut()
            .filter_map(move |(i, d)| match d {
                Device::Raw(r) if *i == k => Some(r.as_mut()),
                _ => None,
            })
    }

    fn has_controller(&self, ty: &str, idx: u32) -> bool {
        self.raws("controller").any(|c| {
            c.element.attr("type") == Some(ty)
                && c.element.attr("index").and_then(|i| i.parse::<u32>().ok()) == Some(idx)
        })
    }

    fn graphics_types(&self) -> Vec<String> {
        let k = kind("graphics");
        self.devices
            .others
            .iter()
            .filter(|(i, _)| *i == k)
            .map(|(_, d)| match d {
                Device::Vnc(_) => "vnc".to_owned(),
                Device::Raw(r) => r.element.attr("type").unwrap_or("").to_owned(),
                Device::Disk(_) => String::new(),
            })
            .collect()
    }
}

/// Step 1: the QEMU driver's domain post-parse callback.
pub fn domain_defaults(def: &mut DomainDef, facts: &QemuFacts) -> Result<(), ConfError> {
    if def.devices.emulator.is_none() {
        def.devices.emulator = Some(facts.emulator.clone());
    }
    match def.os.machine.as_deref() {
        None => def.os.machine = Some(facts.default_machine.clone()),
        Some(m) => {
            if let Some((_, canonical)) = facts.machine_aliases.iter().find(|(a, _)| a == m) {
                def.os.machine = Some(canonical.clone());
            }
        }
    }
    // Implicit PS/2 devices of every x86 PC.
    if def.is_x86() {
        for ty in ["mouse", "keyboard"] {
            let present = def.raws("input").any(|i| {
                i.element.attr("type") == Some(ty) && i.element.attr("bus") == Some("ps2")
            });
            if !present {
                def.devices
                    .push_raw(RawElement::new("input", &[("type", ty), ("bus", "ps2")]));
            }
        }
    }
    let machine = def.os.machine.clone().unwrap_or_default();
    let q35 = def.is_q35();
    let i440fx = machine == "pc" || machine.starts_with("pc-i440fx") || machine.starts_with("pc-");
    if machine != "isapc" && def.is_x86() {
        if !def.raws("controller").any(|c| {
            c.element.attr("type") == Some("usb")
                && c.element.attr("index").is_none_or(|i| i == "0")
        }) {
            let mut usb = RawElement::new("controller", &[("type", "usb"), ("index", "0")]);
            if q35 {
                usb.set_attr("model", "qemu-xhci");
            }
            def.devices.push_raw(usb);
        }
        if q35 && !def.has_controller("sata", 0) {
            def.devices.push_raw(RawElement::new(
                "controller",
                &[("type", "sata"), ("index", "0")],
            ));
        }
        let root = if q35 {
            Some("pcie-root")
        } else if i440fx {
            Some("pci-root")
        } else {
            None
        };
        if let Some(model) = root {
            let existing = def
                .raws("controller")
                .find(|c| {
                    c.element.attr("type") == Some("pci") && c.element.attr("index") == Some("0")
                })
                .map(|c| c.element.attr("model").unwrap_or("").to_owned());
            match existing {
                Some(m) if m != model => {
                    return Err(ConfError::XmlDetail(format!(
                        "The PCI controller with index='0' must be model='{model}' for this machine type, but model='{m}' was found instead"
                    )));
                }
                Some(_) => {}
                None => def.devices.push_raw(RawElement::new(
                    "controller",
                    &[("type", "pci"), ("index", "0"), ("model", model)],
                )),
            }
        }
    }
    if def.raws("memballoon").next().is_none() {
        def.devices
            .push_raw(RawElement::new("memballoon", &[("model", "virtio")]));
    }
    if def.raws("audio").next().is_none() {
        // Test configuration: no host audio for VNC or without graphics; SDL passes the
        // host's audio through, which needs QEMU_AUDIO_DRV (unset: no backend).
        let graphics = def.graphics_types();
        let mut backend = None;
        for g in &graphics {
            match g.as_str() {
                "vnc" => backend = Some("none"),
                "spice" => backend = Some("spice"),
                "sdl" => backend = None,
                _ => {}
            }
        }
        if graphics.is_empty() {
            backend = Some("none");
        }
        if let Some(b) = backend {
            def.devices
                .push_raw(RawElement::new("audio", &[("id", "1"), ("type", b)]));
        }
    }
    set_default_cpu(def, &facts.default_cpu);
    Ok(())
}

fn set_default_cpu(def: &mut DomainDef, default_cpu: &str) {
    if !def.is_x86() {
        return;
    }
    let cpu_idx = SECTION_ORDER.iter().position(|s| *s == "cpu").unwrap_or(0);
    let pos = def.sections.iter().position(|(i, _)| *i == cpu_idx);
    if let Some(p) = pos {
        let cpu = &def.sections[p].1;
        let mode = cpu.attr("mode").unwrap_or("custom");
        if mode != "custom" || cpu.child("model").is_some() {
            return;
        }
    }
    let cpu = match pos {
        Some(p) => &mut def.sections[p].1,
        None => {
            let i = def
                .sections
                .iter()
                .position(|(k, _)| *k > cpu_idx)
                .unwrap_or(def.sections.len());
            def.sections
                .insert(i, (cpu_idx, RawElement::new("cpu", &[])));
            &mut def.sections[i].1
        }
    };
    cpu.set_attr("mode", "custom");
    cpu.set_attr("match", "exact");
    cpu.set_attr("check", "none");
    order_attrs(cpu, &["mode", "match", "check"]);
    // An empty `<cpu>\n</cpu>` kept its whitespace as text: it is not content.
    cpu.children
        .retain(|c| !matches!(c, RawNode::Text(t) if oxvirt_xml::read::is_blank(t)));
    let mut model = RawElement::new("model", &[("fallback", "forbid")]);
    model.children.push(RawNode::Text(default_cpu.into()));
    cpu.children.insert(0, RawNode::Element(model));
}

/// Step 2: the QEMU driver's per-device post-parse callbacks.
pub fn device_defaults(def: &mut DomainDef) {
    let q35 = def.is_q35();
    for c in def.raws_mut("controller") {
        if c.element.attr("type") == Some("usb") && c.element.attr("model").is_none() {
            c.element
                .set_attr("model", if q35 { "qemu-xhci" } else { "piix3-uhci" });
            order_attrs(&mut c.element, &["type", "index", "model"]);
        }
    }
    let disk_k = kind("disk");
    for (_, d) in def.devices.others.iter_mut().filter(|(k, _)| *k == disk_k) {
        match d {
            Device::Raw(r) => disk_defaults(&mut r.element),
            Device::Disk(d) => {
                d.default_driver_attr("name", "qemu");
                d.default_driver_attr("type", "raw");
            }
            Device::Vnc(_) => {}
        }
    }
    for v in def.raws_mut("video") {
        video_defaults(&mut v.element);
    }
    for v in def.raws_mut("vsock") {
        if v.element.attr("model").is_none() {
            v.element.attrs.insert(0, ("model".into(), "virtio".into()));
        }
    }
    for n in &mut def.devices.interfaces {
        if n.model.is_none() && !matches!(n.net_type, super::net::NetType::Hostdev) {
            n.model = Some("rtl8139".into());
        }
    }
}

fn disk_defaults(d: &mut RawElement) {
    let volume = d.attr("type") == Some("volume");
    let at = match d
        .children
        .iter()
        .position(|c| matches!(c, RawNode::Element(e) if e.name == "driver"))
    {
        Some(i) => i,
        None => {
            d.children
                .insert(0, RawNode::Element(RawElement::new("driver", &[])));
            0
        }
    };
    if let Some(RawNode::Element(drv)) = d.children.get_mut(at) {
        if drv.attr("name").is_none() {
            drv.attrs.insert(0, ("name".into(), "qemu".into()));
        }
        if drv.attr("type").is_none() && !volume {
            drv.attrs.insert(1, ("type".into(), "raw".into()));
        }
    }
    encryption_engine(d);
}

/// Every `<encryption>` of the disk's source chain gets `engine='qemu'`.
fn encryption_engine(e: &mut RawElement) {
    for c in e.elements_mut() {
        match c.name.as_ref() {
            "encryption" if c.attr("engine").is_none() => {
                c.insert_attr_after("format", "engine", "qemu");
            }
            "source" | "backingStore" => encryption_engine(c),
            _ => {}
        }
    }
}

fn video_defaults(v: &mut RawElement) {
    if child_mut(v, "model").is_none() {
        v.children
            .insert(0, RawNode::Element(RawElement::new("model", &[])));
    }
    let Some(m) = child_mut(v, "model") else {
        return;
    };
    let ty = match m.attr("type") {
        Some(t) => t.to_owned(),
        None => {
            m.set_attr("type", "cirrus");
            "cirrus".into()
        }
    };
    let vram = match ty.as_str() {
        "vga" | "cirrus" | "vmvga" | "bochs" => Some("16384"),
        "qxl" => Some("65536"),
        _ => None,
    };
    if ty == "qxl" && m.attr("ram").is_none() {
        m.set_attr("ram", "65536");
    }
    if let Some(vr) = vram
        && m.attr("vram").is_none()
    {
        m.set_attr("vram", vr);
    }
    if ty == "qxl" && m.attr("vgamem").is_none() {
        m.set_attr("vgamem", "16384");
    }
    if m.attr("heads").is_none() && ty != "none" {
        m.set_attr("heads", "1");
    }
    order_attrs(
        m,
        &[
            "type", "ram", "vram", "vram64", "vgamem", "heads", "primary",
        ],
    );
}

/// The `<target>` child of a chardev element, created when absent.
fn target_mut(e: &mut RawElement) -> &mut RawElement {
    let at = match e
        .children
        .iter()
        .position(|c| matches!(c, RawNode::Element(t) if t.name == "target"))
    {
        Some(i) => i,
        None => {
            e.children
                .push(RawNode::Element(RawElement::new("target", &[])));
            e.children.len() - 1
        }
    };
    match &mut e.children[at] {
        RawNode::Element(t) => t,
        // The index was found or pushed as an element just above.
        RawNode::Text(_) => unreachable!("target index points at an element"),
    }
}

/// Step 3: chardev compatibility and defaults, and the virtio-serial bus.
pub fn implicit_chardevs(def: &mut DomainDef) {
    let hvm = def.os.os_type == "hvm";
    let serial_k = kind("serial");
    let console_k = kind("console");
    let first_console = def.devices.others.iter().position(|(k, _)| *k == console_k);
    let has_serial = def.devices.others.iter().any(|(k, _)| *k == serial_k);
    // A first console with a serial (or no) target on an HVM guest is the first serial
    // port: without one, the console's definition becomes that port.
    if hvm
        && !has_serial
        && let Some(ci) = first_console
        && let (_, Device::Raw(con)) = &def.devices.others[ci]
        && con
            .element
            .child("target")
            .and_then(|t| t.attr("type"))
            .is_none_or(|t| t == "serial")
    {
        let mut serial = con.as_ref().clone();
        serial.element.name = "serial".into();
        serial
            .element
            .children
            .retain(|c| !matches!(c, RawNode::Element(t) if t.name == "target"));
        def.devices
            .others
            .push((serial_k, Device::Raw(Box::new(serial))));
        if let (_, Device::Raw(con)) = &mut def.devices.others[ci] {
            let t = target_mut(&mut con.element);
            t.attrs = vec![
                ("type".into(), "serial".into()),
                ("port".into(), "0".into()),
            ];
        }
    } else if hvm
        && has_serial
        && let Some(ci) = first_console
        && let (_, Device::Raw(con)) = &mut def.devices.others[ci]
        && con
            .element
            .child("target")
            .is_none_or(|t| t.attrs.is_empty())
    {
        // With a serial port present, a first console without a target is that port's
        // alias: libvirt gives it the serial target of port 0.
        let t = target_mut(&mut con.element);
        t.attrs = vec![
            ("type".into(), "serial".into()),
            ("port".into(), "0".into()),
        ];
    }
    let mut port = 0;
    for s in def.raws_mut("serial") {
        let t = target_mut(&mut s.element);
        let ty = t.attr("type").unwrap_or("isa-serial").to_owned();
        if t.attr("type").is_none() {
            t.attrs.insert(0, ("type".into(), ty.clone().into()));
        }
        match t.attr("port").and_then(|p| p.parse::<u32>().ok()) {
            Some(p) => port = p + 1,
            None => {
                t.set_attr("port", port.to_string());
                port += 1;
            }
        }
        let model = match ty.as_str() {
            "isa-serial" => "isa-serial",
            "usb-serial" => "usb-serial",
            "pci-serial" => "pci-serial",
            _ => "",
        };
        if !model.is_empty() && t.child("model").is_none() {
            t.children.push(RawNode::Element(RawElement::new(
                "model",
                &[("name", model)],
            )));
        }
    }
    // virtio channels sit on a virtio-serial bus: one is added when missing, and each
    // channel gets the next free port (port 0 is kept for a virtio console).
    let virtio =
        |r: &RawDevice| r.element.child("target").and_then(|t| t.attr("type")) == Some("virtio");
    let mut needed: Vec<u32> = Vec::new();
    for c in def.raws("channel").filter(|c| virtio(c)) {
        let ctl = match c.info.address {
            Some(DeviceAddress::VirtioSerial { controller, .. }) => controller,
            _ => 0,
        };
        if !needed.contains(&ctl) {
            needed.push(ctl);
        }
    }
    for ctl in needed {
        if !def.has_controller("virtio-serial", ctl) {
            def.devices.push_raw(RawElement::new(
                "controller",
                &[("type", "virtio-serial"), ("index", &ctl.to_string())],
            ));
        }
    }
    let mut used: Vec<(u32, u32, u32)> = def
        .raws("channel")
        .filter_map(|c| match c.info.address {
            Some(DeviceAddress::VirtioSerial {
                controller,
                bus,
                port,
            }) => Some((controller, bus, port)),
            _ => None,
        })
        .collect();
    for c in def.raws_mut("channel") {
        if virtio(c) && c.info.address.is_none() {
            let mut p = 1;
            while used.contains(&(0, 0, p)) {
                p += 1;
            }
            used.push((0, 0, p));
            c.info.address = Some(DeviceAddress::VirtioSerial {
                controller: 0,
                bus: 0,
                port: p,
            });
        }
    }
}

/// A primary video device for guests with graphics but none (the QEMU default model).
pub fn implicit_video(def: &mut DomainDef) {
    if def.graphics_types().is_empty() || def.raws("video").next().is_some() {
        return;
    }
    let mut v = RawElement::new("video", &[]);
    v.children
        .push(RawNode::Element(RawElement::new("model", &[])));
    video_defaults(&mut v);
    if let Some(m) = child_mut(&mut v, "model") {
        m.set_attr("primary", "yes");
    }
    def.devices.push_raw(v);
}

// ---------------------------------------------------------------------------------------
// PCI addresses

/// How a device or controller plugs into a PCI bus (libvirt's connect flags, reduced to
/// what the x86 PC machines use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    /// A conventional PCI device (hotpluggable).
    Pci,
    /// A PCI Express endpoint that must be hotpluggable (goes behind a root port).
    Pcie,
    /// A PCI Express device integrated in the root complex (not hotpluggable).
    PcieIntegrated,
    /// A `pcie-root-port` (aggregates into the functions of a root complex slot).
    RootPort,
    /// A `pcie-to-pci-bridge`.
    PcieToPciBridge,
    /// A `pci-bridge`.
    PciBridge,
    /// A `pcie-switch-upstream-port`.
    Upstream,
    /// A `pcie-switch-downstream-port`.
    Downstream,
    /// A `dmi-to-pci-bridge`.
    DmiBridge,
}

#[derive(Debug, Clone)]
struct Bus {
    model: String,
    /// Only this connection may use the bus (a root port added for a bridge in the dry
    /// run).
    only: Option<Conn>,
    slots: [u8; 32],
    aggregate: [bool; 32],
}

impl Bus {
    fn new(model: &str) -> Bus {
        Bus {
            model: model.to_owned(),
            only: None,
            slots: [0; 32],
            aggregate: [false; 32],
        }
    }

    fn slot_range(&self) -> (usize, usize) {
        match self.model.as_str() {
            "pci-root" | "pcie-root" | "pci-bridge" | "pcie-to-pci-bridge" => (1, 31),
            "pcie-root-port" | "pcie-switch-downstream-port" => (0, 0),
            _ => (0, 31),
        }
    }

    fn accepts(&self, c: Conn) -> bool {
        if let Some(o) = self.only {
            return o == c;
        }
        match self.model.as_str() {
            "pci-root" => matches!(c, Conn::Pci | Conn::PciBridge),
            "pci-bridge" | "pcie-to-pci-bridge" => matches!(c, Conn::Pci | Conn::PciBridge),
            "pcie-root" => matches!(c, Conn::PcieIntegrated | Conn::RootPort | Conn::DmiBridge),
            "pcie-root-port" | "pcie-switch-downstream-port" => {
                matches!(c, Conn::Pcie | Conn::PcieToPciBridge | Conn::Upstream)
            }
            "pcie-switch-upstream-port" => matches!(c, Conn::Downstream),
            "dmi-to-pci-bridge" => matches!(c, Conn::PciBridge),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
struct AddrSet {
    buses: Vec<Bus>,
    q35: bool,
    dry_run: bool,
}

impl AddrSet {
    fn reserve(&mut self, [_, b, s, f]: [u32; 4], aggregate: bool) {
        if let Some(bus) = self.buses.get_mut(b as usize)
            && s < 32
            && f < 8
        {
            if bus.slots[s as usize] == 0 && aggregate {
                bus.aggregate[s as usize] = true;
            }
            bus.slots[s as usize] |= 1 << f;
        }
    }

    fn slot_in_use(&self, b: u32, s: u32) -> bool {
        self.buses
            .get(b as usize)
            .is_some_and(|bus| bus.slots[s as usize] != 0)
    }

    /// The first free address for `c` (any function for aggregating controllers), growing
    /// the bus list in the dry run.
    fn next(&mut self, c: Conn) -> Option<[u32; 4]> {
        let aggregate = c == Conn::RootPort;
        for (bi, bus) in self.buses.iter().enumerate() {
            if !bus.accepts(c) {
                continue;
            }
            let (min, max) = bus.slot_range();
            for s in min..=max {
                if bus.slots[s] == 0 {
                    return Some([0, bi as u32, s as u32, 0]);
                }
                if aggregate
                    && bus.aggregate[s]
                    && let Some(f) = (0..8).find(|f| bus.slots[s] & (1 << f) == 0)
                {
                    return Some([0, bi as u32, s as u32, f]);
                }
            }
        }
        if !self.dry_run {
            return None;
        }
        match c {
            Conn::Pci | Conn::PciBridge if self.q35 => {
                let has_bridge = self.buses.iter().any(|b| b.accepts(Conn::PciBridge));
                if has_bridge {
                    self.buses.push(Bus::new("pci-bridge"));
                } else {
                    let mut port = Bus::new("pcie-root-port");
                    port.only = Some(Conn::PcieToPciBridge);
                    self.buses.push(port);
                    self.buses.push(Bus::new("pcie-to-pci-bridge"));
                }
            }
            Conn::Pci | Conn::PciBridge => self.buses.push(Bus::new("pci-bridge")),
            Conn::Pcie | Conn::PcieToPciBridge | Conn::Upstream => {
                self.buses.push(Bus::new("pcie-root-port"))
            }
            _ => return None,
        }
        let bi = self.buses.len() - 1;
        let (min, _) = self.buses[bi].slot_range();
        Some([0, bi as u32, min as u32, 0])
    }

    fn assign(&mut self, info: &mut DeviceInfo, c: Conn) -> Result<(), ConfError> {
        let a = self
            .next(c)
            .ok_or_else(|| ConfError::Internal("No more available PCI slots".into()))?;
        self.reserve(a, c == Conn::RootPort);
        let (multifunction, zpci) = match &info.address {
            Some(DeviceAddress::Pci {
                multifunction,
                zpci,
                ..
            }) => (*multifunction, *zpci),
            _ => (None, None),
        };
        info.address = Some(DeviceAddress::Pci {
            location: Some(a),
            multifunction,
            zpci,
        });
        Ok(())
    }
}

fn pci_location(info: &DeviceInfo) -> Option<[u32; 4]> {
    match &info.address {
        Some(DeviceAddress::Pci {
            location: Some(l), ..
        }) => Some(*l),
        _ => None,
    }
}

/// libvirt's `virDeviceInfoPCIAddressIsWanted`: no address, or a PCI one without location.
fn wanted(info: &DeviceInfo) -> bool {
    matches!(
        info.address,
        None | Some(DeviceAddress::Pci { location: None, .. })
    )
}

/// Where a device goes in the assignment order, and how it connects.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Other(usize),
    Net(usize),
}

fn virtio_conn(model: Option<&str>, q35: bool) -> Conn {
    if !q35 {
        return Conn::Pci;
    }
    match model {
        Some("virtio-transitional") => Conn::Pci,
        _ => Conn::Pcie,
    }
}

fn controller_conn(e: &RawElement, q35: bool) -> Option<Conn> {
    let ty = e.attr("type").unwrap_or("");
    let model = e.attr("model");
    if ty == "pci" {
        return Some(match model.unwrap_or("") {
            "pcie-root-port" => Conn::RootPort,
            "pcie-to-pci-bridge" => Conn::PcieToPciBridge,
            "pci-bridge" => Conn::PciBridge,
            "pcie-switch-upstream-port" => Conn::Upstream,
            "pcie-switch-downstream-port" => Conn::Downstream,
            "dmi-to-pci-bridge" => Conn::DmiBridge,
            _ => return None,
        });
    }
    if !q35 {
        return Some(Conn::Pci);
    }
    Some(match (ty, model) {
        ("usb", Some("qemu-xhci" | "nec-xhci")) => Conn::Pcie,
        ("scsi", Some("virtio-scsi" | "virtio-non-transitional") | None) => Conn::Pcie,
        ("virtio-serial", m) => virtio_conn(m, true),
        _ => Conn::Pci,
    })
}

/// The devices to address, in libvirt's order (`qemuDomainAssignDevicePCISlots`).
fn assignment_order(def: &DomainDef) -> Vec<(Slot, Conn)> {
    let q35 = def.is_q35();
    let mut out = Vec::new();
    let others = &def.devices.others;
    let of = |name: &str| {
        let k = kind(name);
        others
            .iter()
            .enumerate()
            .filter(move |(_, (i, _))| *i == k)
            .filter_map(|(j, (_, d))| match d {
                Device::Raw(r) => Some((j, r.as_ref())),
                Device::Vnc(_) | Device::Disk(_) => None,
            })
    };
    for (j, c) in of("controller") {
        if c.element.attr("type") != Some("pci") {
            continue;
        }
        if let Some(conn) = controller_conn(&c.element, q35)
            && wanted(&c.info)
        {
            out.push((Slot::Other(j), conn));
        }
    }
    for (j, f) in of("filesystem") {
        if wanted(&f.info) {
            out.push((Slot::Other(j), virtio_conn(f.element.attr("model"), q35)));
        }
    }
    for (j, n) in def.devices.interfaces.iter().enumerate() {
        if matches!(n.net_type, super::net::NetType::Hostdev) || !wanted(&n.info) {
            continue;
        }
        let conn = match n.model.as_deref() {
            Some("virtio" | "virtio-non-transitional" | "e1000e") if q35 => Conn::Pcie,
            _ => Conn::Pci,
        };
        out.push((Slot::Net(j), conn));
    }
    for (j, s) in of("sound") {
        let m = s.element.attr("model").unwrap_or("");
        if wanted(&s.info) && !matches!(m, "sb16" | "pcspk" | "usb") {
            let conn = if q35 && m == "ich9" {
                Conn::PcieIntegrated
            } else {
                Conn::Pci
            };
            out.push((Slot::Other(j), conn));
        }
    }
    for (j, c) in of("controller") {
        let e = &c.element;
        let ty = e.attr("type").unwrap_or("");
        let model = e.attr("model").unwrap_or("");
        let idx = e.attr("index").unwrap_or("0");
        let skip = ty == "pci"
            || (ty == "usb" && model == "none")
            || ty == "fdc"
            || ty == "ccid"
            || (ty == "ide" && idx == "0")
            || (ty == "sata" && idx == "0" && q35)
            || (ty == "usb" && idx == "0" && !q35 && model == "piix3-uhci")
            || (ty == "scsi" && model == "ncr53c90")
            || (ty == "scsi" && model == "ibmvscsi");
        if skip || !wanted(&c.info) {
            continue;
        }
        if let Some(conn) = controller_conn(e, q35) {
            out.push((Slot::Other(j), conn));
        }
    }
    for (j, (_, d)) in others.iter().enumerate() {
        if let Some((Some("virtio"), _, model)) = d.disk_target()
            && d.info().is_some_and(wanted)
        {
            out.push((Slot::Other(j), virtio_conn(model, q35)));
        }
    }
    for (j, h) in of("hostdev") {
        let e = &h.element;
        let ty = e.attr("type").unwrap_or("");
        let ok = e.attr("mode").unwrap_or("subsystem") == "subsystem"
            && (ty == "pci"
                || ty == "scsi_host"
                || (ty == "mdev" && e.attr("model") == Some("vfio-pci")));
        if ok && wanted(&h.info) {
            let conn = match ty {
                "scsi_host" => virtio_conn(e.attr("model"), q35),
                _ if q35 => Conn::Pcie,
                _ => Conn::Pci,
            };
            out.push((Slot::Other(j), conn));
        }
    }
    for (j, m) in of("memballoon") {
        let model = m.element.attr("model").unwrap_or("");
        if model != "none" && wanted(&m.info) {
            out.push((Slot::Other(j), virtio_conn(Some(model), q35)));
        }
    }
    for (j, r) in of("rng") {
        if wanted(&r.info) {
            out.push((Slot::Other(j), virtio_conn(r.element.attr("model"), q35)));
        }
    }
    for (j, w) in of("watchdog") {
        if w.element.attr("model") == Some("i6300esb") && wanted(&w.info) {
            out.push((Slot::Other(j), Conn::Pci));
        }
    }
    for (j, v) in of("video") {
        let ty = v
            .element
            .child("model")
            .and_then(|m| m.attr("type"))
            .unwrap_or("");
        if !matches!(ty, "none" | "ramfb") && wanted(&v.info) {
            let conn = if ty == "virtio" && q35 {
                Conn::Pcie
            } else {
                Conn::Pci
            };
            out.push((Slot::Other(j), conn));
        }
    }
    for (j, s) in of("shmem") {
        if wanted(&s.info) {
            out.push((Slot::Other(j), Conn::Pci));
        }
    }
    for (j, i) in of("input") {
        if i.element.attr("bus") == Some("virtio") && wanted(&i.info) {
            out.push((Slot::Other(j), virtio_conn(i.element.attr("model"), q35)));
        }
    }
    for (j, s) in of("serial") {
        let pci = s.element.child("target").and_then(|t| t.attr("type")) == Some("pci-serial");
        if pci && wanted(&s.info) {
            out.push((Slot::Other(j), Conn::Pci));
        }
    }
    for (j, i) in of("iommu") {
        if i.element.attr("model") == Some("virtio") && wanted(&i.info) {
            let conn = if q35 { Conn::PcieIntegrated } else { Conn::Pci };
            out.push((Slot::Other(j), conn));
        }
    }
    for (j, v) in of("vsock") {
        if wanted(&v.info) {
            out.push((Slot::Other(j), virtio_conn(v.element.attr("model"), q35)));
        }
    }
    for (j, m) in of("memory") {
        let model = m.element.attr("model").unwrap_or("");
        if matches!(model, "virtio-pmem" | "virtio-mem") && wanted(&m.info) {
            out.push((Slot::Other(j), virtio_conn(None, q35)));
        }
    }
    out
}

fn info_mut(def: &mut DomainDef, s: Slot) -> Option<&mut DeviceInfo> {
    match s {
        Slot::Other(j) => def.devices.others.get_mut(j)?.1.info_mut(),
        Slot::Net(j) => def.devices.interfaces.get_mut(j).map(|n| &mut n.info),
    }
}

fn all_infos(def: &DomainDef) -> impl Iterator<Item = &DeviceInfo> {
    def.devices
        .others
        .iter()
        .filter_map(|(_, d)| d.info())
        .chain(def.devices.interfaces.iter().map(|n| &n.info))
}

/// PCI controllers by index: (index, model, position in `others`).
fn pci_controllers(def: &DomainDef) -> Vec<(u32, String, usize)> {
    let k = kind("controller");
    def.devices
        .others
        .iter()
        .enumerate()
        .filter_map(|(j, (i, d))| match d {
            Device::Raw(r) if *i == k && r.element.attr("type") == Some("pci") => Some((
                r.element.attr("index")?.parse().ok()?,
                r.element.attr("model").unwrap_or("").to_owned(),
                j,
            )),
            _ => None,
        })
        .collect()
}

fn address_set(def: &DomainDef, nbuses: usize, dry_run: bool) -> AddrSet {
    let ctrls = pci_controllers(def);
    let q35 = def.is_q35();
    let mut buses: Vec<Bus> = (0..nbuses)
        .map(|i| {
            let model = ctrls
                .iter()
                .find(|(idx, _, _)| *idx as usize == i)
                .map(|(_, m, _)| m.as_str())
                .unwrap_or(if i == 0 {
                    if q35 { "pcie-root" } else { "pci-root" }
                } else if q35 {
                    "pcie-root-port"
                } else {
                    "pci-bridge"
                });
            Bus::new(model)
        })
        .collect();
    if buses.is_empty() {
        buses.push(Bus::new(if q35 { "pcie-root" } else { "pci-root" }));
    }
    let mut set = AddrSet {
        buses,
        q35,
        dry_run,
    };
    for info in all_infos(def) {
        if let Some(l) = pci_location(info) {
            set.reserve(l, false);
        }
    }
    // Root ports already placed make their slots aggregating.
    for (_, model, j) in &ctrls {
        if model == "pcie-root-port"
            && let Some(info) = def.devices.others.get(*j).and_then(|(_, d)| d.info())
            && let Some([_, b, s, _]) = pci_location(info)
            && let Some(bus) = set.buses.get_mut(b as usize)
            && s < 32
        {
            bus.aggregate[s as usize] = true;
        }
    }
    set
}

/// The chipset's fixed devices (`qemuDomainValidateDevicePCISlotsPIIX3`/`…Q35`).
fn chipset_slots(def: &mut DomainDef, set: &mut AddrSet) {
    let q35 = def.is_q35();
    let fixed = |ty: &str, model: Option<&str>| -> Option<[u32; 4]> {
        match (q35, ty) {
            (false, "ide") => Some([0, 0, 1, 1]),
            (false, "usb") if matches!(model, None | Some("piix3-uhci")) => Some([0, 0, 1, 2]),
            (true, "sata") => Some([0, 0, 0x1f, 2]),
            _ => None,
        }
    };
    for c in def.raws_mut("controller") {
        let ty = c.element.attr("type").unwrap_or("").to_owned();
        if c.element.attr("index").unwrap_or("0") != "0" {
            continue;
        }
        if let Some(a) = fixed(&ty, c.element.attr("model")) {
            if wanted(&c.info) {
                c.info.address = Some(DeviceAddress::Pci {
                    location: Some(a),
                    multifunction: None,
                    zpci: None,
                });
            }
            set.reserve(a, false);
        }
    }
    if q35 {
        set.reserve([0, 0, 0x1f, 0], false);
        set.reserve([0, 0, 0x1f, 3], false);
    } else {
        set.reserve([0, 0, 1, 0], false);
        set.reserve([0, 0, 1, 3], false);
    }
    let vslot = if q35 { 1 } else { 2 };
    if let Some(v) = def.raws_mut("video").next() {
        let ty = v
            .element
            .child("model")
            .and_then(|m| m.attr("type"))
            .unwrap_or("")
            .to_owned();
        if !matches!(ty.as_str(), "none" | "ramfb") && wanted(&v.info) {
            if set.slot_in_use(0, vslot) {
                let conn = if q35 { Conn::PcieIntegrated } else { Conn::Pci };
                let _ = set.assign(&mut v.info, conn);
            } else {
                set.reserve([0, 0, vslot, 0], false);
                v.info.address = Some(DeviceAddress::Pci {
                    location: Some([0, 0, vslot, 0]),
                    multifunction: None,
                    zpci: None,
                });
            }
        }
    }
}

/// `ibmvscsi` SCSI controllers sit on the sPAPR VIO bus whatever the machine: the first
/// free register from 0x2000 up, in steps of 0x1000 (`qemuDomainAssignSpaprVIOAddresses`).
fn assign_spapr_vio(def: &mut DomainDef) {
    let mut used: Vec<u64> = all_infos(def)
        .filter_map(|i| match i.address {
            Some(DeviceAddress::SpaprVio { reg: Some(r) }) => Some(r),
            _ => None,
        })
        .collect();
    for c in def.raws_mut("controller") {
        if c.element.attr("type") == Some("scsi")
            && c.element.attr("model") == Some("ibmvscsi")
            && matches!(
                c.info.address,
                None | Some(DeviceAddress::SpaprVio { reg: None })
            )
        {
            let mut reg = 0x2000;
            while used.contains(&reg) {
                reg += 0x1000;
            }
            used.push(reg);
            c.info.address = Some(DeviceAddress::SpaprVio { reg: Some(reg) });
        }
    }
}

/// Step 4: libvirt's sPAPR VIO and PCI address assignment for the PC machine types.
pub fn assign_pci_addresses(def: &mut DomainDef) -> Result<(), ConfError> {
    assign_spapr_vio(def);
    if !def.is_x86() || def.os.machine.as_deref() == Some("isapc") {
        return Ok(());
    }
    let max_idx = pci_controllers(def).iter().map(|(i, _, _)| *i as i64).max();
    let Some(max_idx) = max_idx else {
        return Ok(());
    };
    let nbuses = (max_idx + 1) as usize;
    let q35 = def.is_q35();

    // Dry run on a copy: how many buses the devices need.
    let mut dry = def.clone();
    let mut set = address_set(&dry, nbuses, true);
    chipset_slots(&mut dry, &mut set);
    if !q35 && set.buses.iter().any(|b| b.slots.iter().any(|s| *s != 0xff)) {
        // A slot kept free for a future bridge (dummy device).
        if let Some(a) = set.next(Conn::Pci) {
            set.reserve(a, false);
        }
    }
    for (s, conn) in assignment_order(&dry) {
        if let Some(info) = info_mut(&mut dry, s) {
            set.assign(info, conn)?;
        }
    }
    if max_idx <= 0 && set.buses.len() > nbuses && q35 {
        // One free hotpluggable root port for later additions.
        if let Some(a) = set.next(Conn::Pcie) {
            set.reserve(a, false);
        }
    }
    let mut i = 1;
    while i < set.buses.len() {
        if !pci_controllers(def)
            .iter()
            .any(|(idx, _, _)| *idx as usize == i)
        {
            let model = set.buses[i].model.clone();
            let e = RawElement::new(
                "controller",
                &[
                    ("type", "pci"),
                    ("index", &i.to_string()),
                    ("model", &model),
                ],
            );
            def.devices.push_raw(e.clone());
            dry.devices.push_raw(e);
            let conn = controller_conn(&dry_last_controller(&dry), q35);
            if let Some(conn) = conn {
                let mut info = DeviceInfo::default();
                set.assign(&mut info, conn)?;
            }
        }
        i += 1;
    }
    let nbuses = set.buses.len();

    // The real pass.
    let mut set = address_set(def, nbuses, false);
    chipset_slots(def, &mut set);
    for (s, conn) in assignment_order(def) {
        if let Some(info) = info_mut(def, s) {
            set.assign(info, conn)?;
        }
    }
    set_all_multi(def);
    pci_controller_defaults(def);
    Ok(())
}

fn dry_last_controller(def: &DomainDef) -> RawElement {
    def.raws("controller")
        .last()
        .map(|c| c.element.clone())
        .unwrap_or_default()
}

/// `multifunction='on'` on function 0 of every slot with more than one function in use.
fn set_all_multi(def: &mut DomainDef) {
    let used: Vec<[u32; 4]> = all_infos(def).filter_map(pci_location).collect();
    let shared = |l: [u32; 4]| {
        used.iter()
            .any(|o| o[0] == l[0] && o[1] == l[1] && o[2] == l[2] && o[3] != 0)
    };
    let fix = |info: &mut DeviceInfo| {
        if let Some(DeviceAddress::Pci {
            location: Some(l),
            multifunction,
            ..
        }) = &mut info.address
            && l[3] == 0
            && multifunction.is_none()
            && shared(*l)
        {
            *multifunction = Some(true);
        }
    };
    for (_, d) in &mut def.devices.others {
        if let Some(info) = d.info_mut() {
            fix(info);
        }
    }
    for n in &mut def.devices.interfaces {
        fix(&mut n.info);
    }
}

/// Model names, chassis and port numbers of PCI controllers.
fn pci_controller_defaults(def: &mut DomainDef) {
    for c in def.raws_mut("controller") {
        if c.element.attr("type") != Some("pci") {
            continue;
        }
        let idx: u32 = c
            .element
            .attr("index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        let model = c.element.attr("model").unwrap_or("").to_owned();
        let name = match model.as_str() {
            "pci-bridge" => "pci-bridge",
            "dmi-to-pci-bridge" => "i82801b11-bridge",
            "pcie-root-port" => "pcie-root-port",
            "pcie-switch-upstream-port" => "x3130-upstream",
            "pcie-switch-downstream-port" => "xio3130-downstream",
            "pcie-to-pci-bridge" => "pcie-pci-bridge",
            "pci-expander-bus" => "pxb",
            "pcie-expander-bus" => "pxb-pcie",
            _ => continue,
        };
        let loc = pci_location(&c.info).unwrap_or([0; 4]);
        let e = &mut c.element;
        if e.child("model").is_none() {
            e.children.insert(
                0,
                RawNode::Element(RawElement::new("model", &[("name", name)])),
            );
        }
        let mut target = match e
            .children
            .iter()
            .position(|n| matches!(n, RawNode::Element(t) if t.name == "target"))
        {
            Some(p) => match e.children.remove(p) {
                RawNode::Element(t) => t,
                RawNode::Text(_) => RawElement::new("target", &[]),
            },
            None => RawElement::new("target", &[]),
        };
        match model.as_str() {
            "pci-bridge" if target.attr("chassisNr").is_none() => {
                target.set_attr("chassisNr", idx.to_string());
            }
            "pcie-root-port" | "pcie-switch-downstream-port" => {
                if target.attr("chassis").is_none() {
                    target.set_attr("chassis", idx.to_string());
                }
                if target.attr("port").is_none() {
                    let port = if model == "pcie-root-port" {
                        (loc[2] << 3) + loc[3]
                    } else {
                        loc[2]
                    };
                    target.set_attr("port", format!("0x{port:x}"));
                }
            }
            _ => {}
        }
        order_attrs(
            &mut target,
            &["chassisNr", "chassis", "port", "busNr", "index", "hotplug"],
        );
        if !target.attrs.is_empty() || !target.children.is_empty() {
            let at = e
                .children
                .iter()
                .position(|n| matches!(n, RawNode::Element(m) if m.name == "model"))
                .map_or(0, |p| p + 1);
            e.children.insert(at, RawNode::Element(target));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FormatFlags, ParseCtx, SequenceGenerator};

    fn canon(machine: &str, defaults: Defaults) -> String {
        let xml = format!(
            "<domain type='qemu'><name>t</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\
             <memory>1024</memory><os><type arch='x86_64' machine='{machine}'>hvm</type></os>\
             <devices/></domain>"
        );
        let mut g = SequenceGenerator::starting_at(0);
        let def = DomainDef::parse_str_with(&xml, &mut ParseCtx::inactive(&mut g), defaults)
            .expect("test domain parses");
        def.to_xml(FormatFlags::INACTIVE, None)
    }

    #[test]
    fn test_qemu_defaults_q35_adds_root_ports_behind_devices() {
        let out = canon("q35", Defaults::Qemu);

        assert!(out.contains(
            "    <controller type='usb' index='0' model='qemu-xhci'>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>"
        ));
        assert!(out.contains(
            "<target chassis='1' port='0x8'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0' multifunction='on'/>"
        ));
        assert!(out.contains("<controller type='pci' index='3' model='pcie-root-port'>"));
        assert!(out.contains(
            "<memballoon model='virtio'>\n      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>"
        ));
    }

    #[test]
    fn test_qemu_defaults_pc_puts_usb_on_piix3_and_balloon_in_slot_2() {
        let out = canon("pc", Defaults::Qemu);

        assert!(out.contains(
            "<controller type='usb' index='0' model='piix3-uhci'>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>"
        ));
        assert!(out.contains("<audio id='1' type='none'/>"));
        assert!(out.contains("<model fallback='forbid'>qemu64</model>"));
        assert!(out.contains(
            "<memballoon model='virtio'>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>"
        ));
    }

    #[test]
    fn test_plain_defaults_add_no_devices() {
        let out = canon("pc", Defaults::Plain);

        assert!(out.contains("  <devices>\n  </devices>\n"));
    }
}
