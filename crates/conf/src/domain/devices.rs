//! `<devices>`: the device lists of a domain, kept per kind in the order libvirt prints
//! them (`virDomainDefFormatInternal`), each in document order.
//!
//! Flow: [`Devices::parse`] walks the children of `<devices>` once and hands each element to
//! its kind's parser; kinds that are not typed yet become a [`RawDevice`] (the element kept
//! verbatim except for its [`DeviceInfo`] and chardev source, which are parsed and re-printed
//! so addresses, aliases and sources follow libvirt's rules). Post-parse defaults follow. [`Devices::format`] prints the kinds in libvirt's order.

use super::chr::ChrSourceDef;
use super::device_info::{DeviceAddress, DeviceInfo, INFO_ELEMENTS};
use super::disk::DiskDef;
use super::graphics::VncGraphics;
use crate::{ConfError, FormatFlags, ParseCtx};
use oxvirt_xml::{RawElement, RawNode, XmlWriter};
use roxmltree::Node;

/// A device element kept verbatim apart from its info block and, for character devices,
/// its typed source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDevice {
    /// The element without its info children.
    pub element: RawElement,
    /// Boot order, alias, address…
    pub info: DeviceInfo,
    /// Typed chardev source: the source, the child-element path to the element that carries
    /// it (empty: the device itself), and where among that element's children it goes.
    pub chr: Option<(ChrSourceDef, Vec<usize>, usize)>,
}

const CHR_CHILDREN: &[&str] = &["source", "protocol", "log"];

/// The element carrying a chardev `type` in device `node`, with its child-element path.
fn chr_carrier<'a, 'i>(node: Node<'a, 'i>) -> Option<(Node<'a, 'i>, Vec<usize>)> {
    match node.tag_name().name() {
        "serial" | "parallel" | "console" | "channel" | "redirdev" => Some((node, Vec::new())),
        "smartcard" if node.attribute("mode") == Some("passthrough") => Some((node, Vec::new())),
        "rng" => node
            .children()
            .filter(|c| c.is_element())
            .enumerate()
            .find(|(_, c)| c.tag_name().name() == "backend" && c.attribute("model") == Some("egd"))
            .map(|(i, c)| (c, vec![i])),
        _ => None,
    }
}

/// The element at child-element `path` below `el`.
fn descend<'a>(el: &'a mut RawElement, path: &[usize]) -> Option<&'a mut RawElement> {
    match path.split_first() {
        None => Some(el),
        Some((first, rest)) => descend(el.elements_mut().nth(*first)?, rest),
    }
}

impl RawDevice {
    /// Copies `node`, parsing its info block and chardev source.
    pub fn parse(node: Node<'_, '_>, ctx: &ParseCtx<'_>) -> Result<RawDevice, ConfError> {
        let info = DeviceInfo::parse(node, ctx, true, true)?;
        let mut element = RawElement::from_node_without(node, INFO_ELEMENTS);
        element
            .children
            .retain(|c| !matches!(c, RawNode::Text(t) if oxvirt_xml::read::is_blank(t)));
        let mut chr = None;
        if let Some((carrier, path)) = chr_carrier(node) {
            let ty = carrier.attribute("type").unwrap_or("pty");
            if ChrSourceDef::handles(ty) {
                let src = ChrSourceDef::parse(carrier, ty, ctx)?;
                let target_ty = oxvirt_xml::read::child(node, "target")
                    .and_then(|t| t.attribute("type"))
                    .unwrap_or("");
                let optional =
                    node.tag_name().name() == "channel" && matches!(target_ty, "virtio" | "xen");
                if ctx.validate {
                    src.validate(optional)?;
                }
                // The path was computed on the same tree, so it leads somewhere.
                let Some(el) = descend(&mut element, &path) else {
                    return Ok(RawDevice {
                        element,
                        info,
                        chr: None,
                    });
                };
                let at = el
                    .children
                    .iter()
                    .position(|c| matches!(c, RawNode::Element(e) if CHR_CHILDREN.contains(&e.name.as_ref())))
                    .unwrap_or(0);
                el.children.retain(|c| match c {
                    RawNode::Element(e) => !CHR_CHILDREN.contains(&e.name.as_ref()),
                    RawNode::Text(_) => true,
                });
                chr = Some((src, path, at));
            }
        }
        Ok(RawDevice { element, info, chr })
    }

