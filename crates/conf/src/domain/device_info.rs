//! What every device carries besides its own configuration: `<boot order>`, `<alias>`,
//! `<master>`, `<rom>`, `<acpi index>` and the guest `<address>` (libvirt's
//! `virDomainDeviceInfo`). Device parsers call [`DeviceInfo::parse`] on the device element
//! and [`DeviceInfo::format`] where libvirt prints the block (usually last).
//!
//! Live-only data: an `<alias>` is kept from live (status) XML, and from inactive XML only
//! when it is a user alias (`ua-…`), as libvirt does.

use super::util::{attr_u32, attr_u32_base0, invalid_attr, on_off, parse_on_off, parse_u64_base0};
use crate::{ConfError, FormatFlags, ParseCtx};
use oxvirt_xml::XmlWriter;
use oxvirt_xml::read::{attributes_of, child};
use roxmltree::Node;

/// A device's guest address (`<address type='…'/>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceAddress {
    /// `type='pci'`; `slot` is `None` for an address with no location yet.
    Pci {
        /// (domain, bus, slot, function), absent when all were zero/missing.
        location: Option<[u32; 4]>,
        /// `multifunction='on|off'`.
        multifunction: Option<bool>,
        /// `<zpci uid fid/>` (s390).
        zpci: Option<(u32, u32)>,
    },
    /// `type='drive'`.
    Drive {
        /// Controller index.
        controller: u32,
        /// Bus.
        bus: u32,
        /// Target.
        target: u32,
        /// Unit.
        unit: u32,
    },
    /// `type='virtio-serial'`.
    VirtioSerial {
        /// Controller index.
        controller: u32,
        /// Bus.
        bus: u32,
        /// Port.
        port: u32,
    },
    /// `type='ccid'`.
    Ccid {
        /// Controller index.
        controller: u32,
        /// Slot.
        slot: u32,
    },
    /// `type='usb'`.
    Usb {
        /// Bus.
        bus: u32,
        /// Dotted port path (`1.2`).
        port: Option<String>,
    },
    /// `type='spapr-vio'`.
    SpaprVio {
        /// Register.
        reg: Option<u64>,
    },
    /// `type='ccw'`.
    Ccw {
        /// Channel subsystem id.
        cssid: u32,
        /// Subchannel set id.
        ssid: u32,
        /// Device number.
        devno: u32,
    },
    /// `type='virtio-mmio'`.
    VirtioMmio,
    /// `type='virtio-s390'` (never printed).
    VirtioS390,
    /// `type='isa'`.
    Isa {
        /// I/O base.
        iobase: u32,
        /// IRQ.
        irq: u32,
    },
    /// `type='dimm'`.
    Dimm {
        /// Slot.
        slot: u32,
        /// Base address.
        base: u64,
    },
    /// `type='unassigned'`.
    Unassigned,
}

/// `<rom>` tuning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RomInfo {
    /// `enabled='yes|no'`.
    pub enabled: Option<bool>,
    /// `bar='on|off'`.
    pub bar: Option<bool>,
    /// `file='…'`.
    pub file: Option<String>,
}

/// The per-device info block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `<alias name='…'/>`.
    pub alias: Option<String>,
    /// `<boot order='N' loadparm='…'/>`.
    pub boot_order: Option<u32>,
    /// `loadparm` of `<boot>` (upper-cased as libvirt stores it).
    pub loadparm: Option<String>,
    /// `<master startport='N'/>` (USB companion controllers).
    pub master_startport: Option<u32>,
    /// `<rom …/>`.
    pub rom: Option<RomInfo>,
    /// `<acpi index='N'/>`.
    pub acpi_index: Option<u32>,
    /// `<address …/>`.
    pub address: Option<DeviceAddress>,
}

/// Names of the child elements [`DeviceInfo`] owns, for parsers that keep the rest raw.
pub const INFO_ELEMENTS: &[&str] = &["alias", "boot", "master", "rom", "acpi", "address"];

