//! The crate's only unsafe code: the `TUNSETIFF` ioctl and two netlink socket options that
//! neither std nor nix wraps.

use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;

/// `IFNAMSIZ`: an interface name and its NUL.
pub(crate) const IFNAMSIZ: usize = 16;

/// `struct ifreq` as `TUNSETIFF` reads and writes it: the name and the `ifr_flags` member of
/// the union, padded to (at least) the kernel's `sizeof(struct ifreq)`.
#[repr(C)]
struct IfReqFlags {
    name: [u8; IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

const _: () = assert!(size_of::<IfReqFlags>() >= size_of::<libc::ifreq>());

nix::ioctl_readwrite_bad!(tunsetiff_raw, libc::TUNSETIFF, IfReqFlags);

/// `TUNSETIFF` on an open `/dev/net/tun`: creates (or, with `IFF_MULTI_QUEUE`, attaches a
/// queue to) the device `name` — a name or a template with `%d` — and returns the name the
/// kernel chose. `name` must be shorter than [`IFNAMSIZ`] and free of NULs.
pub(crate) fn tun_set_iff(fd: BorrowedFd<'_>, name: &str, flags: i32) -> Result<String, Errno> {
    if name.len() >= IFNAMSIZ || name.contains('\0') {
        return Err(Errno::EINVAL);
    }
    let mut req = IfReqFlags {
        name: [0; IFNAMSIZ],
        // The TUN flags all fit in the 16-bit ifr_flags (the highest is IFF_VNET_HDR 0x4000).
        flags: flags as libc::c_short,
        _pad: [0; 22],
    };
    req.name[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: `fd` is an open descriptor for the whole call; `req` is a live, writable,
    // properly aligned ifreq-sized buffer the kernel reads and writes (the chosen name) only
    // during the call.
    unsafe { tunsetiff_raw(fd.as_raw_fd(), &mut req) }?;
    let end = req.name.iter().position(|&b| b == 0).unwrap_or(IFNAMSIZ);
    Ok(String::from_utf8_lossy(&req.name[..end]).into_owned())
}

/// `NETLINK_CAP_ACK`: error messages do not echo the request's payload.
pub(crate) const NETLINK_CAP_ACK: libc::c_int = 10;
/// `NETLINK_EXT_ACK`: error messages carry the kernel's explanation.
pub(crate) const NETLINK_EXT_ACK: libc::c_int = 11;

/// Turns on the boolean `SOL_NETLINK` option `opt`.
pub(crate) fn netlink_enable(fd: BorrowedFd<'_>, opt: libc::c_int) -> Result<(), Errno> {
    let one: libc::c_int = 1;
    // SAFETY: the pointer and length describe `one`, a live c_int, for the whole call; the
    // kernel only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_NETLINK,
            opt,
            (&raw const one).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    Errno::result(r).map(drop)
}
