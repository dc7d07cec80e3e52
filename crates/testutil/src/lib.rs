//! What every test of the workspace shares: how a test that cannot run here says so, and
//! where the data from outside the repository comes from.
//!
//! A test that needs something this machine may lack (root, `/dev/kvm`, QEMU, stock virsh,
//! libvirt's source tree) calls [`skip`] when it is missing. Without `OXVIRT_STRICT` that
//! prints `SKIP: why` and the test returns early; with `OXVIRT_STRICT=1` (CI) the skip is a
//! failure, so nothing CI is meant to run can silently stop running.
//!
//! Outside data: libvirt's source tree comes from `$LIBVIRT_SRC`, which `scripts/test.sh`
//! exports after fetching the source once (`scripts/libvirt-src.sh`). No test knows a path of
//! a particular machine. Data the tests need otherwise lives in the repository; the shared
//! folder beside the clone (`../shared`) is only the reference those copies are checked
//! against ([`shared_dir`]).

use std::path::{Path, PathBuf};

/// Whether skips are failures: `OXVIRT_STRICT` is set, not empty and not `0`.
pub fn strict() -> bool {
    std::env::var_os("OXVIRT_STRICT").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Prints `SKIP: why` and returns true, or panics under `OXVIRT_STRICT=1`.
///
/// Use as `if cond { skip("…"); return; }` or `let Some(x) = … else { skip("…"); return };`.
/// The reason is also appended to the file `$OXVIRT_SKIP_LOG` names, if any: libtest counts a
/// skipped test as passed, and `scripts/test.sh` reports the skips in its closing line.
pub fn skip(why: &str) -> bool {
    assert!(!strict(), "OXVIRT_STRICT=1 but a test would skip: {why}");
    println!("SKIP: {why}");
    if let Some(log) = std::env::var_os("OXVIRT_SKIP_LOG") {
        use std::io::Write as _;
        // One write per line, so concurrent tests never interleave within a line.
        let _ = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
            .and_then(|mut f| f.write_all(format!("{why}\n").as_bytes()));
    }
    true
}

/// The workspace's root directory (the clone).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// `../shared/REL` beside the clone, when the clone has the shared folder beside it.
pub fn shared_dir(rel: &str) -> Option<PathBuf> {
    let p = workspace_root().join("../shared").join(rel);
    p.exists().then_some(p)
}

/// The shared folder's original of data the repository carries a copy of, for a test that
/// checks the copy. Without the shared folder there is no reference to compare with, and a
/// plain clone must pass with `OXVIRT_STRICT=1`: that is a note, not a skip.
pub fn shared_reference(rel: &str) -> Option<PathBuf> {
    let found = shared_dir(rel);
    if found.is_none() {
        println!("note: no ../shared/{rel} beside the clone, copies not compared");
    }
    found
}

/// libvirt 9.0.0's source tree from `$LIBVIRT_SRC` (it must hold `tests/`), or a
/// [`skip`] naming what is missing.
pub fn libvirt_src() -> Option<PathBuf> {
    let Some(src) = std::env::var_os("LIBVIRT_SRC").filter(|s| !s.is_empty()) else {
        skip("LIBVIRT_SRC is not set (scripts/test.sh fetches libvirt's source and sets it)");
        return None;
    };
    let src = PathBuf::from(src);
    if src.join("tests").is_dir() {
        Some(src)
    } else {
        skip(&format!(
            "LIBVIRT_SRC={} has no tests/ folder",
            src.display()
        ));
        None
    }
}

/// An executable on `PATH`.
pub fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}

/// Every regular file under `dir`, as paths relative to it, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if p.is_file() {
                out.push(p.strip_prefix(base).expect("under base").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The RPC captures the repository carries (a copy of `shared/spec/rpc/captures`).
pub fn rpc_captures_dir() -> PathBuf {
    workspace_root().join("crates/protocol/tests/data/captures")
}

/// One captured packet: `SCENARIO/connN.jsonl`, `c2s` or `s2c`, the bytes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedPacket {
    /// The file it came from, relative to the captures folder.
    pub file: String,
    /// `c2s` (client to server) or `s2c`.
    pub direction: String,
    /// The packet, length word included.
    pub bytes: Vec<u8>,
}

/// Every captured packet of every scenario, files in name order, packets in file order.
pub fn captured_packets() -> Vec<CapturedPacket> {
    let dir = rpc_captures_dir();
    let mut out = Vec::new();
    for rel in files_under(&dir) {
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| n.starts_with("conn") && n.ends_with(".jsonl")) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(&rel)).expect("capture file");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("capture line");
            out.push(CapturedPacket {
                file: rel.display().to_string(),
                direction: v["dir"].as_str().unwrap_or_default().to_owned(),
                bytes: unhex(v["hex"].as_str().expect("hex field")),
            });
        }
    }
    out
}

/// Bytes from lowercase hex text.
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}
