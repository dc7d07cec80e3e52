//! The committed `crates/protocol/src/generated/` is exactly what the generator makes from
//! libvirt's `.x` files (`$LIBVIRT_SRC`).

use std::path::PathBuf;

fn generated_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../protocol/src/generated")
}

#[test]
fn test_generated_files_match_regeneration_identical() {
    let Some(src) = oxvirt_testutil::libvirt_src() else {
        return;
    };
    let files = oxvirt_protocol_gen::generate(&src).unwrap();
    let dir = generated_dir();
    let mut stale = Vec::new();
    for f in &files {
        let committed = std::fs::read_to_string(dir.join(&f.name)).unwrap_or_default();
        if committed != f.text {
            stale.push(f.name.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `cargo run -p oxvirt-protocol-gen -- {}`",
        src.display()
    );
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = files.into_iter().map(|f| f.name).collect();
    expected.sort();
    assert_eq!(
        on_disk,
        expected,
        "files in {} not made by the generator",
        dir.display()
    );
}
