//! Network-device settings shared by a domain's `<interface>` and a `<network>` (and its
//! `<portgroup>`s): `<virtualport>`, `<bandwidth>`, `<vlan>`, `<port isolated>` and MAC
//! addresses.
//!
//! Each type parses from its element, formats back in libvirt's layout, and carries the
//! comparison libvirt uses when a live interface is updated (`virNetDevVPortProfileEqual`,
//! `virNetDevBandwidthEqual`, `virNetDevVlanEqual`). The virtualport also knows how the
//! network driver merges the interface's, portgroup's and network's virtualports at port
//! allocation ([`VirtualPort::merge`]).

use crate::domain::util::format_uuid;
use crate::error::ConfError;
use crate::generate::Generator;
use crate::network::util::{
    parse_uuid, prop_enum, prop_tristate, prop_uint_required, to_ui, to_ullp, xp_attr, xp_children,
};
use oxvirt_xml::XmlWriter;
use oxvirt_xml::read::{child, children};
use roxmltree::Node;
use std::fmt;

/// A 48-bit Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Parses `aa:bb:cc:dd:ee:ff` (libvirt also accepts single hex digits per byte).
    pub fn parse(text: &str) -> Option<MacAddr> {
        let mut out = [0u8; 6];
        let mut parts = text.split(':');
        for byte in &mut out {
            let part = parts.next()?;
            if part.is_empty() || part.len() > 2 {
                return None;
            }
            *byte = u8::from_str_radix(part, 16).ok()?;
        }
        parts.next().is_none().then_some(MacAddr(out))
    }

    /// `true` for a multicast address, which libvirt refuses for an interface.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

// ---------------------------------------------------------------------------------------
// <virtualport>
// ---------------------------------------------------------------------------------------

/// `<virtualport type=…>`: how the port is plugged into an external switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VirtualPortType {
    /// `802.1Qbg` (VEPA with VDP association).
    Qbg,
    /// `802.1Qbh` (port profile on the upstream switch).
    Qbh,
    /// `openvswitch`.
    OpenVSwitch,
    /// `midonet`.
    Midonet,
}

impl VirtualPortType {
    /// The `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            VirtualPortType::Qbg => "802.1Qbg",
            VirtualPortType::Qbh => "802.1Qbh",
            VirtualPortType::OpenVSwitch => "openvswitch",
            VirtualPortType::Midonet => "midonet",
        }
    }

    /// The variant for a `type` attribute value.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "802.1Qbg" => Some(VirtualPortType::Qbg),
            "802.1Qbh" => Some(VirtualPortType::Qbh),
            "openvswitch" => Some(VirtualPortType::OpenVSwitch),
            "midonet" => Some(VirtualPortType::Midonet),
            _ => None,
        }
    }
}

/// How strictly a `<virtualport>` is read; differs by where it appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VirtualPortParse {
    /// Fill a missing `instanceid`/`interfaceid` with a random UUID (interfaces only).
    pub generate_missing: bool,
    /// The `type` attribute is mandatory (every interface type except `network`).
    pub require_type: bool,
    /// Every parameter the type needs must be present (interfaces with a fixed type).
    pub require_all: bool,
}

/// A `<virtualport>` and its `<parameters>`. `None` fields were not given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VirtualPort {
    /// `None` for an untyped virtualport (allowed on `type='network'` interfaces and in
    /// networks, filled in by the merge at port allocation).
    pub kind: Option<VirtualPortType>,
    /// 802.1Qbg `managerid`.
    pub manager_id: Option<u8>,
    /// 802.1Qbg `typeid` (24 bits).
    pub type_id: Option<u32>,
    /// 802.1Qbg `typeidversion`.
    pub type_id_version: Option<u8>,
    /// 802.1Qbg `instanceid`.
    pub instance_id: Option<[u8; 16]>,
    /// 802.1Qbh / openvswitch `profileid`: at most [`PROFILE_ID_MAX`] bytes, never empty
    /// (libvirt stores it in a fixed buffer where empty means unset).
    pub profile_id: Option<String>,
    /// openvswitch / midonet `interfaceid`.
    pub interface_id: Option<[u8; 16]>,
}

