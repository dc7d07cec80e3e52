//! The real [`HostNet`]: tap devices through `/dev/net/tun`, everything else through a
//! small rtnetlink client (one `NETLINK_ROUTE` socket per operation, so every call acts in
//! the network namespace of the calling thread).

use std::fs::OpenOptions;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, connect, recv, send,
    setsockopt, socket, sockopt,
};
use nix::sys::time::{TimeVal, TimeValLike};

use crate::error::op;
use crate::netlink::{self, LinkChange, LinkMsg, LinkRef, Progress, ReplyError};
use crate::sys;
use crate::{HostNet, HostNetError, Tap};

/// Where tap devices come from.
pub const TUN_PATH: &str = "/dev/net/tun";

// TUNSETIFF flags (linux/if_tun.h).
const IFF_TAP: i32 = 0x0002;
const IFF_MULTI_QUEUE: i32 = 0x0100;
const IFF_NO_PI: i32 = 0x1000;
const IFF_VNET_HDR: i32 = 0x4000;

/// How long a netlink answer may take before the request fails with `EAGAIN`.
const REPLY_TIMEOUT_SECS: i64 = 10;

/// The host's networking, for real: the Linux kernel of the calling thread's network
/// namespace.
#[derive(Debug, Default, Clone, Copy)]
pub struct LinuxHostNet;

/// One link as [`LinuxHostNet::link`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// The ifindex.
    pub index: u32,
    /// The name.
    pub name: String,
    /// The MTU.
    pub mtu: u32,
    /// The master's ifindex, if any.
    pub master: Option<u32>,
    /// The hardware address (6 bytes for Ethernet-like links).
    pub address: Vec<u8>,
    /// `IFF_UP`: administratively up.
    pub up: bool,
    /// The link kind (`IFLA_INFO_KIND`): `bridge`, `tun`…
    pub kind: Option<String>,
}

/// Why a netlink exchange failed, before it is worded.
#[derive(Debug)]
enum Failure {
    Errno(Errno, Option<String>),
    Malformed(String),
}

impl Failure {
    fn errno(&self) -> Option<Errno> {
        match self {
            Self::Errno(e, _) => Some(*e),
            Self::Malformed(_) => None,
        }
    }

    fn word(self, op: String) -> HostNetError {
        match self {
            Self::Errno(errno, kernel) => {
                if let Some(kernel) = kernel {
                    tracing::debug!(%op, %errno, kernel, "netlink request refused");
                }
                HostNetError::netlink(op, errno)
            }
            Self::Malformed(detail) => {
                tracing::warn!(%op, %detail, "malformed netlink response message");
                HostNetError::Malformed { detail }
            }
        }
    }
}

impl From<Errno> for Failure {
    fn from(e: Errno) -> Self {
        Self::Errno(e, None)
    }
}

/// One `NETLINK_ROUTE` socket, connected to the kernel (so nothing else can answer).
struct Rtnl {
    fd: OwnedFd,
    seq: u32,
}

impl Rtnl {
    fn open() -> Result<Self, Errno> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkRoute,
        )?;
        // Best effort: older kernels lack these and answer the same, less verbosely.
        let _ = sys::netlink_enable(fd.as_fd(), sys::NETLINK_EXT_ACK);
        let _ = sys::netlink_enable(fd.as_fd(), sys::NETLINK_CAP_ACK);
        setsockopt(
            &fd,
            sockopt::ReceiveTimeout,
            &TimeVal::seconds(REPLY_TIMEOUT_SECS),
        )?;
        connect(fd.as_raw_fd(), &NetlinkAddr::new(0, 0))?;
        Ok(Self { fd, seq: 0 })
    }

    /// Sends the request `build` makes for the next sequence number and reads until the
    /// kernel acknowledges (or refuses) it.
    fn request(&mut self, build: impl FnOnce(u32) -> Vec<u8>) -> Result<Option<LinkMsg>, Failure> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let msg = build(seq);
        let fd = self.fd.as_raw_fd();
        let sent = retry_eintr(|| send(fd, &msg, MsgFlags::empty()))?;
        if sent != msg.len() {
            return Err(Failure::Errno(Errno::EMSGSIZE, None));
        }
        let mut link = None;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            // Learn the next datagram's size first, so a large one is never truncated.
            let size = retry_eintr(|| recv(fd, &mut [], MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC))?;
            if size > buf.len() {
                buf.resize(size, 0);
            }
            let n = retry_eintr(|| recv(fd, &mut buf, MsgFlags::empty()))?;
            match netlink::scan_reply(&buf[..n], seq, &mut link) {
                Ok(Progress::More) => {}
                Ok(Progress::Done(l)) => return Ok(l),
                Err(ReplyError::Kernel(e)) => {
                    return Err(Failure::Errno(Errno::from_raw(e.errno), e.msg));
                }
                Err(ReplyError::Malformed(m)) => return Err(Failure::Malformed(m.0)),
            }
        }
    }
}

