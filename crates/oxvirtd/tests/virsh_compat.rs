//! Stock virsh is the judge: every script runs once through libvirt's own in-process test
//! driver (`virsh -c test:///default`) and once through oxvirtd
//! (`test+unix:///default?socket=…`, a fresh daemon per script so both start from the
//! same default objects); exit status, stdout and stderr must be equal.

mod common;

use common::{Daemon, VirshOutput, run_virsh, virsh};
use std::path::{Path, PathBuf};

const DOMAIN_XML: &str = "<domain type='test'>
  <name>vt1</name>
  <uuid>f611b815-77f7-41bd-ac64-17f9ab25c721</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu>2</vcpu>
  <os><type arch='i686'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:11:22:33'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>
";

const DOMAIN2_XML: &str = "<domain type='test'>
  <name>vt2</name>
  <uuid>0c6f5a0e-1b2d-4c3e-8f4a-5b6c7d8e9f01</uuid>
  <memory>65536</memory>
  <os><type>hvm</type></os>
</domain>
";

const NETWORK_XML: &str = "<network>
  <name>vn1</name>
  <uuid>5a1f0b7e-3c2d-4e5f-8a9b-0c1d2e3f4a5b</uuid>
  <bridge name='virbr7'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'/>
</network>
";

const DEVICE_XML: &str = "<interface type='network'>
  <mac address='52:54:00:aa:bb:cc'/>
  <source network='default'/>
</interface>
";

struct Files {
    _dir: tempfile::TempDir,
    dom: PathBuf,
    dom2: PathBuf,
    net: PathBuf,
    dev: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    Files {
        dom: write("dom.xml", DOMAIN_XML),
        dom2: write("dom2.xml", DOMAIN2_XML),
        net: write("net.xml", NETWORK_XML),
        dev: write("dev.xml", DEVICE_XML),
        _dir: dir,
    }
}

