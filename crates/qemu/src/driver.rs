//! The QEMU driver: `qemu:///system` domains run by real QEMU processes.
//!
//! How a call flows:
//! 1. At daemon start ([`StateDriver::initialize`]) the driver takes its state directory's
//!    lock, loads the persistent definitions (`<config>/NAME.xml`), then the status files of
//!    domains a previous daemon left running (`<state>/NAME.xml`): each QEMU is found again
//!    by pid (a pidfd) and monitor socket, its state corrected from `query-status`, and it
//!    gets an actor — with no event emitted and no guest disturbed. Autostart domains start.
//! 2. Queries read a domain's published state ([`crate::domain`]) and never wait for an
//!    operation in progress.
//! 3. Operations take the domain's job lock. A start: canonical definition → per-start
//!    directory → monitor socket bound here → the command line ([`crate::command`]) → QEMU
//!    spawned with the socket passed as a descriptor ([`crate::process`]) → QMP handshake →
//!    `cont` → status file. From then on one actor task per running domain owns the event
//!    stream of its monitor: guest power-off, pauses, resets, and QEMU's exit, after which
//!    it cleans up (status file, per-start directory) and publishes the stop.
//! 4. Define and undefine write the configuration atomically (`oxvirt-store`).

use crate::caps::{CapsCache, QemuCaps};
use crate::command::{CommandContext, MonitorSocket, NetFds, build_command_line};
use crate::domain::{DomainObj, DomainSt, Running, no_domain_by_handle, not_running};
use crate::process::QemuProcess;
use crate::status::DomainStatus;
use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::domain::net::NetSource;
use oxvirt_conf::domain::qemu::QemuFacts;
use oxvirt_conf::{FormatFlags, ParseCtx, RandomGenerator};
use oxvirt_core::event::lifecycle;
use oxvirt_core::{
    CallContext, ConnectDriver, Connection, DomainCapsRequest, DomainInfo, DomainRef, DomainState,
    DriverFuture, DriverResult, ErrorDomain, ErrorNumber, Event, EventBus, HypervisorDriver,
    NodeInfo, ParsedUri, SecurityLabel, SecurityModel, StateContext, StateDriver, StateReason,
    VirError,
};
use oxvirt_hostnet::{BridgeTapOptions, HostNet, LinuxHostNet};
use oxvirt_qmp::{Events, Monitor, MonitorOptions};
use oxvirt_store::{DriverLock, Layout};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// The emulator a definition without `<emulator>` uses.
const DEFAULT_EMULATOR: &str = "/usr/bin/qemu-system-x86_64";
/// How long a destroy waits after SIGTERM before SIGKILL (libvirt: 10 s).
const TERM_GRACE: Duration = Duration::from_secs(10);
/// `VIR_DOMAIN_START_PAUSED`.
const START_PAUSED: u32 = 1;
/// `VIR_DOMAIN_DESTROY_GRACEFUL`.
const DESTROY_GRACEFUL: u32 = 1;
/// `VIR_DOMAIN_DEFINE_VALIDATE`.
const DEFINE_VALIDATE: u32 = 1;

/// The QEMU driver, shared by every `qemu:///system` connection and its actors.
#[derive(Clone)]
pub struct QemuDriver(Arc<Inner>);

struct Inner {
    layout: Layout,
    privileged: bool,
    /// Taps and bridges (the Linux one; a fake in unit tests).
    net: Arc<dyn HostNet>,
    caps: CapsCache,
    events: EventBus,
    domains: Mutex<Vec<Arc<DomainObj>>>,
    next_id: AtomicI32,
    lock: Mutex<Option<DriverLock>>,
}

impl std::fmt::Debug for QemuDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QemuDriver")
            .field("layout", &self.0.layout)
            .finish_non_exhaustive()
    }
}

impl QemuDriver {
    /// A driver keeping its files in `layout` (the `qemu` subdirectories of the daemon's).
    pub fn new(layout: Layout, privileged: bool) -> Self {
        let caps = CapsCache::new(layout.cache_dir.join("capabilities"));
        QemuDriver(Arc::new(Inner {
            layout,
            privileged,
            net: Arc::new(LinuxHostNet),
            caps,
            events: EventBus::new(),
            domains: Mutex::new(Vec::new()),
            next_id: AtomicI32::new(1),
            lock: Mutex::new(None),
        }))
    }
}

fn qemu_error(code: ErrorNumber, detail: impl Into<String>) -> VirError {
    VirError::new(code, ErrorDomain::Qemu, detail)
}

fn internal(detail: impl Into<String>) -> VirError {
    qemu_error(ErrorNumber::InternalError, detail)
}

fn system_error(what: impl std::fmt::Display, e: impl std::fmt::Display) -> VirError {
    qemu_error(ErrorNumber::SystemError, format!("{what}: {e}"))
}

fn check_flags(flags: u32, supported: u32, function: &str) -> DriverResult<()> {
    VirError::check_flags(flags, supported, ErrorDomain::Qemu, function)
}

/// What the domain defaults take from a probed binary.
fn facts(caps: &QemuCaps) -> QemuFacts {
    let default = caps.default_machine();
    QemuFacts {
        emulator: caps.emulator.display().to_string(),
        default_machine: default.map(|m| m.name.clone()).unwrap_or_default(),
        machine_aliases: caps
            .machines
            .iter()
            .filter_map(|m| m.alias.clone().map(|a| (a, m.name.clone())))
            .collect(),
        default_cpu: default
            .and_then(|m| m.default_cpu_type.as_deref())
            .map(|t| t.trim_end_matches("-x86_64-cpu").to_owned())
            .unwrap_or_else(|| "qemu64".into()),
    }
}

fn lifecycle_event(obj: &DomainObj, st: &DomainSt, event: i32, detail: i32) -> Event {
    Event::DomainLifecycle {
        dom: DomainRef {
            name: obj.name.clone(),
            uuid: obj.uuid,
            id: st.id,
        },
        event,
        detail,
    }
}

impl Inner {
    fn config_path(&self, name: &str) -> PathBuf {
        self.layout.config_dir.join(format!("{name}.xml"))
    }

    fn status_path(&self, name: &str) -> PathBuf {
        self.layout.state_dir.join(format!("{name}.xml"))
    }

    fn domains(&self) -> Vec<Arc<DomainObj>> {
        self.domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn find(&self, pred: impl Fn(&DomainObj) -> bool) -> Option<Arc<DomainObj>> {
        self.domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|d| pred(d))
            .cloned()
    }

    /// The object a client's handle names.
    fn obj(&self, dom: &DomainRef) -> DriverResult<Arc<DomainObj>> {
        self.find(|d| d.uuid == dom.uuid)
            .ok_or_else(|| no_domain_by_handle(&dom.uuid, &dom.name))
    }

