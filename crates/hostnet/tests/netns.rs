//! `LinuxHostNet` against the real kernel. Every test runs in a thread of its own that first
//! moves into a fresh network namespace (`unshare(CLONE_NEWNET)`), so the host's interfaces
//! are never touched; the namespace, and everything made in it, goes away with the thread.
//! Bridges are made with the crate's own `RTM_NEWLINK`; `ip` (run from the same thread, so
//! in the same namespace) is used as an independent witness where it is installed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sched::{CloneFlags, unshare};
use oxvirt_hostnet::{HostNet, LinuxHostNet, move_tap_to_bridge, setup_bridge_tap};
use oxvirt_testutil::skip;

const GUEST: [u8; 6] = [0x52, 0x54, 0x00, 0xf4, 0xd0, 0x72];

/// Runs `f` in a new thread inside a fresh network namespace, or skips.
fn in_netns(f: impl FnOnce(&LinuxHostNet) + Send + 'static) {
    if !nix::unistd::Uid::effective().is_root() {
        skip("needs root");
        return;
    }
    if !Path::new(oxvirt_hostnet::TUN_PATH).exists() {
        skip("/dev/net/tun is missing (tun module not loaded?): cannot create tap devices");
        return;
    }
    let joined = std::thread::spawn(move || match unshare(CloneFlags::CLONE_NEWNET) {
        Ok(()) => {
            f(&LinuxHostNet);
            true
        }
        Err(e) => {
            skip(&format!("cannot unshare a network namespace: {e}"));
            false
        }
    })
    .join();
    if let Err(panic) = joined {
        std::panic::resume_unwind(panic);
    }
}

