//! `update-device` of an `<interface>`: oxvirt's extension of the test driver (libvirt's
//! test driver refuses every update with `VIR_ERR_NO_SUPPORT`, and still does for other
//! devices).
//!
//! Flow of one call:
//! 1. Check the flags, refuse anything but an `<interface>`, find the domain and resolve
//!    `AFFECT_CURRENT` into live and/or config the way libvirt does.
//! 2. Config: parse the device as an inactive definition, find the interface it designates
//!    in the persistent definition (MAC, PCI address, alias — libvirt's
//!    `virDomainNetFindIdx`) and prepare the replaced definition.
//! 3. Live: give the live interfaces the ports their networks would allocate, run
//!    [`oxvirt_netplan::plan_interface_update`] against this driver's active networks and
//!    the simulated host's bridges; a refusal is returned as the planner's error.
//! 4. Unless `OXVIRT_DRY_RUN` was asked for, apply the live plan to the simulated host
//!    ([`crate::hostsim`]), store the new live interface when the plan replaces it (or the
//!    new link state when only that changes), then store the new configuration.
//!
//! Nothing is changed before every check has passed, so an update is all-or-nothing.

use crate::domain::DomainObj;
use crate::driver::{Core, State};
use crate::errors::{self, check_flags};
use crate::xmldef::DomainXml;
use oxvirt_conf::domain::DeviceAddress;
use oxvirt_conf::domain::net::{NetDef, NetSource, NetType};
use oxvirt_conf::{ParseCtx, RandomGenerator};
use oxvirt_core::{DomainRef, DriverResult, ErrorDomain, ErrorNumber, VirError, device_flags};
use oxvirt_netplan::{
    LiveDomain, NetworkDefResolver, NetworkResolver, UpdatePlan, plan, plan_interface_update,
};

/// The flags `update-device` accepts here.
const ACCEPTED: u32 =
    device_flags::LIVE | device_flags::CONFIG | device_flags::FORCE | device_flags::OXVIRT_DRY_RUN;

/// The C function name libvirt's flag errors would name for this call.
const FUNCTION: &str = "testDomainUpdateDeviceFlags";

/// What the caller wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Do the update (or only check it, with `OXVIRT_DRY_RUN`).
    Update,
    /// The live plan as JSON, refusals included; nothing is applied.
    PlanJson,
}

/// `virDomainObjUpdateModificationImpact`: which definitions an update touches.
fn modification_impact(vm: &DomainObj, flags: u32) -> DriverResult<(bool, bool)> {
    let mut live = flags & device_flags::LIVE != 0;
    let mut config = flags & device_flags::CONFIG != 0;
    if !live && !config {
        live = vm.is_active();
        config = !live;
    }
    if live && !vm.is_active() {
        return Err(errors::domain_not_running());
    }
    if config && !vm.persistent {
        return Err(errors::invalid_domain(
            "transient domains do not have any persistent config",
        ));
    }
    Ok((live, config))
}

/// The element name of the device XML, or the XML error clients get for bad text.
fn device_kind(xml: &str) -> DriverResult<String> {
    let doc = oxvirt_xml::parse_document(xml)
        .map_err(|e| oxvirt_conf::ConfError::from(e).to_vir(ErrorDomain::Domain))?;
    Ok(doc.root_element().tag_name().name().to_owned())
}

/// The networks and host bridges the planner may resolve against: active networks only,
/// since only those can hand out ports.
fn resolver(st: &State) -> NetworkDefResolver {
    let mut r = NetworkDefResolver::new();
    for net in st.networks.iter().filter(|n| n.active) {
        r.add_network(net.def.conf().clone());
    }
    for bridge in st.host.bridges() {
        r.add_host_bridge(bridge);
    }
    r
}

/// The live interfaces as a hypervisor driver would hold them: with the ports their
/// networks would give them and with device aliases (`netN`, what the guest-side commands
/// address). The test driver keeps neither (its live XML shows none), so both are made up
/// afresh for each plan and removed again by [`as_test_driver_keeps`].
fn resolved_interfaces(def: &DomainXml, resolver: &dyn NetworkResolver) -> Vec<NetDef> {
    def.interfaces()
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, mut iface)| {
            if iface.net_type == NetType::Network && iface.actual.is_none() {
                iface.actual = resolver.allocate_port(&iface, &mut RandomGenerator).ok();
            }
            iface.info.alias.get_or_insert_with(|| format!("net{i}"));
            iface
        })
        .collect()
}

