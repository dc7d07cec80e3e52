//! An in-memory [`HostNet`] for the unit tests of the crates that use one: it keeps a table
//! of links, logs every call, fails the operations a test asks it to, and words its errors
//! like [`crate::LinuxHostNet`] does.
//!
//! Its taps behave like the kernel's non-persistent ones: each queue's descriptor is one end
//! of a socket pair whose other end the fake keeps, and a tap whose descriptors have all been
//! closed is gone from the table the next time the fake is used. Unlike the kernel, attaching
//! a port never changes a bridge's MTU.

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};

use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, recv};

use crate::error::op;
use crate::linux::check_name;
use crate::{HostNet, HostNetError, Tap};

/// One call made on a [`FakeHostNet`], with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // the fields are the trait method's arguments
pub enum HostNetCall {
    BridgeExists {
        bridge: String,
    },
    CreateTap {
        template: String,
        queues: u32,
        vnet_hdr: bool,
    },
    SetMac {
        ifname: String,
        mac: [u8; 6],
    },
    Mtu {
        ifname: String,
    },
    SetMtu {
        ifname: String,
        mtu: u32,
    },
    AttachToBridge {
        ifname: String,
        bridge: String,
    },
    DetachFromBridge {
        ifname: String,
    },
    MasterOf {
        ifname: String,
    },
    SetUp {
        ifname: String,
        up: bool,
    },
    DeleteLink {
        ifname: String,
    },
}

impl HostNetCall {
    /// Which operation this call is.
    pub fn op(&self) -> HostNetOp {
        match self {
            Self::BridgeExists { .. } => HostNetOp::BridgeExists,
            Self::CreateTap { .. } => HostNetOp::CreateTap,
            Self::SetMac { .. } => HostNetOp::SetMac,
            Self::Mtu { .. } => HostNetOp::Mtu,
            Self::SetMtu { .. } => HostNetOp::SetMtu,
            Self::AttachToBridge { .. } => HostNetOp::AttachToBridge,
            Self::DetachFromBridge { .. } => HostNetOp::DetachFromBridge,
            Self::MasterOf { .. } => HostNetOp::MasterOf,
            Self::SetUp { .. } => HostNetOp::SetUp,
            Self::DeleteLink { .. } => HostNetOp::DeleteLink,
        }
    }
}

/// The operations of [`HostNet`], one per method, to make one fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // named after the trait's methods
pub enum HostNetOp {
    BridgeExists,
    CreateTap,
    SetMac,
    Mtu,
    SetMtu,
    AttachToBridge,
    DetachFromBridge,
    MasterOf,
    SetUp,
    DeleteLink,
}

/// What kind of device a fake link is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeLinkKind {
    /// A bridge: other links can be attached to it.
    Bridge,
    /// A tap made by `create_tap`.
    Tap {
        /// How many queues (descriptors) it was created with.
        queues: u32,
        /// Whether `IFF_VNET_HDR` was asked for.
        vnet_hdr: bool,
    },
    /// Any other device (a physical NIC, say).
    Other,
}

/// A link in the fake's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeLink {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: FakeLinkKind,
    /// Its MTU (1500 unless set).
    pub mtu: u32,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// The bridge it is attached to.
    pub master: Option<String>,
    /// Whether it is administratively up.
    pub up: bool,
}

#[derive(Debug)]
struct Entry {
    link: FakeLink,
    /// For a tap: the far ends of the descriptors handed out, one per queue.
    peers: Vec<UnixStream>,
}

impl Entry {
    /// A tap lives while any of its descriptors is open.
    fn alive(&self) -> bool {
        if !matches!(self.link.kind, FakeLinkKind::Tap { .. }) {
            return true;
        }
        self.peers.iter().any(|p| {
            let mut b = [0u8; 1];
            // End of stream once the other end (the tap's descriptor) is closed.
            match recv(
                p.as_raw_fd(),
                &mut b,
                MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT,
            ) {
                Ok(0) => false,
                Ok(_) => true,
                Err(e) => e == Errno::EAGAIN,
            }
        })
    }
}

