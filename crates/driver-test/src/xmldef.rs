//! The one place the driver touches XML definitions: a thin adapter over `oxvirt-conf`.
//!
//! The driver needs little from a definition (name, UUID, memory, vCPUs, lifecycle actions,
//! interface names, formatting); keeping those needs behind [`DomainXml`] and [`NetworkXml`]
//! means a change in conf's model is absorbed here and nowhere else.

use crate::errors;
use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::domain::devices::{DEVICE_ORDER, Device};
use oxvirt_conf::domain::net::NetDef;
use oxvirt_conf::netdev::MacAddr;
use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags, update};
use oxvirt_conf::{FormatFlags, ParseCtx, RandomGenerator};
use oxvirt_core::DriverResult;
use oxvirt_error::ErrorDomain;

/// What a guest-initiated power-off or reboot does to the domain (`<on_poweroff>`,
/// `<on_reboot>`), reduced to the two outcomes the test driver distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LifecycleAction {
    /// `restart`, `rename-restart`: the guest keeps running.
    Restart,
    /// `destroy`, `preserve`, `coredump-*`: the domain shuts off.
    Stop,
}

impl LifecycleAction {
    fn from_name(name: &str) -> Self {
        match name {
            "restart" | "rename-restart" => LifecycleAction::Restart,
            _ => LifecycleAction::Stop,
        }
    }
}

/// A domain definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DomainXml {
    def: DomainDef,
}

impl DomainXml {
    /// Parses domain XML the way `define` and `create` do (inactive parse, validated).
    pub(crate) fn parse(xml: &str) -> DriverResult<Self> {
        let mut generator = RandomGenerator;
        let mut ctx = ParseCtx::inactive(&mut generator);
        let def = DomainDef::parse_str(xml, &mut ctx).map_err(|e| e.to_vir(ErrorDomain::Domain))?;
        // virXMLCheckIllegalChars: a newline in the name would break the name lists.
        if def.name.contains('\n') {
            return Err(errors::xml_detail("invalid char in name: \n"));
        }
        Ok(Self { def })
    }

    /// `<name>`.
    pub(crate) fn name(&self) -> &str {
        &self.def.name
    }

    /// `<uuid>`.
    pub(crate) fn uuid(&self) -> [u8; 16] {
        self.def.uuid
    }

    /// `<memory>`: the maximum, KiB.
    pub(crate) fn max_memory_kib(&self) -> u64 {
        self.def.memory_kib
    }

    /// `<currentMemory>`: the balloon, KiB.
    pub(crate) fn current_memory_kib(&self) -> u64 {
        self.def.current_memory_kib
    }

    /// Online vCPUs.
    pub(crate) fn vcpus(&self) -> u32 {
        self.def.vcpu.current
    }

    /// Maximum vCPUs.
    pub(crate) fn max_vcpus(&self) -> u32 {
        self.def.vcpu.max
    }

    /// `<vcpu cpuset=…>`: the host CPUs every vCPU may use, when restricted.
    pub(crate) fn cpuset(&self) -> Option<&[u32]> {
        self.def.vcpu.cpuset.as_deref()
    }

    /// `virDomainDefSetMemoryTotal`: a new `<memory>`, KiB.
    pub(crate) fn set_max_memory_kib(&mut self, kib: u64) {
        self.def.memory_kib = kib;
    }

    /// A new `<currentMemory>` (the balloon), KiB.
    pub(crate) fn set_current_memory_kib(&mut self, kib: u64) {
        self.def.current_memory_kib = kib;
    }

    /// `<maxMemory>` in KiB, when the domain has memory hotplug slots.
    pub(crate) fn hotplug_memory_kib(&self) -> Option<u64> {
        self.def.max_memory.map(|(_, kib)| kib)
    }

    /// `virDomainDefSetVcpus`: the first `n` vCPUs online (the caller checked `n <= max`).
    pub(crate) fn set_vcpus(&mut self, n: u32) {
        self.def.vcpu.current = n;
    }

    /// `virDomainDefSetVcpusMax`: vCPUs beyond the new maximum go away with their online
    /// state; added ones start offline.
    pub(crate) fn set_max_vcpus(&mut self, n: u32) {
        self.def.vcpu.max = n;
        self.def.vcpus = n;
        self.def.vcpu.current = self.def.vcpu.current.min(n);
    }

    /// `virDomainDefHasMemballoon`: a `<memballoon>` whose model is not `none`.
    pub(crate) fn has_memballoon(&self) -> bool {
        let Some(kind) = DEVICE_ORDER.iter().position(|k| *k == "memballoon") else {
            return false;
        };
        self.def.devices.others.iter().any(|(k, d)| {
            *k == kind
                && match d {
                    Device::Raw(r) => !r
                        .element
                        .attrs
                        .iter()
                        .any(|(n, v)| &**n == "model" && &**v == "none"),
                    _ => true,
                }
        })
    }

    /// `virDomainDiskByName`: the disk whose target is `path`, or whose source is `path`
    /// when it is absolute. Returns its source path (`None` for an empty drive); `None`
    /// overall when no typed disk matches.
    pub(crate) fn disk_source(&self, path: &str) -> Option<Option<&str>> {
        self.def.devices.others.iter().find_map(|(_, d)| {
            let Device::Disk(disk) = d else { return None };
            let source = disk.source.as_ref().map(|(_, p)| p.as_str());
            let hit = disk.dev() == Some(path) || (path.starts_with('/') && source == Some(path));
            hit.then_some(source)
        })
    }

