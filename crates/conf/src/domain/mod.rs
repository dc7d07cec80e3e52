//! `<domain>`: the typed domain definition (libvirt's `virDomainDef`).
//!
//! Flow: [`DomainDef::parse_str`] parses the text, [`DomainDef::parse`] reads the root
//! element section by section (typed where libvirt normalises or validates, verbatim
//! [`RawElement`]s for sections not modelled yet), fills libvirt's post-parse defaults
//! (UUID, current memory, boot device, lifecycle actions, clock) and validates.
//! [`DomainDef::format`] prints the sections in libvirt's fixed order whatever the input
//! order was; [`FormatFlags::INACTIVE`] drops runtime-only data.

pub mod check;
pub mod chr;
pub mod cputune;
pub mod device_info;
pub mod devices;
pub mod disk;
pub mod graphics;
pub mod net;
pub mod qemu;
pub mod util;

pub use crate::flags::{FormatFlags, ParseCtx};
pub use device_info::{DeviceAddress, DeviceInfo};
pub use devices::{Device, Devices, RawDevice};

use crate::ConfError;
use oxvirt_xml::read::child;
use oxvirt_xml::{RawElement, XmlWriter};
use roxmltree::Node;
use util::{format_bitmap, format_uuid, parse_bitmap, parse_scaled_kib, parse_uuid};

/// Top-level sections in libvirt's format order. Sections without a typed field are kept
/// raw and printed at their index.
pub(crate) const SECTION_ORDER: &[&str] = &[
    "name",
    "uuid",
    "genid",
    "title",
    "description",
    "metadata",
    "maxMemory",
    "memory",
    "currentMemory",
    "blkiotune",
    "memtune",
    "memoryBacking",
    "vcpu",
    "vcpus",
    "iothreads",
    "iothreadids",
    "defaultiothread",
    "cputune",
    "numatune",
    "resource",
    "sysinfo",
    "bootloader",
    "bootloader_args",
    "os",
    "idmap",
    "features",
    "cpu",
    "clock",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "on_lockfailure",
    "pm",
    "perf",
    "devices",
    "seclabel",
    "keywrap",
    "launchSecurity",
];

/// Position of a top-level element in [`SECTION_ORDER`].
fn section_index(name: &str) -> Option<usize> {
    SECTION_ORDER.iter().position(|s| *s == name)
}

/// What to do when the guest powers off, reboots or crashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// `<on_poweroff>` (default `destroy`).
    pub on_poweroff: String,
    /// `<on_reboot>` (default `restart`).
    pub on_reboot: String,
    /// `<on_crash>` (default `destroy`).
    pub on_crash: String,
    /// `<on_lockfailure>` (no default).
    pub on_lockfailure: Option<String>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            on_poweroff: "destroy".into(),
            on_reboot: "restart".into(),
            on_crash: "destroy".into(),
            on_lockfailure: None,
        }
    }
}

/// `<vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuDef {
    /// Maximum vCPUs (the element text).
    pub max: u32,
    /// `current='N'` (online vCPUs); equals `max` when absent.
    pub current: u32,
    /// `placement='static|auto'`.
    pub placement: String,
    /// `cpuset='…'` as sorted CPU numbers.
    pub cpuset: Option<Vec<u32>>,
}

impl Default for VcpuDef {
    fn default() -> Self {
        Self {
            max: 1,
            current: 1,
            placement: "static".into(),
            cpuset: None,
        }
    }
}

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsDef {
    /// `firmware='efi|bios'` on `<os>`.
    pub firmware: Option<String>,
    /// The `<type>` text: `hvm`, `xen`, `linux`, `exe`.
    pub os_type: String,
    /// `arch='…'`.
    pub arch: Option<String>,
    /// `machine='…'`.
    pub machine: Option<String>,
    /// `<boot dev='…'/>` in order.
    pub boot_devs: Vec<String>,
    /// Other children, verbatim, in document order.
    pub extra: Vec<RawElement>,
}

/// Order of `<os>` children when printed.
const OS_ORDER: &[&str] = &[
    "firmware",
    "init",
    "initarg",
    "initenv",
    "initdir",
    "inituser",
    "initgroup",
    "loader",
    "nvram",
    "kernel",
    "initrd",
    "cmdline",
    "dtb",
    "root",
    "acpi",
    "boot",
    "bootmenu",
    "bios",
    "smbios",
];

