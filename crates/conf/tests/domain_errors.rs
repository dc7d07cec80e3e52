//! Refusals of `<domain>` XML as a client sees them: the libvirt error number and the final
//! message text. Each expectation is what stock libvirt 9.0.0 reports when the document is
//! defined on its in-process test driver (`virDomainDefineXML` on `test:///default`, which
//! runs the parse, post-parse and validate steps of every driver's define), recorded with
//! `oracle/domain_errors.py` through python3-libvirt.
//!
//! Malformed documents: libvirt prints libxml2's message, the offending line and a caret
//! under libxml2's column. oxvirt reads with roxmltree and rewrites its errors into
//! libxml2's wording and column (`oxvirt_xml`'s `syntax` module); the cases below match
//! to the character. Mistakes that module does not rewrite keep roxmltree's wording in
//! libvirt's layout, so only their line number agrees with libvirt.

use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::{ConfError, ParseCtx, SequenceGenerator};
use oxvirt_error::ErrorDomain;

mod common;
use common::rejects;

fn parse(xml: &str) -> Result<DomainDef, ConfError> {
    let mut generator = SequenceGenerator::starting_at(0);
    DomainDef::parse_str(xml, &mut ParseCtx::inactive(&mut generator))
}

/// `(code, message)` of the refusal of `xml`.
fn refusal(xml: &str) -> (i32, String) {
    common::refusal_of(parse(xml), ErrorDomain::Domain)
}

rejects!(
    test_domain_parse_truncated_fails_xml_detail,
    "<domain type='test'><name>n</name>",
    35,
    "(domain_definition):1: Premature end of data in tag domain line 1\n<domain type='test'><name>n</name>\n----------------------------------^"
);

rejects!(
    test_domain_parse_tag_mismatch_fails_xml_detail,
    "<domain type='test'>\n<name>n</nam>\n</domain>",
    35,
    "(domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n<name>n</nam>\n-------------^"
);

rejects!(
    test_domain_parse_end_tag_unclosed_fails_xml_detail,
    "<domain type='test'><name>n</name",
    35,
    "(domain_definition):1: expected '>'\n<domain type='test'><name>n</name\n---------------------------------^"
);

rejects!(
    test_domain_parse_unquoted_attr_fails_xml_detail,
    "<domain type=test><name>n</name></domain>",
    35,
    "(domain_definition):1: AttValue: \" or ' expected\n<domain type=test><name>n</name></domain>\n-------------^"
);

rejects!(
    test_domain_parse_duplicate_attr_fails_xml_detail,
    "<domain type='test' type='kvm'><name>n</name></domain>",
    35,
    "(domain_definition):1: Attribute type redefined\n<domain type='test' type='kvm'><name>n</name></domain>\n------------------------------^"
);

rejects!(
    test_domain_parse_bare_ampersand_fails_xml_detail,
    "<domain type='test'><name>a&b</name></domain>",
    35,
    "(domain_definition):1: EntityRef: expecting ';'\n<domain type='test'><name>a&b</name></domain>\n-----------------------------^"
);

rejects!(
    test_domain_parse_extra_content_fails_xml_detail,
    "<domain type='test'><name>n</name></domain><x/>",
    35,
    "(domain_definition):1: Extra content at the end of the document\n<domain type='test'><name>n</name></domain><x/>\n-------------------------------------------^"
);

rejects!(
    test_domain_parse_empty_fails_xml_detail,
    "",
    35,
    "(domain_definition):1: Document is empty\n(null)\n^"
);

rejects!(
    test_domain_parse_wrong_root_fails_xml_error,
    "<network><name>n</name></network>",
    27,
    "XML error: expecting root element of 'domain', not 'network'"
);

rejects!(
    test_domain_parse_no_type_fails_internal,
    "<domain><name>n</name><memory>1024</memory><os><type>hvm</type></os></domain>",
    1,
    "internal error: missing domain type attribute"
);

rejects!(
    test_domain_parse_bad_type_fails_unsupported,
    "<domain type='bogus'><name>n</name><memory>1024</memory><os><type>hvm</type></os></domain>",
    67,
    "unsupported configuration: invalid domain type bogus"
);