    fn forget(&self, obj: &Arc<DomainObj>) {
        obj.lock().gone = true;
        self.domains
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|d| !Arc::ptr_eq(d, obj));
    }

    /// The probed capabilities of the emulator `def` names (libvirt's default one without).
    async fn caps_for(&self, def: &DomainDef) -> DriverResult<Arc<QemuCaps>> {
        self.caps_for_emulator(def.devices.emulator.as_deref().unwrap_or(DEFAULT_EMULATOR))
            .await
    }

    async fn caps_for_emulator(&self, emulator: &str) -> DriverResult<Arc<QemuCaps>> {
        self.caps
            .get(Path::new(emulator))
            .await
            .map_err(VirError::from)
    }

    /// Parses a definition with the defaults of the emulator it names.
    async fn parse_def(&self, xml: &str) -> DriverResult<(DomainDef, Arc<QemuCaps>)> {
        let parse = |caps: &QemuCaps| {
            DomainDef::parse_str_qemu(
                xml,
                &mut ParseCtx::inactive(&mut RandomGenerator),
                &facts(caps),
            )
            .map_err(|e| e.to_vir(ErrorDomain::Domain))
        };
        // One parse with the default emulator's facts; a definition naming another
        // emulator (rare) is parsed again with that one's, keeping the UUID it was given.
        let default_caps = match self.caps_for_emulator(DEFAULT_EMULATOR).await {
            Ok(c) => c,
            // No default emulator here: the one the definition names, found by a plain parse.
            Err(e) => {
                let plain =
                    DomainDef::parse_str(xml, &mut ParseCtx::inactive(&mut RandomGenerator))
                        .map_err(|e| e.to_vir(ErrorDomain::Domain))?;
                if plain.devices.emulator.is_none() {
                    return Err(e);
                }
                self.caps_for(&plain).await?
            }
        };
        let mut def = parse(&default_caps)?;
        let caps = match def.devices.emulator.as_deref() {
            Some(e) if Path::new(e) != default_caps.emulator => {
                let caps = self.caps_for_emulator(e).await?;
                let uuid = def.uuid;
                def = parse(&caps)?;
                def.uuid = uuid;
                caps
            }
            _ => default_caps,
        };
        let emulator = caps.emulator.display().to_string();
        match def.virt_type.as_str() {
            "qemu" => {}
            "kvm" if caps.kvm => {}
            other => {
                return Err(VirError::new(
                    ErrorNumber::ConfigUnsupported,
                    ErrorDomain::Qemu,
                    format!("Emulator '{emulator}' does not support virt type '{other}'"),
                ));
            }
        }
        Ok((def, caps))
    }

    fn save_config(&self, def: &DomainDef) -> DriverResult<()> {
        let xml = def.to_xml(FormatFlags::SECURE | FormatFlags::INACTIVE, None);
        let text = oxvirt_store::config_file_text(&def.name, "edit", &xml);
        oxvirt_store::write_atomic(&self.config_path(&def.name), text.as_bytes(), 0o600)
            .map_err(|e| system_error("cannot save domain configuration", e))
    }

    fn save_status(&self, obj: &DomainObj) {
        let text = {
            let st = obj.lock();
            let (Some(run), Some(xml)) = (&st.run, st.xml(FormatFlags::SECURE.bits())) else {
                return;
            };
            DomainStatus {
                reason: st.reason,
                pid: run.process.pid,
                monitor_path: run.monitor_path.clone(),
                lib_dir: run.lib_dir.clone(),
                domain_xml: xml,
            }
            .to_xml()
        };
        if let Err(e) =
            oxvirt_store::write_atomic(&self.status_path(&obj.name), text.as_bytes(), 0o600)
        {
            warn!(domain = %obj.name, error = %e, "cannot write status file");
        }
    }

    /// Adds or replaces a definition; `Ok(true)` when it replaced one (UPDATED).
    fn add_def(&self, def: &DomainDef, persistent: bool) -> DriverResult<(Arc<DomainObj>, bool)> {
        let mut list = self.domains.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(same_uuid) = list.iter().find(|d| d.uuid == def.uuid) {
            if same_uuid.name != def.name {
                return Err(VirError::new(
                    ErrorNumber::OperationFailed,
                    ErrorDomain::Domain,
                    format!(
                        "domain '{}' is already defined with uuid {}",
                        same_uuid.name,
                        oxvirt_conf::domain::util::format_uuid(&def.uuid)
                    ),
                ));
            }
            let mut st = same_uuid.lock();
            if !persistent && st.is_active() {
                return Err(VirError::new(
                    ErrorNumber::OperationInvalid,
                    ErrorDomain::Domain,
                    format!("domain '{}' is already active", def.name),
                ));
            }
            let replaced = st.persistent.is_some();
            if persistent {
                st.persistent = Some(def.clone());
            }
            drop(st);
            return Ok((same_uuid.clone(), replaced));
        }
        if let Some(same_name) = list.iter().find(|d| d.name == def.name) {
            return Err(VirError::new(
                ErrorNumber::OperationFailed,
                ErrorDomain::Domain,
                format!(
                    "domain '{}' already exists with uuid {}",
                    def.name,
                    oxvirt_conf::domain::util::format_uuid(&same_name.uuid)
                ),
            ));
        }
        let obj = Arc::new(DomainObj::new(
            persistent.then(|| def.clone()),
            None,
            def.uuid,
            def.name.clone(),
        ));
        list.push(obj.clone());
        Ok((obj, false))
    }

    fn next_vnc_display(&self) -> Option<u16> {
        (0..100u16).find(|d| std::net::TcpListener::bind(("127.0.0.1", 5900 + d)).is_ok())
    }

    /// Starts `obj` from `def`. The caller holds the job lock.
    async fn start(
        self: &Arc<Self>,
        obj: &Arc<DomainObj>,
        def: DomainDef,
        caps: Arc<QemuCaps>,
        paused: bool,
    ) -> DriverResult<()> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // The live definition: the command line, the live XML and later hotplug all use
        // its aliases.
        let mut live = def;
        live.id = Some(id);
        crate::command::aliases::assign_aliases(&mut live);
        crate::command::aliases::assign_block_nodes(&mut live);
        {
            let mut st = obj.lock();
            st.set_reason(StateReason::PausedStartingUp)?;
            st.id = id;
            st.live = Some(live.clone());
        }
        match self.launch(obj, live, &caps, id).await {
            Ok((events, stopped)) => {
                let me = self.clone();
                let actor_obj = obj.clone();
                tokio::spawn(async move { me.actor(actor_obj, events, stopped).await });
            }
            Err(e) => {
                let mut st = obj.lock();
                // From paused (starting up), which the table allows.
                let _ = st.set_reason(StateReason::ShutoffFailed);
                st.id = -1;
                st.live = None;
                let transient = st.persistent.is_none();
                drop(st);
                if transient {
                    self.forget(obj);
                }
                return Err(e);
            }
        }
        let monitor = obj.lock().run.as_ref().map(|r| r.monitor.clone());
        let Some(monitor) = monitor else {
            return Err(internal("guest exited during startup"));
        };
        if !paused && let Err(e) = monitor.cont().await {
            self.kill_after_failed_start(obj).await;
            return Err(internal(e.to_string()));
        }
        let events = {
            let mut st = obj.lock();
            let to = if paused {
                StateReason::PausedUser
            } else {
                StateReason::RunningBooted
            };
            st.set_reason(to)?;
            if paused {
                vec![
                    lifecycle_event(obj, &st, lifecycle::STARTED, 0),
                    lifecycle_event(obj, &st, lifecycle::SUSPENDED, 0),
                ]
            } else {
                vec![
                    lifecycle_event(obj, &st, lifecycle::RESUMED, 0),
                    lifecycle_event(obj, &st, lifecycle::STARTED, 0),
                ]
            }
        };
        self.save_status(obj);
        for e in events {
            self.events.publish(e);
        }
        info!(domain = %obj.name, id, "domain started");
        Ok(())
    }

    /// Spawns QEMU and connects its monitor; on failure nothing is left behind.
    async fn launch(
        &self,
        obj: &Arc<DomainObj>,
        mut live: DomainDef,
        caps: &QemuCaps,
        id: i32,
    ) -> DriverResult<(Events, watch::Sender<bool>)> {
        // The host side of the NICs first, as libvirt does: a tap for each bridge NIC (on
        // its bridge) and ethernet NIC. The taps live as long as these descriptors (or
        // QEMU's copies).
        let mut taps = Vec::new();
        let mut net_fds = Vec::new();
        for n in live.devices.interfaces.iter_mut() {
            let opts = BridgeTapOptions {
                template: n.ifname.clone().unwrap_or_else(|| "vnet%d".into()),
                vnet_hdr: n.model.as_deref() == Some("virtio"),
                ..BridgeTapOptions::default()
            };
            let tap = match &n.source {
                NetSource::Bridge { bridge } => {
                    oxvirt_hostnet::setup_bridge_tap_with(&*self.net, bridge, n.mac.0, 1, &opts)
                }
                // A tap on no bridge: the host side is the user's to configure.
                NetSource::Ethernet => {
                    oxvirt_hostnet::setup_ethernet_tap(&*self.net, n.mac.0, 1, &opts)
                }
                _ => {
                    net_fds.push(NetFds::default());
                    continue;
                }
            }
            .map_err(|e| e.to_vir())?;
            n.ifname = Some(tap.name.clone());
            net_fds.push(NetFds {
                tap: tap.fds.iter().map(AsRawFd::as_raw_fd).collect(),
                vhost: Vec::new(),
            });
            taps.push(tap);
        }
        let def = &live;
        let lib_dir = self
            .layout
            .lib_dir
            .join(format!("domain-{id}-{}", def.name));
        let _ = std::fs::remove_dir_all(&lib_dir);
        oxvirt_store::ensure_dir(&lib_dir, 0o750)
            .map_err(|e| system_error("cannot create domain directory", e))?;
        let cleanup_dir = || {
            let _ = std::fs::remove_dir_all(&lib_dir);
        };
        // The key QEMU decrypts secrets passed to it with (`-object secret,id=masterKey0`):
        // 32 random bytes readable by root only, as libvirt writes it at every start.
        if let Err(e) = write_master_key(&lib_dir.join("master-key.aes")) {
            cleanup_dir();
            return Err(system_error("cannot write the master key", e));
        }
        let monitor_path = lib_dir.join("monitor.sock");
        let listener = match std::os::unix::net::UnixListener::bind(&monitor_path) {
            Ok(l) => l,
            Err(e) => {
                cleanup_dir();
                return Err(system_error(
                    format_args!("failed to bind {}", monitor_path.display()),
                    e,
                ));
            }
        };
        let mut ctx = CommandContext::new(&lib_dir, MonitorSocket::Fd(listener.as_raw_fd()));
        ctx.emulator = Some(caps.emulator.clone());
        ctx.net_fds = net_fds;
        ctx.path_env = std::env::var("PATH").ok();
        ctx.machine_aliases = facts(caps).machine_aliases;
        ctx.default_ram_id = caps
            .canonical_machine(def.os.machine.as_deref().unwrap_or(""))
            .and_then(|m| m.default_ram_id.clone());
        let vnc_autoport = def
            .devices
            .others
            .iter()
            .any(|(_, d)| matches!(d, oxvirt_conf::domain::Device::Vnc(g) if g.autoport));
        if vnc_autoport {
            ctx.vnc_display = self.next_vnc_display();
        }
        let cmd = match build_command_line(def, &ctx) {
            Ok(c) => c,
            Err(e) => {
                cleanup_dir();
                return Err(e.to_vir());
            }
        };
        let log_path = self.layout.log_dir.join(format!("{}.log", def.name));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .and_then(|mut f| {
                use std::io::Write as _;
                writeln!(
                    f,
                    "{}: starting up libvirt version: 9.0.0, qemu version: {}.{}.{}\n{}",
                    chrono_like_now(),
                    caps.version.0,
                    caps.version.1,
                    caps.version.2,
                    cmd.to_shell_string(true)
                )?;
                Ok(f)
            });
        let log = match log {
            Ok(f) => f,
            Err(e) => {
                cleanup_dir();
                return Err(system_error(
                    format_args!("cannot open log file {}", log_path.display()),
                    e,
                ));
            }
        };
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let mut keep = vec![listener.as_raw_fd()];
        keep.extend(ctx.net_fds.iter().flat_map(|n| n.tap.iter().copied()));
        let process = match QemuProcess::spawn(&cmd, &keep, &log) {
            Ok(p) => p,
            Err(e) => {
                cleanup_dir();
                return Err(system_error(
                    format_args!("cannot execute {}", cmd.program.display()),
                    e,
                ));
            }
        };
        // QEMU holds its own copies now.
        drop(listener);
        drop(taps);
        let connected = tokio::select! {
            r = connect_monitor(&monitor_path) => r,
            () = process.exited() => Err("process exited".to_owned()),
        };
        let (monitor, events) = match connected {
            Ok(m) => m,
            Err(why) => {
                let _ = process.signal(libc::SIGKILL);
                process.exited().await;
                cleanup_dir();
                let output = read_from(&log_path, log_start);
                debug!(domain = %def.name, why, "QEMU did not start");
                return Err(internal(format!(
                    "qemu unexpectedly closed the monitor: {}",
                    output.trim_end()
                )));
            }
        };
        // The ptys QEMU opened and the VNC port it listens on go into the live XML.
        let chardevs = monitor.query_chardev().await.unwrap_or_default();
        let vnc_display = ctx.vnc_display;
        crate::live::set_pty_paths(&mut live, &chardevs);
        crate::live::set_vnc_port(&mut live, vnc_display);
        let (stopped_tx, stopped) = watch::channel(false);
        let mut st = obj.lock();
        st.live = Some(live);
        st.run = Some(Running {
            process,
            monitor,
            monitor_path,
            lib_dir,
            stopping: None,
            guest_shutdown: false,
            fake_reboot: false,
            stopped,
        });
        drop(st);
        self.save_status(obj);
        // The sender goes to the domain's actor, which signals the end of the cleanup.
        Ok((events, stopped_tx))
    }

    /// Kills a QEMU whose start failed after launch and lets its actor clean up.
    async fn kill_after_failed_start(&self, obj: &Arc<DomainObj>) {
        let waiter = {
            let mut st = obj.lock();
            st.run.as_mut().map(|r| {
                r.stopping = Some(StateReason::ShutoffFailed);
                let _ = r.process.signal(libc::SIGKILL);
                r.stopped.clone()
            })
        };
        if let Some(mut w) = waiter {
            let _ = w.wait_for(|done| *done).await;
        }
    }
}

