//! libvirt's RPC server.
//!
//! How a request flows:
//!
//! 1. [`server`] accepts a client on a unix socket (read-write or read-only) or TCP and
//!    hands the stream to [`conn::serve`].
//! 2. The connection task reads packets with [`frame::FrameReader`] (length checked before
//!    the buffer grows, cancel-safe), and answers keepalive PINGs itself, so a slow call
//!    never delays a PONG.
//! 3. Each CALL goes through [`dispatch`]: program/version, status, procedure, argument
//!    decoding, "connection open?", read-only policy, then either a connection-state
//!    procedure handled in order on the connection task (open, auth, features, event
//!    registration) or a driver call, polled once right there and moved to its own task
//!    only when it has to wait, so pipelined calls are answered as they finish.
//! 4. Replies, events and keepalive messages are written at once when the socket takes
//!    them, otherwise queued, in order, for the connection's writer task.
//!    Errors become `remote_error` payloads through [`error::to_remote_error`], the one
//!    place that maps our errors to libvirt's `(code, domain, message)`.

pub mod conn;
pub mod dispatch;
pub mod error;
pub mod frame;
pub mod server;

pub use server::{Server, ServerConfig};
