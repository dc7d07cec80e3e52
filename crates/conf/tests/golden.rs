//! Golden tests for the domain formatter: each `tests/golden/NAME.in.xml` is parsed and
//! formatted, and must equal `NAME.out.xml` byte for byte. The expected files are libvirt's
//! output (the test driver's default domain from `virsh -c test:///default dumpxml`, and
//! hand-written cases following libvirt's post-parse defaults).

use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::{FormatFlags, ParseCtx, SequenceGenerator};
use std::path::PathBuf;

fn golden(name: &str, live: bool) -> (String, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let input = std::fs::read_to_string(dir.join(format!("{name}.in.xml"))).unwrap();
    let expected = std::fs::read_to_string(dir.join(format!("{name}.out.xml"))).unwrap();
    let mut generator = SequenceGenerator::starting_at(0);
    let mut ctx = if live {
        ParseCtx::live(&mut generator)
    } else {
        ParseCtx::inactive(&mut generator)
    };
    let def = DomainDef::parse_str(&input, &mut ctx).unwrap();
    let flags = if live {
        FormatFlags::SECURE
    } else {
        FormatFlags::SECURE | FormatFlags::INACTIVE
    };
    (def.to_xml(flags, def.id), expected)
}

#[test]
fn test_format_test_driver_default_live_matches_virsh() {
    let (actual, expected) = golden("test-default-live", true);
    assert_eq!(actual, expected);
}

#[test]
fn test_format_test_driver_default_inactive_matches_virsh() {
    let (actual, expected) = golden("test-default-inactive", false);
    assert_eq!(actual, expected);
}

#[test]
fn test_format_minimal_domain_fills_libvirt_defaults() {
    let (actual, expected) = golden("minimal", false);
    assert_eq!(actual, expected);
}

#[test]
fn test_to_xml_inactive_flag_drops_id() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/test-default-live.in.xml"),
    )
    .unwrap();
    let mut generator = SequenceGenerator::starting_at(0);
    let def = DomainDef::parse_str(&text, &mut ParseCtx::live(&mut generator)).unwrap();

    let xml = def.to_xml(FormatFlags::INACTIVE, Some(1));

    assert!(xml.starts_with("<domain type='test'>\n"), "{xml}");
}

#[test]
fn test_parse_missing_uuid_uses_generator() {
    let text =
        "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os></domain>";
    let mut generator = SequenceGenerator::starting_at(7);

    let def = DomainDef::parse_str(text, &mut ParseCtx::inactive(&mut generator)).unwrap();

    assert_eq!(def.uuid[15], 7);
}

#[test]
fn test_parse_name_with_slash_is_rejected() {
    let text = "<domain type='test'><name>a/b</name><memory>1024</memory><os><type>hvm</type></os></domain>";
    let mut generator = SequenceGenerator::starting_at(0);

    let r = DomainDef::parse_str(text, &mut ParseCtx::live(&mut generator));

    assert!(r.is_err());
}