impl DeviceInfo {
    /// Reads the info children of device element `node`. `allow_boot` / `allow_rom` follow
    /// libvirt's per-device `PARSE_ALLOW_BOOT` / `ALLOW_ROM`.
    pub fn parse(
        node: Node<'_, '_>,
        ctx: &ParseCtx<'_>,
        allow_boot: bool,
        allow_rom: bool,
    ) -> Result<DeviceInfo, ConfError> {
        let mut info = DeviceInfo::default();
        // One pass over the children instead of one lookup per info element.
        let (mut alias, mut master, mut boot, mut rom, mut acpi, mut address) =
            (None, None, None, None, None, None);
        for c in node.children().filter(|c| c.is_element()) {
            let slot = match c.tag_name().name() {
                "alias" => &mut alias,
                "master" => &mut master,
                "boot" => &mut boot,
                "rom" => &mut rom,
                "acpi" => &mut acpi,
                "address" => &mut address,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(c);
            }
        }
        if let Some(a) = alias.and_then(|a| a.attribute("name")) {
            let user = a.starts_with("ua-")
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if ctx.live || user {
                info.alias = Some(a.to_owned());
            }
        }
        if let Some(m) = master {
            info.master_startport = Some(attr_u32(m, "startport")?.unwrap_or(0));
        }
        if allow_boot && let Some(b) = boot {
            let order = match b.attribute("order") {
                None => {
                    return Err(ConfError::XmlError(
                        "Missing required attribute 'order' in element 'boot'".into(),
                    ));
                }
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(invalid_attr(b, "order", v)),
                },
            };
            info.boot_order = Some(order);
            info.loadparm = b.attribute("loadparm").map(|s| s.to_ascii_uppercase());
        }
        if allow_rom && let Some(r) = rom {
            let enabled = match r.attribute("enabled") {
                None => None,
                Some(v) => Some(
                    super::util::parse_yes_no(v).ok_or_else(|| invalid_attr(r, "enabled", v))?,
                ),
            };
            let bar = match r.attribute("bar") {
                None => None,
                Some(v) => Some(parse_on_off(v).ok_or_else(|| invalid_attr(r, "bar", v))?),
            };
            let file = r.attribute("file").map(str::to_owned);
            if enabled == Some(false) && (bar.is_some() || file.is_some()) {
                return Err(ConfError::Unsupported(
                    "ROM tuning is not supported when ROM is disabled".into(),
                ));
            }
            info.rom = Some(RomInfo { enabled, bar, file });
        }
        if let Some(a) = acpi {
            match a.attribute("index") {
                None => {}
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if n > 0 => info.acpi_index = Some(n),
                    _ => return Err(invalid_attr(a, "index", v)),
                },
            }
        }
        if let Some(a) = address {
            info.address = Some(DeviceAddress::parse(a)?);
        }
        Ok(info)
    }

    /// Prints the block in libvirt's order: boot, alias, master, rom, acpi, address.
    pub fn format(
        &self,
        w: &mut XmlWriter,
        _flags: FormatFlags,
        allow_boot: bool,
        allow_rom: bool,
    ) {
        if allow_boot && let Some(o) = self.boot_order {
            w.start("boot")
                .attr_display("order", o)
                .attr_opt("loadparm", self.loadparm.as_deref())
                .end();
        }
        if let Some(a) = &self.alias {
            w.start("alias").attr("name", a).end();
        }
        if let Some(p) = self.master_startport {
            w.start("master").attr_display("startport", p).end();
        }
        if allow_rom
            && let Some(r) = &self.rom
            && (r.enabled.is_some() || r.bar.is_some() || r.file.is_some())
        {
            w.start("rom");
            if let Some(e) = r.enabled {
                w.attr("enabled", super::util::yes_no(e));
            }
            if let Some(b) = r.bar {
                w.attr("bar", on_off(b));
            }
            w.attr_opt("file", r.file.as_deref());
            w.end();
        }
        if let Some(i) = self.acpi_index {
            w.start("acpi").attr_display("index", i).end();
        }
        if let Some(a) = &self.address {
            a.format(w);
        }
    }

    /// `true` when the device has a PCI address with a location.
    pub fn has_pci_address(&self) -> bool {
        matches!(
            self.address,
            Some(DeviceAddress::Pci {
                location: Some(_),
                ..
            })
        )
    }
}

