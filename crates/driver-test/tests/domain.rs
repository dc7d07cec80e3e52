//! Domain behaviour of `test:///default`, checked against what libvirt 9.0's test driver
//! does (`virsh -c test:///default …`).

mod common;

use common::{VT1_UUID_XML, VT1_XML, connect, define_vt1, drain_lifecycle, open};
use oxvirt_core::event::lifecycle::{DEFINED, RESUMED, STARTED, STOPPED, SUSPENDED, UNDEFINED};
use oxvirt_core::{DomainState, ErrorDomain, ErrorNumber, list_flags, xml_flags};

const TEST_LIVE_XML: &str = include_str!("data/test_live.xml");
const TEST_INACTIVE_XML: &str = include_str!("data/test_inactive.xml");
const VT1_LIVE_XML: &str = include_str!("data/vt1_live.xml");
const TEST_UUID: [u8; 16] = [
    0x66, 0x95, 0xeb, 0x01, 0xf6, 0xa4, 0x83, 0x04, 0x79, 0xaa, 0x97, 0xf2, 0x50, 0x2e, 0x19, 0x3f,
];

#[tokio::test]
async fn test_default_domain_dumpxml_matches_libvirt() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let xml = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");

    assert_eq!(xml, TEST_LIVE_XML);
}

#[tokio::test]
async fn test_default_domain_inactive_dumpxml_matches_libvirt() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let xml = conn
        .domain_get_xml_desc(&dom, xml_flags::INACTIVE)
        .await
        .expect("formats");

    assert_eq!(xml, TEST_INACTIVE_XML);
}

#[tokio::test]
async fn test_default_domain_state_is_running_unknown_with_id_1() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_uuid(TEST_UUID).await.expect("exists");

    let state = conn.domain_get_state(&dom, 0).await.expect("state");

    assert_eq!((dom.id, state), (1, (DomainState::Running, 0)));
}

#[tokio::test]
async fn test_default_domain_info_matches_libvirt() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_id(1).await.expect("exists");

    let info = conn.domain_get_info(&dom).await.expect("info");

    assert_eq!(
        (
            info.state,
            info.max_mem_kib,
            info.memory_kib,
            info.nr_virt_cpu
        ),
        (DomainState::Running, 8_388_608, 2_097_152, 2)
    );
}

#[tokio::test]
async fn test_default_domain_security_label_is_libvirt_test_enforcing() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let label = conn.domain_get_security_label(&dom).await.expect("label");

    assert_eq!(
        (label.label.as_str(), label.enforcing),
        ("libvirt-test", true)
    );
}

#[tokio::test]
async fn test_lookup_by_name_unknown_fails_no_domain() {
    let (_f, conn) = connect();

    let e = conn.domain_lookup_by_name("nosuch").await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (ErrorNumber::NoDomain, ErrorDomain::Test, "Domain not found")
    );
}

#[tokio::test]
async fn test_lookup_by_id_of_inactive_domain_fails_no_domain() {
    let (_f, conn) = connect();
    define_vt1(&conn).await;

    let e = conn.domain_lookup_by_id(-1).await.unwrap_err();

    assert_eq!(e.code, ErrorNumber::NoDomain);
}

#[tokio::test]
async fn test_define_new_domain_is_shutoff_unknown_without_id() {
    let (_f, conn) = connect();

    let dom = define_vt1(&conn).await;

    let state = conn.domain_get_state(&dom, 0).await.expect("state");
    assert_eq!((dom.id, state), (-1, (DomainState::Shutoff, 0)));
}

#[tokio::test]
async fn test_define_generates_testnet0_target() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let xml = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");

    assert!(xml.contains("<target dev='testnet0'/>"), "{xml}");
}

#[tokio::test]
async fn test_define_twice_emits_added_then_updated() {
    let (_f, conn) = connect();
    let mut rx = conn.events().subscribe();
    conn.domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");

    conn.domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("redefine");

    assert_eq!(
        drain_lifecycle(&mut rx),
        vec![(DEFINED, 0, -1), (DEFINED, 1, -1)]
    );
}

