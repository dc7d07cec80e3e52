//! The options that describe the process and the machine rather than a device: name,
//! master key, machine type, accelerator, CPU, memory, vCPUs, UUID, display, monitor,
//! clock, power management and boot; and the tail (`<qemu:commandline>`, `-sandbox`,
//! `-msg`). Arguments come out in the order of libvirt 9.0's `qemuBuildCommandLine`.
//!
//! Sections of the definition kept as element trees (`<features>`, `<cpu>`, `<clock>`, the
//! extra children of `<os>`) are read here; anything in them that is not translated is
//! refused with [`CommandError::Unsupported`].

use super::devices::Parts;
use super::syntax::{Props, escape_comma};
use super::{Builder, CommandContext, CommandError, MonitorSocket};
use oxvirt_conf::domain::DomainDef;
use oxvirt_xml::RawElement;

/// The machine facts the rest of the build depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Machine {
    /// The canonical machine type (`pc-i440fx-7.2`).
    pub name: String,
    /// A Q35 (PCI Express) machine rather than an i440FX one.
    pub q35: bool,
}

fn unsupported(msg: impl Into<String>) -> CommandError {
    CommandError::Unsupported(msg.into())
}

/// The first top-level section called `name` among those kept as element trees.
pub(super) fn section<'a>(def: &'a DomainDef, name: &str) -> Option<&'a RawElement> {
    def.sections.iter().map(|(_, e)| e).find(|e| e.name == name)
}

/// The attributes of `e` other than `allowed`, as a refusal naming the first one.
pub(super) fn only_attrs(e: &RawElement, allowed: &[&str], what: &str) -> Result<(), CommandError> {
    match e.attrs.iter().find(|(k, _)| !allowed.contains(&k.as_ref())) {
        Some((k, v)) => Err(unsupported(format!(
            "{what}: attribute {k}='{v}' is not translated to the QEMU command line"
        ))),
        None => Ok(()),
    }
}

