//! The caps cache: in memory per binary, on disk as one JSON file per binary, both valid
//! while the binary's [`BinaryIdentity`] is unchanged (libvirt's `virQEMUCapsCache`,
//! `virQEMUCapsIsValid`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::errno::Errno;
use nix::unistd::{AccessFlags, access};
use serde::{Deserialize, Serialize};
use tracing::{debug, warn};

use super::probe::{PROBE_TIMEOUT, probe_with_timeout};
use super::{CapsError, QemuCaps};

/// The version of the cache file's content. Change it whenever [`QemuCaps`] or what the
/// probe asks changes: every cached file then counts as stale and is probed again.
pub const CACHE_FORMAT: u32 = 1;

/// What a binary and the host looked like when caps were probed. Caps are reused only
/// while every field is unchanged.
///
/// The binary's ctime, mtime, size and inode catch an upgraded or replaced binary; the
/// `/dev/kvm` access catches KVM appearing or going (module loaded, permissions); the
/// kernel release and the CPU microcode catch what changes which CPU models KVM can run.
/// The format and our own version catch a newer oxvirt reading an older file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinaryIdentity {
    /// [`CACHE_FORMAT`] of whoever probed.
    pub format: u32,
    /// The oxvirt version that probed.
    pub oxvirt_version: String,
    /// The binary's ctime (seconds, nanoseconds).
    pub ctime: (i64, i64),
    /// The binary's mtime (seconds, nanoseconds).
    pub mtime: (i64, i64),
    /// The binary's size in bytes.
    pub size: u64,
    /// The device holding the binary.
    pub dev: u64,
    /// The binary's inode.
    pub inode: u64,
    /// Whether `/dev/kvm` could be opened read-write.
    pub kvm_usable: bool,
    /// The running kernel's release (`uname -r`).
    pub kernel: String,
    /// The CPU microcode revision (`/proc/cpuinfo`), where the kernel reports one.
    pub microcode: Option<u64>,
}

impl BinaryIdentity {
    /// The identity of `emulator` now.
    ///
    /// Fails as libvirt's `virQEMUCapsNewForBinaryInternal` does: [`CapsError::Stat`] when
    /// the binary cannot be `stat`ed (`Cannot check QEMU binary /x: No such file or
    /// directory`), [`CapsError::NotExecutable`] when it is no executable file.
    pub fn current(emulator: &Path) -> Result<BinaryIdentity, CapsError> {
        let meta = std::fs::metadata(emulator).map_err(|e| CapsError::Stat {
            path: emulator.to_owned(),
            errno: errno_of(&e),
        })?;
        if !meta.is_file() {
            return Err(CapsError::NotExecutable {
                path: emulator.to_owned(),
                errno: Errno::EACCES,
            });
        }
        access(emulator, AccessFlags::X_OK).map_err(|errno| CapsError::NotExecutable {
            path: emulator.to_owned(),
            errno,
        })?;
        Ok(BinaryIdentity {
            format: CACHE_FORMAT,
            oxvirt_version: env!("CARGO_PKG_VERSION").to_owned(),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            size: meta.size(),
            dev: meta.dev(),
            inode: meta.ino(),
            kvm_usable: kvm_usable(),
            kernel: nix::sys::utsname::uname()
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            microcode: microcode_version(),
        })
    }
}

fn errno_of(e: &std::io::Error) -> Errno {
    e.raw_os_error().map_or(Errno::EIO, Errno::from_raw)
}

/// Whether we may open `/dev/kvm` read-write, which is what QEMU needs for `accel=kvm`.
fn kvm_usable() -> bool {
    access("/dev/kvm", AccessFlags::R_OK | AccessFlags::W_OK).is_ok()
}

/// The first CPU's `microcode` line of `/proc/cpuinfo` (libvirt's
/// `virHostCPUGetMicrocodeVersion`). Only the first CPU's block is read: the kernel
/// generates the file lazily, and a large host has thousands of lines.
pub(super) fn microcode_version() -> Option<u64> {
    let f = std::fs::File::open("/proc/cpuinfo").ok()?;
    for line in BufReader::new(f).lines() {
        let line = line.ok()?;
        if line.trim().is_empty() {
            return None;
        }
        if let Some((key, value)) = line.split_once(':')
            && key.trim() == "microcode"
        {
            let v = value.trim();
            return match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => v.parse().ok(),
            };
        }
    }
    None
}

