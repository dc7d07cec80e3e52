//! Host networking for guest NICs: the host side of `<interface type='bridge'>` (and later
//! `type='ethernet'`), as libvirt 9.0's `virnetdevtap.c`, `virnetdevbridge.c` and
//! `virnetdev.c` do it on Linux.
//!
//! The crate owns:
//! - tap devices: created through `/dev/net/tun` (`TUNSETIFF` with
//!   `IFF_TAP|IFF_NO_PI`, `IFF_VNET_HDR` for virtio, `IFF_MULTI_QUEUE` and one descriptor
//!   per queue when there are several), never persistent, so a tap disappears when the last
//!   of its descriptors (QEMU's) is closed;
//! - link properties and bridge ports: MAC, MTU, up/down, attaching to and detaching from a
//!   bridge, deleting a link, all through its own minimal rtnetlink client
//!   (`RTM_GETLINK`/`RTM_SETLINK`/`RTM_NEWLINK`/`RTM_DELLINK`);
//! - libvirt's error wording for those operations ([`HostNetError`], reported as
//!   `VIR_ERR_SYSTEM_ERROR` from `VIR_FROM_NONE` by [`HostNetError::to_vir`]).
//!
//! Callers go through the [`HostNet`] trait: [`LinuxHostNet`] is the real host (acting in the
//! network namespace of the calling thread), [`FakeHostNet`] an in-memory stand-in that logs
//! calls for the unit tests of other crates.
//!
//! # How a bridge NIC is set up
//!
//! Before QEMU is started, [`setup_bridge_tap`] does what `virNetDevTapCreateInBridgePort`
//! does:
//! 1. create the tap from the template `vnet%d` (the kernel picks the number), one
//!    descriptor per queue;
//! 2. set its MAC to the guest's with the first byte replaced by `0xFE` (`0xFA` if the
//!    guest's already starts with `0xFE`), so the bridge, which takes the lowest MAC of its
//!    ports, never adopts the guest's address;
//! 3. read the bridge's MTU and give it to the tap, so that attaching the tap cannot lower
//!    the bridge's MTU (a missing bridge fails here: `Cannot get interface MTU on 'br9': No
//!    such device`);
//! 4. attach the tap to the bridge and set it up.
//!
//! If any step fails the tap's descriptors are dropped, which removes the tap: nothing is
//! left behind. On success the caller passes [`Tap::fds`] to QEMU (`-netdev tap,fd=N` or
//! `fds=a:b`); the descriptors are close-on-exec, so the launcher must clear that flag for
//! the ones it hands over. Changing the bridge of a running NIC is [`move_tap_to_bridge`],
//! done on the host only (no QMP).

use std::os::fd::OwnedFd;

mod error;
mod fake;
mod linux;
mod netlink;
mod sys;

pub use error::HostNetError;
pub use fake::{FakeHostNet, FakeLink, FakeLinkKind, HostNetCall, HostNetOp};
pub use linux::{LinkInfo, LinuxHostNet, TUN_PATH};

/// A tap device and its open queue descriptors (one per queue). The device exists as long
/// as any of the descriptors is open.
#[derive(Debug)]
pub struct Tap {
    /// The device's name, e.g. `vnet0`.
    pub name: String,
    /// One descriptor of `/dev/net/tun` per queue, close-on-exec.
    pub fds: Vec<OwnedFd>,
}

/// The host's networking as the QEMU driver needs it. Every method acts on links by name and
/// fails with libvirt's wording of that operation.
pub trait HostNet: Send + Sync {
    /// Whether a bridge of this name exists (false for any other kind of link).
    fn bridge_exists(&self, bridge: &str) -> bool;

    /// Creates a tap device named `template` (`%d` is replaced by the kernel with the lowest
    /// free number) with `queues` descriptors (0 counts as 1; more than 1 asks for
    /// `IFF_MULTI_QUEUE`), with `IFF_VNET_HDR` if `vnet_hdr`. The tap is not persistent.
    fn create_tap(&self, template: &str, queues: u32, vnet_hdr: bool) -> Result<Tap, HostNetError>;

    /// Sets the link's MAC address.
    fn set_mac(&self, ifname: &str, mac: [u8; 6]) -> Result<(), HostNetError>;

    /// The link's MTU.
    fn mtu(&self, ifname: &str) -> Result<u32, HostNetError>;

    /// Sets the link's MTU.
    fn set_mtu(&self, ifname: &str, mtu: u32) -> Result<(), HostNetError>;