/// `ip ARGS` in the calling thread's namespace; None if `ip` is not installed.
fn ip(args: &[&str]) -> Option<String> {
    let out = Command::new("ip").args(args).output().ok()?;
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn bridge(net: &LinuxHostNet, name: &str, mtu: Option<u32>) {
    net.create_bridge(name).unwrap();
    if let Some(mtu) = mtu {
        net.set_mtu(name, mtu).unwrap();
    }
}

/// Waits (briefly) until `ifname` no longer exists.
fn gone(net: &LinuxHostNet, ifname: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match net.link(ifname) {
            Err(e) if e.errno() == Some(Errno::ENODEV) => return true,
            Err(e) => panic!("{e}"),
            Ok(_) if Instant::now() > deadline => return false,
            Ok(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

#[test]
fn test_create_tap_template_in_fresh_netns_gets_vnet0_with_vnet_hdr() {
    in_netns(|net| {
        let tap = net.create_tap("vnet%d", 1, true).unwrap();
        assert_eq!(tap.name, "vnet0");
        assert_eq!(tap.fds.len(), 1);
        let info = net.link("vnet0").unwrap();
        assert_eq!(info.kind.as_deref(), Some("tun"));
        assert!(!info.up);
        if let Some(out) = ip(&["-d", "link", "show", "vnet0"]) {
            assert!(out.contains("tun type tap pi off vnet_hdr on"), "{out}");
            assert!(out.contains("persist off"), "{out}");
        }
        let second = net.create_tap("vnet%d", 1, false).unwrap();
        assert_eq!(second.name, "vnet1");
        if let Some(out) = ip(&["-d", "link", "show", "vnet1"]) {
            assert!(out.contains("vnet_hdr off"), "{out}");
        }
    });
}

#[test]
fn test_create_tap_two_queues_gives_two_fds_multi_queue() {
    in_netns(|net| {
        let mut tap = net.create_tap("vnet%d", 2, true).unwrap();
        assert_eq!(tap.name, "vnet0");
        assert_eq!(tap.fds.len(), 2);
        if let Some(out) = ip(&["-d", "link", "show", "vnet0"]) {
            assert!(out.contains("multi_queue"), "{out}");
        }
        // One queue closed: the device stays; both closed: it goes.
        let last = tap.fds.pop().unwrap();
        drop(tap);
        assert!(net.link("vnet0").is_ok());
        drop(last);
        assert!(gone(net, "vnet0"));
    });
}

#[test]
fn test_setup_bridge_tap_bridge_mtu_1400_gives_fe_mac_mtu_master_up() {
    in_netns(|net| {
        bridge(net, "br0", Some(1400));
        let tap = setup_bridge_tap(net, "br0", GUEST, 1).unwrap();
        assert_eq!(tap.name, "vnet0");
        let info = net.link("vnet0").unwrap();
        assert_eq!(info.address, [0xfe, 0x54, 0x00, 0xf4, 0xd0, 0x72]);
        assert_eq!(info.mtu, 1400);
        assert!(info.up);
        assert_eq!(info.master, Some(net.link("br0").unwrap().index));
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br0"));
        assert_eq!(net.mtu("br0").unwrap(), 1400);
        if let Some(out) = ip(&["-o", "link", "show", "vnet0"]) {
            assert!(out.contains("mtu 1400"), "{out}");
            assert!(out.contains("master br0"), "{out}");
            assert!(out.contains("link/ether fe:54:00:f4:d0:72"), "{out}");
            assert!(out.contains(",UP"), "{out}");
        }
    });
}

/// What Linux does with a bridge's MTU when a port joins, which is why the tap gets the
/// bridge's MTU before it is attached: a bridge whose MTU was never set follows its smallest
/// port (one with a 1300 port drops to 1300); a bridge whose MTU was set keeps it.
#[test]
fn test_bridge_mtu_port_joins_default_follows_port_set_stays() {
    in_netns(|net| {
        bridge(net, "br0", None);
        assert_eq!(net.mtu("br0").unwrap(), 1500);
        let small = net.create_tap("small%d", 1, true).unwrap();
        net.set_mtu(&small.name, 1300).unwrap();
        net.attach_to_bridge(&small.name, "br0").unwrap();
        assert_eq!(net.mtu("br0").unwrap(), 1300);

        bridge(net, "br1", Some(1400));
        let big = net.create_tap("big%d", 1, true).unwrap();
        net.attach_to_bridge(&big.name, "br1").unwrap();
        assert_eq!(net.mtu("br1").unwrap(), 1400);
        assert_eq!(net.mtu(&big.name).unwrap(), 1500);

        // libvirt's order on a default bridge changes nothing.
        bridge(net, "br2", None);
        let tap = setup_bridge_tap(net, "br2", GUEST, 1).unwrap();
        assert_eq!(net.mtu(&tap.name).unwrap(), 1500);
        assert_eq!(net.mtu("br2").unwrap(), 1500);
    });
}

#[test]
fn test_detach_attach_tap_br0_to_br1_master_follows() {
    in_netns(|net| {
        bridge(net, "br0", None);
        bridge(net, "br1", None);
        let _tap = setup_bridge_tap(net, "br0", GUEST, 1).unwrap();
        net.detach_from_bridge("vnet0").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap(), None);
        net.detach_from_bridge("vnet0").unwrap(); // no master: nothing to do
        net.attach_to_bridge("vnet0", "br1").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br1"));
        if let Some(out) = ip(&["-o", "link", "show", "vnet0"]) {
            assert!(out.contains("master br1"), "{out}");
        }
        // And back with the live-update helper.
        move_tap_to_bridge(net, "vnet0", "br0").unwrap();
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br0"));
        assert!(net.link("vnet0").unwrap().up);
    });
}

#[test]
fn test_move_tap_to_bridge_missing_bridge_stays_on_old() {
    in_netns(|net| {
        bridge(net, "br0", None);
        let _tap = setup_bridge_tap(net, "br0", GUEST, 1).unwrap();
        let e = move_tap_to_bridge(net, "vnet0", "br9").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Unable to add bridge br9 port vnet0: No such device"
        );
        assert_eq!(net.master_of("vnet0").unwrap().as_deref(), Some("br0"));
    });
}

#[test]
fn test_tap_fds_dropped_tap_disappears() {
    in_netns(|net| {
        bridge(net, "br0", None);
        let tap = setup_bridge_tap(net, "br0", GUEST, 1).unwrap();
        assert!(net.link("vnet0").is_ok());
        drop(tap);
        assert!(gone(net, "vnet0"));
        assert!(net.bridge_exists("br0"));
    });
}

#[test]
fn test_setup_bridge_tap_missing_bridge_libvirt_error_no_tap_left() {
    in_netns(|net| {
        let e = setup_bridge_tap(net, "br9", GUEST, 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Cannot get interface MTU on 'br9': No such device"
        );
        let vir = e.to_vir();
        assert_eq!(vir.code, oxvirt_error::ErrorNumber::SystemError);
        assert_eq!(vir.domain, oxvirt_error::ErrorDomain::None);
        assert!(gone(net, "vnet0"));
        if let Some(out) = ip(&["-o", "link", "show"]) {
            assert_eq!(out.lines().count(), 1, "only lo is left: {out}");
        }
    });
}

#[test]
fn test_set_up_false_then_true_toggles_iff_up() {
    in_netns(|net| {
        let _tap = net.create_tap("vnet%d", 1, true).unwrap();
        net.set_up("vnet0", true).unwrap();
        assert!(net.link("vnet0").unwrap().up);
        net.set_up("vnet0", false).unwrap();
        assert!(!net.link("vnet0").unwrap().up);
    });
}

#[test]
fn test_delete_link_open_tap_is_removed() {
    in_netns(|net| {
        let _tap = net.create_tap("vnet%d", 1, true).unwrap();
        net.delete_link("vnet0").unwrap();
        assert!(gone(net, "vnet0"));
        bridge(net, "br0", None);
        net.delete_link("br0").unwrap();
        assert!(!net.bridge_exists("br0"));
    });
}

#[test]
fn test_bridge_exists_bridge_tap_missing_true_false_false() {
    in_netns(|net| {
        bridge(net, "br0", None);
        let _tap = net.create_tap("vnet%d", 1, true).unwrap();
        assert!(net.bridge_exists("br0"));
        assert!(!net.bridge_exists("vnet0"));
        assert!(!net.bridge_exists("br9"));
        assert!(!net.bridge_exists("a-name-far-too-long"));
    });
}

#[test]
fn test_missing_device_errors_match_libvirt_wording() {
    in_netns(|net| {
        bridge(net, "br0", None);
        let cases = [
            (
                net.set_mtu("x", 1400).unwrap_err(),
                "Cannot set interface MTU on 'x': No such device",
            ),
            (
                net.set_mac("x", [0xfe, 0, 0, 0, 0, 1]).unwrap_err(),
                "Cannot set interface MAC to fe:00:00:00:00:01 on 'x': No such device",
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
            assert_eq!(e.to_string(), want);
        }
    });
}

#[test]
fn test_attach_to_bridge_non_bridge_master_is_not_supported() {
    in_netns(|net| {
        let a = net.create_tap("a%d", 1, true).unwrap();
        let b = net.create_tap("b%d", 1, true).unwrap();
        let e = net.attach_to_bridge(&a.name, &b.name).unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP), "{e}");
        assert_eq!(
            e.to_string(),
            "Unable to add bridge b0 port a0: Operation not supported"
        );
    });
}

#[test]
fn test_create_bridge_taken_name_is_eexist() {
    in_netns(|net| {
        bridge(net, "br0", None);
        let e = net.create_bridge("br0").unwrap_err();
        assert_eq!(e.errno(), Some(Errno::EEXIST));
        assert_eq!(
            e.to_string(),
            "error creating bridge interface br0: File exists"
        );
    });
}