/// Drops what only a real hypervisor and network driver would record (the port, the
/// alias the live definition did not have), keeping the test driver's style of live XML.
fn as_test_driver_keeps(mut iface: NetDef, old: &NetDef) -> NetDef {
    if old.info.alias.is_none() {
        iface.info.alias = None;
    }
    if iface.net_type == NetType::Network {
        iface.actual = None;
        if let NetSource::Network { portid, .. } = &mut iface.source {
            *portid = None;
        }
    }
    iface
}

/// `virDomainNetFindIdx`: the one interface of `ifaces` that `net` designates.
fn find_interface(ifaces: &[NetDef], net: &NetDef) -> DriverResult<usize> {
    let pci = match &net.info.address {
        Some(
            a @ DeviceAddress::Pci {
                location: Some(_), ..
            },
        ) => Some(a),
        _ => None,
    };
    let mut found = None;
    for (i, cand) in ifaces.iter().enumerate() {
        let mac_ok = net.mac_generated || cand.mac == net.mac;
        let pci_ok = pci.is_none_or(|a| cand.info.address.as_ref() == Some(a));
        let alias_ok = match (&net.info.alias, &cand.info.alias) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if !(mac_ok && pci_ok && alias_ok) {
            continue;
        }
        if found.is_some() {
            let detail = if net.mac_generated {
                "multiple matching devices found".to_owned()
            } else {
                format!("multiple devices matching MAC address {} found", net.mac)
            };
            return Err(errors::failed(ErrorDomain::Domain, detail));
        }
        found = Some(i);
    }
    found.ok_or_else(|| {
        let mac = if net.mac_generated {
            "(<null>)".to_owned()
        } else {
            net.mac.to_string()
        };
        let alias = net.info.alias.as_deref().unwrap_or("(<null>)");
        VirError::new(
            ErrorNumber::DeviceMissing,
            ErrorDomain::Domain,
            format!(
                "no device found at address '(<null>)' matching MAC address '{mac}' and alias '{alias}'"
            ),
        )
    })
}

/// The persistent definition with its interface replaced by the one in `xml`.
fn updated_config(vm: &DomainObj, xml: &str) -> DriverResult<DomainXml> {
    let mut generator = RandomGenerator;
    let mut ctx = ParseCtx::inactive(&mut generator);
    let mut net = NetDef::parse_str(xml, &mut ctx).map_err(|e| e.to_vir(ErrorDomain::Domain))?;
    let mut config = vm.new_def.clone().unwrap_or_else(|| vm.def.clone());
    let i = find_interface(config.interfaces(), &net)?;
    let slot = &mut config.interfaces_mut()[i];
    // The test driver names every interface; a new definition without a name keeps the old.
    if net.ifname.is_none() {
        net.ifname = slot.ifname.clone();
    }
    *slot = net;
    Ok(config)
}

impl Core {
    /// `virDomainUpdateDeviceFlags`.
    pub(crate) fn update_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> DriverResult<()> {
        self.run_update(dom, xml, flags, Want::Update).map(|_| ())
    }