    /// Makes the link a port of `bridge` (moving it if it is a port of another one).
    fn attach_to_bridge(&self, ifname: &str, bridge: &str) -> Result<(), HostNetError>;

    /// Removes the link from its bridge; nothing to do if it has none.
    fn detach_from_bridge(&self, ifname: &str) -> Result<(), HostNetError>;

    /// The name of the link's master (its bridge), if it has one.
    fn master_of(&self, ifname: &str) -> Result<Option<String>, HostNetError>;

    /// Sets the link administratively up or down.
    fn set_up(&self, ifname: &str, up: bool) -> Result<(), HostNetError>;

    /// Deletes the link.
    fn delete_link(&self, ifname: &str) -> Result<(), HostNetError>;
}

/// `aa:bb:cc:dd:ee:ff`, lowercase, as libvirt's `virMacAddrFormat`.
pub fn format_mac(mac: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

/// The MAC libvirt gives a guest's tap: the guest's with the first byte `0xFE`, or `0xFA`
/// when the guest's first byte is already `0xFE`.
pub fn tap_mac(guest_mac: [u8; 6]) -> [u8; 6] {
    let mut mac = guest_mac;
    mac[0] = if mac[0] == 0xFE { 0xFA } else { 0xFE };
    mac
}

/// What [`setup_bridge_tap_with`] may do differently from libvirt's default bridge NIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeTapOptions {
    /// The tap's name or name template (`<target dev=…/>`); default `vnet%d`.
    pub template: String,
    /// `IFF_VNET_HDR`: libvirt asks for it for virtio NICs only; default true.
    pub vnet_hdr: bool,
    /// `<mtu size=…/>`: the tap's MTU instead of the bridge's; default none.
    pub mtu: Option<u32>,
}

impl Default for BridgeTapOptions {
    fn default() -> Self {
        Self {
            template: "vnet%d".to_owned(),
            vnet_hdr: true,
            mtu: None,
        }
    }
}

/// libvirt's bridge NIC setup in one call: the tap created (`vnet%d`, `IFF_VNET_HDR`,
/// `queues` descriptors), its MAC `fe:…`, the bridge's MTU, attached to `bridge`, up. On any
/// failure nothing is left: the tap's descriptors are dropped and the tap with them.
pub fn setup_bridge_tap(
    net: &dyn HostNet,
    bridge: &str,
    guest_mac: [u8; 6],
    queues: u32,
) -> Result<Tap, HostNetError> {
    setup_bridge_tap_with(net, bridge, guest_mac, queues, &BridgeTapOptions::default())
}

/// [`setup_bridge_tap`] with a name template, `IFF_VNET_HDR` and MTU of the caller's choice.
pub fn setup_bridge_tap_with(
    net: &dyn HostNet,
    bridge: &str,
    guest_mac: [u8; 6],
    queues: u32,
    opts: &BridgeTapOptions,
) -> Result<Tap, HostNetError> {
    let tap = net.create_tap(&opts.template, queues, opts.vnet_hdr)?;
    // From here on an early return drops `tap`, closing its descriptors: the kernel then
    // removes the device, bridge port included.
    net.set_mac(&tap.name, tap_mac(guest_mac))?;
    let mtu = match opts.mtu {
        Some(mtu) => mtu,
        None => net.mtu(bridge)?,
    };
    net.set_mtu(&tap.name, mtu)?;
    net.attach_to_bridge(&tap.name, bridge)?;
    net.set_up(&tap.name, true)?;
    tracing::debug!(tap = %tap.name, bridge, mtu, "tap attached to bridge");
    Ok(tap)
}

/// libvirt's `<interface type='ethernet'>` setup: a tap on no bridge, with the fe: MAC,
/// up (the MTU stays the kernel's unless `opts.mtu` says otherwise). On failure the tap is
/// gone with its descriptors.
pub fn setup_ethernet_tap(
    net: &dyn HostNet,
    guest_mac: [u8; 6],
    queues: u32,
    opts: &BridgeTapOptions,
) -> Result<Tap, HostNetError> {
    let tap = net.create_tap(&opts.template, queues, opts.vnet_hdr)?;
    net.set_mac(&tap.name, tap_mac(guest_mac))?;
    if let Some(mtu) = opts.mtu {
        net.set_mtu(&tap.name, mtu)?;
    }
    net.set_up(&tap.name, true)?;
    tracing::debug!(tap = %tap.name, "ethernet tap up");
    Ok(tap)
}