/// Connects to a monitor socket QEMU listens on and completes the QMP handshake.
async fn connect_monitor(path: &Path) -> Result<(Monitor, Events), String> {
    let stream = std::os::unix::net::UnixStream::connect(path).map_err(|e| e.to_string())?;
    // The default handshake timeout (30 s) is libvirt's monitor timeout too.
    Monitor::from_std(stream, &MonitorOptions::default())
        .await
        .map_err(|e| e.to_string())
}

fn write_master_key(path: &Path) -> std::io::Result<()> {
    use std::io::Read as _;
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    oxvirt_store::write_atomic(path, &key, 0o600).map_err(std::io::Error::other)
}

/// What QEMU wrote to its log after `offset`.
fn read_from(path: &Path, offset: u64) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let start = usize::try_from(offset).unwrap_or(0).min(text.len());
    String::from_utf8_lossy(&text[start..]).into_owned()
}

/// `2026-12-03 19:29:38.450+0000`, libvirt's log time stamp.
fn chrono_like_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let ms = now.subsec_millis();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{ms:03}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

// --- the per-domain actor ---

impl Inner {
    /// Owns a running domain's monitor events until QEMU is gone, then cleans up.
    async fn actor(
        self: Arc<Self>,
        obj: Arc<DomainObj>,
        mut events: Events,
        stopped: watch::Sender<bool>,
    ) {
        let process = match obj.lock().run.as_ref() {
            Some(r) => r.process.clone(),
            None => return,
        };
        // The event stream ends when the monitor closes, which QEMU's exit does: every
        // event QEMU sent before it went (SHUTDOWN of a destroy) is handled first.
        while let Some(ev) = events.recv().await {
            self.on_event(&obj, &process, ev).await;
        }
        // The monitor closed or QEMU exited: make sure the process is gone and reaped.
        if !process.has_exited() {
            let _ = process.signal(libc::SIGTERM);
            if tokio::time::timeout(TERM_GRACE, process.exited())
                .await
                .is_err()
            {
                let _ = process.signal(libc::SIGKILL);
            }
        }
        process.exited().await;
        self.finish_stop(&obj);
        let _ = stopped.send(true);
    }