#[derive(Debug, Default)]
struct State {
    links: BTreeMap<String, Entry>,
    calls: Vec<HostNetCall>,
    failures: HashMap<HostNetOp, HostNetError>,
    macs_made: u8,
}

impl State {
    /// Forgets the taps whose descriptors were all closed, as the kernel does.
    fn reap(&mut self) {
        self.links.retain(|_, e| e.alive());
    }

    fn link_mut(
        &mut self,
        ifname: &str,
        op: impl FnOnce() -> String,
    ) -> Result<&mut FakeLink, HostNetError> {
        self.links
            .get_mut(ifname)
            .map(|e| &mut e.link)
            .ok_or_else(|| HostNetError::netlink(op(), Errno::ENODEV))
    }

    fn add(&mut self, name: &str, kind: FakeLinkKind, mtu: u32, peers: Vec<UnixStream>) {
        self.macs_made = self.macs_made.wrapping_add(1);
        let link = FakeLink {
            name: name.to_owned(),
            kind,
            mtu,
            mac: [0x02, 0, 0, 0, 0, self.macs_made],
            master: None,
            up: false,
        };
        self.links.insert(name.to_owned(), Entry { link, peers });
    }
}

/// An in-memory [`HostNet`]: a table of links, a log of calls ([`Self::calls`]) and
/// failures on demand ([`Self::fail_on`]), with [`crate::LinuxHostNet`]'s error wording.
///
/// Its taps behave like the kernel's non-persistent ones: each queue's descriptor is one end
/// of a socket pair whose other end the fake keeps, and a tap whose descriptors have all been
/// closed is gone the next time the fake is used. Unlike the kernel, attaching a port never
/// changes a bridge's MTU.
#[derive(Debug, Default)]
pub struct FakeHostNet {
    state: Mutex<State>,
}

impl FakeHostNet {
    /// A fake host with no links at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// The fake with a bridge `name` of MTU `mtu` added.
    pub fn with_bridge(self, name: &str, mtu: u32) -> Self {
        self.add_bridge(name, mtu);
        self
    }

    /// Adds (or replaces) a bridge.
    pub fn add_bridge(&self, name: &str, mtu: u32) {
        self.lock().add(name, FakeLinkKind::Bridge, mtu, Vec::new());
    }

    /// Adds (or replaces) a device that is neither a bridge nor a tap.
    pub fn add_device(&self, name: &str, mtu: u32) {
        self.lock().add(name, FakeLinkKind::Other, mtu, Vec::new());
    }

    /// Every call so far, oldest first (failed ones included).
    pub fn calls(&self) -> Vec<HostNetCall> {
        self.lock().calls.clone()
    }

    /// The calls so far, emptying the log.
    pub fn take_calls(&self) -> Vec<HostNetCall> {
        std::mem::take(&mut self.lock().calls)
    }

    /// Makes every later call of `op` fail with `error` (it is still logged) until
    /// [`Self::clear_failures`]. A failing `bridge_exists` answers false.
    pub fn fail_on(&self, op: HostNetOp, error: HostNetError) {
        self.lock().failures.insert(op, error);
    }

    /// Lets every operation succeed again.
    pub fn clear_failures(&self) {
        self.lock().failures.clear();
    }

    /// The link `name`, if it exists (a tap whose descriptors are all closed does not).
    pub fn link(&self, name: &str) -> Option<FakeLink> {
        let mut st = self.lock();
        st.reap();
        st.links.get(name).map(|e| e.link.clone())
    }

    /// Every link, by name.
    pub fn links(&self) -> Vec<FakeLink> {
        let mut st = self.lock();
        st.reap();
        st.links.values().map(|e| e.link.clone()).collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Logs `call` and returns the table, or the failure configured for its operation.
    fn begin(&self, call: HostNetCall) -> Result<MutexGuard<'_, State>, HostNetError> {
        let mut st = self.lock();
        st.reap();
        let op = call.op();
        st.calls.push(call);
        if let Some(e) = st.failures.get(&op) {
            return Err(e.clone());
        }
        Ok(st)
    }
}

