//! What a start adds to the live definition besides aliases: the pty paths QEMU allocated
//! (from `query-chardev`) and the VNC port it listens on.

use oxvirt_conf::domain::chr::ChrSource;
use oxvirt_conf::domain::{Device, DomainDef};
use oxvirt_qmp::ChardevInfo;

/// Records each pty QEMU opened on the serial port or console whose chardev it is
/// (`char<alias>` → `pty:/dev/pts/N`); a console that is the first serial port shows the
/// same path, also as its `tty`.
pub(crate) fn set_pty_paths(def: &mut DomainDef, chardevs: &[ChardevInfo]) {
    let pty_of = |alias: &str| {
        chardevs
            .iter()
            .find(|c| c.label == format!("char{alias}"))
            .and_then(|c| c.filename.strip_prefix("pty:"))
            .map(str::to_owned)
    };
    for (_, dev) in def.devices.others.iter_mut() {
        let Device::Raw(r) = dev else { continue };
        let is_console = r.element.name == "console";
        let Some(path) = r.info.alias.as_deref().and_then(pty_of) else {
            continue;
        };
        if let Some((src, _, _)) = r.chr.as_mut()
            && let ChrSource::Path { pty: true, path: p } = &mut src.source
        {
            *p = Some(path.clone());
            if is_console {
                r.element.set_attr("tty", path);
            }
        }
    }
}

/// The port of an autoport VNC server QEMU was given (`-vnc …:DISPLAY`).
pub(crate) fn set_vnc_port(def: &mut DomainDef, display: Option<u16>) {
    let Some(display) = display else { return };
    for (_, dev) in def.devices.others.iter_mut() {
        if let Device::Vnc(g) = dev
            && g.autoport
        {
            g.port = 5900 + i32::from(display);
        }
    }
}
