//! `<network>`: the typed virtual network definition (libvirt's `virNetworkDef`).
//!
//! Flow:
//! 1. [`NetworkDef::parse_str`] parses the text and checks the root is `<network>`;
//!    [`NetworkDef::parse_node`] reads the element in libvirt's order: name, uuid
//!    (generated through the [`Generator`] when absent), top-level switches, domain,
//!    bandwidth, vlan, port options, bridge, mac, mtu, dns, virtualport, portgroups,
//!    `<ip>`s, `<route>`s (whose gateways must be reachable through an `<ip>`), forward,
//!    metadata and the dnsmasq namespace options. Each sub-parser rejects what libvirt's
//!    parser rejects, with libvirt's message.
//! 2. [`NetworkDef::validate`] applies the checks that tie the forward mode to the rest
//!    (L3 modes need an `<ip>`, device-pool modes refuse bridge settings, mtu only where
//!    libvirt owns the bridge); `parse_node` runs it, as libvirt's parser does.
//! 3. [`NetworkDef::to_xml`] prints libvirt's fixed element order and defaults whatever
//!    the input order was (`<forward>` before `<bridge>`, `stp`/`delay` filled in for
//!    modes with a libvirt-managed bridge, MAC addresses lowercased, `dev` expanded into
//!    the interface pool). [`NetworkFormatFlags::INACTIVE`] drops live usage counts.
//!
//! The network-device pieces shared with `<interface>` (`VirtualPort`, `Bandwidth`,
//! `Vlan`, `PortOptions`) live in [`crate::netdev`].

mod addr;
mod dns;
mod forward;
mod ip;
mod metadata;
mod portgroup;
mod route;
pub mod update;
pub(crate) mod util;

pub use dns::{DnsForwarder, DnsHost, DnsSrv, DnsTxt, NetworkDns};
pub use forward::{
    ForwardDevice, ForwardDriverName, ForwardInterface, ForwardMode, ForwardNat, ForwardPf,
    NetworkForward, PciAddress,
};
pub use ip::{Bootp, DhcpHost, DhcpLease, DhcpRange, LeaseUnit, NetworkIp};
pub use metadata::{MetaNode, Metadata};
pub use portgroup::PortGroup;
pub use route::NetworkRoute;

use crate::ConfError;
use crate::domain::util::format_uuid;
use crate::generate::Generator;
use crate::netdev::{Bandwidth, MacAddr, PortOptions, VirtualPort, VirtualPortParse, Vlan};
use oxvirt_xml::escape_into;
use roxmltree::Node;
use util::{
    Out, Val, internal, parse_mac, parse_uuid, prop, prop_tristate, to_ui, to_ullp, unsupported,
    xml_detail, xml_error, xp_attr, xp_child, xp_child_string, xp_children, yes_no,
};

/// Namespace of the dnsmasq pass-through options.
pub const DNSMASQ_NAMESPACE: &str = "http://libvirt.org/schemas/network/dnsmasq/1.0";

/// `VIR_NETWORK_XML_*` flags for [`NetworkDef::to_xml`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NetworkFormatFlags(u32);

impl NetworkFormatFlags {
    /// No flags: live formatting.
    pub const NONE: NetworkFormatFlags = NetworkFormatFlags(0);
    /// `VIR_NETWORK_XML_INACTIVE`: the persistent configuration.
    pub const INACTIVE: NetworkFormatFlags = NetworkFormatFlags(1 << 0);

    /// From the numeric flags a client sent (unknown bits kept, ignored).
    pub const fn from_bits(bits: u32) -> Self {
        NetworkFormatFlags(bits)
    }

    /// The numeric value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// `true` when formatting the inactive configuration.
    pub const fn inactive(self) -> bool {
        self.0 & Self::INACTIVE.0 != 0
    }
}

/// `macTableManager` of a libvirt-managed bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacTableManager {
    /// `kernel`: the bridge floods and learns.
    Kernel,
    /// `libvirt`: libvirt programs the forwarding table.
    Libvirt,
}

impl MacTableManager {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            MacTableManager::Kernel => "kernel",
            MacTableManager::Libvirt => "libvirt",
        }
    }
}