/// Longest `profileid` libvirt keeps: its buffer holds 40 bytes with the terminating NUL.
pub const PROFILE_ID_MAX: usize = 39;

impl VirtualPort {
    /// Reads `<virtualport>`; ids are generated as `how` asks (SPEC §1.3).
    pub fn parse(
        node: Node<'_, '_>,
        how: VirtualPortParse,
        generator: &mut dyn Generator,
    ) -> Result<VirtualPort, ConfError> {
        let kind =
            match node.attribute("type") {
                None => None,
                Some(t) => Some(VirtualPortType::from_name(t).ok_or_else(|| {
                    ConfError::Unsupported(format!("unknown virtualport type {t}"))
                })?),
            };
        if kind.is_none() && how.require_type {
            return Err(ConfError::XmlError(
                "missing required virtualport type".into(),
            ));
        }
        let mut vp = VirtualPort {
            kind,
            ..VirtualPort::default()
        };
        if let Some(p) = child(node, "parameters") {
            vp.manager_id = parse_bounded(p, "managerid", "of", 0xff)?.map(|v| v as u8);
            vp.type_id = parse_bounded(p, "typeid", "for", 0xff_ffff)?;
            vp.type_id_version = parse_bounded(p, "typeidversion", "of", 0xff)?.map(|v| v as u8);
            vp.instance_id = parse_uuid_attr(p, "instanceid")?;
            if let Some(id) = p.attribute("profileid") {
                if id.len() > PROFILE_ID_MAX {
                    return Err(ConfError::XmlError("profileid parameter too long".into()));
                }
                vp.profile_id = (!id.is_empty()).then(|| id.to_owned());
            }
            vp.interface_id = parse_uuid_attr(p, "interfaceid")?;
        }
        if how.generate_missing {
            vp.generate_missing_ids(generator);
        }
        if how.require_all {
            vp.check_complete_with(true)?;
        }
        vp.check_no_extras()?;
        Ok(vp)
    }

    /// Fills a missing `instanceid` (802.1Qbg, untyped) and `interfaceid` (openvswitch,
    /// untyped) with random UUIDs, as libvirt's parser and port allocation do.
    pub fn generate_missing_ids(&mut self, generator: &mut dyn Generator) {
        if self.instance_id.is_none() && matches!(self.kind, None | Some(VirtualPortType::Qbg)) {
            self.instance_id = Some(generator.uuid());
        }
        if self.interface_id.is_none()
            && matches!(self.kind, None | Some(VirtualPortType::OpenVSwitch))
        {
            self.interface_id = Some(generator.uuid());
        }
    }

    /// Every parameter the type needs is present, as libvirt checks when it allocates a
    /// network port (`virNetDevVPortProfileCheckComplete(…, true)`): the ids it would
    /// generate there (802.1Qbg `instanceid`, openvswitch `interfaceid`) are not required;
    /// call [`VirtualPort::generate_missing_ids`] to fill them.
    pub fn check_complete(&self) -> Result<(), ConfError> {
        self.check_complete_with(false)
    }

    /// `ids_required`: also demand the ids libvirt can generate (the parser's check,
    /// `virNetDevVPortProfileCheckComplete(…, false)`).
    fn check_complete_with(&self, ids_required: bool) -> Result<(), ConfError> {
        use VirtualPortType as T;
        let missing = match self.kind {
            Some(T::Qbg) if self.manager_id.is_none() => "managerid",
            Some(T::Qbg) if self.type_id.is_none() => "typeid",
            Some(T::Qbg) if self.type_id_version.is_none() => "typeidversion",
            Some(T::Qbg) if ids_required && self.instance_id.is_none() => "instanceid",
            Some(T::Qbh) if self.profile_id.is_none() => "profileid",
            Some(T::OpenVSwitch) if ids_required && self.interface_id.is_none() => "interfaceid",
            Some(T::Midonet) if self.interface_id.is_none() => "interfaceid",
            _ => return Ok(()),
        };
        Err(self.type_error("missing", missing))
    }