fn num(node: Node<'_, '_>, attr: &str) -> Result<u32, ConfError> {
    Ok(attr_u32_base0(node, attr)?.unwrap_or(0))
}

/// [`num`] for a value already looked up (by [`attributes_of`]).
fn num_of(node: Node<'_, '_>, attr: &str, value: Option<&str>) -> Result<u32, ConfError> {
    match value {
        None => Ok(0),
        Some(v) => parse_u64_base0(v)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| super::util::invalid_uint_attr(node, attr, v)),
    }
}

impl DeviceAddress {
    /// Parses an `<address>` element.
    pub fn parse(node: Node<'_, '_>) -> Result<DeviceAddress, ConfError> {
        let Some(ty) = node.attribute("type") else {
            return Err(ConfError::Internal(
                "No type specified for device address".into(),
            ));
        };
        Ok(match ty {
            "pci" => {
                // PCI addresses are most of a large domain's addresses: one pass over the
                // attributes, then the same checks in the same order as single lookups.
                let [domain, bus, slot, function, multifunction] =
                    attributes_of(node, ["domain", "bus", "slot", "function", "multifunction"]);
                let loc = [
                    num_of(node, "domain", domain)?,
                    num_of(node, "bus", bus)?,
                    num_of(node, "slot", slot)?,
                    num_of(node, "function", function)?,
                ];
                // virPCIDeviceAddressIsValid; the domain is not limited here.
                if loc[1] > 0xff {
                    return Err(ConfError::XmlError(format!(
                        "Invalid PCI address bus='{:#x}', must be <= 0xFF",
                        loc[1]
                    )));
                }
                if loc[2] > 0x1f {
                    return Err(ConfError::XmlError(format!(
                        "Invalid PCI address slot='{:#x}', must be <= 0x1F",
                        loc[2]
                    )));
                }
                if loc[3] > 7 {
                    return Err(ConfError::XmlError(format!(
                        "Invalid PCI address function={:#x}, must be <= 7",
                        loc[3]
                    )));
                }
                let multifunction = match multifunction {
                    None => None,
                    Some(v) => Some(
                        parse_on_off(v).ok_or_else(|| invalid_attr(node, "multifunction", v))?,
                    ),
                };
                let zpci = match child(node, "zpci") {
                    None => None,
                    Some(z) => Some((num(z, "uid")?, num(z, "fid")?)),
                };
                DeviceAddress::Pci {
                    location: (loc != [0; 4]).then_some(loc),
                    multifunction,
                    zpci,
                }
            }
            "drive" => {
                let [controller, bus, target, unit] =
                    attributes_of(node, ["controller", "bus", "target", "unit"]);
                DeviceAddress::Drive {
                    controller: num_of(node, "controller", controller)?,
                    bus: num_of(node, "bus", bus)?,
                    target: num_of(node, "target", target)?,
                    unit: num_of(node, "unit", unit)?,
                }
            }
            "virtio-serial" => DeviceAddress::VirtioSerial {
                controller: num(node, "controller")?,
                bus: num(node, "bus")?,
                port: num(node, "port")?,
            },
            "ccid" => DeviceAddress::Ccid {
                controller: num(node, "controller")?,
                slot: num(node, "slot")?,
            },
            "usb" => DeviceAddress::Usb {
                bus: num(node, "bus")?,
                port: node.attribute("port").map(str::to_owned),
            },
            "spapr-vio" => DeviceAddress::SpaprVio {
                reg: match node.attribute("reg") {
                    None => None,
                    Some(v) => {
                        Some(parse_u64_base0(v).ok_or_else(|| invalid_attr(node, "reg", v))?)
                    }
                },
            },
            "ccw" => DeviceAddress::Ccw {
                cssid: num(node, "cssid")?,
                ssid: num(node, "ssid")?,
                devno: num(node, "devno")?,
            },
            "virtio-mmio" => DeviceAddress::VirtioMmio,
            "virtio-s390" => DeviceAddress::VirtioS390,
            "isa" => DeviceAddress::Isa {
                iobase: num(node, "iobase")?,
                irq: num(node, "irq")?,
            },
            "dimm" => DeviceAddress::Dimm {
                slot: num(node, "slot")?,
                base: match node.attribute("base") {
                    None => 0,
                    Some(v) => parse_u64_base0(v).ok_or_else(|| invalid_attr(node, "base", v))?,
                },
            },
            "unassigned" => DeviceAddress::Unassigned,
            other => {
                return Err(ConfError::Unsupported(format!(
                    "unknown address type '{other}'"
                )));
            }
        })
    }

