use super::*;

use std::os::unix::fs::PermissionsExt;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

// --- write_atomic -----------------------------------------------------------------------------------------------------

#[test]
fn test_write_atomic_existing_file_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vm.xml");
    fs::write(&path, "old content that is longer").unwrap();
    write_atomic(&path, b"new", 0o600).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(names(dir.path()), ["vm.xml"]);
}

#[test]
fn test_write_atomic_mode_given_mode_exact() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    write_atomic(&secret, b"k", 0o600).unwrap();
    assert_eq!(mode_of(&secret), 0o600);
    // Not narrowed by the umask either.
    let open = dir.path().join("open");
    write_atomic(&open, b"x", 0o666).unwrap();
    assert_eq!(mode_of(&open), 0o666);
    // Replacing takes the new mode.
    write_atomic(&secret, b"k2", 0o640).unwrap();
    assert_eq!(mode_of(&secret), 0o640);
}

#[test]
fn test_write_atomic_success_no_temp_left() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        write_atomic(&dir.path().join("a.xml"), format!("{i}").as_bytes(), 0o644).unwrap();
    }
    assert_eq!(names(dir.path()), ["a.xml"]);
}

#[test]
fn test_write_atomic_parent_is_file_error_nothing_created() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    fs::write(&file, "x").unwrap();
    let err = write_atomic(&file.join("vm.xml"), b"data", 0o600).unwrap_err();
    assert!(matches!(err, StoreError::Create { .. }), "{err:?}");
    assert_eq!(names(dir.path()), ["plain"]);
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn test_write_atomic_rename_fails_temp_removed() {
    // The destination is a non-empty directory: the temp file is written, the rename fails, the temp must go.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("vm.xml");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside"), "x").unwrap();
    let err = write_atomic(&target, b"data", 0o600).unwrap_err();
    assert!(matches!(err, StoreError::Rename { .. }), "{err:?}");
    assert_eq!(names(dir.path()), ["vm.xml"]);
    assert!(target.is_dir());
}

#[test]
fn test_write_atomic_no_file_name_error() {
    let err = write_atomic(Path::new("/"), b"x", 0o600).unwrap_err();
    assert!(matches!(err, StoreError::NoFileName { .. }), "{err:?}");
}

// --- remove / ensure_dir ----------------------------------------------------------------------------------------------

#[test]
fn test_remove_present_and_absent_ok() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vm.xml");
    fs::write(&path, "x").unwrap();
    remove(&path).unwrap();
    assert!(!path.exists());
    remove(&path).unwrap();
    remove(&dir.path().join("no/such/dir/file")).unwrap();
}

#[test]
fn test_ensure_dir_missing_parents_created_with_mode() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o711)).unwrap();
    let deep = dir.path().join("a/b/c");
    ensure_dir(&deep, 0o750).unwrap();
    for p in ["a", "a/b", "a/b/c"] {
        assert_eq!(mode_of(&dir.path().join(p)), 0o750, "{p}");
    }
    // Existing directories are left alone, and a second call is fine.
    assert_eq!(mode_of(dir.path()), 0o711);
    ensure_dir(&deep, 0o700).unwrap();
    assert_eq!(mode_of(&deep), 0o750);
}

#[test]
fn test_ensure_dir_file_in_the_way_not_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    fs::write(&file, "x").unwrap();
    let err = ensure_dir(&file, 0o755).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err:?}");
    let err = ensure_dir(&file.join("sub"), 0o755).unwrap_err();
    assert!(
        matches!(&err, StoreError::NotADirectory { path } if *path == file),
        "{err:?}"
    );
}

// --- load_xml_dir -----------------------------------------------------------------------------------------------------

#[test]
fn test_load_xml_dir_mixed_entries_sorted_xml_only_temp_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("zeta.xml"), "<z/>").unwrap();
    fs::write(d.join("alpha.xml"), "<a/>").unwrap();
    fs::write(d.join("mid.xml"), "<m/>").unwrap();
    fs::write(d.join("notes.txt"), "n").unwrap();
    fs::write(d.join(".xml"), "no name").unwrap();
    fs::create_dir(d.join("autostart")).unwrap();
    fs::create_dir(d.join("dir.xml")).unwrap();
    // What a crash between create and rename leaves behind.
    fs::write(d.join(".alpha.xml.4242.7.oxvirt-tmp"), "<half").unwrap();
    fs::write(d.join(".new.xml.1.0.oxvirt-tmp"), "<half").unwrap();

    let loaded = load_xml_dir(d).unwrap();
    let expect = [("alpha", "<a/>"), ("mid", "<m/>"), ("zeta", "<z/>")];
    assert_eq!(
        loaded,
        expect
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        names(d),
        [
            ".xml",
            "alpha.xml",
            "autostart",
            "dir.xml",
            "mid.xml",
            "notes.txt",
            "zeta.xml"
        ]
    );
}

