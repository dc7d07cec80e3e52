//! Opening connections and the daemon-wide life of drivers.
//!
//! libvirt separates a driver's daemon-wide life (`virStateDriver`: initialize at daemon
//! start, shut down at stop) from opening a connection (`virConnectDriver`: a URI scheme and
//! the driver tables a connection gets). [`DriverRegistry`] holds both kinds, runs the state
//! hooks in registration order (shutdown in reverse) and opens connections by scheme.

use crate::{
    DriverFuture, DriverResult, ErrorDomain, ErrorNumber, EventBus, HypervisorDriver,
    NetworkDriver, VirError, ready,
};
use std::path::PathBuf;
use std::sync::Arc;

/// Who is calling, as the transport saw it (`SO_PEERCRED` on unix sockets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The peer's user id (unix sockets only).
    pub uid: Option<u32>,
    /// The peer's group id (unix sockets only).
    pub gid: Option<u32>,
    /// The peer's process id (unix sockets only).
    pub pid: Option<i32>,
    /// `unix`, `tcp`, `tls`, … (libvirt's transport names in `client-info`).
    pub transport: &'static str,
}

/// What a call knows about its caller: identity and whether the connection is read-only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContext {
    /// The caller.
    pub identity: Identity,
    /// Read-only socket, or `VIR_CONNECT_RO` at open.
    pub readonly: bool,
}

/// What a state driver learns about the daemon it starts in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateContext {
    /// Running as root (libvirt's "privileged": `qemu:///system`, not `qemu:///session`).
    pub privileged: bool,
    /// Every directory of the daemon lives under this one when set (`oxvirtd --root`),
    /// away from an installed libvirt.
    pub root: Option<PathBuf>,
}

/// A driver's daemon-wide life (libvirt's `virStateDriver`).
pub trait StateDriver: Send + Sync {
    /// For logs: `QEMU`, `Test`.
    fn name(&self) -> &'static str;
    /// At daemon start, before any client is accepted: load persistent definitions,
    /// reconnect to running guests, start autostart objects.
    fn initialize<'a>(&'a self, _cx: &'a StateContext) -> DriverFuture<'a, ()> {
        ready(Ok(()))
    }
    /// At daemon stop, after the listeners closed: let go of running guests without
    /// disturbing them (they keep running; the next start reconnects).
    fn shutdown(&self) -> DriverFuture<'_, ()> {
        ready(Ok(()))
    }
}

/// Opens connections for one URI scheme (libvirt's `virConnectDriver`).
pub trait ConnectDriver: Send + Sync {
    /// The URI scheme this driver serves (`test`, `qemu`).
    fn scheme(&self) -> &'static str;
    /// Opens a connection for `uri`, or explains why this driver cannot serve it.
    fn open(&self, uri: &ParsedUri, flags: u32, cx: &CallContext) -> DriverResult<Connection>;
}

/// The drivers one client's connection uses, as libvirt's `virConnect` holds one table per
/// object kind. A kind the driver does not serve is `None`: its calls are "not supported".
#[derive(Clone)]
pub struct Connection {
    /// Domains, the host, the connection's own queries.
    pub hypervisor: Arc<dyn HypervisorDriver>,
    /// Virtual networks.
    pub network: Option<Arc<dyn NetworkDriver>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("network", &self.network.is_some())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// The network driver, or libvirt's "not supported" error for `api`.
    pub fn network(&self, api: &str) -> DriverResult<&dyn NetworkDriver> {
        self.network
            .as_deref()
            .ok_or_else(|| VirError::no_support(ErrorDomain::Network, api))
    }

    /// Every distinct event bus of the connection's drivers (a driver serving several kinds
    /// publishes them all on one bus).
    pub fn event_buses(&self) -> Vec<EventBus> {
        let mut buses = vec![self.hypervisor.events().clone()];
        if let Some(n) = &self.network
            && !buses.iter().any(|b| b.same_bus(n.events()))
        {
            buses.push(n.events().clone());
        }
        buses
    }
}

/// The URI a client asked for, split the way libvirt's drivers look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUri {
    /// The text as received.
    pub original: String,
    /// `test`, `qemu`, …
    pub scheme: String,
    /// `/default`, `/system`, `/session`, …
    pub path: String,
}

impl ParsedUri {
    /// Splits `scheme://[authority]/path[?query]`. Returns `None` for text without `://`.
    pub fn parse(uri: &str) -> Option<Self> {
        let (scheme, rest) = uri.split_once("://")?;
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let path = match rest.find('/') {
            Some(i) => &rest[i..],
            None => "",
        };
        Some(Self {
            original: uri.to_owned(),
            scheme: scheme.to_owned(),
            path: path.to_owned(),
        })
    }
}

/// The drivers this daemon offers: connection drivers tried on `CONNECT_OPEN`, state
/// drivers run at start and stop.
#[derive(Default)]
pub struct DriverRegistry {
    connect: Vec<Arc<dyn ConnectDriver>>,
    state: Vec<Arc<dyn StateDriver>>,
}

impl std::fmt::Debug for DriverRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let schemes: Vec<_> = self.connect.iter().map(|d| d.scheme()).collect();
        let states: Vec<_> = self.state.iter().map(|d| d.name()).collect();
        f.debug_struct("DriverRegistry")
            .field("schemes", &schemes)
            .field("state", &states)
            .finish()
    }
}

impl DriverRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a connection driver.
    pub fn register(&mut self, driver: Arc<dyn ConnectDriver>) {
        self.connect.push(driver);
    }

    /// Adds a state driver.
    pub fn register_state(&mut self, driver: Arc<dyn StateDriver>) {
        self.state.push(driver);
    }

    /// Runs every state driver's `initialize`, in registration order; the first failure
    /// stops the daemon's start (libvirtd refuses to start when a driver fails to).
    pub async fn initialize(&self, cx: &StateContext) -> DriverResult<()> {
        for d in &self.state {
            tracing::debug!(driver = d.name(), "initializing state driver");
            d.initialize(cx).await?;
        }
        Ok(())
    }

    /// Runs every state driver's `shutdown`, last registered first; failures are logged
    /// and the others still run.
    pub async fn shutdown(&self) {
        for d in self.state.iter().rev() {
            if let Err(e) = d.shutdown().await {
                tracing::warn!(driver = d.name(), error = %e, "state driver shutdown failed");
            }
        }
    }

    /// Opens `uri`; an empty name means "the daemon's default", the first registered driver.
    pub fn open(
        &self,
        uri: Option<&str>,
        flags: u32,
        cx: &CallContext,
    ) -> DriverResult<Connection> {
        let uri = match uri.filter(|u| !u.is_empty()) {
            Some(u) => u.to_owned(),
            None => match self.connect.first() {
                Some(f) => format!("{}:///default", f.scheme()),
                None => return Err(no_driver("")),
            },
        };
        let parsed = ParsedUri::parse(&uri).ok_or_else(|| no_driver(&uri))?;
        let driver = self
            .connect
            .iter()
            .find(|f| f.scheme() == parsed.scheme)
            .ok_or_else(|| no_driver(&uri))?;
        driver.open(&parsed, flags, cx)
    }
}

fn no_driver(uri: &str) -> VirError {
    VirError::raw(
        ErrorNumber::NoConnect,
        ErrorDomain::None,
        format!("no connection driver available for {uri}"),
    )
}
