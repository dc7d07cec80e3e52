//! One client connection: reader loop, writer task, keepalive, per-connection state.
//!
//! The reader loop owns the socket's read half. Keepalive is handled right here, never on
//! a worker, so PONGs go out while a slow driver call runs. Replies, events and PINGs all
//! go through one queue to the writer task, which batches whatever is queued into one
//! flush.

use crate::dispatch;
use crate::frame::read_frame;
use oxvirt_core::{Connection, DriverRegistry};
use oxvirt_protocol::{Header, KeepaliveProc, MessageType, encode_packet_raw};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Keepalive policy (libvirtd's `keepalive_interval` / `keepalive_count`).
#[derive(Debug, Clone, Copy)]
pub struct KeepaliveConfig {
    /// Silence after which the server sends a PING, and the spacing of further PINGs.
    pub interval: Duration,
    /// PINGs without any answer before the connection is closed.
    pub count: u32,
}

impl Default for KeepaliveConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            count: 5,
        }
    }
}

/// What every connection shares with the server.
#[derive(Debug)]
pub struct Shared {
    /// The drivers `CONNECT_OPEN` can choose from.
    pub registry: DriverRegistry,
    /// Keepalive policy for clients that opt in.
    pub keepalive: KeepaliveConfig,
}

/// A registered event callback.
#[derive(Debug, Clone)]
pub enum Callback {
    /// Domain event `event_id`, for one domain (by UUID) or all.
    Domain {
        /// `virDomainEventID`.
        event_id: i32,
        /// Filter: only this domain.
        uuid: Option<[u8; 16]>,
    },
    /// Network event `event_id`.
    Network {
        /// `virNetworkEventID`.
        event_id: i32,
        /// Filter: only this network.
        uuid: Option<[u8; 16]>,
    },
}

/// Mutable per-connection state. Guarded by a std mutex that is never held across `.await`.
#[derive(Default)]
pub struct ClientState {
    /// The driver connection after `CONNECT_OPEN`.
    pub driver: Option<Arc<dyn Connection>>,
    /// Read-only socket, or `VIR_CONNECT_RO` at open.
    pub readonly: bool,
    /// The client asked for keepalive (feature 10).
    pub keepalive: bool,
    /// Registered event callbacks by id.
    pub callbacks: HashMap<i32, Callback>,
    /// Next callback id to hand out.
    pub next_callback_id: i32,
    /// The client registered the close callback.
    pub close_callback: bool,
    /// Stops the event forwarder of this connection.
    pub events_started: bool,
}

impl std::fmt::Debug for ClientState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientState")
            .field("open", &self.driver.is_some())
            .field("readonly", &self.readonly)
            .field("keepalive", &self.keepalive)
            .field("callbacks", &self.callbacks.len())
            .finish()
    }
}

/// A connection as the dispatcher sees it.
#[derive(Debug)]
pub struct Client {
    /// Numeric id for logs.
    pub id: u64,
    /// Shared server state.
    pub shared: Arc<Shared>,
    /// Per-connection state.
    pub state: Mutex<ClientState>,
    /// Queue to the writer task.
    pub tx: mpsc::UnboundedSender<Vec<u8>>,
    /// Cancelled when the connection ends; background tasks of the connection watch it.
    pub closed: CancellationToken,
}

impl Client {
    /// Queues a finished packet; a closed writer means the connection is going away.
    pub fn send(&self, packet: Vec<u8>) {
        let _ = self.tx.send(packet);
    }

    /// Locks the state. A poisoned lock only means another task panicked mid-update of
    /// plain data; the connection can go on.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Serves one client until it leaves, misbehaves, goes silent, or the server shuts down.
pub async fn serve<S>(
    stream: S,
    shared: Arc<Shared>,
    readonly: bool,
    id: u64,
    shutdown: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, wr) = tokio::io::split(stream);
    let (tx, rx) = mpsc::unbounded_channel();
    let closed = shutdown.child_token();
    let client = Arc::new(Client {
        id,
        shared,
        state: Mutex::new(ClientState {
            readonly,
            ..ClientState::default()
        }),
        tx,
        closed: closed.clone(),
    });
    let writer = tokio::spawn(write_loop(wr, rx, closed.clone()));

    let ka = client.shared.keepalive;
    let mut last_rx = Instant::now();
    let mut pings_sent: u32 = 0;
    loop {
        let keepalive_on = client.lock().keepalive;
        let deadline = last_rx + ka.interval * (pings_sent + 1);
        tokio::select! {
            biased;
            _ = closed.cancelled() => break,
            frame = read_frame(&mut rd) => {
                match frame {
                    Ok(Some(frame)) => {
                        last_rx = Instant::now();
                        pings_sent = 0;
                        if frame.header.program == oxvirt_protocol::KEEPALIVE_PROGRAM {
                            if is_ping(&frame.header) {
                                client.send(keepalive_packet(KeepaliveProc::Pong));
                            }
                            continue;
                        }
                        dispatch::handle(&client, frame).await;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        debug!(client = id, error = %e, "dropping connection");
                        break;
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline), if keepalive_on => {
                if pings_sent >= ka.count {
                    warn!(client = id, "no keepalive response, closing connection");
                    break;
                }
                pings_sent += 1;
                client.send(keepalive_packet(KeepaliveProc::Ping));
            }
        }
    }
    closed.cancel();
    drop(client);
    let _ = writer.await;
}

/// Keepalive traffic is answered on the I/O task: a PING gets a PONG, a PONG needs
/// nothing (any inbound packet already proved the peer alive).
fn is_ping(h: &Header) -> bool {
    h.kind() == Some(MessageType::Message) && h.procedure == oxvirt_protocol::KEEPALIVE_PROC_PING
}

fn keepalive_packet(p: KeepaliveProc) -> Vec<u8> {
    encode_packet_raw(&Header::keepalive(p), &[]).unwrap_or_default()
}

async fn write_loop<W: AsyncWrite + Unpin>(
    wr: W,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    closed: CancellationToken,
) {
    let mut w = BufWriter::with_capacity(64 * 1024, wr);
    loop {
        let first = tokio::select! {
            p = rx.recv() => p,
            _ = closed.cancelled() => {
                // Flush what is already queued (the reply to CONNECT_CLOSE, say).
                while let Ok(p) = rx.try_recv() {
                    if w.write_all(&p).await.is_err() { return; }
                }
                let _ = w.flush().await;
                let _ = w.shutdown().await;
                return;
            }
        };
        let Some(p) = first else { break };
        if w.write_all(&p).await.is_err() {
            closed.cancel();
            return;
        }
        while let Ok(p) = rx.try_recv() {
            if w.write_all(&p).await.is_err() {
                closed.cancel();
                return;
            }
        }
        if w.flush().await.is_err() {
            closed.cancel();
            return;
        }
    }
    let _ = w.flush().await;
}