fn socket_errno(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

impl HostNet for FakeHostNet {
    fn bridge_exists(&self, bridge: &str) -> bool {
        let call = HostNetCall::BridgeExists {
            bridge: bridge.to_owned(),
        };
        self.begin(call).is_ok_and(|st| {
            st.links
                .get(bridge)
                .is_some_and(|e| e.link.kind == FakeLinkKind::Bridge)
        })
    }

    fn create_tap(&self, template: &str, queues: u32, vnet_hdr: bool) -> Result<Tap, HostNetError> {
        let mut st = self.begin(HostNetCall::CreateTap {
            template: template.to_owned(),
            queues,
            vnet_hdr,
        })?;
        check_name(template)?;
        let name = if template.contains("%d") {
            (0u32..)
                .map(|n| template.replacen("%d", &n.to_string(), 1))
                .find(|n| !st.links.contains_key(n))
                .expect("a free name")
        } else if st.links.contains_key(template) {
            return Err(HostNetError::system(op::create_tap(template), Errno::EBUSY));
        } else {
            template.to_owned()
        };
        let queues = queues.max(1);
        let mut fds = Vec::new();
        let mut peers = Vec::new();
        for _ in 0..queues {
            let (ours, theirs) = UnixStream::pair().map_err(|e| {
                HostNetError::system(op::open_tun(crate::TUN_PATH), socket_errno(&e))
            })?;
            fds.push(OwnedFd::from(ours));
            peers.push(theirs);
        }
        st.add(&name, FakeLinkKind::Tap { queues, vnet_hdr }, 1500, peers);
        Ok(Tap { name, fds })
    }

    fn set_mac(&self, ifname: &str, mac: [u8; 6]) -> Result<(), HostNetError> {
        let mut st = self.begin(HostNetCall::SetMac {
            ifname: ifname.to_owned(),
            mac,
        })?;
        st.link_mut(ifname, || op::set_mac(ifname, mac))?.mac = mac;
        Ok(())
    }

    fn mtu(&self, ifname: &str) -> Result<u32, HostNetError> {
        let mut st = self.begin(HostNetCall::Mtu {
            ifname: ifname.to_owned(),
        })?;
        Ok(st.link_mut(ifname, || op::get_mtu(ifname))?.mtu)
    }

    fn set_mtu(&self, ifname: &str, mtu: u32) -> Result<(), HostNetError> {
        let mut st = self.begin(HostNetCall::SetMtu {
            ifname: ifname.to_owned(),
            mtu,
        })?;
        st.link_mut(ifname, || op::set_mtu(ifname))?.mtu = mtu;
        Ok(())
    }

    fn attach_to_bridge(&self, ifname: &str, bridge: &str) -> Result<(), HostNetError> {
        let mut st = self.begin(HostNetCall::AttachToBridge {
            ifname: ifname.to_owned(),
            bridge: bridge.to_owned(),
        })?;
        let br = st.link_mut(bridge, || op::add_port(bridge, ifname))?;
        if br.kind != FakeLinkKind::Bridge || ifname == bridge {
            return Err(HostNetError::netlink(
                op::add_port(bridge, ifname),
                Errno::EOPNOTSUPP,
            ));
        }
        st.link_mut(ifname, || op::get_index(ifname))?.master = Some(bridge.to_owned());
        Ok(())
    }

    fn detach_from_bridge(&self, ifname: &str) -> Result<(), HostNetError> {
        let mut st = self.begin(HostNetCall::DetachFromBridge {
            ifname: ifname.to_owned(),
        })?;
        st.link_mut(ifname, || op::get_index(ifname))?.master = None;
        Ok(())
    }

    fn master_of(&self, ifname: &str) -> Result<Option<String>, HostNetError> {
        let mut st = self.begin(HostNetCall::MasterOf {
            ifname: ifname.to_owned(),
        })?;
        Ok(st
            .link_mut(ifname, || op::get_index_for_master(ifname))?
            .master
            .clone())
    }

    fn set_up(&self, ifname: &str, up: bool) -> Result<(), HostNetError> {
        let mut st = self.begin(HostNetCall::SetUp {
            ifname: ifname.to_owned(),
            up,
        })?;
        st.link_mut(ifname, || op::get_flags(ifname))?.up = up;
        Ok(())
    }

    fn delete_link(&self, ifname: &str) -> Result<(), HostNetError> {
        let mut st = self.begin(HostNetCall::DeleteLink {
            ifname: ifname.to_owned(),
        })?;
        if st.links.remove(ifname).is_none() {
            return Err(HostNetError::netlink(
                op::delete_link(ifname),
                Errno::ENODEV,
            ));
        }
        // Deleting a bridge releases its ports.
        for e in st.links.values_mut() {
            if e.link.master.as_deref() == Some(ifname) {
                e.link.master = None;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enodev_text(e: &HostNetError) -> String {
        assert!(e.is_no_such_device(), "{e:?}");
        e.to_string()
    }

    #[test]
    fn test_fake_create_tap_template_picks_lowest_free_number() {
        let net = FakeHostNet::new();
        let a = net.create_tap("vnet%d", 1, true).unwrap();
        let b = net.create_tap("vnet%d", 1, true).unwrap();
        assert_eq!((a.name.as_str(), b.name.as_str()), ("vnet0", "vnet1"));
        drop(a);
        let c = net.create_tap("vnet%d", 1, true).unwrap();
        assert_eq!(c.name, "vnet0");
    }

    #[test]
    fn test_fake_create_tap_multiqueue_returns_one_fd_per_queue() {
        let net = FakeHostNet::new();
        let tap = net.create_tap("vnet%d", 3, false).unwrap();
        assert_eq!(tap.fds.len(), 3);
        assert_eq!(
            net.link("vnet0").unwrap().kind,
            FakeLinkKind::Tap {
                queues: 3,
                vnet_hdr: false
            }
        );
    }

    #[test]
    fn test_fake_create_tap_zero_queues_means_one() {
        let net = FakeHostNet::new();
        assert_eq!(net.create_tap("t%d", 0, true).unwrap().fds.len(), 1);
    }

    #[test]
    fn test_fake_tap_all_fds_dropped_is_gone() {
        let net = FakeHostNet::new();
        let mut tap = net.create_tap("vnet%d", 2, true).unwrap();
        let last = tap.fds.pop().unwrap();
        drop(tap);
        assert!(net.link("vnet0").is_some(), "one queue still open");
        drop(last);
        assert!(net.link("vnet0").is_none());
        assert!(net.links().is_empty());
    }

    #[test]
    fn test_fake_create_tap_fixed_name_taken_is_busy() {
        let net = FakeHostNet::new().with_bridge("br0", 1500);
        let e = net.create_tap("br0", 1, true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Unable to create tap device br0: Device or resource busy"
        );
    }

    #[test]
    fn test_fake_create_tap_long_name_is_erange_like_libvirt() {
        let net = FakeHostNet::new();
        let e = net.create_tap("a-very-long-name%d", 1, true).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::ERANGE));
        assert!(
            e.to_string()
                .starts_with("Network interface name 'a-very-long-name%d' is too long")
        );
    }

    #[test]
    fn test_fake_missing_device_errors_use_libvirt_wording() {
        let net = FakeHostNet::new().with_bridge("br0", 1500);
        let cases: Vec<(HostNetError, &str)> = vec![
            (
                net.mtu("br9").unwrap_err(),
                "Cannot get interface MTU on 'br9': No such device",
            ),
            (
                net.set_mtu("x", 1).unwrap_err(),
                "Cannot set interface MTU on 'x': No such device",
            ),
            (
                net.set_mac("x", [0xfe, 0, 0, 0, 0, 1]).unwrap_err(),
                "Cannot set interface MAC to fe:00:00:00:00:01 on 'x': No such device",
            ),
            (
                net.attach_to_bridge("x", "br9").unwrap_err(),
                "Unable to add bridge br9 port x: No such device",
            ),
            (
                net.attach_to_bridge("x", "br0").unwrap_err(),
                "Unable to get interface index for x: No such device",
            ),
            (
                net.detach_from_bridge("x").unwrap_err(),
                "Unable to get interface index for x: No such device",
            ),
            (
                net.master_of("x").unwrap_err(),
                "Unable to get index for interface x: No such device",
            ),
            (
                net.set_up("x", true).unwrap_err(),
                "Cannot get interface flags on 'x': No such device",
            ),
            (
                net.delete_link("x").unwrap_err(),
                "error destroying network device x: No such device",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(enodev_text(&e), want);
        }
    }

    #[test]
    fn test_fake_attach_to_non_bridge_is_not_supported() {
        let net = FakeHostNet::new();
        net.add_device("eth0", 1500);
        let tap = net.create_tap("vnet%d", 1, true).unwrap();
        let e = net.attach_to_bridge(&tap.name, "eth0").unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP));
    }

    #[test]
    fn test_fake_attach_detach_master_of_track_master() {
        let net = FakeHostNet::new()
            .with_bridge("br0", 1500)
            .with_bridge("br1", 1500);
        let tap = net.create_tap("vnet%d", 1, true).unwrap();
        assert_eq!(net.master_of("vnet0").unwrap(), None);
        net.attach_to_bridge("vnet0", "br0").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br0"));
        net.detach_from_bridge("vnet0").unwrap();
        net.detach_from_bridge("vnet0").unwrap(); // detached already: no-op
        net.attach_to_bridge("vnet0", "br1").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br1"));
        drop(tap);
    }

    #[test]
    fn test_fake_delete_bridge_releases_ports() {
        let net = FakeHostNet::new().with_bridge("br0", 1500);
        let _tap = net.create_tap("vnet%d", 1, true).unwrap();
        net.attach_to_bridge("vnet0", "br0").unwrap();
        net.delete_link("br0").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap(), None);
        assert!(!net.bridge_exists("br0"));
    }

    #[test]
    fn test_fake_bridge_exists_only_for_bridges() {
        let net = FakeHostNet::new().with_bridge("br0", 1500);
        net.add_device("eth0", 1500);
        assert!(net.bridge_exists("br0"));
        assert!(!net.bridge_exists("eth0"));
        assert!(!net.bridge_exists("br9"));
    }

    #[test]
    fn test_fake_fail_on_fails_every_call_until_cleared_and_logs_it() {
        let net = FakeHostNet::new().with_bridge("br0", 1400);
        let err = HostNetError::Netlink {
            op: "boom".into(),
            errno: Errno::EIO,
        };
        net.fail_on(HostNetOp::Mtu, err.clone());
        net.fail_on(HostNetOp::BridgeExists, err.clone());
        assert_eq!(net.mtu("br0"), Err(err.clone()));
        assert_eq!(net.mtu("br0"), Err(err));
        assert!(!net.bridge_exists("br0"));
        net.clear_failures();
        assert_eq!(net.mtu("br0"), Ok(1400));
        assert!(net.bridge_exists("br0"));
        assert_eq!(net.calls().len(), 5);
        assert_eq!(net.take_calls().len(), 5);
        assert!(net.calls().is_empty());
    }

    #[test]
    fn test_fake_set_up_mtu_mac_change_the_link() {
        let net = FakeHostNet::new();
        let _tap = net.create_tap("vnet%d", 1, true).unwrap();
        net.set_mac("vnet0", [0xfe, 1, 2, 3, 4, 5]).unwrap();
        net.set_mtu("vnet0", 9000).unwrap();
        net.set_up("vnet0", true).unwrap();
        let l = net.link("vnet0").unwrap();
        assert_eq!((l.mac, l.mtu, l.up), ([0xfe, 1, 2, 3, 4, 5], 9000, true));
        net.set_up("vnet0", false).unwrap();
        assert!(!net.link("vnet0").unwrap().up);
    }
}