/// Where a lookup found its caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapsSource {
    /// This cache had them in memory, still valid.
    Memory,
    /// Loaded from the cache file, which was still valid.
    File,
    /// A fresh probe of the binary.
    Probe,
}

/// One binary's entry: the async lock is what makes concurrent lookups of a binary wait
/// for the first one's probe instead of starting their own.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<QemuCaps>>>>;

/// The caps of every binary asked for: in memory, in `dir` (`<cache>/qemu/capabilities`),
/// or probed; see the [module docs](super).
#[derive(Debug)]
pub struct CapsCache {
    dir: PathBuf,
    probe_timeout: Duration,
    slots: Mutex<HashMap<PathBuf, Slot>>,
    probes: AtomicU64,
}

impl CapsCache {
    /// A cache keeping its files in `dir`, created (0755) at the first write.
    pub fn new(dir: PathBuf) -> CapsCache {
        CapsCache::with_probe_timeout(dir, PROBE_TIMEOUT)
    }

    /// A cache whose probes are bounded by `probe_timeout` instead of [`PROBE_TIMEOUT`].
    pub fn with_probe_timeout(dir: PathBuf, probe_timeout: Duration) -> CapsCache {
        CapsCache {
            dir,
            probe_timeout,
            slots: Mutex::new(HashMap::new()),
            probes: AtomicU64::new(0),
        }
    }

    /// The directory of the cache files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file of `emulator`: `<dir>/<sha256 of its path>.json`.
    pub fn file_path(&self, emulator: &Path) -> PathBuf {
        self.dir.join(cache_file_name(emulator))
    }

    /// How many probes this cache has started (including failed ones).
    pub fn probe_count(&self) -> u64 {
        self.probes.load(Ordering::Relaxed)
    }

    /// The caps of `emulator`: from memory, else from its file, else probed (and the file
    /// written), whichever is first still valid for the binary as it is now.
    pub async fn get(&self, emulator: &Path) -> Result<Arc<QemuCaps>, CapsError> {
        self.lookup(emulator).await.map(|(caps, _)| caps)
    }

    /// [`CapsCache::get`], also saying where the caps came from.
    pub async fn lookup(&self, emulator: &Path) -> Result<(Arc<QemuCaps>, CapsSource), CapsError> {
        let slot = self.slot(emulator);
        let mut entry = slot.lock().await;
        // Taken under the lock: a caller that waited for someone else's probe compares
        // against the binary as it is after that probe.
        let identity = BinaryIdentity::current(emulator)?;
        if let Some(caps) = entry.as_ref() {
            if caps.identity == identity {
                return Ok((Arc::clone(caps), CapsSource::Memory));
            }
            debug!(emulator = %emulator.display(), "cached QEMU capabilities are outdated");
        }
        let file = self.file_path(emulator);
        if let Some(caps) = load(&file, emulator, &identity).await {
            let caps = Arc::new(caps);
            *entry = Some(Arc::clone(&caps));
            return Ok((caps, CapsSource::File));
        }
        self.probes.fetch_add(1, Ordering::Relaxed);
        let caps = Arc::new(probe_with_timeout(emulator, self.probe_timeout).await?);
        // A cache that cannot be written costs a probe next time, nothing more (as in
        // libvirt, which only warns).
        save(&self.dir, &file, &caps).await;
        *entry = Some(Arc::clone(&caps));
        Ok((caps, CapsSource::Probe))
    }

    /// The caps of every binary [`super::find_emulators`] lists, looked up together.
    /// Binaries whose lookup fails are left out (with a warning), as libvirt leaves them
    /// out of `virsh capabilities`.
    pub async fn get_installed(&self) -> Vec<Arc<QemuCaps>> {
        let emulators = super::find_emulators();
        let lookups = emulators.iter().map(|e| self.get(e));
        let results = join_all(lookups.map(Box::pin).collect()).await;
        emulators
            .iter()
            .zip(results)
            .filter_map(|(emulator, r)| match r {
                Ok(caps) => Some(caps),
                Err(e) => {
                    warn!(emulator = %emulator.display(), error = %e, "skipping QEMU binary");
                    None
                }
            })
            .collect()
    }

