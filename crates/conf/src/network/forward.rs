//! `<forward>` of a network: the mode, and the device pool the mode draws from
//! (`dev` + `<interface>`s, PCI `<address>`es, or one `<pf>`), plus NAT ranges and the
//! hostdev driver.
//!
//! libvirt folds `<forward dev='x'>` into the interface pool as its first entry; format
//! prints `dev` back from that first entry, which is why `<forward dev='eth1'/>` comes
//! back with an `<interface dev='eth1'/>` child.

use super::addr::{self, Family, format_addr, parse_addr};
use super::util::{
    prop, prop_enum, prop_tristate, prop_uint, unsupported, xml_detail, xml_error, xp_attr,
    xp_children, yes_no,
};
use crate::ConfError;
use oxvirt_xml::XmlWriter;
use roxmltree::Node;
use std::net::IpAddr;

/// `<forward mode>`; `None` (also the absence of `<forward>`) is an isolated network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ForwardMode {
    /// No forwarding (isolated).
    #[default]
    None,
    /// `nat`
    Nat,
    /// `route`
    Route,
    /// `open`
    Open,
    /// `bridge`
    Bridge,
    /// `private`
    Private,
    /// `vepa`
    Vepa,
    /// `passthrough`
    Passthrough,
    /// `hostdev`
    Hostdev,
}

impl ForwardMode {
    /// The `mode` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardMode::None => "none",
            ForwardMode::Nat => "nat",
            ForwardMode::Route => "route",
            ForwardMode::Open => "open",
            ForwardMode::Bridge => "bridge",
            ForwardMode::Private => "private",
            ForwardMode::Vepa => "vepa",
            ForwardMode::Passthrough => "passthrough",
            ForwardMode::Hostdev => "hostdev",
        }
    }

    /// The mode for a `mode` attribute value.
    pub fn from_name(s: &str) -> Option<ForwardMode> {
        [
            ForwardMode::None,
            ForwardMode::Nat,
            ForwardMode::Route,
            ForwardMode::Open,
            ForwardMode::Bridge,
            ForwardMode::Private,
            ForwardMode::Vepa,
            ForwardMode::Passthrough,
            ForwardMode::Hostdev,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// Modes where libvirt manages a bridge of its own (`stp`, `delay` are meaningful).
    pub fn has_own_bridge(self) -> bool {
        matches!(
            self,
            ForwardMode::None | ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open
        )
    }
}

/// `<driver name>` of a hostdev pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardDriverName {
    /// `kvm`
    Kvm,
    /// `vfio`
    Vfio,
}

impl ForwardDriverName {
    /// The `name` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardDriverName::Kvm => "kvm",
            ForwardDriverName::Vfio => "vfio",
        }
    }
}

/// A PCI address in a hostdev pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PciAddress {
    /// Domain.
    pub domain: u32,
    /// Bus.
    pub bus: u32,
    /// Slot.
    pub slot: u32,
    /// Function.
    pub function: u32,
    /// `multifunction` (parsed, never printed in a network).
    pub multifunction: Option<bool>,
}

impl PciAddress {
    fn same_device(&self, other: &PciAddress) -> bool {
        (self.domain, self.bus, self.slot, self.function)
            == (other.domain, other.bus, other.slot, other.function)
    }

    /// `virPCIDeviceAddressParseXML` (without the s390 `<zpci>` extension).
    fn parse(node: Node<'_, '_>) -> Result<PciAddress, ConfError> {
        let addr = PciAddress {
            domain: prop_uint(node, "domain", 0, false)?.unwrap_or(0),
            bus: prop_uint(node, "bus", 0, false)?.unwrap_or(0),
            slot: prop_uint(node, "slot", 0, false)?.unwrap_or(0),
            function: prop_uint(node, "function", 0, false)?.unwrap_or(0),
            multifunction: prop_enum(node, "multifunction", &[("on", true), ("off", false)])?,
        };
        let empty = addr.domain == 0 && addr.bus == 0 && addr.slot == 0;
        if empty {
            return Ok(addr);
        }
        if addr.bus > 0xff {
            return Err(xml_error(format!(
                "Invalid PCI address bus='0x{:x}', must be <= 0xFF",
                addr.bus
            )));
        }
        if addr.slot > 0x1f {
            return Err(xml_error(format!(
                "Invalid PCI address slot='0x{:x}', must be <= 0x1F",
                addr.slot
            )));
        }
        if addr.function > 7 {
            return Err(xml_error(format!(
                "Invalid PCI address function=0x{:x}, must be <= 7",
                addr.function
            )));
        }
        Ok(addr)
    }

