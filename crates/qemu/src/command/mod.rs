//! The QEMU command line libvirt 9.0.0 builds for QEMU 7.2 on x86_64
//! (`qemuBuildCommandLine`), as a pure function: no file, socket, tap or process is touched.
//!
//! Flow: [`build_command_line`] takes a definition that already carries libvirt's
//! define-time defaults (PCI addresses, MAC addresses, implicit controllers, the default CPU
//! model, `<audio>`…; `DomainDef::parse_str_with(…, Defaults::Qemu)` fills them) and a
//! [`CommandContext`] holding what only a start knows: the per-domain directory, the file
//! descriptors the process inherits (monitor socket, taps), the VNC display the port
//! allocator picked, a few `qemu.conf` settings and capability facts. It then
//!
//! 1. sorts the devices by kind and refuses, with [`CommandError::Unsupported`], every part
//!    of the definition it does not translate (nothing is dropped silently);
//! 2. computes what libvirt computes at start: device aliases (`net0`, `virtio-disk0`,
//!    `pci.1`…), block node names (`libvirt-N-storage/format`, numbered from the last disk
//!    up), boot indexes from `<boot dev>` or `<boot order>`, the canonical machine type;
//! 3. emits the arguments in libvirt's order: process and machine options
//!    (`machine`), then the devices (`devices`): controllers, disks, network
//!    interfaces, serial ports, audio, graphics, video, balloon; then `-sandbox` and `-msg`.
//!
//! The result is a [`QemuCommand`]: program, environment, arguments and the descriptors to
//! pass, plus [`QemuCommand::to_shell_string`] for the line libvirt writes to the domain log.
//!
//! Syntax (`syntax`): libvirt 9.0 passes `-object`, `-device`, `-blockdev`, `-netdev` and
//! `-audiodev` as JSON objects (QEMU ≥ 6 accepts JSON there) and everything else as
//! `key=value` lists, where commas inside values are doubled.

pub mod aliases;
mod devices;
mod machine;
mod syntax;

use oxvirt_conf::domain::DomainDef;
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use std::os::fd::RawFd;
use std::path::PathBuf;

/// Why no command line could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The definition uses something libvirt would accept that this builder does not
    /// translate (a device kind, a disk shape, an option). Never silently dropped.
    #[error("{0}")]
    Unsupported(String),
    /// The definition lacks what define or start fill in before the command line is built
    /// (a PCI address, a machine type, an emulator, an audio backend for VNC…).
    #[error("{0}")]
    Incomplete(String),
    /// The context does not fit the definition (missing tap descriptors, no VNC display
    /// chosen for an autoport VNC server…).
    #[error("{0}")]
    Context(String),
}

impl CommandError {
    /// The error a client gets: `unsupported configuration: …` for what is not translated,
    /// `internal error: …` otherwise, in the QEMU error domain.
    pub fn to_vir(&self) -> VirError {
        match self {
            CommandError::Unsupported(m) => {
                VirError::new(ErrorNumber::ConfigUnsupported, ErrorDomain::Qemu, m.clone())
            }
            CommandError::Incomplete(m) | CommandError::Context(m) => {
                VirError::internal(ErrorDomain::Qemu, m.clone())
            }
        }
    }
}

/// Where QEMU finds its QMP monitor socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorSocket {
    /// A listening socket the manager created, bound and passes to QEMU at this descriptor
    /// number (what a real start does: `fd=32` in the captures).
    Fd(RawFd),
    /// A path QEMU binds itself (what `virsh domxml-to-native` prints:
    /// `libDir/monitor.sock`).
    Path(PathBuf),
}

/// The host-side descriptors of one `<interface>`, as numbered in the QEMU process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetFds {
    /// Tap (or macvtap) descriptors, one per queue. Empty for `type='user'`.
    pub tap: Vec<RawFd>,
    /// `/dev/vhost-net` descriptors, one per queue, or none when vhost is not used.
    pub vhost: Vec<RawFd>,
}