#[test]
fn test_load_xml_dir_absent_dir_empty() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        load_xml_dir(&dir.path().join("missing"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn test_load_xml_dir_after_write_atomic_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    let text = config_file_text("vm1", "edit", "<domain/>\n");
    write_atomic(&dir.path().join("vm1.xml"), text.as_bytes(), 0o600).unwrap();
    assert_eq!(
        load_xml_dir(dir.path()).unwrap(),
        [("vm1".to_owned(), text)]
    );
}

// --- autostart --------------------------------------------------------------------------------------------------------

#[test]
fn test_set_autostart_on_off_twice_idempotent_link_to_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("qemu");
    fs::create_dir(&config).unwrap();
    let config_file = config.join("vm1.xml");
    fs::write(&config_file, "<domain/>").unwrap();
    let link = config.join("autostart/vm1.xml");

    assert!(!is_autostart(&config, "vm1"));
    for _ in 0..2 {
        set_autostart(&config, "vm1", true).unwrap();
        assert!(is_autostart(&config, "vm1"));
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_link(&link).unwrap(), config_file);
    }
    assert_eq!(names(&config.join("autostart")), ["vm1.xml"]);
    for _ in 0..2 {
        set_autostart(&config, "vm1", false).unwrap();
        assert!(!is_autostart(&config, "vm1"));
        assert!(fs::symlink_metadata(&link).is_err());
    }
    // The config itself is untouched.
    assert_eq!(fs::read_to_string(&config_file).unwrap(), "<domain/>");
}

#[test]
fn test_set_autostart_wrong_link_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    fs::write(config.join("vm1.xml"), "<domain/>").unwrap();
    fs::create_dir(config.join("autostart")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", config.join("autostart/vm1.xml")).unwrap();
    assert!(!is_autostart(config, "vm1"));
    set_autostart(config, "vm1", true).unwrap();
    assert!(is_autostart(config, "vm1"));
    assert_eq!(names(&config.join("autostart")), ["vm1.xml"]);
}

#[test]
fn test_is_autostart_link_without_config_false() {
    let dir = tempfile::tempdir().unwrap();
    set_autostart(dir.path(), "ghost", true).unwrap();
    assert!(!is_autostart(dir.path(), "ghost"));
}

#[test]
fn test_set_autostart_bad_name_invalid_name() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["", ".", "..", "a/b", "nul\0"] {
        let err = set_autostart(dir.path(), bad, true).unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidName { .. }),
            "{bad:?}: {err:?}"
        );
        assert!(!is_autostart(dir.path(), bad));
    }
}

// --- config_file_text -------------------------------------------------------------------------------------------------

/// The first lines of `captures/status/qd-life.persistent-config.xml` (libvirt 9.0.0), byte for byte.
const LIBVIRT_HEADER_QD_LIFE: &str = "<!--\n\
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n\
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n\
\x20 virsh edit qd-life\n\
or other application using the libvirt API.\n\
-->\n\
\n";

#[test]
fn test_config_file_text_qd_life_matches_libvirt_capture() {
    let xml = "<domain type='kvm'>\n  <name>qd-life</name>\n</domain>\n";
    let text = config_file_text("qd-life", "edit", xml);
    assert_eq!(text, format!("{LIBVIRT_HEADER_QD_LIFE}{xml}"));
}

#[test]
fn test_config_file_text_empty_name_no_trailing_space() {
    let text = config_file_text("", "edit", "");
    assert!(text.contains("\n  virsh edit\nor other"), "{text}");
}

// --- DriverLock -------------------------------------------------------------------------------------------------------

#[test]
fn test_driver_lock_acquire_writes_pid() {
    let dir = tempfile::tempdir().unwrap();
    let lock = DriverLock::acquire(dir.path()).unwrap();
    assert_eq!(lock.path(), dir.path().join("driver.pid"));
    let text = fs::read_to_string(lock.path()).unwrap();
    assert_eq!(text, format!("{}\n", std::process::id()));
}

#[test]
fn test_driver_lock_second_acquire_locked_until_drop() {
    let dir = tempfile::tempdir().unwrap();
    let first = DriverLock::acquire(dir.path()).unwrap();
    match DriverLock::acquire(dir.path()) {
        Err(StoreError::Locked { pid, path }) => {
            assert_eq!(pid, Some(std::process::id()));
            assert_eq!(path, dir.path().join("driver.pid"));
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    // The failed attempt did not clobber the holder's pid.
    assert_eq!(
        fs::read_to_string(first.path()).unwrap(),
        format!("{}\n", std::process::id())
    );
    drop(first);
    assert!(!dir.path().join("driver.pid").exists());
    let again = DriverLock::acquire(dir.path()).unwrap();
    assert!(again.path().exists());
}

#[test]
fn test_driver_lock_stale_pid_file_acquired() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("driver.pid"), "999999999\nleftover junk\n").unwrap();
    let lock = DriverLock::acquire(dir.path()).unwrap();
    assert_eq!(
        fs::read_to_string(lock.path()).unwrap(),
        format!("{}\n", std::process::id())
    );
}