    /// Prints the element with the info block last.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        let chr = self.chr.as_ref().map(|(s, p, at)| (s, p.as_slice(), *at));
        write_with_chr(w, &self.element, chr, flags, Some(&self.info));
    }
}

fn write_with_chr(
    w: &mut XmlWriter,
    e: &RawElement,
    chr: Option<(&ChrSourceDef, &[usize], usize)>,
    flags: FormatFlags,
    info: Option<&DeviceInfo>,
) {
    w.start(&e.name);
    for (k, v) in &e.attrs {
        w.attr(k, v);
    }
    // libvirt prints a memballoon's <driver> after its address.
    let trailing: Vec<&RawElement> = if info.is_some() && e.name == "memballoon" {
        e.elements().filter(|c| c.name == "driver").collect()
    } else {
        Vec::new()
    };
    let here = chr.filter(|(_, p, _)| p.is_empty());
    let mut elem_index = 0;
    for (i, c) in e.children.iter().enumerate() {
        if let Some((src, _, at)) = here
            && at == i
        {
            src.format(w, flags);
        }
        match c {
            RawNode::Element(x) if trailing.iter().any(|t| std::ptr::eq(*t, x)) => {
                elem_index += 1;
            }
            RawNode::Element(x) => {
                let nested = chr
                    .filter(|(_, p, _)| p.first() == Some(&elem_index))
                    .map(|(s, p, at)| (s, &p[1..], at));
                if nested.is_some() {
                    write_with_chr(w, x, nested, flags, None);
                } else {
                    x.write(w);
                }
                elem_index += 1;
            }
            RawNode::Text(t) => {
                w.text(t);
            }
        }
    }
    if let Some((src, _, at)) = here
        && at >= e.children.len()
    {
        src.format(w, flags);
    }
    if let Some(info) = info {
        info.format(w, flags, true, true);
    }
    for x in trailing {
        x.write(w);
    }
    w.end();
}

