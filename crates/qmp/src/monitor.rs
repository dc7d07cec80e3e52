//! The monitor connection: a handle for callers and the task that owns the socket.
//!
//! Callers never touch the socket. [`Monitor::execute`] hands a request to the connection
//! task over a channel and waits on a oneshot; the task numbers requests in the order it
//! takes them (so ids count up on the wire, as libvirt's do), writes them, and completes
//! the oneshot whose id the reply carries. Because a single task reads every line, events
//! reach [`Events`] before any reply that QEMU sent after them.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::Interest;
use tokio::net::UnixStream;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, trace, warn};

use crate::error::QmpError;
use crate::sys;
use crate::wire::{self, Event, Greeting, LineBuffer, Message, WireError};

/// Prefix of the ids we give commands; the number after it counts up per connection.
const ID_PREFIX: &str = "oxvirt-";

/// How much one read asks for; QEMU's replies are mostly far smaller.
const READ_CHUNK: usize = 64 * 1024;

/// How a connection is set up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MonitorOptions {
    /// How long the greeting plus the `qmp_capabilities` round trip may take.
    pub handshake_timeout: Duration,
    /// The longest line accepted from QEMU; a longer one closes the connection.
    pub max_line: usize,
}

impl Default for MonitorOptions {
    /// 30 s for the handshake (QEMU answers within tens of milliseconds, but a loaded host
    /// starting many guests can stall it) and [`wire::MAX_LINE`].
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(30),
            max_line: wire::MAX_LINE,
        }
    }
}

/// Why a connection ended.
#[derive(Debug, Clone)]
pub enum CloseReason {
    /// QEMU closed its end: it exited, or was killed.
    Eof,
    /// Reading from the socket failed.
    Io(Arc<io::Error>),
    /// QEMU sent something that is not QMP; the connection was dropped.
    Protocol(Arc<WireError>),
    /// The connection task stopped without a reason (runtime shut down or a bug).
    Aborted,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Eof => f.write_str("end of file from QEMU monitor"),
            CloseReason::Io(e) => write!(f, "QEMU monitor socket failed: {e}"),
            CloseReason::Protocol(e) => write!(f, "QEMU monitor protocol error: {e}"),
            CloseReason::Aborted => f.write_str("QEMU monitor task ended"),
        }
    }
}

/// A QMP connection to one QEMU process (libvirt's `qemuMonitor`).
///
/// Cheap to clone; every clone talks to the same connection, and commands from any number
/// of tasks may be in flight at once. Dropping the last clone closes the socket and ends the
/// connection task.
#[derive(Debug, Clone)]
pub struct Monitor {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    greeting: Greeting,
    requests: mpsc::UnboundedSender<Request>,
    closed: watch::Receiver<Option<CloseReason>>,
}

/// The receiving end of a connection's events, in the order QEMU sent them.
///
/// [`Events::recv`] returns `None` once the connection has closed and every event before
/// the close was received.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
}

impl Events {
    /// The next event, or `None` after the connection closed.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// The next event if one has arrived already.
    pub fn try_recv(&mut self) -> Result<Event, TryRecvError> {
        self.rx.try_recv()
    }
}

struct Request {
    command: String,
    arguments: Option<Value>,
    fds: Vec<OwnedFd>,
    reply: oneshot::Sender<Result<Value, QmpError>>,
}

impl Monitor {
    /// Connects to a monitor socket with default options; see [`Monitor::from_stream`].
    pub async fn connect(path: impl AsRef<Path>) -> Result<(Monitor, Events), QmpError> {
        Self::connect_with(path, &MonitorOptions::default()).await
    }

    /// Connects to a monitor socket; see [`Monitor::from_stream`].
    ///
    /// Tries once: QEMU creates the socket early, and waiting for it to appear is the
    /// caller's business (it knows whether QEMU is still alive).
    pub async fn connect_with(
        path: impl AsRef<Path>,
        opts: &MonitorOptions,
    ) -> Result<(Monitor, Events), QmpError> {
        let path = path.as_ref();
        let stream = UnixStream::connect(path)
            .await
            .map_err(|source| QmpError::Connect {
                path: path.to_owned(),
                source,
            })?;
        Self::from_stream(stream, opts).await
    }