rejects!(
    test_domain_parse_no_name_fails_no_name,
    "<domain type='test'><memory>1024</memory><os><type>hvm</type></os></domain>",
    21,
    "missing name information"
);

rejects!(
    test_domain_parse_empty_name_fails_no_name,
    "<domain type='test'><name></name><memory>1024</memory><os><type>hvm</type></os></domain>",
    21,
    "missing name information"
);

rejects!(
    test_domain_parse_slash_name_fails_xml_error,
    "<domain type='test'><name>a/b</name><memory>1024</memory><os><type>hvm</type></os></domain>",
    27,
    "XML error: name a/b cannot contain '/'"
);

rejects!(
    test_domain_parse_bad_uuid_fails_internal,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><uuid>xyz</uuid></domain>",
    1,
    "internal error: malformed uuid element"
);

rejects!(
    test_domain_parse_bad_genid_fails_internal,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><genid>xyz</genid></domain>",
    1,
    "internal error: malformed genid element"
);

rejects!(
    test_domain_parse_title_newline_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><title>a\nb</title></domain>",
    27,
    "XML error: Domain title can't contain newlines"
);

rejects!(
    test_domain_parse_memory_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>abc</memory><os><type>hvm</type></os></domain>",
    27,
    "XML error: Invalid value 'abc' for element or attribute './memory[1]'"
);

rejects!(
    test_domain_parse_memory_unit_fails_invalid_arg,
    "<domain type='test'><name>n</name><memory unit='XB'>1</memory><os><type>hvm</type></os></domain>",
    8,
    "invalid argument: unknown suffix 'XB'"
);

rejects!(
    test_domain_parse_memory_negative_fails_xml_error,
    "<domain type='test'><name>n</name><memory>-1</memory><os><type>hvm</type></os></domain>",
    27,
    "XML error: Invalid value '-1' for element or attribute './memory[1]'"
);

rejects!(
    test_domain_parse_memory_dumpcore_fails_xml_error,
    "<domain type='test'><name>n</name><memory dumpCore='maybe'>1024</memory><os><type>hvm</type></os></domain>",
    27,
    "XML error: Invalid value for attribute 'dumpCore' in element 'memory': 'maybe'."
);

rejects!(
    test_domain_parse_no_memory_fails_xml_error,
    "<domain type='test'><name>n</name><os><type>hvm</type></os></domain>",
    27,
    "XML error: Memory size must be specified via <memory> or in the <numa> configuration"
);

rejects!(
    test_domain_parse_current_memory_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><currentMemory>x</currentMemory></domain>",
    27,
    "XML error: Invalid value 'x' for element or attribute './currentMemory[1]'"
);

rejects!(
    test_domain_parse_max_memory_slots_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><maxMemory slots='x'>4096</maxMemory></domain>",
    27,
    "XML error: Failed to parse memory slot count"
);

rejects!(
    test_domain_parse_vcpu_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><vcpu>abc</vcpu></domain>",
    27,
    "XML error: maximum vcpus count must be an integer"
);

rejects!(
    test_domain_parse_vcpu_zero_fails_internal,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><vcpu>0</vcpu></domain>",
    1,
    "internal error: CPU IDs in <numa> exceed the <vcpu> count"
);

rejects!(
    test_domain_parse_vcpu_current_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><vcpu current='x'>2</vcpu></domain>",
    27,
    "XML error: Invalid value for attribute 'current' in element 'vcpu': 'x'. Expected non-negative integer value"
);

rejects!(
    test_domain_parse_vcpu_current_above_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><vcpu current='4'>2</vcpu></domain>",
    67,
    "unsupported configuration: maximum vCPU count must not be less than current vCPU count"
);

rejects!(
    test_domain_parse_vcpu_placement_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><vcpu placement='bogus'>2</vcpu></domain>",
    27,
    "XML error: Invalid value for attribute 'placement' in element 'vcpu': 'bogus'."
);

rejects!(
    test_domain_parse_vcpu_cpuset_fails_invalid_arg,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><vcpu cpuset='a-b'>2</vcpu></domain>",
    8,
    "invalid argument: Failed to parse bitmap 'a-b'"
);

