//! Regenerates `crates/protocol/src/procedures_table.rs` from libvirt's procedure list and
//! libvirt's source tree (for the error domain of each public function).
//!
//! Usage: `cargo run -p oxvirt-protocol --bin gen-procedures -- PROCEDURES.TSV LIBVIRT_SRC [OUT]`
//! (`LIBVIRT_SRC`: `bash scripts/libvirt-src.sh` prints it; OUT defaults to the committed file).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let (tsv_path, src) = match &args[..] {
        [tsv, src] | [tsv, src, _] => (tsv, src),
        _ => {
            eprintln!("usage: gen-procedures PROCEDURES.TSV LIBVIRT_SRC [OUT.rs]");
            return ExitCode::from(2);
        }
    };
    let out = args.get(2).cloned().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/procedures_table.rs")
    });
    let result = std::fs::read_to_string(tsv_path)
        .map_err(|e| format!("reading {}: {e}", tsv_path.display()))
        .and_then(|tsv| {
            let domains = scan_sources(src)?;
            oxvirt_protocol::generator::generate(&tsv, &domains)
        })
        .and_then(|code| {
            std::fs::write(&out, code).map_err(|e| format!("writing {}: {e}", out.display()))
        });
    match result {
        Ok(()) => {
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-procedures: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Error domains of the public functions in libvirt's API source files.
fn scan_sources(src: &Path) -> Result<oxvirt_protocol::generator::ApiDomains, String> {
    let mut domains = oxvirt_protocol::generator::ApiDomains::default();
    for rel in oxvirt_protocol::generator::API_SOURCES {
        let path = src.join(rel);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        domains
            .scan(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(domains)
}