#[tokio::test]
async fn test_define_running_domain_changes_config_only() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");
    let changed = TEST_INACTIVE_XML.replace("<vcpu placement='static'>2</vcpu>", "<vcpu>4</vcpu>");

    conn.domain_define_xml(&changed, 0).await.expect("redefine");

    let live = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");
    let config = conn
        .domain_get_xml_desc(&dom, xml_flags::INACTIVE)
        .await
        .expect("formats");
    assert_eq!(
        (live.as_str(), config.contains(">4</vcpu>")),
        (TEST_LIVE_XML, true)
    );
}

#[tokio::test]
async fn test_define_same_name_other_uuid_fails_already_exists() {
    let (_f, conn) = connect();
    conn.domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");

    let e = conn.domain_define_xml(VT1_XML, 0).await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::OperationFailed,
            ErrorDomain::Domain,
            "operation failed: domain 'vt1' already exists with uuid \
             b7c8ccf9-e348-4af5-ab16-a68502000127"
        )
    );
}

#[tokio::test]
async fn test_define_with_unknown_flag_fails_unsupported_flags() {
    let (_f, conn) = connect();

    let e = conn.domain_define_xml(VT1_XML, 2).await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::InvalidArg,
            ErrorDomain::Test,
            "unsupported flags (0x2) in function testDomainDefineXMLFlags"
        )
    );
}

#[tokio::test]
async fn test_lifecycle_full_cycle_emits_events_in_order() {
    let (_f, conn) = connect();
    let mut rx = conn.events().subscribe();
    let dom = define_vt1(&conn).await;

    let started = conn.domain_create(&dom, 0).await.expect("start");
    conn.domain_suspend(&started).await.expect("suspend");
    conn.domain_resume(&started).await.expect("resume");
    conn.domain_destroy(&started, 0).await.expect("destroy");
    conn.domain_undefine(&started, 0).await.expect("undefine");

    assert_eq!(
        drain_lifecycle(&mut rx),
        vec![
            (DEFINED, 0, -1),
            (STARTED, 0, 2),
            (SUSPENDED, 0, 2),
            (RESUMED, 0, 2),
            (STOPPED, 1, -1),
            (UNDEFINED, 0, -1),
        ]
    );
}

#[tokio::test]
async fn test_start_defined_domain_is_running_booted_with_id_2() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let started = conn.domain_create(&dom, 0).await.expect("start");

    let state = conn.domain_get_state(&started, 0).await.expect("state");
    assert_eq!((started.id, state), (2, (DomainState::Running, 1)));
}

#[tokio::test]
async fn test_start_running_domain_fails_internal_already_running() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn.domain_create(&dom, 0).await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::InternalError,
            ErrorDomain::Test,
            "internal error: Domain 'test' is already running"
        )
    );
}

#[tokio::test]
async fn test_start_with_paused_flag_fails_unsupported_flags() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let e = conn.domain_create(&dom, 1).await.unwrap_err();

    assert_eq!(
        e.message,
        "unsupported flags (0x1) in function testDomainCreateWithFlags"
    );
}

#[tokio::test]
async fn test_running_domain_xml_prints_id() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;
    let started = conn.domain_create(&dom, 0).await.expect("start");

    let xml = conn
        .domain_get_xml_desc(&started, 0)
        .await
        .expect("formats");

    assert!(xml.starts_with("<domain type='test' id='2'>\n"), "{xml}");
}

#[tokio::test]
async fn test_started_domain_dumpxml_matches_libvirt() {
    let (_f, conn) = connect();
    let dom = conn
        .domain_define_xml(VT1_UUID_XML, 0)
        .await
        .expect("define");
    let started = conn.domain_create(&dom, 0).await.expect("start");

    let xml = conn
        .domain_get_xml_desc(&started, 0)
        .await
        .expect("formats");

    assert_eq!(xml, VT1_LIVE_XML);
}

#[tokio::test]
async fn test_define_without_mac_generates_one() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let xml = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");

    assert!(xml.contains("<mac address='52:54:00:"), "{xml}");
}

#[tokio::test]
async fn test_suspend_paused_domain_fails_internal_not_running() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");
    conn.domain_suspend(&dom).await.expect("suspend");

    let e = conn.domain_suspend(&dom).await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::InternalError,
            ErrorDomain::Test,
            "internal error: domain 'test' not running"
        )
    );
}