/// The index a disk target name stands for (`hda` → 0, `sdb` → 1, `vdaa` → 26), as
/// libvirt's `virDiskNameToIndex` computes it.
fn disk_name_index(name: &str) -> Option<u32> {
    let rest = ["fd", "hd", "vd", "sd", "xvd", "ubd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let letters = rest.trim_end_matches(|c: char| c.is_ascii_digit());
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let mut idx: u32 = 0;
    for (i, b) in letters.bytes().enumerate() {
        let v = u32::from(b - b'a');
        idx = if i == 0 {
            v
        } else {
            idx.checked_add(1)?.checked_mul(26)?.checked_add(v)?
        };
    }
    Some(idx)
}

/// libvirt's plain (driver-independent) parse rules for devices still kept as element
/// trees: defaults it fills and values it stores in another form.
fn normalize_raw(e: &mut RawElement, live: bool) {
    match e.name.as_ref() {
        "disk" => {
            // An empty network CD-ROM or floppy is stored as an empty file disk.
            if e.attr("type") == Some("network")
                && matches!(e.attr("device"), Some("cdrom" | "floppy"))
                && e.child("source").is_none()
                && let Some(t) = e.attrs.iter_mut().find(|(k, _)| k == "type")
            {
                t.1 = "file".into();
            }
            if e.attr("type") == Some("vhostuser") && e.attr("snapshot").is_none() {
                // A vhost-user disk cannot be snapshotted (virDomainDiskDefPostParse).
                e.insert_attr_after("device", "snapshot", "no");
            }
            normalize_source_chain(e, live);
        }
        "graphics" if e.attr("type") == Some("spice") && e.child("listen").is_none() => {
            // The legacy listen attributes become the first <listen> element.
            let listen = match (e.attr("socket"), e.attr("listen")) {
                (Some(sock), _) => {
                    RawElement::new("listen", &[("type", "socket"), ("socket", sock)])
                }
                (None, Some(addr)) => {
                    RawElement::new("listen", &[("type", "address"), ("address", addr)])
                }
                (None, None) => RawElement::new("listen", &[("type", "address")]),
            };
            e.children.insert(0, RawNode::Element(listen));
        }
        "channel" if e.attr("type") == Some("qemu-vdagent") => {
            // libvirt prints the source before the target, clipboard before mouse.
            if let Some(i) = e
                .children
                .iter()
                .position(|c| matches!(c, RawNode::Element(x) if x.name == "source"))
            {
                let mut src = e.children.remove(i);
                if let RawNode::Element(x) = &mut src {
                    x.children.sort_by_key(|c| match c {
                        RawNode::Element(y) if y.name == "clipboard" => 0,
                        RawNode::Element(y) if y.name == "mouse" => 1,
                        _ => 2,
                    });
                }
                e.children.insert(0, src);
            }
        }
        "filesystem" => {
            let virtiofs = e
                .child("driver")
                .is_some_and(|d| d.attr("type") == Some("virtiofs"));
            let socket = e
                .child("source")
                .is_some_and(|s| s.attr("socket").is_some());
            if e.attr("accessmode").is_none() && !virtiofs && !socket {
                e.insert_attr_after("type", "accessmode", "passthrough");
            }
            for k in ["fmode", "dmode"] {
                if let Some(v) = e.attrs.iter_mut().find(|(a, _)| a == k)
                    && let Ok(n) = u32::from_str_radix(v.1.trim(), 8)
                {
                    v.1 = format!("{n:04o}").into();
                }
            }
        }
        "hostdev"
            if e.attr("mode").unwrap_or("subsystem") == "subsystem"
                && e.attr("managed").is_none() =>
        {
            e.insert_attr_after("type", "managed", "no");
        }
        _ => {}
    }
}

/// Default network ports, `metadata_cache` sizes in bytes, and backing-store indexes (kept
/// from live XML only), through a disk's source chain.
fn normalize_source_chain(e: &mut RawElement, live: bool) {
    for c in e.elements_mut() {
        match c.name.as_ref() {
            "source" => {
                let port = match c.attr("protocol") {
                    Some("http") => "80",
                    Some("https") => "443",
                    Some("ftp") => "21",
                    Some("ftps") => "990",
                    Some("tftp") => "69",
                    Some("sheepdog") => "7000",
                    Some("nbd") => "10809",
                    Some("ssh") => "22",
                    Some("iscsi") => "3260",
                    Some("gluster") => "24007",
                    Some("vxhs") => "9999",
                    _ => "",
                };
                if !port.is_empty() {
                    for h in c.elements_mut().filter(|h| h.name == "host") {
                        if h.attr("port").is_none()
                            && h.attr("transport").is_none_or(|t| t == "tcp")
                            && h.attr("socket").is_none()
                        {
                            h.insert_attr_after("name", "port", port);
                        }
                    }
                }
            }
            "backingStore" => {
                if !live {
                    c.remove_attr("index");
                }
                normalize_source_chain(c, live);
            }
            "driver" | "format" => {
                for m in c.elements_mut().filter(|m| m.name == "metadata_cache") {
                    for sz in m.elements_mut().filter(|x| x.name == "max_size") {
                        let unit = sz.attr("unit").unwrap_or("bytes").to_owned();
                        let text = sz.text();
                        if let (Some(scale), Ok(n)) =
                            (super::util::unit_scale(&unit), text.trim().parse::<u64>())
                            && let Some(bytes) = n.checked_mul(scale)
                        {
                            sz.attrs = vec![("unit".into(), "bytes".into())];
                            sz.children = vec![RawNode::Text(bytes.to_string())];
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// One device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// A device kept verbatim (apart from info and chardev source).
    Raw(Box<RawDevice>),
    /// VNC graphics.
    Vnc(Box<VncGraphics>),
    /// A disk of the common local shapes.
    Disk(Box<DiskDef>),
}

impl Device {
    fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        match self {
            Device::Raw(r) => r.format(w, flags),
            Device::Vnc(g) => g.format(w, flags),
            Device::Disk(d) => d.format(w, flags),
        }
    }

    /// The info block, when the device has one.
    pub fn info(&self) -> Option<&DeviceInfo> {
        match self {
            Device::Raw(r) => Some(&r.info),
            Device::Vnc(_) => None,
            Device::Disk(d) => Some(&d.info),
        }
    }

    /// The info block, when the device has one.
    pub fn info_mut(&mut self) -> Option<&mut DeviceInfo> {
        match self {
            Device::Raw(r) => Some(&mut r.info),
            Device::Vnc(_) => None,
            Device::Disk(d) => Some(&mut d.info),
        }
    }

    /// For a disk: `<target bus>`, `<target dev>` and the disk `model`.
    pub fn disk_target(&self) -> Option<(Option<&str>, Option<&str>, Option<&str>)> {
        match self {
            Device::Disk(d) => Some((d.bus(), d.dev(), d.model())),
            Device::Raw(r) if r.element.name == "disk" => {
                let t = r.element.child("target");
                Some((
                    t.and_then(|t| t.attr("bus")),
                    t.and_then(|t| t.attr("dev")),
                    r.element.attr("model"),
                ))
            }
            _ => None,
        }
    }
}

/// The kinds of device, in libvirt's format order.
pub const DEVICE_ORDER: &[&str] = &[
    "disk",
    "controller",
    "lease",
    "filesystem",
    "interface",
    "smartcard",
    "serial",
    "parallel",
    "console",
    "channel",
    "input",
    "tpm",
    "graphics",
    "sound",
    "audio",
    "video",
    "hostdev",
    "redirdev",
    "redirfilter",
    "hub",
    "watchdog",
    "memballoon",
    "rng",
    "nvram",
    "panic",
    "shmem",
    "memory",
    "iommu",
    "vsock",
    "crypto",
];

/// All devices of a domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    /// `<emulator>` path.
    pub emulator: Option<String>,
    /// `<interface>` devices (the interface model owns their parsing and formatting).
    pub interfaces: Vec<super::net::NetDef>,
    /// Every other device, by kind (index into [`DEVICE_ORDER`]) in document order.
    pub others: Vec<(usize, Device)>,
}

impl Devices {
    /// Parses the children of `<devices>`.
    pub fn parse(node: Node<'_, '_>, ctx: &mut ParseCtx<'_>) -> Result<Devices, ConfError> {
        let mut d = Devices::default();
        for c in node.children().filter(|c| c.is_element()) {
            let name = c.tag_name().name();
            if name == "emulator" {
                d.emulator = Some(c.text().unwrap_or("").to_owned());
                continue;
            }
            if name == "interface" {
                d.interfaces.push(super::net::NetDef::parse(c, ctx)?);
                continue;
            }
            // libvirt ignores unknown device elements.
            if let Some(kind) = DEVICE_ORDER.iter().position(|k| *k == name) {
                super::check::device(c)?;
                let disk = if name == "disk" {
                    DiskDef::parse(c, ctx)?
                } else {
                    None
                };
                let dev = if let Some(d) = disk {
                    Device::Disk(Box::new(d))
                } else if name == "graphics" && c.attribute("type") == Some("vnc") {
                    Device::Vnc(Box::new(VncGraphics::parse(c, ctx)?))
                } else {
                    let mut raw = RawDevice::parse(c, ctx)?;
                    normalize_raw(&mut raw.element, ctx.live);
                    Device::Raw(Box::new(raw))
                };
                d.others.push((kind, dev));
            }
        }
        d.post_parse();
        Ok(d)
    }

    fn kind_of(name: &str) -> usize {
        DEVICE_ORDER
            .iter()
            .position(|k| *k == name)
            .unwrap_or(usize::MAX)
    }

    /// Raw devices of one kind.
    fn raw_of_mut(&mut self, name: &str) -> impl Iterator<Item = &mut RawDevice> {
        let kind = Self::kind_of(name);
        self.others.iter_mut().filter_map(move |(k, d)| match d {
            Device::Raw(r) if *k == kind => Some(r.as_mut()),
            _ => None,
        })
    }

    /// Device defaults libvirt fills after parsing (`virDomainDefPostParseCommon` and the
    /// implicit devices): primary video, controller indexes, the smartcard's CCID controller.
    fn post_parse(&mut self) {
        if let Some(v) = self.raw_of_mut("video").next()
            && let Some(m) = v.element.elements_mut().find(|e| e.name == "model")
            && m.attr("primary").is_none()
        {
            m.set_attr("primary", "yes");
        }
        // Controllers without an index get the first free index of their type.
        let mut used: Vec<(String, u32)> = Vec::new();
        for c in self.raw_of_mut("controller") {
            if let (Some(t), Some(i)) = (c.element.attr("type"), c.element.attr("index"))
                && let Ok(i) = i.parse::<u32>()
            {
                used.push((t.to_owned(), i));
            }
        }
        for c in self.raw_of_mut("controller") {
            if c.element.attr("index").is_none() {
                let t = c.element.attr("type").unwrap_or("").to_owned();
                let mut i = 0;
                while used.contains(&(t.clone(), i)) {
                    i += 1;
                }
                used.push((t, i));
                // libvirt prints index right after type.
                c.element.insert_attr_after("type", "index", &i.to_string());
            }
        }
        let smartcards = self.raw_of_mut("smartcard").count();
        if smartcards > 0 {
            if !used.iter().any(|(t, _)| t == "ccid") {
                self.push_raw(RawElement::new(
                    "controller",
                    &[("type", "ccid"), ("index", "0")],
                ));
            }
            let mut slot = 0;
            for s in self.raw_of_mut("smartcard") {
                if s.info.address.is_none() {
                    s.info.address = Some(DeviceAddress::Ccid {
                        controller: 0,
                        slot,
                    });
                    slot += 1;
                }
            }
        }
    }

    /// Appends a device kept as an element tree (no info block yet) after the others of
    /// its kind.
    pub fn push_raw(&mut self, e: RawElement) {
        let kind = Self::kind_of(&e.name);
        self.others.push((
            kind,
            Device::Raw(Box::new(RawDevice {
                element: e,
                info: DeviceInfo::default(),
                chr: None,
            })),
        ));
    }

    /// libvirt's drive addresses for IDE, SATA and floppy disks without one
    /// (`virDomainDiskDefAssignAddress`, from the target name) and the controllers those
    /// addresses name (`virDomainDefAddImplicitControllers`), appended in libvirt's order.
    pub fn add_implicit_disk_controllers(&mut self) {
        let disk_k = Self::kind_of("disk");
        let mut wanted: Vec<(&'static str, u32)> = Vec::new();
        for (_, d) in self.others.iter_mut().filter(|(k, _)| *k == disk_k) {
            let Some((bus, dev, _)) = d.disk_target() else {
                continue;
            };
            let bus: &'static str = match bus {
                Some("ide") => "ide",
                Some("sata") => "sata",
                Some("fdc") => "fdc",
                Some("scsi") => "scsi",
                _ => continue,
            };
            let idx = dev.and_then(disk_name_index);
            let Some(info) = d.info_mut() else { continue };
            if info.address.is_none()
                && bus != "scsi"
                && let Some(idx) = idx
            {
                info.address = Some(match bus {
                    "ide" => DeviceAddress::Drive {
                        controller: idx / 4,
                        bus: (idx % 4) / 2,
                        target: 0,
                        unit: idx % 2,
                    },
                    "sata" => DeviceAddress::Drive {
                        controller: idx / 6,
                        bus: 0,
                        target: 0,
                        unit: idx % 6,
                    },
                    _ => DeviceAddress::Drive {
                        controller: 0,
                        bus: 0,
                        target: 0,
                        unit: idx,
                    },
                });
            }
            if let Some(DeviceAddress::Drive { controller, .. }) = info.address {
                match wanted.iter_mut().find(|(b, _)| *b == bus) {
                    Some(w) => w.1 = w.1.max(controller),
                    None => wanted.push((bus, controller)),
                }
            }
        }
        for bus in ["scsi", "fdc", "ide", "sata"] {
            let Some((_, max)) = wanted.iter().find(|(b, _)| *b == bus) else {
                continue;
            };
            for idx in 0..=*max {
                let idx_s = idx.to_string();
                let present = self.raw_of_mut("controller").any(|c| {
                    c.element.attr("type") == Some(bus)
                        && c.element.attr("index") == Some(idx_s.as_str())
                });
                if !present {
                    self.push_raw(RawElement::new(
                        "controller",
                        &[("type", bus), ("index", &idx_s)],
                    ));
                }
            }
        }
    }

    /// Prints `<devices>`.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        w.start("devices").open_body();
        w.text_element_opt("emulator", self.emulator.as_deref());
        // Kinds in libvirt's order, each in document order (a stable sort by kind).
        let mut order: Vec<&(usize, Device)> = self.others.iter().collect();
        order.sort_by_key(|(k, _)| *k);
        let iface = Self::kind_of("interface");
        let mut printed_ifaces = false;
        for (kind, dev) in order {
            if *kind > iface && !printed_ifaces {
                for i in &self.interfaces {
                    i.format(w, flags);
                }
                printed_ifaces = true;
            }
            dev.format(w, flags);
        }
        if !printed_ifaces {
            for i in &self.interfaces {
                i.format(w, flags);
            }
        }
        w.end();
    }
}
