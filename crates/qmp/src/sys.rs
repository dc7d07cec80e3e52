//! The one system call tokio does not offer: `sendmsg` with `SCM_RIGHTS`.
//!
//! nix's safe wrapper does the cmsg packing, so there is no `unsafe` here.

use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};

/// Sends `bytes` on a non-blocking stream socket, with `fds` attached to them when not
/// empty. Returns how many bytes went; `WouldBlock` when the socket is full.
///
/// The kernel attaches the descriptors to the first byte sent, so after a partial send
/// the rest must go without them.
pub(crate) fn send_with_fds(
    sock: BorrowedFd<'_>,
    bytes: &[u8],
    fds: &[OwnedFd],
) -> io::Result<usize> {
    let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    let rights = [ControlMessage::ScmRights(&raw)];
    let cmsgs: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &rights };
    let iov = [IoSlice::new(bytes)];
    // MSG_NOSIGNAL: a QEMU that died must give EPIPE here, not SIGPIPE to the daemon.
    let flags = MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT;
    loop {
        match sendmsg::<()>(sock.as_raw_fd(), &iov, cmsgs, flags, None) {
            Err(Errno::EINTR) => continue,
            res => return res.map_err(io::Error::from),
        }
    }
}
