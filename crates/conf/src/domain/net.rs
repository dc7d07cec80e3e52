//! `<interface>`: the typed network interface definition (libvirt's `virDomainNetDef`).
//!
//! Flow: [`NetDef::parse`] reads an `<interface>` element the way libvirt's parser does,
//! including the defaults it invents (a random MAC flagged as generated, random
//! `interfaceid`/`instanceid` in a `<virtualport>`) through the context's generator, and
//! drops what only a live parse keeps (`portid`, auto-generated tap names, aliases).
//! [`NetDef::format`] prints the elements in libvirt's order (`virDomainNetDefFormat`);
//! a declared `type='network'` interface that is connected ([`NetDef::actual`]) is printed
//! with its actual type and source unless the inactive configuration is asked for.
//!
//! The `actual_*` accessors answer what libvirt's `virDomainNetGetActual*` answer: the
//! effective type, bridge, macvtap device, virtualport, bandwidth, VLAN, … after a
//! `type='network'` interface was resolved to a port of its network. The live-update
//! planner (`oxvirt-netplan`) compares interfaces through them.

use super::device_info::DeviceInfo;
use super::util::{format_uuid, parse_on_off, parse_yes_no};
use crate::netdev::{Bandwidth, MacAddr, PortOptions, VirtualPort, VirtualPortParse, Vlan};
use crate::network::util::{parse_uuid, prop_uint, to_i64, to_ui, to_ull_wrapping};
use crate::{ConfError, FormatFlags, ParseCtx};
use oxvirt_xml::read::{child, children};
use oxvirt_xml::{RawElement, XmlWriter};
use roxmltree::Node;
use std::fmt;

/// The declared `type` of an `<interface>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetType {
    /// `user` (SLIRP / passt).
    User,
    /// `ethernet` (a tap libvirt does not attach anywhere).
    Ethernet,
    /// `vhostuser`.
    VhostUser,
    /// `server` socket.
    Server,
    /// `client` socket.
    Client,
    /// `mcast` socket.
    Mcast,
    /// `network` (a libvirt virtual network).
    Network,
    /// `bridge` (a host bridge).
    Bridge,
    /// `internal` (VirtualBox).
    Internal,
    /// `direct` (macvtap).
    Direct,
    /// `hostdev` (SR-IOV VF passthrough).
    Hostdev,
    /// `udp` socket.
    Udp,
    /// `vdpa`.
    Vdpa,
    /// `null`.
    Null,
    /// `vds` (VMware distributed switch).
    Vds,
}

impl NetType {
    const ALL: [NetType; 15] = [
        NetType::User,
        NetType::Ethernet,
        NetType::VhostUser,
        NetType::Server,
        NetType::Client,
        NetType::Mcast,
        NetType::Network,
        NetType::Bridge,
        NetType::Internal,
        NetType::Direct,
        NetType::Hostdev,
        NetType::Udp,
        NetType::Vdpa,
        NetType::Null,
        NetType::Vds,
    ];

    /// The XML name.
    pub fn as_str(self) -> &'static str {
        match self {
            NetType::User => "user",
            NetType::Ethernet => "ethernet",
            NetType::VhostUser => "vhostuser",
            NetType::Server => "server",
            NetType::Client => "client",
            NetType::Mcast => "mcast",
            NetType::Network => "network",
            NetType::Bridge => "bridge",
            NetType::Internal => "internal",
            NetType::Direct => "direct",
            NetType::Hostdev => "hostdev",
            NetType::Udp => "udp",
            NetType::Vdpa => "vdpa",
            NetType::Null => "null",
            NetType::Vds => "vds",
        }
    }

    /// The variant for an XML name.
    pub fn from_name(s: &str) -> Option<NetType> {
        NetType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// `true` for the socket types (`server`, `client`, `mcast`, `udp`).
    pub fn is_socket(self) -> bool {
        matches!(
            self,
            NetType::Server | NetType::Client | NetType::Mcast | NetType::Udp
        )
    }
}

impl fmt::Display for NetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// macvtap `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MacvtapMode {
    /// `vepa` (libvirt's default).
    #[default]
    Vepa,
    /// `private`.
    Private,
    /// `bridge`.
    Bridge,
    /// `passthrough`.
    Passthrough,
}

impl MacvtapMode {
    /// The XML name.
    pub fn as_str(self) -> &'static str {
        match self {
            MacvtapMode::Vepa => "vepa",
            MacvtapMode::Private => "private",
            MacvtapMode::Bridge => "bridge",
            MacvtapMode::Passthrough => "passthrough",
        }
    }

    /// The variant for an XML name (also a network's forward mode of the same name).
    pub fn from_name(s: &str) -> Option<MacvtapMode> {
        match s {
            "vepa" => Some(MacvtapMode::Vepa),
            "private" => Some(MacvtapMode::Private),
            "bridge" => Some(MacvtapMode::Bridge),
            "passthrough" => Some(MacvtapMode::Passthrough),
            _ => None,
        }
    }
}

/// `<link state>`; absent is libvirt's "default" state, distinct from both values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// `up`.
    Up,
    /// `down`.
    Down,
}

impl LinkState {
    /// The XML name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Up => "up",
            LinkState::Down => "down",
        }
    }
}

/// `<reconnect>` of a vhost-user client socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reconnect {
    /// `enabled='yes|no'`.
    pub enabled: bool,
    /// `timeout` seconds (only with `enabled='yes'`).
    pub timeout: u32,
}

/// What the interface connects to: the `<source>` of each declared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetSource {
    /// `user`: optional `dev` (passt only).
    User {
        /// `dev`.
        dev: Option<String>,
    },
    /// `ethernet`: no source.
    Ethernet,
    /// `vhostuser`: a UNIX socket.
    VhostUser {
        /// `path`.
        path: String,
        /// `mode='server'` (QEMU listens).
        server: bool,
        /// `<reconnect>`.
        reconnect: Option<Reconnect>,
    },
    /// `server`, `client`, `mcast`, `udp`.
    Socket {
        /// `address`.
        address: Option<String>,
        /// `port`.
        port: i32,
        /// `udp`: `<local address port>`.
        local: Option<(String, i32)>,
    },
    /// `network`.
    Network {
        /// `network`.
        network: String,
        /// `portgroup`.
        portgroup: Option<String>,
        /// `portid` (live only): the network port this interface holds.
        portid: Option<[u8; 16]>,
    },
    /// `bridge`.
    Bridge {
        /// `bridge`.
        bridge: String,
    },
    /// `internal`.
    Internal {
        /// `name`.
        name: String,
    },
    /// `direct`.
    Direct {
        /// `dev`: the host link device.
        dev: String,
        /// `mode`.
        mode: MacvtapMode,
    },
    /// `hostdev`: the PCI/USB `<source>` kept verbatim (not compared by the update path:
    /// nothing of a hostdev interface can be changed live).
    Hostdev {
        /// `managed='yes'` on `<interface>`.
        managed: bool,
        /// `<source>…</source>`.
        source: Option<RawElement>,
    },
    /// `vdpa`.
    Vdpa {
        /// `dev`.
        dev: String,
    },
    /// `vds`.
    Vds {
        /// `switchid`.
        switch_id: [u8; 16],
        /// `portid`.
        port_id: i64,
        /// `portgroupid`.
        portgroup_id: String,
        /// `connectionid`.
        connection_id: i64,
    },
    /// `null`.
    Null,
}

