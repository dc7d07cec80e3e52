//! The planner: SPEC §1–§6 in libvirt's order.
//!
//! 1. Parse the new XML in live mode ([`plan`]); defaults come from the caller's generator.
//! 2. Identify the NIC (§2): MAC (unless generated), PCI/CCW address, alias; then the
//!    generic compatibility checks (alias, acpi index, boot order).
//! 3. Compare attribute by attribute (§3); "fail" rows stop at once, `<tune><sndbuf>` only
//!    marks needReconnect.
//! 4. Resolve a declared `network` (§4.1): reuse the old port (same network, macvtap) or
//!    allocate a new one through the [`NetworkResolver`]; a new port forces replacement.
//! 5. Type matrix (§4.2), then the common checks (§4.3, §5): bridge name and virtualport
//!    decide a re-attach (forced when only the virtualport changed), macvtap differences
//!    and needReconnect fail, VLAN/isolation/trust/link/bandwidth/coalesce become actions.
//! 6. Order the actions (§6). Steps that libvirt fails only while applying (missing bridge,
//!    filter on a macvtap, VLAN without a mechanism) are checked here, so a plan either
//!    fails before any action or is expected to apply completely (quirks Q1–Q3).

use crate::plan::{
    Action, BridgeKind, FailStage, NetworkPort, Outcome, PlanFailure, Reason, UpdatePlan,
};
use crate::resolve::NetworkResolver;
use oxvirt_conf::domain::DeviceAddress;
use oxvirt_conf::domain::net::{LinkState, MacvtapMode, NetDef, NetSource, NetType};
use oxvirt_conf::netdev::{Bandwidth, VirtualPort, VirtualPortType, Vlan};
use oxvirt_conf::{Generator, ParseCtx};
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use serde_json::json;

/// The running domain as the planner sees it.
#[derive(Debug, Clone, Copy)]
pub struct LiveDomain<'a> {
    /// Domain name (appears in error messages).
    pub name: &'a str,
    /// The live `<interface>` definitions, in domain order (with their resolved ports).
    pub interfaces: &'a [NetDef],
    /// The domain boots from `<os><boot dev>` (per-device boot orders are then refused).
    pub os_boot_devs: bool,
    /// Boot orders used by the domain's other devices (not its interfaces).
    pub other_boot_orders: &'a [u32],
}

impl<'a> LiveDomain<'a> {
    /// A domain with these interfaces, no `<os><boot dev>` and no other boot orders.
    pub fn new(name: &'a str, interfaces: &'a [NetDef]) -> Self {
        LiveDomain {
            name,
            interfaces,
            os_boot_devs: false,
            other_boot_orders: &[],
        }
    }
}

/// Plans `update-device --live` of `new_xml` (an `<interface>`) and returns the plan, or
/// the error a client gets when the update is refused.
pub fn plan_interface_update(
    domain: &LiveDomain<'_>,
    new_xml: &str,
    resolver: &dyn NetworkResolver,
    generator: &mut dyn Generator,
) -> Result<UpdatePlan, VirError> {
    plan(domain, new_xml, resolver, generator).into_result()
}

/// Like [`plan_interface_update`], but a refusal is a plan too (outcome `fail`, with the
/// stage and the explanation), as the vector runner and diagnostics want it.
pub fn plan(
    domain: &LiveDomain<'_>,
    new_xml: &str,
    resolver: &dyn NetworkResolver,
    generator: &mut dyn Generator,
) -> UpdatePlan {
    let parsed = {
        let mut ctx = ParseCtx::live(&mut *generator);
        NetDef::parse_str(new_xml, &mut ctx)
    };
    match parsed {
        Ok(new) => plan_def(domain, new, resolver, generator),
        Err(e) => UpdatePlan::failed(
            PlanFailure::new(FailStage::Parse, "parse", e.to_vir(ErrorDomain::Domain)),
            vec![Reason {
                rule: "R-PARSE",
                detail: "the new <interface> XML does not parse".into(),
            }],
        ),
    }
}

/// Plans the update for an already parsed (live-mode) new definition.
pub fn plan_def(
    domain: &LiveDomain<'_>,
    new: NetDef,
    resolver: &dyn NetworkResolver,
    generator: &mut dyn Generator,
) -> UpdatePlan {
    let mut planner = Planner::default();
    match planner.run(domain, new, resolver, generator) {
        Ok(plan) => plan,
        Err(failure) => UpdatePlan::failed(*failure, planner.why),
    }
}

type Step<T> = Result<T, Box<PlanFailure>>;

fn fail(stage: FailStage, reason: &'static str, error: VirError) -> Box<PlanFailure> {
    Box::new(PlanFailure::new(stage, reason, error))
}

