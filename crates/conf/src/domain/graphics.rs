//! `<graphics type='vnc'>` (`virDomainGraphicsDef` for VNC): listen handling with the
//! legacy `listen`/`socket` attributes, autoport, and libvirt's canonical output. Other
//! graphics types stay verbatim ([`super::RawDevice`]).

use super::util::{invalid_attr, parse_yes_no, yes_no};
use crate::{ConfError, FormatFlags, ParseCtx};
use oxvirt_xml::read::children;
use oxvirt_xml::{RawElement, XmlWriter};
use roxmltree::Node;

/// One `<listen>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// `address`, `network`, `socket` or `none`.
    pub kind: String,
    /// `address='…'`.
    pub address: Option<String>,
    /// `network='…'`.
    pub network: Option<String>,
    /// `socket='…'`.
    pub socket: Option<String>,
}

/// A VNC graphics device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VncGraphics {
    /// `port` (0 = none chosen).
    pub port: i32,
    /// `autoport`.
    pub autoport: bool,
    /// `websocket`.
    pub websocket: i32,
    /// `keymap`.
    pub keymap: Option<String>,
    /// `sharePolicy`.
    pub share_policy: Option<String>,
    /// `powerControl`.
    pub power_control: Option<bool>,
    /// `passwd`.
    pub passwd: Option<String>,
    /// `passwdValidTo` verbatim.
    pub passwd_valid_to: Option<String>,
    /// `connected`.
    pub connected: Option<String>,
    /// Listens, first one mirrored into the legacy attributes.
    pub listens: Vec<Listen>,
    /// Other children (`<audio>`), verbatim.
    pub extra: Vec<RawElement>,
}

fn cfg(msg: String) -> ConfError {
    ConfError::Unsupported(msg)
}