    /// The live update plan as JSON (`OXVIRT_DRY_RUN`), refusals included.
    pub(crate) fn plan_update_device(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> DriverResult<String> {
        self.run_update(
            dom,
            xml,
            flags | device_flags::OXVIRT_DRY_RUN,
            Want::PlanJson,
        )
        .map(|plan| plan.map(|p| p.to_json()).unwrap_or_default())
    }

    fn run_update(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
        want: Want,
    ) -> DriverResult<Option<UpdatePlan>> {
        check_flags(flags, ACCEPTED, FUNCTION)?;
        if device_kind(xml)? != "interface" {
            return Err(VirError::no_support(
                ErrorDomain::Domain,
                "virDomainUpdateDeviceFlags",
            ));
        }
        let dry_run = flags & device_flags::OXVIRT_DRY_RUN != 0;
        let mut guard = self.lock();
        let st = &mut *guard;
        let idx = st.domain_index(dom)?;
        let (live, config) = modification_impact(&st.domains[idx], flags)?;
        if want == Want::PlanJson && !live {
            return Err(VirError::new(
                ErrorNumber::InvalidArg,
                ErrorDomain::Test,
                "an update plan describes a live update: the domain must be running",
            ));
        }
        let new_config = if config {
            Some(updated_config(&st.domains[idx], xml)?)
        } else {
            None
        };
        let live_plan = if live {
            let resolver = resolver(st);
            let vm = &st.domains[idx];
            let ifaces = resolved_interfaces(&vm.def, &resolver);
            let other_boot_orders = vm.def.other_boot_orders();
            let domain = LiveDomain {
                name: vm.def.name(),
                interfaces: &ifaces,
                os_boot_devs: vm.def.boots_from_os(),
                other_boot_orders: &other_boot_orders,
            };
            let mut generator = RandomGenerator;
            Some(match want {
                Want::PlanJson => plan(&domain, xml, &resolver, &mut generator),
                Want::Update => plan_interface_update(&domain, xml, &resolver, &mut generator)?,
            })
        } else {
            None
        };
        if dry_run {
            return Ok(live_plan);
        }
        if let Some(p) = &live_plan {
            apply_live(st, idx, p)?;
        }
        if let Some(cfg) = new_config {
            let vm = &mut st.domains[idx];
            match &mut vm.new_def {
                Some(slot) => *slot = cfg,
                None => vm.def = cfg,
            }
        }
        Ok(live_plan)
    }
}

/// Applies a successful live plan: the simulated host first, then the live definition.
fn apply_live(st: &mut State, idx: usize, plan: &UpdatePlan) -> DriverResult<()> {
    let (Some(i), Some(new)) = (plan.target_index, plan.new_def.as_ref()) else {
        // A no-op plan names nothing to change.
        return Ok(());
    };
    let vm = &mut st.domains[idx];
    let name = vm.def.name().to_owned();
    let Some(old) = vm.def.interfaces_mut().get_mut(i) else {
        return Err(errors::internal(format!(
            "update plan names interface {i}, which domain '{name}' does not have"
        )));
    };
    if let Some(tap) = old.ifname.clone() {
        st.host.apply(&name, &tap, plan, new);
    }
    if plan.replace_def {
        let mut new = as_test_driver_keeps(new.clone(), old);
        if new.ifname.is_none() {
            new.ifname = old.ifname.clone();
        }
        *old = new;
    } else {
        // Only the guest-visible link (and the trust flag that goes with it) changed: the
        // old definition is kept and records them.
        old.link_state = new.link_state;
        old.trust_guest_rx_filters = new.trust_guest_rx_filters;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANDWIDTH_LINK_DOWN_XML: &str = "<interface type='network'>\
        <mac address='aa:bb:cc:dd:ee:ff'/><source network='default'/>\
        <bandwidth><inbound average='1000'/></bandwidth><link state='down'/></interface>";

    fn test_domain(core: &Core) -> DomainRef {
        core.lookup_by_name("test").expect("default domain")
    }

    fn tap_of_test(core: &Core) -> Option<crate::hostsim::TapState> {
        let key = ("test".to_owned(), "testnet0".to_owned());
        core.lock().host.taps.get(&key).cloned()
    }

    #[test]
    fn test_start_state_default_domain_tap_is_up_on_virbr0() {
        let core = Core::new();

        let tap = tap_of_test(&core).expect("tap plugged");

        assert_eq!((tap.bridge.as_deref(), tap.link_up), (Some("virbr0"), true));
    }

    #[test]
    fn test_update_device_bandwidth_and_link_applies_to_host() {
        let core = Core::new();
        let dom = test_domain(&core);

        core.update_device(&dom, BANDWIDTH_LINK_DOWN_XML, device_flags::LIVE)
            .expect("update");

        let tap = tap_of_test(&core).expect("tap plugged");
        let inbound = tap.bandwidth.and_then(|b| b.inbound).map(|r| r.average);
        assert_eq!((tap.link_up, inbound), (false, Some(1000)));
    }

    #[test]
    fn test_update_device_logs_actions_in_plan_order() {
        let core = Core::new();
        let dom = test_domain(&core);

        core.update_device(&dom, BANDWIDTH_LINK_DOWN_XML, device_flags::LIVE)
            .expect("update");

        assert_eq!(
            core.lock().host.log,
            vec![
                "test/testnet0: port_allocate_new",
                "test/testnet0: bandwidth_set",
                "test/testnet0: set_link",
                "test/testnet0: replace_def",
                "test/testnet0: port_release_old",
            ]
        );
    }

    #[test]
    fn test_destroy_unplugs_tap() {
        let core = Core::new();
        let dom = test_domain(&core);

        core.destroy(&dom, 0).expect("destroy");

        assert_eq!(tap_of_test(&core), None);
    }
}