    async fn on_event(&self, obj: &Arc<DomainObj>, process: &QemuProcess, ev: oxvirt_qmp::Event) {
        debug!(domain = %obj.name, event = %ev.name, "monitor event");
        match ev.name.as_str() {
            "SHUTDOWN" => {
                let guest = ev.data.get("guest").and_then(|g| g.as_bool()) == Some(true);
                self.on_shutdown(obj, process, guest).await;
            }
            "STOP" => {
                let event = {
                    let mut st = obj.lock();
                    let quiet = st
                        .run
                        .as_ref()
                        .is_none_or(|r| r.guest_shutdown || r.stopping.is_some() || r.fake_reboot);
                    if quiet || st.state() != DomainState::Running {
                        None
                    } else {
                        st.set_reason(StateReason::PausedUser)
                            .ok()
                            .map(|()| lifecycle_event(obj, &st, lifecycle::SUSPENDED, 0))
                    }
                };
                if let Some(e) = event {
                    self.save_status(obj);
                    self.events.publish(e);
                }
            }
            "RESUME" => {
                let event = {
                    let mut st = obj.lock();
                    let rebooting = st.run.as_mut().is_some_and(|r| {
                        let was = r.fake_reboot;
                        r.fake_reboot = false;
                        was
                    });
                    if !rebooting && st.reason == StateReason::PausedUser {
                        st.set_reason(StateReason::RunningUnpaused)
                            .ok()
                            .map(|()| lifecycle_event(obj, &st, lifecycle::RESUMED, 0))
                    } else {
                        None
                    }
                };
                if let Some(e) = event {
                    self.save_status(obj);
                    self.events.publish(e);
                }
            }
            "RESET" => {
                let dom = obj.handle();
                self.events.publish(Event::DomainReboot { dom });
            }
            _ => {}
        }
    }

    async fn on_shutdown(&self, obj: &Arc<DomainObj>, process: &QemuProcess, guest: bool) {
        enum Then {
            Nothing,
            Reset(Monitor),
            Kill,
        }
        let (then, event) = {
            let mut st = obj.lock();
            let on_poweroff_restart = st
                .live
                .as_ref()
                .is_some_and(|d| d.lifecycle.on_poweroff == "restart");
            let Some(run) = st.run.as_mut() else { return };
            if guest && (run.fake_reboot || on_poweroff_restart) {
                // Stays set until the guest runs again (RESUME), so the STOP that comes
                // with the power-off is not reported as a pause.
                run.fake_reboot = true;
                (Then::Reset(run.monitor.clone()), None)
            } else if guest {
                run.guest_shutdown = true;
                let _ = st.set_reason(StateReason::ShutdownUnknown);
                let e = lifecycle_event(obj, &st, lifecycle::SHUTDOWN, 1);
                (Then::Kill, Some(e))
            } else if run.guest_shutdown {
                // The host side of a power-off the guest already reported.
                (Then::Nothing, None)
            } else {
                let _ = st.set_reason(StateReason::ShutdownUnknown);
                let e = lifecycle_event(obj, &st, lifecycle::SHUTDOWN, 2);
                (Then::Nothing, Some(e))
            }
        };
        if let Some(e) = event {
            self.save_status(obj);
            self.events.publish(e);
        }
        match then {
            Then::Nothing => {}
            // on_poweroff=destroy: with -no-shutdown QEMU only stopped; end it.
            Then::Kill => {
                let _ = process.signal(libc::SIGTERM);
            }
            // Not awaited here: the actor must go on reading the STOP, RESET and RESUME
            // events the reset brings; the RESUME ends the fake reboot.
            Then::Reset(m) => {
                let name = obj.name.clone();
                tokio::spawn(async move {
                    if let Err(e) = m.system_reset().await {
                        warn!(domain = %name, error = %e, "reset after guest power-off failed");
                    }
                    if let Err(e) = m.cont().await {
                        warn!(domain = %name, error = %e, "cont after reset failed");
                    }
                });
            }
        }
    }