/// `<bridge>` settings. A network without `<bridge>` has `None` and formats as if every
/// field had its default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkBridge {
    /// `name`.
    pub name: Option<String>,
    /// `zone` (firewalld).
    pub zone: Option<String>,
    /// `stp` when given: anything but `off` is `true`. Absent means on.
    pub stp: Option<bool>,
    /// `delay` (seconds).
    pub delay: u64,
    /// `macTableManager`.
    pub mac_table_manager: Option<MacTableManager>,
}

/// `<domain name localOnly/>`: the DNS domain of the network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDomain {
    /// `name`; the element is printed only when it is set.
    pub name: Option<String>,
    /// `localOnly`.
    pub local_only: Option<bool>,
}

/// A virtual network definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDef {
    /// `<name>`.
    pub name: String,
    /// `<uuid>` (generated when absent).
    pub uuid: [u8; 16],
    /// Whether `<uuid>` was in the input.
    pub uuid_specified: bool,
    /// Guests connected (live XML only).
    pub connections: u32,
    /// `ipv6='yes'`: guest-to-guest IPv6 without a gateway address.
    pub ipv6_nogw: bool,
    /// `trustGuestRxFilters`.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<metadata>`.
    pub metadata: Option<Metadata>,
    /// `<forward>`; `None` is an isolated network.
    pub forward: Option<NetworkForward>,
    /// `<bridge>`.
    pub bridge: Option<NetworkBridge>,
    /// `<mtu size>` (0 = not given).
    pub mtu: u32,
    /// `<mac address>` of the bridge.
    pub mac: Option<MacAddr>,
    /// `<domain>`.
    pub domain: Option<NetworkDomain>,
    /// `<dns>`.
    pub dns: NetworkDns,
    /// `<vlan>`.
    pub vlan: Option<Vlan>,
    /// `<bandwidth>`.
    pub bandwidth: Option<Bandwidth>,
    /// `<port isolated>`.
    pub port_options: PortOptions,
    /// `<ip>`s in document order.
    pub ips: Vec<NetworkIp>,
    /// `<route>`s.
    pub routes: Vec<NetworkRoute>,
    /// `<virtualport>` (type required).
    pub virtualport: Option<VirtualPort>,
    /// `<portgroup>`s.
    pub portgroups: Vec<PortGroup>,
    /// `<dnsmasq:options><dnsmasq:option value>` values.
    pub dnsmasq_options: Vec<String>,
}

/// `<bandwidth>` in a network or portgroup: no `classID`, no inbound `floor`.
fn parse_bandwidth(node: Node<'_, '_>) -> Result<Option<Bandwidth>, ConfError> {
    if prop(node, "classID").is_some() {
        return Err(xml_detail(
            "classID attribute not supported on <bandwidth> in this usage context",
        ));
    }
    let bw = Bandwidth::parse(node)?;
    if bw.and_then(|b| b.inbound).is_some_and(|i| i.floor != 0) {
        return Err(unsupported(
            "floor attribute is not supported for this config",
        ));
    }
    Ok(bw)
}

impl NetworkDef {
    /// Parses network XML text.
    pub fn parse_str(xml: &str, generator: &mut dyn Generator) -> Result<NetworkDef, ConfError> {
        let doc = oxvirt_xml::parse_document(xml)
            .map_err(|e| ConfError::from(e).in_document("network_definition", xml))?;
        let root = doc.root_element();
        if root.tag_name().name() != "network" {
            return Err(xml_error(format!(
                "expecting root element of 'network', not '{}'",
                root.tag_name().name()
            )));
        }
        Self::parse_node(root, generator)
    }

