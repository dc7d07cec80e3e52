//! Atomic persistence in libvirt's on-disk layout.
//!
//! This crate owns everything a driver keeps on disk between daemon runs:
//!
//! * [`Layout`]: where the files live (libvirt's directory scheme under our own `oxvirt` names, so an
//!   installed libvirt is never disturbed), with [`Layout::driver`] for the per-driver subdirectories;
//! * [`write_atomic`], [`remove`] and [`ensure_dir`]: crash-safe file primitives;
//! * [`load_xml_dir`]: reading back every `NAME.xml` of a config or status directory at start-up;
//! * [`set_autostart`] / [`is_autostart`]: autostart symlinks as libvirt keeps them;
//! * [`config_file_text`]: libvirt's "AUTO-GENERATED FILE" header for persistent configs and status files;
//! * [`DriverLock`]: the `driver.pid` file that keeps a second daemon off the same state directory.
//!
//! # How a write flows
//!
//! [`write_atomic`] never touches the destination in place:
//!
//! 1. a temporary file `.NAME.PID.SEQ.oxvirt-tmp` is created next to the destination
//!    (`O_CREAT|O_EXCL`, so it is always a fresh file) and given the requested mode exactly (umask does not apply);
//! 2. all the bytes are written and the file is `fsync`ed;
//! 3. the temporary file is renamed over the destination (atomic within a directory);
//! 4. the directory is `fsync`ed so that the rename itself is durable.
//!
//! A crash therefore leaves either the old or the new content, never a mix. A crash between steps 1 and 3 may
//! leave a temporary file behind; [`load_xml_dir`] deletes those when the driver next loads the directory. On
//! any error the temporary file is removed before the error is returned.
//!
//! The functions are synchronous and block on `fsync`; call them from a blocking context.
#![forbid(unsafe_code)]

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nix::fcntl::{Flock, FlockArg};
use tracing::{debug, warn};