fn qemu(code: ErrorNumber, detail: impl Into<String>) -> VirError {
    VirError::new(code, ErrorDomain::Qemu, detail)
}

fn unsupported(
    stage: FailStage,
    reason: &'static str,
    detail: impl Into<String>,
) -> Box<PlanFailure> {
    fail(
        stage,
        reason,
        qemu(ErrorNumber::OperationUnsupported, detail),
    )
}

fn check_fail(reason: &'static str, detail: impl Into<String>) -> Box<PlanFailure> {
    unsupported(FailStage::Check, reason, detail)
}

/// Why the tap must be re-attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BridgeChange {
    /// The bridge name differs.
    Name,
    /// Same bridge, different virtualport (forced re-attach).
    Virtualport,
    /// A VLAN change on a bridge is applied by re-attaching.
    Vlan,
}

#[derive(Debug, Default)]
struct Planner {
    why: Vec<Reason>,
}

fn pci_string(addr: Option<&DeviceAddress>) -> Option<String> {
    match addr {
        Some(DeviceAddress::Pci {
            location: Some([d, b, s, f]),
            ..
        }) => Some(format!("{d:04x}:{b:02x}:{s:02x}.{f}")),
        _ => None,
    }
}

fn ccw_string(addr: Option<&DeviceAddress>) -> Option<String> {
    match addr {
        Some(DeviceAddress::Ccw { cssid, ssid, devno }) => {
            Some(format!("{cssid:x}.{ssid:x}.{devno:04x}"))
        }
        _ => None,
    }
}

/// An address libvirt considers "valid" for lookups and inheritance.
fn address_is_valid(addr: Option<&DeviceAddress>) -> bool {
    match addr {
        None => false,
        Some(DeviceAddress::Pci { location, .. }) => location.is_some(),
        Some(_) => true,
    }
}

fn address_kind(addr: Option<&DeviceAddress>) -> Option<std::mem::Discriminant<DeviceAddress>> {
    addr.map(std::mem::discriminant)
}

fn bridge_kind(vport: Option<&VirtualPort>) -> BridgeKind {
    match vport.and_then(|v| v.kind) {
        Some(VirtualPortType::OpenVSwitch) => BridgeKind::Ovs,
        Some(VirtualPortType::Midonet) => BridgeKind::Midonet,
        _ => BridgeKind::Linux,
    }
}

fn is_ovs_port(def: &NetDef) -> bool {
    def.actual_virtualport()
        .is_some_and(|v| v.kind == Some(VirtualPortType::OpenVSwitch))
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
}

impl Planner {
    fn note(&mut self, rule: &'static str, detail: impl Into<String>) {
        self.why.push(Reason {
            rule,
            detail: detail.into(),
        });
    }

    /// §2: the live NIC the new definition designates.
    fn identify(&mut self, domain: &LiveDomain<'_>, new: &NetDef) -> Step<usize> {
        let mac = (!new.mac_generated).then_some(new.mac);
        let addr = new.info.address.as_ref();
        let pci = pci_string(addr);
        let ccw = ccw_string(addr);
        let alias = new.info.alias.as_deref();
        let mut found = None;
        for (i, nic) in domain.interfaces.iter().enumerate() {
            let naddr = nic.info.address.as_ref();
            if mac.is_some_and(|m| m != nic.mac)
                || pci
                    .as_ref()
                    .is_some_and(|p| pci_string(naddr).as_ref() != Some(p))
                || ccw
                    .as_ref()
                    .is_some_and(|c| ccw_string(naddr).as_ref() != Some(c))
                || alias
                    .zip(nic.info.alias.as_deref())
                    .is_some_and(|(a, b)| a != b)
            {
                continue;
            }
            if found.is_some() {
                let detail = match mac {
                    Some(m) => format!("multiple devices matching MAC address {m} found"),
                    None => "multiple matching devices found".to_owned(),
                };
                self.note(
                    "R-IDENT",
                    "more than one live NIC matches the new definition",
                );
                return Err(fail(
                    FailStage::Identify,
                    "multiple-matches",
                    VirError::new(ErrorNumber::OperationFailed, ErrorDomain::Domain, detail),
                ));
            }
            found = Some(i);
        }
        match found {
            Some(i) => {
                self.note(
                    "R-IDENT",
                    format!(
                        "matched live NIC #{i} (MAC {}, alias {})",
                        domain.interfaces[i].mac,
                        opt(domain.interfaces[i].info.alias.as_deref())
                    ),
                );
                Ok(i)
            }
            None => {
                let null = "(<null>)".to_owned();
                let at = ccw.or(pci).unwrap_or_else(|| null.clone());
                let mac = mac.map_or_else(|| null.clone(), |m| m.to_string());
                let alias = alias.map_or(null, str::to_owned);
                self.note("R-IDENT", "no live NIC matches MAC, address and alias");
                Err(fail(
                    FailStage::Identify,
                    "device-not-found",
                    VirError::new(
                        ErrorNumber::DeviceMissing,
                        ErrorDomain::Domain,
                        format!(
                            "no device found at address '{at}' matching MAC address '{mac}' and alias '{alias}'"
                        ),
                    ),
                ))
            }
        }
    }

