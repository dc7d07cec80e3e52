//! Domains: the object (`virDomainObj`), its definitions and the lifecycle calls.
//!
//! A running persistent domain has two definitions, as in libvirt: `def` is the live one and
//! `new_def` the persistent configuration, which replaces `def` when the domain stops. Every
//! state change goes through [`DomainState::transition`]; its refusals are turned into the
//! errors libvirt's test driver reports for that call (mostly `VIR_ERR_INTERNAL_ERROR` with
//! the domain's name, see [`crate::errors`]). Each call publishes the lifecycle event the
//! test driver emits, with the domain's id at that moment.

use crate::driver::{Core, State};
use crate::errors::{self, check_flags};
use crate::xmldef::{DomainXml, LifecycleAction};
use oxvirt_conf::domain::util::format_uuid;
use oxvirt_core::event::lifecycle;
use oxvirt_core::state::TransitionError;
use oxvirt_core::{
    DomainInfo, DomainRef, DomainState, DriverResult, ErrorDomain, Event, ListFacts, SecurityLabel,
    StateReason, VirError, xml_flags,
};
use std::time::{SystemTime, UNIX_EPOCH};

/// Event details (`virDomainEvent*DetailType`) the test driver uses.
mod detail {
    pub(super) const DEFINED_ADDED: i32 = 0;
    pub(super) const DEFINED_UPDATED: i32 = 1;
    pub(super) const UNDEFINED_REMOVED: i32 = 0;
    pub(super) const STARTED_BOOTED: i32 = 0;
    pub(super) const SUSPENDED_PAUSED: i32 = 0;
    pub(super) const RESUMED_UNPAUSED: i32 = 0;
    pub(super) const STOPPED_SHUTDOWN: i32 = 0;
    pub(super) const STOPPED_DESTROYED: i32 = 1;
}

/// Flag words each call accepts (libvirt's `virCheckFlags` masks for the test driver).
mod accepted {
    /// `VIR_DOMAIN_DEFINE_VALIDATE`
    pub(super) const DEFINE: u32 = 1;
    /// `VIR_DOMAIN_START_VALIDATE`
    pub(super) const CREATE_XML: u32 = 1 << 4;
    /// `VIR_DOMAIN_DESTROY_GRACEFUL`
    pub(super) const DESTROY: u32 = 1;
    /// `VIR_DOMAIN_REBOOT_{ACPI_POWER_BTN,GUEST_AGENT,INITCTL,SIGNAL,PARAVIRT}`
    pub(super) const REBOOT: u32 = 0x1f;
    /// `VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA`
    pub(super) const UNDEFINE: u32 = 0x3;
    /// `SECURE | INACTIVE | MIGRATABLE`
    pub(super) const XML_DESC: u32 =
        super::xml_flags::SECURE | super::xml_flags::INACTIVE | super::xml_flags::MIGRATABLE;
    /// Every `VIR_DOMAIN_SNAPSHOT_LIST_*` bit (roots, filters, topological).
    pub(super) const SNAPSHOT_NUM: u32 = 0x7ff;
    /// `VIR_DOMAIN_MESSAGE_DEPRECATION | VIR_DOMAIN_MESSAGE_TAINTING`
    pub(super) const MESSAGES: u32 = 0x3;
    /// Every `VIR_CONNECT_LIST_DOMAINS_*` filter.
    pub(super) const LIST_ALL: u32 = 0xffff;
}

/// One domain (`virDomainObj`).
#[derive(Debug, Clone)]
pub(crate) struct DomainObj {
    /// The current definition: the live one while running.
    pub(crate) def: DomainXml,
    /// The persistent configuration kept aside while running.
    pub(crate) new_def: Option<DomainXml>,
    /// The id; −1 when inactive.
    pub(crate) id: i32,
    pub(crate) state: DomainState,
    pub(crate) reason: StateReason,
    pub(crate) persistent: bool,
    pub(crate) autostart: bool,
    pub(crate) has_managed_save: bool,
}

impl DomainObj {
    /// A new, shut-off, transient object for `def` (`virDomainObjNew`).
    pub(crate) fn new(def: DomainXml) -> Self {
        Self {
            def,
            new_def: None,
            id: -1,
            state: DomainState::Shutoff,
            reason: StateReason::ShutoffUnknown,
            persistent: false,
            autostart: false,
            has_managed_save: false,
        }
    }

