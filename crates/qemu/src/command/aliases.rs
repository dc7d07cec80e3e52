//! Device aliases: the names QEMU knows devices by (`-device …,id=ALIAS`) and that the live
//! XML shows as `<alias name='…'/>` — libvirt's `qemuAssignDeviceAliases` rules.
//!
//! A start calls [`assign_aliases`] on the live definition before building the command
//! line, so the command line, the live XML and later hotplug agree; the builder falls back
//! to the same rules for a definition passed without aliases (`domxml-to-native`).

use oxvirt_conf::domain::devices::DEVICE_ORDER;
use oxvirt_conf::domain::{Device, DeviceAddress, DomainDef, RawDevice};

fn attr_u32(c: &RawDevice, name: &str) -> u32 {
    c.element
        .attr(name)
        .and_then(|i| i.trim().parse().ok())
        .unwrap_or(0)
}

/// A controller: `pci.N` (`pcie.0` for the PCIe root), `usb` for the first USB controller,
/// `ide` for the built-in IDE (i440fx) or SATA (q35) controller, else type and index.
pub(crate) fn controller(c: &RawDevice, q35: bool) -> String {
    let ty = c.element.attr("type").unwrap_or("");
    let idx = attr_u32(c, "index");
    match ty {
        "pci" if idx == 0 && c.element.attr("model") == Some("pcie-root") => "pcie.0".into(),
        "pci" => format!("pci.{idx}"),
        "usb" if idx == 0 => "usb".into(),
        "ide" if idx == 0 && !q35 => "ide".into(),
        "sata" if idx == 0 && q35 => "ide".into(),
        _ => format!("{ty}{idx}"),
    }
}

/// The index a disk target name encodes (`vda` 0, `vdb` 1, `vdaa` 26), as libvirt's
/// `virDiskNameToIndex`.
pub(crate) fn disk_name_index(name: &str) -> Option<u32> {
    let rest = ["fd", "hd", "vd", "sd", "xvd", "ubd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    if rest.is_empty() {
        return None;
    }
    let mut idx: u32 = 0;
    for (i, c) in rest.chars().enumerate() {
        if !c.is_ascii_lowercase() {
            return None;
        }
        let v = c as u32 - 'a' as u32;
        idx = if i == 0 {
            v
        } else {
            idx.checked_add(1)?.checked_mul(26)?.checked_add(v)?
        };
    }
    Some(idx)
}

/// A disk: `virtio-disk<index>`, or `<bus><controller>-<bus>-<unit>` on a drive address.
pub(crate) fn disk(bus: &str, dev: &str, addr: Option<&DeviceAddress>) -> Option<String> {
    match (bus, addr) {
        ("virtio", _) => disk_name_index(dev).map(|i| format!("virtio-disk{i}")),
        (
            "ide" | "sata" | "scsi" | "fdc",
            Some(DeviceAddress::Drive {
                controller,
                bus: b,
                target,
                unit,
            }),
        ) => Some(match bus {
            "scsi" => format!("scsi{controller}-{b}-{target}-{unit}"),
            "fdc" => format!("fdc{controller}-{b}-{unit}"),
            _ => format!("{bus}{controller}-{b}-{unit}"),
        }),
        _ => None,
    }
}

/// Numbers the disks' block nodes as a start does (`libvirt-N-storage`/`-format`, shown as
/// `<source index='N'/>`): from the last disk with a source backwards, from 1. Each gets
/// an empty `<backingStore/>`: backing chains are not followed yet (the command line says
/// `"backing": null`).
pub fn assign_block_nodes(def: &mut DomainDef) {
    let mut next = 1;
    for (_, dev) in def.devices.others.iter_mut().rev() {
        if let Device::Disk(d) = dev
            && d.source.is_some()
        {
            d.source_index = Some(next);
            d.backing_store_end = true;
            next += 1;
        }
    }
}

/// Gives every device of the live definition that has none the alias libvirt's start
/// gives it. Devices QEMU does not get as a `-device` (graphics, audio) get none.
pub fn assign_aliases(def: &mut DomainDef) {
    let q35 = def
        .os
        .machine
        .as_deref()
        .is_some_and(|m| m == "q35" || m.starts_with("pc-q35"));
    for (i, n) in def.devices.interfaces.iter_mut().enumerate() {
        n.info.alias.get_or_insert_with(|| format!("net{i}"));
    }
    let kind = |k: usize| DEVICE_ORDER.get(k).copied().unwrap_or("");
    let mut counters: Vec<(&'static str, u32)> = Vec::new();
    let mut next = |name: &'static str| {
        let slot = match counters.iter_mut().find(|(n, _)| *n == name) {
            Some(s) => s,
            None => {
                counters.push((name, 0));
                counters.last_mut().expect("just pushed")
            }
        };
        slot.1 += 1;
        slot.1 - 1
    };
    let mut first_serial: Option<String> = None;
    for (k, dev) in def.devices.others.iter_mut() {
        match dev {
            Device::Disk(d) => {
                if d.info.alias.is_none() {
                    let (bus, target) = (
                        d.bus().unwrap_or("").to_owned(),
                        d.dev().unwrap_or("").to_owned(),
                    );
                    d.info.alias = disk(&bus, &target, d.info.address.as_ref());
                }
            }
            Device::Vnc(_) => {}
            Device::Raw(r) => {
                let alias = match kind(*k) {
                    "controller" => Some(controller(r, q35)),
                    "input" => Some(format!("input{}", next("input"))),
                    "serial" => {
                        let a = format!("serial{}", next("serial"));
                        first_serial.get_or_insert_with(|| a.clone());
                        Some(a)
                    }
                    // The first console of an HVM guest is the first serial port.
                    "console" => {
                        let n = next("console");
                        let serial_target = r
                            .element
                            .child("target")
                            .and_then(|t| t.attr("type"))
                            .is_none_or(|t| t == "serial");
                        match (&first_serial, n, serial_target) {
                            (Some(s), 0, true) => Some(s.clone()),
                            _ => Some(format!("console{n}")),
                        }
                    }
                    "video" => Some(format!("video{}", next("video"))),
                    "memballoon" if r.element.attr("model") != Some("none") => {
                        Some("balloon0".into())
                    }
                    "channel" => Some(format!("channel{}", next("channel"))),
                    "rng" => Some(format!("rng{}", next("rng"))),
                    "watchdog" => Some("watchdog0".into()),
                    "sound" => Some(format!("sound{}", next("sound"))),
                    _ => None,
                };
                if r.info.alias.is_none() {
                    r.info.alias = alias;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_disk_name_index_letters_count_base_26() {
        assert_eq!(disk_name_index("vda"), Some(0));
        assert_eq!(disk_name_index("hdc"), Some(2));
        assert_eq!(disk_name_index("sdaa"), Some(26));
        assert_eq!(disk_name_index("vd"), None);
        assert_eq!(disk_name_index("xyz"), None);
    }

    #[test]
    fn test_disk_virtio_and_drive_addresses() {
        let drive = DeviceAddress::Drive {
            controller: 0,
            bus: 1,
            target: 0,
            unit: 0,
        };
        assert_eq!(
            [
                disk("virtio", "vdb", None),
                disk("ide", "hdc", Some(&drive)),
                disk("usb", "sda", None)
            ],
            [Some("virtio-disk1".into()), Some("ide0-1-0".into()), None]
        );
    }
}