    /// No parameter the type does not have, named one at a time in libvirt's order.
    /// midonet is not checked at all (libvirt accepts and then ignores its extras).
    fn check_no_extras(&self) -> Result<(), ConfError> {
        use VirtualPortType as T;
        let qbg_extra = [
            ("managerid", self.manager_id.is_some()),
            ("typeid", self.type_id.is_some()),
            ("typeidversion", self.type_id_version.is_some()),
            ("instanceid", self.instance_id.is_some()),
        ];
        let extras: &[(&str, bool)] = match self.kind {
            Some(T::Qbg) => &[
                ("profileid", self.profile_id.is_some()),
                ("interfaceid", self.interface_id.is_some()),
            ],
            Some(T::Qbh) => &[
                qbg_extra[0],
                qbg_extra[1],
                qbg_extra[2],
                qbg_extra[3],
                ("interfaceid", self.interface_id.is_some()),
            ],
            Some(T::OpenVSwitch) => &qbg_extra,
            Some(T::Midonet) | None => &[],
        };
        match extras.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(self.type_error("extra", name)),
            None => Ok(()),
        }
    }

    /// `missing X in <virtualport type='T'>` / `extra X unsupported in …`.
    fn type_error(&self, what: &str, param: &str) -> ConfError {
        let kind = self.kind.map_or("none", VirtualPortType::as_str);
        let verb = if what == "extra" { " unsupported" } else { "" };
        ConfError::XmlError(format!(
            "{what} {param}{verb} in <virtualport type='{kind}'>"
        ))
    }

    /// libvirt's virtualport equality (SPEC §5): the type must match; then 802.1Qbg
    /// compares manager/type/version/instance, 802.1Qbh the profile, openvswitch profile
    /// and interface id, midonet and untyped nothing more (so a midonet `interfaceid`
    /// change is not seen).
    pub fn same_as(&self, other: &VirtualPort) -> bool {
        if self.kind != other.kind {
            return false;
        }
        match self.kind {
            Some(VirtualPortType::Qbg) => {
                self.manager_id.unwrap_or(0) == other.manager_id.unwrap_or(0)
                    && self.type_id.unwrap_or(0) == other.type_id.unwrap_or(0)
                    && self.type_id_version.unwrap_or(0) == other.type_id_version.unwrap_or(0)
                    && self.instance_id.unwrap_or_default() == other.instance_id.unwrap_or_default()
            }
            Some(VirtualPortType::Qbh) => self.profile_id == other.profile_id,
            Some(VirtualPortType::OpenVSwitch) => {
                self.profile_id == other.profile_id
                    && self.interface_id.unwrap_or_default()
                        == other.interface_id.unwrap_or_default()
            }
            Some(VirtualPortType::Midonet) | None => true,
        }
    }

    /// [`VirtualPort::same_as`] lifted to optional virtualports: both absent are equal,
    /// one absent is a difference.
    pub fn equal_opt(a: Option<&VirtualPort>, b: Option<&VirtualPort>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same_as(b),
            _ => false,
        }
    }

    /// The effective virtualport of a network port: per field, the interface's value wins,
    /// then the portgroup's, then the network's. Conflicting types are an error, as in
    /// libvirt's merge.
    pub fn merge(
        iface: Option<&VirtualPort>,
        portgroup: Option<&VirtualPort>,
        network: Option<&VirtualPort>,
    ) -> Result<Option<VirtualPort>, ConfError> {
        let sources: Vec<&VirtualPort> =
            [iface, portgroup, network].into_iter().flatten().collect();
        if sources.is_empty() {
            return Ok(None);
        }
        let mut kind = None;
        for vp in &sources {
            match (kind, vp.kind) {
                (None, k) => kind = k,
                (Some(a), Some(b)) if a != b => {
                    return Err(ConfError::Unsupported(format!(
                        "attempt to merge virtualports with mismatched types ({} and {})",
                        a.as_str(),
                        b.as_str()
                    )));
                }
                _ => {}
            }
        }
        fn first<T: Clone>(
            sources: &[&VirtualPort],
            get: impl Fn(&VirtualPort) -> Option<T>,
        ) -> Option<T> {
            sources.iter().find_map(|vp| get(vp))
        }
        Ok(Some(VirtualPort {
            kind,
            manager_id: first(&sources, |v| v.manager_id),
            type_id: first(&sources, |v| v.type_id),
            type_id_version: first(&sources, |v| v.type_id_version),
            instance_id: first(&sources, |v| v.instance_id),
            profile_id: first(&sources, |v| v.profile_id.clone()),
            interface_id: first(&sources, |v| v.interface_id),
        }))
    }

    /// Writes `<virtualport>` as libvirt does: nothing for an untyped one without
    /// parameters, and only the parameters the type has. libvirt prints `profileid`
    /// without escaping it, so this does too (hence the hand-built element).
    pub fn format(&self, w: &mut XmlWriter) {
        let is = |kinds: &[Option<VirtualPortType>]| kinds.contains(&self.kind);
        use VirtualPortType as T;
        // libvirt decides "no parameters" on what is set, not on what the type prints.
        let none_set = self.manager_id.is_none()
            && self.type_id.is_none()
            && self.type_id_version.is_none()
            && self.instance_id.is_none()
            && self.profile_id.is_none()
            && self.interface_id.is_none();
        if self.kind.is_none() && none_set {
            return;
        }
        let mut out = String::from("<virtualport");
        if let Some(k) = self.kind {
            out.push_str(&format!(" type='{}'", k.as_str()));
        }
        if none_set {
            out.push_str("/>\n");
            w.raw_lines(&out);
            return;
        }
        out.push_str(">\n  <parameters");
        if is(&[Some(T::Qbg), None]) {
            if let Some(v) = self.manager_id {
                out.push_str(&format!(" managerid='{v}'"));
            }
            if let Some(v) = self.type_id {
                out.push_str(&format!(" typeid='{v}'"));
            }
            if let Some(v) = self.type_id_version {
                out.push_str(&format!(" typeidversion='{v}'"));
            }
            if let Some(v) = &self.instance_id {
                out.push_str(&format!(" instanceid='{}'", format_uuid(v)));
            }
        }
        if let Some(v) = &self.interface_id
            && is(&[Some(T::Midonet), Some(T::OpenVSwitch), None])
        {
            out.push_str(&format!(" interfaceid='{}'", format_uuid(v)));
        }
        if let Some(v) = &self.profile_id
            && is(&[Some(T::OpenVSwitch), Some(T::Qbh), None])
        {
            out.push_str(&format!(" profileid='{v}'"));
        }
        out.push_str("/>\n</virtualport>\n");
        w.raw_lines(&out);
    }
}

