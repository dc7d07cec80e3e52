//! Character device sources (`virDomainChrSourceDef`): the `<source>`, `<protocol>` and
//! `<log>` children shared by serial/parallel/console/channel devices, smartcard
//! passthrough, redirdev and the rng `egd` backend.
//!
//! Flow: [`ChrSourceDef::parse`] reads the children of the element carrying `type='…'`,
//! [`ChrSourceDef::validate`] applies libvirt's checks (missing host/service/path, reconnect
//! only in connect mode), and [`ChrSourceDef::format`] prints them canonically (explicit
//! `mode`, `<protocol type='raw'/>` for TCP, UDP bind before connect).

use super::util::{on_off, parse_on_off, parse_yes_no, yes_no};
use crate::{ConfError, FormatFlags, ParseCtx};
use oxvirt_xml::XmlWriter;
use oxvirt_xml::read::{child, children};
use roxmltree::Node;

/// `<reconnect enabled='…' timeout='…'/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconnect {
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `timeout` (seconds), required when enabled.
    pub timeout: u32,
}

/// The typed part of a character device source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChrSource {
    /// `tcp`.
    Tcp {
        /// `mode='bind'`.
        listen: bool,
        /// Host.
        host: Option<String>,
        /// Service (port).
        service: Option<String>,
        /// `tls='yes|no'`.
        tls: Option<bool>,
        /// `<reconnect>`.
        reconnect: Option<Reconnect>,
        /// `<protocol type>` (default `raw`).
        protocol: String,
    },
    /// `udp`: bind and connect ends.
    Udp {
        /// (host, service) of the bind end.
        bind: (Option<String>, Option<String>),
        /// (host, service) of the connect end.
        connect: (Option<String>, Option<String>),
    },
    /// `unix`.
    Unix {
        /// `mode='bind'`.
        listen: bool,
        /// Socket path.
        path: Option<String>,
        /// `<reconnect>`.
        reconnect: Option<Reconnect>,
    },
    /// `file`.
    File {
        /// Path.
        path: Option<String>,
        /// `append='on|off'`.
        append: Option<bool>,
    },
    /// `pty`, `dev`, `pipe`: a path only (pty's is runtime data).
    Path {
        /// `true` for pty (path dropped from inactive XML).
        pty: bool,
        /// Path.
        path: Option<String>,
    },
}

/// A chardev source with its optional `<log>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChrSourceDef {
    /// The typed source.
    pub source: ChrSource,
    /// `<log file append/>`.
    pub log: Option<(String, Option<bool>)>,
}

fn reconnect(src: Node<'_, '_>) -> Result<Option<Reconnect>, ConfError> {
    let Some(r) = child(src, "reconnect") else {
        return Ok(None);
    };
    let enabled = match r.attribute("enabled") {
        None => None,
        Some(v) => Some(parse_yes_no(v).ok_or_else(|| super::util::invalid_attr(r, "enabled", v))?),
    };
    let mut timeout = 0;
    if enabled == Some(true) {
        timeout = super::util::attr_u32(r, "timeout")?.ok_or_else(|| {
            ConfError::XmlDetail(
                "Missing required attribute 'timeout' in element 'reconnect'".into(),
            )
        })?;
    }
    Ok(Some(Reconnect { enabled, timeout }))
}

fn mode_is_bind(src: Node<'_, '_>) -> Result<bool, ConfError> {
    match src.attribute("mode") {
        None | Some("connect") => Ok(false),
        Some("bind") => Ok(true),
        Some(v) => Err(super::util::invalid_attr(src, "mode", v)),
    }
}

fn owned(n: Node<'_, '_>, a: &str) -> Option<String> {
    n.attribute(a).map(str::to_owned)
}

impl ChrSourceDef {
    /// The chardev types this module types; others stay verbatim.
    pub fn handles(ty: &str) -> bool {
        matches!(ty, "tcp" | "udp" | "unix" | "file" | "pty" | "dev" | "pipe")
    }

