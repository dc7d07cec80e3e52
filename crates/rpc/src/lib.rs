//! libvirt's RPC server.
//!
//! How a request flows:
//!
//! 1. [`server`] accepts a client on a unix socket (read-write or read-only) or TCP and
//!    hands the stream to [`conn::serve`].
//! 2. The connection task reads packets with [`frame::FrameReader`] (length checked before
//!    the buffer grows, cancel-safe), and answers keepalive PINGs itself, so a slow call
//!    never delays a PONG.
//! 3. Each CALL goes through [`dispatch`]: program/version, status, procedure known, then
//!    the procedure's row in the dispatch table (`table.rs`, one row per procedure naming
//!    its handler in `handlers/`, by object), which decodes the arguments, checks
//!    "connection open?" and the read-only policy, calls the handler and encodes the reply.
//!    Connection-state procedures (open, auth, features, event registration) run in order
//!    on the connection task; driver calls are polled once right there and moved to their
//!    own task only when they have to wait, so pipelined calls are answered as they finish.
//! 4. Replies, events and keepalive messages are written at once when the socket takes
//!    them, otherwise queued, in order, for the connection's writer task.
//!    Errors become `remote_error` payloads through [`error::to_remote_error`], the one
//!    place that maps our errors to libvirt's `(code, domain, message)`.

pub mod conn;
pub mod dispatch;
pub mod error;
mod events;
pub mod frame;
mod handlers;
pub mod server;
mod table;

pub use server::{Server, ServerConfig};
pub use table::is_served;
