//! `<disk>` (libvirt's `virDomainDiskDef`) for the local shapes most domains use: a file,
//! block device or directory source (or an empty CD-ROM), the `<driver>` tuning
//! attributes, the target, `<readonly/>`, `<shareable/>`, `<serial>` and the info block.
//!
//! Flow: [`DiskDef::parse`] checks that the element has only that shape and returns `None`
//! otherwise, in which case the disk stays an element tree ([`super::RawDevice`], for
//! network sources, backing chains, encryption, I/O tuning…). [`DiskDef::format`] prints
//! libvirt's order whatever the input order: attributes of `<disk>`, `<driver>` and
//! `<target>` in libvirt's fixed order, then source, target, flags, serial and the info
//! block. Typed disks skip the per-node copying of an element tree, which is most of the
//! cost of domains with many disks.

use super::device_info::DeviceInfo;
use crate::{ConfError, FormatFlags, ParseCtx};
use oxvirt_xml::read::is_blank;
use oxvirt_xml::{Name, XmlWriter, intern};
use roxmltree::Node;

/// `<disk>` attributes in libvirt's order.
const DISK_ATTRS: &[&str; 6] = &["type", "device", "model", "rawio", "sgio", "snapshot"];
/// `<driver>` attributes in libvirt's order.
const DRIVER_ATTRS: &[&str; 14] = &[
    "name",
    "type",
    "cache",
    "error_policy",
    "rerror_policy",
    "io",
    "ioeventfd",
    "event_idx",
    "copy_on_read",
    "discard",
    "iothread",
    "detect_zeroes",
    "queues",
    "queue_size",
];
/// `<target>` attributes in libvirt's order.
const TARGET_ATTRS: &[&str; 5] = &["dev", "bus", "tray", "removable", "rotation_rate"];
/// Child elements of the typed shape.
const CHILDREN: &[&str] = &[
    "driver",
    "source",
    "target",
    "readonly",
    "shareable",
    "serial",
    "boot",
    "alias",
    "address",
    "backingStore",
];

/// Attribute values by their place in a fixed order (`None`: absent).
pub type Slots<const N: usize> = [Option<Name>; N];

/// Attributes of leaf element `node`, all among `order`, by place; `None` when the element
/// has another attribute, a namespaced one, or child elements.
fn leaf_attrs<const N: usize>(node: Node<'_, '_>, order: &[&str; N]) -> Option<Slots<N>> {
    if node.children().any(|c| c.is_element()) {
        return None;
    }
    ordered_attrs(node, order)
}

/// Attributes of `node`, all among `order`, by place; `None` when the element has another
/// attribute or a namespaced one.
fn ordered_attrs<const N: usize>(node: Node<'_, '_>, order: &[&str; N]) -> Option<Slots<N>> {
    let mut out: Slots<N> = std::array::from_fn(|_| None);
    for a in node.attributes() {
        if a.namespace().is_some() {
            return None;
        }
        let i = order.iter().position(|k| *k == a.name())?;
        out[i] = Some(intern(a.value()));
    }
    Some(out)
}

fn write_attrs<const N: usize>(w: &mut XmlWriter, order: &[&str; N], attrs: &Slots<N>) {
    for (k, v) in order.iter().zip(attrs) {
        if let Some(v) = v {
            w.attr(k, v);
        }
    }
}

/// A disk of the local shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskDef {
    /// `<disk>` attributes by place in libvirt's order (`type`, `device`, …).
    pub attrs: Slots<6>,
    /// `<driver>` attributes by place in libvirt's order (all `None`: no element).
    pub driver: Slots<14>,
    /// The source: `file`, `dev` or `dir` and the path (`None`: an empty drive).
    pub source: Option<(Name, String)>,
    /// `<source index>`: the block node number a start gave the source (live only).
    pub source_index: Option<u32>,
    /// An empty `<backingStore/>`: the source has no backing image (live only).
    pub backing_store_end: bool,
    /// `<target>` attributes by place in libvirt's order (`dev`, `bus`, …).
    pub target: Slots<5>,
    /// `<readonly/>`.
    pub readonly: bool,
    /// `<shareable/>`.
    pub shareable: bool,
    /// `<serial>`.
    pub serial: Option<String>,
    /// Boot order, alias, address.
    pub info: DeviceInfo,
}

