//! One client connection: reader loop, writer task, keepalive, per-connection state.
//!
//! The reader loop owns the socket's read half. Keepalive is handled right here, never on
//! a worker, so PONGs go out while a slow driver call runs.
//!
//! Writing: replies, events and PINGs go through [`Client::send`]. When nothing is queued
//! the packet is written at once with a non-blocking write from the task that produced it
//! (the common case: no task switch between a call and its reply); whatever the socket
//! does not take is queued, in order, for the connection's writer task, which waits for
//! the socket to become writable.

use crate::dispatch;
use crate::frame::FrameReader;
use oxvirt_core::{Connection, DriverRegistry, Identity};
use oxvirt_protocol::{Header, KeepaliveProc, MessageType, encode_packet_raw};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncRead;
use tokio::sync::Notify;
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
    /// The drivers opened by `CONNECT_OPEN`.
    pub driver: Option<Connection>,
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
    /// The connection's event forwarder task is running.
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
    /// Who is on the other end.
    pub identity: Identity,
    /// Per-connection state.
    pub state: Mutex<ClientState>,
    /// The socket's write side.
    wr: WriteHalf,
    /// Packets the socket has not taken yet, oldest first.
    out: Mutex<OutQueue>,
    /// Wakes the writer task when `out` has something.
    out_ready: Notify,
    /// Cancelled when the connection ends; background tasks of the connection watch it.
    pub closed: CancellationToken,
}

impl Client {
    /// Sends a finished packet: at once if nothing is queued and the socket takes it,
    /// otherwise through the writer task, always in order.
    pub fn send(&self, packet: Vec<u8>) {
        let mut q = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if q.failed {
            return;
        }
        let mut written = 0;
        if q.packets.is_empty() {
            match self.wr.try_write(&packet) {
                Ok(n) if n == packet.len() => return,
                Ok(n) => written = n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    q.failed = true;
                    self.closed.cancel();
                    return;
                }
            }
            q.offset = written;
        }
        q.queued_bytes += packet.len() - written;
        if q.queued_bytes > MAX_QUEUED_BYTES {
            // A client that stopped reading while events pile up: drop it rather than
            // let its backlog grow without bound.
            warn!(
                client = self.id,
                "client does not read its replies, closing connection"
            );
            q.failed = true;
            q.packets.clear();
            self.closed.cancel();
            return;
        }
        q.packets.push_back(packet);
        drop(q);
        self.out_ready.notify_one();
    }

    /// Locks the state. A poisoned lock only means another task panicked mid-update of
    /// plain data; the connection can go on.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Packets waiting for the socket.
#[derive(Debug, Default)]
struct OutQueue {
    packets: VecDeque<Vec<u8>>,
    /// Bytes of the front packet already written.
    offset: usize,
    /// Bytes queued and not yet written.
    queued_bytes: usize,
    /// A write failed: the connection is going away, drop everything.
    failed: bool,
}

/// Most bytes a connection may have waiting for the socket: two maximum-size packets.
const MAX_QUEUED_BYTES: usize = 2 * oxvirt_protocol::PACKET_MAX as usize;

/// The write side of an accepted socket. Non-blocking writes work on a shared reference,
/// so any task can send without owning the socket.
#[derive(Debug)]
pub enum WriteHalf {
    /// A unix socket.
    Unix(tokio::net::unix::OwnedWriteHalf),
    /// A TCP socket.
    Tcp(tokio::net::tcp::OwnedWriteHalf),
}

impl WriteHalf {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            WriteHalf::Unix(w) => w.try_write(buf),
            WriteHalf::Tcp(w) => w.try_write(buf),
        }
    }

    async fn writable(&self) -> io::Result<()> {
        match self {
            WriteHalf::Unix(w) => w.writable().await,
            WriteHalf::Tcp(w) => w.writable().await,
        }
    }
}

/// An accepted client socket.
#[derive(Debug)]
pub enum Accepted {
    /// From one of the unix sockets.
    Unix(tokio::net::UnixStream),
    /// From the TCP listener.
    Tcp(tokio::net::TcpStream),
}

