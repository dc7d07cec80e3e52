//! QEMU processes: launching one for a start, finding one again after a daemon restart,
//! signalling it and noticing its exit.
//!
//! A start binds the monitor socket itself and hands the listening descriptor to QEMU (so
//! the daemon never polls for a socket to appear), puts QEMU in a session of its own (the
//! daemon's death sends it nothing), sends its output to the domain's log file, and keeps a
//! pidfd: exit is observed on the pidfd, for our own children (then reaped at once) and for
//! QEMUs a previous daemon started alike, never by polling `kill(pid, 0)`.

use crate::command::QemuCommand;
use crate::sys;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::unix::AsyncFd;

/// A QEMU process, ours or inherited from a previous daemon.
#[derive(Debug, Clone)]
pub struct QemuProcess {
    /// Its pid.
    pub pid: i32,
    pidfd: Arc<AsyncFd<OwnedFd>>,
    /// Our child (to reap); `None` for a process a previous daemon started.
    child: Arc<Mutex<Option<Child>>>,
}

impl QemuProcess {
    /// Starts `cmd` with `keep` open at their numbers, output appended to `log`.
    pub fn spawn(cmd: &QemuCommand, keep: &[RawFd], log: &File) -> io::Result<QemuProcess> {
        let mut c = Command::new(&cmd.program);
        c.args(&cmd.args)
            .env_clear()
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log.try_clone()?)
            .current_dir("/");
        sys::set_child_setup(&mut c, keep.to_vec());
        let child = c.spawn()?;
        let pid = i32::try_from(child.id()).map_err(|_| io::Error::other("pid out of range"))?;
        let pidfd = sys::pidfd_open(pid)?;
        Ok(QemuProcess {
            pid,
            pidfd: Arc::new(sys::async_pidfd(pidfd)?),
            child: Arc::new(Mutex::new(Some(child))),
        })
    }

    /// The QEMU a previous daemon started, by pid; an error when it is gone.
    pub fn attach(pid: i32) -> io::Result<QemuProcess> {
        let pidfd = sys::pidfd_open(pid)?;
        Ok(QemuProcess {
            pid,
            pidfd: Arc::new(sys::async_pidfd(pidfd)?),
            child: Arc::new(Mutex::new(None)),
        })
    }

    /// Sends `signal` (through the pidfd: never to a recycled pid).
    pub fn signal(&self, signal: i32) -> io::Result<()> {
        sys::pidfd_send_signal(self.pidfd.get_ref().as_fd(), signal)
    }

    /// Waits until the process has exited (and reaps it when it is our child).
    pub async fn exited(&self) {
        // Readiness stays set: a pidfd is readable for good once the process exited.
        match self.pidfd.readable().await {
            Ok(mut guard) => guard.retain_ready(),
            Err(_) => return,
        }
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = child.as_mut() {
            let _ = c.wait();
        }
        *child = None;
    }

    /// Whether the process has exited (without waiting).
    pub fn has_exited(&self) -> bool {
        sys::poll_readable(self.pidfd.get_ref().as_raw_fd())
    }
}