/// The port a declared `type='network'` interface was given by its network (libvirt's
/// `virDomainActualNetDef`): the effective connection after resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualNet {
    /// `network` (libvirt-managed bridge), `bridge` (host bridge), `direct` or `hostdev`.
    pub net_type: NetType,
    /// Bridge name (`network`, `bridge`).
    pub bridge: Option<String>,
    /// `macTableManager` of the bridge.
    pub mac_table_manager: Option<String>,
    /// macvtap link device (`direct`).
    pub direct_dev: Option<String>,
    /// macvtap mode (`direct`).
    pub direct_mode: Option<MacvtapMode>,
    /// The VF (`hostdev`), verbatim.
    pub hostdev: Option<RawElement>,
    /// `managed='yes'` on `<actual type='hostdev'>`.
    pub hostdev_managed: bool,
    /// The merged virtualport (interface, portgroup, network).
    pub virtualport: Option<VirtualPort>,
    /// Effective bandwidth.
    pub bandwidth: Option<Bandwidth>,
    /// Effective VLAN.
    pub vlan: Option<Vlan>,
    /// Effective port isolation.
    pub isolated: Option<bool>,
    /// Effective `trustGuestRxFilters`.
    pub trust_guest_rx_filters: Option<bool>,
    /// tc class id of the network's QoS (status only).
    pub class_id: Option<u32>,
}

impl ActualNet {
    /// An actual connection of `net_type` with nothing else set.
    pub fn new(net_type: NetType) -> ActualNet {
        ActualNet {
            net_type,
            bridge: None,
            mac_table_manager: None,
            direct_dev: None,
            direct_mode: None,
            hostdev: None,
            hostdev_managed: false,
            virtualport: None,
            bandwidth: None,
            vlan: None,
            isolated: None,
            trust_guest_rx_filters: None,
            class_id: None,
        }
    }

    /// Reads `<actual>` from status XML (libvirt's `virDomainActualNetDefParseXML`).
    pub fn parse(node: Node<'_, '_>, ctx: &mut ParseCtx<'_>) -> Result<ActualNet, ConfError> {
        let ty = required(node, "type")?;
        let net_type = NetType::from_name(ty).ok_or_else(|| invalid_attr(node, "type", ty))?;
        if !matches!(
            net_type,
            NetType::Bridge | NetType::Direct | NetType::Hostdev | NetType::Network
        ) {
            return Err(ConfError::Internal(format!(
                "unsupported type '{ty}' in interface's <actual> element"
            )));
        }
        let mut a = ActualNet::new(net_type);
        a.trust_guest_rx_filters = tristate_bool(node, "trustGuestRxFilters")?;
        if let Some(vp) = child(node, "virtualport") {
            if net_type == NetType::Network {
                return Err(ConfError::Internal(format!(
                    "<virtualport> element unsupported for type='{ty}' in interface's <actual> element"
                )));
            }
            // The ids were generated when the port was allocated: none are invented here.
            let how = VirtualPortParse {
                generate_missing: false,
                require_type: true,
                require_all: true,
            };
            a.virtualport = Some(VirtualPort::parse(vp, how, &mut *ctx.generator)?);
        }
        match net_type {
            NetType::Direct => {
                if let Some(src) = child(node, "source") {
                    a.direct_dev = src.attribute("dev").map(str::to_owned);
                    a.direct_mode = Some(macvtap_mode(src)?);
                }
            }
            NetType::Hostdev => {
                a.hostdev_managed = tristate_bool(node, "managed")?.unwrap_or(false);
                a.hostdev = child(node, "source").map(RawElement::from_node);
            }
            _ => {
                if let Some(id) = child(node, "class")
                    .and_then(|c| c.attribute("id"))
                    .filter(|id| !id.is_empty())
                {
                    a.class_id = Some(to_ui(id, 10).ok_or_else(|| {
                        ConfError::Internal(format!("Unable to parse class id '{id}'"))
                    })?);
                }
                if let Some(src) = child(node, "source") {
                    a.bridge = src.attribute("bridge").map(str::to_owned);
                    if a.bridge.is_none() && net_type == NetType::Bridge {
                        return Err(ConfError::Internal(
                            "Missing <source> element with bridge name in interface's <actual> element"
                                .into(),
                        ));
                    }
                    if let Some(m) = src.attribute("macTableManager") {
                        if !matches!(m, "kernel" | "libvirt") {
                            return Err(ConfError::XmlError(format!(
                                "Invalid macTableManager setting '{m}' in domain interface's <actual> element"
                            )));
                        }
                        a.mac_table_manager = Some(m.to_owned());
                    }
                }
            }
        }
        a.bandwidth = match child(node, "bandwidth") {
            Some(b) => Bandwidth::parse(b)?,
            None => None,
        };
        a.vlan = child(node, "vlan").map(Vlan::parse).transpose()?;
        a.isolated = match child(node, "port") {
            Some(p) => PortOptions::parse(p)?.isolated,
            None => None,
        };
        Ok(a)
    }
}

/// `<driver>` attributes of a virtio NIC (`<driver>`, `<driver><host>`, `<driver><guest>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtioNetDriver {
    /// `name='qemu|vhost'`.
    pub name: Option<String>,
    /// `txmode='iothread|timer'`.
    pub txmode: Option<String>,
    /// `ioeventfd`.
    pub ioeventfd: Option<bool>,
    /// `event_idx`.
    pub event_idx: Option<bool>,
    /// `queues`.
    pub queues: Option<u32>,
    /// `rx_queue_size`.
    pub rx_queue_size: Option<u32>,
    /// `tx_queue_size`.
    pub tx_queue_size: Option<u32>,
    /// `rss`.
    pub rss: Option<bool>,
    /// `rss_hash_report`.
    pub rss_hash_report: Option<bool>,
    /// `<host>` offloads in libvirt's order: csum, gso, tso4, tso6, ecn, ufo, mrg_rxbuf.
    pub host: [Option<bool>; 7],
    /// `<guest>` offloads: csum, tso4, tso6, ecn, ufo.
    pub guest: [Option<bool>; 5],
}

const HOST_OPTS: [&str; 7] = ["csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"];
const GUEST_OPTS: [&str; 5] = ["csum", "tso4", "tso6", "ecn", "ufo"];

/// The virtio transport options on `<driver>` (any model): iommu, ats, packed, page_per_vq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VirtioOptions {
    /// `iommu`.
    pub iommu: Option<bool>,
    /// `ats`.
    pub ats: Option<bool>,
    /// `packed`.
    pub packed: Option<bool>,
    /// `page_per_vq`.
    pub page_per_vq: Option<bool>,
}

