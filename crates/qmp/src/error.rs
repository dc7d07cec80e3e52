//! The error type of the QMP layer.

use std::path::PathBuf;

/// Why a monitor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum QmpError {
    /// The monitor socket did not accept the connection.
    #[error("Cannot connect to QEMU monitor socket {}", .path.display())]
    Connect {
        /// The socket's path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An already connected socket could not be handed to the runtime.
    #[error("Cannot use QEMU monitor socket")]
    Socket(#[source] std::io::Error),
    /// A file descriptor to pass could not be duplicated for the monitor task.
    #[error("Cannot duplicate file descriptor to pass to QEMU")]
    DupFd(#[source] std::io::Error),
    /// The greeting or the `qmp_capabilities` reply did not come in time.
    #[error("Timed out waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
    },
    /// QEMU answered with an error.
    ///
    /// The driver reports it as libvirt does: `unable to execute QEMU command 'COMMAND': DESC`.
    #[error("Unable to execute QEMU command '{command}': {desc}")]
    Command {
        /// The command that failed.
        command: String,
        /// QEMU's error class (`GenericError`, `CommandNotFound`, …).
        class: String,
        /// QEMU's description.
        desc: String,
    },
    /// QEMU's reply does not have the shape the typed helper expected.
    #[error("Unexpected reply to QEMU command '{command}'")]
    Reply {
        /// The command whose reply did not decode.
        command: String,
        /// What serde found wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The connection is gone (QEMU exited, the socket failed or QEMU broke the protocol).
    ///
    /// [`Monitor::closed`](crate::Monitor::closed) tells which.
    #[error("QEMU monitor connection closed")]
    Closed,
}
