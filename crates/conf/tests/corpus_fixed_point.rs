//! Property test: for every domain input of libvirt's XML corpus that we accept,
//! `format(parse(x))` is a fixed point (formatting the re-parsed output changes nothing),
//! with plain parsing and with the QEMU driver's post-parse defaults.
//!
//! The corpus is libvirt's source tree (`$LIBVIRT_SRC`, which `scripts/test.sh` fetches and
//! sets); without it the tests print `SKIP: …`, or fail under `OXVIRT_STRICT=1`.

use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::domain::qemu::Defaults;
use oxvirt_conf::{FormatFlags, ParseCtx, SequenceGenerator};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::path::PathBuf;

/// The corpus's domain inputs, sorted; `None` (after a skip) without libvirt's source.
fn corpus() -> Option<Vec<PathBuf>> {
    let src = oxvirt_testutil::libvirt_src()?;
    let mut files = Vec::new();
    for dir in ["tests/genericxml2xmlindata", "tests/qemuxml2argvdata"] {
        if let Ok(rd) = std::fs::read_dir(src.join(dir)) {
            files.extend(
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "xml")),
            );
        }
    }
    files.sort();
    assert!(
        files.len() > 100,
        "only {} domain inputs under {}",
        files.len(),
        src.display()
    );
    Some(files)
}

/// `None` when the input is rejected; otherwise (first output, second output).
fn round(path: &PathBuf, live: bool) -> Option<(String, String)> {
    round_with(path, live, Defaults::Plain)
}

/// [`round`] with the post-parse defaults of `defaults`' driver on both parses.
fn round_with(path: &PathBuf, live: bool, defaults: Defaults) -> Option<(String, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let flags = if live {
        FormatFlags::SECURE
    } else {
        FormatFlags::SECURE | FormatFlags::INACTIVE
    };
    let mut g = SequenceGenerator::starting_at(0);
    let ctx = |g| {
        if live {
            ParseCtx::live(g)
        } else {
            ParseCtx::inactive(g)
        }
    };
    let def = DomainDef::parse_str_with(&text, &mut ctx(&mut g), defaults).ok()?;
    let once = def.to_xml(flags, def.id);
    let mut g2 = SequenceGenerator::starting_at(0);
    let again = DomainDef::parse_str_with(&once, &mut ctx(&mut g2), defaults)
        .map(|d| d.to_xml(flags, d.id))
        .unwrap_or_else(|e| format!("re-parse failed: {e}"));
    Some((once, again))
}

/// The corpus inputs whose (inactive) output with `defaults` is not a fixed point; `None`
/// without a corpus.
fn not_fixed(defaults: Defaults) -> Option<Vec<String>> {
    let files = corpus()?;
    Some(
        files
            .iter()
            .filter_map(|p| {
                round_with(p, false, defaults)
                    .filter(|(a, b)| a != b)
                    .map(|_| p.display().to_string())
            })
            .collect(),
    )
}

#[test]
fn test_corpus_every_accepted_input_formats_to_fixed_point() {
    let failures = not_fixed(Defaults::Plain).unwrap_or_default();

    assert!(failures.is_empty(), "not a fixed point: {failures:#?}");
}

#[test]
fn test_corpus_qemu_defaults_format_to_fixed_point() {
    let failures = not_fixed(Defaults::Qemu).unwrap_or_default();

    assert!(failures.is_empty(), "not a fixed point: {failures:#?}");
}

/// A sample of the corpus, live format; the inactive format of every file is checked above.
#[test]
fn prop_corpus_live_format_is_fixed_point() {
    let Some(files) = corpus() else { return };
    let mut runner = TestRunner::new(ProptestConfig::with_cases(64));
    runner
        .run(&(0..files.len()), |i| {
            let path = &files[i];
            if let Some((once, again)) = round(path, true) {
                prop_assert_eq!(once, again, "{}", path.display());
            }
            Ok(())
        })
        .unwrap();
}