fn attr<'a, const N: usize>(order: &[&str; N], attrs: &'a Slots<N>, key: &str) -> Option<&'a str> {
    let i = order.iter().position(|k| *k == key)?;
    attrs[i].as_deref()
}

impl DiskDef {
    /// The typed disk when `node` has the local shape, `None` when it must stay an element
    /// tree.
    pub fn parse(node: Node<'_, '_>, ctx: &ParseCtx<'_>) -> Result<Option<DiskDef>, ConfError> {
        let mut seen = [false; CHILDREN.len()];
        let (mut driver, mut source, mut target, mut serial) = (None, None, None, None);
        let (mut readonly, mut shareable, mut backing_store_end) = (false, false, false);
        for c in node.children() {
            if c.is_text() {
                if c.text().is_some_and(|t| !is_blank(t)) {
                    return Ok(None);
                }
                continue;
            }
            if !c.is_element() {
                continue;
            }
            let name = c.tag_name().name();
            // One `match` (dispatch on length, then one comparison) instead of comparing
            // with each name of CHILDREN in turn.
            let i = match name {
                "driver" => 0,
                "source" => 1,
                "target" => 2,
                "readonly" => 3,
                "shareable" => 4,
                "serial" => 5,
                "boot" => 6,
                "alias" => 7,
                "address" => 8,
                "backingStore" => 9,
                _ => return Ok(None),
            };
            debug_assert_eq!(CHILDREN[i], name);
            if c.tag_name().namespace().is_some() || std::mem::replace(&mut seen[i], true) {
                return Ok(None);
            }
            match name {
                "driver" => driver = Some(c),
                "source" => source = Some(c),
                "target" => target = Some(c),
                "serial" => serial = Some(c),
                "readonly" | "shareable" | "backingStore" => {
                    if c.has_children() || c.attributes().len() > 0 {
                        return Ok(None);
                    }
                    match name {
                        "readonly" => readonly = true,
                        "shareable" => shareable = true,
                        // An empty <backingStore/>: the chain ends here (runtime data).
                        _ => backing_store_end = ctx.live,
                    }
                }
                _ => {}
            }
        }
        let Some(mut attrs) = ordered_attrs(node, DISK_ATTRS) else {
            return Ok(None);
        };
        // libvirt always prints the source type and the device kind.
        attrs[0].get_or_insert(Name::Borrowed("file"));
        attrs[1].get_or_insert(Name::Borrowed("disk"));
        let ty = attrs[0].as_deref().unwrap_or("file");
        let src_attr = match ty {
            "file" => "file",
            "block" => "dev",
            "dir" => "dir",
            _ => return Ok(None),
        };
        let mut source_index = None;
        let source = match source {
            None => None,
            Some(s) => {
                // The path, and in live XML the block node index a start gave it.
                let mut path = None;
                for a in s.attributes() {
                    match a.name() {
                        n if n == src_attr && a.namespace().is_none() && !a.value().is_empty() => {
                            path = Some(a.value().to_owned());
                        }
                        "index" if ctx.live && a.namespace().is_none() => {
                            let Ok(i) = a.value().trim().parse::<u32>() else {
                                return Ok(None);
                            };
                            source_index = Some(i);
                        }
                        _ => return Ok(None),
                    }
                }
                match path {
                    Some(p) if !s.has_children() => Some((Name::Borrowed(src_attr), p)),
                    _ => return Ok(None),
                }
            }
        };
        let Some(target) = target.and_then(|t| leaf_attrs(t, TARGET_ATTRS)) else {
            return Ok(None);
        };
        let mut target = target;
        let Some(dev) = target[0].as_deref() else {
            return Ok(None);
        };
        // Without a bus, libvirt derives it from the device kind and the target name.
        if target[1].is_none() {
            let bus = if attrs[1].as_deref() == Some("floppy") {
                "fdc"
            } else if dev.starts_with("sd") {
                "scsi"
            } else if dev.starts_with("vd") {
                "virtio"
            } else if dev.starts_with("xvd") {
                "xen"
            } else if dev.starts_with("ubd") {
                "uml"
            } else {
                "ide"
            };
            target[1] = Some(Name::Borrowed(bus));
        }
        let driver = match driver {
            None => std::array::from_fn(|_| None),
            Some(d) => match leaf_attrs(d, DRIVER_ATTRS) {
                Some(a) => a,
                None => return Ok(None),
            },
        };
        let serial = match serial {
            None => None,
            Some(s) if s.children().all(|c| c.is_text()) => Some(s.text().unwrap_or("").to_owned()),
            Some(_) => return Ok(None),
        };
        let info = DeviceInfo::parse(node, ctx, true, false)?;
        Ok(Some(DiskDef {
            attrs,
            driver,
            source,
            source_index,
            backing_store_end,
            target,
            readonly,
            shareable,
            serial,
            info,
        }))
    }