/// A domain definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainDef {
    /// `type='…'` on `<domain>`: `test`, `kvm`, `qemu`, …
    pub virt_type: String,
    /// `id='N'` read from live XML (only kept by a live parse).
    pub id: Option<i32>,
    /// `<name>`.
    pub name: String,
    /// `<uuid>` (generated when absent).
    pub uuid: [u8; 16],
    /// `<genid>`: `Some(None)` when requested without a value.
    pub genid: Option<Option<[u8; 16]>>,
    /// `<title>`.
    pub title: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// `<metadata>`, verbatim.
    pub metadata: Option<RawElement>,
    /// `<maxMemory slots='N'>` in KiB: (slots, KiB).
    pub max_memory: Option<(u32, u64)>,
    /// `<memory>` in KiB (the maximum balloon size).
    pub memory_kib: u64,
    /// `dumpCore='on|off'` on `<memory>`.
    pub dump_core: Option<bool>,
    /// `<currentMemory>` in KiB.
    pub current_memory_kib: u64,
    /// `<vcpu>`.
    pub vcpu: VcpuDef,
    /// Number of vCPUs (same as `vcpu.max`, kept for drivers).
    pub vcpus: u32,
    /// `<os>`.
    pub os: OsDef,
    /// `<on_*>` actions.
    pub lifecycle: Lifecycle,
    /// `<clock>`, verbatim (`<clock offset='utc'/>` when absent).
    pub clock: RawElement,
    /// `<devices>`.
    pub devices: Devices,
    /// Other top-level sections, verbatim: (index into the section order, element).
    pub sections: Vec<(usize, RawElement)>,
    /// Elements in foreign namespaces (`qemu:commandline`), printed last.
    pub namespaced: Vec<RawElement>,
}

fn text_of(node: Node<'_, '_>) -> String {
    node.text().unwrap_or("").to_owned()
}

/// The memory of the `<numa>` cells of `<cpu>` in KiB (libvirt's total when `<memory>` is
/// absent); unreadable sizes count as none, the domain parser refuses them elsewhere.
fn numa_memory_kib(cpu: Option<Node<'_, '_>>) -> u64 {
    let Some(numa) = cpu.and_then(|c| child(c, "numa")) else {
        return 0;
    };
    oxvirt_xml::read::children(numa, "cell")
        .filter_map(|c| {
            let unit = c.attribute("unit").unwrap_or("KiB");
            util::scaled_to_kib(c.attribute("memory")?, unit)
        })
        .sum()
}

impl DomainDef {
    /// Parses domain XML text.
    pub fn parse_str(xml: &str, ctx: &mut ParseCtx<'_>) -> Result<DomainDef, ConfError> {
        Self::parse_str_with(xml, ctx, qemu::Defaults::Plain)
    }

    /// Parses domain XML text and fills the post-parse defaults of `defaults`' driver.
    pub fn parse_str_with(
        xml: &str,
        ctx: &mut ParseCtx<'_>,
        defaults: qemu::Defaults,
    ) -> Result<DomainDef, ConfError> {
        let doc = oxvirt_xml::parse_document(xml)
            .map_err(|e| ConfError::from(e).in_document("domain_definition", xml))?;
        let root = doc.root_element();
        if root.tag_name().name() != "domain" {
            return Err(ConfError::XmlError(format!(
                "expecting root element of 'domain', not '{}'",
                root.tag_name().name()
            )));
        }
        DomainDef::parse_with(root, ctx, defaults)
    }

    /// Parses a `<domain>` element.
    pub fn parse(root: Node<'_, '_>, ctx: &mut ParseCtx<'_>) -> Result<DomainDef, ConfError> {
        Self::parse_with(root, ctx, qemu::Defaults::Plain)
    }

    /// Parses domain XML text with the QEMU driver's defaults for the emulator `facts`
    /// describe (the driver's post-parse hook, fed by the capabilities it probed).
    pub fn parse_str_qemu(
        xml: &str,
        ctx: &mut ParseCtx<'_>,
        facts: &qemu::QemuFacts,
    ) -> Result<DomainDef, ConfError> {
        let doc = oxvirt_xml::parse_document(xml)
            .map_err(|e| ConfError::from(e).in_document("domain_definition", xml))?;
        let root = doc.root_element();
        if root.tag_name().name() != "domain" {
            return Err(ConfError::XmlError(format!(
                "expecting root element of 'domain', not '{}'",
                root.tag_name().name()
            )));
        }
        DomainDef::parse_inner(root, ctx, Some(facts))
    }

