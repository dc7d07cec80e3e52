//! Resolution of a declared `type='network'` interface to its actual connection (SPEC §4.1),
//! and the host facts the planner needs (does a bridge exist).
//!
//! [`NetworkResolver`] is what the planner asks. [`NetworkDefResolver`] answers from network
//! definitions the way libvirt's network driver allocates a port: the portgroup (named, or
//! the network's default one) and the network supply bandwidth, VLAN, trust and isolation
//! the interface does not set; the virtualports of interface, portgroup and network are
//! merged; the forward mode picks the actual type (`network` for isolated/nat/route/open,
//! `bridge` for a bridge-mode network with a bridge name, `direct` for the macvtap modes,
//! `hostdev`) and checks which virtualport types that connection allows.

use oxvirt_conf::Generator;
use oxvirt_conf::domain::net::{ActualNet, MacvtapMode, NetDef, NetType};
use oxvirt_conf::netdev::{VirtualPort, VirtualPortType};
use oxvirt_conf::network::{ForwardDevice, ForwardMode, MacTableManager, NetworkDef};
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use std::collections::{BTreeMap, BTreeSet};

/// What the planner needs from the network driver and the host. Implementations answer
/// from data; they must not change anything (the planner is pure).
pub trait NetworkResolver {
    /// The port the network named by `iface` (a declared `type='network'` interface) would
    /// give it: libvirt's port allocation, without the side effects. Random ids the
    /// allocation invents come from `generator`.
    fn allocate_port(
        &self,
        iface: &NetDef,
        generator: &mut dyn Generator,
    ) -> Result<ActualNet, VirError>;

    /// Whether the bridge device `name` exists on the host.
    fn bridge_exists(&self, name: &str) -> bool;
}

/// A resolver over network definitions and a list of host bridges.
#[derive(Debug, Clone, Default)]
pub struct NetworkDefResolver {
    networks: BTreeMap<String, NetworkDef>,
    host_bridges: BTreeSet<String>,
}

impl NetworkDefResolver {
    /// An empty resolver: no networks, no host bridges.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a network. Its bridge, if any, counts as existing on the host:
    /// an active libvirt network has its bridge up.
    pub fn add_network(&mut self, net: NetworkDef) {
        if let Some(b) = net.bridge.as_ref().and_then(|b| b.name.clone()) {
            self.host_bridges.insert(b);
        }
        self.networks.insert(net.name.clone(), net);
    }

    /// Declares a bridge device that exists on the host.
    pub fn add_host_bridge(&mut self, name: impl Into<String>) {
        self.host_bridges.insert(name.into());
    }

    /// The network called `name`.
    pub fn network(&self, name: &str) -> Option<&NetworkDef> {
        self.networks.get(name)
    }
}

fn net_error(code: ErrorNumber, detail: String) -> VirError {
    VirError::new(code, ErrorDomain::Network, detail)
}

fn vport_name(vp: &VirtualPort) -> &'static str {
    vp.kind.map_or("none", VirtualPortType::as_str)
}

