//! The status file of a running domain (`<state>/NAME.xml`, libvirt's `<domstatus>`): what a
//! restarted daemon needs to find the domain again without disturbing it — state and reason,
//! QEMU's pid, the monitor socket, the per-start directory and the live definition.
//!
//! Written after every state change of a running domain; removed when it stops. Formatting
//! and parsing only: the driver does the I/O.

use oxvirt_core::StateReason;
use oxvirt_xml::XmlWriter;
use std::path::PathBuf;

/// What a status file records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainStatus {
    /// State and reason.
    pub reason: StateReason,
    /// QEMU's pid.
    pub pid: i32,
    /// The monitor socket QEMU listens on.
    pub monitor_path: PathBuf,
    /// The per-start directory (`domain-ID-NAME`).
    pub lib_dir: PathBuf,
    /// The live definition, as `dumpxml` prints it (with the id).
    pub domain_xml: String,
}

impl DomainStatus {
    /// The file's text.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.start("domstatus")
            .attr("state", self.reason.state().name())
            .attr("reason", self.reason.name())
            .attr_display("pid", self.pid);
        w.start("monitor")
            .attr("path", self.monitor_path.display().to_string())
            .attr("type", "unix")
            .end();
        w.start("libDir")
            .attr("path", self.lib_dir.display().to_string())
            .end();
        w.raw_lines(&self.domain_xml);
        w.end();
        w.finish()
    }

    /// Reads a status file; the error names what is missing or malformed.
    pub fn parse(text: &str) -> Result<DomainStatus, String> {
        let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
        let root = doc.root_element();
        if root.tag_name().name() != "domstatus" {
            return Err("not a <domstatus>".into());
        }
        let attr = |n: roxmltree::Node<'_, '_>, a: &str| {
            n.attribute(a)
                .map(str::to_owned)
                .ok_or_else(|| format!("<{}> has no {a}", n.tag_name().name()))
        };
        let child = |name: &str| {
            root.children()
                .find(|c| c.has_tag_name(name))
                .ok_or_else(|| format!("no <{name}>"))
        };
        let state = attr(root, "state")?;
        let reason_name = attr(root, "reason")?;
        let reason = StateReason::from_names(&state, &reason_name)
            .ok_or_else(|| format!("unknown state {state} ({reason_name})"))?;
        let pid = attr(root, "pid")?
            .parse()
            .map_err(|_| "bad pid".to_owned())?;
        let monitor_path = PathBuf::from(attr(child("monitor")?, "path")?);
        let lib_dir = PathBuf::from(attr(child("libDir")?, "path")?);
        let domain = child("domain")?;
        Ok(DomainStatus {
            reason,
            pid,
            monitor_path,
            lib_dir,
            domain_xml: text[domain.range()].to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_status_round_trip_keeps_every_field() {
        let st = DomainStatus {
            reason: StateReason::PausedUser,
            pid: 4242,
            monitor_path: "/run/x/domain-1-vm/monitor.sock".into(),
            lib_dir: "/run/x/domain-1-vm".into(),
            domain_xml: "<domain type='kvm' id='1'>\n  <name>vm</name>\n</domain>".into(),
        };

        let back = DomainStatus::parse(&st.to_xml()).unwrap();

        assert_eq!(
            (back.reason, back.pid, back.monitor_path, back.lib_dir),
            (st.reason, st.pid, st.monitor_path, st.lib_dir)
        );
    }

    #[test]
    fn test_status_parse_without_monitor_is_an_error() {
        let text = "<domstatus state='running' reason='booted' pid='1'><domain/></domstatus>";

        assert_eq!(DomainStatus::parse(text), Err("no <monitor>".into()));
    }
}