    /// QEMU is gone: record why, remove what the start created, publish the stop.
    fn finish_stop(&self, obj: &Arc<DomainObj>) {
        let (lib_dir, event, transient) = {
            let mut st = obj.lock();
            let Some(run) = st.run.take() else { return };
            let reason = run.stopping.unwrap_or(if run.guest_shutdown {
                StateReason::ShutoffShutdown
            } else {
                StateReason::ShutoffCrashed
            });
            let detail = match reason {
                StateReason::ShutoffDestroyed => Some(1),
                StateReason::ShutoffShutdown => Some(0),
                StateReason::ShutoffCrashed => Some(5),
                _ => None,
            };
            let event = detail.map(|d| lifecycle_event(obj, &st, lifecycle::STOPPED, d));
            // Refused only if something already stopped it: keep that record.
            let _ = st.set_reason(reason);
            st.id = -1;
            st.live = None;
            (run.lib_dir, event, st.persistent.is_none())
        };
        let _ = oxvirt_store::remove(&self.status_path(&obj.name));
        let _ = std::fs::remove_dir_all(&lib_dir);
        if transient {
            self.forget(obj);
        }
        if let Some(e) = event {
            self.events.publish(e);
        }
        info!(domain = %obj.name, "domain stopped");
    }
}

// --- daemon start: definitions, reconnect, autostart ---

impl Inner {
    fn load_configs(&self) -> DriverResult<()> {
        let configs = oxvirt_store::load_xml_dir(&self.layout.config_dir)
            .map_err(|e| system_error("cannot read domain configurations", e))?;
        for (name, text) in configs {
            let mut g = RandomGenerator;
            match DomainDef::parse_str(&text, &mut ParseCtx::inactive(&mut g)) {
                Ok(def) => {
                    let autostart = oxvirt_store::is_autostart(&self.layout.config_dir, &name);
                    match self.add_def(&def, true) {
                        Ok((obj, _)) => obj.lock().autostart = autostart,
                        Err(e) => warn!(name, error = %e, "duplicate configuration skipped"),
                    }
                }
                Err(e) => warn!(name, error = %e, "cannot load domain configuration"),
            }
        }
        Ok(())
    }

    /// Finds the domains a previous daemon left running. No event is emitted.
    async fn reconnect_all(self: &Arc<Self>) {
        let Ok(files) = oxvirt_store::load_xml_dir(&self.layout.state_dir) else {
            return;
        };
        for (name, text) in files {
            if let Err(e) = self.reconnect(&name, &text).await {
                warn!(domain = name, error = %e, "could not reconnect");
            }
        }
    }

    async fn reconnect(self: &Arc<Self>, name: &str, text: &str) -> DriverResult<()> {
        let status = DomainStatus::parse(text).map_err(internal)?;
        let mut g = RandomGenerator;
        let live = DomainDef::parse_str(&status.domain_xml, &mut ParseCtx::live(&mut g))
            .map_err(|e| e.to_vir(ErrorDomain::Domain))?;
        let id = live.id.unwrap_or(0);
        self.next_id.fetch_max(id + 1, Ordering::Relaxed);
        let obj = match self.find(|d| d.uuid == live.uuid) {
            Some(o) => o,
            None => self.add_def(&live, false)?.0,
        };
        let found = match QemuProcess::attach(status.pid) {
            Ok(p) if !p.has_exited() => match connect_monitor(&status.monitor_path).await {
                Ok(m) => Some((p, m)),
                Err(e) => {
                    warn!(domain = name, error = e, "monitor unreachable");
                    let _ = p.signal(libc::SIGKILL);
                    None
                }
            },
            _ => None,
        };
        let Some((process, (monitor, events))) = found else {
            // QEMU died while no daemon watched it.
            let _ = oxvirt_store::remove(&self.status_path(name));
            let _ = std::fs::remove_dir_all(&status.lib_dir);
            let mut st = obj.lock();
            // Restoring what happened while no daemon watched, not a move of ours.
            st.reason = StateReason::ShutoffCrashed;
            let transient = st.persistent.is_none();
            drop(st);
            if transient {
                self.forget(&obj);
            }
            return Ok(());
        };
        let reason = match monitor.query_status().await {
            Ok(s) if s.running => StateReason::RunningUnknown,
            Ok(_) if status.reason.state() == DomainState::Paused => status.reason,
            Ok(_) => StateReason::PausedUser,
            Err(_) => status.reason,
        };
        let (stopped_tx, stopped) = watch::channel(false);
        {
            let mut st = obj.lock();
            // Restored from the status file (corrected by QEMU's own view), not a move.
            st.reason = if status.reason == StateReason::RunningBooted
                && reason.state() == DomainState::Running
            {
                status.reason
            } else {
                reason
            };
            st.id = id;
            st.live = Some(live);
            st.run = Some(Running {
                process,
                monitor,
                monitor_path: status.monitor_path,
                lib_dir: status.lib_dir,
                stopping: None,
                guest_shutdown: false,
                fake_reboot: false,
                stopped,
            });
        }
        self.save_status(&obj);
        let me = self.clone();
        tokio::spawn(async move { me.actor(obj, events, stopped_tx).await });
        info!(domain = name, id, "reconnected to running domain");
        Ok(())
    }

    async fn autostart_all(self: &Arc<Self>) {
        for obj in self.domains() {
            let def = {
                let st = obj.lock();
                if !st.autostart || st.is_active() {
                    continue;
                }
                st.persistent.clone()
            };
            let Some(def) = def else { continue };
            let _job = obj.job.lock().await;
            let result = match self.caps_for(&def).await {
                Ok(caps) => self.start(&obj, def, caps, false).await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                warn!(domain = %obj.name, error = %e, "autostart failed");
            }
        }
    }
}

impl StateDriver for QemuDriver {
    fn name(&self) -> &'static str {
        "QEMU"
    }

    fn initialize<'a>(&'a self, _cx: &'a StateContext) -> DriverFuture<'a, ()> {
        Box::pin(async move {
            let inner = &self.0;
            let l = &inner.layout;
            for (dir, mode) in [
                (&l.config_dir, 0o700),
                (&l.state_dir, 0o700),
                (&l.lib_dir, 0o751),
                (&l.cache_dir, 0o700),
                (&l.log_dir, 0o700),
            ] {
                oxvirt_store::ensure_dir(dir, mode)
                    .map_err(|e| system_error("cannot create driver directory", e))?;
            }
            let lock = DriverLock::acquire(&l.state_dir).map_err(|e| internal(e.to_string()))?;
            *inner.lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(lock);
            inner.load_configs()?;
            inner.reconnect_all().await;
            inner.autostart_all().await;
            Ok(())
        })
    }

    fn shutdown(&self) -> DriverFuture<'_, ()> {
        // Running guests keep running; the next daemon reconnects to them.
        *self.0.lock.lock().unwrap_or_else(|p| p.into_inner()) = None;
        oxvirt_core::ready(Ok(()))
    }
}