impl VirtioOptions {
    /// `true` when any option is set.
    pub fn any_set(&self) -> bool {
        self.iommu.is_some()
            || self.ats.is_some()
            || self.packed.is_some()
            || self.page_per_vq.is_some()
    }
}

/// `<backend>` (tap/vhost device paths, passt).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetBackend {
    /// `type='default|passt'`.
    pub kind: Option<String>,
    /// `tap`.
    pub tap: Option<String>,
    /// `vhost`.
    pub vhost: Option<String>,
    /// `logFile`.
    pub log_file: Option<String>,
}

/// `<filterref>`: an nwfilter and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterRef {
    /// `filter`.
    pub filter: Option<String>,
    /// `<parameter name value>` in document order.
    pub params: Vec<(String, String)>,
}

impl FilterRef {
    /// libvirt's comparison: same filter name, same parameters regardless of order.
    pub fn equal_opt(a: Option<&FilterRef>, b: Option<&FilterRef>) -> bool {
        let name = |f: Option<&FilterRef>| f.and_then(|f| f.filter.clone());
        let params = |f: Option<&FilterRef>| {
            let mut p = f.map(|f| f.params.clone()).unwrap_or_default();
            p.sort();
            p
        };
        name(a) == name(b) && params(a) == params(b)
    }
}

/// `<teaming>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teaming {
    /// `type='persistent|transient'`.
    pub kind: String,
    /// `persistent` (alias of the persistent device, for `transient`).
    pub persistent: Option<String>,
}

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDef {
    /// Declared `type`.
    pub net_type: NetType,
    /// `trustGuestRxFilters` tristate.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<mac address>`.
    pub mac: MacAddr,
    /// The MAC was invented by the parser (no `<mac>` given): it is then no lookup key.
    pub mac_generated: bool,
    /// `<mac type='generated|static'>`.
    pub mac_type: Option<String>,
    /// `<mac check='yes|no'>`.
    pub mac_check: Option<bool>,
    /// The declared source.
    pub source: NetSource,
    /// The resolved port of a declared `network` (live only).
    pub actual: Option<ActualNet>,
    /// `<ip>`/`<route>` inside `<source>` (host side), verbatim.
    pub host_ip: Vec<RawElement>,
    /// `<vlan>`.
    pub vlan: Option<Vlan>,
    /// `<virtualport>`.
    pub virtualport: Option<VirtualPort>,
    /// `<bandwidth>`.
    pub bandwidth: Option<Bandwidth>,
    /// `<port isolated>`.
    pub isolated: Option<bool>,
    /// `<ip>`/`<route>` children (guest side), verbatim.
    pub guest_ip: Vec<RawElement>,
    /// `<portForward>` (passt), verbatim.
    pub port_forwards: Vec<RawElement>,
    /// `<script path>`.
    pub script: Option<String>,
    /// `<downscript path>`.
    pub downscript: Option<String>,
    /// `<backenddomain name>`.
    pub backend_domain: Option<String>,
    /// `<target dev>`: the host tap/macvtap name.
    pub ifname: Option<String>,
    /// `<target managed>`.
    pub managed_tap: Option<bool>,
    /// `<guest dev>`.
    pub guest_dev: Option<String>,
    /// `<guest actual>`.
    pub guest_actual: Option<String>,
    /// `<model type>`.
    pub model: Option<String>,
    /// virtio `<driver>` attributes (only read for virtio models).
    pub driver: VirtioNetDriver,
    /// virtio transport options; `Some` whenever a `<driver>` element was given.
    pub virtio: Option<VirtioOptions>,
    /// `<backend>`.
    pub backend: NetBackend,
    /// `<filterref>` (only read for `network`, `bridge`, `ethernet`).
    pub filter: Option<FilterRef>,
    /// `<tune><sndbuf>`.
    pub sndbuf: Option<u64>,
    /// `<teaming>`.
    pub teaming: Option<Teaming>,
    /// `<link state>`; `None` is libvirt's default state.
    pub link_state: Option<LinkState>,
    /// `<mtu size>`.
    pub mtu: Option<u32>,
    /// `<coalesce><rx><frames max>`; `Some(None)` for an empty `<coalesce>`.
    pub coalesce: Option<Option<u32>>,
    /// Boot order, alias, rom, acpi index, guest address.
    pub info: DeviceInfo,
}

/// Tap names libvirt generates itself; an inactive parse drops them.
const GENERATED_IFNAME_PREFIXES: [&str; 3] = ["vnet", "macvtap", "macvlan"];

/// `VIR_ERR_XML_ERROR` for a value `virXMLProp*` cannot convert; `expected` is the
/// helper's hint (`" Expected integer value"`, …), empty for enums.
fn invalid_attr_hint(node: Node<'_, '_>, attr: &str, value: &str, expected: &str) -> ConfError {
    ConfError::XmlError(format!(
        "Invalid value for attribute '{attr}' in element '{}': '{value}'.{expected}",
        node.tag_name().name()
    ))
}

/// `virXMLPropEnum` / `virXMLPropTristate*` refusing a value.
fn invalid_attr(node: Node<'_, '_>, attr: &str, value: &str) -> ConfError {
    invalid_attr_hint(node, attr, value, "")
}

/// `virXMLPropTristateBool`: `yes`/`no` only.
fn tristate_bool(node: Node<'_, '_>, attr: &str) -> Result<Option<bool>, ConfError> {
    match node.attribute(attr) {
        None => Ok(None),
        Some(v) => parse_yes_no(v)
            .map(Some)
            .ok_or_else(|| invalid_attr(node, attr, v)),
    }
}

/// `virXMLPropTristateSwitch`: `on`/`off` only.
fn tristate_switch(node: Node<'_, '_>, attr: &str) -> Result<Option<bool>, ConfError> {
    match node.attribute(attr) {
        None => Ok(None),
        Some(v) => parse_on_off(v)
            .map(Some)
            .ok_or_else(|| invalid_attr(node, attr, v)),
    }
}

fn macvtap_mode(src: Node<'_, '_>) -> Result<MacvtapMode, ConfError> {
    match src.attribute("mode") {
        None => Ok(MacvtapMode::default()),
        Some(m) => MacvtapMode::from_name(m).ok_or_else(|| invalid_attr(src, "mode", m)),
    }
}

/// `virXMLPropStringRequired`.
fn required<'a>(node: Node<'a, '_>, attr: &str) -> Result<&'a str, ConfError> {
    node.attribute(attr).ok_or_else(|| {
        ConfError::XmlError(format!(
            "Missing required attribute '{attr}' in element '{}'",
            node.tag_name().name()
        ))
    })
}

fn require_source<'a, 'i>(
    source: Option<Node<'a, 'i>>,
    ty: NetType,
) -> Result<Node<'a, 'i>, ConfError> {
    source.ok_or_else(|| {
        ConfError::XmlError(format!("interface type='{ty}' requires a 'source' element"))
    })
}

/// `virXMLPropInt(…, 10, VIR_XML_PROP_REQUIRED)`: C `strtol` rules, `int` range.
fn int_attr(node: Node<'_, '_>, attr: &str) -> Result<i32, ConfError> {
    let v = required(node, attr)?;
    to_i64(v, 10)
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| invalid_attr_hint(node, attr, v, " Expected integer value"))
}