impl NetworkResolver for NetworkDefResolver {
    fn allocate_port(
        &self,
        iface: &NetDef,
        generator: &mut dyn Generator,
    ) -> Result<ActualNet, VirError> {
        let Some(name) = iface.network_name() else {
            return Err(VirError::internal(
                ErrorDomain::Network,
                format!("interface type '{}' has no network", iface.net_type),
            ));
        };
        let net = self.networks.get(name).ok_or_else(|| {
            net_error(
                ErrorNumber::NoNetwork,
                format!("no network with matching name '{name}'"),
            )
        })?;
        // A named portgroup, or the network's default one when none is named. A name the
        // network does not have selects nothing, silently, as in libvirt's port allocation.
        let portgroup = net.portgroup(iface.portgroup());
        let forward = net.forward.as_ref();
        let mode = forward.map_or(ForwardMode::None, |f| f.mode);
        let bridge = net.bridge.as_ref().and_then(|b| b.name.clone());
        let mac_table_manager = net
            .bridge
            .as_ref()
            .and_then(|b| b.mac_table_manager)
            .map(|m| match m {
                MacTableManager::Kernel => "kernel".to_owned(),
                MacTableManager::Libvirt => "libvirt".to_owned(),
            });
        let mut actual = ActualNet::new(NetType::Network);
        // Interface settings win; the portgroup, then the network fill the gaps.
        actual.bandwidth = iface
            .bandwidth
            .or_else(|| portgroup.and_then(|pg| pg.bandwidth));
        actual.vlan = iface
            .vlan
            .clone()
            .filter(|v| !v.tags.is_empty())
            .or_else(|| portgroup.and_then(|pg| pg.vlan.clone()))
            .or_else(|| net.vlan.clone());
        actual.trust_guest_rx_filters = iface
            .trust_guest_rx_filters
            .or_else(|| portgroup.and_then(|pg| pg.trust_guest_rx_filters))
            .or(net.trust_guest_rx_filters);
        actual.isolated = iface.isolated.or(net.port_options.isolated);
        let mut vport = VirtualPort::merge(
            iface.virtualport.as_ref(),
            portgroup.and_then(|pg| pg.virtualport.as_ref()),
            net.virtualport.as_ref(),
        )
        .map_err(|e| e.to_vir(ErrorDomain::Network))?;

        let unsupported = |vp: &VirtualPort, what: &str| {
            net_error(
                ErrorNumber::ConfigUnsupported,
                format!(
                    "<virtualport type='{}'> not supported for network '{name}' which uses {what}",
                    vport_name(vp)
                ),
            )
        };
        match mode {
            ForwardMode::None | ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open => {
                actual.net_type = NetType::Network;
                actual.bridge = bridge;
                actual.mac_table_manager = mac_table_manager;
                if let Some(vp) = &vport {
                    return Err(unsupported(vp, "IP forwarding"));
                }
            }
            ForwardMode::Hostdev => {
                actual.net_type = NetType::Hostdev;
                if let Some(vp) = vport.as_ref().filter(|vp| {
                    !matches!(vp.kind, Some(VirtualPortType::Qbg | VirtualPortType::Qbh))
                }) {
                    return Err(unsupported(
                        vp,
                        "an SR-IOV Virtual Function via PCI passthrough",
                    ));
                }
            }
            ForwardMode::Bridge if bridge.is_some() => {
                actual.net_type = NetType::Bridge;
                actual.bridge = bridge;
                actual.mac_table_manager = mac_table_manager;
                if let Some(vp) = vport
                    .as_ref()
                    .filter(|vp| vp.kind != Some(VirtualPortType::OpenVSwitch))
                {
                    return Err(unsupported(vp, "a bridge device"));
                }
                // Port allocation gives every OVS port an id when nobody chose one.
                if let Some(vp) = vport.as_mut()
                    && vp.interface_id.is_none()
                {
                    vp.interface_id = Some(generator.uuid());
                }
            }
            ForwardMode::Bridge
            | ForwardMode::Private
            | ForwardMode::Vepa
            | ForwardMode::Passthrough => {
                actual.net_type = NetType::Direct;
                actual.direct_mode = Some(match mode {
                    ForwardMode::Private => MacvtapMode::Private,
                    ForwardMode::Vepa => MacvtapMode::Vepa,
                    ForwardMode::Passthrough => MacvtapMode::Passthrough,
                    _ => MacvtapMode::Bridge,
                });
                if let Some(vp) = vport.as_ref().filter(|vp| {
                    !matches!(vp.kind, Some(VirtualPortType::Qbg | VirtualPortType::Qbh))
                }) {
                    return Err(unsupported(vp, "a macvtap device"));
                }
                let exclusive = mode == ForwardMode::Passthrough
                    || (mode == ForwardMode::Private
                        && vport
                            .as_ref()
                            .is_some_and(|v| v.kind == Some(VirtualPortType::Qbh)));
                let dev = pick_device(forward, exclusive, name)?.ok_or_else(|| {
                    VirError::internal(
                        ErrorDomain::Network,
                        format!(
                            "network '{name}' uses a direct mode, but has no forward dev and no interface pool"
                        ),
                    )
                })?;
                actual.direct_dev = Some(dev.clone());
            }
        }
        if let Some(vp) = &vport {
            vp.check_complete()
                .map_err(|e| e.to_vir(ErrorDomain::Network))?;
        }
        actual.virtualport = vport;
        Ok(actual)
    }

    fn bridge_exists(&self, name: &str) -> bool {
        self.host_bridges.contains(name)
    }
}

/// The macvtap link device a new port gets: passthrough (and private with 802.1Qbh) need
/// a device nobody uses; the other modes take the least used one. A `<pf>` without an
/// enumerated pool stands for itself (the VFs are not known without the host).
fn pick_device(
    forward: Option<&oxvirt_conf::network::NetworkForward>,
    exclusive: bool,
    name: &str,
) -> Result<Option<String>, VirError> {
    let Some(fwd) = forward else {
        return Ok(None);
    };
    let netdevs = || {
        fwd.interfaces.iter().filter_map(|i| match &i.device {
            ForwardDevice::Netdev(d) => Some((d, i.connections)),
            ForwardDevice::Pci(_) => None,
        })
    };
    if netdevs().next().is_none() {
        return Ok(fwd.pfs.first().map(|pf| pf.dev.clone()));
    }
    let picked = if exclusive {
        netdevs().find(|(_, used)| *used == 0)
    } else {
        // min_by_key keeps the first of equally used devices, as libvirt's scan does.
        netdevs().min_by_key(|(_, used)| *used)
    };
    match picked {
        Some((dev, _)) => Ok(Some(dev.clone())),
        None => Err(VirError::internal(
            ErrorDomain::Network,
            format!(
                "network '{name}' requires exclusive access to interfaces, but none are available"
            ),
        )),
    }
}