impl VncGraphics {
    /// Parses a `<graphics type='vnc'>` element.
    pub fn parse(node: Node<'_, '_>, ctx: &ParseCtx<'_>) -> Result<VncGraphics, ConfError> {
        let address_compat = node.attribute("listen");
        let socket_compat = node.attribute("socket");
        let mut listens = Vec::new();
        for (i, l) in children(node, "listen").enumerate() {
            let kind = match l.attribute("type") {
                Some(t @ ("address" | "network" | "socket" | "none")) => t.to_owned(),
                Some(t) => return Err(invalid_attr(l, "type", t)),
                None => {
                    return Err(ConfError::XmlDetail(
                        "Missing required attribute 'type' in element 'listen'".into(),
                    ));
                }
            };
            let mut address = l.attribute("address").map(str::to_owned);
            let mut socket = l.attribute("socket").map(str::to_owned);
            if i == 0 && kind == "address" {
                if let (Some(a), Some(c)) = (&address, address_compat)
                    && a != c
                {
                    return Err(cfg(format!(
                        "graphics 'listen' attribute '{c}' must match 'address' attribute of first listen element (found '{a}')"
                    )));
                }
                if address.is_none() {
                    address = address_compat.map(str::to_owned);
                }
            }
            if i == 0 && kind == "socket" {
                if let (Some(s), Some(c)) = (&socket, socket_compat)
                    && s != c
                {
                    return Err(cfg(format!(
                        "graphics 'socket' attribute '{c}' must match 'socket' attribute of first listen element (found '{s}')"
                    )));
                }
                if socket.is_none() {
                    socket = socket_compat.map(str::to_owned);
                }
            }
            let keep_addr = kind == "address" || (kind == "network" && ctx.live);
            let address = address.filter(|a| !a.is_empty() && keep_addr);
            let network = l.attribute("network").filter(|n| !n.is_empty());
            if network.is_some() && kind != "network" {
                return Err(ConfError::XmlDetail(
                    "'network' attribute is valid only for listen type 'network'".into(),
                ));
            }
            let socket = socket.filter(|s| !s.is_empty());
            if socket.is_some() && kind != "socket" {
                return Err(ConfError::XmlDetail(
                    "'socket' attribute is valid only for listen type 'socket'".into(),
                ));
            }
            listens.push(Listen {
                kind,
                address,
                network: network.map(str::to_owned),
                socket,
            });
        }
        let compat = match socket_compat {
            Some(s) => Listen {
                kind: "socket".into(),
                address: None,
                network: None,
                socket: Some(s.to_owned()),
            },
            None => Listen {
                kind: "address".into(),
                address: address_compat.filter(|a| !a.is_empty()).map(str::to_owned),
                network: None,
                socket: None,
            },
        };
        if listens.is_empty() {
            listens.push(compat);
        } else if (listens[0].kind == "address" || listens[0].kind == "network")
            && compat.kind == "socket"
        {
            listens[0] = compat;
        }

        let mut port = 0;
        let mut autoport = false;
        match node.attribute("port") {
            Some(p) => {
                port = p
                    .trim()
                    .parse()
                    .map_err(|_| ConfError::Internal(format!("cannot parse vnc port {p}")))?;
                if port == -1 {
                    if !ctx.live {
                        port = 0;
                    }
                    autoport = true;
                }
            }
            None => autoport = true,
        }
        if let Some(a) = node.attribute("autoport") {
            if let Some(b) = parse_yes_no(a) {
                autoport = b;
            }
            if autoport && !ctx.live {
                port = 0;
            }
        }
        let websocket = match node.attribute("websocket") {
            None => 0,
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| invalid_attr(node, "websocket", v))?,
        };
        let power_control = match node.attribute("powerControl") {
            None => None,
            Some(v) => Some(parse_yes_no(v).ok_or_else(|| invalid_attr(node, "powerControl", v))?),
        };
        let passwd = node.attribute("passwd").map(str::to_owned);
        let extra = node
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() != "listen")
            .map(RawElement::from_node)
            .collect();
        Ok(VncGraphics {
            port,
            autoport,
            websocket,
            keymap: node.attribute("keymap").map(str::to_owned),
            share_policy: node.attribute("sharePolicy").map(str::to_owned),
            power_control,
            passwd_valid_to: passwd
                .as_ref()
                .and(node.attribute("passwdValidTo").map(str::to_owned)),
            connected: passwd
                .as_ref()
                .and(node.attribute("connected").map(str::to_owned)),
            passwd,
            listens,
            extra,
        })
    }

    /// Prints the element.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        w.start("graphics").attr("type", "vnc");
        let first = self.listens.first();
        match first.map(|l| l.kind.as_str()) {
            Some("socket") => {
                w.attr_opt("socket", first.and_then(|l| l.socket.as_deref()));
            }
            Some("address") | Some("network") => {
                if self.port != 0 && (!self.autoport || !flags.inactive()) {
                    w.attr_display("port", self.port);
                } else if self.autoport {
                    w.attr("port", "-1");
                }
                w.attr("autoport", yes_no(self.autoport));
                if self.websocket != 0 {
                    w.attr_display("websocket", self.websocket);
                }
                if let Some(l) = first
                    && !(l.kind == "network" && flags.inactive())
                {
                    w.attr_opt("listen", l.address.as_deref());
                }
            }
            _ => {}
        }
        w.attr_opt("keymap", self.keymap.as_deref());
        w.attr_opt("sharePolicy", self.share_policy.as_deref());
        if let Some(p) = self.power_control {
            w.attr("powerControl", yes_no(p));
        }
        if let Some(p) = &self.passwd {
            if flags.secure() {
                w.attr("passwd", p);
            }
            w.attr_opt("passwdValidTo", self.passwd_valid_to.as_deref());
            w.attr_opt("connected", self.connected.as_deref());
        }
        for l in &self.listens {
            w.start("listen").attr("type", &l.kind);
            if l.kind == "address" || (l.kind == "network" && !flags.inactive()) {
                w.attr_opt("address", l.address.as_deref());
            }
            if l.kind == "network" {
                w.attr_opt("network", l.network.as_deref());
            }
            if l.kind == "socket" {
                w.attr_opt("socket", l.socket.as_deref());
            }
            w.end();
        }
        for e in &self.extra {
            e.write(w);
        }
        w.end();
    }
}
