//! `<devices>`: the device lists of a domain, kept per kind in the order libvirt prints
//! them (`virDomainDefFormatInternal`), each in document order.
//!
//! Flow: [`Devices::parse`] walks the children of `<devices>` once and hands each element to
//! its kind's parser; kinds that are not typed yet become a [`RawDevice`] (the element kept
//! verbatim except for its [`DeviceInfo`] and chardev source, which are parsed and re-printed
//! so addresses, aliases and sources follow libvirt's rules). Post-parse defaults follow. [`Devices::format`] prints the kinds in libvirt's order.

use super::chr::ChrSourceDef;
use super::device_info::{DeviceAddress, DeviceInfo, INFO_ELEMENTS};
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
        let mut element = RawElement::from_node(node);
        element.children.retain(|c| match c {
            RawNode::Element(e) => !INFO_ELEMENTS.contains(&e.name.as_str()),
            RawNode::Text(t) => !t.trim().is_empty(),
        });
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
                    .position(|c| matches!(c, RawNode::Element(e) if CHR_CHILDREN.contains(&e.name.as_str())))
                    .unwrap_or(0);
                el.children.retain(|c| match c {
                    RawNode::Element(e) => !CHR_CHILDREN.contains(&e.name.as_str()),
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
    let here = chr.filter(|(_, p, _)| p.is_empty());
    let mut elem_index = 0;
    for (i, c) in e.children.iter().enumerate() {
        if let Some((src, _, at)) = here
            && at == i
        {
            src.format(w, flags);
        }
        match c {
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
    w.end();
}

/// One device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// A device kept verbatim (apart from info and chardev source).
    Raw(Box<RawDevice>),
    /// VNC graphics.
    Vnc(Box<VncGraphics>),
}

impl Device {
    fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        match self {
            Device::Raw(r) => r.format(w, flags),
            Device::Vnc(g) => g.format(w, flags),
        }
    }

    /// The info block, when the device has one.
    pub fn info(&self) -> Option<&DeviceInfo> {
        match self {
            Device::Raw(r) => Some(&r.info),
            Device::Vnc(_) => None,
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
                let dev = if name == "graphics" && c.attribute("type") == Some("vnc") {
                    Device::Vnc(Box::new(VncGraphics::parse(c, ctx)?))
                } else {
                    Device::Raw(Box::new(RawDevice::parse(c, ctx)?))
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
                let pos = c
                    .element
                    .attrs
                    .iter()
                    .position(|(k, _)| k == "type")
                    .map_or(0, |p| p + 1);
                c.element.attrs.insert(pos, ("index".into(), i.to_string()));
            }
        }
        let smartcards = self.raw_of_mut("smartcard").count();
        if smartcards > 0 {
            if !used.iter().any(|(t, _)| t == "ccid") {
                let ctl = RawElement {
                    name: "controller".into(),
                    attrs: vec![("type".into(), "ccid".into()), ("index".into(), "0".into())],
                    ..RawElement::default()
                };
                self.others.push((
                    Self::kind_of("controller"),
                    Device::Raw(Box::new(RawDevice {
                        element: ctl,
                        info: DeviceInfo::default(),
                        chr: None,
                    })),
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

    /// Prints `<devices>`.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        w.start("devices").open_body();
        w.text_element_opt("emulator", self.emulator.as_deref());
        for (kind, name) in DEVICE_ORDER.iter().enumerate() {
            if *name == "interface" {
                for i in &self.interfaces {
                    i.format(w, flags);
                }
                continue;
            }
            for (_, dev) in self.others.iter().filter(|(k, _)| *k == kind) {
                dev.format(w, flags);
            }
        }
        w.end();
    }
}
