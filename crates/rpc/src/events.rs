//! Event callbacks: registering them, and forwarding the drivers' events to the client as
//! MESSAGE packets for every callback that asked for them.

use crate::conn::{Callback, Client};
use crate::error::{RpcError, rpc_internal};
use crate::handlers::connect::not_open;
use crate::handlers::{nn_domain, nn_network};
use oxvirt_core::Event;
use oxvirt_protocol::remote::*;
use oxvirt_protocol::{Header, REMOTE_PROGRAM, encode_packet};
use std::sync::Arc;
use tracing::debug;

/// Event MESSAGE packets carry serial 1, like libvirtd's.
const EVENT_SERIAL: u32 = 1;

/// Records a callback and makes sure the connection's event forwarders run. The
/// subscriptions are taken before the reply is queued, so no event after the reply is lost.
pub(crate) fn add_callback(client: &Arc<Client>, cb: Callback) -> Result<i32, RpcError> {
    let mut s = client.lock();
    let Some(conn) = s.driver.clone() else {
        return Err(not_open());
    };
    let id = s.next_callback_id;
    s.next_callback_id += 1;
    s.callbacks.insert(id, cb);
    if !s.events_started {
        s.events_started = true;
        for bus in conn.event_buses() {
            tokio::spawn(forward_events(client.clone(), bus.subscribe()));
        }
    }
    Ok(id)
}

/// Removes callback `id` if it is of the kind `is_kind` accepts.
pub(crate) fn remove_callback(
    client: &Client,
    id: i32,
    kind: &str,
    is_kind: fn(&Callback) -> bool,
) -> Result<(), RpcError> {
    let mut s = client.lock();
    if s.driver.is_none() {
        return Err(not_open());
    }
    match s.callbacks.get(&id) {
        Some(cb) if is_kind(cb) => {
            s.callbacks.remove(&id);
            Ok(())
        }
        _ => Err(rpc_internal(&format!("{kind} event callback {id} not registered")).into()),
    }
}

/// Sends the client every event one of its callbacks asked for, until the connection ends.
async fn forward_events(client: Arc<Client>, mut rx: tokio::sync::broadcast::Receiver<Event>) {
    loop {
        let ev = tokio::select! {
            _ = client.closed.cancelled() => return,
            r = rx.recv() => match r {
                Ok(ev) => ev,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    debug!(client = client.id, lost = n, "event subscriber lagged");
                    continue;
                }
                Err(_) => return,
            },
        };
        for packet in event_packets(&client, &ev) {
            client.send(packet);
        }
    }
}

fn event_packets(client: &Client, ev: &Event) -> Vec<Vec<u8>> {
    let s = client.lock();
    let mut ids: Vec<i32> = s
        .callbacks
        .iter()
        .filter(|(_, cb)| callback_matches(cb, ev))
        .map(|(id, _)| *id)
        .collect();
    drop(s);
    ids.sort_unstable();
    ids.into_iter()
        .filter_map(|id| event_packet(id, ev).ok())
        .collect()
}

fn callback_matches(cb: &Callback, ev: &Event) -> bool {
    match (cb, ev) {
        (Callback::Domain { event_id: 0, uuid }, Event::DomainLifecycle { dom, .. })
        | (Callback::Domain { event_id: 1, uuid }, Event::DomainReboot { dom }) => {
            uuid.is_none_or(|u| u == dom.uuid)
        }
        (Callback::Network { event_id: 0, uuid }, Event::NetworkLifecycle { net, .. }) => {
            uuid.is_none_or(|u| u == net.uuid)
        }
        _ => false,
    }
}

fn event_packet(callback_id: i32, ev: &Event) -> Result<Vec<u8>, oxvirt_protocol::ProtocolError> {
    let header = |p: RemoteProc| Header::message(REMOTE_PROGRAM, p as i32, EVENT_SERIAL);
    match ev {
        Event::DomainLifecycle { dom, event, detail } => encode_packet(
            &header(RemoteProc::DomainEventCallbackLifecycle),
            &DomainEventCallbackLifecycleMsg {
                callback_id,
                msg: DomainEventLifecycleMsg {
                    dom: nn_domain(dom),
                    event: *event,
                    detail: *detail,
                },
            },
        ),
        Event::DomainReboot { dom } => encode_packet(
            &header(RemoteProc::DomainEventCallbackReboot),
            &DomainEventCallbackRebootMsg {
                callback_id,
                msg: DomainEventRebootMsg {
                    dom: nn_domain(dom),
                },
            },
        ),
        Event::NetworkLifecycle { net, event, detail } => encode_packet(
            &header(RemoteProc::NetworkEventLifecycle),
            &NetworkEventLifecycleMsg {
                callback_id,
                net: nn_network(net),
                event: *event,
                detail: *detail,
            },
        ),
    }
}