    /// Takes over a connected std socket; see [`Monitor::from_stream`].
    pub async fn from_std(
        stream: std::os::unix::net::UnixStream,
        opts: &MonitorOptions,
    ) -> Result<(Monitor, Events), QmpError> {
        stream.set_nonblocking(true).map_err(QmpError::Socket)?;
        let stream = UnixStream::from_std(stream).map_err(QmpError::Socket)?;
        Self::from_stream(stream, opts).await
    }

    /// Takes over a connected socket: starts the connection task, waits for the greeting
    /// and leaves negotiation mode with `qmp_capabilities`, all within
    /// `opts.handshake_timeout`.
    pub async fn from_stream(
        stream: UnixStream,
        opts: &MonitorOptions,
    ) -> Result<(Monitor, Events), QmpError> {
        let deadline = tokio::time::Instant::now() + opts.handshake_timeout;
        let (req_tx, req_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let (greet_tx, greet_rx) = oneshot::channel();
        let (closed_tx, closed_rx) = watch::channel(None);
        let conn = Connection {
            stream,
            requests: req_rx,
            events: ev_tx,
            greeting: Some(greet_tx),
            closed: closed_tx,
            lines: LineBuffer::new(opts.max_line),
            outq: VecDeque::new(),
            pending: BTreeMap::new(),
            next_id: 0,
            fd_barrier: None,
            write_broken: false,
        };
        tokio::spawn(conn.run());

        // On every early return below the request sender drops, which ends the task.
        let greeting = match tokio::time::timeout_at(deadline, greet_rx).await {
            Err(_) => {
                return Err(QmpError::Timeout {
                    what: "the QMP greeting",
                });
            }
            Ok(Err(_)) => return Err(QmpError::Closed),
            Ok(Ok(g)) => g,
        };
        debug!(
            version = ?greeting.version,
            package = %greeting.package,
            "QMP greeting"
        );
        let monitor = Monitor {
            shared: Arc::new(Shared {
                greeting,
                requests: req_tx,
                closed: closed_rx,
            }),
        };
        match tokio::time::timeout_at(deadline, monitor.execute("qmp_capabilities", None)).await {
            Err(_) => Err(QmpError::Timeout {
                what: "the reply to qmp_capabilities",
            }),
            Ok(res) => res.map(|_| (monitor, Events { rx: ev_rx })),
        }
    }

    /// The greeting QEMU sent on this connection.
    pub fn greeting(&self) -> &Greeting {
        &self.shared.greeting
    }

    /// Runs one command and returns its `return` value.
    ///
    /// A QMP error reply becomes [`QmpError::Command`]. If the future is dropped after the
    /// command was queued, the command is still sent and its reply discarded.
    pub async fn execute(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, QmpError> {
        self.call(command, arguments, Vec::new()).await
    }

    /// Runs one command with file descriptors attached to it (`SCM_RIGHTS`), for `getfd`
    /// and `add-fd`.
    ///
    /// The call works on duplicates of the descriptors (closed once sent), so the caller
    /// keeps ownership of its own. QEMU keeps only the
    /// descriptors of the latest message that carried some, so a command with descriptors
    /// is not written while an earlier one is still unanswered; QEMU reads at most 16
    /// descriptors per message.
    pub async fn execute_with_fds(
        &self,
        command: &str,
        arguments: Option<Value>,
        fds: &[BorrowedFd<'_>],
    ) -> Result<Value, QmpError> {
        let owned = fds
            .iter()
            .map(|fd| fd.try_clone_to_owned())
            .collect::<io::Result<Vec<_>>>()
            .map_err(QmpError::DupFd)?;
        self.call(command, arguments, owned).await
    }

    /// Runs one command and decodes its `return` value.
    pub async fn execute_as<T: DeserializeOwned>(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<T, QmpError> {
        let value = self.execute(command, arguments).await?;
        serde_json::from_value(value).map_err(|source| QmpError::Reply {
            command: command.to_owned(),
            source,
        })
    }

    /// Completes when the connection has ended (QEMU exited, the socket failed, or QEMU
    /// broke the protocol), saying why. By then every pending command has failed with
    /// [`QmpError::Closed`].
    pub async fn closed(&self) -> CloseReason {
        let mut rx = self.shared.closed.clone();
        match rx.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or(CloseReason::Aborted),
            Err(_) => CloseReason::Aborted,
        }
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.borrow().is_some()
    }

    async fn call(
        &self,
        command: &str,
        arguments: Option<Value>,
        fds: Vec<OwnedFd>,
    ) -> Result<Value, QmpError> {
        let (tx, rx) = oneshot::channel();
        let req = Request {
            command: command.to_owned(),
            arguments,
            fds,
            reply: tx,
        };
        self.shared
            .requests
            .send(req)
            .map_err(|_| QmpError::Closed)?;
        // A dropped oneshot means the task ended before answering: the connection is gone.
        rx.await.unwrap_or(Err(QmpError::Closed))
    }
}

/// A command waiting for its reply.
struct Pending {
    command: String,
    reply: oneshot::Sender<Result<Value, QmpError>>,
}

/// A command not yet fully written.
struct Outgoing {
    key: u64,
    bytes: Vec<u8>,
    off: usize,
    /// Emptied (closing our duplicates) once they went with the first bytes.
    fds: Vec<OwnedFd>,
}

/// The connection task's state; it alone touches the socket.
struct Connection {
    stream: UnixStream,
    requests: mpsc::UnboundedReceiver<Request>,
    events: mpsc::UnboundedSender<Event>,
    /// Present until the greeting arrived.
    greeting: Option<oneshot::Sender<Greeting>>,
    closed: watch::Sender<Option<CloseReason>>,
    lines: LineBuffer,
    outq: VecDeque<Outgoing>,
    /// By the number in the id: also the order of writing, oldest first.
    pending: BTreeMap<u64, Pending>,
    next_id: u64,
    /// The command whose descriptors QEMU may not have claimed yet.
    fd_barrier: Option<u64>,
    /// Writing failed; we keep reading to collect what QEMU said before it went away.
    write_broken: bool,
}

impl Connection {
    async fn run(mut self) {
        let reason = self.serve().await;
        match &reason {
            Some(r) => debug!(reason = %r, pending = self.pending.len(), "QMP connection closed"),
            None => debug!("QMP monitor handles dropped; closing connection"),
        }
        for (_, p) in std::mem::take(&mut self.pending) {
            let _ = p.reply.send(Err(QmpError::Closed));
        }
        if let Some(r) = reason {
            self.closed.send_replace(Some(r));
        }
        // Dropping self closes the socket and ends the event stream.
    }

    /// Runs until the connection ends (`Some(reason)`) or every handle is dropped (`None`).
    async fn serve(&mut self) -> Option<CloseReason> {
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let can_write = self.can_write();
            tokio::select! {
                ready = self.stream.readable() => {
                    if let Err(e) = ready {
                        return Some(CloseReason::Io(Arc::new(e)));
                    }
                    match self.stream.try_read(&mut chunk) {
                        Ok(0) => {
                            if self.lines.pending() > 0 {
                                debug!(bytes = self.lines.pending(), "QMP connection ended mid-line");
                            }
                            return Some(CloseReason::Eof);
                        }
                        Ok(n) => {
                            if let Err(e) = self.received(&chunk[..n]) {
                                warn!(error = %e, "closing QEMU monitor");
                                return Some(CloseReason::Protocol(Arc::new(e)));
                            }
                        }
                        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {}
                        // QEMU went away without reading everything we sent: still its end
                        // closing, not a fault of the socket.
                        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                            return Some(CloseReason::Eof);
                        }
                        Err(e) => return Some(CloseReason::Io(Arc::new(e))),
                    }
                }
                req = self.requests.recv() => match req {
                    Some(req) => self.enqueue(req),
                    None => return None,
                },
                ready = self.stream.writable(), if can_write => {
                    if let Err(e) = ready {
                        return Some(CloseReason::Io(Arc::new(e)));
                    }
                }
            }
            self.flush();
        }
    }

    fn received(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        self.lines.extend(bytes);
        loop {
            let Some(line) = self.lines.next_line()? else {
                return Ok(());
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            trace!(line = %String::from_utf8_lossy(line).trim_end(), "QMP received");
            let parsed = wire::parse_message(line);
            self.dispatch(parsed)?;
        }
    }

    fn dispatch(&mut self, parsed: Result<Message, WireError>) -> Result<(), WireError> {
        if self.greeting.is_some() {
            let Ok(Message::Greeting(g)) = parsed else {
                return Err(WireError::NoGreeting);
            };
            if let Some(tx) = self.greeting.take() {
                let _ = tx.send(g);
            }
            return Ok(());
        }
        match parsed {
            // A kind of message from a newer QEMU: nothing waits for it.
            Err(WireError::UnknownKind) => warn!("ignoring unknown QMP message"),
            Err(e) => return Err(e),
            Ok(Message::Greeting(_)) => warn!("ignoring repeated QMP greeting"),
            Ok(Message::Return { id, value }) => self.complete(id, Ok(value)),
            Ok(Message::Error { id, class, desc }) => self.complete(id, Err((class, desc))),
            Ok(Message::Event(ev)) => {
                debug!(event = %ev.name, "QMP event");
                // Nobody listening is fine: the owner chose to ignore events.
                let _ = self.events.send(ev);
            }
        }
        Ok(())
    }

    fn complete(&mut self, id: Option<Value>, result: Result<Value, (String, String)>) {
        let key = match &id {
            // QEMU leaves the id out only when it could not read the command; it answers
            // in order, so the reply belongs to the oldest command.
            None => self.pending.keys().next().copied(),
            Some(Value::String(s)) => s.strip_prefix(ID_PREFIX).and_then(|n| n.parse().ok()),
            Some(_) => None,
        };
        let Some((key, pending)) = key.and_then(|k| Some((k, self.pending.remove(&k)?))) else {
            warn!(?id, "ignoring QMP reply to no pending command");
            return;
        };
        if self.fd_barrier == Some(key) {
            self.fd_barrier = None;
        }
        debug!(id = key, command = %pending.command, ok = result.is_ok(), "QMP reply");
        let result = result.map_err(|(class, desc)| QmpError::Command {
            command: pending.command,
            class,
            desc,
        });
        // The caller may have given up waiting; the reply is then simply dropped.
        let _ = pending.reply.send(result);
    }

    fn enqueue(&mut self, req: Request) {
        self.next_id += 1;
        let key = self.next_id;
        let id = format!("{ID_PREFIX}{key}");
        let bytes = wire::encode_command(&id, &req.command, req.arguments.as_ref());
        debug!(id, command = %req.command, fds = req.fds.len(), "QMP send");
        trace!(line = %String::from_utf8_lossy(&bytes).trim_end(), "QMP send");
        self.outq.push_back(Outgoing {
            key,
            bytes,
            off: 0,
            fds: req.fds,
        });
        self.pending.insert(
            key,
            Pending {
                command: req.command,
                reply: req.reply,
            },
        );
    }

    fn can_write(&self) -> bool {
        !self.write_broken
            && self
                .outq
                .front()
                .is_some_and(|o| o.fds.is_empty() || self.fd_barrier.is_none())
    }

    /// Writes queued commands until the socket is full or the fd barrier holds.
    fn flush(&mut self) {
        while self.can_write() {
            let Some(out) = self.outq.front_mut() else {
                return;
            };
            let stream = &self.stream;
            let res = stream.try_io(Interest::WRITABLE, || {
                sys::send_with_fds(stream.as_fd(), &out.bytes[out.off..], &out.fds)
            });
            match res {
                Ok(n) => {
                    if !out.fds.is_empty() {
                        self.fd_barrier = Some(out.key);
                        // QEMU holds its own references now; close our duplicates.
                        out.fds.clear();
                    }
                    out.off += n;
                    if out.off >= out.bytes.len() {
                        self.outq.pop_front();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    // QEMU is most likely exiting: what it wrote before (SHUTDOWN, replies)
                    // is still to be read, and EOF will follow.
                    warn!(error = %e, "cannot write to QEMU monitor");
                    self.write_broken = true;
                    return;
                }
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Covers a panic or the runtime dropping the task: `closed()` must not hang.
        self.closed.send_if_modified(|r| {
            if r.is_none() {
                *r = Some(CloseReason::Aborted);
                true
            } else {
                false
            }
        });
    }
}
