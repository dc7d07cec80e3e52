//! [`HypervisorDriver`] and [`NetworkDriver`] for [`TestDriver`]: each call runs synchronously under the driver's lock
//! and is handed back as an already-completed future.

use crate::defaults;
use crate::driver::TestDriver;
use oxvirt_core::{
    BlockInfo, BlockStats, ControlInfo, CpuStats, DomainInfo, DomainRef, DomainState, DriverFuture,
    ErrorDomain, EventBus, HypervisorDriver, InterfaceStats, MemoryStat, NetworkDriver, NetworkRef,
    NetworkUpdate, NodeCpuMap, NodeInfo, SecurityLabel, SecurityModel, TypedParameter,
    TypedParameters, VcpusInfo, VirError, ready,
};

impl HypervisorDriver for TestDriver {
    fn error_domain(&self) -> ErrorDomain {
        ErrorDomain::Test
    }

    fn get_type(&self) -> DriverFuture<'_, String> {
        ready(Ok("TEST".to_owned()))
    }

    fn get_version(&self) -> DriverFuture<'_, u64> {
        ready(Ok(defaults::HV_VERSION))
    }

    fn get_hostname(&self) -> DriverFuture<'_, String> {
        ready(Ok(self.core.hostname().to_owned()))
    }

    fn get_uri(&self) -> DriverFuture<'_, String> {
        ready(Ok(defaults::URI.to_owned()))
    }

    fn get_capabilities(&self) -> DriverFuture<'_, String> {
        ready(Ok(defaults::capabilities()))
    }

    fn node_get_info(&self) -> DriverFuture<'_, NodeInfo> {
        ready(Ok(defaults::node_info()))
    }

    fn node_get_security_model(&self) -> DriverFuture<'_, SecurityModel> {
        ready(Ok(defaults::security_model()))
    }

    fn get_max_vcpus(&self, _type: Option<&str>) -> DriverFuture<'_, i32> {
        ready(Ok(defaults::MAX_VCPUS))
    }

    fn events(&self) -> &EventBus {
        self.core.event_bus()
    }

    // --- domains ---

    fn list_all_domains(&self, flags: u32) -> DriverFuture<'_, Vec<DomainRef>> {
        ready(self.core.list_all_domains(flags))
    }

    fn num_of_domains(&self) -> DriverFuture<'_, i32> {
        ready(Ok(self.core.num_of_domains(true)))
    }

    fn list_domain_ids(&self, max: i32) -> DriverFuture<'_, Vec<i32>> {
        ready(Ok(self.core.list_domain_ids(max)))
    }

    fn num_of_defined_domains(&self) -> DriverFuture<'_, i32> {
        ready(Ok(self.core.num_of_domains(false)))
    }

    fn list_defined_domains(&self, max: i32) -> DriverFuture<'_, Vec<String>> {
        ready(Ok(self.core.list_defined_domains(max)))
    }

    fn domain_lookup_by_name<'a>(&'a self, name: &'a str) -> DriverFuture<'a, DomainRef> {
        ready(self.core.lookup_by_name(name))
    }

    fn domain_lookup_by_uuid(&self, uuid: [u8; 16]) -> DriverFuture<'_, DomainRef> {
        ready(self.core.lookup_by_uuid(&uuid))
    }

    fn domain_lookup_by_id(&self, id: i32) -> DriverFuture<'_, DomainRef> {
        ready(self.core.lookup_by_id(id))
    }

    fn domain_define_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, DomainRef> {
        ready(self.core.define_xml(xml, flags))
    }

    fn domain_create_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, DomainRef> {
        ready(self.core.create_xml(xml, flags))
    }

    fn domain_undefine<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        ready(self.core.undefine(dom, flags))
    }

    fn domain_create<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, DomainRef> {
        ready(self.core.create(dom, flags))
    }

    fn domain_destroy<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        ready(self.core.destroy(dom, flags))
    }

    fn domain_shutdown<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        ready(self.core.shutdown(dom, flags))
    }

    fn domain_reboot<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        ready(self.core.reboot(dom, flags))
    }

    fn domain_suspend<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, ()> {
        ready(self.core.suspend(dom))
    }

    fn domain_resume<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, ()> {
        ready(self.core.resume(dom))
    }

    fn domain_get_autostart<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool> {
        ready(self.core.get_autostart(dom))
    }

    fn domain_set_autostart<'a>(&'a self, dom: &'a DomainRef, on: bool) -> DriverFuture<'a, ()> {
        ready(self.core.set_autostart(dom, on))
    }

    fn domain_get_info<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, DomainInfo> {
        ready(self.core.get_info(dom))
    }

    fn domain_get_state<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, (DomainState, i32)> {
        ready(self.core.get_state(dom, flags))
    }

    fn domain_get_xml_desc<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(self.core.get_xml_desc(dom, flags))
    }

    fn domain_is_active<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool> {
        ready(self.core.is_active(dom))
    }

    fn domain_is_persistent<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool> {
        ready(self.core.is_persistent(dom))
    }

    fn domain_has_managed_save_image<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, bool> {
        ready(self.core.has_managed_save_image(dom, flags))
    }

    fn domain_snapshot_num<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, i32> {
        ready(self.core.snapshot_num(dom, flags))
    }

    fn domain_get_security_label<'a>(
        &'a self,
        dom: &'a DomainRef,
    ) -> DriverFuture<'a, SecurityLabel> {
        ready(self.core.get_security_label(dom))
    }

    fn domain_get_messages<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, Vec<String>> {
        ready(self.core.get_messages(dom, flags))
    }

    fn domain_get_os_type<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, String> {
        // The test driver answers `linux` for every domain, without even a lookup.
        let _ = dom;
        ready(Ok("linux".to_owned()))
    }

    fn domain_get_max_memory<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, u64> {
        ready(self.core.get_max_memory(dom))
    }

    fn domain_get_max_vcpus<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, i32> {
        ready(self.core.get_max_vcpus(dom))
    }

    fn domain_attach_device<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _xml: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        // libvirt's test driver has no attach: the library itself refuses, before any lookup.
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainAttachDeviceFlags",
        )))
    }

    fn domain_detach_device<'a>(
        &'a self,
        _dom: &'a DomainRef,
        _xml: &'a str,
        _flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(Err(VirError::no_support(
            ErrorDomain::Domain,
            "virDomainDetachDeviceFlags",
        )))
    }

    fn domain_update_device<'a>(
        &'a self,
        dom: &'a DomainRef,
        xml: &'a str,
        flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(self.core.update_device(dom, xml, flags))
    }

    fn domain_plan_update_device<'a>(
        &'a self,
        dom: &'a DomainRef,
        xml: &'a str,
        flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(self.core.plan_update_device(dom, xml, flags))
    }

    // --- resources, statistics, guest queries ---

    fn domain_set_memory<'a>(
        &'a self,
        dom: &'a DomainRef,
        kib: u64,
        flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(self.core.set_memory(dom, kib, flags))
    }

    fn domain_set_vcpus<'a>(
        &'a self,
        dom: &'a DomainRef,
        count: u32,
        flags: u32,
    ) -> DriverFuture<'a, ()> {
        ready(self.core.set_vcpus(dom, count, flags))
    }

    fn domain_get_vcpus_flags<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, i32> {
        ready(self.core.get_vcpus_flags(dom, flags))
    }

    fn domain_get_vcpus<'a>(
        &'a self,
        dom: &'a DomainRef,
        maxinfo: usize,
        maplen: usize,
    ) -> DriverFuture<'a, VcpusInfo> {
        ready(self.core.get_vcpus(dom, maxinfo, maplen))
    }

    fn domain_get_vcpu_pin_info<'a>(
        &'a self,
        dom: &'a DomainRef,
        ncpumaps: usize,
        maplen: usize,
        flags: u32,
    ) -> DriverFuture<'a, (Vec<u8>, i32)> {
        ready(self.core.vcpu_pin_info(dom, ncpumaps, maplen, flags))
    }

    fn domain_memory_stats<'a>(
        &'a self,
        dom: &'a DomainRef,
        max: u32,
        flags: u32,
    ) -> DriverFuture<'a, Vec<MemoryStat>> {
        ready(self.core.memory_stats(dom, max, flags))
    }

    fn domain_interface_stats<'a>(
        &'a self,
        dom: &'a DomainRef,
        device: &'a str,
    ) -> DriverFuture<'a, InterfaceStats> {
        ready(self.core.interface_stats(dom, device))
    }

    fn domain_block_stats<'a>(
        &'a self,
        dom: &'a DomainRef,
        path: &'a str,
    ) -> DriverFuture<'a, BlockStats> {
        ready(self.core.block_stats(dom, path))
    }

    fn domain_get_block_info<'a>(
        &'a self,
        dom: &'a DomainRef,
        path: &'a str,
        flags: u32,
    ) -> DriverFuture<'a, BlockInfo> {
        ready(self.core.block_info(dom, path, flags))
    }

    fn domain_get_hostname<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(self.core.domain_hostname(dom, flags))
    }

    fn domain_get_time<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, (i64, u32)> {
        ready(self.core.domain_time(dom, flags))
    }

    fn domain_get_control_info<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, ControlInfo> {
        ready(self.core.control_info(dom, flags))
    }

    fn domain_get_scheduler_type<'a>(
        &'a self,
        dom: &'a DomainRef,
    ) -> DriverFuture<'a, (String, i32)> {
        // testDomainGetSchedulerType answers without looking the domain up.
        let _ = dom;
        ready(Ok(("fair".to_owned(), 1)))
    }

    fn domain_get_scheduler_parameters<'a>(
        &'a self,
        dom: &'a DomainRef,
        _nparams: i32,
        flags: u32,
    ) -> DriverFuture<'a, Vec<TypedParameter>> {
        ready(self.core.scheduler_parameters(dom, flags))
    }

    fn domain_get_memory_parameters<'a>(
        &'a self,
        dom: &'a DomainRef,
        nparams: i32,
        flags: u32,
    ) -> DriverFuture<'a, TypedParameters> {
        ready(self.core.memory_parameters(dom, nparams, flags))
    }

    fn get_sysinfo(&self, flags: u32) -> DriverFuture<'_, String> {
        ready(self.core.sysinfo(flags))
    }

    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> DriverFuture<'_, Vec<u64>> {
        ready(self.core.cells_free_memory(start, max))
    }

    fn node_get_free_memory(&self) -> DriverFuture<'_, u64> {
        ready(Ok(self.core.free_memory()))
    }

    fn node_get_cpu_stats(
        &self,
        _cpu: i32,
        nparams: i32,
        flags: u32,
    ) -> DriverFuture<'_, CpuStats> {
        ready(self.core.cpu_stats(nparams, flags))
    }

    fn node_get_cpu_map(&self, flags: u32) -> DriverFuture<'_, NodeCpuMap> {
        ready(self.core.cpu_map(flags))
    }
}

