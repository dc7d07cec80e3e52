//! The two process primitives the probe needs that std does not offer: letting one
//! descriptor survive `exec`, and waiting for a child's exit without reaping it.

use std::io;
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;

use nix::errno::Errno;
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;

/// Makes `fd` (created close-on-exec, like every descriptor we own) stay open in the child
/// started by `cmd`, at the same number.
///
/// The flag is cleared in the child only, between `fork` and `exec`: clearing it in the
/// daemon would leak the descriptor into any process another thread starts meanwhile.
pub(super) fn keep_fd_on_exec(cmd: &mut Command, fd: RawFd) {
    // SAFETY: the closure runs in the forked child before exec, where only
    // async-signal-safe functions may be called; it calls fcntl(2) alone (signal-safe), on
    // a descriptor the child inherited, captures a plain integer and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Blocks until child `pid` has exited, leaving it unreaped (`waitid` with `WNOWAIT`).
///
/// Because the zombie stays until [`std::process::Child::try_wait`] reaps it, the pid
/// cannot be recycled while someone may still kill it: the timeout path can send `SIGKILL`
/// without racing this wait. Errors (`ECHILD` if the child was reaped already) end the
/// wait too.
pub(super) fn wait_exited_unreaped(pid: u32) {
    let Ok(raw) = i32::try_from(pid) else {
        return;
    };
    loop {
        match waitid(
            Id::Pid(Pid::from_raw(raw)),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
        ) {
            Err(Errno::EINTR) => continue,
            _ => return,
        }
    }
}
