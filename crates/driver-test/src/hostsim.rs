//! A simulated host for the test driver: what a real host would hold for each running
//! domain's tap devices (bridge membership, link state, traffic shaping, VLAN, isolation,
//! filters), so that applied update plans leave an inspectable trace.
//!
//! Taps are plugged when a domain starts and unplugged when it stops. `update-device`
//! applies a plan's actions here one by one ([`HostSim::apply`]); none of them can fail on a
//! simulated host, so the all-or-nothing rule of the real executor holds trivially.

use crate::driver::State;
use oxvirt_conf::domain::net::{LinkState, NetDef, NetSource};
use oxvirt_conf::netdev::{Bandwidth, Vlan};
use oxvirt_netplan::{Action, UpdatePlan};
use std::collections::BTreeMap;

/// What the host holds for one tap device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TapState {
    /// The bridge the tap is a port of.
    pub(crate) bridge: Option<String>,
    /// Carrier as the guest sees it (`set_link`).
    pub(crate) link_up: bool,
    /// tc / OVS QoS in force.
    pub(crate) bandwidth: Option<Bandwidth>,
    /// Root qdisc reset to `noqueue`.
    pub(crate) qdisc_noqueue: bool,
    /// VLAN tagging in force.
    pub(crate) vlan: Option<Vlan>,
    /// Bridge port `isolated` flag.
    pub(crate) isolated: bool,
    /// Instantiated nwfilter.
    pub(crate) filter: Option<String>,
    /// ethtool rx coalescing frames.
    pub(crate) coalesce: Option<u32>,
}

/// A tap device: test domains name their taps `testnetN` per domain, so the owning
/// domain's name is part of the key.
pub(crate) type TapKey = (String, String);

/// The simulated host.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostSim {
    /// Tap devices by (domain, tap name).
    pub(crate) taps: BTreeMap<TapKey, TapState>,
    /// Every applied action, as `tap: action`, in order.
    pub(crate) log: Vec<String>,
}

impl HostSim {
    /// Creates the tap of a starting domain's interface; `bridge` is where its definition
    /// puts it (resolved through the network for `type='network'`).
    pub(crate) fn plug(&mut self, domain: &str, iface: &NetDef, bridge: Option<String>) {
        let Some(tap) = &iface.ifname else { return };
        let state = TapState {
            bridge,
            link_up: iface.link_state != Some(LinkState::Down),
            bandwidth: iface.bandwidth,
            vlan: iface.vlan.clone(),
            isolated: iface.isolated == Some(true),
            filter: iface.filter.as_ref().and_then(|f| f.filter.clone()),
            coalesce: iface.coalesce.flatten(),
            qdisc_noqueue: false,
        };
        self.taps.insert((domain.to_owned(), tap.clone()), state);
    }

    /// Removes a stopping domain's tap.
    pub(crate) fn unplug(&mut self, domain: &str, iface: &NetDef) {
        if let Some(tap) = &iface.ifname {
            self.taps.remove(&(domain.to_owned(), tap.clone()));
        }
    }

    /// Bridges that exist because some tap is a port of them.
    pub(crate) fn bridges(&self) -> impl Iterator<Item = &str> {
        self.taps.values().filter_map(|t| t.bridge.as_deref())
    }

    /// Applies the plan's actions to `tap`, in plan order. `new` is the definition the plan
    /// moves to (its resolved port gives the effective bandwidth and VLAN).
    pub(crate) fn apply(&mut self, domain: &str, tap: &str, plan: &UpdatePlan, new: &NetDef) {
        let key = (domain.to_owned(), tap.to_owned());
        let state = self.taps.entry(key).or_default();
        for action in &plan.actions {
            match action {
                Action::BandwidthSet | Action::OvsQosSet => {
                    state.bandwidth = new.actual_bandwidth().copied();
                }
                Action::BandwidthClear => state.bandwidth = None,
                Action::DefaultQdiscNoqueue => state.qdisc_noqueue = true,
                Action::OvsVlanUpdate | Action::VfVlanUpdate => {
                    state.vlan = new.actual_vlan().cloned();
                }
                Action::BridgeReattach | Action::BridgeReattachForced => {
                    state.bridge = plan.bridge_to.clone();
                }
                Action::BridgePortIsolatedOn => state.isolated = true,
                Action::BridgePortIsolatedOff => state.isolated = false,
                Action::NwfilterTeardownOld => state.filter = None,
                Action::NwfilterInstantiateNew => {
                    state.filter = new.filter.as_ref().and_then(|f| f.filter.clone());
                }
                Action::CoalesceSet => state.coalesce = new.coalesce.flatten(),
                Action::SetLink => state.link_up = new.link_state != Some(LinkState::Down),
                // Bookkeeping and guest queries: nothing on the host changes.
                Action::QueryRxFilter
                | Action::ReplaceDef
                | Action::PortAllocateNew
                | Action::PortReleaseOld
                | Action::PortReleaseNew => {}
            }
            self.log
                .push(format!("{domain}/{tap}: {}", action.as_str()));
        }
    }
}

impl State {
    /// Plugs the taps of a domain that just started.
    pub(crate) fn plug_domain(&mut self, idx: usize) {
        let vm = &self.domains[idx];
        let name = vm.def.name().to_owned();
        for iface in vm.def.interfaces() {
            let bridge = match iface.network_name() {
                Some(net) => self
                    .networks
                    .iter()
                    .find(|n| n.active && n.def.name() == net)
                    .and_then(|n| n.def.bridge_name().map(str::to_owned)),
                None => direct_bridge(iface),
            };
            self.host.plug(&name, iface, bridge);
        }
    }

    /// Unplugs the taps of a domain about to stop.
    pub(crate) fn unplug_domain(&mut self, idx: usize) {
        let vm = &self.domains[idx];
        for iface in vm.def.interfaces() {
            self.host.unplug(vm.def.name(), iface);
        }
    }
}

/// The bridge an interface's definition names directly (`type='bridge'`), or through its
/// resolved network port.
pub(crate) fn direct_bridge(iface: &NetDef) -> Option<String> {
    match &iface.source {
        NetSource::Bridge { bridge } => Some(bridge.clone()),
        _ => iface.actual_bridge_name().map(str::to_owned),
    }
}