    fn slot(&self, emulator: &Path) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(slots.entry(emulator.to_owned()).or_default())
    }
}

/// Runs the futures concurrently and returns their outputs in order (a small
/// `join_all`, to do without another dependency).
async fn join_all<F: Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match std::pin::Pin::new(fut).poll(cx) {
                    std::task::Poll::Ready(v) => *out = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// The cache file's caps if they belong to `emulator` and match `identity`.
async fn load(file: &Path, emulator: &Path, identity: &BinaryIdentity) -> Option<QemuCaps> {
    let path = file.to_owned();
    let bytes = match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Ok(Err(e)) => {
            warn!(file = %file.display(), error = %e, "cannot read QEMU capabilities cache");
            return None;
        }
        Err(_) => return None,
    };
    let caps: QemuCaps = match serde_json::from_slice(&bytes) {
        Ok(caps) => caps,
        Err(e) => {
            debug!(file = %file.display(), error = %e, "unusable QEMU capabilities cache");
            return None;
        }
    };
    if caps.emulator != emulator {
        debug!(file = %file.display(), "QEMU capabilities cache is for another binary");
        return None;
    }
    if caps.identity != *identity {
        debug!(
            emulator = %emulator.display(),
            cached = ?caps.identity,
            now = ?identity,
            "outdated QEMU capabilities cache"
        );
        return None;
    }
    Some(caps)
}

/// Writes the cache file atomically with mode 0600, warning on failure.
async fn save(dir: &Path, file: &Path, caps: &QemuCaps) {
    let json = match serde_json::to_vec(caps) {
        Ok(json) => json,
        Err(e) => {
            warn!(error = %e, "cannot serialize QEMU capabilities");
            return;
        }
    };
    let (dir, path) = (dir.to_owned(), file.to_owned());
    let res = tokio::task::spawn_blocking(move || {
        oxvirt_store::ensure_dir(&dir, 0o755)?;
        oxvirt_store::write_atomic(&path, &json, 0o600)
    })
    .await;
    match res {
        Ok(Ok(())) => debug!(file = %file.display(), "saved QEMU capabilities"),
        Ok(Err(e)) => warn!(file = %file.display(), error = %e, "cannot save QEMU capabilities"),
        Err(e) => warn!(file = %file.display(), error = %e, "cannot save QEMU capabilities"),
    }
}

/// The cache file name of `emulator`: the SHA-256 of its path in hex, plus `.json` —
/// libvirt names its cache files `<sha256>.xml` the same way.
pub fn cache_file_name(emulator: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let digest = sha256(emulator.as_os_str().as_bytes());
    let mut name = String::with_capacity(64 + 5);
    for b in digest {
        name.push_str(&format!("{b:02x}"));
    }
    name.push_str(".json");
    name
}

/// SHA-256 (FIPS 180-4). Small inputs only (a path), so no attention to speed.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 32]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn test_sha256_known_vectors_match() {
        assert_eq!(
            hex(sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Two blocks.
        assert_eq!(
            hex(sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn test_cache_file_name_x86_64_matches_libvirt_name() {
        // libvirt's cache file on the reference host: 926803a9…c725.xml (SPEC §3.2).
        let name = cache_file_name(Path::new("/usr/bin/qemu-system-x86_64"));
        assert!(name.starts_with("926803a9"), "{name}");
        assert!(name.ends_with("c725.json"), "{name}");
    }

    #[test]
    fn test_identity_missing_binary_is_libvirt_stat_error() {
        let err =
            BinaryIdentity::current(Path::new("/nonexistent/qemu-system-x86_64")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot check QEMU binary /nonexistent/qemu-system-x86_64: No such file or directory"
        );
    }

    #[test]
    fn test_identity_directory_is_not_executable() {
        let err = BinaryIdentity::current(Path::new("/")).unwrap_err();
        assert!(matches!(err, CapsError::NotExecutable { .. }), "{err}");
    }
}