    /// The handle clients get.
    pub(crate) fn handle(&self) -> DomainRef {
        DomainRef {
            name: self.def.name().to_owned(),
            uuid: self.def.uuid(),
            id: self.id,
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.state.is_active()
    }

    /// Moves to `to` if the table allows it.
    fn set_state(&mut self, to: StateReason) -> Result<(), TransitionError> {
        let reason = self.state.transition(to)?;
        self.state = reason.state();
        self.reason = reason;
        Ok(())
    }

    /// `testDomainShutdownState`: back to the persistent definition, then shut off.
    fn stop(&mut self, reason: StateReason) -> Result<(), TransitionError> {
        self.state.transition(reason)?;
        if let Some(config) = self.new_def.take() {
            self.def = config;
            self.id = -1;
        }
        self.set_state(reason)
    }

    /// `virDomainObjMatchFilter`.
    fn matches(&self, flags: u32) -> bool {
        // The test driver's domains never have snapshots or checkpoints.
        ListFacts {
            state: self.state,
            persistent: self.persistent,
            managed_save: self.has_managed_save,
            autostart: self.autostart,
            has_snapshot: false,
            has_checkpoint: false,
        }
        .matches(flags)
    }
}

/// Whether an add replaces an existing definition: `define` reports UPDATED then.
type Replaced = bool;

impl State {
    fn find_uuid(&self, uuid: &[u8; 16]) -> Option<usize> {
        self.domains.iter().position(|d| d.def.uuid() == *uuid)
    }

    fn find_name(&self, name: &str) -> Option<usize> {
        self.domains.iter().position(|d| d.def.name() == name)
    }

    /// `testDomObjFromDomain`: the object a client's handle names.
    pub(crate) fn domain_index(&self, dom: &DomainRef) -> DriverResult<usize> {
        self.find_uuid(&dom.uuid)
            .ok_or_else(|| errors::no_domain_by_handle(&dom.uuid, &dom.name))
    }

    /// `virDomainObjListAdd`: a definition for a new or existing domain. `live` adds it as
    /// the running definition of a domain about to start (create from XML).
    fn add_domain(&mut self, def: DomainXml, live: bool) -> DriverResult<(usize, Replaced)> {
        let Some(idx) = self.find_uuid(&def.uuid()) else {
            if let Some(other) = self.find_name(def.name()) {
                return Err(errors::failed(
                    ErrorDomain::Domain,
                    format!(
                        "domain '{}' already exists with uuid {}",
                        def.name(),
                        format_uuid(&self.domains[other].def.uuid())
                    ),
                ));
            }
            self.domains.push(DomainObj::new(def));
            return Ok((self.domains.len() - 1, false));
        };
        let vm = &mut self.domains[idx];
        if vm.def.name() != def.name() {
            return Err(errors::failed(
                ErrorDomain::Domain,
                format!(
                    "domain '{}' is already defined with uuid {}",
                    vm.def.name(),
                    format_uuid(&vm.def.uuid())
                ),
            ));
        }
        if live && vm.is_active() {
            return Err(errors::invalid_domain(format!(
                "domain '{}' is already active",
                vm.def.name()
            )));
        }
        if live && !vm.persistent {
            return Err(errors::invalid_domain(format!(
                "domain '{}' is already being started",
                vm.def.name()
            )));
        }
        // virDomainObjAssignDef
        let replaced = if vm.is_active() {
            vm.new_def.replace(def).is_some()
        } else if live {
            let config = std::mem::replace(&mut vm.def, def);
            vm.new_def.get_or_insert(config);
            false
        } else {
            vm.def = def;
            true
        };
        Ok((idx, replaced))
    }

    /// `testDomainStartState`: running with a fresh id, the configuration set aside.
    pub(crate) fn start_domain(
        &mut self,
        idx: usize,
        reason: StateReason,
    ) -> Result<(), TransitionError> {
        let id = self.next_dom_id;
        let vm = &mut self.domains[idx];
        vm.set_state(reason)?;
        self.next_dom_id += 1;
        vm.id = id;
        if vm.persistent && vm.new_def.is_none() {
            vm.new_def = Some(vm.def.clone());
        }
        vm.has_managed_save = false;
        self.plug_domain(idx);
        Ok(())
    }