/// What can go wrong while persisting or loading driver files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file could not be created or opened.
    #[error("Cannot create {}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing or flushing a file failed.
    #[error("Cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Renaming a temporary file over its destination failed.
    #[error("Cannot replace {}", path.display())]
    Rename {
        /// The destination.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Flushing a directory (making a rename or removal durable) failed.
    #[error("Cannot sync directory {}", path.display())]
    SyncDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A file could not be removed.
    #[error("Cannot remove {}", path.display())]
    Remove {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A directory could not be created.
    #[error("Cannot create directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Something other than a directory is in the way.
    #[error("Path {} is not a directory", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// A directory could not be listed.
    #[error("Cannot read directory {}", path.display())]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A file could not be read (or is not UTF-8).
    #[error("Cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A symbolic link could not be created.
    #[error("Cannot create link {}", path.display())]
    Link {
        /// The link.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Taking the lock of a pid file failed for another reason than it being held.
    #[error("Cannot lock {}", path.display())]
    Lock {
        /// The pid file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Another process holds the driver lock.
    #[error("Lock {} is held by {}", path.display(), holder(*pid))]
    Locked {
        /// The pid file.
        path: PathBuf,
        /// The holder's pid, when its pid file could be read.
        pid: Option<u32>,
    },
    /// The path names no file (it is empty, `/` or ends in `..`).
    #[error("Path {} has no file name", path.display())]
    NoFileName {
        /// The path.
        path: PathBuf,
    },
    /// An object name that cannot be used as a file name (empty, `.`/`..`, or containing `/` or NUL).
    #[error("Invalid name '{name}' in {}", dir.display())]
    InvalidName {
        /// The directory the file would be in.
        dir: PathBuf,
        /// The rejected name.
        name: String,
    },
}

fn holder(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("process {pid}"),
        None => "another process".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------------------------------
// Layout

/// Where a driver keeps its files (libvirt's layout, under our own names so we never clash with an installed libvirt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Persistent configuration (`/etc/oxvirt`): `NAME.xml` definitions and `autostart/`.
    pub config_dir: PathBuf,
    /// Runtime state, gone at reboot (`/run/oxvirt`): status files, pid files, `driver.pid`.
    pub state_dir: PathBuf,
    /// Persistent private data (`/var/lib/oxvirt`): per-domain directories, sockets, keys.
    pub lib_dir: PathBuf,
    /// Regenerable data (`/var/cache/oxvirt`): capability caches.
    pub cache_dir: PathBuf,
    /// Logs (`/var/log/oxvirt`).
    pub log_dir: PathBuf,
}

/// The environment [`Layout::new`] reads, passed explicitly so tests need not touch the process environment.
#[derive(Debug, Default, Clone)]
struct UserEnv {
    home: Option<PathBuf>,
    xdg_config_home: Option<PathBuf>,
    xdg_runtime_dir: Option<PathBuf>,
    xdg_cache_home: Option<PathBuf>,
    xdg_data_home: Option<PathBuf>,
}

impl UserEnv {
    fn from_process() -> UserEnv {
        UserEnv {
            home: std::env::var_os("HOME").map(PathBuf::from),
            xdg_config_home: std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from),
            xdg_runtime_dir: std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
            xdg_cache_home: std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from),
            xdg_data_home: std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
        }
    }
}

/// An XDG variable counts only when it is set to an absolute path (the XDG spec says to ignore relative ones).
fn xdg(value: &Option<PathBuf>) -> Option<&Path> {
    value.as_deref().filter(|p| p.is_absolute())
}

fn home_dir(env: &UserEnv) -> PathBuf {
    if let Some(home) = xdg(&env.home) {
        return home.to_path_buf();
    }
    match nix::unistd::User::from_uid(nix::unistd::getuid()) {
        Ok(Some(user)) if user.dir.is_absolute() => user.dir,
        _ => PathBuf::from("/"),
    }
}

/// `root` + `path` with `path`'s leading `/` dropped (`Path::join` would otherwise discard `root`).
fn under(root: Option<&Path>, path: PathBuf) -> PathBuf {
    match root {
        None => path,
        Some(root) => root.join(path.strip_prefix("/").unwrap_or(&path)),
    }
}

impl Layout {
    /// The daemon's directories.
    ///
    /// privileged (root): `/etc/oxvirt`, `/run/oxvirt`, `/var/lib/oxvirt`, `/var/cache/oxvirt`, `/var/log/oxvirt`.
    ///
    /// unprivileged: `$XDG_CONFIG_HOME/oxvirt` (`~/.config/oxvirt`), `$XDG_RUNTIME_DIR/oxvirt` (else
    /// `<cache>/run`), `$XDG_DATA_HOME/oxvirt` (`~/.local/share/oxvirt`) for lib, `$XDG_CACHE_HOME/oxvirt`
    /// (`~/.cache/oxvirt`), and `<cache>/log`. Unset, empty or relative XDG variables fall back to the defaults;
    /// `~` is `$HOME`, else the user's passwd entry.
    ///
    /// When `root` is `Some` (`oxvirtd --root DIR`), every directory is placed under it: `DIR/etc/oxvirt`,
    /// `DIR/run/oxvirt`, ….
    pub fn new(privileged: bool, root: Option<&Path>) -> Layout {
        if privileged {
            Layout::build(true, root, &UserEnv::default())
        } else {
            Layout::build(false, root, &UserEnv::from_process())
        }
    }

    fn build(privileged: bool, root: Option<&Path>, env: &UserEnv) -> Layout {
        let layout = if privileged {
            Layout {
                config_dir: PathBuf::from("/etc/oxvirt"),
                state_dir: PathBuf::from("/run/oxvirt"),
                lib_dir: PathBuf::from("/var/lib/oxvirt"),
                cache_dir: PathBuf::from("/var/cache/oxvirt"),
                log_dir: PathBuf::from("/var/log/oxvirt"),
            }
        } else {
            let home = home_dir(env);
            let base = |var: &Option<PathBuf>, default: &str| match xdg(var) {
                Some(dir) => dir.join("oxvirt"),
                None => home.join(default).join("oxvirt"),
            };
            let cache_dir = base(&env.xdg_cache_home, ".cache");
            Layout {
                config_dir: base(&env.xdg_config_home, ".config"),
                state_dir: match xdg(&env.xdg_runtime_dir) {
                    Some(dir) => dir.join("oxvirt"),
                    None => cache_dir.join("run"),
                },
                lib_dir: base(&env.xdg_data_home, ".local/share"),
                log_dir: cache_dir.join("log"),
                cache_dir,
            }
        };
        Layout {
            config_dir: under(root, layout.config_dir),
            state_dir: under(root, layout.state_dir),
            lib_dir: under(root, layout.lib_dir),
            cache_dir: under(root, layout.cache_dir),
            log_dir: under(root, layout.log_dir),
        }
    }

    /// The per-driver subdirectories: `layout.driver("qemu")` has `…/qemu` in each of the five places.
    pub fn driver(&self, name: &str) -> Layout {
        Layout {
            config_dir: self.config_dir.join(name),
            state_dir: self.state_dir.join(name),
            lib_dir: self.lib_dir.join(name),
            cache_dir: self.cache_dir.join(name),
            log_dir: self.log_dir.join(name),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------------
// File primitives

const TEMP_SUFFIX: &str = ".oxvirt-tmp";

static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::SyncDir {
            path: dir.to_path_buf(),
            source,
        })
}

/// Creates a fresh temporary file next to `path`; returns its path and handle.
fn create_temp(path: &Path, mode: u32) -> Result<(PathBuf, File), StoreError> {
    let Some(file_name) = path.file_name() else {
        return Err(StoreError::NoFileName {
            path: path.to_path_buf(),
        });
    };
    let dir = parent_dir(path);
    let pid = std::process::id();
    loop {
        let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let mut name = std::ffi::OsString::from(".");
        name.push(file_name);
        name.push(format!(".{pid}.{seq}{TEMP_SUFFIX}"));
        let tmp = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            // A leftover of an earlier process with our pid: try the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(StoreError::Create { path: tmp, source }),
        }
    }
}

/// Writes `bytes` to `path` atomically.
///
/// A temporary file is created in the same directory (`O_CREAT|O_EXCL`, permissions set to exactly `mode`), written
/// in full, `fsync`ed, renamed over `path`, and then the directory is `fsync`ed. A crash leaves either the old or the
/// new file, never half of one; on error the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    let (tmp, mut file) = create_temp(path, mode)?;
    let result = (|| {
        file.set_permissions(fs::Permissions::from_mode(mode))
            .and_then(|()| file.write_all(bytes))
            .and_then(|()| file.sync_all())
            .map_err(|source| StoreError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        drop(file);
        fs::rename(&tmp, path).map_err(|source| StoreError::Rename {
            path: path.to_path_buf(),
            source,
        })
    })();
    if let Err(err) = result {
        if let Err(e) = fs::remove_file(&tmp) {
            warn!(path = %tmp.display(), error = %e, "cannot remove temporary file");
        }
        return Err(err);
    }
    sync_dir(parent_dir(path))?;
    debug!(path = %path.display(), len = bytes.len(), "wrote file");
    Ok(())
}

/// Removes a file; an absent file is fine. The directory is `fsync`ed when something was removed.
pub fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {
            debug!(path = %path.display(), "removed file");
            sync_dir(parent_dir(path))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Remove {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Creates a directory and its missing parents, giving exactly `mode` to the ones it creates (existing ones are left
/// as they are). The parent of each created directory is `fsync`ed so that the new entry survives a crash.
pub fn ensure_dir(path: &Path, mode: u32) -> Result<(), StoreError> {
    let create_err = |source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    };
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(StoreError::NotADirectory {
                path: path.to_path_buf(),
            });
        }
        // Missing, or an ancestor is not a directory: the walk up the parents names the culprit.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) => {}
        Err(source) => return Err(create_err(source)),
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        ensure_dir(parent, mode)?;
    }
    match DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(create_err)?;
            debug!(path = %path.display(), mode = format_args!("{mode:o}"), "created directory");
            sync_dir(parent_dir(path))
        }
        // Lost a race with another creator: fine if it is a directory.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if path.is_dir() {
                Ok(())
            } else {
                Err(StoreError::NotADirectory {
                    path: path.to_path_buf(),
                })
            }
        }
        Err(source) => Err(create_err(source)),
    }
}