impl NetworkDriver for TestDriver {
    fn events(&self) -> &EventBus {
        self.core.event_bus()
    }

    fn list_all_networks(&self, flags: u32) -> DriverFuture<'_, Vec<NetworkRef>> {
        ready(self.core.list_all_networks(flags))
    }

    fn num_of_networks(&self) -> DriverFuture<'_, i32> {
        ready(Ok(self.core.num_of_networks(true)))
    }

    fn list_networks(&self, max: i32) -> DriverFuture<'_, Vec<String>> {
        ready(Ok(self.core.list_networks(true, max)))
    }

    fn num_of_defined_networks(&self) -> DriverFuture<'_, i32> {
        ready(Ok(self.core.num_of_networks(false)))
    }

    fn list_defined_networks(&self, max: i32) -> DriverFuture<'_, Vec<String>> {
        ready(Ok(self.core.list_networks(false, max)))
    }

    fn network_lookup_by_name<'a>(&'a self, name: &'a str) -> DriverFuture<'a, NetworkRef> {
        ready(self.core.network_lookup_by_name(name))
    }

    fn network_lookup_by_uuid(&self, uuid: [u8; 16]) -> DriverFuture<'_, NetworkRef> {
        ready(self.core.network_lookup_by_uuid(&uuid))
    }

    fn network_define_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, NetworkRef> {
        ready(self.core.network_define_xml(xml, flags))
    }

    fn network_create_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, NetworkRef> {
        ready(self.core.network_create_xml(xml, flags))
    }

    fn network_undefine<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, ()> {
        ready(self.core.network_undefine(net))
    }

    fn network_create<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, ()> {
        ready(self.core.network_create(net))
    }

    fn network_destroy<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, ()> {
        ready(self.core.network_destroy(net))
    }

    fn network_get_xml_desc<'a>(
        &'a self,
        net: &'a NetworkRef,
        flags: u32,
    ) -> DriverFuture<'a, String> {
        ready(self.core.network_get_xml_desc(net, flags))
    }

    fn network_get_bridge_name<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, String> {
        ready(self.core.network_get_bridge_name(net))
    }

    fn network_get_autostart<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, bool> {
        ready(self.core.network_get_autostart(net))
    }

    fn network_set_autostart<'a>(&'a self, net: &'a NetworkRef, on: bool) -> DriverFuture<'a, ()> {
        ready(self.core.network_set_autostart(net, on))
    }

    fn network_is_active<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, bool> {
        ready(self.core.network_is_active(net))
    }

    fn network_is_persistent<'a>(&'a self, net: &'a NetworkRef) -> DriverFuture<'a, bool> {
        ready(self.core.network_is_persistent(net))
    }

    fn network_update<'a>(
        &'a self,
        net: &'a NetworkRef,
        update: &'a NetworkUpdate,
    ) -> DriverFuture<'a, ()> {
        ready(self.core.network_update(net, update))
    }
}