#[test]
fn test_driver_lock_missing_state_dir_create_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = DriverLock::acquire(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(err, StoreError::Create { .. }), "{err:?}");
}

#[test]
fn test_store_error_locked_message_names_pid() {
    let err = StoreError::Locked {
        path: PathBuf::from("/run/oxvirt/qemu/driver.pid"),
        pid: Some(42),
    };
    assert_eq!(
        err.to_string(),
        "Lock /run/oxvirt/qemu/driver.pid is held by process 42"
    );
    let err = StoreError::Locked {
        path: PathBuf::from("/x"),
        pid: None,
    };
    assert_eq!(err.to_string(), "Lock /x is held by another process");
}

// --- Layout -----------------------------------------------------------------------------------------------------------

fn layout(config: &str, state: &str, lib: &str, cache: &str, log: &str) -> Layout {
    Layout {
        config_dir: config.into(),
        state_dir: state.into(),
        lib_dir: lib.into(),
        cache_dir: cache.into(),
        log_dir: log.into(),
    }
}

#[test]
fn test_layout_privileged_no_root_system_dirs() {
    assert_eq!(
        Layout::new(true, None),
        layout(
            "/etc/oxvirt",
            "/run/oxvirt",
            "/var/lib/oxvirt",
            "/var/cache/oxvirt",
            "/var/log/oxvirt"
        )
    );
}

#[test]
fn test_layout_privileged_root_dirs_under_root() {
    assert_eq!(
        Layout::new(true, Some(Path::new("/srv/ox"))),
        layout(
            "/srv/ox/etc/oxvirt",
            "/srv/ox/run/oxvirt",
            "/srv/ox/var/lib/oxvirt",
            "/srv/ox/var/cache/oxvirt",
            "/srv/ox/var/log/oxvirt"
        )
    );
}

#[test]
fn test_layout_privileged_driver_subdirs() {
    assert_eq!(
        Layout::new(true, None).driver("qemu"),
        layout(
            "/etc/oxvirt/qemu",
            "/run/oxvirt/qemu",
            "/var/lib/oxvirt/qemu",
            "/var/cache/oxvirt/qemu",
            "/var/log/oxvirt/qemu"
        )
    );
}

#[test]
fn test_layout_unprivileged_xdg_set_xdg_dirs() {
    let env = UserEnv {
        home: Some("/home/u".into()),
        xdg_config_home: Some("/cfg".into()),
        xdg_runtime_dir: Some("/run/user/1000".into()),
        xdg_cache_home: Some("/cache".into()),
        xdg_data_home: Some("/data".into()),
    };
    assert_eq!(
        Layout::build(false, None, &env),
        layout(
            "/cfg/oxvirt",
            "/run/user/1000/oxvirt",
            "/data/oxvirt",
            "/cache/oxvirt",
            "/cache/oxvirt/log"
        )
    );
}

#[test]
fn test_layout_unprivileged_xdg_unset_home_defaults() {
    let env = UserEnv {
        home: Some("/home/u".into()),
        ..UserEnv::default()
    };
    assert_eq!(
        Layout::build(false, None, &env),
        layout(
            "/home/u/.config/oxvirt",
            "/home/u/.cache/oxvirt/run",
            "/home/u/.local/share/oxvirt",
            "/home/u/.cache/oxvirt",
            "/home/u/.cache/oxvirt/log"
        )
    );
}

#[test]
fn test_layout_unprivileged_relative_or_empty_xdg_ignored() {
    let env = UserEnv {
        home: Some("/home/u".into()),
        xdg_config_home: Some("relative".into()),
        xdg_runtime_dir: Some("".into()),
        ..UserEnv::default()
    };
    let l = Layout::build(false, None, &env);
    assert_eq!(l.config_dir, Path::new("/home/u/.config/oxvirt"));
    assert_eq!(l.state_dir, Path::new("/home/u/.cache/oxvirt/run"));
}

#[test]
fn test_layout_unprivileged_root_dirs_under_root() {
    let env = UserEnv {
        home: Some("/home/u".into()),
        xdg_runtime_dir: Some("/run/user/1000".into()),
        ..UserEnv::default()
    };
    let l = Layout::build(false, Some(Path::new("/tmp/r")), &env).driver("qemu");
    assert_eq!(
        l,
        layout(
            "/tmp/r/home/u/.config/oxvirt/qemu",
            "/tmp/r/run/user/1000/oxvirt/qemu",
            "/tmp/r/home/u/.local/share/oxvirt/qemu",
            "/tmp/r/home/u/.cache/oxvirt/qemu",
            "/tmp/r/home/u/.cache/oxvirt/log/qemu"
        )
    );
}

#[test]
fn test_layout_unprivileged_process_env_absolute_paths() {
    // Reads the real environment; only checks the shape.
    let l = Layout::new(false, None);
    for p in [
        &l.config_dir,
        &l.state_dir,
        &l.lib_dir,
        &l.cache_dir,
        &l.log_dir,
    ] {
        assert!(p.is_absolute(), "{}", p.display());
    }
}