    fn format(&self, w: &mut XmlWriter) {
        w.start("address")
            .attr("type", "pci")
            .attr("domain", format!("0x{:04x}", self.domain))
            .attr("bus", format!("0x{:02x}", self.bus))
            .attr("slot", format!("0x{:02x}", self.slot))
            // libvirt prints the function in decimal behind a 0x
            .attr("function", format!("0x{}", self.function))
            .end();
    }
}

/// One device of the pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardDevice {
    /// A host network interface by name.
    Netdev(String),
    /// A PCI device (hostdev pools).
    Pci(PciAddress),
}

/// A pool entry and its live usage count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForwardInterface {
    /// The device.
    pub device: ForwardDevice,
    /// Guests currently using it (live XML only).
    pub connections: u32,
}

/// `<pf dev>`: the physical function whose virtual functions form the pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForwardPf {
    /// The PF's interface name.
    pub dev: String,
    /// Guests currently using it.
    pub connections: u32,
}

/// `<nat>`: SNAT address range, port range, IPv6 NAT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForwardNat {
    /// `<address start>`.
    pub addr_start: Option<IpAddr>,
    /// `<address end>`.
    pub addr_end: Option<IpAddr>,
    /// `<port start>` (0 = not given).
    pub port_start: u32,
    /// `<port end>`.
    pub port_end: u32,
    /// `ipv6`.
    pub ipv6: Option<bool>,
}

impl ForwardNat {
    fn is_empty(&self) -> bool {
        self.addr_start.is_none()
            && self.addr_end.is_none()
            && self.port_start == 0
            && self.port_end == 0
            && self.ipv6.is_none()
    }

    fn parse(net: &str, node: Node<'_, '_>) -> Result<ForwardNat, ConfError> {
        let mut nat = ForwardNat {
            ipv6: prop_tristate(node, "ipv6")?,
            ..ForwardNat::default()
        };
        let addrs = xp_children(node, "address");
        if addrs.len() > 1 {
            return Err(xml_error(format!(
                "Only one <address> element is allowed in <nat> in <forward> in network {net}"
            )));
        }
        if let Some(a) = addrs.first() {
            let start = prop(*a, "start").ok_or_else(|| {
                xml_error(format!(
                    "missing 'start' attribute in <address> element in <nat> in <forward> in network {net}"
                ))
            })?;
            let end = prop(*a, "end").ok_or_else(|| {
                xml_error(format!(
                    "missing 'end' attribute in <address> element in <nat> in <forward> in network {net}"
                ))
            })?;
            let s = parse_addr(start, Some(Family::V4)).ok_or_else(|| {
                xml_error(format!(
                    "Bad ipv4 start address '{start}' in <nat> in <forward> in network '{net}'"
                ))
            })?;
            let e = parse_addr(end, Some(Family::V4)).ok_or_else(|| {
                xml_error(format!(
                    "Bad ipv4 end address '{end}' in <nat> in <forward> in network '{net}'"
                ))
            })?;
            addr::check_range(&s, &e, None).map_err(super::util::internal)?;
            nat.addr_start = Some(s);
            nat.addr_end = Some(e);
        }
        let ports = xp_children(node, "port");
        if ports.len() > 1 {
            return Err(xml_error(format!(
                "Only one <port> element is allowed in <nat> in <forward> in network {net}"
            )));
        }
        if let Some(p) = ports.first() {
            let num = |name| xp_attr(*p, name).and_then(|v| super::util::to_ui(v, 10));
            nat.port_start = num("start").filter(|v| *v <= 65535).ok_or_else(|| {
                xml_detail(format!(
                    "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network {net}"
                ))
            })?;
            nat.port_end = num("end")
                .filter(|v| *v <= 65535 && *v >= nat.port_start)
                .ok_or_else(|| {
                    xml_detail(format!(
                        "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {net}"
                    ))
                })?;
        }
        Ok(nat)
    }