/// `virStrToLong_ui` (base 0, so `0x`/octal forms, and a minus sign wraps like C) bounded
/// by `max`. libvirt words the range error "value of X" except for typeid ("value for").
fn parse_bounded(
    node: Node<'_, '_>,
    name: &str,
    preposition: &str,
    max: u32,
) -> Result<Option<u32>, ConfError> {
    let Some(text) = node.attribute(name) else {
        return Ok(None);
    };
    let value = to_ui(text, 0)
        .ok_or_else(|| ConfError::XmlError(format!("cannot parse value of {name} parameter")))?;
    if value > max {
        return Err(ConfError::XmlError(format!(
            "value {preposition} {name} out of range"
        )));
    }
    Ok(Some(value))
}

fn parse_uuid_attr(node: Node<'_, '_>, name: &str) -> Result<Option<[u8; 16]>, ConfError> {
    match node.attribute(name) {
        None => Ok(None),
        Some(text) => parse_uuid(text)
            .map(Some)
            .ok_or_else(|| ConfError::XmlError(format!("cannot parse {name} parameter as a uuid"))),
    }
}
// ---------------------------------------------------------------------------------------
// <bandwidth>
// ---------------------------------------------------------------------------------------

/// One direction of `<bandwidth>` (kB/s, kB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BandwidthRate {
    /// `average` (0 = not given).
    pub average: u64,
    /// `peak`.
    pub peak: u64,
    /// `floor` (inbound only).
    pub floor: u64,
    /// `burst`.
    pub burst: u64,
}