    /// `virDomainNetFind`: an interface by MAC address when `device` parses as one, else by
    /// its host-side name.
    pub(crate) fn has_interface(&self, device: &str) -> bool {
        let ifaces = &self.def.devices.interfaces;
        match MacAddr::parse(device) {
            Some(mac) => ifaces.iter().any(|n| n.mac == mac),
            None => ifaces.iter().any(|n| n.ifname.as_deref() == Some(device)),
        }
    }

    /// `<on_poweroff>`.
    pub(crate) fn on_poweroff(&self) -> LifecycleAction {
        LifecycleAction::from_name(&self.def.lifecycle.on_poweroff)
    }

    /// `<on_reboot>`.
    pub(crate) fn on_reboot(&self) -> LifecycleAction {
        LifecycleAction::from_name(&self.def.lifecycle.on_reboot)
    }

    /// Gives every interface without `<target dev>` the first free `testnetN` name, as the
    /// test driver does on define and create (the name then shows in every XML).
    pub(crate) fn generate_ifnames(&mut self) -> DriverResult<()> {
        const MAX_IFACES: usize = 1024;
        let ifaces = &mut self.def.devices.interfaces;
        for i in 0..ifaces.len() {
            if ifaces[i].ifname.is_some() {
                continue;
            }
            let name = (0..MAX_IFACES)
                .map(|n| format!("testnet{n}"))
                .find(|candidate| !ifaces.iter().any(|n| n.ifname.as_ref() == Some(candidate)))
                .ok_or_else(|| {
                    errors::internal(format!("Exceeded max iface limit {MAX_IFACES}"))
                })?;
            ifaces[i].ifname = Some(name);
        }
        Ok(())
    }

    /// The `<interface>` devices, in domain order.
    pub(crate) fn interfaces(&self) -> &[NetDef] {
        &self.def.devices.interfaces
    }

    /// The `<interface>` devices, for an update.
    pub(crate) fn interfaces_mut(&mut self) -> &mut [NetDef] {
        &mut self.def.devices.interfaces
    }

    /// Whether the domain boots from `<os><boot dev>` (per-device boot orders then clash).
    pub(crate) fn boots_from_os(&self) -> bool {
        !self.def.os.boot_devs.is_empty()
    }

    /// Boot orders held by devices other than interfaces.
    pub(crate) fn other_boot_orders(&self) -> Vec<u32> {
        self.def
            .devices
            .others
            .iter()
            .filter_map(|(_, d)| d.info().and_then(|i| i.boot_order))
            .collect()
    }

    /// Formats the definition; `live_id` is printed for a running domain unless `flags`
    /// asks for the inactive configuration.
    pub(crate) fn to_xml(&self, flags: u32, live_id: Option<i32>) -> String {
        self.def.to_xml(FormatFlags::from_bits(flags), live_id)
    }
}

/// A network definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetworkXml {
    def: NetworkDef,
}

impl NetworkXml {
    /// Parses network XML the way `net-define` and `net-create` do.
    pub(crate) fn parse(xml: &str) -> DriverResult<Self> {
        let def = NetworkDef::parse_str(xml, &mut RandomGenerator)
            .map_err(|e| e.to_vir(ErrorDomain::Network))?;
        Ok(Self { def })
    }

    /// `<name>`.
    pub(crate) fn name(&self) -> &str {
        &self.def.name
    }

    /// `<uuid>`.
    pub(crate) fn uuid(&self) -> [u8; 16] {
        self.def.uuid
    }

    /// `<bridge name=…>`, when set.
    pub(crate) fn bridge_name(&self) -> Option<&str> {
        self.def.bridge_name()
    }

    /// The typed definition, for the update planner's port allocation.
    pub(crate) fn conf(&self) -> &NetworkDef {
        &self.def
    }

    /// `virNetworkDefUpdateSection`: one `virNetworkUpdate` command on this definition.
    pub(crate) fn update_section(
        &mut self,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
    ) -> DriverResult<()> {
        update::update_section(&mut self.def, command, section, parent_index, xml)
            .map_err(|e| e.to_vir(ErrorDomain::Network))
    }

    /// Formats the definition (the test driver accepts no format flags).
    pub(crate) fn to_xml(&self) -> String {
        self.def.to_xml(NetworkFormatFlags::NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "<domain type='test'><name>vt1</name><memory>1024</memory>\
        <os><type>hvm</type></os><devices><interface type='network'>\
        <source network='default'/><model type='virtio'/></interface></devices></domain>";

    #[test]
    fn test_generate_ifnames_missing_target_gets_testnet0_before_model() {
        let mut d = DomainXml::parse(MINIMAL).expect("valid XML");

        d.generate_ifnames().expect("names left");

        let xml = d.to_xml(0, None);
        let target = xml
            .find("<target dev='testnet0'/>")
            .expect("target printed");
        let model = xml.find("<model").expect("model printed");
        assert!(target < model);
    }

    #[test]
    fn test_network_parse_missing_uuid_generates_one() {
        let n = NetworkXml::parse("<network><name>n1</name></network>").expect("valid XML");

        let xml = n.to_xml();

        let uuid = oxvirt_conf::domain::util::format_uuid(&n.uuid());
        assert!(xml.contains(&format!("<uuid>{uuid}</uuid>")));
    }
}