    /// §2: libvirt's generic device-compatibility checks for a live update.
    fn compatible(&mut self, domain: &LiveDomain<'_>, old: &NetDef, new: &NetDef) -> Step<()> {
        let denied = |reason, detail: &str| {
            fail(
                FailStage::Identify,
                reason,
                VirError::new(ErrorNumber::OperationDenied, ErrorDomain::Domain, detail),
            )
        };
        if let (Some(a), Some(b)) = (&old.info.alias, &new.info.alias)
            && a != b
        {
            return Err(denied(
                "alias-change",
                "changing device alias is not allowed",
            ));
        }
        if old.info.acpi_index != new.info.acpi_index {
            self.note(
                "R-IDENT",
                format!(
                    "acpi index differs ({} -> {})",
                    opt(old.info.acpi_index),
                    opt(new.info.acpi_index)
                ),
            );
            return Err(denied(
                "acpi-index-change",
                "changing device 'acpi index' is not allowed",
            ));
        }
        if let Some(order) = new.info.boot_order {
            let conf = |detail: String| {
                fail(
                    FailStage::Identify,
                    "boot-order",
                    VirError::new(ErrorNumber::ConfigUnsupported, ErrorDomain::Domain, detail),
                )
            };
            if domain.os_boot_devs {
                return Err(conf(
                    "per-device boot elements cannot be used together with os/boot elements".into(),
                ));
            }
            let others = domain
                .interfaces
                .iter()
                .filter(|n| !std::ptr::eq(*n, old))
                .filter_map(|n| n.info.boot_order)
                .chain(domain.other_boot_orders.iter().copied());
            for used in others {
                if used == order {
                    return Err(conf(format!(
                        "boot order {order} is already used by another device"
                    )));
                }
            }
        }
        Ok(())
    }

