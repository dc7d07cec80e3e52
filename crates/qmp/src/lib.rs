//! QEMU's monitor protocol (QMP) client: the control connection to one QEMU process.
//!
//! This crate owns the monitor socket, the wire format ([`wire`]), command ids, matching
//! replies to commands, event delivery, descriptor passing, and the handful of typed
//! commands the QEMU driver sends ([`commands`]). It knows nothing of domains: the driver
//! decides what to send and what events mean.
//!
//! How a command flows:
//!
//! 1. [`Monitor::connect`] (or [`Monitor::from_stream`]) spawns the connection task, which
//!    alone owns the socket; then waits for QEMU's `{"QMP":…}` greeting and sends
//!    `qmp_capabilities`, as libvirt does, before handing out the [`Monitor`] and its
//!    [`Events`].
//! 2. [`Monitor::execute`] sends the command, its arguments, duplicates of any descriptors
//!    and a oneshot to the task over a channel. The task numbers it (`oxvirt-1`,
//!    `oxvirt-2`, … in wire order), encodes it with [`wire::encode_command`], records it as
//!    pending and writes it with `sendmsg` when the socket is writable, descriptors riding
//!    on the same call as `SCM_RIGHTS` (the private `sys` module is the only place that does
//!    that).
//!    Any number of commands may be in flight.
//! 3. The task cuts lines with [`wire::LineBuffer`] and parses them with
//!    [`wire::parse_message`]. A reply completes the pending command with its id (an
//!    error reply becomes [`QmpError::Command`]); an event goes to [`Events`]. A single
//!    reader keeps events in arrival order relative to the replies.
//! 4. EOF, a socket error or a protocol error (bad JSON, an over-long line) ends the
//!    connection: pending commands fail with [`QmpError::Closed`], [`Monitor::closed`]
//!    completes with the [`CloseReason`] and the event stream ends. Monitor EOF is how the
//!    driver learns that QEMU exited. Dropping the last [`Monitor`] clone ends the task and
//!    closes the socket.

#![forbid(unsafe_code)]

pub mod commands;
mod error;
mod monitor;
mod sys;
pub mod wire;

pub use commands::{ChardevInfo, CpuInfoFast, StatusInfo, VersionInfo};
pub use error::QmpError;
pub use monitor::{CloseReason, Events, Monitor, MonitorOptions};
pub use wire::{Event, Greeting, QemuVersion};
