//! Rules of the command line builder beyond the captured domains: escaping, devices and
//! options the captures do not show, and refusals. Definitions are parsed with the QEMU
//! define defaults (addresses, implicit devices), as `virsh define` would store them.

use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::domain::qemu::Defaults;
use oxvirt_conf::{ParseCtx, SequenceGenerator};
use oxvirt_qemu::command::{
    CommandContext, CommandError, MonitorSocket, NetFds, QemuCommand, build_command_line,
};
use std::path::PathBuf;

/// A defined domain with `body` inside `<domain>` after the name, memory and `<os>`.
fn domain_with(os: &str, body: &str) -> DomainDef {
    let xml = format!(
        "<domain type='kvm'><name>t</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\
         <memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type>{os}</os>{body}</domain>"
    );
    let mut g = SequenceGenerator::starting_at(1);
    DomainDef::parse_str_with(&xml, &mut ParseCtx::inactive(&mut g), Defaults::Qemu)
        .unwrap_or_else(|e| panic!("test domain parses: {e:?}"))
}

fn domain(devices: &str) -> DomainDef {
    domain_with(
        "",
        &format!("<features><acpi/></features><devices>{devices}</devices>"),
    )
}

fn ctx() -> CommandContext {
    CommandContext::new("/var/lib/libvirt/qemu/domain-1-t", MonitorSocket::Fd(32))
}

fn build(def: &DomainDef, ctx: &CommandContext) -> QemuCommand {
    build_command_line(def, ctx).unwrap_or_else(|e| panic!("builds: {e:?}"))
}

/// The value following the `n`-th occurrence (0-based) of `flag`.
fn values<'a>(cmd: &'a QemuCommand, flag: &str) -> Vec<&'a str> {
    cmd.args
        .windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1].as_str())
        .collect()
}

