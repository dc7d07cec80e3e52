//! libvirt's network XML corpus (`tests/networkxml2xmlin` → `tests/networkxml2xmlout`):
//! every input with an expected output must format to it exactly, every input without
//! one (libvirt's `DO_TEST_PARSE_ERROR` cases) must be refused, and `format(parse(x))`
//! must be a fixed point.
//!
//! The corpus is libvirt's source tree (`$LIBVIRT_SRC`, which `scripts/test.sh` fetches and
//! sets). Without it the tests print `SKIP: …` and pass, unless `OXVIRT_STRICT=1`, which
//! turns a missing corpus into a failure.

use oxvirt_conf::SequenceGenerator;
use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::path::{Path, PathBuf};

/// Cases libvirt's `networkxml2xmltest.c` formats with `VIR_NETWORK_XML_INACTIVE`.
const INACTIVE_CASES: &[&str] = &["passthrough-pf", "hostdev-pf"];

/// libvirt's source tree; `None` after a skip.
fn src() -> Option<PathBuf> {
    oxvirt_testutil::libvirt_src()
}

/// Input files, sorted; `None` (after a skip) without libvirt's source.
fn inputs() -> Option<Vec<PathBuf>> {
    let src = src()?;
    let dir = src.join("tests/networkxml2xmlin");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(
        files.len() > 20,
        "only {} inputs in {}",
        files.len(),
        dir.display()
    );
    Some(files)
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn expected_for(p: &Path) -> Option<String> {
    let out = src()?.join("tests/networkxml2xmlout").join(p.file_name()?);
    std::fs::read_to_string(out).ok()
}

fn flags_for(p: &Path) -> NetworkFormatFlags {
    if INACTIVE_CASES.contains(&stem(p).as_str()) {
        NetworkFormatFlags::INACTIVE
    } else {
        NetworkFormatFlags::NONE
    }
}

fn format_file(p: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
    NetworkDef::parse_str(&text, &mut SequenceGenerator::starting_at(0))
        .map(|d| d.to_xml(flags_for(p)))
        .map_err(|e| e.to_string())
}

/// `None` when rejected; else (first format, format of the re-parsed first format).
fn twice(p: &Path) -> Option<(String, String)> {
    let once = format_file(p).ok()?;
    let again = NetworkDef::parse_str(&once, &mut SequenceGenerator::starting_at(0))
        .map(|d| d.to_xml(flags_for(p)))
        .unwrap_or_else(|e| format!("re-parse failed: {e}"));
    Some((once, again))
}

#[test]
fn test_corpus_roundtrip_inputs_format_to_libvirt_output() {
    let Some(files) = inputs() else { return };
    let failures: Vec<String> = files
        .iter()
        .filter_map(|p| expected_for(p).map(|e| (p, e)))
        .filter(|(p, e)| {
            format_file(p).map(|a| a.trim_end().to_owned()) != Ok(e.trim_end().to_owned())
        })
        .map(|(p, _)| stem(p))
        .collect();
    assert!(failures.is_empty(), "differs from libvirt: {failures:#?}");
}

#[test]
fn test_corpus_parse_error_inputs_are_rejected() {
    let Some(files) = inputs() else { return };
    let accepted: Vec<String> = files
        .iter()
        .filter(|p| expected_for(p).is_none() && format_file(p).is_ok())
        .map(|p| stem(p))
        .collect();
    assert!(
        accepted.is_empty(),
        "accepted but libvirt refuses: {accepted:#?}"
    );
}

#[test]
fn test_corpus_every_accepted_input_formats_to_fixed_point() {
    let Some(files) = inputs() else { return };
    let failures: Vec<String> = files
        .iter()
        .filter(|p| twice(p).is_some_and(|(a, b)| a != b))
        .map(|p| stem(p))
        .collect();
    assert!(failures.is_empty(), "not a fixed point: {failures:#?}");
}

/// A sample of the corpus re-parsed with proptest's shrinking; every file is checked above.
#[test]
fn prop_corpus_format_is_fixed_point() {
    let Some(files) = inputs() else { return };
    let mut runner = TestRunner::new(ProptestConfig::with_cases(64));
    runner
        .run(&(0..files.len()), |i| {
            if let Some((once, again)) = twice(&files[i]) {
                prop_assert_eq!(once, again);
            }
            Ok(())
        })
        .unwrap();
}
