//! libvirt's RPC server.
//!
//! How a request flows:
//!
//! 1. [`server`] accepts a client on a unix socket (read-write or read-only) or TCP and
//!    hands the stream to [`conn::serve`].
//! 2. The connection task reads packets with [`frame::read_frame`] (length checked before
//!    allocation), and answers keepalive PINGs itself, so a slow call never delays a PONG.
//! 3. Each CALL goes through [`dispatch`]: program/version, status, procedure, argument
//!    decoding, "connection open?", read-only policy, then either a connection-state
//!    procedure handled in order on the connection task (open, auth, features, event
//!    registration) or a driver call run on its own task, so pipelined calls are answered
//!    as they finish.
//! 4. Replies, events and keepalive messages are queued to one writer task per connection.
//!    Errors become `remote_error` payloads through [`error::to_remote_error`], the one
//!    place that maps our errors to libvirt's `(code, domain, message)`.

pub mod conn;
pub mod dispatch;
pub mod error;
pub mod frame;
pub mod server;

pub use server::{Server, ServerConfig};