    /// `<target bus>`.
    pub fn bus(&self) -> Option<&str> {
        attr(TARGET_ATTRS, &self.target, "bus")
    }

    /// `<target dev>`.
    pub fn dev(&self) -> Option<&str> {
        attr(TARGET_ATTRS, &self.target, "dev")
    }

    /// `model` on `<disk>`.
    pub fn model(&self) -> Option<&str> {
        attr(DISK_ATTRS, &self.attrs, "model")
    }

    /// Sets a `<driver>` attribute when absent.
    pub fn default_driver_attr(&mut self, key: &str, value: &'static str) {
        if let Some(i) = DRIVER_ATTRS.iter().position(|k| *k == key) {
            self.driver[i].get_or_insert(Name::Borrowed(value));
        }
    }

    /// Prints the element.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        w.start("disk");
        write_attrs(w, DISK_ATTRS, &self.attrs);
        if self.driver.iter().any(Option::is_some) {
            w.start("driver");
            write_attrs(w, DRIVER_ATTRS, &self.driver);
            w.end();
        }
        let live = !flags.contains(FormatFlags::INACTIVE);
        if let Some((k, v)) = &self.source {
            w.start("source").attr(k, v);
            if let (true, Some(i)) = (live, self.source_index) {
                w.attr_display("index", i);
            }
            w.end();
        }
        if live && self.backing_store_end {
            w.start("backingStore").end();
        }
        w.start("target");
        write_attrs(w, TARGET_ATTRS, &self.target);
        w.end();
        if self.readonly {
            w.start("readonly").end();
        }
        if self.shareable {
            w.start("shareable").end();
        }
        if let Some(s) = &self.serial {
            w.text_element("serial", s);
        }
        self.info.format(w, flags, true, false);
        w.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SequenceGenerator;

    fn parse(xml: &str) -> Option<DiskDef> {
        let doc = oxvirt_xml::parse_document(xml).expect("test XML is well-formed");
        let mut g = SequenceGenerator::starting_at(0);
        DiskDef::parse(doc.root_element(), &ParseCtx::inactive(&mut g)).expect("disk parses")
    }

    #[test]
    fn test_disk_local_shape_prints_libvirt_order_and_defaults() {
        let disk = parse(
            "<disk><target bus='virtio' dev='vda'/><source file='/i.img'/>\
             <driver discard='unmap' type='qcow2' name='qemu'/></disk>",
        )
        .expect("local shape is typed");

        let mut w = XmlWriter::new();
        disk.format(&mut w, FormatFlags::INACTIVE);

        assert_eq!(
            w.finish(),
            "<disk type='file' device='disk'>\n  <driver name='qemu' type='qcow2' discard='unmap'/>\n  <source file='/i.img'/>\n  <target dev='vda' bus='virtio'/>\n</disk>\n"
        );
    }

    #[test]
    fn test_disk_target_without_bus_gets_bus_from_name() {
        let disk = parse("<disk type='block'><source dev='/dev/sdb'/><target dev='sda'/></disk>")
            .expect("local shape is typed");

        assert_eq!(disk.bus(), Some("scsi"));
    }

    #[test]
    fn test_disk_network_source_stays_element_tree() {
        let disk = parse(
            "<disk type='network'><source protocol='nbd' name='x'><host name='h'/></source>\
             <target dev='vda'/></disk>",
        );

        assert!(disk.is_none());
    }
}