    /// Parses the source of device element `node` whose `type` is `ty`.
    pub fn parse(
        node: Node<'_, '_>,
        ty: &str,
        ctx: &ParseCtx<'_>,
    ) -> Result<ChrSourceDef, ConfError> {
        let sources: Vec<Node<'_, '_>> = children(node, "source").collect();
        if sources.len() > 1 && ty != "udp" {
            return Err(ConfError::XmlDetail(
                "only one source element is allowed for character device".into(),
            ));
        }
        if sources.len() > 2 {
            return Err(ConfError::XmlDetail(
                "only two source elements are allowed for character device".into(),
            ));
        }
        let first = sources.first().copied();
        let source = match ty {
            "tcp" => {
                let protocol = match child(node, "protocol").and_then(|p| p.attribute("type")) {
                    None => "raw".to_owned(),
                    Some(p @ ("raw" | "telnet" | "telnets" | "tls")) => p.to_owned(),
                    Some(p) => {
                        return Err(ConfError::Unsupported(format!("Unknown protocol '{p}'")));
                    }
                };
                match first {
                    Some(s) => ChrSource::Tcp {
                        listen: mode_is_bind(s)?,
                        host: owned(s, "host"),
                        service: owned(s, "service"),
                        tls: match s.attribute("tls") {
                            None => None,
                            Some(v) => Some(
                                parse_yes_no(v)
                                    .ok_or_else(|| super::util::invalid_attr(s, "tls", v))?,
                            ),
                        },
                        reconnect: reconnect(s)?,
                        protocol,
                    },
                    None => ChrSource::Tcp {
                        listen: false,
                        host: None,
                        service: None,
                        tls: None,
                        reconnect: None,
                        protocol,
                    },
                }
            }
            "udp" => {
                let mut bind = (None, None);
                let mut connect = (None, None);
                for s in &sources {
                    let pair = (owned(*s, "host"), owned(*s, "service"));
                    if mode_is_bind(*s)? {
                        if bind.0.is_none() && bind.1.is_none() {
                            bind = pair;
                        }
                    } else if connect.0.is_none() && connect.1.is_none() {
                        connect = pair;
                    }
                }
                ChrSource::Udp { bind, connect }
            }
            "unix" => match first {
                Some(s) => ChrSource::Unix {
                    listen: mode_is_bind(s)?,
                    path: owned(s, "path"),
                    reconnect: reconnect(s)?,
                },
                None => ChrSource::Unix {
                    listen: false,
                    path: None,
                    reconnect: None,
                },
            },
            "file" => ChrSource::File {
                path: first.and_then(|s| owned(s, "path")),
                append: match first.and_then(|s| s.attribute("append").map(|v| (s, v))) {
                    None => None,
                    Some((s, v)) => Some(
                        parse_on_off(v).ok_or_else(|| super::util::invalid_attr(s, "append", v))?,
                    ),
                },
            },
            _ => ChrSource::Path {
                pty: ty == "pty",
                // A pty's path is allocated at start: only live XML carries it.
                path: if ty == "pty" && !ctx.live {
                    None
                } else {
                    first.and_then(|s| owned(s, "path"))
                },
            },
        };
        let logs: Vec<Node<'_, '_>> = children(node, "log").collect();
        if logs.len() > 1 {
            return Err(ConfError::XmlDetail(
                "only one log element is allowed for character device".into(),
            ));
        }
        let log = match logs.first() {
            None => None,
            Some(l) => match l.attribute("file") {
                None => None,
                Some(f) => Some((
                    f.to_owned(),
                    match l.attribute("append") {
                        None => None,
                        Some(v) => Some(
                            parse_on_off(v)
                                .ok_or_else(|| super::util::invalid_attr(*l, "append", v))?,
                        ),
                    },
                )),
            },
        };
        Ok(ChrSourceDef { source, log })
    }

