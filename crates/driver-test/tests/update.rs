//! `update-device` of a live `<interface>` (oxvirt's extension of the test driver).

mod common;

use common::{VT1_UUID_XML, connect};
use oxvirt_core::{ErrorDomain, ErrorNumber, device_flags, xml_flags};

/// The default domain's NIC with its link taken down.
const LINK_DOWN_XML: &str = "<interface type='network'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <source network='default'/>
  <target dev='testnet0'/>
  <link state='down'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
</interface>";

/// The default domain's NIC turned into a macvtap on eth0.
const DIRECT_XML: &str = "<interface type='direct'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <source dev='eth0' mode='bridge'/>
  <target dev='testnet0'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
</interface>";

/// vt1's NIC (see `VT1_UUID_XML`) with its link taken down.
const VT1_LINK_DOWN_XML: &str = "<interface type='network'>
  <mac address='52:54:00:5f:f4:0a'/>
  <source network='default'/>
  <link state='down'/>
</interface>";

#[tokio::test]
async fn test_update_device_link_down_live_shows_in_live_xml_only() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    conn.domain_update_device(&dom, LINK_DOWN_XML, device_flags::LIVE)
        .await
        .expect("update");

    let live = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");
    let config = conn
        .domain_get_xml_desc(&dom, xml_flags::INACTIVE)
        .await
        .expect("formats");
    assert_eq!(
        (
            live.contains("<link state='down'/>"),
            config.contains("<link state='down'/>")
        ),
        (true, false),
        "{live}"
    );
}

#[tokio::test]
async fn test_update_device_type_network_to_direct_fails_operation_unsupported() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn
        .domain_update_device(&dom, DIRECT_XML, device_flags::LIVE)
        .await
        .unwrap_err();

    assert_eq!(e.code, ErrorNumber::OperationUnsupported, "{}", e.message);
}

#[tokio::test]
async fn test_update_device_failure_leaves_live_xml_unchanged() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");
    let before = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");

    let _ = conn
        .domain_update_device(&dom, DIRECT_XML, device_flags::LIVE)
        .await;

    let after = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");
    assert_eq!(after, before);
}

#[tokio::test]
async fn test_plan_update_device_link_down_reports_set_link_without_applying() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let json = conn
        .domain_plan_update_device(&dom, LINK_DOWN_XML, device_flags::LIVE)
        .await
        .expect("plans");

    let live = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");
    assert_eq!(
        (
            json.contains("\"live-update\""),
            json.contains("\"set_link\""),
            live.contains("<link state='down'/>")
        ),
        (true, true, false),
        "{json}"
    );
}

#[tokio::test]
async fn test_plan_update_device_refusal_is_a_fail_plan() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let json = conn
        .domain_plan_update_device(&dom, DIRECT_XML, device_flags::LIVE)
        .await
        .expect("plans");

    assert!(json.contains("\"outcome\": \"fail\""), "{json}");
}

#[tokio::test]
async fn test_update_device_dry_run_flag_changes_nothing() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    conn.domain_update_device(
        &dom,
        LINK_DOWN_XML,
        device_flags::LIVE | device_flags::OXVIRT_DRY_RUN,
    )
    .await
    .expect("plans");

    let live = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");
    assert!(!live.contains("<link state='down'/>"));
}

#[tokio::test]
async fn test_update_device_config_of_inactive_domain_updates_definition() {
    let (_f, conn) = connect();
    let dom = conn
        .domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");

    conn.domain_update_device(&dom, VT1_LINK_DOWN_XML, device_flags::CONFIG)
        .await
        .expect("update");

    let xml = conn
        .domain_get_xml_desc(&dom, xml_flags::INACTIVE)
        .await
        .expect("formats");
    assert!(xml.contains("<link state='down'/>"), "{xml}");
}

#[tokio::test]
async fn test_update_device_config_keeps_generated_target() {
    let (_f, conn) = connect();
    let dom = conn
        .domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");

    conn.domain_update_device(&dom, VT1_LINK_DOWN_XML, device_flags::CONFIG)
        .await
        .expect("update");

    let xml = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");
    assert!(xml.contains("<target dev='testnet0'/>"), "{xml}");
}

#[tokio::test]
async fn test_update_device_config_unknown_mac_fails_device_missing() {
    let (_f, conn) = connect();
    let dom = conn
        .domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");

    let e = conn
        .domain_update_device(
            &dom,
            "<interface type='network'><mac address='52:54:00:00:00:99'/>\
             <source network='default'/></interface>",
            device_flags::CONFIG,
        )
        .await
        .unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::DeviceMissing,
            ErrorDomain::Domain,
            "device not found: no device found at address '(<null>)' matching MAC address \
             '52:54:00:00:00:99' and alias '(<null>)'"
        )
    );
}

#[tokio::test]
async fn test_update_device_live_on_inactive_domain_fails_not_running() {
    let (_f, conn) = connect();
    let dom = conn
        .domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");

    let e = conn
        .domain_update_device(&dom, VT1_LINK_DOWN_XML, device_flags::LIVE)
        .await
        .unwrap_err();

    assert_eq!(
        e.message,
        "Requested operation is not valid: domain is not running"
    );
}

#[tokio::test]
async fn test_update_device_of_other_device_fails_no_support() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn
        .domain_update_device(
            &dom,
            "<disk type='file' device='cdrom'/>",
            device_flags::LIVE,
        )
        .await
        .unwrap_err();

    assert_eq!(
        (e.code, e.domain),
        (ErrorNumber::NoSupport, ErrorDomain::Domain)
    );
}