    /// Reads a `<network>` element (see the module docs for the order).
    pub fn parse_node(
        node: Node<'_, '_>,
        generator: &mut dyn Generator,
    ) -> Result<NetworkDef, ConfError> {
        let mut def = NetworkDef {
            name: xp_child_string(node, "name").ok_or(ConfError::NoName)?,
            ..NetworkDef::default()
        };
        if def.name.contains('/') {
            return Err(xml_detail("invalid char in name: /"));
        }
        match xp_child_string(node, "uuid") {
            None => def.uuid = generator.uuid(),
            Some(u) => {
                def.uuid = parse_uuid(&u).ok_or_else(|| internal("malformed uuid element"))?;
                def.uuid_specified = true;
            }
        }
        if let Some(v) = xp_attr(node, "ipv6") {
            def.ipv6_nogw = match v {
                "yes" => true,
                "no" => false,
                _ => {
                    return Err(xml_error(format!(
                        "Invalid ipv6 setting '{v}' in network '{}'",
                        def.name
                    )));
                }
            };
        }
        def.trust_guest_rx_filters = prop_tristate(node, "trustGuestRxFilters")?;
        if let Some(d) = xp_child(node, "domain") {
            def.domain = Some(NetworkDomain {
                name: prop(d, "name").map(str::to_owned),
                local_only: prop_tristate(d, "localOnly")?,
            });
        }
        if let Some(b) = xp_child(node, "bandwidth") {
            def.bandwidth = parse_bandwidth(b)?;
        }
        if let Some(v) = xp_child(node, "vlan") {
            def.vlan = Some(Vlan::parse(v)?);
        }
        if let Some(p) = xp_child(node, "port") {
            def.port_options = PortOptions {
                isolated: prop_tristate(p, "isolated")?,
            };
        }
        if let Some(b) = xp_child(node, "bridge") {
            def.bridge = Some(Self::parse_bridge(&def.name, b)?);
        }
        if let Some(m) = xp_child(node, "mac").and_then(|m| xp_attr(m, "address")) {
            let mac = parse_mac(m).ok_or_else(|| {
                xml_error(format!(
                    "Invalid bridge mac address '{m}' in network '{}'",
                    def.name
                ))
            })?;
            if mac[0] & 1 == 1 {
                return Err(xml_error(format!(
                    "Invalid multicast bridge mac address '{m}' in network '{}'",
                    def.name
                )));
            }
            def.mac = Some(MacAddr(mac));
        }
        if let Some(size) = xp_child(node, "mtu").and_then(|m| xp_attr(m, "size")) {
            def.mtu = to_ui(size, 10).ok_or_else(|| {
                xml_error(format!(
                    "Invalid mtu size '{size}' in network '{}'",
                    def.name
                ))
            })?;
        }
        if let Some(d) = xp_child(node, "dns") {
            def.dns = NetworkDns::parse(&def.name, d)?;
        }
        if let Some(v) = xp_child(node, "virtualport") {
            let how = VirtualPortParse {
                require_type: true,
                ..VirtualPortParse::default()
            };
            def.virtualport = Some(VirtualPort::parse(v, how, generator)?);
        }
        for pg in xp_children(node, "portgroup") {
            def.portgroups.push(PortGroup::parse(pg, generator)?);
        }
        for ip in xp_children(node, "ip") {
            def.ips.push(NetworkIp::parse(&def.name, ip)?);
        }
        for r in xp_children(node, "route") {
            def.routes.push(NetworkRoute::parse(&def.name, r)?);
        }
        def.check_route_gateways()?;
        if let Some(f) = xp_child(node, "forward") {
            def.forward = Some(NetworkForward::parse(&def.name, f)?);
        }
        def.validate()?;
        if let Some(m) = xp_child(node, "metadata") {
            def.metadata = Some(Metadata::parse(m));
        }
        def.dnsmasq_options = parse_dnsmasq_options(node)?;
        Ok(def)
    }

    fn parse_bridge(net: &str, b: Node<'_, '_>) -> Result<NetworkBridge, ConfError> {
        let mut bridge = NetworkBridge {
            name: xp_attr(b, "name").map(str::to_owned),
            zone: xp_attr(b, "zone").map(str::to_owned),
            stp: xp_attr(b, "stp").map(|s| s != "off"),
            ..NetworkBridge::default()
        };
        if let Some(d) = xp_attr(b, "delay") {
            bridge.delay = to_ullp(d, 10)
                .ok_or_else(|| xml_error(format!("Invalid delay value in network '{net}'")))?;
        }
        if let Some(m) = xp_attr(b, "macTableManager") {
            bridge.mac_table_manager = Some(match m {
                "kernel" => MacTableManager::Kernel,
                "libvirt" => MacTableManager::Libvirt,
                _ => {
                    return Err(xml_error(format!(
                        "Invalid macTableManager setting '{m}' in network '{net}'"
                    )));
                }
            });
        }
        Ok(bridge)
    }