    /// Parses a `<domain>` element and fills the post-parse defaults of `defaults`' driver.
    pub fn parse_with(
        root: Node<'_, '_>,
        ctx: &mut ParseCtx<'_>,
        defaults: qemu::Defaults,
    ) -> Result<DomainDef, ConfError> {
        match defaults {
            qemu::Defaults::Plain => Self::parse_inner(root, ctx, None),
            qemu::Defaults::Qemu => {
                Self::parse_inner(root, ctx, Some(&qemu::QemuFacts::recorded()))
            }
        }
    }

    fn parse_inner(
        root: Node<'_, '_>,
        ctx: &mut ParseCtx<'_>,
        qemu_facts: Option<&qemu::QemuFacts>,
    ) -> Result<DomainDef, ConfError> {
        let virt_type = root.attribute("type").unwrap_or_default().to_owned();
        let id = if ctx.live {
            match root.attribute("id") {
                Some(v) => Some(
                    v.trim()
                        .parse::<i32>()
                        .map_err(|_| util::invalid_attr(root, "id", v))?,
                ),
                None => None,
            }
        } else {
            None
        };
        // The first child of each top-level name, found in one pass over the children.
        let mut first: [Option<Node<'_, '_>>; SECTION_ORDER.len()] = [None; SECTION_ORDER.len()];
        for c in root.children().filter(|c| c.is_element()) {
            if let Some(i) = section_index(c.tag_name().name())
                && first[i].is_none()
            {
                first[i] = Some(c);
            }
        }
        let top = |name: &str| section_index(name).and_then(|i| first[i]);
        let name = match top("name").map(text_of) {
            Some(n) if !n.is_empty() => n,
            _ => return Err(ConfError::NoName),
        };
        let uuid = match top("uuid") {
            Some(u) => {
                let t = u.text().unwrap_or("");
                parse_uuid(t).ok_or_else(|| ConfError::Internal("malformed uuid element".into()))?
            }
            None => ctx.generator.uuid(),
        };
        let genid = match top("genid") {
            Some(g) => {
                let t = g.text().unwrap_or("").trim();
                if t.is_empty() {
                    Some(None)
                } else {
                    Some(Some(parse_uuid(t).ok_or_else(|| {
                        ConfError::Internal("malformed genid element".into())
                    })?))
                }
            }
            None => None,
        };
        // The rest in the order of libvirt's parser, so a document with several mistakes
        // gets the same first complaint.
        check::caps(root)?;
        check::title(root)?;
        let memory_kib = match top("memory") {
            Some(m) => parse_scaled_kib(m, "KiB")?,
            None => 0,
        };
        let mut current_memory_kib = match top("currentMemory") {
            Some(m) => parse_scaled_kib(m, "KiB")?,
            None => 0,
        };
        let max_memory = match top("maxMemory") {
            Some(m) => {
                let kib = parse_scaled_kib(m, "KiB")?;
                check::memory_slots(root)?;
                let slots = util::attr_u32(m, "slots")?.unwrap_or(0);
                Some((slots, kib))
            }
            None => None,
        };
        let dump_core = match top("memory").and_then(|m| m.attribute("dumpCore").map(|v| (m, v))) {
            None => None,
            Some((m, v)) => {
                Some(util::parse_on_off(v).ok_or_else(|| util::invalid_attr(m, "dumpCore", v))?)
            }
        };
        if current_memory_kib == 0 || current_memory_kib > memory_kib {
            current_memory_kib = memory_kib;
        }
        let vcpu = match top("vcpu") {
            Some(v) => parse_vcpu(v)?,
            None => VcpuDef::default(),
        };
        check::iothreads(root)?;
        check::cpu(root)?;
        if vcpu.max == 0 {
            // Without <numa> cells the highest CPU ID is 0, which needs one vCPU.
            return Err(ConfError::Internal(
                "CPU IDs in <numa> exceed the <vcpu> count".into(),
            ));
        }
        check::features(root)?;
        check::lifecycle(root)?;
        check::clock(root)?;
        check::boot(root)?;
        let os = match top("os") {
            Some(o) => parse_os(o)?,
            None => OsDef::default(),
        };
        let mut lifecycle = Lifecycle::default();
        for (name, slot) in [
            ("on_poweroff", &mut lifecycle.on_poweroff),
            ("on_reboot", &mut lifecycle.on_reboot),
            ("on_crash", &mut lifecycle.on_crash),
        ] {
            if let Some(n) = top(name) {
                *slot = n.text().unwrap_or("").trim().to_owned();
            }
        }
        lifecycle.on_lockfailure =
            top("on_lockfailure").map(|n| n.text().unwrap_or("").trim().to_owned());
        let clock = match top("clock") {
            Some(c) => RawElement::from_node(c),
            None => RawElement {
                name: "clock".into(),
                attrs: vec![("offset".into(), "utc".into())],
                ..RawElement::default()
            },
        };
        let devices = match top("devices") {
            Some(d) => Devices::parse(d, ctx)?,
            None => Devices::default(),
        };
        // libvirt's post-parse checks.
        if memory_kib == 0 && numa_memory_kib(top("cpu")) == 0 {
            return Err(ConfError::XmlError(
                "Memory size must be specified via <memory> or in the <numa> configuration".into(),
            ));
        }
        if name.contains('/') {
            return Err(ConfError::XmlError(format!(
                "name {name} cannot contain '/'"
            )));
        }
        // Define-time validation.
        if ctx.validate
            && let Some(d) = top("devices")
        {
            check::disk_targets(d)?;
        }
        let typed = [
            "name",
            "uuid",
            "genid",
            "title",
            "description",
            "metadata",
            "maxMemory",
            "memory",
            "currentMemory",
            "vcpu",
            "os",
            "clock",
            "on_poweroff",
            "on_reboot",
            "on_crash",
            "on_lockfailure",
            "devices",
        ];
        let mut sections = Vec::new();
        let mut namespaced = Vec::new();
        for c in root.children().filter(|c| c.is_element()) {
            let n = c.tag_name().name();
            if let Some(uri) = c.tag_name().namespace() {
                namespaced.push(namespaced_element(c, uri));
                continue;
            }
            if typed.contains(&n) {
                continue;
            }
            if let Some(i) = SECTION_ORDER.iter().position(|s| *s == n) {
                let mut raw = RawElement::from_node(c);
                if n == "cputune" {
                    cputune::normalize_cputune(&mut raw)?;
                }
                if n == "cpu" {
                    // libvirt prints a feature's policy before its name.
                    for f in raw.elements_mut().filter(|f| f.name == "feature") {
                        if let Some(i) = f.attrs.iter().position(|(k, _)| k == "policy") {
                            let p = f.attrs.remove(i);
                            f.attrs.insert(0, p);
                        }
                    }
                }
                sections.push((i, raw));
            }
        }
        let mut def = DomainDef {
            virt_type,
            id,
            name,
            uuid,
            genid,
            title: top("title").map(text_of),
            description: top("description").map(text_of),
            metadata: top("metadata").map(RawElement::from_node),
            max_memory,
            memory_kib,
            dump_core,
            current_memory_kib,
            vcpus: vcpu.max,
            vcpu,
            os,
            lifecycle,
            clock,
            devices,
            sections,
            namespaced,
        };
        def.post_parse()?;
        if let Some(facts) = qemu_facts {
            // libvirt runs the driver's callbacks between its own steps; the arch default
            // above is the only common step they depend on, and the implicit devices
            // come after them.
            qemu::domain_defaults(&mut def, facts)?;
            qemu::device_defaults(&mut def);
            def.devices.add_implicit_disk_controllers();
            qemu::implicit_chardevs(&mut def);
            qemu::implicit_video(&mut def);
            qemu::assign_pci_addresses(&mut def)?;
        } else {
            def.devices.add_implicit_disk_controllers();
        }
        Ok(def)
    }

