//! Connection-level calls of `test:///default`: open, host facts, capabilities.

mod common;

use common::connect;
use oxvirt_core::{CallContext, ConnectDriver, ErrorDomain, ErrorNumber, ParsedUri};
use oxvirt_driver_test::TestDriverFactory;

const CAPABILITIES_XML: &str = include_str!("data/capabilities.xml");

#[tokio::test]
async fn test_capabilities_match_libvirt() {
    let (_f, conn) = connect();

    let caps = conn.get_capabilities().await.expect("caps");

    assert_eq!(caps, CAPABILITIES_XML);
}

#[tokio::test]
async fn test_node_info_matches_libvirt() {
    let (_f, conn) = connect();

    let n = conn.node_get_info().await.expect("info");

    assert_eq!(
        (
            n.model.as_str(),
            n.memory_kib,
            n.cpus,
            n.mhz,
            n.nodes,
            n.sockets,
            n.cores,
            n.threads
        ),
        ("i686", 3_145_728, 16, 1400, 2, 2, 2, 2)
    );
}

#[tokio::test]
async fn test_type_and_versions_match_libvirt() {
    let (_f, conn) = connect();

    let got = (
        conn.get_type().await.expect("type"),
        conn.get_version().await.expect("version"),
        conn.get_lib_version().await.expect("lib version"),
        conn.get_uri().await.expect("uri"),
        conn.get_max_vcpus(None).await.expect("max vcpus"),
    );

    assert_eq!(
        got,
        (
            "TEST".to_owned(),
            2,
            9_000_000,
            "test:///default".to_owned(),
            32
        )
    );
}

#[tokio::test]
async fn test_security_model_is_test_security_with_empty_doi() {
    let (_f, conn) = connect();

    let m = conn.node_get_security_model().await.expect("model");

    assert_eq!((m.model.as_str(), m.doi.as_str()), ("testSecurity", ""));
}

#[test]
fn test_open_without_path_fails_invalid_arg() {
    let factory = TestDriverFactory::new();
    let uri = ParsedUri::parse("test:///").expect("valid URI");

    let e = factory
        .open(&uri, 0, &CallContext::default())
        .expect_err("refused");

    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorNumber::InvalidArg,
            ErrorDomain::Test,
            "invalid argument: testOpen: supply a path or use test:///default"
        )
    );
}

#[test]
fn test_open_other_path_fails_xml_error_like_missing_file() {
    let factory = TestDriverFactory::new();
    let uri = ParsedUri::parse("test:///foo").expect("valid URI");

    let e = factory
        .open(&uri, 0, &CallContext::default())
        .expect_err("refused");

    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorNumber::XmlError,
            "XML error: failed to parse xml document '/foo'"
        )
    );
}