fn retry_eintr<T>(mut f: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match f() {
            Err(Errno::EINTR) => {}
            r => return r,
        }
    }
}

/// One request on a fresh socket.
fn talk(build: impl FnOnce(u32) -> Vec<u8>) -> Result<Option<LinkMsg>, Failure> {
    Rtnl::open()?.request(build)
}

fn get_link(link: LinkRef<'_>) -> Result<LinkMsg, Failure> {
    match talk(|seq| netlink::get_link(seq, link))? {
        Some(l) => Ok(l),
        None => Err(Failure::Malformed("no RTM_NEWLINK in the answer".into())),
    }
}

fn set_link(name: &str, change: &LinkChange) -> Result<(), Failure> {
    talk(|seq| netlink::set_link(seq, LinkRef::Name(name), change)).map(drop)
}

/// libvirt refuses a name that does not fit `IFNAMSIZ` with `ERANGE` before any call; a NUL
/// would make the kernel read a different (shorter) name, so it is refused too.
pub(crate) fn check_name(name: &str) -> Result<(), HostNetError> {
    if name.len() >= sys::IFNAMSIZ {
        return Err(HostNetError::system(op::name_too_long(name), Errno::ERANGE));
    }
    if name.contains('\0') {
        return Err(HostNetError::system(op::invalid_name(name), Errno::EINVAL));
    }
    Ok(())
}

