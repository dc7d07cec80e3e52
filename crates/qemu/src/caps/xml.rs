//! `virConnectGetCapabilities` for the QEMU driver, in libvirt 9.0's layout
//! (`virCapabilitiesFormatXML`).

use std::sync::Arc;

use oxvirt_xml::XmlWriter;

use super::parse::{arch_order, arch_wordsize};
use super::{HostFacts, QemuCaps};

/// The capabilities XML of `qemu:///system`: the host, then one `<guest>` per binary in
/// libvirt's architecture order (`i686` before `x86_64`), each listing its machine types
/// as libvirt does (the default first; an aliased machine as its canonical entry followed
/// by the alias entry naming it), `<domain type='qemu'/>`, and `<domain type='kvm'/>`
/// when KVM works.
pub fn capabilities_xml(host: &HostFacts, caps: &[Arc<QemuCaps>]) -> String {
    let mut w = XmlWriter::with_capacity(16 * 1024);
    w.start("capabilities").open_body();
    blank_line(&mut w);
    write_host(&mut w, host);
    blank_line(&mut w);
    let mut guests: Vec<&QemuCaps> = caps.iter().map(AsRef::as_ref).collect();
    guests.sort_by_key(|c| arch_order(&c.arch));
    for guest in guests {
        write_guest(&mut w, guest);
        blank_line(&mut w);
    }
    w.end();
    w.finish()
}

/// libvirt separates the top-level parts with an empty line.
fn blank_line(w: &mut XmlWriter) {
    w.raw_lines("\n");
}

fn write_host(w: &mut XmlWriter, host: &HostFacts) {
    w.start("host");
    w.text_element("uuid", &host.uuid);

    let cpu = &host.cpu;
    w.start("cpu");
    w.text_element("arch", &host.arch);
    w.text_element_opt("model", cpu.model.as_deref());
    w.text_element_opt("vendor", cpu.vendor.as_deref());
    if let Some(v) = cpu.microcode {
        w.start("microcode").attr_display("version", v).end();
    }
    if let Some((family, model, stepping)) = cpu.signature {
        w.start("signature")
            .attr_display("family", family)
            .attr_display("model", model)
            .attr_display("stepping", stepping)
            .end();
    }
    let t = cpu.topology;
    if t.sockets > 0 && t.dies > 0 && t.cores > 0 && t.threads > 0 {
        w.start("topology")
            .attr_display("sockets", t.sockets)
            .attr_display("dies", t.dies)
            .attr_display("cores", t.cores)
            .attr_display("threads", t.threads)
            .end();
    }
    if let Some(bits) = cpu.phys_addr_bits {
        w.start("maxphysaddr")
            .attr("mode", "emulate")
            .attr_display("bits", bits)
            .end();
    }
    for size in &cpu.page_sizes_kib {
        w.start("pages")
            .attr("unit", "KiB")
            .attr_display("size", size)
            .end();
    }
    w.end();

    // No suspend support is probed (libvirt asks pm-utils or systemd over D-Bus).
    w.start("power_management").end();
    w.start("iommu")
        .attr("support", if host.iommu { "yes" } else { "no" })
        .end();
    w.start("migration_features");
    w.start("live").end();
    w.start("uri_transports");
    w.text_element("uri_transport", "tcp");
    w.text_element("uri_transport", "rdma");
    w.end();
    w.end();

    w.start("topology");
    w.start("cells").attr_display("num", host.cells.len());
    for cell in &host.cells {
        w.start("cell").attr_display("id", cell.id);
        w.start("memory")
            .attr("unit", "KiB")
            .text(&cell.memory_kib.to_string())
            .end();
        for (size, count) in &cell.pages {
            w.start("pages")
                .attr("unit", "KiB")
                .attr_display("size", size)
                .text(&count.to_string())
                .end();
        }
        if !cell.distances.is_empty() {
            w.start("distances");
            for (node, value) in &cell.distances {
                w.start("sibling")
                    .attr_display("id", node)
                    .attr_display("value", value)
                    .end();
            }
            w.end();
        }
        w.start("cpus").attr_display("num", cell.cpus.len());
        for c in &cell.cpus {
            w.start("cpu").attr_display("id", c.id);
            if let Some(loc) = &c.location {
                w.attr_display("socket_id", loc.socket_id)
                    .attr_display("die_id", loc.die_id)
                    .attr_display("core_id", loc.core_id)
                    .attr("siblings", &loc.siblings);
            }
            w.end();
        }
        w.end();
        w.end();
    }
    w.end();
    w.end();

    if !host.cache_banks.is_empty() {
        w.start("cache");
        for bank in &host.cache_banks {
            let (size, unit) = pretty_size(bank.size_bytes);
            w.start("bank")
                .attr_display("id", bank.id)
                .attr_display("level", bank.level)
                .attr("type", &bank.kind)
                .attr_display("size", size)
                .attr("unit", unit)
                .attr("cpus", &bank.cpus)
                .end();
        }
        w.end();
    }

    w.start("secmodel");
    w.text_element("model", "none");
    w.text_element("doi", "0");
    w.end();
    if let Some(label) = &host.dac_label {
        w.start("secmodel");
        w.text_element("model", "dac");
        w.text_element("doi", "0");
        w.start("baselabel").attr("type", "kvm").text(label).end();
        w.start("baselabel").attr("type", "qemu").text(label).end();
        w.end();
    }
    w.end();
}