impl BandwidthRate {
    fn parse(node: Node<'_, '_>) -> Result<BandwidthRate, ConfError> {
        // `virStrToLong_ullp` in base 10, as libvirt converts each rate.
        let num = |name: &str| -> Result<Option<u64>, ConfError> {
            let Some(v) = node.attribute(name) else {
                return Ok(None);
            };
            to_ullp(v, 10).map(Some).ok_or_else(|| {
                ConfError::Unsupported(format!("could not convert bandwidth {name} value '{v}'"))
            })
        };
        // libvirt's order: average converted, presence checked, then the others converted.
        let average = num("average")?;
        let has = |name: &str| node.attribute(name).is_some();
        if average.is_none() && !has("floor") {
            return Err(ConfError::XmlDetail(
                "Missing mandatory average or floor attributes".into(),
            ));
        }
        if (has("peak") || has("burst")) && average.is_none() {
            return Err(ConfError::Unsupported(
                "'peak' and 'burst' require 'average' attribute".into(),
            ));
        }
        let peak = num("peak")?;
        let burst = num("burst")?;
        let floor = num("floor")?;
        Ok(BandwidthRate {
            average: average.unwrap_or(0),
            peak: peak.unwrap_or(0),
            floor: floor.unwrap_or(0),
            burst: burst.unwrap_or(0),
        })
    }

    fn format(&self, w: &mut XmlWriter, name: &str) {
        w.start(name);
        if self.average != 0 {
            w.attr_display("average", self.average);
        }
        if self.peak != 0 {
            w.attr_display("peak", self.peak);
        }
        if self.floor != 0 {
            w.attr_display("floor", self.floor);
        }
        if self.burst != 0 {
            w.attr_display("burst", self.burst);
        }
        w.end();
    }
}

/// `<bandwidth>`: QoS of a port, from the guest's point of view (`inbound` = to the guest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bandwidth {
    /// `<inbound>`.
    pub inbound: Option<BandwidthRate>,
    /// `<outbound>`.
    pub outbound: Option<BandwidthRate>,
}

impl Bandwidth {
    /// Reads `<bandwidth>`; `None` when it has neither direction (libvirt keeps nothing).
    pub fn parse(node: Node<'_, '_>) -> Result<Option<Bandwidth>, ConfError> {
        let mut bw = Bandwidth::default();
        for (name, slot) in [("inbound", &mut bw.inbound), ("outbound", &mut bw.outbound)] {
            let mut found = children(node, name);
            if let Some(n) = found.next() {
                if found.next().is_some() {
                    return Err(ConfError::XmlDetail(format!(
                        "Only one child <{name}> element allowed"
                    )));
                }
                *slot = Some(BandwidthRate::parse(n)?);
            }
        }
        if bw.outbound.is_some_and(|o| o.floor != 0) {
            return Err(ConfError::Unsupported(
                "'floor' attribute allowed only in <inbound> element".into(),
            ));
        }
        Ok((bw.inbound.is_some() || bw.outbound.is_some()).then_some(bw))
    }

    /// libvirt's bandwidth equality: both absent, or each direction equal.
    pub fn equal_opt(a: Option<&Bandwidth>, b: Option<&Bandwidth>) -> bool {
        a == b
    }