/// Values that legitimately differ between two runs because the test driver derives them
/// from the wall clock: the CPU time of `dominfo` and `vcpuinfo`, and the counters of
/// `domifstat` and `domblkstat` (`<device> <counter> <number>`). Only the number is
/// masked, so the device, the counter names and their order are still compared.
fn mask(o: VirshOutput) -> VirshOutput {
    const CLOCK_COUNTERS: &[&str] = &[
        "rx_bytes",
        "rx_packets",
        "rx_errs",
        "rx_drop",
        "tx_bytes",
        "tx_packets",
        "tx_errs",
        "tx_drop",
        "rd_req",
        "rd_bytes",
        "wr_req",
        "wr_bytes",
        "errs",
    ];
    let clean = |s: String| {
        s.lines()
            .filter(|l| !is_log_line(l))
            .map(|l| {
                let words: Vec<&str> = l.split(' ').collect();
                if l.starts_with("CPU time:") {
                    "CPU time: <masked>".to_owned()
                } else if let [dev, counter, n] = words[..]
                    && CLOCK_COUNTERS.contains(&counter)
                    && n.bytes().all(|b| b.is_ascii_digit())
                {
                    format!("{dev} {counter} <masked>")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    VirshOutput {
        status: o.status,
        stdout: clean(o.stdout),
        stderr: clean(o.stderr),
    }
}

/// A line of libvirt's own log (`2026-12-03 19:29:38.450+0000: 15876: warning : …`). The
/// in-process test driver logs to virsh's stderr (a hostname that does not resolve, say);
/// libvirtd logs to its own output, never to the client's, so these lines are not part of
/// what a client of a daemon sees.
fn is_log_line(l: &str) -> bool {
    let Some((stamp, rest)) = l.split_once("+0000: ") else {
        return false;
    };
    let date_like = stamp.len() == 23
        && stamp.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b' ',
            13 | 16 => b == b':',
            19 => b == b'.',
            _ => b.is_ascii_digit(),
        });
    let level = rest.split_once(": ").is_some_and(|(pid, r)| {
        pid.bytes().all(|b| b.is_ascii_digit())
            && ["debug : ", "info : ", "warning : ", "error : "]
                .iter()
                .any(|lv| r.starts_with(lv))
    });
    date_like && level
}

fn substitute(script: &str, f: &Files) -> String {
    let p = |x: &Path| x.display().to_string();
    script
        .replace("@DOM@", &p(&f.dom))
        .replace("@DOM2@", &p(&f.dom2))
        .replace("@NET@", &p(&f.net))
        .replace("@DEV@", &p(&f.dev))
}

/// Runs one virsh script against both and asserts equal output.
fn compare(script: &str) {
    let Some(virsh) = virsh() else { return };
    let f = files();
    let script = substitute(script, &f);
    let expected = mask(run_virsh(&virsh, "test:///default", &[&script]));
    let daemon = Daemon::start();
    let actual = mask(run_virsh(&virsh, &daemon.test_uri(), &[&script]));
    assert_eq!(actual, expected, "virsh script: {script}");
}

macro_rules! virsh_cases {
    ($($name:ident => $script:expr;)+) => {
        $(
            #[test]
            fn $name() {
                compare($script);
            }
        )+
    };
}

virsh_cases! {
    test_virsh_version_matches_test_driver => "version";
    test_virsh_hostname_matches_test_driver => "hostname";
    test_virsh_capabilities_matches_test_driver => "capabilities";
    test_virsh_nodeinfo_matches_test_driver => "nodeinfo";
    test_virsh_list_all_matches_test_driver => "list --all";
    test_virsh_list_filters_match_test_driver =>
        "list; list --inactive; list --persistent; list --transient; list --state-running; \
         list --state-paused; list --state-shutoff; list --state-other; list --autostart; \
         list --no-autostart; list --with-snapshot; list --without-snapshot; list --managed-save; \
         list --no-managed-save; list --name --all; list --uuid --all; list --id";
    test_virsh_dominfo_matches_test_driver => "dominfo test";
    test_virsh_dumpxml_matches_test_driver => "dumpxml test";
    test_virsh_dumpxml_inactive_matches_test_driver => "dumpxml --inactive test";
    test_virsh_domiflist_matches_test_driver => "domiflist test";
    test_virsh_domstate_reason_matches_test_driver => "domstate test --reason";
    test_virsh_lookups_match_test_driver => "domid test; domuuid test; domname 1; \
         domname 6695eb01-f6a4-8304-79aa-97f2502e193f; dominfo 1";
    test_virsh_define_undefine_matches_test_driver =>
        "define @DOM@; list --all; dumpxml vt1; dumpxml --inactive vt1; undefine vt1; list --all";
    test_virsh_lifecycle_matches_test_driver =>
        "define @DOM@; start vt1; domstate vt1 --reason; domid vt1; dominfo vt1; \
         suspend vt1; domstate vt1 --reason; list --state-paused; resume vt1; \
         domstate vt1 --reason; reboot vt1; domstate vt1 --reason; shutdown vt1; \
         domstate vt1 --reason; start vt1; destroy vt1; domstate vt1 --reason; \
         autostart vt1; dominfo vt1; list --autostart --all; autostart --disable vt1; \
         undefine vt1; list --all";
    test_virsh_create_transient_matches_test_driver =>
        "create @DOM2@; list --all; list --transient; dominfo vt2; destroy vt2; list --all";
    test_virsh_undefine_running_makes_transient_matches_test_driver =>
        "define @DOM@; start vt1; undefine vt1; list --all; dominfo vt1; destroy vt1; list --all";
    test_virsh_errors_match_test_driver =>
        "dominfo nosuch; start test; destroy nosuch; undefine nosuch; resume test; \
         domstate nosuch; domid 42; net-info nosuch";
    test_virsh_attach_detach_match_test_driver =>
        "attach-device test @DEV@ --live; detach-device test @DEV@ --live; \
         attach-device test @DEV@ --config";
    test_virsh_net_list_matches_test_driver => "net-list --all; net-list; net-list --inactive";
    test_virsh_net_dumpxml_matches_test_driver => "net-dumpxml default; net-dumpxml --inactive default";
    test_virsh_net_info_matches_test_driver => "net-info default; net-uuid default; net-name dd8fe884-6c02-601e-7551-cca97df1c5df";
    test_virsh_net_lifecycle_matches_test_driver =>
        "net-define @NET@; net-list --all; net-start vn1; net-info vn1; net-autostart vn1; \
         net-list --all --autostart; net-dumpxml vn1; net-destroy vn1; net-autostart --disable vn1; \
         net-undefine vn1; net-list --all";
    test_virsh_net_create_transient_matches_test_driver =>
        "net-create @NET@; net-list --all; net-destroy vn1; net-list --all";
    test_virsh_setmem_matches_test_driver =>
        "setmem test 1048576; dominfo test; setmem test 99999999; setmem test 1024 --config; \
         dumpxml --inactive test; list";
    test_virsh_setmaxmem_matches_test_driver =>
        "setmaxmem test 4194304; setmaxmem test 4194304 --config; dominfo test; \
         dumpxml --inactive test; define @DOM@; setmaxmem vt1 262144; dominfo vt1";
    test_virsh_setvcpus_matches_test_driver =>
        "setvcpus test 1; vcpucount test; dominfo test; setvcpus test 4 --maximum --config; \
         vcpucount test; dumpxml --inactive test; setvcpus test 40; setvcpus test 3 --live";
    test_virsh_vcpucount_matches_test_driver =>
        "vcpucount test; vcpucount test --live --maximum; vcpucount test --config; \
         define @DOM@; vcpucount vt1; vcpucount vt1 --live";
    test_virsh_vcpuinfo_matches_test_driver =>
        "vcpuinfo test; vcpuinfo test --pretty; define @DOM@; vcpuinfo vt1; destroy test; \
         vcpuinfo test";
    test_virsh_dommemstat_matches_test_driver =>
        "dommemstat test; setmem test 1000000; dommemstat test; create @DOM2@; dommemstat vt2; \
         destroy test; dommemstat test";
    test_virsh_domifstat_matches_test_driver =>
        "domifstat test testnet0; domifstat test aa:bb:cc:dd:ee:ff; domifstat test nosuch";
    test_virsh_domblkstat_matches_test_driver =>
        "domblkstat test vda; domblkstat test /guest/diskimage1; domblkstat test nosuch";
    test_virsh_domblkinfo_matches_test_driver =>
        "domblkinfo test vda; domblkinfo test nosuch; destroy test; domblkinfo test vda";
    test_virsh_freecell_matches_test_driver =>
        "freecell; freecell --all; freecell --cellno 1; freecell --cellno 5";
    test_virsh_sysinfo_matches_test_driver => "sysinfo";
    test_virsh_nodecpustats_matches_test_driver => "nodecpustats; nodecpustats --cpu 3";
    test_virsh_nodememstats_matches_test_driver => "nodememstats";
    test_virsh_guest_queries_match_test_driver =>
        "domhostname test; domtime test; domcontrol test; suspend test; domtime test; \
         domcontrol test; destroy test; domhostname test; domtime test; domcontrol test";
    test_virsh_schedinfo_matches_test_driver => "schedinfo test; schedinfo test --config";
    test_virsh_net_update_add_matches_test_driver =>
        "net-update default add ip-dhcp-host \"<host mac='00:16:3e:77:e2:ed' name='foo' \
         ip='192.168.122.10'/>\" --live --config; net-dumpxml default; \
         net-dumpxml --inactive default";
    test_virsh_net_update_modify_delete_matches_test_driver =>
        "net-update default add ip-dhcp-host \"<host mac='00:16:3e:77:e2:ed' name='foo' \
         ip='192.168.122.10'/>\"; net-update default add ip-dhcp-host \"<host name='foo' \
         ip='192.168.122.12'/>\"; net-update default modify ip-dhcp-host \"<host \
         mac='00:16:3e:77:e2:ed' name='bar' ip='192.168.122.11'/>\"; net-dumpxml default; \
         net-update default delete ip-dhcp-host \"<host name='bar'/>\"; net-dumpxml default; \
         net-update default delete ip-dhcp-host \"<host name='bar'/>\"";
    test_virsh_net_update_errors_match_test_driver =>
        "net-update default add ip-dhcp-host \"<range/>\"; \
         net-update default add bridge \"<bridge name='x'/>\"; \
         net-update default add ip-dhcp-host \"<host name='x'/>\" --parent-index 3; \
         net-update default add ip-dhcp-host \"<host name='x'/>\"; \
         net-destroy default; net-update default add ip-dhcp-host \
         \"<host name='x' ip='192.168.122.9'/>\" --live";
    test_virsh_memtune_matches_test_driver =>
        "memtune test; memtune test --config; destroy test; memtune test; memtune test --live";
}

/// `virsh event --all --loop` on one connection sees the lifecycle of a domain another
/// virsh drives: libvirt's captured output for the same sequence.
#[test]
fn test_virsh_event_loop_sees_other_connection_lifecycle() {
    let Some(virsh) = virsh() else { return };
    let f = files();
    let daemon = Daemon::start();
    let uri = daemon.test_uri();
    let watcher = {
        let virsh = virsh.clone();
        let uri = uri.clone();
        std::thread::spawn(move || run_virsh(&virsh, &uri, &["event --all --loop --timeout 4"]))
    };
    // Give the watcher time to register its 27 callbacks before anything happens.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let script = substitute("define @DOM@; start vt1; destroy vt1; undefine vt1", &f);
    let driver = run_virsh(&virsh, &uri, &[&script]);
    let events = watcher.join().expect("watcher");
    assert_eq!(driver.status, 0, "{driver:?}");
    assert_eq!(
        events.stdout,
        "event 'lifecycle' for domain 'vt1': Defined Added\n\
         event 'lifecycle' for domain 'vt1': Started Booted\n\
         event 'lifecycle' for domain 'vt1': Stopped Destroyed\n\
         event 'lifecycle' for domain 'vt1': Undefined Removed\n\
         event loop timed out\n\
         events received: 4\n\n"
    );
}

/// A read-only connection lists, and refusing a write is libvirt's message.
#[test]
fn test_virsh_readonly_lists_and_refuses_destroy() {
    let Some(virsh) = virsh() else { return };
    let daemon = Daemon::start();
    let ro_uri = format!(
        "test+unix:///default?socket={}",
        daemon.ro_socket().display()
    );
    let list = run_virsh(&virsh, &ro_uri, &["list --all"]);
    let destroy = run_virsh(&virsh, &ro_uri, &["destroy test"]);
    assert_eq!(
        list.stdout,
        " Id   Name   State\n----------------------\n 1    test   running\n\n"
    );
    assert_eq!(destroy.status, 1);
    assert_eq!(
        destroy.stderr,
        "error: Failed to destroy domain 'test'\n\
         error: operation forbidden: read only access prevents virDomainDestroy\n"
    );
}

/// Plain TCP without authentication carries the same protocol.
#[test]
fn test_virsh_tcp_list_all_matches_unix() {
    let Some(virsh) = virsh() else { return };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let addr = format!("127.0.0.1:{port}");
    let daemon = Daemon::start_with(&["--tcp", &addr]);
    let tcp = run_virsh(
        &virsh,
        &format!("test+tcp://{addr}/default"),
        &["list --all"],
    );
    let unix = run_virsh(&virsh, &daemon.test_uri(), &["list --all"]);
    assert_eq!(tcp, unix);
}

#[test]
fn test_is_log_line_libvirt_log_lines_only() {
    let lines = [
        "2026-12-03 19:29:38.450+0000: 15876: warning : virGetHostnameImpl:462 : getaddrinfo failed for 'vm': Name or service not known",
        "2026-12-03 19:29:38.450+0000: 15876: info : libvirt version: 9.0.0",
        "error: failed to get domain 'nope'",
        "2026-12-03 19:29:38.450+0000: x",
    ];

    assert_eq!(lines.map(is_log_line), [true, true, false, false]);
}
