//! Virtual networks: the object (`virNetworkObj`) and the network calls.
//!
//! Like libvirt's test driver, a network only changes flags here: nothing is set up on the
//! host. `def` is the current definition and `new_def` a persistent configuration waiting
//! for the network to stop; `destroy` of an inactive network succeeds and emits STOPPED
//! again, as the test driver does.

use crate::driver::{Core, State};
use crate::errors::{self, check_flags};
use crate::xmldef::NetworkXml;
use oxvirt_conf::domain::util::format_uuid;
use oxvirt_core::event::lifecycle;
use oxvirt_core::{
    DriverResult, ErrorDomain, ErrorNumber, Event, NetworkRef, NetworkUpdate, VirError,
    net_list_flags,
};

/// `VIR_NETWORK_DEFINE_VALIDATE`, `VIR_NETWORK_CREATE_VALIDATE`.
const VALIDATE: u32 = 1;
/// Every `VIR_CONNECT_LIST_NETWORKS_*` filter.
const LIST_ALL: u32 = 0x3f;
/// `VIR_NETWORK_UPDATE_AFFECT_LIVE`.
const UPDATE_LIVE: u32 = 1;
/// `VIR_NETWORK_UPDATE_AFFECT_CONFIG`.
const UPDATE_CONFIG: u32 = 2;

/// One network (`virNetworkObj`).
#[derive(Debug, Clone)]
pub(crate) struct NetworkObj {
    pub(crate) def: NetworkXml,
    pub(crate) new_def: Option<NetworkXml>,
    pub(crate) active: bool,
    pub(crate) persistent: bool,
    pub(crate) autostart: bool,
}

impl NetworkObj {
    /// An inactive network for `def`.
    pub(crate) fn new(def: NetworkXml, persistent: bool) -> Self {
        Self {
            def,
            new_def: None,
            active: false,
            persistent,
            autostart: false,
        }
    }

    fn handle(&self) -> NetworkRef {
        NetworkRef {
            name: self.def.name().to_owned(),
            uuid: self.def.uuid(),
        }
    }

    /// `virNetworkObjMatch`.
    fn matches(&self, flags: u32) -> bool {
        use net_list_flags as F;
        let pick = |yes: u32, no: u32, value: bool| {
            flags & (yes | no) == 0 || (flags & yes != 0 && value) || (flags & no != 0 && !value)
        };
        pick(F::ACTIVE, F::INACTIVE, self.active)
            && pick(F::PERSISTENT, F::TRANSIENT, self.persistent)
            && pick(F::AUTOSTART, F::NO_AUTOSTART, self.autostart)
    }
}

impl State {
    fn net_by_uuid(&self, uuid: &[u8; 16]) -> Option<usize> {
        self.networks.iter().position(|n| n.def.uuid() == *uuid)
    }

    fn net_by_name(&self, name: &str) -> Option<usize> {
        self.networks.iter().position(|n| n.def.name() == name)
    }

    /// `testNetworkObjFindByName`: most network calls find the object by the handle's name.
    pub(crate) fn network_index(&self, name: &str) -> DriverResult<usize> {
        self.net_by_name(name)
            .ok_or_else(|| errors::no_network_by_name(name))
    }

    /// `testNetworkObjFindByUUID`.
    fn network_index_uuid(&self, uuid: &[u8; 16]) -> DriverResult<usize> {
        self.net_by_uuid(uuid)
            .ok_or_else(|| errors::no_network_by_uuid(uuid))
    }

    /// `virNetworkObjAssignDef`: a definition for a new or existing network; `live` for
    /// create-from-XML.
    fn assign_network(&mut self, def: NetworkXml, live: bool) -> DriverResult<usize> {
        let Some(idx) = self.net_by_uuid(&def.uuid()) else {
            if let Some(other) = self.net_by_name(def.name()) {
                return Err(errors::failed(
                    ErrorDomain::Network,
                    format!(
                        "network '{}' already exists with uuid {}",
                        def.name(),
                        format_uuid(&self.networks[other].def.uuid())
                    ),
                ));
            }
            self.networks.push(NetworkObj::new(def, !live));
            return Ok(self.networks.len() - 1);
        };
        let net = &mut self.networks[idx];
        if net.def.name() != def.name() {
            return Err(errors::failed(
                ErrorDomain::Network,
                format!(
                    "network '{}' is already defined with uuid {}",
                    net.def.name(),
                    format_uuid(&net.def.uuid())
                ),
            ));
        }
        if live && net.active {
            return Err(oxvirt_core::VirError::new(
                oxvirt_core::ErrorNumber::OperationInvalid,
                ErrorDomain::Network,
                format!("network is already active as '{}'", net.def.name()),
            ));
        }
        // virNetworkObjUpdateAssignDef
        if live {
            let config = std::mem::replace(&mut net.def, def);
            if net.persistent && net.new_def.is_none() {
                net.new_def = Some(config);
            }
        } else {
            if net.active {
                net.new_def = Some(def);
            } else {
                net.new_def = None;
                net.def = def;
            }
            net.persistent = true;
        }
        Ok(idx)
    }
}

