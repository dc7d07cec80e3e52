//! Object events: drivers publish, every RPC connection subscribes and filters.

use crate::types::{DomainRef, NetworkRef};
use tokio::sync::broadcast;

/// One event a driver emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: `event` is `virDomainEventType`, `detail` its detail.
    DomainLifecycle {
        /// The domain, with its id at the time of the event.
        dom: DomainRef,
        /// `virDomainEventType`.
        event: i32,
        /// The type's detail enum.
        detail: i32,
    },
    /// `VIR_DOMAIN_EVENT_ID_REBOOT`.
    DomainReboot {
        /// The domain.
        dom: DomainRef,
    },
    /// `VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED` etc. are not emitted yet.
    /// `VIR_NETWORK_EVENT_ID_LIFECYCLE`.
    NetworkLifecycle {
        /// The network.
        net: NetworkRef,
        /// `virNetworkEventLifecycleType`.
        event: i32,
        /// Always 0 in libvirt 9.0.
        detail: i32,
    },
}

/// `virDomainEventType` and details used by the drivers.
pub mod lifecycle {
    /// `VIR_DOMAIN_EVENT_DEFINED` (details: 0 ADDED, 1 UPDATED)
    pub const DEFINED: i32 = 0;
    /// `VIR_DOMAIN_EVENT_UNDEFINED` (0 REMOVED)
    pub const UNDEFINED: i32 = 1;
    /// `VIR_DOMAIN_EVENT_STARTED` (0 BOOTED)
    pub const STARTED: i32 = 2;
    /// `VIR_DOMAIN_EVENT_SUSPENDED` (0 PAUSED)
    pub const SUSPENDED: i32 = 3;
    /// `VIR_DOMAIN_EVENT_RESUMED` (0 UNPAUSED)
    pub const RESUMED: i32 = 4;
    /// `VIR_DOMAIN_EVENT_STOPPED` (0 SHUTDOWN, 1 DESTROYED)
    pub const STOPPED: i32 = 5;
    /// `VIR_DOMAIN_EVENT_SHUTDOWN` (0 FINISHED)
    pub const SHUTDOWN: i32 = 6;
    /// `VIR_NETWORK_EVENT_DEFINED`
    pub const NET_DEFINED: i32 = 0;
    /// `VIR_NETWORK_EVENT_UNDEFINED`
    pub const NET_UNDEFINED: i32 = 1;
    /// `VIR_NETWORK_EVENT_STARTED`
    pub const NET_STARTED: i32 = 2;
    /// `VIR_NETWORK_EVENT_STOPPED`
    pub const NET_STOPPED: i32 = 3;
}

/// A driver's event fan-out. Slow subscribers lose the oldest events rather than blocking
/// the driver (libvirt drops events for dead clients too).
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// Whether `other` is a handle to this same bus.
    pub fn same_bus(&self, other: &EventBus) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// A bus that buffers up to 1024 events per subscriber.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Self { tx }
    }

    /// Publishes an event; having no subscribers is fine.
    pub fn publish(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    /// A new subscription starting from the next event.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