fn unsupported(def: &DomainDef) -> String {
    match build_command_line(def, &ctx()) {
        Err(CommandError::Unsupported(m)) => m,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn test_disk_path_with_comma_and_quote_stays_literal_in_json() {
    let def = domain(
        "<disk type='file' device='disk'><driver name='qemu' type='raw'/>\
         <source file='/images/a,b \"c\".img'/><target dev='vda' bus='virtio'/></disk>",
    );

    let cmd = build(&def, &ctx());

    let blockdev = values(&cmd, "-blockdev");
    assert_eq!(
        blockdev[0],
        r#"{"driver":"file","filename":"/images/a,b \"c\".img","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}"#
    );
    // A raw image has no backing file to describe.
    assert_eq!(
        blockdev[1],
        r#"{"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"}"#
    );
}

#[test]
fn test_name_and_monitor_path_with_commas_are_doubled() {
    let mut def = domain("");
    def.name = "a,b".into();
    let c = CommandContext::new(
        "/var/lib/libvirt/qemu/domain-1-a,b",
        MonitorSocket::Path(PathBuf::from(
            "/var/lib/libvirt/qemu/domain-1-a,b/monitor.sock",
        )),
    );

    let cmd = build(&def, &c);

    assert_eq!(values(&cmd, "-name"), ["guest=a,,b,debug-threads=on"]);
    assert_eq!(
        values(&cmd, "-chardev")[0],
        "socket,id=charmonitor,path=/var/lib/libvirt/qemu/domain-1-a,,b/monitor.sock,server=on,wait=off"
    );
    assert!(cmd.pass_fds.is_empty());
}

#[test]
fn test_disks_node_names_count_from_last_disk_and_cdrom_on_ide() {
    let def = domain_with(
        "<boot dev='cdrom'/><boot dev='hd'/>",
        "<features><acpi/></features><devices>\
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/></disk>\
         <disk type='file' device='disk'><driver name='qemu' type='raw'/>\
         <source file='/i/b.img'/><target dev='vdb' bus='virtio'/><readonly/></disk>\
         <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>\
         <source file='/i/c.iso'/><target dev='hdc' bus='ide'/></disk>\
         </devices>",
    );

    let cmd = build(&def, &ctx());

    let blockdev = values(&cmd, "-blockdev");
    assert!(blockdev[0].contains(r#""node-name":"libvirt-3-storage""#));
    assert!(blockdev[1].contains(
        r#""read-only":false,"driver":"qcow2","file":"libvirt-3-storage","backing":null"#
    ));
    assert!(blockdev[3].contains(r#""node-name":"libvirt-2-format","read-only":true"#));
    assert!(blockdev[5].contains(r#""node-name":"libvirt-1-format","read-only":true"#));
    let devices = values(&cmd, "-device");
    assert!(devices.contains(
        &r#"{"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x2","drive":"libvirt-3-format","id":"virtio-disk0","bootindex":2}"#
    ));
    assert!(devices.contains(
        &r#"{"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x3","drive":"libvirt-2-format","id":"virtio-disk1"}"#
    ));
    assert!(devices.contains(
        &r#"{"driver":"ide-cd","bus":"ide.1","unit":0,"drive":"libvirt-1-format","id":"ide0-1-0","bootindex":1}"#
    ));
}

#[test]
fn test_empty_cdrom_has_no_blockdev_and_no_drive() {
    let def =
        domain("<disk type='file' device='cdrom'><target dev='hda' bus='ide'/><readonly/></disk>");

    let cmd = build(&def, &ctx());

    assert!(values(&cmd, "-blockdev").is_empty());
    // The default <boot dev='hd'/> names disks, not CD-ROMs: no bootindex.
    assert!(
        values(&cmd, "-device")
            .contains(&r#"{"driver":"ide-cd","bus":"ide.0","unit":0,"id":"ide0-0-0"}"#)
    );
}

#[test]
fn test_per_device_boot_order_becomes_bootindex_of_disk_and_nic() {
    let def = domain_with(
        "",
        "<devices>\
         <disk type='file' device='disk'><source file='/i/a.img'/>\
         <target dev='vda' bus='virtio'/><boot order='2'/></disk>\
         <interface type='user'><mac address='52:54:00:00:00:09'/><model type='e1000'/>\
         <boot order='1'/></interface></devices>",
    );

    let cmd = build(&def, &ctx());

    let devices = values(&cmd, "-device");
    assert!(
        devices
            .iter()
            .any(|d| d.contains(r#""id":"virtio-disk0","bootindex":2"#))
    );
    assert!(devices.contains(
        &r#"{"driver":"e1000","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:09","bootindex":1,"bus":"pci.0","addr":"0x2"}"#
    ));
    // No <acpi/> feature in this definition.
    assert!(cmd.args.iter().any(|a| a == "-no-acpi"));
}

#[test]
fn test_tap_with_vhost_passes_both_descriptors() {
    let def = domain(
        "<interface type='bridge'><mac address='52:54:00:00:00:07'/><source bridge='br0'/>\
         <model type='virtio'/></interface>",
    );
    let mut c = ctx();
    c.net_fds = vec![NetFds {
        tap: vec![33],
        vhost: vec![34],
    }];

    let cmd = build(&def, &c);

    assert_eq!(
        values(&cmd, "-netdev"),
        [r#"{"type":"tap","fd":"33","vhost":true,"vhostfd":"34","id":"hostnet0"}"#]
    );
    assert_eq!(cmd.pass_fds, [32, 33, 34]);
}

#[test]
fn test_tap_without_descriptor_is_a_context_error() {
    let def =
        domain("<interface type='bridge'><source bridge='br0'/><model type='virtio'/></interface>");

    let err = build_command_line(&def, &ctx()).expect_err("needs a tap fd");

    assert!(matches!(err, CommandError::Context(_)), "{err:?}");
}

#[test]
fn test_vnc_autoport_without_display_is_a_context_error() {
    let def = domain("<graphics type='vnc' autoport='yes'/>");

    let err = build_command_line(&def, &ctx()).expect_err("needs a display");

    assert!(matches!(err, CommandError::Context(_)), "{err:?}");
}

#[test]
fn test_vnc_fixed_port_and_default_listen_address() {
    let def = domain("<graphics type='vnc' port='5903' autoport='no'/>");

    let cmd = build(&def, &ctx());

    assert_eq!(values(&cmd, "-vnc"), ["127.0.0.1:3,audiodev=audio1"]);
    assert!(!cmd.args.iter().any(|a| a == "-display"));
}

#[test]
fn test_cpu_features_topology_and_tcg() {
    let xml = "<domain type='qemu'><name>t</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\
               <memory unit='KiB'>100000</memory><vcpu current='2'>4</vcpu>\
               <os><type arch='x86_64' machine='pc'>hvm</type></os>\
               <cpu mode='custom' match='exact'><model fallback='forbid'>Haswell</model>\
               <topology sockets='2' cores='2' threads='1'/>\
               <feature policy='require' name='lahf_lm'/><feature policy='disable' name='svm'/>\
               <feature policy='optional' name='vmx'/></cpu>\
               <clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/>\
               <timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>\
               <devices><memballoon model='none'/><controller type='usb' model='none'/></devices>\
               </domain>";
    let mut g = SequenceGenerator::starting_at(1);
    let def = DomainDef::parse_str_with(xml, &mut ParseCtx::inactive(&mut g), Defaults::Qemu)
        .expect("parses");

    let cmd = build(&def, &ctx());

    assert_eq!(values(&cmd, "-accel"), ["tcg"]);
    assert_eq!(values(&cmd, "-cpu"), ["Haswell,lahf-lm=on,svm=off"]);
    assert_eq!(
        values(&cmd, "-smp"),
        ["2,maxcpus=4,sockets=2,dies=1,cores=2,threads=1"]
    );
    // 100000 KiB rounds up to 98 MiB.
    assert_eq!(values(&cmd, "-m"), ["98"]);
    assert!(
        values(&cmd, "-object")
            .contains(&r#"{"qom-type":"memory-backend-ram","id":"pc.ram","size":102760448}"#)
    );
    let joined = cmd.args.join(" ");
    assert!(joined.contains(
        "-rtc base=localtime,driftfix=slew -global kvm-pit.lost_tick_policy=delay -no-hpet -no-shutdown -no-acpi -boot strict=on"
    ));
    // No USB controller and no balloon device.
    assert!(!joined.contains("usb-uhci"));
    assert!(!joined.contains("balloon"));
}

#[test]
fn test_host_passthrough_cpu_is_host() {
    let def = domain_with(
        "",
        "<cpu mode='host-passthrough' migratable='on'/><devices/>",
    );

    let cmd = build(&def, &ctx());

    assert_eq!(values(&cmd, "-cpu"), ["host,migratable=on"]);
}

#[test]
fn test_vga_and_virtio_video_devices() {
    let vga = domain(
        "<graphics type='vnc' port='5900' autoport='no'/><video><model type='vga'/></video>",
    );
    let virtio = domain(
        "<graphics type='vnc' port='5900' autoport='no'/><video><model type='virtio'/></video>",
    );

    let vga = build(&vga, &ctx());
    let virtio = build(&virtio, &ctx());

    assert!(
        values(&vga, "-device").contains(
            &r#"{"driver":"VGA","id":"video0","vgamem_mb":16,"bus":"pci.0","addr":"0x2"}"#
        )
    );
    assert!(values(&virtio, "-device").contains(
        &r#"{"driver":"virtio-vga","id":"video0","max_outputs":1,"bus":"pci.0","addr":"0x2"}"#
    ));
}

#[test]
fn test_qemu_commandline_passthrough_goes_before_sandbox() {
    let xml = "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\
               <name>t</name><memory>131072</memory>\
               <os><type arch='x86_64' machine='pc'>hvm</type></os>\
               <qemu:commandline><qemu:arg value='-trace'/><qemu:arg value='x'/>\
               <qemu:env name='FOO' value='bar baz'/></qemu:commandline></domain>";
    let mut g = SequenceGenerator::starting_at(1);
    let def = DomainDef::parse_str_with(xml, &mut ParseCtx::inactive(&mut g), Defaults::Qemu)
        .expect("parses");

    let cmd = build(&def, &ctx());

    let n = cmd.args.len();
    assert_eq!(cmd.args[n - 6..n - 4], ["-trace", "x"]);
    assert_eq!(cmd.args[n - 4], "-sandbox");
    assert_eq!(
        cmd.env.last(),
        Some(&("FOO".to_owned(), "bar baz".to_owned()))
    );
    // libvirt quotes from the '=' on.
    assert!(cmd.to_shell_string(false).contains("FOO'=bar baz' "));
}

#[test]
fn test_unknown_device_kinds_are_refused_not_dropped() {
    let sound = unsupported(&domain("<sound model='ich9'/>"));
    let rng = unsupported(&domain(
        "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
    ));
    let tablet = unsupported(&domain("<input type='tablet' bus='usb'/>"));

    assert!(sound.contains("<sound>"), "{sound}");
    assert!(rng.contains("<rng>"), "{rng}");
    assert!(tablet.contains("tablet"), "{tablet}");
}

#[test]
fn test_untranslated_disk_and_net_options_are_refused() {
    let cache = unsupported(&domain(
        "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/>\
         <source file='/i/a.img'/><target dev='vda' bus='virtio'/></disk>",
    ));
    let chain = unsupported(&domain(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='/i/a.img'/><backingStore type='file'><format type='raw'/>\
         <source file='/i/base.img'/></backingStore><target dev='vda' bus='virtio'/></disk>",
    ));
    let queues = unsupported(&domain(
        "<interface type='user'><model type='virtio'/><driver queues='4'/></interface>",
    ));
    let serial_file = unsupported(&domain(
        "<serial type='file'><source path='/tmp/x'/></serial>",
    ));

    assert!(cache.contains("'none'"), "{cache}");
    assert!(chain.contains("disk 'vda'"), "{chain}");
    assert!(queues.contains("<driver>"), "{queues}");
    assert!(serial_file.contains("pty"), "{serial_file}");
}

#[test]
fn test_untranslated_sections_are_refused() {
    let backing = unsupported(&domain_with(
        "",
        "<memoryBacking><hugepages/></memoryBacking><devices/>",
    ));
    let host_model = unsupported(&domain_with("", "<cpu mode='host-model'/><devices/>"));
    let loader = unsupported(&domain_with(
        "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>",
        "<devices/>",
    ));

    assert!(backing.contains("memoryBacking"), "{backing}");
    assert!(host_model.contains("host-model"), "{host_model}");
    assert!(loader.contains("loader"), "{loader}");
}

#[test]
fn test_unsupported_error_maps_to_config_unsupported() {
    let err = CommandError::Unsupported("x".into());

    let vir = err.to_vir();

    assert_eq!(vir.message, "unsupported configuration: x");
}