/// Parses a decimal or `0x` hexadecimal number as libvirt's `virStrToLong_ui` with base 0.
pub(super) fn parse_uint(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

impl Machine {
    /// Checks the guest kind and canonicalises the machine type.
    pub(super) fn resolve(def: &DomainDef, ctx: &CommandContext) -> Result<Machine, CommandError> {
        if def.os.os_type != "hvm" {
            return Err(unsupported(format!(
                "OS type '{}' is not supported by the QEMU command line builder",
                def.os.os_type
            )));
        }
        match def.os.arch.as_deref() {
            Some("x86_64" | "i686") => {}
            other => {
                return Err(unsupported(format!(
                    "guest architecture '{}' is not supported (only x86_64 and i686)",
                    other.unwrap_or("")
                )));
            }
        }
        if !matches!(def.virt_type.as_str(), "kvm" | "qemu") {
            return Err(unsupported(format!(
                "domain type '{}' cannot run under QEMU",
                def.virt_type
            )));
        }
        let Some(written) = def.os.machine.as_deref() else {
            return Err(CommandError::Incomplete(
                "the definition has no machine type".into(),
            ));
        };
        // A start replaces an alias by the canonical name QEMU reports for it.
        let name = ctx
            .machine_aliases
            .iter()
            .find(|(alias, _)| alias == written)
            .map_or(written, |(_, canonical)| canonical.as_str())
            .to_owned();
        let q35 = name == "q35" || name.starts_with("pc-q35-");
        let i440fx = name == "pc" || name.starts_with("pc-i440fx-");
        if !q35 && !i440fx {
            return Err(unsupported(format!(
                "machine type '{name}' is not supported (only i440FX and Q35 PCs)"
            )));
        }
        Ok(Machine { name, q35 })
    }
}

/// `<features>`: what it adds to `-machine`, and whether ACPI is on.
struct Features {
    acpi: bool,
    vmport: Option<String>,
}

fn features(def: &DomainDef) -> Result<Features, CommandError> {
    let mut f = Features {
        acpi: false,
        vmport: None,
    };
    let Some(sec) = section(def, "features") else {
        return Ok(f);
    };
    for e in sec.elements() {
        match e.name.as_ref() {
            "acpi" => f.acpi = true,
            // PAE is a property of the CPU model; libvirt passes nothing for it.
            "pae" => {}
            // The APIC is always there; only its `eoi` attribute would change -cpu.
            "apic" => only_attrs(e, &[], "<apic>")?,
            "vmport" => {
                only_attrs(e, &["state"], "<vmport>")?;
                if let Some(s) = e.attr("state") {
                    f.vmport = Some(s.to_owned());
                }
            }
            other => {
                return Err(unsupported(format!(
                    "domain feature <{other}> is not translated to the QEMU command line"
                )));
            }
        }
    }
    Ok(f)
}

/// Top-level sections with no effect on the command line: host-side tuning applied through
/// cgroups, affinity or the security driver.
const HOST_SIDE_SECTIONS: &[&str] = &[
    "cputune",
    "memtune",
    "blkiotune",
    "resource",
    "seclabel",
    "perf",
];

/// Refuses the top-level parts of `def` that are not translated.
fn check_sections(def: &DomainDef) -> Result<(), CommandError> {
    if def.genid.is_some() {
        return Err(unsupported("<genid> (vmgenid device) is not translated"));
    }
    if def.max_memory.is_some() {
        return Err(unsupported(
            "<maxMemory> (memory hotplug) is not translated",
        ));
    }
    if def.os.firmware.is_some() {
        return Err(unsupported("firmware autoselection is not translated"));
    }
    for (_, e) in &def.sections {
        let name = e.name.as_ref();
        if matches!(name, "features" | "cpu") || HOST_SIDE_SECTIONS.contains(&name) {
            continue;
        }
        return Err(unsupported(format!(
            "<{name}> is not translated to the QEMU command line"
        )));
    }
    for e in &def.namespaced {
        if e.name.starts_with("qemu:") && e.name != "qemu:commandline" {
            return Err(unsupported(format!("<{}> is not translated", e.name)));
        }
    }
    Ok(())
}

/// Emits everything from `-name` to the boot options.
pub(super) fn emit(b: &mut Builder<'_>, parts: &Parts<'_>) -> Result<(), CommandError> {
    let def = b.def;
    check_sections(def)?;
    let feats = features(def)?;

    b.opt(
        "-name",
        format!("guest={},debug-threads=on", escape_comma(&def.name)),
    );
    // vCPUs start paused: the manager finishes its setup over QMP, then sends `cont`.
    b.flag("-S");
    // The key QEMU uses to decrypt secrets later passed to it; the start writes the file.
    let key = b.ctx.lib_dir.join("master-key.aes");
    b.json(
        "-object",
        &Props::new()
            .str("qom-type", "secret")
            .str("id", "masterKey0")
            .str("format", "raw")
            .str("file", key.to_string_lossy()),
    );
    machine_option(b, &feats);
    b.opt("-accel", if def.virt_type == "kvm" { "kvm" } else { "tcg" });
    if let Some(cpu) = cpu_option(def)? {
        b.opt("-cpu", cpu);
    }
    memory(b);
    b.opt("-smp", smp(def)?);
    b.opt("-uuid", oxvirt_conf::domain::util::format_uuid(&def.uuid));
    if parts.graphics_count() == 0 {
        // Otherwise QEMU would open a default display backend.
        b.opt("-display", "none");
    }
    b.flag("-no-user-config");
    b.flag("-nodefaults");
    monitor(b);
    clock(b)?;
    // A guest power-off only stops QEMU; the manager then applies <on_poweroff>. With
    // QEMU's set-action, libvirt handles <on_reboot> over QMP instead of -no-reboot.
    b.flag("-no-shutdown");
    if !feats.acpi {
        b.flag("-no-acpi");
    }
    boot(b)
}

/// `-machine TYPE,usb=off,…`.
fn machine_option(b: &mut Builder<'_>, feats: &Features) {
    // The USB controller is an explicit device; the machine must not create its own.
    let mut m = format!("{},usb=off", b.machine.name);
    if let Some(v) = &feats.vmport {
        m.push_str(&format!(",vmport={v}"));
    }
    let dump = b.def.dump_core.unwrap_or(b.ctx.dump_guest_core);
    m.push_str(if dump {
        ",dump-guest-core=on"
    } else {
        ",dump-guest-core=off"
    });
    // Guest RAM is the explicit backend object created after -m.
    if let Some(id) = &b.ctx.default_ram_id {
        m.push_str(&format!(",memory-backend={id}"));
    }
    b.opt("-machine", m);
}

/// QEMU's name for a CPU feature when it differs from libvirt's.
fn qemu_feature_name(name: &str) -> &str {
    match name {
        "cmp_legacy" => "cmp-legacy",
        "ds_cpl" => "ds-cpl",
        "fxsr_opt" => "fxsr-opt",
        "kvm_pv_eoi" => "kvm-pv-eoi",
        "kvm_pv_unhalt" => "kvm-pv-unhalt",
        "lahf_lm" => "lahf-lm",
        "nodeid_msr" => "nodeid-msr",
        "pclmuldq" => "pclmulqdq",
        "perfctr_core" => "perfctr-core",
        "perfctr_nb" => "perfctr-nb",
        "tsc_adjust" => "tsc-adjust",
        other => other,
    }
}

/// The `-cpu` value: model (or `host`/`max`), vendor, feature switches, and the CPU flags
/// that come from `<clock>` timers. `None` when there is nothing to say.
fn cpu_option(def: &DomainDef) -> Result<Option<String>, CommandError> {
    let mut model: Option<String> = None;
    if let Some(cpu) = section(def, "cpu") {
        only_attrs(cpu, &["mode", "match", "check", "migratable"], "<cpu>")?;
        let mode = cpu.attr("mode").unwrap_or("custom");
        let mut base = match mode {
            "custom" => cpu.child("model").map(|m| m.text().trim().to_owned()),
            "host-passthrough" => Some("host".to_owned()),
            "maximum" => Some("max".to_owned()),
            // A start first turns host-model into a custom model of the host's CPU, which
            // needs the host's CPU description.
            "host-model" => {
                return Err(unsupported(
                    "host-model CPUs must be expanded to a custom model before the build",
                ));
            }
            other => return Err(unsupported(format!("CPU mode '{other}' is not known"))),
        };
        if let (Some(b), Some(m)) = (base.as_mut(), cpu.attr("migratable"))
            && mode != "custom"
        {
            b.push_str(&format!(",migratable={m}"));
        }
        if let Some(b) = base.as_mut() {
            if let Some(v) = cpu.child("model").and_then(|m| m.attr("vendor_id")) {
                b.push_str(&format!(",vendor={v}"));
            }
            for f in cpu.elements().filter(|e| e.name == "feature") {
                let name = qemu_feature_name(f.attr("name").unwrap_or(""));
                match f.attr("policy").unwrap_or("require") {
                    "force" | "require" => b.push_str(&format!(",{name}=on")),
                    "disable" | "forbid" => b.push_str(&format!(",{name}=off")),
                    _ => {}
                }
            }
        }
        for e in cpu.elements() {
            match e.name.as_ref() {
                "model" | "feature" | "topology" => {}
                // Only host-model uses <vendor>; it names the model's vendor, no option.
                "vendor" if mode != "custom" => {}
                other => {
                    return Err(unsupported(format!(
                        "<cpu><{other}> is not translated to the QEMU command line"
                    )));
                }
            }
        }
        model = base;
    } else if def.os.arch.as_deref() == Some("i686")
        && def
            .devices
            .emulator
            .as_deref()
            .is_some_and(|e| e.contains("x86_64"))
    {
        // A 64-bit emulator would give a 32-bit guest a 64-bit CPU.
        model = Some("qemu32".into());
    }
    let mut flags = String::new();
    for t in def.clock.elements().filter(|e| e.name == "timer") {
        if t.attr("name") == Some("kvmclock")
            && let Some(p) = t.attr("present")
        {
            flags.push_str(if p == "yes" {
                ",kvmclock=on"
            } else {
                ",kvmclock=off"
            });
        }
    }
    Ok(match (model, flags.is_empty()) {
        (Some(m), _) => Some(m + &flags),
        (None, true) => None,
        (None, false) => {
            let default = if def.os.arch.as_deref() == Some("i686") {
                "qemu32"
            } else {
                "qemu64"
            };
            Some(format!("{default}{flags}"))
        }
    })
}

/// `-m`, the RAM backend object and `-overcommit`.
fn memory(b: &mut Builder<'_>) {
    // A start rounds guest RAM up to whole MiB (qemuDomainAlignMemorySizes).
    let kib = b.def.memory_kib.div_ceil(1024) * 1024;
    b.opt("-m", (kib / 1024).to_string());
    if let Some(id) = b.ctx.default_ram_id.clone() {
        b.json(
            "-object",
            &Props::new()
                .str("qom-type", "memory-backend-ram")
                .str("id", id)
                .uint("size", kib * 1024),
        );
    }
    // Explicitly the default: guest memory is not locked (<memoryBacking><locked/> would).
    b.opt("-overcommit", "mem-lock=off");
}

/// The `-smp` value: online vCPUs, the maximum when it differs, and the topology, which is
/// always spelled out because it is guest ABI.
fn smp(def: &DomainDef) -> Result<String, CommandError> {
    let (current, max) = (def.vcpu.current, def.vcpu.max);
    let mut s = current.to_string();
    if current != max {
        s.push_str(&format!(",maxcpus={max}"));
    }
    let topology = section(def, "cpu").and_then(|c| c.child("topology"));
    match topology {
        Some(t) => {
            only_attrs(
                t,
                &["sockets", "dies", "cores", "threads"],
                "<cpu><topology>",
            )?;
            let get = |k: &str, default: Option<u64>| -> Result<u64, CommandError> {
                match t.attr(k) {
                    Some(v) => parse_uint(v).ok_or_else(|| {
                        CommandError::Incomplete(format!("invalid topology {k}='{v}'"))
                    }),
                    None => default
                        .ok_or_else(|| CommandError::Incomplete(format!("<topology> lacks '{k}'"))),
                }
            };
            // QEMU 7.2 knows dies on x86, so libvirt always names them.
            s.push_str(&format!(
                ",sockets={},dies={},cores={},threads={}",
                get("sockets", None)?,
                get("dies", Some(1))?,
                get("cores", None)?,
                get("threads", None)?
            ));
        }
        None => s.push_str(&format!(",sockets={max},cores=1,threads=1")),
    }
    Ok(s)
}

/// The QMP monitor: a chardev on the socket and a control-mode monitor on that chardev.
fn monitor(b: &mut Builder<'_>) {
    let chardev = match &b.ctx.monitor {
        MonitorSocket::Fd(fd) => {
            b.pass_fds.push(*fd);
            format!("socket,id=charmonitor,fd={fd},server=on,wait=off")
        }
        MonitorSocket::Path(p) => format!(
            "socket,id=charmonitor,path={},server=on,wait=off",
            escape_comma(&p.to_string_lossy())
        ),
    };
    b.opt("-chardev", chardev);
    b.opt("-mon", "chardev=charmonitor,id=monitor,mode=control");
}

/// `-rtc` from `<clock>`, then the timer options in document order.
fn clock(b: &mut Builder<'_>) -> Result<(), CommandError> {
    let clock = &b.def.clock;
    only_attrs(clock, &["offset", "adjustment", "timezone"], "<clock>")?;
    let offset = clock.attr("offset").unwrap_or("utc");
    let mut rtc = match offset {
        "utc" => "base=utc".to_owned(),
        "localtime" => "base=localtime".to_owned(),
        "timezone" => {
            let tz = clock
                .attr("timezone")
                .ok_or_else(|| CommandError::Incomplete("<clock> lacks its timezone".into()))?;
            b.env.push(("TZ".into(), tz.to_owned()));
            "base=localtime".to_owned()
        }
        // 'variable' needs the current time to compute the start date: not pure.
        other => {
            return Err(unsupported(format!(
                "clock offset '{other}' is not translated"
            )));
        }
    };
    if let Some(adj) = clock.attr("adjustment")
        && adj != "reset"
        && adj.trim().parse::<i64>().ok() != Some(0)
    {
        return Err(unsupported("a clock adjustment needs the current time"));
    }
    let mut after: Vec<(&str, Option<&str>)> = Vec::new();
    for t in clock.elements() {
        if t.name != "timer" {
            return Err(unsupported(format!(
                "<clock><{}> is not translated",
                t.name
            )));
        }
        let name = t.attr("name").unwrap_or("");
        let policy = t.attr("tickpolicy");
        match name {
            // Handled in -cpu.
            "kvmclock" => only_attrs(t, &["name", "present"], "kvmclock timer")?,
            "rtc" => {
                only_attrs(t, &["name", "track", "tickpolicy"], "rtc timer")?;
                match t.attr("track") {
                    None => {}
                    Some("guest") => rtc.push_str(",clock=vm"),
                    Some("wall") => rtc.push_str(",clock=host"),
                    Some("realtime") => rtc.push_str(",clock=rt"),
                    Some(o) => return Err(unsupported(format!("rtc track '{o}'"))),
                }
                match policy {
                    None | Some("delay") => {}
                    Some("catchup") => rtc.push_str(",driftfix=slew"),
                    Some(o) => return Err(unsupported(format!("rtc tickpolicy '{o}'"))),
                }
            }
            "pit" => {
                only_attrs(t, &["name", "tickpolicy"], "pit timer")?;
                match policy {
                    // Catch-up is the in-kernel PIT's default.
                    None | Some("catchup") => {}
                    Some("delay") => {
                        after.push(("-global", Some("kvm-pit.lost_tick_policy=delay")));
                    }
                    Some("discard") => {
                        after.push(("-global", Some("kvm-pit.lost_tick_policy=discard")));
                    }
                    Some(o) => return Err(unsupported(format!("pit tickpolicy '{o}'"))),
                }
            }
            "hpet" => {
                only_attrs(t, &["name", "present"], "hpet timer")?;
                if t.attr("present") == Some("no") {
                    after.push(("-no-hpet", None));
                }
            }
            other => {
                return Err(unsupported(format!(
                    "timer '{other}' is not translated to the QEMU command line"
                )));
            }
        }
    }
    b.opt("-rtc", rtc);
    for (flag, value) in after {
        match value {
            Some(v) => b.opt(flag, v),
            None => b.flag(flag),
        }
    }
    Ok(())
}

/// `-boot` (boot devices are `bootindex` properties of the devices) and the direct kernel
/// boot options.
fn boot(b: &mut Builder<'_>) -> Result<(), CommandError> {
    let mut opts = String::new();
    let (mut kernel, mut initrd, mut cmdline, mut dtb) = (None, None, None, None);
    for e in &b.def.os.extra {
        match e.name.as_ref() {
            "kernel" => kernel = Some(e.text()),
            "initrd" => initrd = Some(e.text()),
            "cmdline" => cmdline = Some(e.text()),
            "dtb" => dtb = Some(e.text()),
            "bootmenu" => {
                only_attrs(e, &["enable", "timeout"], "<bootmenu>")?;
                match e.attr("enable") {
                    Some("yes") => opts.push_str("menu=on,"),
                    Some("no") => opts.push_str("menu=off,"),
                    _ => {}
                }
                if let Some(t) = e.attr("timeout") {
                    opts.push_str(&format!("splash-time={t},"));
                }
            }
            "bios" => {
                only_attrs(e, &["rebootTimeout"], "<bios>")?;
                if let Some(t) = e.attr("rebootTimeout") {
                    opts.push_str(&format!("reboot-timeout={t},"));
                }
            }
            other => {
                return Err(unsupported(format!(
                    "<os><{other}> is not translated to the QEMU command line"
                )));
            }
        }
    }
    // Only devices with a bootindex are tried.
    opts.push_str("strict=on");
    b.opt("-boot", opts);
    for (flag, value) in [
        ("-kernel", kernel),
        ("-initrd", initrd),
        ("-append", cmdline),
        ("-dtb", dtb),
    ] {
        if let Some(v) = value {
            b.opt(flag, v);
        }
    }
    Ok(())
}

/// Emits the tail: `<qemu:commandline>` passthrough, `-sandbox` and `-msg`.
pub(super) fn emit_tail(b: &mut Builder<'_>) -> Result<(), CommandError> {
    for ns in b
        .def
        .namespaced
        .iter()
        .filter(|e| e.name == "qemu:commandline")
    {
        for e in ns.elements() {
            match e.name.as_ref() {
                "qemu:arg" => b.flag(e.attr("value").unwrap_or("")),
                "qemu:env" => {
                    let name = e.attr("name").unwrap_or("").to_owned();
                    let value = e.attr("value").unwrap_or("").to_owned();
                    b.env.push((name, value));
                }
                other => return Err(unsupported(format!("<{other}> is not translated"))),
            }
        }
    }
    if b.ctx.seccomp_sandbox {
        // QEMU's deny-list filter: obsolete syscalls, privilege changes, spawning
        // processes and resource control are refused.
        b.opt(
            "-sandbox",
            "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
        );
    } else {
        b.opt("-sandbox", "off");
    }
    if b.ctx.log_timestamp {
        b.opt("-msg", "timestamp=on");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_uint_hex_and_decimal_both_read() {
        assert_eq!(parse_uint("0x8"), Some(8));
        assert_eq!(parse_uint("12"), Some(12));
        assert_eq!(parse_uint("x"), None);
    }

    #[test]
    fn test_qemu_feature_name_translated_names_use_dashes() {
        assert_eq!(qemu_feature_name("lahf_lm"), "lahf-lm");
        assert_eq!(qemu_feature_name("pclmuldq"), "pclmulqdq");
        assert_eq!(qemu_feature_name("x2apic"), "x2apic");
    }
}