/// What a start knows besides the definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// The QEMU binary; `None` uses the definition's `<emulator>`.
    pub emulator: Option<PathBuf>,
    /// The per-start directory `/var/lib/libvirt/qemu/domain-ID-NAME`: HOME and XDG
    /// directories of the process, and home of `master-key.aes`.
    pub lib_dir: PathBuf,
    /// The QMP monitor socket.
    pub monitor: MonitorSocket,
    /// Per `<interface>`, in document order: the descriptors QEMU inherits.
    pub net_fds: Vec<NetFds>,
    /// The VNC display the port allocator chose (port − 5900), for an autoport server.
    pub vnc_display: Option<u16>,
    /// `qemu.conf` `vnc_listen`: the address used when `<graphics>` names none.
    pub vnc_listen: String,
    /// The daemon's `PATH`, passed through (libvirt clears the rest of the environment).
    pub path_env: Option<String>,
    /// `qemu.conf` `seccomp_sandbox` (on by default): `-sandbox on,…` or `-sandbox off`.
    pub seccomp_sandbox: bool,
    /// `qemu.conf` `log_timestamp` (on by default): `-msg timestamp=on`.
    pub log_timestamp: bool,
    /// `qemu.conf` `dump_guest_core` (off by default), unless `<memory dumpCore>` says.
    pub dump_guest_core: bool,
    /// Machine type aliases and their canonical names from `query-machines`
    /// (`pc` → `pc-i440fx-7.2`); a start replaces an alias by its canonical name.
    pub machine_aliases: Vec<(String, String)>,
    /// `default-ram-id` of the machine type from `query-machines` (`pc.ram`): guest RAM
    /// becomes an explicit `memory-backend-ram` object with that id. `None` for a QEMU
    /// that does not report one (then no backend object is created).
    pub default_ram_id: Option<String>,
    /// Whether each disk image was probed for a backing file before the build and none
    /// was found (a real start does it): the format layer then says `"backing":null` so
    /// QEMU does not probe again. `virsh domxml-to-native` does not probe.
    pub disk_chains_probed: bool,
}

impl CommandContext {
    /// A context with libvirt's `qemu.conf` defaults and the capability facts of QEMU 7.2
    /// on x86_64, for the process directory `lib_dir` and the monitor `monitor`.
    pub fn new(lib_dir: impl Into<PathBuf>, monitor: MonitorSocket) -> CommandContext {
        CommandContext {
            emulator: None,
            lib_dir: lib_dir.into(),
            monitor,
            net_fds: Vec::new(),
            vnc_display: None,
            vnc_listen: "127.0.0.1".into(),
            path_env: None,
            seccomp_sandbox: true,
            log_timestamp: true,
            dump_guest_core: false,
            machine_aliases: vec![
                ("pc".into(), "pc-i440fx-7.2".into()),
                ("q35".into(), "pc-q35-7.2".into()),
            ],
            default_ram_id: Some("pc.ram".into()),
            disk_chains_probed: true,
        }
    }
}

/// A QEMU process to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuCommand {
    /// The binary (`argv[0]`).
    pub program: PathBuf,
    /// The whole environment, in libvirt's order (everything else is cleared).
    pub env: Vec<(String, String)>,
    /// The arguments after `argv[0]`.
    pub args: Vec<String>,
    /// Descriptors the process must inherit at the same numbers (monitor, taps, vhost).
    pub pass_fds: Vec<RawFd>,
}

impl QemuCommand {
    /// The full argument vector as QEMU sees it (`/proc/PID/cmdline`): program, then args.
    pub fn argv(&self) -> Vec<String> {
        let mut v = Vec::with_capacity(self.args.len() + 1);
        v.push(self.program.to_string_lossy().into_owned());
        v.extend(self.args.iter().cloned());
        v
    }