/// Moves a running NIC's tap to `bridge`, as `qemuDomainChangeNetBridge` does: detach from
/// the current bridge (a failure there is only logged, the old bridge may be gone), attach
/// to the new one, and if that fails put the tap back on the old bridge and return the
/// error. Checking that `bridge` exists first (libvirt's "bridge %s doesn't exist",
/// `VIR_ERR_OPERATION_FAILED`) is the caller's part, with [`HostNet::bridge_exists`].
pub fn move_tap_to_bridge(
    net: &dyn HostNet,
    ifname: &str,
    bridge: &str,
) -> Result<(), HostNetError> {
    let old = net.master_of(ifname)?;
    tracing::debug!(
        "Change bridge for interface {ifname}: {} -> {bridge}",
        old.as_deref().unwrap_or("(none)")
    );
    if old.as_deref() == Some(bridge) {
        return Ok(());
    }
    if let Some(old) = &old
        && let Err(e) = net.detach_from_bridge(ifname)
    {
        tracing::warn!("Unable to detach device {ifname} from bridge {old}: {e}");
    }
    if let Err(e) = net.attach_to_bridge(ifname, bridge) {
        if let Some(old) = &old
            && let Err(back) = net.attach_to_bridge(ifname, old)
        {
            tracing::warn!("Unable to put {ifname} back on bridge {old}: {back}");
        }
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::errno::Errno;

    const GUEST: [u8; 6] = [0x52, 0x54, 0x00, 0xf4, 0xd0, 0x72];

    #[test]
    fn test_setup_ethernet_tap_fake_mac_up_no_bridge() {
        let net = FakeHostNet::new();

        let tap = setup_ethernet_tap(
            &net,
            [0x52, 0x54, 0, 1, 2, 3],
            1,
            &BridgeTapOptions::default(),
        )
        .unwrap();

        let link = net.link(&tap.name).expect("tap exists");
        assert_eq!(
            (link.mac, link.up, link.master),
            ([0xfe, 0x54, 0, 1, 2, 3], true, None)
        );
    }

    fn boom() -> HostNetError {
        HostNetError::Netlink {
            op: "injected".into(),
            errno: Errno::EIO,
        }
    }

    fn expected_calls(queues: u32) -> Vec<HostNetCall> {
        vec![
            HostNetCall::CreateTap {
                template: "vnet%d".into(),
                queues,
                vnet_hdr: true,
            },
            HostNetCall::SetMac {
                ifname: "vnet0".into(),
                mac: [0xfe, 0x54, 0x00, 0xf4, 0xd0, 0x72],
            },
            HostNetCall::Mtu {
                ifname: "br0".into(),
            },
            HostNetCall::SetMtu {
                ifname: "vnet0".into(),
                mtu: 1400,
            },
            HostNetCall::AttachToBridge {
                ifname: "vnet0".into(),
                bridge: "br0".into(),
            },
            HostNetCall::SetUp {
                ifname: "vnet0".into(),
                up: true,
            },
        ]
    }

    #[test]
    fn test_tap_mac_guest_mac_gets_fe_or_fa() {
        assert_eq!(tap_mac(GUEST), [0xfe, 0x54, 0x00, 0xf4, 0xd0, 0x72]);
        assert_eq!(tap_mac([0xfe, 1, 2, 3, 4, 5]), [0xfa, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn test_format_mac_bytes_lowercase_colon_separated() {
        assert_eq!(
            format_mac([0xfe, 0x54, 0, 0xAB, 0xd0, 0x7]),
            "fe:54:00:ab:d0:07"
        );
    }

    #[test]
    fn test_setup_bridge_tap_fake_calls_in_libvirt_order() {
        let net = FakeHostNet::new().with_bridge("br0", 1400);
        let tap = setup_bridge_tap(&net, "br0", GUEST, 2).unwrap();
        assert_eq!(tap.name, "vnet0");
        assert_eq!(tap.fds.len(), 2);
        assert_eq!(net.calls(), expected_calls(2));
        let link = net.link("vnet0").unwrap();
        assert_eq!(link.mac, [0xfe, 0x54, 0x00, 0xf4, 0xd0, 0x72]);
        assert_eq!(link.mtu, 1400);
        assert_eq!(link.master.as_deref(), Some("br0"));
        assert!(link.up);
    }

    #[test]
    fn test_setup_bridge_tap_failure_at_each_step_leaves_no_tap() {
        let ops = [
            HostNetOp::CreateTap,
            HostNetOp::SetMac,
            HostNetOp::Mtu,
            HostNetOp::SetMtu,
            HostNetOp::AttachToBridge,
            HostNetOp::SetUp,
        ];
        for (step, op) in ops.into_iter().enumerate() {
            let net = FakeHostNet::new().with_bridge("br0", 1400);
            net.fail_on(op, boom());
            let err = setup_bridge_tap(&net, "br0", GUEST, 1).unwrap_err();
            assert_eq!(err, boom(), "{op:?}");
            // The calls stop at the failing step...
            assert_eq!(net.calls(), expected_calls(1)[..=step].to_vec(), "{op:?}");
            // ...and only the bridge is left.
            let names: Vec<String> = net.links().into_iter().map(|l| l.name).collect();
            assert_eq!(names, ["br0"], "{op:?}");
        }
    }

    #[test]
    fn test_setup_bridge_tap_missing_bridge_gives_libvirt_error_and_no_tap() {
        let net = FakeHostNet::new();
        let err = setup_bridge_tap(&net, "br9", GUEST, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot get interface MTU on 'br9': No such device"
        );
        assert!(net.links().is_empty());
        let vir = err.to_vir();
        assert_eq!(vir.code, oxvirt_error::ErrorNumber::SystemError);
        assert_eq!(vir.domain, oxvirt_error::ErrorDomain::None);
    }

    #[test]
    fn test_setup_bridge_tap_with_explicit_mtu_skips_bridge_mtu() {
        let net = FakeHostNet::new().with_bridge("br0", 1400);
        let opts = BridgeTapOptions {
            template: "mytap%d".into(),
            vnet_hdr: false,
            mtu: Some(9000),
        };
        let tap = setup_bridge_tap_with(&net, "br0", GUEST, 1, &opts).unwrap();
        assert_eq!(tap.name, "mytap0");
        let calls = net.calls();
        assert!(!calls.iter().any(|c| c.op() == HostNetOp::Mtu));
        assert!(calls.contains(&HostNetCall::CreateTap {
            template: "mytap%d".into(),
            queues: 1,
            vnet_hdr: false
        }));
        assert_eq!(net.link("mytap0").unwrap().mtu, 9000);
    }

    #[test]
    fn test_move_tap_to_bridge_fake_detaches_then_attaches() {
        let net = FakeHostNet::new()
            .with_bridge("br0", 1500)
            .with_bridge("br1", 1500);
        let _tap = setup_bridge_tap(&net, "br0", GUEST, 1).unwrap();
        net.take_calls();
        move_tap_to_bridge(&net, "vnet0", "br1").unwrap();
        assert_eq!(
            net.calls(),
            vec![
                HostNetCall::MasterOf {
                    ifname: "vnet0".into()
                },
                HostNetCall::DetachFromBridge {
                    ifname: "vnet0".into()
                },
                HostNetCall::AttachToBridge {
                    ifname: "vnet0".into(),
                    bridge: "br1".into()
                },
            ]
        );
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br1"));
    }

    #[test]
    fn test_move_tap_to_bridge_same_bridge_does_nothing() {
        let net = FakeHostNet::new().with_bridge("br0", 1500);
        let _tap = setup_bridge_tap(&net, "br0", GUEST, 1).unwrap();
        net.take_calls();
        move_tap_to_bridge(&net, "vnet0", "br0").unwrap();
        assert_eq!(net.calls().len(), 1);
    }

    #[test]
    fn test_move_tap_to_bridge_attach_failure_returns_to_old_bridge() {
        let net = FakeHostNet::new().with_bridge("br0", 1500);
        let _tap = setup_bridge_tap(&net, "br0", GUEST, 1).unwrap();
        let err = move_tap_to_bridge(&net, "vnet0", "br9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to add bridge br9 port vnet0: No such device"
        );
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br0"));
    }

    #[test]
    fn test_move_tap_to_bridge_detach_failure_is_only_a_warning() {
        let net = FakeHostNet::new()
            .with_bridge("br0", 1500)
            .with_bridge("br1", 1500);
        let _tap = setup_bridge_tap(&net, "br0", GUEST, 1).unwrap();
        net.fail_on(HostNetOp::DetachFromBridge, boom());
        move_tap_to_bridge(&net, "vnet0", "br1").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br1"));
    }

    #[test]
    fn test_host_net_impls_any_are_send_sync() {
        fn assert_send_sync<T: Send + Sync + ?Sized>() {}
        assert_send_sync::<dyn HostNet>();
        assert_send_sync::<FakeHostNet>();
        assert_send_sync::<LinuxHostNet>();
    }
}
