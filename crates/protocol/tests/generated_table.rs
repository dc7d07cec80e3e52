//! The committed `procedures_table.rs` is what the generator makes from the TSV and
//! libvirt's source.

use oxvirt_protocol::generator::{API_SOURCES, ApiDomains};
use std::path::PathBuf;

#[test]
fn test_procedures_table_is_up_to_date() {
    let Some(src) = oxvirt_testutil::libvirt_src() else {
        return;
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tsv = manifest.join("tests/data/procedures.tsv");
    let text = std::fs::read_to_string(&tsv).expect("procedures.tsv");
    let mut domains = ApiDomains::default();
    for rel in API_SOURCES {
        domains
            .scan(&std::fs::read_to_string(src.join(rel)).expect("API source"))
            .expect("VIR_FROM_THIS");
    }

    let generated = oxvirt_protocol::generator::generate(&text, &domains).unwrap();

    let committed = std::fs::read_to_string(manifest.join("src/procedures_table.rs")).unwrap();
    assert!(
        generated == committed,
        "procedures_table.rs is stale: run `cargo run -p oxvirt-protocol --bin gen-procedures -- {} {}`",
        tsv.display(),
        src.display()
    );
}

#[test]
fn test_every_typed_proc_is_in_the_table() {
    let missing: Vec<_> = oxvirt_protocol::remote::RemoteProc::ALL
        .iter()
        .filter(|p| oxvirt_protocol::procedures::remote_proc(p.number()).is_none())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