/// The peer's credentials (`SO_PEERCRED`) for unix sockets, the transport for all.
fn peer_identity(stream: &Accepted) -> Identity {
    match stream {
        Accepted::Unix(s) => {
            let cred = s.peer_cred().ok();
            Identity {
                uid: cred.map(|c| c.uid()),
                gid: cred.map(|c| c.gid()),
                pid: cred.and_then(|c| c.pid()),
                transport: "unix",
            }
        }
        Accepted::Tcp(_) => Identity {
            transport: "tcp",
            ..Identity::default()
        },
    }
}

/// Serves one client until it leaves, misbehaves, goes silent, or the server shuts down.
pub async fn serve(
    stream: Accepted,
    shared: Arc<Shared>,
    readonly: bool,
    id: u64,
    shutdown: CancellationToken,
) {
    let identity = peer_identity(&stream);
    let (rd, wr): (Box<dyn AsyncRead + Send + Unpin>, WriteHalf) = match stream {
        Accepted::Unix(s) => {
            let (r, w) = s.into_split();
            (Box::new(r), WriteHalf::Unix(w))
        }
        Accepted::Tcp(s) => {
            let _ = s.set_nodelay(true);
            let (r, w) = s.into_split();
            (Box::new(r), WriteHalf::Tcp(w))
        }
    };
    let closed = shutdown.child_token();
    let client = Arc::new(Client {
        id,
        shared,
        identity,
        state: Mutex::new(ClientState {
            readonly,
            ..ClientState::default()
        }),
        wr,
        out: Mutex::new(OutQueue::default()),
        out_ready: Notify::new(),
        closed: closed.clone(),
    });
    let writer = tokio::spawn(write_loop(client.clone()));
    let mut frames = FrameReader::new(rd);

    let ka = client.shared.keepalive;
    let mut last_rx = Instant::now();
    let mut pings_sent: u32 = 0;
    loop {
        let keepalive_on = client.lock().keepalive;
        let deadline = last_rx + ka.interval * (pings_sent + 1);
        tokio::select! {
            biased;
            _ = closed.cancelled() => break,
            frame = frames.next_frame() => {
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
                        dispatch::handle(&client, frame);
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
    // Let queued replies (CONNECT_CLOSE's, say) go out, but never wait long for a client
    // that does not read.
    closed.cancel();
    client.out_ready.notify_one();
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
}

/// Keepalive traffic is answered on the I/O task: a PING gets a PONG, a PONG needs
/// nothing (any inbound packet already proved the peer alive).
fn is_ping(h: &Header) -> bool {
    h.kind() == Some(MessageType::Message) && h.procedure == oxvirt_protocol::KEEPALIVE_PROC_PING
}

fn keepalive_packet(p: KeepaliveProc) -> Vec<u8> {
    encode_packet_raw(&Header::keepalive(p), &[]).unwrap_or_default()
}

/// Writes what [`Client::send`] could not, as the socket accepts it. After the
/// connection is closed it flushes what is queued and ends.
async fn write_loop(client: Arc<Client>) {
    loop {
        let notified = client.out_ready.notified();
        if flush_queue(&client).await.is_err() {
            let mut q = client.out.lock().unwrap_or_else(|p| p.into_inner());
            q.failed = true;
            q.packets.clear();
            client.closed.cancel();
            return;
        }
        if client.closed.is_cancelled() {
            return;
        }
        tokio::select! {
            _ = notified => {}
            _ = client.closed.cancelled() => {}
        }
    }
}

/// Writes queued packets until the queue is empty.
async fn flush_queue(client: &Client) -> io::Result<()> {
    loop {
        {
            let mut q = client.out.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                let Some(front) = q.packets.front() else {
                    return Ok(());
                };
                match client.wr.try_write(&front[q.offset..]) {
                    Ok(n) if q.offset + n == front.len() => {
                        q.packets.pop_front();
                        q.offset = 0;
                        q.queued_bytes = q.queued_bytes.saturating_sub(n);
                    }
                    Ok(n) => {
                        q.offset += n;
                        q.queued_bytes = q.queued_bytes.saturating_sub(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
        client.wr.writable().await?;
    }
}