    fn format(&self, w: &mut XmlWriter) {
        if self.is_empty() {
            return;
        }
        w.start("nat").attr_opt("ipv6", self.ipv6.map(yes_no));
        if let Some(s) = &self.addr_start {
            w.start("address")
                .attr("start", format_addr(s))
                .attr_opt("end", self.addr_end.as_ref().map(format_addr))
                .end();
        }
        if self.port_start != 0 || self.port_end != 0 {
            w.start("port").attr_display("start", self.port_start);
            if self.port_end != 0 {
                w.attr_display("end", self.port_end);
            }
            w.end();
        }
        w.end();
    }
}

/// `<forward>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkForward {
    /// `mode` (absent attribute = `nat`).
    pub mode: ForwardMode,
    /// `managed='yes'` (hostdev).
    pub managed: bool,
    /// `<driver name>`.
    pub driver_name: Option<ForwardDriverName>,
    /// `<nat>` (nat mode only).
    pub nat: ForwardNat,
    /// The device pool, `dev` first.
    pub interfaces: Vec<ForwardInterface>,
    /// `<pf>` (at most one).
    pub pfs: Vec<ForwardPf>,
}

impl NetworkForward {
    /// `dev` as libvirt prints it: the first pool entry when it is a netdev and no `<pf>`.
    pub fn dev(&self) -> Option<&str> {
        if !self.pfs.is_empty() {
            return None;
        }
        match self.interfaces.first().map(|i| &i.device) {
            Some(ForwardDevice::Netdev(d)) => Some(d),
            _ => None,
        }
    }

    /// Reads `<forward>` of network `net`.
    pub(crate) fn parse(net: &str, node: Node<'_, '_>) -> Result<NetworkForward, ConfError> {
        let mode = match xp_attr(node, "mode") {
            None => ForwardMode::Nat,
            Some(m) => ForwardMode::from_name(m)
                .ok_or_else(|| unsupported(format!("unknown forwarding type '{m}'")))?,
        };
        let mut fwd = NetworkForward {
            mode,
            managed: xp_attr(node, "managed").is_some_and(|m| m.eq_ignore_ascii_case("yes")),
            ..NetworkForward::default()
        };
        // string(./driver/@name): the first <driver>'s name
        let driver = xp_children(node, "driver")
            .first()
            .and_then(|d| xp_attr(*d, "name"));
        if let Some(d) = driver {
            fwd.driver_name = Some(match d {
                "kvm" => ForwardDriverName::Kvm,
                "vfio" => ForwardDriverName::Vfio,
                _ => {
                    return Err(unsupported(format!(
                        "Unknown forward <driver name='{d}'/> in network {net}"
                    )));
                }
            });
        }
        let ifs = xp_children(node, "interface");
        let addrs = xp_children(node, "address");
        let pfs = xp_children(node, "pf");
        let nats = xp_children(node, "nat");
        if nats.len() > 1 {
            return Err(xml_error(format!(
                "Only one <nat> element is allowed in <forward> of network {net}"
            )));
        }
        if let Some(n) = nats.first() {
            if fwd.mode != ForwardMode::Nat {
                return Err(xml_error(format!(
                    "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {net}"
                )));
            }
            fwd.nat = ForwardNat::parse(net, *n)?;
        }
        let dev = xp_attr(node, "dev");
        if dev.is_some() && (!addrs.is_empty() || !pfs.is_empty()) {
            // libvirt passes this text as the argument of "%s", so its "%s" is printed as is
            return Err(xml_error(
                "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s",
            ));
        }
        if !ifs.is_empty() || dev.is_some() {
            fwd.parse_interfaces(net, dev, &ifs)?;
        } else if !addrs.is_empty() {
            fwd.parse_addresses(net, &addrs)?;
        } else if pfs.len() > 1 {
            return Err(xml_error(format!(
                "Only one <pf> element is allowed in <forward> of network {net}"
            )));
        } else if let Some(pf) = pfs.first() {
            let dev = prop(*pf, "dev").ok_or_else(|| {
                xml_error(format!(
                    "Missing required dev attribute in <pf> element of network '{net}'"
                ))
            })?;
            fwd.pfs.push(ForwardPf {
                dev: dev.to_owned(),
                connections: 0,
            });
        }
        Ok(fwd)
    }