fn net_event(net: &NetworkObj, event: i32) -> Event {
    Event::NetworkLifecycle {
        net: net.handle(),
        event,
        detail: 0,
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Core {
    fn with_network<T>(
        &self,
        name: &str,
        f: impl FnOnce(&mut NetworkObj) -> DriverResult<T>,
    ) -> DriverResult<T> {
        let mut st = self.lock();
        let idx = st.network_index(name)?;
        f(&mut st.networks[idx])
    }

    pub(crate) fn list_all_networks(&self, flags: u32) -> DriverResult<Vec<NetworkRef>> {
        check_flags(flags, LIST_ALL, "testConnectListAllNetworks")?;
        let st = self.lock();
        Ok(st
            .networks
            .iter()
            .filter(|n| n.matches(flags))
            .map(NetworkObj::handle)
            .collect())
    }

    pub(crate) fn num_of_networks(&self, active: bool) -> i32 {
        let st = self.lock();
        count(st.networks.iter().filter(|n| n.active == active).count())
    }

    pub(crate) fn list_networks(&self, active: bool, max: i32) -> Vec<String> {
        let max = usize::try_from(max).unwrap_or(0);
        let st = self.lock();
        st.networks
            .iter()
            .filter(|n| n.active == active)
            .map(|n| n.def.name().to_owned())
            .take(max)
            .collect()
    }

    pub(crate) fn network_lookup_by_name(&self, name: &str) -> DriverResult<NetworkRef> {
        let st = self.lock();
        let idx = st.network_index(name)?;
        Ok(st.networks[idx].handle())
    }

    pub(crate) fn network_lookup_by_uuid(&self, uuid: &[u8; 16]) -> DriverResult<NetworkRef> {
        let st = self.lock();
        let idx = st.network_index_uuid(uuid)?;
        Ok(st.networks[idx].handle())
    }

    pub(crate) fn network_define_xml(&self, xml: &str, flags: u32) -> DriverResult<NetworkRef> {
        check_flags(flags, VALIDATE, "testNetworkDefineXMLFlags")?;
        let def = NetworkXml::parse(xml)?;
        let mut st = self.lock();
        let idx = st.assign_network(def, false)?;
        let net = &st.networks[idx];
        self.publish(net_event(net, lifecycle::NET_DEFINED));
        Ok(net.handle())
    }

    pub(crate) fn network_create_xml(&self, xml: &str, flags: u32) -> DriverResult<NetworkRef> {
        check_flags(flags, VALIDATE, "testNetworkCreateXMLFlags")?;
        let def = NetworkXml::parse(xml)?;
        let mut st = self.lock();
        let idx = st.assign_network(def, true)?;
        let net = &mut st.networks[idx];
        net.active = true;
        self.publish(net_event(net, lifecycle::NET_STARTED));
        Ok(net.handle())
    }

    pub(crate) fn network_undefine(&self, handle: &NetworkRef) -> DriverResult<()> {
        let mut st = self.lock();
        let idx = st.network_index(&handle.name)?;
        if st.networks[idx].active {
            return Err(errors::invalid_test(format!(
                "Network '{}' is still running",
                handle.name
            )));
        }
        let net = st.networks.remove(idx);
        self.publish(net_event(&net, lifecycle::NET_UNDEFINED));
        Ok(())
    }

    pub(crate) fn network_create(&self, handle: &NetworkRef) -> DriverResult<()> {
        self.with_network(&handle.name, |net| {
            if net.active {
                return Err(errors::invalid_test(format!(
                    "Network '{}' is already running",
                    handle.name
                )));
            }
            net.active = true;
            self.publish(net_event(net, lifecycle::NET_STARTED));
            Ok(())
        })
    }

    pub(crate) fn network_destroy(&self, handle: &NetworkRef) -> DriverResult<()> {
        let mut st = self.lock();
        let idx = st.network_index(&handle.name)?;
        let net = &mut st.networks[idx];
        net.active = false;
        self.publish(net_event(net, lifecycle::NET_STOPPED));
        if !net.persistent {
            st.networks.remove(idx);
        }
        Ok(())
    }

    pub(crate) fn network_get_xml_desc(
        &self,
        handle: &NetworkRef,
        flags: u32,
    ) -> DriverResult<String> {
        check_flags(flags, 0, "testNetworkGetXMLDesc")?;
        self.with_network(&handle.name, |net| Ok(net.def.to_xml()))
    }

    /// `testNetworkUpdate`: "current" means live for an active network and config
    /// otherwise; each affected definition is edited on a copy that replaces it only when
    /// every edit succeeded (`virNetworkObjUpdate`).
    pub(crate) fn network_update(
        &self,
        handle: &NetworkRef,
        u: &NetworkUpdate,
    ) -> DriverResult<()> {
        check_flags(u.flags, UPDATE_LIVE | UPDATE_CONFIG, "testNetworkUpdate")?;
        let mut st = self.lock();
        let idx = st.network_index_uuid(&handle.uuid)?;
        let net = &mut st.networks[idx];
        let mut flags = u.flags;
        if flags & (UPDATE_LIVE | UPDATE_CONFIG) == 0 {
            flags |= if net.active {
                UPDATE_LIVE
            } else {
                UPDATE_CONFIG
            };
        }
        // virNetworkObjConfigChangeSetup
        let refuse =
            |msg: &str| VirError::new(ErrorNumber::OperationInvalid, ErrorDomain::Network, msg);
        if !net.active && flags & UPDATE_LIVE != 0 {
            return Err(refuse("network is not running"));
        }
        if flags & UPDATE_CONFIG != 0 {
            if !net.persistent {
                return Err(refuse(
                    "cannot change persistent config of a transient network",
                ));
            }
            if net.active && net.new_def.is_none() {
                net.new_def = Some(net.def.clone());
            }
        }
        let edit = |def: &NetworkXml| {
            let mut copy = def.clone();
            copy.update_section(u.command, u.section, u.parent_index, &u.xml)?;
            Ok::<_, VirError>(copy)
        };
        let live = if flags & UPDATE_LIVE != 0 {
            Some(edit(&net.def)?)
        } else {
            None
        };
        let config = if flags & UPDATE_CONFIG != 0 {
            Some(edit(net.new_def.as_ref().unwrap_or(&net.def))?)
        } else {
            None
        };
        if let Some(config) = config {
            if net.active {
                net.new_def = Some(config);
            } else {
                net.def = config;
            }
        }
        if let Some(live) = live {
            net.def = live;
        }
        Ok(())
    }

    pub(crate) fn network_get_bridge_name(&self, handle: &NetworkRef) -> DriverResult<String> {
        self.with_network(&handle.name, |net| {
            net.def.bridge_name().map(str::to_owned).ok_or_else(|| {
                errors::internal(format!(
                    "network '{}' does not have a bridge name.",
                    net.def.name()
                ))
            })
        })
    }

    pub(crate) fn network_get_autostart(&self, handle: &NetworkRef) -> DriverResult<bool> {
        self.with_network(&handle.name, |net| Ok(net.autostart))
    }

    pub(crate) fn network_set_autostart(&self, handle: &NetworkRef, on: bool) -> DriverResult<()> {
        self.with_network(&handle.name, |net| {
            net.autostart = on;
            Ok(())
        })
    }

    pub(crate) fn network_is_active(&self, handle: &NetworkRef) -> DriverResult<bool> {
        let st = self.lock();
        let idx = st.network_index_uuid(&handle.uuid)?;
        Ok(st.networks[idx].active)
    }

    pub(crate) fn network_is_persistent(&self, handle: &NetworkRef) -> DriverResult<bool> {
        let st = self.lock();
        let idx = st.network_index_uuid(&handle.uuid)?;
        Ok(st.networks[idx].persistent)
    }
}
