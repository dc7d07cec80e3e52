//! Helpers shared by the test binaries: a fresh driver per test, seen through the
//! [`Connection`] its `open` returns, exactly as the RPC layer sees it.

#![allow(dead_code)]

use oxvirt_core::{
    CallContext, ConnectDriver, Connection, DomainRef, Event, HypervisorDriver, NetworkDriver,
    ParsedUri,
};
use oxvirt_driver_test::TestDriverFactory;
use tokio::sync::broadcast::Receiver;

/// A domain with one NIC on `default`, no UUID (one is generated).
pub const VT1_XML: &str = "<domain type='test'>
  <name>vt1</name>
  <memory>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <interface type='network'><source network='default'/></interface>
  </devices>
</domain>";

/// Same as [`VT1_XML`] with a fixed UUID, so it can be defined twice.
pub const VT1_UUID_XML: &str = "<domain type='test'>
  <name>vt1</name>
  <uuid>b7c8ccf9-e348-4af5-ab16-a68502000127</uuid>
  <memory>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:5f:f4:0a'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>";

/// One opened connection: its hypervisor driver through `Deref`, its network driver
/// through [`TestConn::net`].
pub struct TestConn(Connection);

impl std::ops::Deref for TestConn {
    type Target = dyn HypervisorDriver;

    fn deref(&self) -> &Self::Target {
        &*self.0.hypervisor
    }
}

impl TestConn {
    /// The network driver the connection opened.
    pub fn net(&self) -> &dyn NetworkDriver {
        self.0
            .network
            .as_deref()
            .expect("test:///default serves networks")
    }
}

/// A new driver and one connection to `test:///default`.
pub fn connect() -> (TestDriverFactory, TestConn) {
    let factory = TestDriverFactory::new();
    let conn = open(&factory);
    (factory, conn)
}

/// Another connection through the same factory.
pub fn open(factory: &TestDriverFactory) -> TestConn {
    let uri = ParsedUri::parse("test:///default").expect("valid URI");
    match factory.open(&uri, 0, &CallContext::default()) {
        Ok(c) => TestConn(c),
        Err(e) => panic!("open failed: {e}"),
    }
}

/// Defines [`VT1_XML`].
pub async fn define_vt1(conn: &TestConn) -> DomainRef {
    conn.domain_define_xml(VT1_XML, 0)
        .await
        .expect("define succeeds")
}

/// Events received so far, as `(event, detail, id)` triples of domain lifecycle events.
pub fn drain_lifecycle(rx: &mut Receiver<Event>) -> Vec<(i32, i32, i32)> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Event::DomainLifecycle { dom, event, detail } = e {
            out.push((event, detail, dom.id));
        }
    }
    out
}

/// Events received so far, as `(event, name)` pairs of network lifecycle events.
pub fn drain_network(rx: &mut Receiver<Event>) -> Vec<(i32, String)> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Event::NetworkLifecycle { net, event, .. } = e {
            out.push((event, net.name));
        }
    }
    out
}