    fn parse_interfaces(
        &mut self,
        net: &str,
        dev: Option<&str>,
        ifs: &[Node<'_, '_>],
    ) -> Result<(), ConfError> {
        let mut names: Vec<String> = dev.map(str::to_owned).into_iter().collect();
        for (i, node) in ifs.iter().enumerate() {
            let d = prop(*node, "dev").ok_or_else(|| {
                xml_error(format!(
                    "Missing required dev attribute in <forward> <interface> element of network {net}"
                ))
            })?;
            if let (0, Some(first)) = (i, dev) {
                // <forward dev='x'> and the first <interface dev='x'/> are one entry
                if d != first {
                    return Err(xml_error(format!(
                        "<forward dev='{first}'> must match first <interface dev='{d}'/> in network {net}"
                    )));
                }
                continue;
            }
            if names.iter().any(|n| n == d) {
                return Err(xml_error(format!(
                    "interface '{d}' can only be listed once in network {net}"
                )));
            }
            names.push(d.to_owned());
        }
        self.interfaces = names
            .into_iter()
            .map(|n| ForwardInterface {
                device: ForwardDevice::Netdev(n),
                connections: 0,
            })
            .collect();
        Ok(())
    }

    fn parse_addresses(&mut self, net: &str, addrs: &[Node<'_, '_>]) -> Result<(), ConfError> {
        for node in addrs {
            let ty = prop(*node, "type")
                .ok_or_else(|| xml_error(format!("missing address type in network {net}")))?;
            match ty {
                "pci" => {}
                "none" | "netdev" => {
                    return Err(xml_error(format!(
                        "unsupported address type '{ty}' in network {net}"
                    )));
                }
                _ => {
                    return Err(unsupported(format!(
                        "unknown address type '{ty}' in network {net}"
                    )));
                }
            }
            let pci = PciAddress::parse(*node)?;
            let dup = self.interfaces.iter().any(|i| match &i.device {
                ForwardDevice::Pci(p) => p.same_device(&pci),
                ForwardDevice::Netdev(_) => false,
            });
            if dup {
                return Err(xml_error(format!(
                    "PCI device '{:04x}:{:02x}:{:02x}.{:x}' can only be listed once in network {net}",
                    pci.domain, pci.bus, pci.slot, pci.function
                )));
            }
            self.interfaces.push(ForwardInterface {
                device: ForwardDevice::Pci(pci),
                connections: 0,
            });
        }
        Ok(())
    }

    /// Writes `<forward>`; nothing for mode `none`. `inactive` drops usage counts and, when
    /// a `<pf>` defines the pool, the interfaces the driver filled in from it.
    pub(crate) fn format(&self, w: &mut XmlWriter, inactive: bool) {
        if self.mode == ForwardMode::None {
            return;
        }
        w.start("forward")
            .attr_opt("dev", self.dev())
            .attr("mode", self.mode.as_str());
        if self.mode == ForwardMode::Hostdev {
            w.attr("managed", yes_no(self.managed));
        }
        if let Some(d) = self.driver_name {
            w.start("driver").attr("name", d.as_str()).end();
        }
        if self.mode == ForwardMode::Nat {
            self.nat.format(w);
        }
        if let Some(pf) = self.pfs.first() {
            w.start("pf").attr("dev", &pf.dev).end();
        }
        if self.pfs.is_empty() || !inactive {
            for i in &self.interfaces {
                match &i.device {
                    ForwardDevice::Netdev(d) => {
                        w.start("interface").attr("dev", d);
                        if !inactive && i.connections > 0 {
                            w.attr_display("connections", i.connections);
                        }
                        w.end();
                    }
                    ForwardDevice::Pci(p) => p.format(w),
                }
            }
        }
        w.end();
    }
}
