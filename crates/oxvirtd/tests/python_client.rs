//! python3-libvirt (the system Python's binding) against oxvirtd: the calls its users make,
//! including domain event callbacks through `virEventRegisterDefaultImpl`.

mod common;

use common::{Daemon, python_libvirt};
use std::process::Command;

const SCRIPT: &str = r#"
import sys, threading, time
import libvirt

uri = sys.argv[1]
libvirt.virEventRegisterDefaultImpl()
events = []

def on_lifecycle(conn, dom, event, detail, opaque):
    events.append((dom.name(), event, detail))

def loop():
    while True:
        libvirt.virEventRunDefaultImpl()

threading.Thread(target=loop, daemon=True).start()

conn = libvirt.open(uri)
assert conn.getType() == "TEST", conn.getType()
dom = conn.lookupByName("test")
assert dom.ID() == 1
assert "<name>test</name>" in dom.XMLDesc(0)
names = sorted(d.name() for d in conn.listAllDomains(0))
assert names == ["test"], names

cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
xml = """<domain type='test'><name>py1</name><memory>65536</memory>
<os><type>hvm</type></os></domain>"""
d = conn.defineXML(xml)
d.create()
assert d.isActive() == 1
state, reason = d.state()
assert state == libvirt.VIR_DOMAIN_RUNNING, state
d.destroy()
d.undefine()
try:
    conn.lookupByName("py1")
    raise SystemExit("py1 still exists")
except libvirt.libvirtError as e:
    assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, e.get_error_code()

deadline = time.time() + 5
while len(events) < 4 and time.time() < deadline:
    time.sleep(0.05)
conn.domainEventDeregisterAny(cb)
expected = [
    ("py1", libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_DEFINED_ADDED),
    ("py1", libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED),
    ("py1", libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
    ("py1", libvirt.VIR_DOMAIN_EVENT_UNDEFINED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED),
]
assert events == expected, events
conn.close()
print("ok")
"#;

#[test]
fn test_python_libvirt_lifecycle_and_events_work_unmodified() {
    let Some(py) = python_libvirt() else { return };
    let daemon = Daemon::start();
    let out = Command::new(py)
        .args(["-c", SCRIPT, &daemon.test_uri()])
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout.trim(), "ok");
}