/// The largest binary unit that divides `bytes` exactly (libvirt's `virFormatIntPretty`).
fn pretty_size(bytes: u64) -> (u64, &'static str) {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes;
    let mut i = 0;
    while v != 0 && v.is_multiple_of(1024) && i + 1 < UNITS.len() {
        v /= 1024;
        i += 1;
    }
    (v, UNITS[i])
}

fn write_guest(w: &mut XmlWriter, caps: &QemuCaps) {
    let arch = caps.arch.as_str();
    let x86 = matches!(arch, "i686" | "x86_64");
    w.start("guest");
    w.text_element("os_type", "hvm");
    w.start("arch").attr("name", arch);
    if let Some(bits) = arch_wordsize(arch) {
        w.text_element("wordsize", &bits.to_string());
    }
    w.text_element("emulator", &caps.emulator.to_string_lossy());
    for m in &caps.machines {
        // virQEMUCapsGetMachineTypesCaps: the alias entry names its canonical machine,
        // and the canonical name gets an entry of its own just before it.
        machine(w, None, m.max_cpus, m.deprecated, &m.name);
        if let Some(alias) = &m.alias {
            machine(w, Some(&m.name), m.max_cpus, m.deprecated, alias);
        }
    }
    w.start("domain").attr("type", "qemu").end();
    if caps.kvm {
        w.start("domain").attr("type", "kvm").end();
    }
    w.end();

    // virQEMUCapsInitGuestFromBinary's features, in the order libvirt prints them.
    w.start("features");
    if arch == "i686" {
        w.start("pae").end();
        w.start("nonpae").end();
    }
    if x86 || arch == "aarch64" {
        w.start("acpi")
            .attr("default", "on")
            .attr("toggle", "yes")
            .end();
    }
    if x86 {
        w.start("apic")
            .attr("default", "on")
            .attr("toggle", "no")
            .end();
    }
    w.start("cpuselection").end();
    w.start("deviceboot").end();
    w.start("disksnapshot")
        .attr("default", "on")
        .attr("toggle", "no")
        .end();
    w.end();
    w.end();
}

fn machine(
    w: &mut XmlWriter,
    canonical: Option<&str>,
    max_cpus: u32,
    deprecated: bool,
    name: &str,
) {
    w.start("machine");
    w.attr_opt("canonical", canonical);
    if max_cpus > 0 {
        w.attr_display("maxCpus", max_cpus);
    }
    if deprecated {
        w.attr("deprecated", "yes");
    }
    w.text(name).end();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_pretty_size_picks_largest_exact_unit() {
        assert_eq!(pretty_size(32 << 20), (32, "MiB"));
        assert_eq!(pretty_size(1536 << 10), (1536, "KiB"));
        assert_eq!(pretty_size(1000), (1000, "B"));
        assert_eq!(pretty_size(0), (0, "B"));
    }
}