/// `virXMLPropLongLong(…, 0, VIR_XML_PROP_REQUIRED)`.
fn long_long_attr(node: Node<'_, '_>, attr: &str) -> Result<i64, ConfError> {
    let v = required(node, attr)?;
    to_i64(v, 0)
        .ok_or_else(|| invalid_attr_hint(node, attr, v, " Expected long long integer value"))
}

/// `virXMLPropUUID(…, VIR_XML_PROP_REQUIRED)`.
fn uuid_attr(node: Node<'_, '_>, attr: &str) -> Result<[u8; 16], ConfError> {
    let v = required(node, attr)?;
    parse_uuid(v).ok_or_else(|| invalid_attr_hint(node, attr, v, " Expected UUID"))
}

/// `virXMLPropUInt(…, 10, VIR_XML_PROP_NONE)`.
fn opt_u32(node: Node<'_, '_>, attr: &str) -> Result<Option<u32>, ConfError> {
    prop_uint(node, attr, 10, false)
}

fn is_virtio_model(model: Option<&str>) -> bool {
    matches!(
        model,
        Some("virtio" | "virtio-transitional" | "virtio-non-transitional")
    )
}

impl NetDef {
    /// Parses an `<interface>` element (libvirt's `virDomainNetDefParseXML`).
    pub fn parse(node: Node<'_, '_>, ctx: &mut ParseCtx<'_>) -> Result<NetDef, ConfError> {
        let net_type = match node.attribute("type") {
            None => NetType::User,
            Some(t) => NetType::from_name(t).ok_or_else(|| invalid_attr(node, "type", t))?,
        };
        let source_node = child(node, "source");
        let mut host_ip = Vec::new();
        if let Some(src) = source_node {
            host_ip = ip_children(src);
        }
        let mut actual = None;
        // Which <virtualport> rules apply; `None` means the type has no virtualport.
        let mut vport_rules = None;
        let strict = VirtualPortParse {
            generate_missing: true,
            require_type: true,
            require_all: true,
        };
        let mut parse_filterref = false;
        let source = match net_type {
            NetType::Network => {
                let src = require_source(source_node, net_type)?;
                let network = required(src, "network")?.to_owned();
                let portgroup = src.attribute("portgroup").map(str::to_owned);
                let portid = if ctx.live {
                    match src.attribute("portid") {
                        None => None,
                        Some(p) => Some(parse_uuid(p).ok_or_else(|| {
                            invalid_attr_hint(src, "portid", p, " Expected UUID")
                        })?),
                    }
                } else {
                    None
                };
                if ctx.live
                    && let Some(a) = child(node, "actual")
                {
                    actual = Some(ActualNet::parse(a, ctx)?);
                }
                vport_rules = Some(VirtualPortParse {
                    generate_missing: true,
                    ..VirtualPortParse::default()
                });
                parse_filterref = true;
                NetSource::Network {
                    network,
                    portgroup,
                    portid,
                }
            }
            NetType::Vds => {
                let src = require_source(source_node, net_type)?;
                NetSource::Vds {
                    switch_id: uuid_attr(src, "switchid")?,
                    port_id: long_long_attr(src, "portid")?,
                    portgroup_id: required(src, "portgroupid")?.to_owned(),
                    connection_id: long_long_attr(src, "connectionid")?,
                }
            }
            NetType::Internal => {
                let src = require_source(source_node, net_type)?;
                NetSource::Internal {
                    name: required(src, "name")?.to_owned(),
                }
            }
            NetType::Bridge => {
                let src = require_source(source_node, net_type)?;
                vport_rules = Some(strict);
                parse_filterref = true;
                NetSource::Bridge {
                    bridge: required(src, "bridge")?.to_owned(),
                }
            }
            NetType::Direct => {
                let src = require_source(source_node, net_type)?;
                vport_rules = Some(strict);
                NetSource::Direct {
                    dev: required(src, "dev")?.to_owned(),
                    mode: macvtap_mode(src)?,
                }
            }
            NetType::Ethernet => {
                parse_filterref = true;
                NetSource::Ethernet
            }
            NetType::VhostUser => {
                let src = require_source(source_node, net_type)?;
                let kind = required(src, "type")?;
                if kind != "unix" {
                    return Err(ConfError::Unsupported(format!(
                        "Type='{kind}' unsupported for <interface type='vhostuser'>"
                    )));
                }
                let path = required(src, "path")?.to_owned();
                let server = match required(src, "mode")? {
                    "server" => true,
                    "client" => false,
                    other => return Err(invalid_attr(src, "mode", other)),
                };
                let reconnect = match child(src, "reconnect") {
                    None => None,
                    Some(r) => {
                        let enabled = tristate_bool(r, "enabled")?.unwrap_or(false);
                        let timeout = opt_u32(r, "timeout")?.unwrap_or(0);
                        Some(Reconnect { enabled, timeout })
                    }
                };
                NetSource::VhostUser {
                    path,
                    server,
                    reconnect,
                }
            }
            NetType::Vdpa => {
                let src = require_source(source_node, net_type)?;
                NetSource::Vdpa {
                    dev: required(src, "dev")?.to_owned(),
                }
            }
            NetType::Server | NetType::Client | NetType::Mcast | NetType::Udp => {
                let src = require_source(source_node, net_type)?;
                let address = if net_type == NetType::Server {
                    src.attribute("address").map(str::to_owned)
                } else {
                    Some(required(src, "address")?.to_owned())
                };
                let port = int_attr(src, "port")?;
                let local = if net_type == NetType::Udp {
                    let l = child(src, "local").ok_or_else(|| {
                        ConfError::XmlError(
                            "'<local>' element missing for 'udp' socket interface".into(),
                        )
                    })?;
                    Some((required(l, "address")?.to_owned(), int_attr(l, "port")?))
                } else {
                    None
                };
                NetSource::Socket {
                    address,
                    port,
                    local,
                }
            }
            NetType::Hostdev => {
                vport_rules = Some(strict);
                NetSource::Hostdev {
                    managed: tristate_bool(node, "managed")?.unwrap_or(false),
                    source: source_node.map(RawElement::from_node),
                }
            }
            NetType::User => NetSource::User {
                dev: source_node
                    .and_then(|s| s.attribute("dev"))
                    .map(str::to_owned),
            },
            NetType::Null => NetSource::Null,
        };

        let virtualport = match (child(node, "virtualport"), vport_rules) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(ConfError::Unsupported(format!(
                    "<virtualport> element unsupported for <interface type='{net_type}'>"
                )));
            }
            (Some(vp), Some(rules)) => Some(VirtualPort::parse(vp, rules, &mut *ctx.generator)?),
        };

        let (ifname, managed_tap) = match child(node, "target") {
            Some(t) => (
                t.attribute("dev").map(str::to_owned),
                tristate_bool(t, "managed")?,
            ),
            None => (None, None),
        };
        let guest = child(node, "guest");
        let filter = match child(node, "filterref") {
            Some(f) if parse_filterref => Some(FilterRef {
                filter: f.attribute("filter").map(str::to_owned),
                params: children(f, "parameter")
                    .filter_map(|p| {
                        Some((
                            p.attribute("name")?.to_owned(),
                            p.attribute("value")?.to_owned(),
                        ))
                    })
                    .collect(),
            }),
            // libvirt silently ignores <filterref> on the other types.
            _ => None,
        };
        let bandwidth = match child(node, "bandwidth") {
            Some(b) => Bandwidth::parse(b)?,
            None => None,
        };
        let vlan = child(node, "vlan").map(Vlan::parse).transpose()?;

        let (mac, mac_generated, mac_type, mac_check) = match child(node, "mac") {
            Some(m) => {
                let mac = match m.attribute("address") {
                    None => None,
                    Some(a) => {
                        let mac = MacAddr::parse(a).ok_or_else(|| {
                            ConfError::XmlError(format!("unable to parse mac address '{a}'"))
                        })?;
                        if mac.is_multicast() {
                            return Err(ConfError::XmlError(format!(
                                "expected unicast mac address, found multicast '{a}'"
                            )));
                        }
                        Some(mac)
                    }
                };
                let ty = m.attribute("type").map(str::to_owned);
                if let Some(t) = ty.as_deref()
                    && !matches!(t, "generated" | "static")
                {
                    return Err(invalid_attr(m, "type", t));
                }
                let check = tristate_bool(m, "check")?;
                match mac {
                    Some(mac) => (mac, false, ty, check),
                    None => (MacAddr(ctx.generator.mac()), true, ty, check),
                }
            }
            None => (MacAddr(ctx.generator.mac()), true, None, None),
        };

        let info = DeviceInfo::parse(node, ctx, true, true)?;
        let guest_ip = ip_children(node);
        let port_forwards = children(node, "portForward")
            .map(RawElement::from_node)
            .collect();

        let ifname = ifname.filter(|name| {
            ctx.live
                || managed_tap == Some(false)
                || !GENERATED_IFNAME_PREFIXES
                    .iter()
                    .any(|p| name.starts_with(p))
        });

        let model = child(node, "model")
            .and_then(|m| m.attribute("type"))
            .map(str::to_owned);
        let mut driver = VirtioNetDriver::default();
        let mut virtio = None;
        if let Some(d) = child(node, "driver") {
            virtio = Some(VirtioOptions {
                iommu: tristate_switch(d, "iommu")?,
                ats: tristate_switch(d, "ats")?,
                packed: tristate_switch(d, "packed")?,
                page_per_vq: tristate_switch(d, "page_per_vq")?,
            });
            if net_type != NetType::Hostdev && is_virtio_model(model.as_deref()) {
                driver = parse_driver(d)?;
            }
        }
        let backend = match child(node, "backend") {
            Some(b) => NetBackend {
                kind: b.attribute("type").map(str::to_owned),
                tap: b.attribute("tap").map(str::to_owned),
                vhost: b.attribute("vhost").map(str::to_owned),
                log_file: b.attribute("logFile").map(str::to_owned),
            },
            None => NetBackend::default(),
        };
        let link_state = match child(node, "link").and_then(|l| l.attribute("state")) {
            None => None,
            Some("up") => Some(LinkState::Up),
            Some("down") => Some(LinkState::Down),
            Some(other) => {
                return Err(ConfError::Unsupported(format!(
                    "unknown interface link state '{other}'"
                )));
            }
        };
        let teaming = match child(node, "teaming") {
            None => None,
            Some(t) => Some(Teaming {
                kind: required(t, "type")?.to_owned(),
                persistent: t.attribute("persistent").map(str::to_owned),
            }),
        };
        // `virXPathULongLong("string(./tune/sndbuf)")`: empty text is absent, and C's
        // `strtoull` takes blanks and a sign.
        let sndbuf =
            match child(node, "tune")
                .and_then(|t| child(t, "sndbuf"))
                .and_then(|s| s.text())
                .filter(|t| !t.is_empty())
            {
                None => None,
                Some(t) => Some(to_ull_wrapping(t).ok_or_else(|| {
                    ConfError::XmlError("sndbuf must be a positive integer".into())
                })?),
            };
        let mtu = match child(node, "mtu") {
            None => None,
            Some(m) => {
                // `virXPathUInt`: C `strtoul` (a minus sign wraps), empty means absent.
                match m.attribute("size").filter(|v| !v.is_empty()) {
                    None => None,
                    Some(v) => Some(
                        to_ui(v, 10)
                            .ok_or_else(|| ConfError::XmlError("malformed mtu size".into()))?,
                    ),
                }
            }
        };
        let coalesce = match child(node, "coalesce") {
            None => None,
            Some(c) => {
                let frames = child(c, "rx").and_then(|rx| child(rx, "frames"));
                Some(match frames {
                    Some(f) => opt_u32(f, "max")?,
                    None => None,
                })
            }
        };
        let isolated = match child(node, "port") {
            Some(p) => PortOptions::parse(p)?.isolated,
            None => None,
        };

        Ok(NetDef {
            net_type,
            trust_guest_rx_filters: tristate_bool(node, "trustGuestRxFilters")?,
            mac,
            mac_generated,
            mac_type,
            mac_check,
            source,
            actual,
            host_ip,
            vlan,
            virtualport,
            bandwidth,
            isolated,
            guest_ip,
            port_forwards,
            script: child(node, "script")
                .and_then(|s| s.attribute("path"))
                .map(str::to_owned),
            downscript: child(node, "downscript")
                .and_then(|s| s.attribute("path"))
                .map(str::to_owned),
            backend_domain: child(node, "backenddomain")
                .and_then(|s| s.attribute("name"))
                .map(str::to_owned),
            ifname,
            managed_tap,
            guest_dev: guest.and_then(|g| g.attribute("dev")).map(str::to_owned),
            guest_actual: guest.and_then(|g| g.attribute("actual")).map(str::to_owned),
            model,
            driver,
            virtio,
            backend,
            filter,
            sndbuf,
            teaming,
            link_state,
            mtu,
            coalesce,
            info,
        })
    }

    /// Parses `<interface>` XML text on its own (the form `update-device` receives).
    pub fn parse_str(xml: &str, ctx: &mut ParseCtx<'_>) -> Result<NetDef, ConfError> {
        let doc = oxvirt_xml::parse_document(xml)
            .map_err(|e| ConfError::from(e).in_document("device_definition", xml))?;
        let root = doc.root_element();
        if root.tag_name().name() != "interface" {
            return Err(ConfError::Unsupported(format!(
                "unknown device type '{}'",
                root.tag_name().name()
            )));
        }
        NetDef::parse(root, ctx)
    }

    /// `true` for the virtio models.
    pub fn is_virtio_model(&self) -> bool {
        is_virtio_model(self.model.as_deref())
    }

    /// The port of a declared `network`, when it has been connected.
    fn network_actual(&self) -> Option<&ActualNet> {
        match self.net_type {
            NetType::Network => self.actual.as_ref(),
            _ => None,
        }
    }

    /// The effective type (`virDomainNetGetActualType`).
    pub fn actual_type(&self) -> NetType {
        self.network_actual().map_or(self.net_type, |a| a.net_type)
    }

    /// The bridge the tap is attached to, for bridge-using interfaces only.
    pub fn actual_bridge_name(&self) -> Option<&str> {
        match (&self.source, self.network_actual()) {
            (NetSource::Bridge { bridge }, _) => Some(bridge),
            (NetSource::Network { .. }, Some(a))
                if matches!(a.net_type, NetType::Bridge | NetType::Network) =>
            {
                a.bridge.as_deref()
            }
            _ => None,
        }
    }

    /// The macvtap link device of a `direct` connection.
    pub fn actual_direct_dev(&self) -> Option<&str> {
        match (&self.source, self.network_actual()) {
            (NetSource::Direct { dev, .. }, _) => Some(dev),
            (NetSource::Network { .. }, Some(a)) if a.net_type == NetType::Direct => {
                a.direct_dev.as_deref()
            }
            _ => None,
        }
    }

    /// The macvtap mode of a `direct` connection.
    pub fn actual_direct_mode(&self) -> Option<MacvtapMode> {
        match (&self.source, self.network_actual()) {
            (NetSource::Direct { mode, .. }, _) => Some(*mode),
            (NetSource::Network { .. }, Some(a)) if a.net_type == NetType::Direct => a.direct_mode,
            _ => None,
        }
    }

    /// The effective virtualport: the interface's own for `bridge`/`direct`/`hostdev`,
    /// the port's merged one for a `network` resolved to bridge/direct/hostdev, none else.
    pub fn actual_virtualport(&self) -> Option<&VirtualPort> {
        match self.net_type {
            NetType::Bridge | NetType::Direct | NetType::Hostdev => self.virtualport.as_ref(),
            NetType::Network => self.network_actual().and_then(|a| match a.net_type {
                NetType::Bridge | NetType::Direct | NetType::Hostdev => a.virtualport.as_ref(),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The effective bandwidth: a connected `network` interface's port bandwidth, even
    /// when the port has none (libvirt's `virDomainNetGetActualBandwidth`); the port got
    /// the interface's bandwidth at allocation, so falling back to the interface would
    /// make a change that the (reused) port never received look effective.
    pub fn actual_bandwidth(&self) -> Option<&Bandwidth> {
        match self.network_actual() {
            Some(a) => a.bandwidth.as_ref(),
            None => self.bandwidth.as_ref(),
        }
    }

    /// The effective VLAN (none when it has no tags).
    pub fn actual_vlan(&self) -> Option<&Vlan> {
        let vlan = match self.network_actual() {
            Some(a) => a.vlan.as_ref(),
            None => self.vlan.as_ref(),
        };
        vlan.filter(|v| !v.tags.is_empty())
    }

    /// The effective port isolation.
    pub fn actual_isolated(&self) -> Option<bool> {
        match self.network_actual() {
            Some(a) => a.isolated,
            None => self.isolated,
        }
    }

    /// `true` when guest RX filter changes are trusted.
    pub fn actual_trust_guest_rx_filters(&self) -> bool {
        match self.network_actual() {
            Some(a) => a.trust_guest_rx_filters == Some(true),
            None => self.trust_guest_rx_filters == Some(true),
        }
    }

    /// The network name of a declared `network`.
    pub fn network_name(&self) -> Option<&str> {
        match &self.source {
            NetSource::Network { network, .. } => Some(network),
            _ => None,
        }
    }

    /// The portgroup of a declared `network`.
    pub fn portgroup(&self) -> Option<&str> {
        match &self.source {
            NetSource::Network { portgroup, .. } => portgroup.as_deref(),
            _ => None,
        }
    }

    /// Writes `<interface>` in libvirt's element order. A connected `type='network'`
    /// interface shows its actual connection unless `flags` asks for the inactive XML.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        let public_actual = self.net_type == NetType::Network
            && self.actual.is_some()
            && !flags.inactive()
            && !flags.status()
            && !flags.migratable();
        let shown_type = if public_actual {
            self.actual_type()
        } else {
            self.net_type
        };
        w.start("interface").attr("type", shown_type.as_str());
        let managed = match (&self.source, public_actual, &self.actual) {
            (NetSource::Hostdev { managed, .. }, false, _) => *managed,
            (_, true, Some(a)) => a.net_type == NetType::Hostdev && a.hostdev_managed,
            _ => false,
        };
        if managed {
            w.attr("managed", "yes");
        }
        if let Some(t) = self.trust_guest_rx_filters {
            w.attr("trustGuestRxFilters", yes_no(t));
        }
        w.start("mac").attr("address", self.mac.to_string());
        w.attr_opt("type", self.mac_type.as_deref());
        if let Some(c) = self.mac_check {
            w.attr("check", yes_no(c));
        }
        w.end();

        match (public_actual, &self.actual) {
            (true, Some(actual)) => self.format_actual_contents(w, actual, false, flags),
            _ => {
                self.format_source(w, flags);
                if let Some(v) = &self.vlan {
                    v.format(w);
                }
                if let Some(vp) = &self.virtualport {
                    vp.format(w);
                }
                if let Some(b) = &self.bandwidth {
                    b.format(w);
                }
                PortOptions {
                    isolated: self.isolated,
                }
                .format(w);
                // Only status XML keeps the port as a separate <actual>, so that the
                // configuration written next to it is not overwritten.
                if let (NetType::Network, Some(actual)) = (self.net_type, &self.actual)
                    && flags.status()
                {
                    self.format_status_actual(w, actual, flags);
                }
            }
        }
        for ip in &self.guest_ip {
            ip.write(w);
        }
        for pf in &self.port_forwards {
            pf.write(w);
        }
        if let Some(s) = &self.script {
            w.start("script").attr("path", s).end();
        }
        if let Some(s) = &self.downscript {
            w.start("downscript").attr("path", s).end();
        }
        if let Some(d) = &self.backend_domain {
            w.start("backenddomain").attr("name", d).end();
        }
        let show_ifname = self.ifname.as_deref().filter(|name| {
            self.managed_tap == Some(false)
                || !(flags.inactive()
                    && GENERATED_IFNAME_PREFIXES
                        .iter()
                        .any(|p| name.starts_with(p)))
        });
        if show_ifname.is_some() || self.managed_tap.is_some() {
            w.start("target");
            w.attr_opt("dev", show_ifname);
            if let Some(m) = self.managed_tap {
                w.attr("managed", yes_no(m));
            }
            w.end();
        }
        if self.guest_dev.is_some() || self.guest_actual.is_some() {
            w.start("guest")
                .attr_opt("dev", self.guest_dev.as_deref())
                .attr_opt("actual", self.guest_actual.as_deref())
                .end();
        }
        if let Some(model) = &self.model {
            w.start("model").attr("type", model).end();
            if self.is_virtio_model() {
                self.format_driver(w);
            }
        }
        let b = &self.backend;
        if b.kind.is_some() || b.tap.is_some() || b.vhost.is_some() || b.log_file.is_some() {
            w.start("backend")
                .attr_opt("type", b.kind.as_deref())
                .attr_opt("tap", b.tap.as_deref())
                .attr_opt("vhost", b.vhost.as_deref())
                .attr_opt("logFile", b.log_file.as_deref())
                .end();
        }
        if let Some(f) = self.filter.as_ref().filter(|f| f.filter.is_some()) {
            w.start("filterref").attr_opt("filter", f.filter.as_deref());
            for (name, value) in &f.params {
                w.start("parameter")
                    .attr("name", name)
                    .attr("value", value)
                    .end();
            }
            w.end();
        }
        if let Some(s) = self.sndbuf {
            w.start("tune");
            w.text_element("sndbuf", &s.to_string());
            w.end();
        }
        if let Some(t) = &self.teaming {
            w.start("teaming")
                .attr("type", &t.kind)
                .attr_opt("persistent", t.persistent.as_deref())
                .end();
        }
        if let Some(l) = self.link_state {
            w.start("link").attr("state", l.as_str()).end();
        }
        if let Some(m) = self.mtu {
            w.start("mtu").attr_display("size", m).end();
        }
        if let Some(c) = self.coalesce {
            w.start("coalesce");
            if let Some(max) = c {
                w.start("rx");
                w.start("frames").attr_display("max", max).end();
                w.end();
            }
            w.end();
        }
        self.info.format(w, flags, true, true);
        w.end();
    }

    fn format_source(&self, w: &mut XmlWriter, flags: FormatFlags) {
        // The <source> may gain <ip>/<route> children, so it is opened here and closed
        // after them; `open` says whether a <source> element is open.
        let mut open = true;
        match &self.source {
            NetSource::Network {
                network,
                portgroup,
                portid,
            } => {
                w.start("source")
                    .attr("network", network)
                    .attr_opt("portgroup", portgroup.as_deref());
                if let Some(p) = portid.filter(|_| !flags.inactive()) {
                    w.attr("portid", format_uuid(&p));
                }
            }
            NetSource::VhostUser {
                path,
                server,
                reconnect,
            } => {
                w.start("source")
                    .attr("type", "unix")
                    .attr("path", path)
                    .attr("mode", if *server { "server" } else { "client" });
                if let Some(r) = reconnect {
                    w.start("reconnect").attr("enabled", yes_no(r.enabled));
                    if r.enabled {
                        w.attr_display("timeout", r.timeout);
                    }
                    w.end();
                }
            }
            NetSource::Bridge { bridge } => {
                w.start("source").attr("bridge", bridge);
            }
            NetSource::Socket {
                address,
                port,
                local,
            } => {
                w.start("source")
                    .attr_opt("address", address.as_deref())
                    .attr_display("port", port);
                if let Some((addr, port)) = local {
                    w.start("local")
                        .attr("address", addr)
                        .attr_display("port", port)
                        .end();
                }
            }
            NetSource::Internal { name } => {
                w.start("source").attr("name", name);
            }
            NetSource::Direct { dev, mode } => {
                w.start("source")
                    .attr("dev", dev)
                    .attr("mode", mode.as_str());
            }
            NetSource::Hostdev { source, .. } => {
                if let Some(s) = source {
                    s.write(w);
                }
                open = false;
            }
            NetSource::Vdpa { dev } => {
                w.start("source").attr("dev", dev);
            }
            NetSource::Vds {
                switch_id,
                port_id,
                portgroup_id,
                connection_id,
            } => {
                w.start("source")
                    .attr("switchid", format_uuid(switch_id))
                    .attr_display("portid", port_id)
                    .attr("portgroupid", portgroup_id)
                    .attr_display("connectionid", connection_id);
            }
            NetSource::User { dev } => match dev {
                Some(d) if self.backend.kind.as_deref() == Some("passt") => {
                    w.start("source").attr("dev", d);
                }
                _ => open = false,
            },
            NetSource::Ethernet | NetSource::Null => open = false,
        }
        if !self.host_ip.is_empty() && !open {
            w.start("source");
            open = true;
        }
        if open {
            for ip in &self.host_ip {
                ip.write(w);
            }
            w.end();
        }
    }

    /// `<actual type=…>` as libvirt keeps it in status XML, inside `<interface>`.
    /// libvirt prints the interface's `trustGuestRxFilters` there, not the actual one.
    fn format_status_actual(&self, w: &mut XmlWriter, actual: &ActualNet, flags: FormatFlags) {
        w.start("actual").attr("type", actual.net_type.as_str());
        if actual.net_type == NetType::Hostdev && actual.hostdev_managed {
            w.attr("managed", "yes");
        }
        if let Some(t) = self.trust_guest_rx_filters {
            w.attr("trustGuestRxFilters", yes_no(t));
        }
        w.open_body();
        self.format_actual_contents(w, actual, true, flags);
        w.end();
    }

    /// The connection of a resolved `type='network'` interface: in place of the declared
    /// source (`in_subelement == false`, public live XML) or inside `<actual>` (status XML,
    /// where the network name and portgroup stay on the interface's own `<source>`).
    fn format_actual_contents(
        &self,
        w: &mut XmlWriter,
        actual: &ActualNet,
        in_subelement: bool,
        flags: FormatFlags,
    ) {
        if actual.net_type == NetType::Hostdev {
            if let Some(h) = &actual.hostdev {
                h.write(w);
            }
        } else {
            w.start("source");
            if let NetSource::Network {
                network,
                portgroup,
                portid,
            } = &self.source
                && !in_subelement
            {
                w.attr("network", network)
                    .attr_opt("portgroup", portgroup.as_deref());
                if let Some(p) = portid {
                    w.attr("portid", format_uuid(p));
                }
            }
            match actual.net_type {
                NetType::Bridge | NetType::Network => {
                    w.attr_opt("bridge", actual.bridge.as_deref())
                        .attr_opt("macTableManager", actual.mac_table_manager.as_deref());
                }
                NetType::Direct => {
                    w.attr_opt("dev", actual.direct_dev.as_deref())
                        .attr("mode", actual.direct_mode.unwrap_or_default().as_str());
                }
                _ => {}
            }
            w.end();
        }
        if flags.status()
            && let Some(id) = actual.class_id
        {
            w.start("class").attr_display("id", id).end();
        }
        if let Some(v) = self.actual_vlan() {
            v.format(w);
        }
        if let Some(vp) = self.actual_virtualport() {
            vp.format(w);
        }
        if let Some(b) = self.actual_bandwidth() {
            b.format(w);
        }
        PortOptions {
            isolated: self.actual_isolated(),
        }
        .format(w);
    }

    fn format_driver(&self, w: &mut XmlWriter) {
        let d = &self.driver;
        let v = self.virtio.unwrap_or_default();
        let host_set = d.host.iter().any(Option::is_some);
        let guest_set = d.guest.iter().any(Option::is_some);
        let attrs_set = d.name.is_some()
            || d.txmode.is_some()
            || d.ioeventfd.is_some()
            || d.event_idx.is_some()
            || d.queues.is_some()
            || d.rx_queue_size.is_some()
            || d.tx_queue_size.is_some()
            || d.rss.is_some()
            || d.rss_hash_report.is_some()
            || v.any_set();
        if !(attrs_set || host_set || guest_set) {
            return;
        }
        w.start("driver");
        w.attr_opt("name", d.name.as_deref())
            .attr_opt("txmode", d.txmode.as_deref());
        if let Some(x) = d.ioeventfd {
            w.attr("ioeventfd", on_off(x));
        }
        if let Some(x) = d.event_idx {
            w.attr("event_idx", on_off(x));
        }
        for (name, value) in [
            ("queues", d.queues),
            ("rx_queue_size", d.rx_queue_size),
            ("tx_queue_size", d.tx_queue_size),
        ] {
            if let Some(n) = value {
                w.attr_display(name, n);
            }
        }
        for (name, value) in [
            ("rss", d.rss),
            ("rss_hash_report", d.rss_hash_report),
            ("iommu", v.iommu),
            ("ats", v.ats),
            ("packed", v.packed),
            ("page_per_vq", v.page_per_vq),
        ] {
            if let Some(x) = value {
                w.attr(name, on_off(x));
            }
        }
        if host_set {
            w.start("host");
            for (name, value) in HOST_OPTS.iter().zip(d.host) {
                if let Some(x) = value {
                    w.attr(name, on_off(x));
                }
            }
            w.end();
        }
        if guest_set {
            w.start("guest");
            for (name, value) in GUEST_OPTS.iter().zip(d.guest) {
                if let Some(x) = value {
                    w.attr(name, on_off(x));
                }
            }
            w.end();
        }
        w.end();
    }

    /// The interface formatted on its own (e.g. for a plan or a test), at indentation 0.
    pub fn to_xml(&self, flags: FormatFlags) -> String {
        let mut w = XmlWriter::new();
        self.format(&mut w, flags);
        w.finish()
    }
}

fn yes_no(b: bool) -> &'static str {
    super::util::yes_no(b)
}

fn on_off(b: bool) -> &'static str {
    super::util::on_off(b)
}