    /// Prints the `<address>` element as libvirt does.
    pub fn format(&self, w: &mut XmlWriter) {
        let ty = match self {
            DeviceAddress::VirtioS390 => return,
            DeviceAddress::Pci { .. } => "pci",
            DeviceAddress::Drive { .. } => "drive",
            DeviceAddress::VirtioSerial { .. } => "virtio-serial",
            DeviceAddress::Ccid { .. } => "ccid",
            DeviceAddress::Usb { .. } => "usb",
            DeviceAddress::SpaprVio { .. } => "spapr-vio",
            DeviceAddress::Ccw { .. } => "ccw",
            DeviceAddress::VirtioMmio => "virtio-mmio",
            DeviceAddress::Isa { .. } => "isa",
            DeviceAddress::Dimm { .. } => "dimm",
            DeviceAddress::Unassigned => "unassigned",
        };
        w.start("address").attr("type", ty);
        match self {
            DeviceAddress::Pci {
                location,
                multifunction,
                zpci,
            } => {
                if let Some([d, b, s, f]) = location {
                    w.attr_hex("domain", u64::from(*d), 4)
                        .attr_hex("bus", u64::from(*b), 2)
                        .attr_hex("slot", u64::from(*s), 2)
                        .attr_hex("function", u64::from(*f), 1);
                }
                if let Some(m) = multifunction {
                    w.attr("multifunction", on_off(*m));
                }
                if let Some((uid, fid)) = zpci {
                    w.start("zpci")
                        .attr_hex("uid", u64::from(*uid), 4)
                        .attr_hex("fid", u64::from(*fid), 8)
                        .end();
                }
            }
            DeviceAddress::Drive {
                controller,
                bus,
                target,
                unit,
            } => {
                w.attr_display("controller", controller)
                    .attr_display("bus", bus)
                    .attr_display("target", target)
                    .attr_display("unit", unit);
            }
            DeviceAddress::VirtioSerial {
                controller,
                bus,
                port,
            } => {
                w.attr_display("controller", controller)
                    .attr_display("bus", bus)
                    .attr_display("port", port);
            }
            DeviceAddress::Ccid { controller, slot } => {
                w.attr_display("controller", controller)
                    .attr_display("slot", slot);
            }
            DeviceAddress::Usb { bus, port } => {
                w.attr_display("bus", bus).attr_opt("port", port.as_deref());
            }
            DeviceAddress::SpaprVio { reg } => {
                if let Some(r) = reg {
                    w.attr_hex("reg", *r, 8);
                }
            }
            DeviceAddress::Ccw { cssid, ssid, devno } => {
                w.attr_hex("cssid", u64::from(*cssid), 1)
                    .attr_hex("ssid", u64::from(*ssid), 1)
                    .attr_hex("devno", u64::from(*devno), 4);
            }
            DeviceAddress::Isa { iobase, irq } => {
                if *iobase > 0 {
                    w.attr_hex("iobase", u64::from(*iobase), 1);
                }
                if *irq > 0 {
                    w.attr_hex("irq", u64::from(*irq), 1);
                }
            }
            DeviceAddress::Dimm { slot, base } => {
                w.attr_display("slot", slot);
                if *base > 0 {
                    w.attr_hex("base", *base, 1);
                }
            }
            DeviceAddress::VirtioMmio | DeviceAddress::VirtioS390 | DeviceAddress::Unassigned => {}
        }
        w.end();
    }
}