rejects!(
    test_domain_parse_iothreads_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><iothreads>x</iothreads></domain>",
    27,
    "XML error: invalid iothreads count 'x'"
);

rejects!(
    test_domain_parse_no_os_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory></domain>",
    27,
    "XML error: an os <type> must be specified"
);

rejects!(
    test_domain_parse_os_type_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>foo</type></os></domain>",
    67,
    "unsupported configuration: unknown OS type 'foo'"
);

rejects!(
    test_domain_parse_os_arch_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type arch='foo'>hvm</type></os></domain>",
    67,
    "unsupported configuration: Unknown architecture foo"
);

rejects!(
    test_domain_parse_boot_dev_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type><boot dev='usb'/></os></domain>",
    27,
    "XML error: Invalid value for attribute 'dev' in element 'boot': 'usb'."
);

rejects!(
    test_domain_parse_boot_no_dev_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type><boot/></os></domain>",
    27,
    "XML error: Missing required attribute 'dev' in element 'boot'"
);

rejects!(
    test_domain_parse_os_firmware_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os firmware='foo'><type>hvm</type></os></domain>",
    27,
    "XML error: unknown firmware value foo"
);

rejects!(
    test_domain_parse_on_poweroff_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><on_poweroff>explode</on_poweroff></domain>",
    67,
    "unsupported configuration: unknown on_poweroff action: explode"
);

rejects!(
    test_domain_parse_on_reboot_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><on_reboot>explode</on_reboot></domain>",
    67,
    "unsupported configuration: unknown on_reboot action: explode"
);

rejects!(
    test_domain_parse_on_crash_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><on_crash>explode</on_crash></domain>",
    67,
    "unsupported configuration: unknown on_crash action: explode"
);

rejects!(
    test_domain_parse_on_lockfailure_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><on_lockfailure>explode</on_lockfailure></domain>",
    67,
    "unsupported configuration: unknown on_lockfailure action: explode"
);

rejects!(
    test_domain_parse_clock_offset_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><clock offset='mars'/></domain>",
    67,
    "unsupported configuration: unknown clock offset 'mars'"
);

rejects!(
    test_domain_parse_clock_timer_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><clock offset='utc'><timer name='sundial'/></clock></domain>",
    27,
    "XML error: Invalid value for attribute 'name' in element 'timer': 'sundial'."
);

rejects!(
    test_domain_parse_features_unknown_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><features><acpi/><bogus/></features></domain>",
    67,
    "unsupported configuration: unexpected feature 'bogus'"
);

rejects!(
    test_domain_parse_features_apic_eoi_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><features><apic eoi='maybe'/></features></domain>",
    27,
    "XML error: Invalid value for attribute 'eoi' in element 'apic': 'maybe'."
);

rejects!(
    test_domain_parse_cpu_mode_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><cpu mode='bogus'/></domain>",
    67,
    "unsupported configuration: Invalid mode attribute 'bogus'"
);

rejects!(
    test_domain_parse_cpu_match_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><cpu match='bogus'><model>qemu64</model></cpu></domain>",
    27,
    "XML error: Invalid value for attribute 'match' in element 'cpu': 'bogus'."
);

rejects!(
    test_domain_parse_disk_type_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='bogus' device='disk'><target dev='hda'/></disk></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'."
);

rejects!(
    test_domain_parse_disk_device_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='bogus'><target dev='hda'/></disk></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'device' in element 'disk': 'bogus'."
);

rejects!(
    test_domain_parse_disk_bus_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><target dev='hda' bus='bogus'/></disk></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'bus' in element 'target': 'bogus'."
);

rejects!(
    test_domain_parse_disk_no_target_fails_code20,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='/x.img'/></disk></devices></domain>",
    20,
    "missing target information for device /x.img"
);

rejects!(
    test_domain_parse_disk_target_no_dev_fails_code20,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><target bus='ide'/></disk></devices></domain>",
    20,
    "missing target information for device"
);

rejects!(
    test_domain_parse_disk_dup_target_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='/x.img'/><target dev='hda'/></disk><disk type='file' device='disk'><source file='/x.img'/><target dev='hda'/></disk></devices></domain>",
    27,
    "XML error: target 'hda' duplicated for disk sources '/x.img' and '/x.img'"
);

