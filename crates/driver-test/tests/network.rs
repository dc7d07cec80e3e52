//! Network behaviour of `test:///default`, checked against libvirt 9.0's test driver.

mod common;

use common::{connect, drain_network};
use oxvirt_core::event::lifecycle::{NET_DEFINED, NET_STARTED, NET_STOPPED, NET_UNDEFINED};
use oxvirt_core::{ErrorDomain, ErrorNumber, net_list_flags};

const DEFAULT_NET_XML: &str = include_str!("data/default_net.xml");
const NET1_XML: &str = "<network>
  <name>net1</name>
  <uuid>0a6f5d7c-1111-4222-8333-444455556666</uuid>
  <bridge name='virbr1'/>
</network>";

#[tokio::test]
async fn test_default_network_dumpxml_matches_libvirt() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_lookup_by_name("default")
        .await
        .expect("exists");

    let xml = conn
        .net()
        .network_get_xml_desc(&net, 0)
        .await
        .expect("formats");

    assert_eq!(xml, DEFAULT_NET_XML);
}

#[tokio::test]
async fn test_default_network_is_active_persistent_on_virbr0() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_lookup_by_name("default")
        .await
        .expect("exists");

    let got = (
        conn.net().network_is_active(&net).await.expect("active"),
        conn.net()
            .network_is_persistent(&net)
            .await
            .expect("persistent"),
        conn.net()
            .network_get_autostart(&net)
            .await
            .expect("autostart"),
        conn.net()
            .network_get_bridge_name(&net)
            .await
            .expect("bridge"),
    );

    assert_eq!(got, (true, true, false, "virbr0".to_owned()));
}

#[tokio::test]
async fn test_network_xml_desc_with_flags_fails_unsupported_flags() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_lookup_by_name("default")
        .await
        .expect("exists");

    let e = conn.net().network_get_xml_desc(&net, 1).await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::InvalidArg,
            ErrorDomain::Test,
            "unsupported flags (0x1) in function testNetworkGetXMLDesc"
        )
    );
}

#[tokio::test]
async fn test_network_lookup_unknown_fails_no_network() {
    let (_f, conn) = connect();

    let e = conn
        .net()
        .network_lookup_by_name("nosuch")
        .await
        .unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::NoNetwork,
            ErrorDomain::Test,
            "Network not found: no network with matching name 'nosuch'"
        )
    );
}

#[tokio::test]
async fn test_network_undefine_active_fails_still_running() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_lookup_by_name("default")
        .await
        .expect("exists");

    let e = conn.net().network_undefine(&net).await.unwrap_err();

    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorNumber::OperationInvalid,
            "Requested operation is not valid: Network 'default' is still running"
        )
    );
}

#[tokio::test]
async fn test_network_full_cycle_emits_events_in_order() {
    let (_f, conn) = connect();
    let mut rx = conn.events().subscribe();
    let net = conn
        .net()
        .network_define_xml(NET1_XML, 0)
        .await
        .expect("define");

    conn.net().network_create(&net).await.expect("start");
    conn.net().network_destroy(&net).await.expect("destroy");
    conn.net().network_undefine(&net).await.expect("undefine");

    let name = "net1".to_owned();
    assert_eq!(
        drain_network(&mut rx),
        vec![
            (NET_DEFINED, name.clone()),
            (NET_STARTED, name.clone()),
            (NET_STOPPED, name.clone()),
            (NET_UNDEFINED, name),
        ]
    );
}

#[tokio::test]
async fn test_network_create_of_active_network_fails_already_running() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_lookup_by_name("default")
        .await
        .expect("exists");

    let e = conn.net().network_create(&net).await.unwrap_err();

    assert_eq!(
        e.message,
        "Requested operation is not valid: Network 'default' is already running"
    );
}

#[tokio::test]
async fn test_network_create_xml_transient_vanishes_on_destroy() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_create_xml(NET1_XML, 0)
        .await
        .expect("create");

    conn.net().network_destroy(&net).await.expect("destroy");

    let e = conn.net().network_lookup_by_name("net1").await.unwrap_err();
    assert_eq!(e.code, ErrorNumber::NoNetwork);
}

#[tokio::test]
async fn test_network_list_all_inactive_lists_defined_network() {
    let (_f, conn) = connect();
    conn.net()
        .network_define_xml(NET1_XML, 0)
        .await
        .expect("define");

    let nets = conn
        .net()
        .list_all_networks(net_list_flags::INACTIVE)
        .await
        .expect("lists");

    let names: Vec<_> = nets.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, vec!["net1"]);
}

#[tokio::test]
async fn test_network_counts_split_active_and_defined() {
    let (_f, conn) = connect();
    conn.net()
        .network_define_xml(NET1_XML, 0)
        .await
        .expect("define");

    let got = (
        conn.net().num_of_networks().await.expect("count"),
        conn.net().list_networks(10).await.expect("names"),
        conn.net().num_of_defined_networks().await.expect("count"),
        conn.net().list_defined_networks(10).await.expect("names"),
    );

    assert_eq!(
        got,
        (1, vec!["default".to_owned()], 1, vec!["net1".to_owned()])
    );
}

#[tokio::test]
async fn test_network_without_bridge_fails_bridge_name() {
    let (_f, conn) = connect();
    let net = conn
        .net()
        .network_define_xml("<network><name>nb</name></network>", 0)
        .await
        .expect("define");

    let e = conn.net().network_get_bridge_name(&net).await.unwrap_err();

    assert_eq!(
        e.message,
        "internal error: network 'nb' does not have a bridge name."
    );
}