    /// §3: the attribute table up to (not including) the type decision. Returns whether
    /// the sndbuf comparison asks for a reconnect. Fills inherited values into `new`.
    fn compare_attributes(&mut self, old: &NetDef, new: &mut NetDef) -> Step<bool> {
        let old_type = old.actual_type();
        if matches!(old_type, NetType::Hostdev | NetType::Vdpa) {
            self.note(
                "R-TYPE-HOSTDEV",
                format!("the live NIC is a '{old_type}' interface: nothing can be changed"),
            );
            return Err(check_fail(
                "from-hostdev",
                format!("cannot change config of '{old_type}' network interface type"),
            ));
        }
        if old.backend.kind != new.backend.kind {
            self.note("R-IMMUTABLE", "<backend type> differs");
            return Err(check_fail(
                "backend-type-change",
                "cannot change backend type",
            ));
        }
        if old.mac != new.mac {
            self.note(
                "R-IMMUTABLE",
                format!(
                    "MAC differs ({} -> {}{})",
                    old.mac,
                    new.mac,
                    if new.mac_generated { ", generated" } else { "" }
                ),
            );
            return Err(check_fail(
                "mac-change",
                format!(
                    "cannot change network interface mac address from {} to {}",
                    old.mac, new.mac
                ),
            ));
        }
        if old.model != new.model {
            self.note("R-IMMUTABLE", "<model type> differs");
            return Err(check_fail(
                "model-change",
                format!(
                    "cannot modify network device model from {} to {}",
                    old.model.as_deref().unwrap_or("(null)"),
                    new.model.as_deref().unwrap_or("(null)")
                ),
            ));
        }
        if old.is_virtio_model() && old.driver != new.driver {
            self.note("R-IMMUTABLE", "virtio <driver> attributes differ");
            return Err(check_fail(
                "virtio-driver-change",
                "cannot modify virtio network device driver attributes",
            ));
        }
        let options_changed = if old.is_virtio_model() {
            old.virtio != new.virtio
        } else {
            new.virtio.is_some_and(|v| v.any_set())
        };
        if options_changed {
            self.note("R-IMMUTABLE", "virtio driver options differ");
            return Err(check_fail(
                "virtio-options-change",
                "cannot modify virtio network device driver options",
            ));
        }
        let reconnect = old.sndbuf != new.sndbuf;
        if reconnect {
            self.note(
                "R-RECONNECT",
                format!(
                    "<tune><sndbuf> differs ({} -> {}): the tap would have to be re-created",
                    opt(old.sndbuf),
                    opt(new.sndbuf)
                ),
            );
        }
        if old.script != new.script {
            self.note("R-IMMUTABLE", "<script path> differs");
            return Err(check_fail(
                "script-change",
                "cannot modify network device script attribute",
            ));
        }
        if new.ifname.is_none() {
            new.ifname = old.ifname.clone();
        }
        if old.ifname != new.ifname {
            self.note(
                "R-IMMUTABLE",
                format!(
                    "<target dev> differs ({} -> {})",
                    opt(old.ifname.as_deref()),
                    opt(new.ifname.as_deref())
                ),
            );
            return Err(check_fail(
                "tap-name-change",
                "cannot modify network device tap name",
            ));
        }
        if !address_is_valid(new.info.address.as_ref()) {
            new.info.address = old.info.address.clone();
        }
        if address_kind(old.info.address.as_ref()) != address_kind(new.info.address.as_ref()) {
            // libvirt reports this and carries on (Q3); refusing here is the SPEC's advice.
            self.note("R-IMMUTABLE", "guest address type differs");
            return Err(check_fail(
                "address-type-change",
                "cannot modify network device address type",
            ));
        }
        if old.info.address != new.info.address {
            self.note("R-IMMUTABLE", "guest address differs");
            return Err(check_fail(
                "address-change",
                "cannot modify network device guest PCI address",
            ));
        }
        if new.info.alias.is_none() {
            new.info.alias = old.info.alias.clone();
        }
        // libvirt 11.3 compares rom and boot settings directly: omitting one is a change.
        let rom = |d: &NetDef| d.info.rom.clone().unwrap_or_default();
        let (old_rom, new_rom) = (rom(old), rom(new));
        let rom_checks: [(bool, &'static str, &str); 4] = [
            (
                old_rom.bar != new_rom.bar,
                "rom-change",
                "cannot modify network device rom bar setting",
            ),
            (
                old_rom.file != new_rom.file,
                "rom-change",
                "cannot modify network rom file",
            ),
            (
                old.info.boot_order != new.info.boot_order,
                "boot-order-change",
                "cannot modify network device boot index setting",
            ),
            (
                old_rom.enabled != new_rom.enabled,
                "rom-change",
                "cannot modify network device rom enabled setting",
            ),
        ];
        if let Some((_, reason, msg)) = rom_checks.into_iter().find(|(differs, _, _)| *differs) {
            self.note("R-IMMUTABLE", format!("{msg} (values differ)"));
            return Err(check_fail(reason, msg));
        }
        if old.mtu != new.mtu {
            self.note("R-IMMUTABLE", "<mtu size> differs");
            return Err(check_fail("mtu-change", "cannot modify MTU"));
        }
        if old.backend != new.backend {
            self.note("R-IMMUTABLE", "<backend> settings differ");
            return Err(check_fail(
                "backend-change",
                "cannot modify network device backend settings",
            ));
        }
        if old.port_forwards != new.port_forwards {
            self.note("R-IMMUTABLE", "<portForward> settings differ");
            return Err(check_fail(
                "portforward-change",
                "cannot modify network device portForward settings",
            ));
        }
        Ok(reconnect)
    }

    /// §4.1: gives a declared `network` its port. Returns (port decision, allocated).
    fn resolve_port(
        &mut self,
        old: &NetDef,
        new: &mut NetDef,
        resolver: &dyn NetworkResolver,
        generator: &mut dyn Generator,
    ) -> Step<(NetworkPort, bool)> {
        let old_is_network = old.net_type == NetType::Network;
        if new.net_type != NetType::Network {
            return Ok((
                if old_is_network {
                    NetworkPort::Released
                } else {
                    NetworkPort::None
                },
                false,
            ));
        }
        if old_is_network
            && old.network_name() == new.network_name()
            && old.actual_type() == NetType::Direct
        {
            // An exclusive macvtap/VF port of an unchanged network is kept: a new
            // allocation could pick another pool device.
            new.actual = old.actual.clone();
            if let (NetSource::Network { portid: keep, .. }, NetSource::Network { portid, .. }) =
                (&old.source, &mut new.source)
            {
                *portid = *keep;
            }
            self.note(
                "R-NETPORT",
                "same macvtap network: the old port is reused unchanged",
            );
            return Ok((NetworkPort::Keep, false));
        }
        let actual = resolver.allocate_port(new, generator).map_err(|e| {
            self.note(
                "R-NETPORT",
                format!(
                    "network '{}' refused a port: {}",
                    new.network_name().unwrap_or_default(),
                    e.message
                ),
            );
            let reason = if e.message.contains("<virtualport") {
                "vport-unsupported-by-network"
            } else {
                "port-allocation"
            };
            fail(FailStage::PortAllocation, reason, e)
        })?;
        new.actual = Some(actual);
        self.note(
            "R-NETPORT",
            format!(
                "new port on network '{}' resolves to type '{}'{}: the definition is replaced",
                new.network_name().unwrap_or_default(),
                new.actual_type(),
                new.actual_bridge_name()
                    .map(|b| format!(" on bridge {b}"))
                    .or_else(|| new.actual_direct_dev().map(|d| format!(" on device {d}")))
                    .unwrap_or_default()
            ),
        );
        validate_actual(new).inspect_err(|f| {
            self.note(
                "R-NETPORT",
                format!("the new port is invalid: {}", f.message),
            );
        })?;
        Ok((NetworkPort::New, true))
    }

    fn run(
        &mut self,
        domain: &LiveDomain<'_>,
        mut new: NetDef,
        resolver: &dyn NetworkResolver,
        generator: &mut dyn Generator,
    ) -> Step<UpdatePlan> {
        let idx = self.identify(domain, &new)?;
        let old = &domain.interfaces[idx];
        self.compatible(domain, old, &new)?;
        let mut need_reconnect = self.compare_attributes(old, &mut new)?;
        let filter_changed = !oxvirt_conf::domain::net::FilterRef::equal_opt(
            old.filter.as_ref(),
            new.filter.as_ref(),
        );

        let (network_port, allocated) = self.resolve_port(old, &mut new, resolver, generator)?;
        let mut replace = allocated;

        let old_type = old.actual_type();
        let new_type = new.actual_type();
        if matches!(new_type, NetType::Hostdev | NetType::Vdpa) {
            self.note(
                "R-TYPE-HOSTDEV",
                format!("the new connection is '{new_type}'"),
            );
            return Err(check_fail(
                "to-hostdev",
                format!("cannot change network interface type to '{new_type}'"),
            ));
        }

        // §4.2
        if old.net_type == new.net_type && old_type == new_type {
            need_reconnect |= self.same_type_checks(old, &new)?;
        } else {
            let both_bridged =
                old.actual_bridge_name().is_some() && new.actual_bridge_name().is_some();
            let both_direct = old_type == NetType::Direct && new_type == NetType::Direct;
            let change = format!(
                "type {}/{} -> {}/{}",
                old.net_type, old_type, new.net_type, new_type
            );
            if both_bridged || both_direct {
                self.note(
                    "R-TYPE-CHANGE",
                    format!(
                        "{change}: allowed ({}), the definition is replaced",
                        if both_bridged {
                            "both use a bridge"
                        } else {
                            "both are macvtap"
                        }
                    ),
                );
                replace = true;
            } else {
                self.note(
                    "R-TYPE-CHANGE",
                    format!("{change}: only bridge<->bridge and direct<->direct can change live"),
                );
                need_reconnect = true;
            }
        }

        // §4.3 and §5
        let old_vport = old.actual_virtualport();
        let new_vport = new.actual_virtualport();
        let vport_same = VirtualPort::equal_opt(old_vport, new_vport);
        let mut bridge_change = None;
        if let Some(new_bridge) = new.actual_bridge_name() {
            if old.actual_bridge_name() != Some(new_bridge) {
                self.note(
                    "R-BRIDGE",
                    format!(
                        "bridge differs ({} -> {new_bridge}): re-attach",
                        opt(old.actual_bridge_name())
                    ),
                );
                bridge_change = Some(BridgeChange::Name);
            } else if !vport_same {
                self.note(
                    "R-VPORT-BRIDGE",
                    format!("virtualport differs on bridge {new_bridge}: forced re-attach"),
                );
                bridge_change = Some(BridgeChange::Virtualport);
            } else if old.net_type != new.net_type || old.network_name() != new.network_name() {
                self.note(
                    "R-BRIDGE",
                    format!("same bridge {new_bridge} and virtualport: no re-attach"),
                );
            }
        }
        if new_type == NetType::Direct {
            if old.actual_direct_dev() != new.actual_direct_dev()
                || old.actual_direct_mode() != new.actual_direct_mode()
            {
                self.note(
                    "R-DIRECT",
                    format!(
                        "macvtap device/mode differs ({}/{} -> {}/{})",
                        opt(old.actual_direct_dev()),
                        opt(old.actual_direct_mode().map(MacvtapMode::as_str)),
                        opt(new.actual_direct_dev()),
                        opt(new.actual_direct_mode().map(MacvtapMode::as_str))
                    ),
                );
                need_reconnect = true;
            }
            if !vport_same {
                self.note(
                    "R-VPORT-DIRECT",
                    "virtualport differs on a macvtap interface: cannot re-associate live",
                );
                need_reconnect = true;
            }
        }
        let vlan_changed = !Vlan::equal_opt(old.actual_vlan(), new.actual_vlan());
        let isolated_changed = old.actual_isolated() != new.actual_isolated();
        let trust_changed =
            old.actual_trust_guest_rx_filters() != new.actual_trust_guest_rx_filters();
        let link_changed = old.link_state != new.link_state;
        let bandwidth_changed =
            !Bandwidth::equal_opt(old.actual_bandwidth(), new.actual_bandwidth());
        let coalesce_changed = old.coalesce != new.coalesce;

        if need_reconnect {
            return Err(unsupported(
                FailStage::Decide,
                "needReconnect",
                format!("unable to change config on '{}' network type", new.net_type),
            ));
        }

        // §6
        let mut actions = Vec::new();
        let mut qmp = Vec::new();
        if allocated {
            actions.push(Action::PortAllocateNew);
        }
        if bandwidth_changed {
            self.bandwidth_actions(&new, &mut actions);
            replace = true;
        }
        if vlan_changed && bridge_change.is_none() {
            if is_ovs_port(old) && is_ovs_port(&new) {
                self.note(
                    "R-VLAN",
                    "VLAN differs on an OVS port: update the port's tag",
                );
                actions.push(Action::OvsVlanUpdate);
            } else if new_type == NetType::Direct
                && new.actual_direct_mode() == Some(MacvtapMode::Passthrough)
            {
                self.note(
                    "R-VLAN",
                    "VLAN differs on a passthrough macvtap: set the VF's VLAN",
                );
                actions.push(Action::VfVlanUpdate);
            } else if new.actual_bridge_name().is_some() {
                self.note("R-VLAN", "VLAN differs on a bridge: re-attach to apply it");
                bridge_change = Some(BridgeChange::Vlan);
            } else {
                // libvirt reports this and carries on (Q2); the SPEC says refuse first.
                self.note(
                    "R-VLAN",
                    format!("VLAN differs on a '{new_type}' interface"),
                );
                return Err(unsupported(
                    FailStage::Apply,
                    "vlan-unsupported-type",
                    format!("unable to change vlan on '{new_type}' network type"),
                ));
            }
            replace = true;
        }
        let mut bridge_fields = None;
        if let Some(change) = bridge_change {
            let to = new.actual_bridge_name().unwrap_or_default().to_owned();
            if !resolver.bridge_exists(&to) {
                self.note(
                    "R-BRIDGE",
                    format!("bridge {to} does not exist on the host"),
                );
                return Err(fail(
                    FailStage::Apply,
                    "bridge-missing",
                    qemu(
                        ErrorNumber::OperationFailed,
                        format!(
                            "cannot add domain {} device {} to nonexistent bridge {to}",
                            domain.name,
                            new.ifname.as_deref().unwrap_or("(null)")
                        ),
                    ),
                ));
            }
            actions.push(match change {
                BridgeChange::Virtualport => Action::BridgeReattachForced,
                BridgeChange::Name | BridgeChange::Vlan => Action::BridgeReattach,
            });
            bridge_fields = Some((
                old.actual_bridge_name().map(str::to_owned),
                to,
                bridge_kind(old_vport),
                bridge_kind(new_vport),
            ));
            replace = true;
        }
        if isolated_changed && bridge_change.is_none() {
            let on = new.actual_isolated() == Some(true);
            self.note(
                "R-ISOLATED",
                format!("port isolation turns {}", if on { "on" } else { "off" }),
            );
            actions.push(if on {
                Action::BridgePortIsolatedOn
            } else {
                Action::BridgePortIsolatedOff
            });
            replace = true;
        }
        if filter_changed {
            if !matches!(
                new_type,
                NetType::Ethernet | NetType::Bridge | NetType::Network
            ) {
                self.note(
                    "R-FILTER",
                    format!("nwfilter changed on a '{new_type}' connection"),
                );
                return Err(fail(
                    FailStage::Apply,
                    "filter-unsupported-type",
                    qemu(
                        ErrorNumber::ConfigUnsupported,
                        format!("filters not supported on interfaces of type {new_type}"),
                    ),
                ));
            }
            self.note("R-FILTER", "nwfilter reference or parameters differ");
            actions.push(Action::NwfilterTeardownOld);
            if new.filter.as_ref().is_some_and(|f| f.filter.is_some()) {
                actions.push(Action::NwfilterInstantiateNew);
            }
            replace = true;
        }
        if coalesce_changed {
            self.note("R-COALESCE", "interrupt coalescing differs");
            actions.push(Action::CoalesceSet);
            replace = true;
        }
        let alias = new.info.alias.clone();
        if trust_changed {
            if new.actual_trust_guest_rx_filters() {
                let name = self.require_alias(alias.as_deref(), "query rx filter of")?;
                self.note(
                    "R-RXFILTER",
                    "trustGuestRxFilters turns on: re-arm RX filter events",
                );
                actions.push(Action::QueryRxFilter);
                qmp.push(json!({"execute": "query-rx-filter", "arguments": {"name": name}}));
            } else {
                self.note("R-RXFILTER", "trustGuestRxFilters turns off: only recorded");
            }
            replace = true;
        }
        if link_changed {
            let name = self.require_alias(alias.as_deref(), "set link state of")?;
            let up = new.link_state != Some(LinkState::Down);
            self.note(
                "R-LINK",
                format!(
                    "link state differs ({} -> {})",
                    opt(old.link_state.map(LinkState::as_str)),
                    opt(new.link_state.map(LinkState::as_str))
                ),
            );
            actions.push(Action::SetLink);
            qmp.push(json!({"execute": "set_link", "arguments": {"name": name, "up": up}}));
        }
        if replace {
            actions.push(Action::ReplaceDef);
            if old.net_type == NetType::Network && network_port != NetworkPort::Keep {
                actions.push(Action::PortReleaseOld);
            }
        } else if allocated {
            actions.push(Action::PortReleaseNew);
        }
        let network_port = if replace || network_port != NetworkPort::New {
            network_port
        } else {
            NetworkPort::Keep
        };

        let outcome = if bridge_fields.is_some() {
            Outcome::BridgeReattach
        } else if actions.iter().any(|a| a.is_live_change()) {
            Outcome::LiveUpdate
        } else if replace {
            Outcome::ReplaceOnly
        } else {
            Outcome::NoOp
        };
        if outcome == Outcome::NoOp {
            self.note("R-NOOP", "nothing differs that needs an action");
        }
        let (bridge_from, bridge_to, from_kind, to_kind) = match bridge_fields {
            Some((from, to, fk, tk)) => (from, Some(to), Some(fk), Some(tk)),
            None => (None, None, None, None),
        };
        Ok(UpdatePlan {
            outcome,
            actions,
            replace_def: replace,
            network_port,
            bridge_from,
            bridge_to,
            bridge_from_kind: from_kind,
            bridge_to_kind: to_kind,
            qmp,
            target_index: Some(idx),
            failure: None,
            explanation: std::mem::take(&mut self.why),
            new_def: Some(new),
        })
    }

    /// §4.2 "same type" row: per-type checks. Returns whether a reconnect is needed.
    fn same_type_checks(&mut self, old: &NetDef, new: &NetDef) -> Step<bool> {
        match (&old.source, &new.source) {
            (
                NetSource::Socket {
                    address: a1,
                    port: p1,
                    ..
                },
                NetSource::Socket {
                    address: a2,
                    port: p2,
                    ..
                },
            ) => {
                let differs = a1 != a2 || p1 != p2;
                if differs {
                    self.note("R-RECONNECT", "socket address or port differs");
                }
                Ok(differs)
            }
            (NetSource::Internal { name: n1 }, NetSource::Internal { name: n2 }) => {
                let differs = n1 != n2;
                if differs {
                    self.note("R-RECONNECT", "internal network name differs");
                }
                Ok(differs)
            }
            (NetSource::Network { .. }, NetSource::Network { .. }) => {
                if old.network_name() == new.network_name() && old.portgroup() != new.portgroup() {
                    self.note(
                        "R-NETPORT",
                        format!(
                            "portgroup differs ({} -> {})",
                            opt(old.portgroup()),
                            opt(new.portgroup())
                        ),
                    );
                    return Err(check_fail(
                        "portgroup-change",
                        "cannot modify network device portgroup attribute",
                    ));
                }
                Ok(false)
            }
            (NetSource::VhostUser { .. }, NetSource::VhostUser { .. }) => {
                // Newest upstream allows a vhost-user update with unchanged socket
                // settings (not checked when the backend is passt).
                if old.backend.kind.as_deref() != Some("passt") && old.source != new.source {
                    self.note("R-TYPE-SAME", "vhost-user socket settings differ");
                    // SPEC §3 (newest source) words this one "socket config".
                    return Err(check_fail(
                        "socket-change",
                        "unable to change socket config on 'vhostuser' network type",
                    ));
                }
                Ok(false)
            }
            (NetSource::Null, _) | (NetSource::Vds { .. }, _) => {
                self.note(
                    "R-TYPE-SAME",
                    format!("'{}' interfaces cannot change", new.net_type),
                );
                Err(check_fail(
                    "type-unsupported",
                    format!("unable to change config on '{}' network type", new.net_type),
                ))
            }
            _ => Ok(false),
        }
    }

    /// §6 step 1.
    fn bandwidth_actions(&mut self, new: &NetDef, actions: &mut Vec<Action>) {
        let bw = new.actual_bandwidth();
        let ovs = is_ovs_port(new);
        match bw {
            Some(_) if ovs => actions.push(Action::OvsQosSet),
            Some(_) => actions.push(Action::BandwidthSet),
            None => actions.push(Action::BandwidthClear),
        }
        // macvtap shares the host's view of the directions; a tap sees them swapped.
        let guest_receive = if new.actual_type() == NetType::Direct {
            bw.and_then(|b| b.outbound)
        } else {
            bw.and_then(|b| b.inbound)
        };
        let unlimited = guest_receive.is_none_or(|r| r.average == 0);
        let tap_like = matches!(
            new.actual_type(),
            NetType::Ethernet | NetType::Network | NetType::Bridge | NetType::Direct
        );
        self.note(
            "R-BANDWIDTH",
            format!(
                "bandwidth differs: {}",
                if bw.is_some() {
                    "set the new limits"
                } else {
                    "clear the limits"
                }
            ),
        );
        if unlimited && tap_like && !ovs && new.ifname.is_some() {
            actions.push(Action::DefaultQdiscNoqueue);
        }
    }

    fn require_alias<'a>(&mut self, alias: Option<&'a str>, what: &str) -> Step<&'a str> {
        alias.ok_or_else(|| {
            self.note("R-LINK", "the device has no alias to address it over QMP");
            fail(
                FailStage::Apply,
                "no-alias",
                qemu(
                    ErrorNumber::OperationFailed,
                    format!("device alias not found: cannot {what} interface"),
                ),
            )
        })
    }
}

