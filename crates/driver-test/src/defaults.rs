//! What `test:///default` starts with: the domain `test`, the network `default`, the fake
//! host (node info, NUMA cells) and the capabilities document built from it.
//!
//! The definitions are written the way libvirt prints them after its parser filled the
//! defaults (`virsh -c test:///default dumpxml test`), so that parsing and printing them back
//! gives libvirt's output byte for byte.

use oxvirt_core::{NodeInfo, SecurityModel};
use oxvirt_xml::XmlWriter;

/// The domain `test`, as libvirt's test driver holds it.
pub(crate) const DEFAULT_DOMAIN_XML: &str = "\
<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
";

/// The network `default`, as libvirt's test driver holds it.
pub(crate) const DEFAULT_NETWORK_XML: &str = "\
<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
";

/// `virConnectGetVersion`: libvirt's test driver reports 2 (`TEST 0.0.2`).
pub(crate) const HV_VERSION: u64 = 2;

/// `virConnectGetMaxVcpus`.
pub(crate) const MAX_VCPUS: i32 = 32;

/// The URI this driver serves.
pub(crate) const URI: &str = "test:///default";

/// The fake host's `virNodeInfo`.
pub(crate) fn node_info() -> NodeInfo {
    NodeInfo {
        model: "i686".to_owned(),
        memory_kib: 3_145_728,
        cpus: 16,
        mhz: 1400,
        nodes: 2,
        sockets: 2,
        cores: 2,
        threads: 2,
    }
}

/// The security model in the capabilities.
pub(crate) fn security_model() -> SecurityModel {
    SecurityModel {
        model: "testSecurity".to_owned(),
        doi: String::new(),
    }
}

/// Host page sizes, KiB. Cell 0 counts its memory in the first, cell 1 in the second;
/// both list the larger ones with no pages.
const PAGE_SIZES: [u64; 4] = [4, 8, 2048, 1_048_576];

/// NUMA cells of the fake host: (memory KiB, CPUs per cell).
const CELLS: [(u64, u32); 2] = [(2_097_152, 8), (4_194_304, 8)];

/// Each NUMA cell's memory (`virNodeGetCellsFreeMemory` reports these).
pub(crate) fn cell_memory_kib() -> Vec<u64> {
    CELLS.iter().map(|(kib, _)| *kib).collect()
}

/// Each NUMA cell's free memory: half its size (`virNodeGetFreeMemory` sums these).
pub(crate) fn cell_free_memory() -> Vec<u64> {
    CELLS.iter().map(|(kib, _)| kib / 2).collect()
}

/// Guest OS types offered, each on i686 with the test emulator.
const GUEST_OS_TYPES: [&str; 2] = ["hvm", "xen"];

/// Builds `virConnectGetCapabilities` for the fake host, in libvirt's layout (blank lines
/// around `<host>` and each `<guest>` included).
pub(crate) fn capabilities() -> String {
    let mut w = XmlWriter::new();
    w.start("capabilities").raw_lines("\n");
    write_host(&mut w);
    w.raw_lines("\n");
    for os_type in GUEST_OS_TYPES {
        write_guest(&mut w, os_type);
        w.raw_lines("\n");
    }
    w.end();
    w.finish()
}

fn write_features(w: &mut XmlWriter) {
    w.start("features");
    w.start("pae").end();
    w.start("nonpae").end();
    w.end();
}

fn write_host(w: &mut XmlWriter) {
    w.start("host");
    w.start("cpu");
    w.text_element("arch", "i686");
    write_features(w);
    for size in PAGE_SIZES {
        w.start("pages")
            .attr("unit", "KiB")
            .attr_display("size", size)
            .end();
    }
    w.end();
    w.start("power_management").end();
    w.start("iommu").attr("support", "no").end();
    w.start("topology");
    w.start("cells").attr_display("num", CELLS.len());
    let mut cpu_id = 0u32;
    for (cell_id, (mem_kib, ncpus)) in CELLS.iter().enumerate() {
        w.start("cell").attr_display("id", cell_id);
        w.start("memory")
            .attr("unit", "KiB")
            .text(&mem_kib.to_string())
            .end();
        // The first page size is cell-specific (4 KiB for cell 0, 8 KiB for cell 1) and
        // holds all of the cell's memory; the huge page sizes hold none.
        let first = PAGE_SIZES[cell_id.min(1)];
        w.start("pages")
            .attr("unit", "KiB")
            .attr_display("size", first)
            .text(&(mem_kib / first).to_string())
            .end();
        for size in &PAGE_SIZES[2..] {
            w.start("pages")
                .attr("unit", "KiB")
                .attr_display("size", size)
                .text("0")
                .end();
        }
        w.start("cpus").attr_display("num", ncpus);
        for core in 0..*ncpus {
            w.start("cpu")
                .attr_display("id", cpu_id)
                .attr_display("socket_id", cell_id)
                .attr("die_id", "0")
                .attr_display("core_id", core)
                .attr_display("siblings", cpu_id)
                .end();
            cpu_id += 1;
        }
        w.end();
        w.end();
    }
    w.end();
    w.end();
    let sec = security_model();
    w.start("secmodel");
    w.text_element("model", &sec.model);
    w.text_element("doi", &sec.doi);
    w.end();
    w.end();
}

fn write_guest(w: &mut XmlWriter, os_type: &str) {
    w.start("guest");
    w.text_element("os_type", os_type);
    w.start("arch").attr("name", "i686");
    w.text_element("wordsize", "32");
    w.text_element("emulator", "/usr/bin/test-hv");
    w.start("domain").attr("type", "test").end();
    w.end();
    write_features(w);
    w.end();
}