impl ConnectDriver for QemuDriver {
    fn scheme(&self) -> &'static str {
        "qemu"
    }

    fn open(&self, uri: &ParsedUri, _flags: u32, _cx: &CallContext) -> DriverResult<Connection> {
        let expected = if self.0.privileged {
            "/system"
        } else {
            "/session"
        };
        if uri.path != expected {
            return Err(internal(format!(
                "unexpected qemu URI path '{}', try qemu://{expected}",
                uri.path
            )));
        }
        Ok(Connection {
            hypervisor: Arc::new(self.clone()),
            network: None,
        })
    }
}

// --- the API ---

/// CPU time of a process from `/proc/PID/stat` (user + system), nanoseconds.
fn cpu_time_ns(pid: i32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may contain spaces) start at ") ".
    let Some((_, rest)) = stat.rsplit_once(") ") else {
        return 0;
    };
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| f.get(i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v > 0)
        .unwrap_or(100);
    ticks * (1_000_000_000 / hz)
}

fn node_info() -> NodeInfo {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as i32);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let mhz = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("cpu MHz"))
        .and_then(|v| {
            v.trim_start_matches([' ', '\t', ':'])
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0, |v| v as i32);
    NodeInfo {
        model: std::env::consts::ARCH.to_owned(),
        memory_kib,
        cpus,
        mhz,
        nodes: 1,
        sockets: 1,
        cores: cpus,
        threads: 1,
    }
}

impl QemuDriver {
    async fn default_caps(&self) -> DriverResult<Arc<QemuCaps>> {
        self.0
            .caps
            .get(Path::new(DEFAULT_EMULATOR))
            .await
            .map_err(VirError::from)
    }

    fn read<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&DomainSt) -> DriverResult<T>,
    ) -> DriverResult<T> {
        let obj = self.0.obj(dom)?;
        let st = obj.lock();
        f(&st)
    }

    async fn define(&self, xml: &str, flags: u32) -> DriverResult<DomainRef> {
        check_flags(flags, DEFINE_VALIDATE, "qemuDomainDefineXMLFlags")?;
        let (def, _caps) = self.0.parse_def(xml).await?;
        let (obj, replaced) = self.0.add_def(&def, true)?;
        if let Err(e) = self.0.save_config(&def) {
            if !replaced {
                self.0.forget(&obj);
            }
            return Err(e);
        }
        let st = obj.lock();
        let e = lifecycle_event(&obj, &st, lifecycle::DEFINED, i32::from(replaced));
        drop(st);
        self.0.events.publish(e);
        Ok(obj.handle())
    }

    async fn create_transient(&self, xml: &str, flags: u32) -> DriverResult<DomainRef> {
        check_flags(flags, START_PAUSED, "qemuDomainCreateXML")?;
        let (def, caps) = self.0.parse_def(xml).await?;
        let (obj, _) = self.0.add_def(&def, false)?;
        let _job = obj.job.lock().await;
        self.0
            .start(&obj, def, caps, flags & START_PAUSED != 0)
            .await?;
        Ok(obj.handle())
    }

    async fn start_defined(&self, dom: &DomainRef, flags: u32) -> DriverResult<DomainRef> {
        check_flags(flags, START_PAUSED, "qemuDomainCreateWithFlags")?;
        let obj = self.0.obj(dom)?;
        let _job = obj.job.lock().await;
        let def = {
            let st = obj.lock();
            if st.is_active() {
                return Err(qemu_error(
                    ErrorNumber::OperationInvalid,
                    "domain is already running",
                ));
            }
            st.persistent.clone()
        };
        let Some(def) = def else {
            return Err(no_domain_by_handle(&dom.uuid, &dom.name));
        };
        let caps = self.0.caps_for(&def).await?;
        self.0
            .start(&obj, def, caps, flags & START_PAUSED != 0)
            .await?;
        Ok(obj.handle())
    }

    async fn destroy(&self, dom: &DomainRef, flags: u32) -> DriverResult<()> {
        check_flags(flags, DESTROY_GRACEFUL, "qemuDomainDestroyFlags")?;
        let obj = self.0.obj(dom)?;
        let _job = obj.job.lock().await;
        let (process, mut stopped) = {
            let mut st = obj.lock();
            let run = match st.run.as_mut() {
                Some(r) => r,
                None => return Err(not_running()),
            };
            run.stopping = Some(StateReason::ShutoffDestroyed);
            let p = run.process.clone();
            let w = run.stopped.clone();
            let _ = st.set_reason(StateReason::ShutdownUnknown);
            (p, w)
        };
        let _ = process.signal(libc::SIGTERM);
        let done = tokio::time::timeout(TERM_GRACE, stopped.wait_for(|d| *d))
            .await
            .is_ok();
        if !done {
            if flags & DESTROY_GRACEFUL != 0 {
                return Err(qemu_error(
                    ErrorNumber::OperationFailed,
                    "failed to kill qemu process with SIGTERM",
                ));
            }
            let _ = process.signal(libc::SIGKILL);
            let _ = stopped.wait_for(|d| *d).await;
        }
        Ok(())
    }

    async fn monitor_job(
        &self,
        dom: &DomainRef,
        command: &str,
        then: Option<(StateReason, i32, i32)>,
    ) -> DriverResult<()> {
        let obj = self.0.obj(dom)?;
        let _job = obj.job.lock().await;
        let monitor = {
            let st = obj.lock();
            let run = st.require_active()?;
            if let Some((to, _, _)) = then {
                // Refuse before asking QEMU, with libvirt's wording.
                st.reason
                    .transition(to)
                    .map_err(crate::domain::transition_error)?;
            }
            run.monitor.clone()
        };
        monitor
            .execute(command, None)
            .await
            .map_err(|e| internal(e.to_string()))?;
        if let Some((to, event, detail)) = then {
            // QEMU's STOP/RESUME event may have been handled by the actor already.
            let e = {
                let mut st = obj.lock();
                st.set_reason(to)
                    .ok()
                    .map(|()| lifecycle_event(&obj, &st, event, detail))
            };
            if let Some(e) = e {
                self.0.save_status(&obj);
                self.0.events.publish(e);
            }
        }
        Ok(())
    }
}

macro_rules! boxed {
    ($e:expr) => {
        Box::pin(async move { $e })
    };
}

impl HypervisorDriver for QemuDriver {
    fn error_domain(&self) -> ErrorDomain {
        ErrorDomain::Qemu
    }