    /// Writes `<bandwidth>` (nothing when both directions are absent).
    pub fn format(&self, w: &mut XmlWriter) {
        if self.inbound.is_none() && self.outbound.is_none() {
            return;
        }
        w.start("bandwidth");
        if let Some(r) = &self.inbound {
            r.format(w, "inbound");
        }
        if let Some(r) = &self.outbound {
            r.format(w, "outbound");
        }
        w.end();
    }
}

// ---------------------------------------------------------------------------------------
// <vlan>
// ---------------------------------------------------------------------------------------

/// `nativeMode` of a trunk's native VLAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VlanNativeMode {
    /// `tagged`.
    Tagged,
    /// `untagged`.
    Untagged,
}

impl VlanNativeMode {
    fn as_str(self) -> &'static str {
        match self {
            VlanNativeMode::Tagged => "tagged",
            VlanNativeMode::Untagged => "untagged",
        }
    }
}

/// `<vlan>`: one tag, or a trunk of several with an optional native VLAN.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vlan {
    /// `trunk='yes'` (implied by more than one tag).
    pub trunk: bool,
    /// The tags in document order.
    pub tags: Vec<u32>,
    /// The native VLAN's mode and tag, if one tag has `nativeMode`.
    pub native: Option<(VlanNativeMode, u32)>,
}

impl Vlan {
    /// Reads `<vlan>` with libvirt's checks in libvirt's order.
    pub fn parse(node: Node<'_, '_>) -> Result<Vlan, ConfError> {
        let tags = xp_children(node, "tag");
        if tags.is_empty() {
            return Err(ConfError::XmlError(
                "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"
                    .into(),
            ));
        }
        let mut vlan = Vlan::default();
        for tag in tags {
            let id = prop_uint_required(tag, "id", 10)?;
            if id > 4095 {
                return Err(ConfError::XmlError(format!(
                    "vlan tag id {id} too large (maximum 4095)"
                )));
            }
            let modes = [
                ("tagged", VlanNativeMode::Tagged),
                ("untagged", VlanNativeMode::Untagged),
            ];
            if let Some(mode) = prop_enum(tag, "nativeMode", &modes)? {
                if vlan.native.is_some() {
                    return Err(ConfError::XmlError("duplicate native vlan setting".into()));
                }
                vlan.native = Some((mode, id));
            }
            vlan.tags.push(id);
        }
        vlan.trunk = vlan.tags.len() > 1;
        if let Some(trunk) = xp_attr(node, "trunk") {
            vlan.trunk = trunk.eq_ignore_ascii_case("yes");
            if !vlan.trunk {
                if vlan.tags.len() > 1 {
                    return Err(ConfError::XmlError(format!(
                        "invalid \"trunk='{trunk}'\" in <vlan> - trunk='yes' is required for more than one vlan tag"
                    )));
                }
                if vlan.native.is_some() {
                    return Err(ConfError::XmlError(
                        "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id"
                            .into(),
                    ));
                }
                if !trunk.eq_ignore_ascii_case("no") {
                    return Err(ConfError::XmlError(format!(
                        "invalid \"trunk='{trunk}'\" in <vlan> - must be yes or no"
                    )));
                }
            }
        }
        Ok(vlan)
    }

    /// libvirt's VLAN equality (SPEC §3): trunk flag, native mode and tag, and the same
    /// set of tags regardless of order. An absent `<vlan>` equals one without tags.
    pub fn equal_opt(a: Option<&Vlan>, b: Option<&Vlan>) -> bool {
        let empty = Vlan::default();
        let a = a.unwrap_or(&empty);
        let b = b.unwrap_or(&empty);
        if a.trunk != b.trunk || a.native != b.native || a.tags.len() != b.tags.len() {
            return false;
        }
        a.tags.iter().all(|t| b.tags.contains(t))
    }