    /// libvirt's common post-parse defaults.
    fn post_parse(&mut self) -> Result<(), ConfError> {
        // The guest architecture comes from the capabilities: the test driver's default
        // guest is i686, the generic and QEMU test capabilities' first guest is x86_64.
        if self.os.arch.is_none() {
            let arch = if self.virt_type == "test" {
                "i686"
            } else {
                "x86_64"
            };
            self.os.arch = Some(arch.into());
        }
        if self.os.os_type == "hvm" && self.os.boot_devs.is_empty() && !self.has_boot_order() {
            self.os.boot_devs.push("hd".into());
        }
        Ok(())
    }

    fn has_boot_order(&self) -> bool {
        self.devices
            .interfaces
            .iter()
            .map(|d| &d.info)
            .chain(self.devices.others.iter().filter_map(|(_, d)| d.info()))
            .any(|i| i.boot_order.is_some())
    }

    /// Formats the definition. `live_id` is the domain id of a running domain; it is printed
    /// unless `flags` asks for the inactive configuration.
    pub fn to_xml(&self, flags: FormatFlags, live_id: Option<i32>) -> String {
        // Devices make up most of a domain's text (a disk is about 300 bytes): sizing the
        // buffer up front saves regrowing and copying it several times for large domains.
        let devices = self.devices.others.len() + self.devices.interfaces.len();
        let mut w = XmlWriter::with_capacity(2048 + 384 * devices);
        self.format(&mut w, flags, live_id);
        w.finish()
    }

