//! The repository carries copies of the shared folder's test data so that a plain clone can
//! run every test; the shared folder stays the reference. When it is beside the clone, each
//! copy must be identical to it, file for file.

use oxvirt_testutil::{files_under, shared_reference, workspace_root};
use std::path::Path;

/// (copy in the repository, original under `../shared`).
const COPIES: &[(&str, &str)] = &[
    (
        "crates/netplan/tests/vectors-open",
        "spec/change-net/vectors",
    ),
    ("crates/protocol/tests/data/captures", "spec/rpc/captures"),
    (
        "crates/protocol/tests/data/procedures.tsv",
        "spec/rpc/procedures.tsv",
    ),
    (
        "crates/xml-tool/tests/oracles/xml_corpus.py",
        "oracles/xml_corpus.py",
    ),
    (
        "crates/xml-tool/tests/oracles/open-cases.txt",
        "oracles/open-cases.txt",
    ),
];

/// Differences between `copy` and `original`: files missing on either side or different.
fn differences(copy: &Path, original: &Path) -> Vec<String> {
    if original.is_file() {
        let same = std::fs::read(copy).ok() == std::fs::read(original).ok();
        return if same {
            vec![]
        } else {
            vec![format!("{} differs", copy.display())]
        };
    }
    let ours = files_under(copy);
    let theirs = files_under(original);
    let mut out: Vec<String> = theirs
        .iter()
        .filter(|f| !ours.contains(f))
        .map(|f| format!("{} missing from the copy", f.display()))
        .collect();
    out.extend(
        ours.iter()
            .filter(|f| !theirs.contains(f))
            .map(|f| format!("{} not in the shared folder", f.display())),
    );
    out.extend(
        ours.iter()
            .filter(|f| theirs.contains(f))
            .filter(|f| std::fs::read(copy.join(f)).ok() != std::fs::read(original.join(f)).ok())
            .map(|f| format!("{} differs", f.display())),
    );
    out
}

#[test]
fn test_shared_copies_match_their_originals() {
    let root = workspace_root();
    let Some(shared) = shared_reference("") else {
        return;
    };

    let diffs: Vec<String> = COPIES
        .iter()
        .flat_map(|(copy, original)| differences(&root.join(copy), &shared.join(original)))
        .collect();

    assert!(
        diffs.is_empty(),
        "copies differ from ../shared (copy the shared files again): {diffs:#?}"
    );
}

#[test]
fn test_shared_copies_are_in_the_repository() {
    let root = workspace_root();

    let missing: Vec<&str> = COPIES
        .iter()
        .map(|(copy, _)| *copy)
        .filter(|copy| !root.join(copy).exists())
        .collect();

    assert!(missing.is_empty(), "{missing:?}");
}
