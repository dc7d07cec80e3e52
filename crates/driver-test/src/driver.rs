//! The driver object: one per daemon, shared by every `test:///default` connection.

use crate::defaults;
use crate::domain::DomainObj;
use crate::errors;
use crate::hostsim::HostSim;
use crate::network::NetworkObj;
use crate::xmldef::{DomainXml, NetworkXml};
use oxvirt_core::{
    CallContext, ConnectDriver, Connection, DriverResult, ErrorDomain, Event, EventBus, ParsedUri,
    StateReason, VirError,
};
use std::sync::{Arc, Mutex, MutexGuard};

/// Everything the driver knows, behind one lock: calls are short and never wait.
#[derive(Debug)]
pub(crate) struct State {
    /// Domains in the order they were added (libvirt's order is a hash order; clients sort).
    pub(crate) domains: Vec<DomainObj>,
    /// Networks in the order they were added.
    pub(crate) networks: Vec<NetworkObj>,
    /// The id the next started domain gets.
    pub(crate) next_dom_id: i32,
    /// What running domains' interfaces hold on the (simulated) host.
    pub(crate) host: HostSim,
}

/// The in-memory test driver: libvirt's `test:///default`. Its API is [`Connection`].
#[derive(Debug)]
pub struct TestDriver {
    pub(crate) core: Core,
}

impl TestDriver {
    /// A driver holding the default objects: domain `test` running with id 1 and network
    /// `default` active.
    pub fn new() -> Self {
        Self { core: Core::new() }
    }
}

impl Default for TestDriver {
    fn default() -> Self {
        Self::new()
    }
}

/// The driver's state and the synchronous operations on it (in `domain.rs`, `network.rs`),
/// kept apart from [`TestDriver`] so that their names do not shadow [`Connection`]'s.
#[derive(Debug)]
pub(crate) struct Core {
    state: Mutex<State>,
    events: EventBus,
    hostname: String,
}

impl Core {
    pub(crate) fn new() -> Self {
        let hostname = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "localhost".to_owned());
        let mut state = State {
            domains: Vec::new(),
            networks: Vec::new(),
            next_dom_id: 1,
            host: HostSim::default(),
        };
        load_defaults(&mut state);
        Self {
            state: Mutex::new(state),
            events: EventBus::new(),
            hostname,
        }
    }

    /// The state, locked. A panic in another call cannot leave the maps half-updated in a
    /// way later calls would trip over (every change is a single assignment or push), so a
    /// poisoned lock is taken over rather than propagated.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes an event on the driver's bus.
    pub(crate) fn publish(&self, e: Event) {
        self.events.publish(e);
    }

    /// The bus lifecycle events go to.
    pub(crate) fn event_bus(&self) -> &EventBus {
        &self.events
    }

    /// The host's name, read once at start.
    pub(crate) fn hostname(&self) -> &str {
        &self.hostname
    }
}

/// The built-in definitions are constants checked by the tests, so failing to parse them is
/// a bug in this crate, not bad input: the objects are then left out rather than crashing
/// the daemon.
fn load_defaults(state: &mut State) {
    // The network first: the running domain's tap joins its bridge.
    if let Ok(def) = NetworkXml::parse(defaults::DEFAULT_NETWORK_XML) {
        let mut net = NetworkObj::new(def, true);
        net.active = true;
        state.networks.push(net);
    }
    if let Ok(def) = DomainXml::parse(defaults::DEFAULT_DOMAIN_XML) {
        let mut vm = DomainObj::new(def);
        vm.persistent = true;
        state.domains.push(vm);
        let idx = state.domains.len() - 1;
        // libvirt loads the domain as started and then marks it running for an unknown
        // reason (`virsh domstate test --reason` says `running (unknown)`).
        let _ = state.start_domain(idx, StateReason::RunningUnknown);
    }
}

/// Opens connections to the one shared [`TestDriver`].
#[derive(Debug, Clone)]
pub struct TestDriverFactory {
    driver: Arc<TestDriver>,
}

impl TestDriverFactory {
    /// A factory with a fresh driver.
    pub fn new() -> Self {
        Self {
            driver: Arc::new(TestDriver::new()),
        }
    }

    /// The shared driver (for tests and for the daemon's own inspection).
    pub fn driver(&self) -> &Arc<TestDriver> {
        &self.driver
    }
}

impl Default for TestDriverFactory {
    fn default() -> Self {
        Self::new()
    }
}

impl ConnectDriver for TestDriverFactory {
    fn scheme(&self) -> &'static str {
        "test"
    }

    fn open(&self, uri: &ParsedUri, _flags: u32, _cx: &CallContext) -> DriverResult<Connection> {
        match uri.path.as_str() {
            "" | "/" => Err(VirError::new(
                oxvirt_core::ErrorNumber::InvalidArg,
                ErrorDomain::Test,
                "testOpen: supply a path or use test:///default",
            )),
            "/default" => Ok(Connection {
                hypervisor: self.driver.clone(),
                network: Some(self.driver.clone()),
            }),
            // libvirt would load the path as a test driver XML file; we serve only the
            // built-in state and answer what libvirt answers for a file it cannot read.
            path => Err(errors::xml_error(
                ErrorDomain::Test,
                format!("failed to parse xml document '{path}'"),
            )),
        }
    }
}