/// The checks libvirt runs on a freshly allocated port (`qemuDomainValidateActualNetDef`).
fn validate_actual(def: &NetDef) -> Step<()> {
    let ty = def.actual_type();
    let mac = def.mac;
    let conf = |detail: String| {
        fail(
            FailStage::PortAllocation,
            "invalid-port",
            qemu(ErrorNumber::ConfigUnsupported, detail),
        )
    };
    let vport = def.actual_virtualport();
    if def.actual_vlan().is_some() {
        let ok = match ty {
            NetType::Hostdev | NetType::Bridge | NetType::Network => true,
            NetType::Direct => def.actual_direct_mode() == Some(MacvtapMode::Passthrough),
            _ => false,
        };
        if !ok {
            return Err(conf(format!(
                "interface {mac} - vlan tag not supported for this connection type"
            )));
        }
    }
    if ty == NetType::Hostdev && def.actual_bandwidth().is_some() {
        return Err(conf(format!(
            "interface {mac} - bandwidth settings are not supported for hostdev interfaces"
        )));
    }
    if def.actual_isolated() == Some(true) {
        if !matches!(ty, NetType::Bridge | NetType::Network) {
            return Err(conf(format!(
                "interface {mac} - <port isolated='yes'/> is not supported for network interfaces of type {ty}"
            )));
        }
        if let Some(vp) = vport {
            return Err(conf(format!(
                "interface {mac} - <port isolated='yes'/> is not supported for network interfaces with virtualport type {}",
                vp.kind.map_or("none", VirtualPortType::as_str)
            )));
        }
    }
    if def.filter.as_ref().is_some_and(|f| f.filter.is_some()) {
        if !matches!(ty, NetType::Network | NetType::Bridge | NetType::Ethernet) {
            return Err(conf(format!(
                "interface {mac} - filterref is not supported for network interfaces of type {ty}"
            )));
        }
        if let Some(vp) = vport.filter(|v| v.kind.is_some()) {
            return Err(conf(format!(
                "interface {mac} - filterref is not supported for network interfaces with virtualport type {}",
                vp.kind.map_or("none", VirtualPortType::as_str)
            )));
        }
    }
    if def.driver.queues.is_some_and(|q| q > 1)
        && !matches!(
            ty,
            NetType::Network
                | NetType::Bridge
                | NetType::Direct
                | NetType::Ethernet
                | NetType::VhostUser
                | NetType::Vdpa
        )
    {
        return Err(conf(format!(
            "interface {mac} - multiqueue is not supported for network interfaces of type {ty}"
        )));
    }
    Ok(())
}