#[tokio::test]
async fn test_suspend_sets_paused_user() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    conn.domain_suspend(&dom).await.expect("suspend");

    let state = conn.domain_get_state(&dom, 0).await.expect("state");
    assert_eq!(state, (DomainState::Paused, 1));
}

#[tokio::test]
async fn test_resume_running_domain_fails_internal_not_paused() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn.domain_resume(&dom).await.unwrap_err();

    assert_eq!(e.message, "internal error: domain 'test' not paused");
}

#[tokio::test]
async fn test_destroy_inactive_domain_fails_operation_invalid() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let e = conn.domain_destroy(&dom, 0).await.unwrap_err();

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::OperationInvalid,
            ErrorDomain::Domain,
            "Requested operation is not valid: domain is not running"
        )
    );
}

#[tokio::test]
async fn test_destroy_sets_shutoff_destroyed() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    conn.domain_destroy(&dom, 0).await.expect("destroy");

    let state = conn.domain_get_state(&dom, 0).await.expect("state");
    assert_eq!(state, (DomainState::Shutoff, 2));
}

#[tokio::test]
async fn test_shutdown_sets_shutoff_shutdown_and_emits_stopped_shutdown() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");
    let mut rx = conn.events().subscribe();

    conn.domain_shutdown(&dom, 0).await.expect("shutdown");

    let state = conn.domain_get_state(&dom, 0).await.expect("state");
    assert_eq!(
        (state, drain_lifecycle(&mut rx)),
        ((DomainState::Shutoff, 1), vec![(STOPPED, 0, -1)])
    );
}

#[tokio::test]
async fn test_shutdown_inactive_domain_fails_internal_not_running() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let e = conn.domain_shutdown(&dom, 0).await.unwrap_err();

    assert_eq!(e.message, "internal error: domain 'vt1' not running");
}

#[tokio::test]
async fn test_reboot_paused_domain_runs_booted_without_event() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");
    conn.domain_suspend(&dom).await.expect("suspend");
    let mut rx = conn.events().subscribe();

    conn.domain_reboot(&dom, 0).await.expect("reboot");

    let state = conn.domain_get_state(&dom, 0).await.expect("state");
    assert_eq!(
        (state, drain_lifecycle(&mut rx)),
        ((DomainState::Running, 1), vec![])
    );
}

#[tokio::test]
async fn test_reboot_inactive_domain_fails_operation_invalid() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let e = conn.domain_reboot(&dom, 0).await.unwrap_err();

    assert_eq!(e.code, ErrorNumber::OperationInvalid);
}

#[tokio::test]
async fn test_create_xml_transient_domain_vanishes_on_destroy() {
    let (_f, conn) = connect();
    let dom = conn.domain_create_xml(VT1_XML, 0).await.expect("create");

    conn.domain_destroy(&dom, 0).await.expect("destroy");

    let e = conn.domain_lookup_by_name("vt1").await.unwrap_err();
    assert_eq!(e.code, ErrorNumber::NoDomain);
}

#[tokio::test]
async fn test_create_xml_emits_started_only() {
    let (_f, conn) = connect();
    let mut rx = conn.events().subscribe();

    conn.domain_create_xml(VT1_XML, 0).await.expect("create");

    assert_eq!(drain_lifecycle(&mut rx), vec![(STARTED, 0, 2)]);
}

#[tokio::test]
async fn test_create_xml_of_running_domain_fails_already_active() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");
    let xml = conn.domain_get_xml_desc(&dom, 0).await.expect("formats");

    let e = conn.domain_create_xml(&xml, 0).await.unwrap_err();

    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorNumber::OperationInvalid,
            "Requested operation is not valid: domain 'test' is already active"
        )
    );
}

#[tokio::test]
async fn test_undefine_running_domain_makes_it_transient() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    conn.domain_undefine(&dom, 0).await.expect("undefine");

    let persistent = conn.domain_is_persistent(&dom).await.expect("exists");
    let active = conn.domain_is_active(&dom).await.expect("exists");
    assert_eq!((persistent, active), (false, true));
}

#[tokio::test]
async fn test_undefine_with_unknown_flag_fails_unsupported_flags() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn.domain_undefine(&dom, 4).await.unwrap_err();

    assert_eq!(
        e.message,
        "unsupported flags (0x4) in function testDomainUndefineFlags"
    );
}

