#!/usr/bin/python3
"""Asks stock libvirt how it refuses each invalid <domain> document below and prints the
answers as `rejects!` expectations for ../domain_errors.rs.

The oracle is libvirt's in-process test driver (`virDomainDefineXML` on test:///default,
through python3-libvirt), which runs the same parse, post-parse and validate steps as a
real driver's define. Run: /usr/bin/python3 domain_errors.py > /tmp/cases.rs
"""
import sys

import libvirt

HEAD = "<domain type='test'><name>n</name><memory>1024</memory>"
OS = "<os><type>hvm</type></os>"


def dom(body="", os=OS, head=HEAD):
    return f"{head}{os}{body}</domain>"


def dev(devices):
    return dom(f"<devices>{devices}</devices>")


DISK = "<disk type='file' device='disk'><source file='/x.img'/><target dev='hda'/></disk>"

CASES = [
    # Documents libxml2 cannot parse.
    ("truncated", "<domain type='test'><name>n</name>"),
    ("tag_mismatch", "<domain type='test'>\n<name>n</nam>\n</domain>"),
    ("end_tag_unclosed", "<domain type='test'><name>n</name"),
    ("unquoted_attr", "<domain type=test><name>n</name></domain>"),
    ("duplicate_attr", "<domain type='test' type='kvm'><name>n</name></domain>"),
    ("bare_ampersand", "<domain type='test'><name>a&b</name></domain>"),
    ("extra_content", "<domain type='test'><name>n</name></domain><x/>"),
    ("empty", ""),
    # The root and its attributes.
    ("wrong_root", "<network><name>n</name></network>"),
    ("no_type", "<domain><name>n</name><memory>1024</memory>" + OS + "</domain>"),
    ("bad_type", dom(head="<domain type='bogus'><name>n</name><memory>1024</memory>")),
    # Identity.
    ("no_name", "<domain type='test'><memory>1024</memory>" + OS + "</domain>"),
    ("empty_name", dom(head="<domain type='test'><name></name><memory>1024</memory>")),
    ("slash_name", dom(head="<domain type='test'><name>a/b</name><memory>1024</memory>")),
    ("bad_uuid", dom("<uuid>xyz</uuid>")),
    ("bad_genid", dom("<genid>xyz</genid>")),
    ("title_newline", dom("<title>a\nb</title>")),
    # Memory and vCPUs.
    ("memory_text", dom(head="<domain type='test'><name>n</name><memory>abc</memory>")),
    ("memory_unit", dom(head="<domain type='test'><name>n</name><memory unit='XB'>1</memory>")),
    ("memory_negative", dom(head="<domain type='test'><name>n</name><memory>-1</memory>")),
    ("memory_dumpcore", dom(head="<domain type='test'><name>n</name><memory dumpCore='maybe'>1024</memory>")),
    ("no_memory", dom(head="<domain type='test'><name>n</name>")),
    ("current_memory_text", dom("<currentMemory>x</currentMemory>")),
    ("max_memory_slots", dom("<maxMemory slots='x'>4096</maxMemory>")),
    ("vcpu_text", dom("<vcpu>abc</vcpu>")),
    ("vcpu_zero", dom("<vcpu>0</vcpu>")),
    ("vcpu_current_text", dom("<vcpu current='x'>2</vcpu>")),
    ("vcpu_current_above", dom("<vcpu current='4'>2</vcpu>")),
    ("vcpu_placement", dom("<vcpu placement='bogus'>2</vcpu>")),
    ("vcpu_cpuset", dom("<vcpu cpuset='a-b'>2</vcpu>")),
    ("iothreads_text", dom("<iothreads>x</iothreads>")),
    # <os>.
    ("no_os", dom(os="")),
    ("os_type_bogus", dom(os="<os><type>foo</type></os>")),
    ("os_arch_bogus", dom(os="<os><type arch='foo'>hvm</type></os>")),
    ("os_machine_bogus", dom(os="<os><type machine='foo'>hvm</type></os>")),
    ("boot_dev_bogus", dom(os="<os><type>hvm</type><boot dev='usb'/></os>")),
    ("boot_no_dev", dom(os="<os><type>hvm</type><boot/></os>")),
    ("os_firmware_bogus", dom(os="<os firmware='foo'><type>hvm</type></os>")),
    # Lifecycle, clock, features, CPU.
    ("on_poweroff_bogus", dom("<on_poweroff>explode</on_poweroff>")),
    ("on_reboot_bogus", dom("<on_reboot>explode</on_reboot>")),
    ("on_crash_bogus", dom("<on_crash>explode</on_crash>")),
    ("on_lockfailure_bogus", dom("<on_lockfailure>explode</on_lockfailure>")),
    ("clock_offset_bogus", dom("<clock offset='mars'/>")),
    ("clock_timer_bogus", dom("<clock offset='utc'><timer name='sundial'/></clock>")),
    ("features_unknown", dom("<features><acpi/><bogus/></features>")),
    ("features_apic_eoi", dom("<features><apic eoi='maybe'/></features>")),
    ("cpu_mode_bogus", dom("<cpu mode='bogus'/>")),
    ("cpu_match_bogus", dom("<cpu match='bogus'><model>qemu64</model></cpu>")),
    # Disks.
    ("disk_type_bogus", dev("<disk type='bogus' device='disk'><target dev='hda'/></disk>")),
    ("disk_device_bogus", dev("<disk type='file' device='bogus'><target dev='hda'/></disk>")),
    ("disk_bus_bogus", dev("<disk type='file' device='disk'><target dev='hda' bus='bogus'/></disk>")),
    ("disk_no_target", dev("<disk type='file' device='disk'><source file='/x.img'/></disk>")),
    ("disk_target_no_dev", dev("<disk type='file' device='disk'><target bus='ide'/></disk>")),
    ("disk_dup_target", dev(DISK + DISK)),
    ("disk_addr_controller_text", dev("<disk type='file' device='disk'><target dev='hda'/><address type='drive' controller='x'/></disk>")),
    ("address_type_bogus", dev("<disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='bogus'/></disk>")),
    ("pci_slot_too_large", dev("<disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' domain='0' bus='0' slot='0x20' function='0'/></disk>")),
    ("pci_function_text", dev("<disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' slot='x'/></disk>")),
    # Other devices.
    ("controller_index_text", dev("<controller type='usb' index='x'/>")),
    ("controller_type_bogus", dev("<controller type='bogus' index='0'/>")),
    ("controller_model_bogus", dev("<controller type='usb' index='0' model='bogus'/>")),
    ("graphics_type_bogus", dev("<graphics type='bogus'/>")),
    ("graphics_vnc_port_text", dev("<graphics type='vnc' port='x'/>")),
    ("serial_type_bogus", dev("<serial type='bogus'/>")),
    ("console_target_bogus", dev("<console type='pty'><target type='bogus'/></console>")),
    ("channel_target_bogus", dev("<channel type='pty'><target type='bogus'/></channel>")),
    ("interface_mac_bad", dev("<interface type='user'><mac address='zz:00:00:00:00:00'/></interface>")),
    ("interface_type_bogus", dev("<interface type='bogus'/>")),
    ("video_model_bogus", dev("<video><model type='bogus'/></video>")),
    ("input_type_bogus", dev("<input type='bogus'/>")),
    ("input_bus_bogus", dev("<input type='mouse' bus='bogus'/>")),
    ("sound_model_bogus", dev("<sound model='bogus'/>")),
    ("watchdog_model_bogus", dev("<watchdog model='bogus'/>")),
    ("memballoon_model_bogus", dev("<memballoon model='bogus'/>")),
    ("hostdev_mode_bogus", dev("<hostdev mode='bogus'/>")),
    ("rng_model_bogus", dev("<rng model='bogus'/>")),
]


def rust_str(s):
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{out}"'


KIND = {1: "internal", 8: "invalid_arg", 21: "no_name", 27: "xml_error", 35: "xml_detail",
        38: "system_error", 67: "unsupported"}


def main():
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    for name, xml in CASES:
        try:
            conn.defineXML(xml).undefine()
            print(f"// {name}: accepted", file=sys.stderr)
            continue
        except libvirt.libvirtError as e:
            code, msg = e.get_error_code(), e.get_error_message()
        kind = KIND.get(code, f"code{code}")
        print(f"rejects!(\n    test_domain_parse_{name}_fails_{kind},\n    {rust_str(xml)},\n"
              f"    {code},\n    {rust_str(msg)}\n);\n")


main()
