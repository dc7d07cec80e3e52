//! `<portgroup>`: a named set of port settings (vlan, virtualport, bandwidth) that an
//! interface picks with `<source portgroup=…>`, or gets by default.

use super::util::{Out, Val, prop_tristate, xml_error, xp_attr, xp_child, yes_no};
use crate::ConfError;
use crate::generate::Generator;
use crate::netdev::{Bandwidth, VirtualPort, VirtualPortParse, Vlan};
use roxmltree::Node;

/// One `<portgroup>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortGroup {
    /// `name`.
    pub name: String,
    /// `default='yes'`.
    pub is_default: bool,
    /// `trustGuestRxFilters`.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<virtualport>` (type optional here).
    pub virtualport: Option<VirtualPort>,
    /// `<bandwidth>`.
    pub bandwidth: Option<Bandwidth>,
    /// `<vlan>`.
    pub vlan: Option<Vlan>,
}

impl PortGroup {
    /// Reads one `<portgroup>`.
    pub(crate) fn parse(
        node: Node<'_, '_>,
        generator: &mut dyn Generator,
    ) -> Result<PortGroup, ConfError> {
        let name = xp_attr(node, "name")
            .ok_or_else(|| xml_error("Missing required name attribute in portgroup"))?;
        let is_default = xp_attr(node, "default").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        let trust_guest_rx_filters = prop_tristate(node, "trustGuestRxFilters")?;
        let virtualport = match xp_child(node, "virtualport") {
            None => None,
            Some(v) => Some(VirtualPort::parse(
                v,
                VirtualPortParse::default(),
                generator,
            )?),
        };
        let bandwidth = match xp_child(node, "bandwidth") {
            None => None,
            Some(b) => super::parse_bandwidth(b)?,
        };
        let vlan = match xp_child(node, "vlan") {
            None => None,
            Some(v) => Some(Vlan::parse(v)?),
        };
        Ok(PortGroup {
            name: name.to_owned(),
            is_default,
            trust_guest_rx_filters,
            virtualport,
            bandwidth,
            vlan,
        })
    }

    /// Writes `<portgroup>`; libvirt always closes it with a separate end tag.
    pub(crate) fn format(&self, out: &mut Out) {
        // libvirt prints the name unescaped
        let mut attrs = vec![("name", Val::Raw(&self.name))];
        if self.is_default {
            attrs.push(("default", Val::Esc("yes")));
        }
        if let Some(t) = self.trust_guest_rx_filters {
            attrs.push(("trustGuestRxFilters", Val::Esc(yes_no(t))));
        }
        out.open("portgroup", &attrs);
        out.frag(|w| {
            if let Some(v) = &self.vlan {
                v.format(w);
            }
            if let Some(v) = &self.virtualport {
                v.format(w);
            }
            if let Some(b) = &self.bandwidth {
                b.format(w);
            }
        });
        out.close("portgroup");
    }
}