    /// libvirt's `virDomainChrSourceDefValidate`. `path_optional` is true for virtio/xen
    /// channels, whose unix socket path can be generated.
    pub fn validate(&self, path_optional: bool) -> Result<(), ConfError> {
        let err = |m: &str| Err(ConfError::Internal(m.into()));
        match &self.source {
            ChrSource::Tcp {
                listen,
                host,
                service,
                reconnect,
                ..
            } => {
                if host.is_none() {
                    return err("Missing source host attribute for char device");
                }
                if service.is_none() {
                    return err("Missing source service attribute for char device");
                }
                if *listen && reconnect.as_ref().is_some_and(|r| r.enabled == Some(true)) {
                    return err("chardev reconnect is possible only for connect mode");
                }
            }
            ChrSource::Udp { connect, .. } => {
                if connect.1.is_none() {
                    return err("Missing source service attribute for char device");
                }
            }
            ChrSource::Unix {
                listen,
                path,
                reconnect,
            } => {
                if path.is_none() && !path_optional {
                    return err("Missing source path attribute for char device");
                }
                if *listen && reconnect.as_ref().is_some_and(|r| r.enabled == Some(true)) {
                    return err("chardev reconnect is possible only for connect mode");
                }
            }
            ChrSource::File { path, .. } => {
                if path.is_none() {
                    return err("Missing source path attribute for char device");
                }
            }
            ChrSource::Path { pty, path } => {
                if !pty && path.is_none() {
                    return err("Missing source path attribute for char device");
                }
            }
        }
        Ok(())
    }

    /// Prints `<source>`(s), `<protocol>` and `<log>`.
    pub fn format(&self, w: &mut XmlWriter, flags: FormatFlags) {
        match &self.source {
            ChrSource::Tcp {
                listen,
                host,
                service,
                tls,
                reconnect,
                protocol,
            } => {
                w.start("source")
                    .attr("mode", if *listen { "bind" } else { "connect" })
                    .attr_opt("host", host.as_deref())
                    .attr_opt("service", service.as_deref());
                if let Some(t) = tls {
                    w.attr("tls", yes_no(*t));
                }
                format_reconnect(w, reconnect);
                w.end();
                w.start("protocol").attr("type", protocol).end();
            }
            ChrSource::Udp { bind, connect } => {
                for (mode, (h, s)) in [("bind", bind), ("connect", connect)] {
                    if h.is_some() || s.is_some() {
                        w.start("source")
                            .attr("mode", mode)
                            .attr_opt("host", h.as_deref())
                            .attr_opt("service", s.as_deref())
                            .end();
                    }
                }
            }
            ChrSource::Unix {
                listen,
                path,
                reconnect,
            } => {
                if let Some(p) = path {
                    w.start("source")
                        .attr("mode", if *listen { "bind" } else { "connect" })
                        .attr("path", p);
                    format_reconnect(w, reconnect);
                    w.end();
                }
            }
            ChrSource::File { path, append } => {
                if let Some(p) = path {
                    w.start("source").attr("path", p);
                    if let Some(a) = append {
                        w.attr("append", on_off(*a));
                    }
                    w.end();
                }
            }
            ChrSource::Path { pty, path } => {
                if let Some(p) = path
                    && !(*pty && flags.inactive())
                {
                    w.start("source").attr("path", p).end();
                }
            }
        }
        if let Some((f, append)) = &self.log {
            w.start("log").attr("file", f);
            if let Some(a) = append {
                w.attr("append", on_off(*a));
            }
            w.end();
        }
    }
}

fn format_reconnect(w: &mut XmlWriter, r: &Option<Reconnect>) {
    if let Some(r) = r
        && let Some(e) = r.enabled
    {
        w.start("reconnect").attr("enabled", yes_no(e));
        if e {
            w.attr_display("timeout", r.timeout);
        }
        w.end();
    }
}