    /// Writes `<vlan>` (nothing without tags).
    pub fn format(&self, w: &mut XmlWriter) {
        if self.tags.is_empty() {
            return;
        }
        w.start("vlan");
        if self.trunk {
            w.attr("trunk", "yes");
        }
        for tag in &self.tags {
            w.start("tag").attr_display("id", tag);
            if let Some((mode, native)) = self.native
                && native == *tag
            {
                w.attr("nativeMode", mode.as_str());
            }
            w.end();
        }
        w.end();
    }
}

// ---------------------------------------------------------------------------------------
// <port isolated>
// ---------------------------------------------------------------------------------------

/// `<port isolated='yes|no'/>`: bridge port options. `None` = not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortOptions {
    /// The `isolated` tristate.
    pub isolated: Option<bool>,
}

impl PortOptions {
    /// Reads `<port>`: `isolated` is a yes/no tristate (libvirt refuses `on`/`off` here).
    pub fn parse(node: Node<'_, '_>) -> Result<PortOptions, ConfError> {
        Ok(PortOptions {
            isolated: prop_tristate(node, "isolated")?,
        })
    }

    /// Writes `<port isolated=…/>` when set.
    pub fn format(&self, w: &mut XmlWriter) {
        if let Some(iso) = self.isolated {
            w.start("port")
                .attr("isolated", if iso { "yes" } else { "no" })
                .end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::SequenceGenerator;
    use oxvirt_xml::parse_document;

    fn vport(xml: &str, how: VirtualPortParse) -> VirtualPort {
        let doc = parse_document(xml).expect("test XML");
        let mut g = SequenceGenerator::starting_at(7);
        VirtualPort::parse(doc.root_element(), how, &mut g).expect("valid virtualport")
    }

    const GENERATE: VirtualPortParse = VirtualPortParse {
        generate_missing: true,
        require_type: true,
        require_all: true,
    };

    #[test]
    fn test_virtualport_ovs_without_interfaceid_gets_generated_id() {
        let vp = vport("<virtualport type='openvswitch'/>", GENERATE);

        assert_eq!(
            vp.interface_id.map(|u| format_uuid(&u)).as_deref(),
            Some("00000000-0000-4000-8000-000000000007")
        );
    }

    #[test]
    fn test_virtualport_midonet_interfaceid_change_is_not_a_difference() {
        let a = vport(
            "<virtualport type='midonet'><parameters interfaceid='0b6f7c3e-2a1d-4e5f-9a8b-1c2d3e4f5a6b'/></virtualport>",
            GENERATE,
        );
        let b = vport(
            "<virtualport type='midonet'><parameters interfaceid='1b6f7c3e-2a1d-4e5f-9a8b-1c2d3e4f5a6b'/></virtualport>",
            GENERATE,
        );

        assert!(a.same_as(&b));
    }

    #[test]
    fn test_virtualport_merge_interface_wins_over_network() {
        let iface = VirtualPort {
            kind: Some(VirtualPortType::OpenVSwitch),
            profile_id: Some("mine".into()),
            ..VirtualPort::default()
        };
        let net = VirtualPort {
            kind: Some(VirtualPortType::OpenVSwitch),
            profile_id: Some("net".into()),
            interface_id: Some([1; 16]),
            ..VirtualPort::default()
        };

        let merged = VirtualPort::merge(Some(&iface), None, Some(&net)).expect("same types");

        assert_eq!(
            merged.map(|m| (m.profile_id, m.interface_id)),
            Some((Some("mine".into()), Some([1; 16])))
        );
    }

    #[test]
    fn test_vlan_equal_ignores_tag_order() {
        let a = Vlan {
            trunk: true,
            tags: vec![1, 2],
            native: None,
        };
        let b = Vlan {
            trunk: true,
            tags: vec![2, 1],
            native: None,
        };

        assert!(Vlan::equal_opt(Some(&a), Some(&b)));
    }

    #[test]
    fn test_mac_parse_formats_back_lowercase() {
        let mac = MacAddr::parse("52:54:00:AA:0:01");

        assert_eq!(
            mac.map(|m| m.to_string()).as_deref(),
            Some("52:54:00:aa:00:01")
        );
    }
}