    fn get_type(&self) -> DriverFuture<'_, String> {
        oxvirt_core::ready(Ok("QEMU".to_owned()))
    }

    fn get_version(&self) -> DriverFuture<'_, u64> {
        boxed!(Ok(self.default_caps().await?.version_number()))
    }

    fn get_hostname(&self) -> DriverFuture<'_, String> {
        oxvirt_core::ready(
            nix::unistd::gethostname()
                .map(|h| h.to_string_lossy().into_owned())
                .map_err(|e| system_error("cannot get hostname", e)),
        )
    }

    fn get_uri(&self) -> DriverFuture<'_, String> {
        let path = if self.0.privileged {
            "system"
        } else {
            "session"
        };
        oxvirt_core::ready(Ok(format!("qemu:///{path}")))
    }

    fn get_capabilities(&self) -> DriverFuture<'_, String> {
        boxed!({
            // Every installed emulator, probed side by side when the cache is cold.
            let all = self.0.caps.get_installed().await;
            Ok(crate::caps::capabilities_xml(
                &crate::caps::host_facts(),
                &all,
            ))
        })
    }

    fn get_domain_capabilities<'a>(
        &'a self,
        req: &'a DomainCapsRequest,
        flags: u32,
    ) -> DriverFuture<'a, String> {
        boxed!({
            check_flags(flags, 0, "qemuConnectGetDomainCapabilities")?;
            let host_arch = std::env::consts::ARCH;
            // No emulator given: the first qemu-system-<arch> found on PATH, as libvirt.
            let emulator = match &req.emulator {
                Some(e) => PathBuf::from(e),
                None => {
                    let arch = req.arch.as_deref().unwrap_or(host_arch);
                    crate::caps::domcaps::default_emulator_names(host_arch, arch)
                        .iter()
                        .find_map(|n| {
                            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                                .map(|d| d.join(n))
                                .find(|p| p.is_file())
                        })
                        .ok_or_else(|| {
                            qemu_error(
                                ErrorNumber::InvalidArg,
                                format!(
                                    "unable to find any emulator to serve '{arch}' architecture"
                                ),
                            )
                        })?
                }
            };
            let caps = self.0.caps.get(&emulator).await.map_err(VirError::from)?;
            let request = crate::caps::domcaps::DomCapsRequest {
                emulator: Some(emulator),
                arch: req.arch.clone(),
                machine: req.machine.clone(),
                virttype: req.virttype.clone(),
            };
            crate::caps::domcaps::domain_capabilities_xml(
                &caps,
                &request,
                &crate::caps::host_facts(),
            )
            .map_err(|e| e.to_vir())
        })
    }

    fn node_get_info(&self) -> DriverFuture<'_, NodeInfo> {
        oxvirt_core::ready(Ok(node_info()))
    }

    fn node_get_security_model(&self) -> DriverFuture<'_, SecurityModel> {
        oxvirt_core::ready(Ok(SecurityModel {
            model: String::new(),
            doi: String::new(),
        }))
    }

    fn get_max_vcpus(&self, _type: Option<&str>) -> DriverFuture<'_, i32> {
        boxed!({
            let caps = self.default_caps().await?;
            let max = caps.default_machine().map_or(255, |m| m.max_cpus);
            Ok(i32::try_from(max).unwrap_or(i32::MAX))
        })
    }

    fn events(&self) -> &EventBus {
        &self.0.events
    }

    fn list_all_domains(&self, flags: u32) -> DriverFuture<'_, Vec<DomainRef>> {
        oxvirt_core::ready(
            check_flags(flags, 0xffff, "qemuConnectListAllDomains").map(|()| {
                self.0
                    .domains()
                    .iter()
                    .filter(|d| d.list_facts().matches(flags))
                    .map(|d| d.handle())
                    .collect()
            }),
        )
    }

    fn num_of_domains(&self) -> DriverFuture<'_, i32> {
        let n = self
            .0
            .domains()
            .iter()
            .filter(|d| d.lock().is_active())
            .count();
        oxvirt_core::ready(Ok(i32::try_from(n).unwrap_or(i32::MAX)))
    }

    fn list_domain_ids(&self, max: i32) -> DriverFuture<'_, Vec<i32>> {
        let mut ids: Vec<i32> = self
            .0
            .domains()
            .iter()
            .map(|d| d.lock().id)
            .filter(|id| *id >= 0)
            .collect();
        ids.sort_unstable();
        ids.truncate(usize::try_from(max).unwrap_or(0));
        oxvirt_core::ready(Ok(ids))
    }

    fn num_of_defined_domains(&self) -> DriverFuture<'_, i32> {
        let n = self
            .0
            .domains()
            .iter()
            .filter(|d| {
                let st = d.lock();
                !st.is_active() && st.persistent.is_some()
            })
            .count();
        oxvirt_core::ready(Ok(i32::try_from(n).unwrap_or(i32::MAX)))
    }

    fn list_defined_domains(&self, max: i32) -> DriverFuture<'_, Vec<String>> {
        let mut names: Vec<String> = self
            .0
            .domains()
            .iter()
            .filter(|d| !d.lock().is_active())
            .map(|d| d.name.clone())
            .collect();
        names.truncate(usize::try_from(max).unwrap_or(0));
        oxvirt_core::ready(Ok(names))
    }

    fn domain_lookup_by_name<'a>(&'a self, name: &'a str) -> DriverFuture<'a, DomainRef> {
        oxvirt_core::ready(
            self.0
                .find(|d| d.name == name)
                .map(|d| d.handle())
                .ok_or_else(|| {
                    qemu_error(
                        ErrorNumber::NoDomain,
                        format!("no domain with matching name '{name}'"),
                    )
                }),
        )
    }

    fn domain_lookup_by_uuid(&self, uuid: [u8; 16]) -> DriverFuture<'_, DomainRef> {
        oxvirt_core::ready(
            self.0
                .find(|d| d.uuid == uuid)
                .map(|d| d.handle())
                .ok_or_else(|| {
                    qemu_error(
                        ErrorNumber::NoDomain,
                        format!(
                            "no domain with matching uuid '{}'",
                            oxvirt_conf::domain::util::format_uuid(&uuid)
                        ),
                    )
                }),
        )
    }

    fn domain_lookup_by_id(&self, id: i32) -> DriverFuture<'_, DomainRef> {
        oxvirt_core::ready(
            self.0
                .find(|d| id >= 0 && d.lock().id == id)
                .map(|d| d.handle())
                .ok_or_else(|| {
                    qemu_error(
                        ErrorNumber::NoDomain,
                        format!("no domain with matching id {id}"),
                    )
                }),
        )
    }

    fn domain_define_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, DomainRef> {
        boxed!(self.define(xml, flags).await)
    }

    fn domain_create_xml<'a>(&'a self, xml: &'a str, flags: u32) -> DriverFuture<'a, DomainRef> {
        boxed!(self.create_transient(xml, flags).await)
    }

    fn domain_undefine<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        boxed!({
            // managed save, snapshot/checkpoint metadata, NVRAM and TPM state: none exist.
            check_flags(flags, 0x7f, "qemuDomainUndefineFlags")?;
            let obj = self.0.obj(dom)?;
            let _job = obj.job.lock().await;
            let event = {
                let mut st = obj.lock();
                if st.persistent.is_none() {
                    return Err(qemu_error(
                        ErrorNumber::OperationInvalid,
                        "cannot undefine transient domain",
                    ));
                }
                oxvirt_store::remove(&self.0.config_path(&obj.name))
                    .map_err(|e| system_error("cannot remove configuration", e))?;
                let _ = oxvirt_store::set_autostart(&self.0.layout.config_dir, &obj.name, false);
                st.persistent = None;
                st.autostart = false;
                lifecycle_event(&obj, &st, lifecycle::UNDEFINED, 0)
            };
            if !obj.lock().is_active() {
                self.0.forget(&obj);
            }
            self.0.events.publish(event);
            Ok(())
        })
    }

    fn domain_create<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, DomainRef> {
        boxed!(self.start_defined(dom, flags).await)
    }

    fn domain_destroy<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        boxed!(self.destroy(dom, flags).await)
    }

    fn domain_shutdown<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        boxed!({
            // VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN is the only method without a guest agent.
            check_flags(flags, 1, "qemuDomainShutdownFlags")?;
            self.monitor_job(dom, "system_powerdown", None).await
        })
    }

    fn domain_reboot<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        boxed!({
            check_flags(flags, 1, "qemuDomainReboot")?;
            {
                let obj = self.0.obj(dom)?;
                let mut st = obj.lock();
                match st.run.as_mut() {
                    Some(r) => r.fake_reboot = true,
                    None => return Err(not_running()),
                }
            }
            self.monitor_job(dom, "system_powerdown", None).await
        })
    }

    fn domain_reset<'a>(&'a self, dom: &'a DomainRef, flags: u32) -> DriverFuture<'a, ()> {
        boxed!({
            check_flags(flags, 0, "qemuDomainReset")?;
            // The guest's RESET event becomes the reboot event; the state stays.
            self.monitor_job(dom, "system_reset", None).await
        })
    }

    fn domain_suspend<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, ()> {
        boxed!(
            self.monitor_job(
                dom,
                "stop",
                Some((StateReason::PausedUser, lifecycle::SUSPENDED, 0))
            )
            .await
        )
    }

    fn domain_resume<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, ()> {
        boxed!(
            self.monitor_job(
                dom,
                "cont",
                Some((StateReason::RunningUnpaused, lifecycle::RESUMED, 0))
            )
            .await
        )
    }

    fn domain_get_autostart<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool> {
        oxvirt_core::ready(self.read(dom, |st| Ok(st.autostart)))
    }

    fn domain_set_autostart<'a>(&'a self, dom: &'a DomainRef, on: bool) -> DriverFuture<'a, ()> {
        oxvirt_core::ready((|| {
            let obj = self.0.obj(dom)?;
            let mut st = obj.lock();
            if st.persistent.is_none() {
                return Err(qemu_error(
                    ErrorNumber::OperationInvalid,
                    "cannot set autostart for transient domain",
                ));
            }
            oxvirt_store::set_autostart(&self.0.layout.config_dir, &obj.name, on)
                .map_err(|e| system_error("cannot change autostart", e))?;
            st.autostart = on;
            Ok(())
        })())
    }

    fn domain_get_info<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, DomainInfo> {
        oxvirt_core::ready(self.read(dom, |st| {
            let def = st
                .current_def()
                .ok_or_else(|| internal("domain has no definition"))?;
            let cpu_time_ns = st.run.as_ref().map_or(0, |r| cpu_time_ns(r.process.pid));
            Ok(DomainInfo {
                state: st.state(),
                max_mem_kib: def.memory_kib,
                memory_kib: def.current_memory_kib,
                nr_virt_cpu: u16::try_from(def.vcpus).unwrap_or(u16::MAX),
                cpu_time_ns,
            })
        }))
    }

    fn domain_get_state<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, (DomainState, i32)> {
        oxvirt_core::ready(
            check_flags(flags, 0, "qemuDomainGetState")
                .and_then(|()| self.read(dom, |st| Ok((st.state(), st.reason.code())))),
        )
    }

    fn domain_get_xml_desc<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, String> {
        oxvirt_core::ready(
            check_flags(flags, 0xf, "qemuDomainGetXMLDesc").and_then(|()| {
                self.read(dom, |st| {
                    st.xml(flags)
                        .ok_or_else(|| internal("domain has no definition"))
                })
            }),
        )
    }

    fn domain_is_active<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool> {
        oxvirt_core::ready(self.read(dom, |st| Ok(st.is_active())))
    }

    fn domain_is_persistent<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, bool> {
        oxvirt_core::ready(self.read(dom, |st| Ok(st.persistent.is_some())))
    }

    fn domain_has_managed_save_image<'a>(
        &'a self,
        dom: &'a DomainRef,
        flags: u32,
    ) -> DriverFuture<'a, bool> {
        oxvirt_core::ready(
            check_flags(flags, 0, "qemuDomainHasManagedSaveImage")
                .and_then(|()| self.read(dom, |_| Ok(false))),
        )
    }

    fn domain_snapshot_num<'a>(&'a self, dom: &'a DomainRef, _flags: u32) -> DriverFuture<'a, i32> {
        oxvirt_core::ready(self.read(dom, |_| Ok(0)))
    }

    fn domain_get_security_label<'a>(
        &'a self,
        dom: &'a DomainRef,
    ) -> DriverFuture<'a, SecurityLabel> {
        oxvirt_core::ready(self.read(dom, |_| {
            Ok(SecurityLabel {
                label: String::new(),
                enforcing: false,
            })
        }))
    }

    fn domain_get_messages<'a>(
        &'a self,
        dom: &'a DomainRef,
        _flags: u32,
    ) -> DriverFuture<'a, Vec<String>> {
        oxvirt_core::ready(self.read(dom, |_| Ok(Vec::new())))
    }

    fn domain_get_os_type<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, String> {
        oxvirt_core::ready(self.read(dom, |st| {
            Ok(st
                .current_def()
                .map(|d| d.os.os_type.clone())
                .unwrap_or_default())
        }))
    }

    fn domain_get_max_memory<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, u64> {
        oxvirt_core::ready(self.read(dom, |st| Ok(st.current_def().map_or(0, |d| d.memory_kib))))
    }

    fn domain_get_max_vcpus<'a>(&'a self, dom: &'a DomainRef) -> DriverFuture<'a, i32> {
        oxvirt_core::ready(self.read(dom, |st| {
            Ok(st
                .current_def()
                .map_or(0, |d| i32::try_from(d.vcpus).unwrap_or(i32::MAX)))
        }))
    }
}