fn io_errno(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

impl LinuxHostNet {
    /// Creates an (empty, down) bridge named `name` with `RTM_NEWLINK`; fails with `EEXIST`
    /// if the name is taken. For tests and the network driver; domains only use bridges.
    pub fn create_bridge(&self, name: &str) -> Result<(), HostNetError> {
        check_name(name)?;
        talk(|seq| netlink::new_link(seq, name, "bridge"))
            .map(drop)
            .map_err(|f| f.word(op::create_bridge(name)))
    }

    /// What the kernel says about `ifname` (`RTM_GETLINK`).
    pub fn link(&self, ifname: &str) -> Result<LinkInfo, HostNetError> {
        check_name(ifname)?;
        let l = get_link(LinkRef::Name(ifname)).map_err(|f| f.word(op::get_index(ifname)))?;
        Ok(LinkInfo {
            index: l.index,
            name: l.name.unwrap_or_else(|| ifname.to_owned()),
            mtu: l.mtu.unwrap_or(0),
            master: l.master,
            address: l.address.unwrap_or_default(),
            up: l.flags & netlink::IFF_UP != 0,
            kind: l.kind,
        })
    }
}

impl HostNet for LinuxHostNet {
    fn bridge_exists(&self, bridge: &str) -> bool {
        check_name(bridge).is_ok()
            && get_link(LinkRef::Name(bridge)).is_ok_and(|l| l.kind.as_deref() == Some("bridge"))
    }

    fn create_tap(&self, template: &str, queues: u32, vnet_hdr: bool) -> Result<Tap, HostNetError> {
        check_name(template)?;
        let queues = queues.max(1);
        let mut flags = IFF_TAP | IFF_NO_PI;
        if queues > 1 {
            flags |= IFF_MULTI_QUEUE;
        }
        if vnet_hdr {
            flags |= IFF_VNET_HDR;
        }
        // The first TUNSETIFF resolves the template; the other queues attach by that name.
        // Should any step fail, the descriptors opened so far are dropped with `fds`, and
        // the (non-persistent) device goes with them.
        let mut name = template.to_owned();
        let mut fds = Vec::with_capacity(queues as usize);
        for _ in 0..queues {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(TUN_PATH)
                .map_err(|e| HostNetError::system(op::open_tun(TUN_PATH), io_errno(&e)))?;
            let fd = OwnedFd::from(file);
            name = sys::tun_set_iff(fd.as_fd(), &name, flags)
                .map_err(|e| HostNetError::system(op::create_tap(&name), e))?;
            fds.push(fd);
        }
        tracing::info!("created device: '{name}'");
        Ok(Tap { name, fds })
    }

    fn set_mac(&self, ifname: &str, mac: [u8; 6]) -> Result<(), HostNetError> {
        check_name(ifname)?;
        let change = LinkChange {
            address: Some(mac),
            ..LinkChange::default()
        };
        set_link(ifname, &change).map_err(|f| f.word(op::set_mac(ifname, mac)))
    }

    fn mtu(&self, ifname: &str) -> Result<u32, HostNetError> {
        check_name(ifname)?;
        let link = get_link(LinkRef::Name(ifname)).map_err(|f| f.word(op::get_mtu(ifname)))?;
        link.mtu.ok_or_else(|| {
            Failure::Malformed(format!("no IFLA_MTU for {ifname}")).word(op::get_mtu(ifname))
        })
    }

    fn set_mtu(&self, ifname: &str, mtu: u32) -> Result<(), HostNetError> {
        check_name(ifname)?;
        let change = LinkChange {
            mtu: Some(mtu),
            ..LinkChange::default()
        };
        set_link(ifname, &change).map_err(|f| f.word(op::set_mtu(ifname)))
    }

    fn attach_to_bridge(&self, ifname: &str, bridge: &str) -> Result<(), HostNetError> {
        check_name(bridge)?;
        check_name(ifname)?;
        let br =
            get_link(LinkRef::Name(bridge)).map_err(|f| f.word(op::add_port(bridge, ifname)))?;
        let change = LinkChange {
            master: Some(br.index),
            ..LinkChange::default()
        };
        set_link(ifname, &change).map_err(|f| {
            if f.errno() == Some(Errno::ENODEV) {
                f.word(op::get_index(ifname))
            } else {
                f.word(op::add_port(bridge, ifname))
            }
        })?;
        tracing::debug!("added {ifname} to bridge {bridge}");
        Ok(())
    }

    fn detach_from_bridge(&self, ifname: &str) -> Result<(), HostNetError> {
        check_name(ifname)?;
        let link = get_link(LinkRef::Name(ifname)).map_err(|f| f.word(op::get_index(ifname)))?;
        let Some(master) = link.master else {
            return Ok(());
        };
        let bridge = get_link(LinkRef::Index(master))
            .ok()
            .and_then(|l| l.name)
            .unwrap_or_else(|| master.to_string());
        let change = LinkChange {
            master: Some(0),
            ..LinkChange::default()
        };
        talk(|seq| netlink::set_link(seq, LinkRef::Index(link.index), &change))
            .map_err(|f| f.word(op::remove_port(&bridge, ifname)))?;
        tracing::debug!("removed {ifname} from bridge {bridge}");
        Ok(())
    }

    fn master_of(&self, ifname: &str) -> Result<Option<String>, HostNetError> {
        check_name(ifname)?;
        let link = get_link(LinkRef::Name(ifname))
            .map_err(|f| f.word(op::get_index_for_master(ifname)))?;
        let Some(master) = link.master else {
            return Ok(None);
        };
        let m = get_link(LinkRef::Index(master)).map_err(|f| f.word(op::index_to_name(master)))?;
        match m.name {
            Some(name) => Ok(Some(name)),
            None => Err(
                Failure::Malformed(format!("no IFLA_IFNAME for index {master}"))
                    .word(op::index_to_name(master)),
            ),
        }
    }

    fn set_up(&self, ifname: &str, up: bool) -> Result<(), HostNetError> {
        check_name(ifname)?;
        let change = LinkChange {
            up: Some(up),
            ..LinkChange::default()
        };
        set_link(ifname, &change).map_err(|f| {
            // libvirt reads the flags first, so a missing device fails the read.
            if f.errno() == Some(Errno::ENODEV) {
                f.word(op::get_flags(ifname))
            } else {
                f.word(op::set_flags(ifname))
            }
        })
    }

    fn delete_link(&self, ifname: &str) -> Result<(), HostNetError> {
        check_name(ifname)?;
        talk(|seq| netlink::del_link(seq, LinkRef::Name(ifname)))
            .map(drop)
            .map_err(|f| f.word(op::delete_link(ifname)))
    }
}
