//! `oxvirtd`: configuration, sockets, signals, logging — and nothing else. The work is
//! done by `oxvirt-rpc` (protocol) and the drivers (`oxvirt-driver-test`, and as root
//! `oxvirt-qemu` for `qemu:///system`).

use anyhow::Context as _;
use clap::Parser;
use oxvirt_core::{DriverRegistry, StateContext};
use oxvirt_rpc::{Server, ServerConfig};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// Serves libvirt's RPC protocol on unix sockets (and optionally TCP) for stock libvirt
/// clients: `virsh -c 'test+unix:///default?socket=<runtime-dir>/libvirt-sock'`.
#[derive(Debug, Parser)]
#[command(name = "oxvirtd", version)]
struct Args {
    /// Directory for the sockets `libvirt-sock` and `libvirt-sock-ro`
    /// [default: /run/oxvirt as root, $XDG_RUNTIME_DIR/oxvirt otherwise].
    #[arg(long, conflicts_with = "libvirt_paths")]
    runtime_dir: Option<PathBuf>,
    /// Serve at libvirt's own socket paths (/run/libvirt as root, $XDG_RUNTIME_DIR/libvirt
    /// otherwise), so clients with default URIs (`virsh -c qemu:///system`) reach oxvirtd.
    /// Refused while a libvirt daemon holds them.
    #[arg(long)]
    libvirt_paths: bool,
    /// Root for configuration and state directories (`<root>/etc/oxvirt`, `<root>/run/oxvirt`,
    /// …); keeps oxvirtd away from an installed libvirt.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Also listen on this TCP address, without TLS or authentication (e.g. 127.0.0.1:16509).
    #[arg(long)]
    tcp: Option<SocketAddr>,
    /// Keepalive interval in seconds (libvirtd's keepalive_interval).
    #[arg(long, default_value_t = 5)]
    keepalive_interval: u64,
    /// Keepalive count (libvirtd's keepalive_count).
    #[arg(long, default_value_t = 5)]
    keepalive_count: u32,
}

fn default_runtime_dir(root: Option<&PathBuf>) -> PathBuf {
    if let Some(root) = root {
        return root.join("run/oxvirt");
    }
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/run/oxvirt");
    }
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("oxvirt");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/oxvirt/run")
}

/// Where libvirt's daemons put their sockets: `/run/libvirt` for the system daemon,
/// `$XDG_RUNTIME_DIR/libvirt` for a user's.
fn libvirt_runtime_dir() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/run/libvirt");
    }
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("libvirt"),
        None => {
            let home =
                std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
            home.join(".cache/libvirt")
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OXVIRT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let runtime_dir = match (&args.runtime_dir, args.libvirt_paths) {
        (Some(dir), _) => dir.clone(),
        (None, true) => libvirt_runtime_dir(),
        (None, false) => default_runtime_dir(args.root.as_ref()),
    };

    let privileged = nix::unistd::geteuid().is_root();
    let mut registry = DriverRegistry::new();
    registry.register(Arc::new(oxvirt_driver_test::TestDriverFactory::new()));
    // qemu:///system needs root; qemu:///session (a user's own VMs) is not served yet.
    if privileged {
        let layout = oxvirt_store::Layout::new(true, args.root.as_deref()).driver("qemu");
        let qemu = oxvirt_qemu::QemuDriver::new(layout, true);
        registry.register(Arc::new(qemu.clone()));
        registry.register_state(Arc::new(qemu));
    }

    let config = ServerConfig {
        runtime_dir: runtime_dir.clone(),
        tcp: args.tcp,
        keepalive: oxvirt_rpc::conn::KeepaliveConfig {
            interval: std::time::Duration::from_secs(args.keepalive_interval.max(1)),
            count: args.keepalive_count,
        },
    };
    let sock = config.rw_socket();
    let server = Server::bind(config, registry)
        .await
        .with_context(|| format!("cannot start on {}", runtime_dir.display()))?;
    let state = StateContext {
        privileged,
        root: args.root.clone(),
    };
    server
        .initialize_drivers(&state)
        .await
        .context("a driver failed to initialize")?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "oxvirtd listening on {}", sock.display())?;
    writeln!(
        out,
        "  read-only: {}",
        runtime_dir.join("libvirt-sock-ro").display()
    )?;
    if let Some(addr) = server.tcp_addr() {
        writeln!(out, "  tcp (no auth): {addr}")?;
    }
    if args.libvirt_paths && privileged {
        writeln!(out, "try: virsh -c qemu:///system list --all")?;
    } else if args.libvirt_paths {
        writeln!(out, "try: virsh -c test+unix:///default list --all")?;
    } else {
        writeln!(
            out,
            "try: virsh -c 'test+unix:///default?socket={}' list --all",
            sock.display()
        )?;
    }
    out.flush()?;
    drop(out);

    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        on_signal.cancel();
    });
    server.run(shutdown).await;
    Ok(())
}
