//! Criterion bench: parse + format of a 1–2 KiB domain (target ≤ 15 µs) and of the largest
//! domain in libvirt's corpus (target ≤ 200 µs; `$LIBVIRT_SRC`, skipped when absent).

use criterion::{Criterion, criterion_group, criterion_main};
use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::{FormatFlags, ParseCtx, SequenceGenerator};
use std::hint::black_box;
use std::path::PathBuf;

const SMALL: &str = include_str!("small-domain.xml");

fn round(text: &str) -> String {
    let mut g = SequenceGenerator::starting_at(0);
    // Benchmark inputs are known-good; a failure is a bench setup bug.
    let def =
        DomainDef::parse_str(text, &mut ParseCtx::inactive(&mut g)).expect("bench input parses");
    def.to_xml(FormatFlags::INACTIVE, None)
}

/// The floor: building the XML tree alone (no domain model).
fn xml_only(text: &str) -> usize {
    oxvirt_xml::parse_document(text)
        .map(|d| d.descendants().count())
        .unwrap_or(0)
}

fn largest_corpus_domain() -> Option<String> {
    // `bash scripts/libvirt-src.sh` fetches the source once and prints its path.
    let src = PathBuf::from(std::env::var_os("LIBVIRT_SRC")?);
    let dir = src.join("tests/qemuxml2xmloutdata");
    let mut best: Option<(u64, PathBuf)> = None;
    for e in std::fs::read_dir(dir).ok()?.filter_map(Result::ok) {
        let len = e.metadata().ok()?.len();
        if best.as_ref().is_none_or(|(l, _)| len > *l) {
            best = Some((len, e.path()));
        }
    }
    std::fs::read_to_string(best?.1).ok()
}

fn bench(c: &mut Criterion) {
    c.bench_function("parse_format_small_domain", |b| {
        b.iter(|| round(black_box(SMALL)))
    });
    c.bench_function("xml_only_small_domain", |b| {
        b.iter(|| xml_only(black_box(SMALL)))
    });
    match largest_corpus_domain() {
        Some(text) => {
            c.bench_function("parse_format_largest_corpus_domain", |b| {
                b.iter(|| round(black_box(&text)))
            });
            c.bench_function("xml_only_largest_corpus_domain", |b| {
                b.iter(|| xml_only(black_box(&text)))
            });
            let mut g = SequenceGenerator::starting_at(0);
            let def = DomainDef::parse_str(&text, &mut ParseCtx::inactive(&mut g))
                .expect("bench input parses");
            c.bench_function("format_only_largest_corpus_domain", |b| {
                b.iter(|| black_box(&def).to_xml(FormatFlags::INACTIVE, None))
            });
        }
        None => eprintln!("SKIP: libvirt corpus not found (set LIBVIRT_SRC)"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