rejects!(
    test_domain_parse_disk_addr_controller_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><target dev='hda'/><address type='drive' controller='x'/></disk></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'controller' in element 'address': 'x'. Expected non-negative integer value"
);

rejects!(
    test_domain_parse_address_type_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='bogus'/></disk></devices></domain>",
    67,
    "unsupported configuration: unknown address type 'bogus'"
);

rejects!(
    test_domain_parse_pci_slot_too_large_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' domain='0' bus='0' slot='0x20' function='0'/></disk></devices></domain>",
    27,
    "XML error: Invalid PCI address slot='0x20', must be <= 0x1F"
);

rejects!(
    test_domain_parse_pci_function_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' slot='x'/></disk></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'slot' in element 'address': 'x'. Expected non-negative integer value"
);

rejects!(
    test_domain_parse_controller_index_text_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><controller type='usb' index='x'/></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value"
);

rejects!(
    test_domain_parse_controller_type_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><controller type='bogus' index='0'/></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'type' in element 'controller': 'bogus'."
);

rejects!(
    test_domain_parse_controller_model_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><controller type='usb' index='0' model='bogus'/></devices></domain>",
    67,
    "unsupported configuration: Unknown model type 'bogus'"
);

rejects!(
    test_domain_parse_graphics_type_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><graphics type='bogus'/></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'type' in element 'graphics': 'bogus'."
);

rejects!(
    test_domain_parse_graphics_vnc_port_text_fails_internal,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><graphics type='vnc' port='x'/></devices></domain>",
    1,
    "internal error: cannot parse vnc port x"
);

rejects!(
    test_domain_parse_serial_type_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><serial type='bogus'/></devices></domain>",
    67,
    "unsupported configuration: unknown type presented to host for character device: bogus"
);

rejects!(
    test_domain_parse_console_target_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><console type='pty'><target type='bogus'/></console></devices></domain>",
    67,
    "unsupported configuration: unknown target type 'bogus' specified for character device"
);

rejects!(
    test_domain_parse_channel_target_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><channel type='pty'><target type='bogus'/></channel></devices></domain>",
    67,
    "unsupported configuration: unknown target type 'bogus' specified for character device"
);

rejects!(
    test_domain_parse_interface_mac_bad_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><interface type='user'><mac address='zz:00:00:00:00:00'/></interface></devices></domain>",
    27,
    "XML error: unable to parse mac address 'zz:00:00:00:00:00'"
);

rejects!(
    test_domain_parse_interface_type_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><interface type='bogus'/></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'type' in element 'interface': 'bogus'."
);

rejects!(
    test_domain_parse_video_model_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><video><model type='bogus'/></video></devices></domain>",
    67,
    "unsupported configuration: unknown video model 'bogus'"
);

rejects!(
    test_domain_parse_input_type_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><input type='bogus'/></devices></domain>",
    67,
    "unsupported configuration: unknown input device type 'bogus'"
);

rejects!(
    test_domain_parse_input_bus_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><input type='mouse' bus='bogus'/></devices></domain>",
    67,
    "unsupported configuration: unknown input bus type 'bogus'"
);

rejects!(
    test_domain_parse_sound_model_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><sound model='bogus'/></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'model' in element 'sound': 'bogus'."
);

rejects!(
    test_domain_parse_watchdog_model_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><watchdog model='bogus'/></devices></domain>",
    67,
    "unsupported configuration: unknown watchdog model 'bogus'"
);

rejects!(
    test_domain_parse_memballoon_model_bogus_fails_xml_error,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><memballoon model='bogus'/></devices></domain>",
    27,
    "XML error: Invalid value for attribute 'model' in element 'memballoon': 'bogus'."
);

rejects!(
    test_domain_parse_hostdev_mode_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><hostdev mode='bogus'/></devices></domain>",
    67,
    "unsupported configuration: unknown hostdev mode 'bogus'"
);

rejects!(
    test_domain_parse_rng_model_bogus_fails_unsupported,
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices><rng model='bogus'/></devices></domain>",
    67,
    "unsupported configuration: unknown RNG model 'bogus'"
);