    /// Stops a domain: its taps leave the host, then `testDomainShutdownState`.
    fn stop_domain(&mut self, idx: usize, reason: StateReason) -> Result<(), TransitionError> {
        self.domains[idx].state.transition(reason)?;
        self.unplug_domain(idx);
        self.domains[idx].stop(reason)
    }
}

fn lifecycle_event(vm: &DomainObj, event: i32, detail: i32) -> Event {
    Event::DomainLifecycle {
        dom: vm.handle(),
        event,
        detail,
    }
}

fn now_ns() -> u64 {
    // Like the test driver, report wall-clock time as the domain's CPU time.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl Core {
    /// Runs `f` on the domain a handle names.
    fn with_domain<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&mut DomainObj) -> DriverResult<T>,
    ) -> DriverResult<T> {
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        f(&mut st.domains[idx])
    }

    /// Ends a stop: publishes STOPPED with `detail` and forgets a transient domain.
    fn finish_stop(&self, st: &mut State, idx: usize, detail: i32) {
        self.publish(lifecycle_event(
            &st.domains[idx],
            lifecycle::STOPPED,
            detail,
        ));
        if !st.domains[idx].persistent {
            st.domains.remove(idx);
        }
    }

    pub(crate) fn list_all_domains(&self, flags: u32) -> DriverResult<Vec<DomainRef>> {
        check_flags(flags, accepted::LIST_ALL, "testConnectListAllDomains")?;
        let st = self.lock();
        Ok(st
            .domains
            .iter()
            .filter(|d| d.matches(flags))
            .map(DomainObj::handle)
            .collect())
    }

    pub(crate) fn num_of_domains(&self, active: bool) -> i32 {
        let st = self.lock();
        let n = st
            .domains
            .iter()
            .filter(|d| d.is_active() == active)
            .count();
        i32::try_from(n).unwrap_or(i32::MAX)
    }

    pub(crate) fn list_domain_ids(&self, max: i32) -> Vec<i32> {
        let max = usize::try_from(max).unwrap_or(0);
        let st = self.lock();
        st.domains
            .iter()
            .filter(|d| d.is_active())
            .map(|d| d.id)
            .take(max)
            .collect()
    }

    pub(crate) fn list_defined_domains(&self, max: i32) -> Vec<String> {
        let max = usize::try_from(max).unwrap_or(0);
        let st = self.lock();
        st.domains
            .iter()
            .filter(|d| !d.is_active())
            .map(|d| d.def.name().to_owned())
            .take(max)
            .collect()
    }

    pub(crate) fn lookup_by_name(&self, name: &str) -> DriverResult<DomainRef> {
        let st = self.lock();
        st.find_name(name)
            .map(|i| st.domains[i].handle())
            .ok_or_else(errors::no_domain)
    }

    pub(crate) fn lookup_by_uuid(&self, uuid: &[u8; 16]) -> DriverResult<DomainRef> {
        let st = self.lock();
        st.find_uuid(uuid)
            .map(|i| st.domains[i].handle())
            .ok_or_else(errors::no_domain)
    }

    pub(crate) fn lookup_by_id(&self, id: i32) -> DriverResult<DomainRef> {
        let st = self.lock();
        st.domains
            .iter()
            .find(|d| d.is_active() && d.id == id)
            .map(DomainObj::handle)
            .ok_or_else(errors::no_domain)
    }

    pub(crate) fn define_xml(&self, xml: &str, flags: u32) -> DriverResult<DomainRef> {
        check_flags(flags, accepted::DEFINE, "testDomainDefineXMLFlags")?;
        let mut def = DomainXml::parse(xml)?;
        def.generate_ifnames()?;
        let mut st = self.lock();
        let (idx, replaced) = st.add_domain(def, false)?;
        let vm = &mut st.domains[idx];
        vm.persistent = true;
        let detail = if replaced {
            detail::DEFINED_UPDATED
        } else {
            detail::DEFINED_ADDED
        };
        self.publish(lifecycle_event(vm, lifecycle::DEFINED, detail));
        Ok(vm.handle())
    }

    pub(crate) fn create_xml(&self, xml: &str, flags: u32) -> DriverResult<DomainRef> {
        check_flags(flags, accepted::CREATE_XML, "testDomainCreateXML")?;
        let mut def = DomainXml::parse(xml)?;
        def.generate_ifnames()?;
        let mut st = self.lock();
        let (idx, _) = st.add_domain(def, true)?;
        if st.start_domain(idx, StateReason::RunningBooted).is_err() {
            // add_domain refused active domains, so this is unreachable; undo the add the
            // way libvirt does when starting fails.
            let name = st.domains[idx].def.name().to_owned();
            if !st.domains[idx].persistent {
                st.domains.remove(idx);
            }
            return Err(errors::internal(format!(
                "Domain '{name}' is already running"
            )));
        }
        let vm = &st.domains[idx];
        self.publish(lifecycle_event(
            vm,
            lifecycle::STARTED,
            detail::STARTED_BOOTED,
        ));
        Ok(vm.handle())
    }

    pub(crate) fn undefine(&self, dom: &DomainRef, flags: u32) -> DriverResult<()> {
        const MANAGED_SAVE: u32 = 1;
        check_flags(flags, accepted::UNDEFINE, "testDomainUndefineFlags")?;
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        let vm = &mut st.domains[idx];
        if vm.has_managed_save && flags & MANAGED_SAVE == 0 {
            return Err(errors::invalid_test(
                "Refusing to undefine while domain managed save image exists",
            ));
        }
        // No snapshots exist in this driver, so the snapshot-metadata check never refuses.
        self.publish(lifecycle_event(
            vm,
            lifecycle::UNDEFINED,
            detail::UNDEFINED_REMOVED,
        ));
        vm.has_managed_save = false;
        if vm.is_active() {
            vm.persistent = false;
        } else {
            st.domains.remove(idx);
        }
        Ok(())
    }

    pub(crate) fn create(&self, dom: &DomainRef, flags: u32) -> DriverResult<DomainRef> {
        check_flags(flags, 0, "testDomainCreateWithFlags")?;
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        st.start_domain(idx, StateReason::RunningBooted)
            .map_err(|_| errors::internal(format!("Domain '{}' is already running", dom.name)))?;
        let vm = &st.domains[idx];
        self.publish(lifecycle_event(
            vm,
            lifecycle::STARTED,
            detail::STARTED_BOOTED,
        ));
        Ok(vm.handle())
    }

    pub(crate) fn destroy(&self, dom: &DomainRef, flags: u32) -> DriverResult<()> {
        check_flags(flags, accepted::DESTROY, "testDomainDestroyFlags")?;
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        st.stop_domain(idx, StateReason::ShutoffDestroyed)
            .map_err(|_| errors::domain_not_running())?;
        self.finish_stop(&mut st, idx, detail::STOPPED_DESTROYED);
        Ok(())
    }

    /// `testDomainActionSetState` and the stop that may follow: what a guest power-off or
    /// reboot does, by the definition's action. `refused` is the error for a domain that is
    /// not running (the two calls word it differently).
    fn guest_power_action(
        &self,
        st: &mut State,
        idx: usize,
        action: LifecycleAction,
        refused: VirError,
    ) -> DriverResult<()> {
        match action {
            // Restarting in place emits no event in libvirt's test driver.
            LifecycleAction::Restart => st.domains[idx]
                .set_state(StateReason::RunningRestarted)
                .map_err(|_| refused),
            LifecycleAction::Stop => {
                st.stop_domain(idx, StateReason::ShutoffShutdown)
                    .map_err(|_| refused)?;
                self.finish_stop(st, idx, detail::STOPPED_SHUTDOWN);
                Ok(())
            }
        }
    }

    pub(crate) fn shutdown(&self, dom: &DomainRef, flags: u32) -> DriverResult<()> {
        check_flags(flags, 0, "testDomainShutdownFlags")?;
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        let action = st.domains[idx].def.on_poweroff();
        let refused = errors::internal(format!("domain '{}' not running", dom.name));
        self.guest_power_action(&mut st, idx, action, refused)
    }

    pub(crate) fn reboot(&self, dom: &DomainRef, flags: u32) -> DriverResult<()> {
        check_flags(flags, accepted::REBOOT, "testDomainReboot")?;
        let mut st = self.lock();
        let idx = st.domain_index(dom)?;
        let action = st.domains[idx].def.on_reboot();
        self.guest_power_action(&mut st, idx, action, errors::domain_not_running())
    }

    /// Pause or unpause: the move, libvirt's refusal text, the event.
    fn pause_move(
        &self,
        dom: &DomainRef,
        to: StateReason,
        refusal: &str,
        event: (i32, i32),
    ) -> DriverResult<()> {
        self.with_domain(dom, |vm| {
            vm.set_state(to)
                .map_err(|_| errors::internal(format!("domain '{}' {refusal}", dom.name)))?;
            self.publish(lifecycle_event(vm, event.0, event.1));
            Ok(())
        })
    }

    pub(crate) fn suspend(&self, dom: &DomainRef) -> DriverResult<()> {
        let event = (lifecycle::SUSPENDED, detail::SUSPENDED_PAUSED);
        self.pause_move(dom, StateReason::PausedUser, "not running", event)
    }

    pub(crate) fn resume(&self, dom: &DomainRef) -> DriverResult<()> {
        let event = (lifecycle::RESUMED, detail::RESUMED_UNPAUSED);
        self.pause_move(dom, StateReason::RunningUnpaused, "not paused", event)
    }

    pub(crate) fn get_autostart(&self, dom: &DomainRef) -> DriverResult<bool> {
        self.with_domain(dom, |vm| Ok(vm.autostart))
    }

    pub(crate) fn set_autostart(&self, dom: &DomainRef, on: bool) -> DriverResult<()> {
        self.with_domain(dom, |vm| {
            vm.autostart = on;
            Ok(())
        })
    }

    pub(crate) fn get_info(&self, dom: &DomainRef) -> DriverResult<DomainInfo> {
        self.with_domain(dom, |vm| {
            Ok(DomainInfo {
                state: vm.state,
                max_mem_kib: vm.def.max_memory_kib(),
                memory_kib: vm.def.current_memory_kib(),
                nr_virt_cpu: u16::try_from(vm.def.vcpus()).unwrap_or(u16::MAX),
                cpu_time_ns: now_ns(),
            })
        })
    }

    pub(crate) fn get_state(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> DriverResult<(DomainState, i32)> {
        check_flags(flags, 0, "testDomainGetState")?;
        self.with_domain(dom, |vm| Ok((vm.state, vm.reason.code())))
    }

    pub(crate) fn get_xml_desc(&self, dom: &DomainRef, flags: u32) -> DriverResult<String> {
        check_flags(flags, accepted::XML_DESC, "testDomainGetXMLDesc")?;
        self.with_domain(dom, |vm| {
            let def = match &vm.new_def {
                Some(config) if flags & xml_flags::INACTIVE != 0 => config,
                _ => &vm.def,
            };
            let live_id = vm.is_active().then_some(vm.id);
            Ok(def.to_xml(flags, live_id))
        })
    }

    pub(crate) fn is_active(&self, dom: &DomainRef) -> DriverResult<bool> {
        self.with_domain(dom, |vm| Ok(vm.is_active()))
    }

    pub(crate) fn is_persistent(&self, dom: &DomainRef) -> DriverResult<bool> {
        self.with_domain(dom, |vm| Ok(vm.persistent))
    }

    pub(crate) fn has_managed_save_image(&self, dom: &DomainRef, flags: u32) -> DriverResult<bool> {
        check_flags(flags, 0, "testDomainHasManagedSaveImage")?;
        self.with_domain(dom, |vm| Ok(vm.has_managed_save))
    }

    pub(crate) fn snapshot_num(&self, dom: &DomainRef, flags: u32) -> DriverResult<i32> {
        check_flags(flags, accepted::SNAPSHOT_NUM, "testDomainSnapshotNum")?;
        self.with_domain(dom, |_| Ok(0))
    }

    pub(crate) fn get_security_label(&self, dom: &DomainRef) -> DriverResult<SecurityLabel> {
        self.with_domain(dom, |vm| {
            Ok(if vm.is_active() {
                SecurityLabel {
                    label: "libvirt-test".to_owned(),
                    enforcing: true,
                }
            } else {
                SecurityLabel::default()
            })
        })
    }

    pub(crate) fn get_messages(&self, dom: &DomainRef, flags: u32) -> DriverResult<Vec<String>> {
        check_flags(flags, accepted::MESSAGES, "testDomainGetMessages")?;
        // No taints or deprecations are ever recorded for test domains.
        self.with_domain(dom, |_| Ok(Vec::new()))
    }

    pub(crate) fn get_max_memory(&self, dom: &DomainRef) -> DriverResult<u64> {
        self.with_domain(dom, |vm| Ok(vm.def.max_memory_kib()))
    }

    pub(crate) fn get_max_vcpus(&self, dom: &DomainRef) -> DriverResult<i32> {
        // testDomainGetMaxVcpus asks for the live definition's maximum.
        self.with_domain(dom, |vm| {
            if !vm.is_active() {
                return Err(errors::domain_not_running());
            }
            Ok(i32::try_from(vm.def.max_vcpus()).unwrap_or(i32::MAX))
        })
    }
}