    /// Every static route's gateway must be inside one of the network's `<ip>` subnets.
    fn check_route_gateways(&self) -> Result<(), ConfError> {
        for route in &self.routes {
            let reachable = self.ips.iter().any(|ip| {
                if ip.address.is_ipv4() != route.gateway.is_ipv4() {
                    return false;
                }
                let prefix = ip.effective_prefix();
                match (
                    addr::mask_by_prefix(&ip.address, prefix),
                    addr::mask_by_prefix(&route.gateway, prefix),
                ) {
                    (Some(a), Some(g)) => a == g,
                    _ => false,
                }
            });
            if !reachable {
                return Err(unsupported(format!(
                    "unreachable static route gateway '{}' specified for network '{}'",
                    addr::format_addr(&route.gateway),
                    self.name
                )));
            }
        }
        Ok(())
    }

    /// The checks that tie the forward mode to the rest of the definition.
    pub fn validate(&self) -> Result<(), ConfError> {
        let mode = self.forward_mode();
        let m = mode.as_str();
        let name = &self.name;
        let nifs = self.forward.as_ref().map_or(0, |f| f.interfaces.len());
        let npfs = self.forward.as_ref().map_or(0, |f| f.pfs.len());
        let bridge = self.bridge.clone().unwrap_or_default();
        match mode {
            ForwardMode::None => {}
            ForwardMode::Route | ForwardMode::Nat | ForwardMode::Open => {
                if self.ips.is_empty() {
                    return Err(xml_error(format!(
                        "{m} forwarding requested, but no IP address provided for network '{name}'"
                    )));
                }
                if nifs > 1 {
                    return Err(xml_error(format!(
                        "multiple forwarding interfaces specified for network '{name}', only one is supported"
                    )));
                }
                if mode == ForwardMode::Open && nifs > 0 {
                    return Err(xml_error(format!(
                        "forward dev not allowed for network '{name}' with forward mode='{m}'"
                    )));
                }
            }
            ForwardMode::Bridge
            | ForwardMode::Private
            | ForwardMode::Vepa
            | ForwardMode::Passthrough
            | ForwardMode::Hostdev => {
                if mode != ForwardMode::Bridge {
                    if bridge.name.is_some() {
                        return Err(xml_error(format!(
                            "bridge name not allowed in {m} mode (network '{name}')"
                        )));
                    }
                    if bridge.zone.is_some() {
                        return Err(xml_error(format!(
                            "bridge zone not allowed in {m} mode (network '{name}')"
                        )));
                    }
                    if bridge.mac_table_manager.is_some() {
                        return Err(xml_error(format!(
                            "bridge macTableManager setting not allowed in {m} mode (network '{name}')"
                        )));
                    }
                }
                if bridge.delay != 0 || bridge.stp.is_some() || bridge.zone.is_some() {
                    return Err(xml_error(format!(
                        "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in {m} (network '{name}')"
                    )));
                }
                if bridge.name.is_some() && (nifs > 0 || npfs > 0) {
                    return Err(xml_error(format!(
                        "A network with forward mode='{m}' can specify a bridge name or a forward dev, but not both (network '{name}')"
                    )));
                }
            }
        }
        if self.mtu != 0 && !mode.has_own_bridge() {
            return Err(xml_error(format!(
                "mtu size only allowed in open, route, nat, and isolated mode, not in {m} (network '{name}')"
            )));
        }
        Ok(())
    }

    /// The bridge device name, when configured.
    pub fn bridge_name(&self) -> Option<&str> {
        self.bridge.as_ref().and_then(|b| b.name.as_deref())
    }

    /// The forward mode; an absent `<forward>` is [`ForwardMode::None`] (isolated).
    pub fn forward_mode(&self) -> ForwardMode {
        self.forward.as_ref().map_or(ForwardMode::None, |f| f.mode)
    }

    /// The portgroup `name`, or the default portgroup when `name` is `None`.
    pub fn portgroup(&self, name: Option<&str>) -> Option<&PortGroup> {
        match name {
            Some(n) => self.portgroups.iter().find(|p| p.name == n),
            None => self.portgroups.iter().find(|p| p.is_default),
        }
    }