/// The `NAME.xml` files of `dir`, sorted by `NAME`, with their text.
///
/// Not recursive: subdirectories (such as `autostart/`) and other files are skipped, as are names that are not
/// UTF-8. Temporary files left by a crashed [`write_atomic`] are deleted. An absent directory is empty.
///
/// Call it at start-up, holding the [`DriverLock`]: a [`write_atomic`] into `dir` running at the same time could
/// have its temporary file deleted (its rename then fails; no file is corrupted).
pub fn load_xml_dir(dir: &Path) -> Result<Vec<(String, String)>, StoreError> {
    let read_dir_err = |source| StoreError::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(read_dir_err(source)),
    };
    let mut found = Vec::new();
    let mut removed_temp = false;
    for entry in entries {
        let entry = entry.map_err(read_dir_err)?;
        let path = entry.path();
        let Some(file_name) = entry.file_name().to_str().map(str::to_owned) else {
            warn!(path = %path.display(), "skipping file whose name is not UTF-8");
            continue;
        };
        if is_temp_name(&file_name) {
            warn!(path = %path.display(), "removing temporary file left by an interrupted write");
            fs::remove_file(&path).map_err(|source| StoreError::Remove {
                path: path.clone(),
                source,
            })?;
            removed_temp = true;
            continue;
        }
        let Some(name) = file_name.strip_suffix(".xml") else {
            continue;
        };
        if name.is_empty() || !path.is_file() {
            continue;
        }
        found.push((name.to_owned(), path));
    }
    if removed_temp {
        sync_dir(dir)?;
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
        .into_iter()
        .map(|(name, path)| {
            let text =
                fs::read_to_string(&path).map_err(|source| StoreError::Read { path, source })?;
            Ok((name, text))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------------
// Autostart

fn check_name(dir: &Path, name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(StoreError::InvalidName {
            dir: dir.to_path_buf(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn autostart_paths(config_dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let file = format!("{name}.xml");
    (
        config_dir.join("autostart").join(&file),
        config_dir.join(file),
    )
}

/// Turns autostart of `name` on or off, as libvirt keeps it: a symlink `<config>/autostart/NAME.xml` →
/// `<config>/NAME.xml` (absolute target). Idempotent; an existing wrong link is replaced atomically.
pub fn set_autostart(config_dir: &Path, name: &str, on: bool) -> Result<(), StoreError> {
    check_name(config_dir, name)?;
    let (link, target) = autostart_paths(config_dir, name);
    if !on {
        return remove(&link);
    }
    let target = std::path::absolute(&target).map_err(|source| StoreError::Link {
        path: link.clone(),
        source,
    })?;
    if fs::read_link(&link).is_ok_and(|current| current == target) {
        return Ok(());
    }
    let autostart_dir = parent_dir(&link);
    ensure_dir(autostart_dir, 0o755)?;
    // Make the link under a temporary name and rename it into place, so an existing entry is replaced atomically.
    let pid = std::process::id();
    let tmp = loop {
        let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = autostart_dir.join(format!(".{name}.xml.{pid}.{seq}{TEMP_SUFFIX}"));
        match std::os::unix::fs::symlink(&target, &tmp) {
            Ok(()) => break tmp,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(StoreError::Link { path: tmp, source }),
        }
    };
    if let Err(source) = fs::rename(&tmp, &link) {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::Link { path: link, source });
    }
    sync_dir(autostart_dir)?;
    debug!(link = %link.display(), target = %target.display(), "autostart on");
    Ok(())
}

/// Whether `name` is marked for autostart: like libvirt, `<config>/autostart/NAME.xml` and `<config>/NAME.xml` must
/// both exist and resolve to the same file.
pub fn is_autostart(config_dir: &Path, name: &str) -> bool {
    if check_name(config_dir, name).is_err() {
        return false;
    }
    let (link, target) = autostart_paths(config_dir, name);
    match (fs::metadata(&link), fs::metadata(&target)) {
        (Ok(l), Ok(t)) => l.dev() == t.dev() && l.ino() == t.ino(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------------------------------
// Config file header

/// The text libvirt stores for a persistent config (or status) file: its "AUTO-GENERATED FILE" comment naming
/// `virsh WHAT NAME`, a blank line, then `xml` unchanged.
///
/// ```
/// let text = oxvirt_store::config_file_text("vm1", "edit", "<domain/>\n");
/// assert!(text.starts_with("<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE."));
/// assert!(text.ends_with("  virsh edit vm1\nor other application using the libvirt API.\n-->\n\n<domain/>\n"));
/// ```
pub fn config_file_text(name: &str, what: &str, xml: &str) -> String {
    // Byte for byte libvirt's virXMLEmitWarning(); the name is omitted (with its space) when empty, as there.
    let mut text = String::with_capacity(256 + xml.len());
    text.push_str(
        "<!--\n\
         WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n\
         OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n  virsh ",
    );
    text.push_str(what);
    if !name.is_empty() {
        text.push(' ');
        text.push_str(name);
    }
    text.push_str("\nor other application using the libvirt API.\n-->\n\n");
    text.push_str(xml);
    text
}

// ---------------------------------------------------------------------------------------------------------------------
// Driver lock

/// The pid/lock file a driver holds for the daemon's life: `<state_dir>/driver.pid`, exclusively `flock`ed and
/// containing our pid. A second daemon (or a second acquire in this process, since `flock` belongs to the open file)
/// gets [`StoreError::Locked`]. Dropping it removes the file and releases the lock.
#[derive(Debug)]
pub struct DriverLock {
    path: PathBuf,
    /// Held only for its `Drop` (flock `LOCK_UN`, close).
    _lock: Flock<File>,
}

impl DriverLock {
    /// Takes the lock of `state_dir` (which must exist) and writes our pid into `driver.pid`.
    pub fn acquire(state_dir: &Path) -> Result<DriverLock, StoreError> {
        let path = state_dir.join("driver.pid");
        let lock_err = |source| StoreError::Lock {
            path: path.clone(),
            source,
        };
        loop {
            // No O_TRUNC: the file may belong to the holder, whose pid must stay readable.
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .open(&path)
                .map_err(|source| StoreError::Create {
                    path: path.clone(),
                    source,
                })?;
            let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => lock,
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                    return Err(StoreError::Locked {
                        pid: read_pid(&path),
                        path,
                    });
                }
                Err((_, errno)) => return Err(lock_err(errno.into())),
            };
            // The previous holder unlinks the file when it lets go: if what we locked is no longer the file at
            // `path`, our lock protects nothing. Start over with the current file.
            let ours = lock.metadata().map_err(lock_err)?;
            match fs::metadata(&path) {
                Ok(now) if now.dev() == ours.dev() && now.ino() == ours.ino() => {}
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(lock_err(source)),
            }
            let pid = std::process::id();
            lock.set_len(0)
                .and_then(|()| lock.write_all(format!("{pid}\n").as_bytes()))
                .and_then(|()| lock.sync_all())
                .map_err(|source| StoreError::Write {
                    path: path.clone(),
                    source,
                })?;
            debug!(path = %path.display(), pid, "driver lock acquired");
            return Ok(DriverLock { path, _lock: lock });
        }
    }

    /// The pid file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DriverLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock; a waiter that opened the old file notices the inode change.
        if let Err(e) = fs::remove_file(&self.path) {
            warn!(path = %self.path.display(), error = %e, "cannot remove driver pid file");
        }
        // `self._lock` drops next: flock LOCK_UN and close.
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests;