    /// Writes `<domain>` into `w`.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags, live_id: Option<i32>) {
        // libvirt formats a domain that has no id (not running) as its inactive config.
        let flags = if live_id.is_none() {
            flags | FormatFlags::INACTIVE
        } else {
            flags
        };
        w.start("domain").attr("type", &self.virt_type);
        if !flags.inactive()
            && let Some(id) = live_id
        {
            w.attr_display("id", id);
        }
        let mut ns_decl: Vec<(String, String)> = Vec::new();
        for e in &self.namespaced {
            for d in &e.namespaces {
                if !ns_decl.contains(d) {
                    ns_decl.push(d.clone());
                }
            }
        }
        // Declared on the root element, as libvirt's namespace formatters do.
        for (p, uri) in &ns_decl {
            w.attr(&format!("xmlns:{p}"), uri);
        }
        for (i, sec) in SECTION_ORDER.iter().enumerate() {
            self.format_section(w, flags, i, sec);
            for (_, raw) in self.sections.iter().filter(|(k, _)| *k == i) {
                raw.write(w);
            }
        }
        for e in &self.namespaced {
            // The declarations moved to the root element.
            let mut e = e.clone();
            e.namespaces.clear();
            e.write(w);
        }
        w.end();
    }

    fn format_section(&self, w: &mut XmlWriter, flags: FormatFlags, _i: usize, sec: &str) {
        match sec {
            "name" => {
                w.text_element("name", &self.name);
            }
            "uuid" => {
                w.text_element("uuid", &format_uuid(&self.uuid));
            }
            "genid" => {
                // A requested-but-empty genid is printed only once one was generated.
                if let Some(Some(g)) = &self.genid {
                    w.text_element("genid", &format_uuid(g));
                }
            }
            "title" => {
                w.text_element_opt("title", self.title.as_deref());
            }
            "description" => {
                w.text_element_opt("description", self.description.as_deref());
            }
            "metadata" => {
                if let Some(m) = &self.metadata {
                    oxvirt_xml::raw::write_metadata(w, m);
                }
            }
            "maxMemory" => {
                if let Some((slots, kib)) = self.max_memory
                    && (slots > 0 || kib > 0)
                {
                    w.start("maxMemory")
                        .attr_display("slots", slots)
                        .attr("unit", "KiB")
                        .text(&kib.to_string())
                        .end();
                }
            }
            "memory" => {
                w.start("memory");
                if let Some(d) = self.dump_core {
                    w.attr("dumpCore", util::on_off(d));
                }
                w.attr("unit", "KiB")
                    .text(&self.memory_kib.to_string())
                    .end();
            }
            "currentMemory" => {
                w.start("currentMemory")
                    .attr("unit", "KiB")
                    .text(&self.current_memory_kib.to_string())
                    .end();
            }
            "vcpu" => {
                let v = &self.vcpu;
                w.start("vcpu").attr("placement", &v.placement);
                if let Some(cs) = &v.cpuset {
                    w.attr("cpuset", format_bitmap(cs));
                }
                if v.current != v.max {
                    w.attr_display("current", v.current);
                }
                w.text(&v.max.to_string()).end();
            }
            "os" => self.format_os(w),
            "clock" => self.clock.write(w),
            "on_poweroff" => {
                w.text_element("on_poweroff", &self.lifecycle.on_poweroff);
            }
            "on_reboot" => {
                w.text_element("on_reboot", &self.lifecycle.on_reboot);
            }
            "on_crash" => {
                w.text_element("on_crash", &self.lifecycle.on_crash);
            }
            "on_lockfailure" => {
                w.text_element_opt("on_lockfailure", self.lifecycle.on_lockfailure.as_deref());
            }
            "devices" => self.devices.format(w, flags),
            _ => {}
        }
    }

    fn format_os(&self, w: &mut XmlWriter) {
        let os = &self.os;
        w.start("os").attr_opt("firmware", os.firmware.as_deref());
        w.start("type")
            .attr_opt("arch", os.arch.as_deref())
            .attr_opt("machine", os.machine.as_deref())
            .text(&os.os_type)
            .end();
        for name in OS_ORDER {
            if *name == "boot" {
                for b in &os.boot_devs {
                    w.start("boot").attr("dev", b).end();
                }
                continue;
            }
            for e in os.extra.iter().filter(|e| e.name == *name) {
                e.write(w);
            }
        }
        w.end();
    }
}