    /// Formats the definition as libvirt's `virNetworkDefFormat` does.
    pub fn to_xml(&self, flags: NetworkFormatFlags) -> String {
        let inactive = flags.inactive();
        let mut out = String::from("<network");
        if !self.dnsmasq_options.is_empty() {
            out.push_str(" xmlns:dnsmasq='");
            escape_into(&mut out, DNSMASQ_NAMESPACE);
            out.push('\'');
        }
        if !inactive && self.connections > 0 {
            out.push_str(&format!(" connections='{}'", self.connections));
        }
        if self.ipv6_nogw {
            out.push_str(" ipv6='yes'");
        }
        if let Some(t) = self.trust_guest_rx_filters {
            out.push_str(&format!(" trustGuestRxFilters='{}'", yes_no(t)));
        }
        out.push_str(">\n");

        let mut body = Out::at(1);
        body.frag(|w| {
            w.text_element("name", &self.name);
            w.text_element("uuid", &format_uuid(&self.uuid));
        });
        if let Some(m) = &self.metadata {
            body.raw_line(&m.to_libxml(1));
        }
        body.frag(|w| {
            if let Some(f) = &self.forward {
                f.format(w, inactive);
            }
            self.format_bridge(w);
            if self.mtu != 0 {
                w.start("mtu").attr_display("size", self.mtu).end();
            }
            if let Some(mac) = &self.mac {
                w.start("mac").attr("address", mac.to_string()).end();
            }
        });
        if let Some(NetworkDomain {
            name: Some(n),
            local_only,
        }) = &self.domain
        {
            // libvirt prints the domain name unescaped
            let mut attrs = vec![("name", Val::Raw(n))];
            if let Some(l) = local_only {
                attrs.push(("localOnly", Val::Esc(yes_no(*l))));
            }
            body.empty("domain", &attrs);
        }
        self.dns.format(&mut body);
        body.frag(|w| {
            if let Some(v) = &self.vlan {
                v.format(w);
            }
            if let Some(b) = &self.bandwidth {
                b.format(w);
            }
            if let Some(iso) = self.port_options.isolated {
                w.start("port").attr("isolated", yes_no(iso)).end();
            }
        });
        for ip in &self.ips {
            ip.format(&mut body);
        }
        body.frag(|w| {
            for r in &self.routes {
                r.format(w);
            }
            if let Some(v) = &self.virtualport {
                v.format(w);
            }
        });
        for pg in &self.portgroups {
            pg.format(&mut body);
        }
        if !self.dnsmasq_options.is_empty() {
            body.frag(|w| {
                w.start("dnsmasq:options");
                for o in &self.dnsmasq_options {
                    w.start("dnsmasq:option").attr("value", o).end();
                }
                w.end();
            });
        }
        out.push_str(&body.finish());
        out.push_str("</network>\n");
        out
    }

    fn format_bridge(&self, w: &mut oxvirt_xml::XmlWriter) {
        let own = self.forward_mode().has_own_bridge();
        let b = self.bridge.clone().unwrap_or_default();
        if !(own || b.name.is_some() || b.mac_table_manager.is_some()) {
            return;
        }
        w.start("bridge")
            .attr_opt("name", b.name.as_deref())
            .attr_opt("zone", b.zone.as_deref());
        if own {
            w.attr("stp", if b.stp.unwrap_or(true) { "on" } else { "off" })
                .attr_display("delay", b.delay);
        }
        w.attr_opt(
            "macTableManager",
            b.mac_table_manager.map(MacTableManager::as_str),
        )
        .end();
    }
}

/// `./dnsmasq:options/dnsmasq:option/@value`, matched by namespace URI, not prefix.
fn parse_dnsmasq_options(node: Node<'_, '_>) -> Result<Vec<String>, ConfError> {
    let in_ns = |n: &Node<'_, '_>, local: &str| {
        n.is_element()
            && n.tag_name().namespace() == Some(DNSMASQ_NAMESPACE)
            && n.tag_name().name() == local
    };
    let mut values = Vec::new();
    for options in node.children().filter(|n| in_ns(n, "options")) {
        for option in options.children().filter(|n| in_ns(n, "option")) {
            let v = prop(option, "value")
                .ok_or_else(|| internal("No dnsmasq options value specified"))?;
            values.push(v.to_owned());
        }
    }
    Ok(values)
}