#[tokio::test]
async fn test_stale_handle_fails_no_domain_with_uuid_and_name() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;
    conn.domain_undefine(&dom, 0).await.expect("undefine");

    let e = conn.domain_get_info(&dom).await.unwrap_err();

    assert_eq!(
        e.message,
        format!(
            "Domain not found: no domain with matching uuid '{}' (vt1)",
            oxvirt_conf::domain::util::format_uuid(&dom.uuid)
        )
    );
}

#[tokio::test]
async fn test_state_is_shared_across_connections() {
    let (factory, conn) = connect();
    define_vt1(&conn).await;
    let other = open(&factory);

    let dom = other.domain_lookup_by_name("vt1").await;

    assert!(dom.is_ok());
}

#[tokio::test]
async fn test_list_all_inactive_lists_defined_domain_only() {
    let (_f, conn) = connect();
    define_vt1(&conn).await;

    let doms = conn
        .list_all_domains(list_flags::INACTIVE)
        .await
        .expect("lists");

    let names: Vec<_> = doms.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["vt1"]);
}

#[tokio::test]
async fn test_list_all_running_persistent_lists_test() {
    let (_f, conn) = connect();
    define_vt1(&conn).await;

    let doms = conn
        .list_all_domains(list_flags::RUNNING | list_flags::PERSISTENT)
        .await
        .expect("lists");

    let names: Vec<_> = doms.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["test"]);
}

#[tokio::test]
async fn test_list_all_has_snapshot_lists_nothing() {
    let (_f, conn) = connect();

    let doms = conn
        .list_all_domains(list_flags::HAS_SNAPSHOT)
        .await
        .expect("lists");

    assert!(doms.is_empty());
}

#[tokio::test]
async fn test_counts_and_name_lists_split_active_and_defined() {
    let (_f, conn) = connect();
    define_vt1(&conn).await;

    let counts = (
        conn.num_of_domains().await.expect("count"),
        conn.num_of_defined_domains().await.expect("count"),
        conn.list_domain_ids(10).await.expect("ids"),
        conn.list_defined_domains(10).await.expect("names"),
    );

    assert_eq!(counts, (1, 1, vec![1], vec!["vt1".to_owned()]));
}

#[tokio::test]
async fn test_max_vcpus_of_inactive_domain_fails_not_running() {
    let (_f, conn) = connect();
    let dom = define_vt1(&conn).await;

    let e = conn.domain_get_max_vcpus(&dom).await.unwrap_err();

    assert_eq!(
        e.message,
        "Requested operation is not valid: domain is not running"
    );
}

#[tokio::test]
async fn test_getters_of_default_domain_match_libvirt() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let got = (
        conn.domain_get_os_type(&dom).await.expect("os type"),
        conn.domain_get_max_memory(&dom).await.expect("max mem"),
        conn.domain_get_max_vcpus(&dom).await.expect("max vcpus"),
        conn.domain_has_managed_save_image(&dom, 0)
            .await
            .expect("ms"),
        conn.domain_snapshot_num(&dom, 0).await.expect("snapshots"),
        conn.domain_get_messages(&dom, 0).await.expect("messages"),
        conn.domain_get_autostart(&dom).await.expect("autostart"),
    );

    assert_eq!(
        got,
        ("linux".to_owned(), 8_388_608, 2, false, 0, vec![], false)
    );
}

#[tokio::test]
async fn test_update_device_fails_no_support_like_capture() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn
        .domain_update_device(&dom, "<memballoon model='virtio'/>", 1)
        .await
        .unwrap_err();

    assert_eq!(
        (e.code.code(), e.domain.code(), e.message.as_str()),
        (
            3,
            20,
            "this function is not supported by the connection driver: virDomainUpdateDeviceFlags"
        )
    );
}

#[tokio::test]
async fn test_attach_device_fails_no_support_like_capture() {
    let (_f, conn) = connect();
    let dom = conn.domain_lookup_by_name("test").await.expect("exists");

    let e = conn
        .domain_attach_device(&dom, "<interface type='network'/>", 1)
        .await
        .unwrap_err();

    assert_eq!(
        e.message,
        "this function is not supported by the connection driver: virDomainAttachDeviceFlags"
    );
}