fn ip_children(node: Node<'_, '_>) -> Vec<RawElement> {
    node.children()
        .filter(|c| c.is_element() && matches!(c.tag_name().name(), "ip" | "route"))
        .map(RawElement::from_node)
        .collect()
}

fn parse_driver(d: Node<'_, '_>) -> Result<VirtioNetDriver, ConfError> {
    let mut drv = VirtioNetDriver {
        name: d.attribute("name").map(str::to_owned),
        txmode: d.attribute("txmode").map(str::to_owned),
        ioeventfd: tristate_switch(d, "ioeventfd")?,
        event_idx: tristate_switch(d, "event_idx")?,
        queues: opt_u32(d, "queues")?,
        rx_queue_size: opt_u32(d, "rx_queue_size")?,
        tx_queue_size: opt_u32(d, "tx_queue_size")?,
        rss: tristate_switch(d, "rss")?,
        rss_hash_report: tristate_switch(d, "rss_hash_report")?,
        ..VirtioNetDriver::default()
    };
    if let Some(h) = child(d, "host") {
        for (slot, name) in drv.host.iter_mut().zip(HOST_OPTS) {
            *slot = tristate_switch(h, name)?;
        }
    }
    if let Some(g) = child(d, "guest") {
        for (slot, name) in drv.guest.iter_mut().zip(GUEST_OPTS) {
            *slot = tristate_switch(g, name)?;
        }
    }
    Ok(drv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SequenceGenerator;

    fn live(xml: &str) -> NetDef {
        let mut g = SequenceGenerator::starting_at(1);
        let mut ctx = ParseCtx::live(&mut g);
        NetDef::parse_str(xml, &mut ctx).expect("valid interface")
    }

    const TEST_DRIVER_NIC: &str = "<interface type='network'>\n  <mac address='aa:bb:cc:dd:ee:ff'/>\n  <source network='default'/>\n  <target dev='testnet0'/>\n  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n</interface>\n";

    #[test]
    fn test_netdef_test_driver_nic_formats_like_virsh_dumpxml() {
        let def = live(TEST_DRIVER_NIC);

        let out = def.to_xml(FormatFlags::NONE);

        assert_eq!(out, TEST_DRIVER_NIC);
    }

    /// libvirt's `virDomainNetGetActualBandwidth`: once a `network` interface has a port,
    /// the port's bandwidth is the effective one, even when it has none.
    #[test]
    fn test_actual_bandwidth_connected_port_without_bandwidth_is_none() {
        let mut def = live(
            "<interface type='network'><source network='default'/>\
             <bandwidth><inbound average='1000'/></bandwidth></interface>",
        );
        let unconnected = def.actual_bandwidth().is_some();

        def.actual = Some(ActualNet::new(NetType::Network));

        assert_eq!((unconnected, def.actual_bandwidth()), (true, None));
    }

    #[test]
    fn test_netdef_missing_mac_is_generated_and_flagged() {
        let def = live("<interface type='bridge'><source bridge='br0'/></interface>");

        assert_eq!(
            (def.mac.to_string().as_str(), def.mac_generated),
            ("52:54:00:00:00:01", true)
        );
    }

    #[test]
    fn test_netdef_inactive_parse_drops_generated_tap_name() {
        let mut g = SequenceGenerator::starting_at(1);
        let mut ctx = ParseCtx::inactive(&mut g);

        let def = NetDef::parse_str(
            "<interface type='bridge'><source bridge='br0'/><target dev='vnet3'/></interface>",
            &mut ctx,
        )
        .expect("valid interface");

        assert_eq!(def.ifname, None);
    }

    #[test]
    fn test_netdef_filterref_on_direct_is_ignored() {
        let def = live(
            "<interface type='direct'><source dev='eth1' mode='bridge'/><filterref filter='clean-traffic'/></interface>",
        );

        assert_eq!(def.filter, None);
    }

    #[test]
    fn test_netdef_element_order_follows_libvirt() {
        let xml = "<interface type='bridge' trustGuestRxFilters='yes'>\n  <mac address='52:54:00:aa:00:01'/>\n  <source bridge='ovsbr0'/>\n  <vlan>\n    <tag id='42'/>\n  </vlan>\n  <virtualport type='openvswitch'>\n    <parameters interfaceid='8f2c64a1-3b4e-4c55-9a0e-5d1f2a7b9c01'/>\n  </virtualport>\n  <bandwidth>\n    <inbound average='1000' peak='5000' burst='1024'/>\n  </bandwidth>\n  <target dev='vnet0'/>\n  <model type='virtio'/>\n  <driver name='vhost' queues='2'/>\n  <tune>\n    <sndbuf>1600</sndbuf>\n  </tune>\n  <link state='down'/>\n  <mtu size='1500'/>\n  <coalesce>\n    <rx>\n      <frames max='7'/>\n    </rx>\n  </coalesce>\n  <alias name='net0'/>\n  <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n</interface>\n";
        let def = live(xml);

        let out = def.to_xml(FormatFlags::NONE);

        assert_eq!(out, xml);
    }
}