/// libvirt's QEMU namespace; libvirt always prints it with the `qemu` prefix.
const QEMU_NS: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

fn rename_prefix(e: &mut RawElement, from: &str, to: &str) {
    if from.is_empty() {
        // Default namespace: unprefixed names belong to it.
        if !e.name.contains(':') {
            e.name = format!("{to}:{}", e.name).into();
        }
    } else if let Some(local) = e.name.strip_prefix(from).and_then(|r| r.strip_prefix(':')) {
        e.name = format!("{to}:{local}").into();
    }
    for c in e.elements_mut() {
        rename_prefix(c, from, to);
    }
}

/// A top-level element in a foreign namespace, with that namespace's declaration attached
/// (wherever the input declared it) and libvirt's prefix for the QEMU namespace.
fn namespaced_element(c: Node<'_, '_>, uri: &str) -> RawElement {
    let mut raw = RawElement::from_node(c);
    let prefix = c.lookup_prefix(uri).unwrap_or("").to_owned();
    let want = if uri == QEMU_NS {
        "qemu".to_owned()
    } else {
        prefix.clone()
    };
    if prefix != want {
        rename_prefix(&mut raw, &prefix, &want);
    }
    raw.namespaces.retain(|(_, u)| u != uri);
    raw.namespaces.insert(0, (want, uri.to_owned()));
    raw
}

fn parse_vcpu(v: Node<'_, '_>) -> Result<VcpuDef, ConfError> {
    let text: String = v
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    let max = check::str_to_uint(&text)
        .ok_or_else(|| ConfError::XmlError("maximum vcpus count must be an integer".into()))?;
    let current = util::attr_u32(v, "current")?.unwrap_or(max);
    let placement = match v.attribute("placement") {
        None => "static",
        Some(p @ ("static" | "auto")) => p,
        Some(p) => return Err(util::invalid_attr(v, "placement", p)),
    };
    let cpuset = match v.attribute("cpuset") {
        Some(s) if placement != "auto" => {
            let bits = parse_bitmap(s)
                .ok_or_else(|| ConfError::InvalidArg(format!("Failed to parse bitmap '{s}'")))?;
            if bits.is_empty() {
                return Err(ConfError::Unsupported(format!(
                    "Invalid value of 'cpuset': {s}"
                )));
            }
            Some(bits)
        }
        _ => None,
    };
    if current > max {
        return Err(ConfError::Unsupported(
            "maximum vCPU count must not be less than current vCPU count".into(),
        ));
    }
    Ok(VcpuDef {
        max,
        current,
        placement: placement.to_owned(),
        cpuset,
    })
}

fn parse_os(o: Node<'_, '_>) -> Result<OsDef, ConfError> {
    let ty = child(o, "type");
    let mut os = OsDef {
        firmware: o.attribute("firmware").map(str::to_owned),
        os_type: ty
            .map(|t| t.text().unwrap_or("").trim().to_owned())
            .unwrap_or_default(),
        arch: ty.and_then(|t| t.attribute("arch")).map(str::to_owned),
        machine: ty.and_then(|t| t.attribute("machine")).map(str::to_owned),
        ..OsDef::default()
    };
    for c in o.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "type" => {}
            "boot" => {
                // check::boot refused a boot without dev among the first four.
                if let Some(dev) = c.attribute("dev") {
                    os.boot_devs.push(dev.to_owned());
                }
            }
            _ => os.extra.push(RawElement::from_node(c)),
        }
    }
    Ok(os)
}