    /// The command as libvirt prints it (`virCommandToString`): `NAME=value` pairs, the
    /// program and the arguments, shell-quoted where needed. With `linebreaks` (the domain
    /// log) each option starts a new line ending in ` \`, its value staying on its line;
    /// without (`virsh domxml-to-native`) everything is on one line.
    pub fn to_shell_string(&self, linebreaks: bool) -> String {
        let mut out = String::new();
        for (k, v) in &self.env {
            // libvirt quotes from the '=' on, so `K='=a b'`-style output keeps K outside.
            out.push_str(k);
            out.push_str(&syntax::shell_quote(&format!("={v}")));
            out.push(' ');
            if linebreaks {
                out.push_str("\\\n");
            }
        }
        let argv = self.argv();
        if let Some(first) = argv.first() {
            out.push_str(&syntax::shell_quote(first));
        }
        for pair in argv.windows(2) {
            let (prev, arg) = (&pair[0], &pair[1]);
            out.push(' ');
            // A new line for each option, and for a word after a positional word.
            if linebreaks && (arg.starts_with('-') || !prev.starts_with('-')) {
                out.push_str("\\\n");
            }
            out.push_str(&syntax::shell_quote(arg));
        }
        out
    }
}

/// Builds the command line libvirt 9.0.0 would run for `def` under `ctx`.
pub fn build_command_line(
    def: &DomainDef,
    ctx: &CommandContext,
) -> Result<QemuCommand, CommandError> {
    let program = match (&ctx.emulator, &def.devices.emulator) {
        (Some(p), _) => p.clone(),
        (None, Some(e)) if !e.is_empty() => PathBuf::from(e),
        _ => {
            return Err(CommandError::Incomplete(
                "no emulator binary: neither <emulator> nor the context names one".into(),
            ));
        }
    };
    let parts = devices::Parts::sort(def)?;
    let mut b = Builder {
        def,
        ctx,
        args: Vec::new(),
        env: Vec::new(),
        pass_fds: Vec::new(),
        machine: machine::Machine::resolve(def, ctx)?,
    };
    b.environment();
    machine::emit(&mut b, &parts)?;
    devices::emit(&mut b, &parts)?;
    machine::emit_tail(&mut b)?;
    Ok(QemuCommand {
        program,
        env: b.env,
        args: b.args,
        pass_fds: b.pass_fds,
    })
}

/// The command line under construction.
struct Builder<'a> {
    def: &'a DomainDef,
    ctx: &'a CommandContext,
    args: Vec<String>,
    env: Vec<(String, String)>,
    pass_fds: Vec<RawFd>,
    machine: machine::Machine,
}

impl Builder<'_> {
    /// A flag without a value.
    fn flag(&mut self, flag: &str) {
        self.args.push(flag.to_owned());
    }

    /// An option and its value.
    fn opt(&mut self, flag: &str, value: impl Into<String>) {
        self.args.push(flag.to_owned());
        self.args.push(value.into());
    }

    /// An option whose value is a JSON object.
    fn json(&mut self, flag: &str, props: &syntax::Props) {
        self.opt(flag, props.to_json());
    }

    /// libvirt's environment for a privileged daemon: `LC_ALL=C`, the daemon's `PATH`,
    /// then HOME and the XDG directories inside the per-start directory so that libraries
    /// QEMU loads never write into root's home.
    fn environment(&mut self) {
        self.env.push(("LC_ALL".into(), "C".into()));
        if let Some(p) = &self.ctx.path_env {
            self.env.push(("PATH".into(), p.clone()));
        }
        let lib = self.ctx.lib_dir.to_string_lossy().into_owned();
        self.env.push(("HOME".into(), lib.clone()));
        self.env
            .push(("XDG_DATA_HOME".into(), format!("{lib}/.local/share")));
        self.env
            .push(("XDG_CACHE_HOME".into(), format!("{lib}/.cache")));
        self.env
            .push(("XDG_CONFIG_HOME".into(), format!("{lib}/.config")));
    }
}
