//! Listeners and graceful shutdown.
//!
//! The server binds `<runtime-dir>/libvirt-sock` (read-write, mode 0700 for the owner)
//! and `libvirt-sock-ro` (read-only, mode 0777: anyone may look), plus an optional plain
//! TCP listener without authentication. Every accepted client runs on its own task; on
//! shutdown the listeners stop, connections are cancelled, and the socket files removed.

use crate::conn::{self, Accepted, KeepaliveConfig, Shared};
use oxvirt_core::{DriverRegistry, StateContext, VirError};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::{TcpListener, UnixListener};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// Where and how to listen.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Directory holding the sockets.
    pub runtime_dir: PathBuf,
    /// Optional plain TCP listener (no TLS, no auth), e.g. `127.0.0.1:16509`.
    pub tcp: Option<SocketAddr>,
    /// Keepalive policy.
    pub keepalive: KeepaliveConfig,
}

impl ServerConfig {
    /// `<runtime-dir>/libvirt-sock`.
    pub fn rw_socket(&self) -> PathBuf {
        self.runtime_dir.join("libvirt-sock")
    }

    /// `<runtime-dir>/libvirt-sock-ro`.
    pub fn ro_socket(&self) -> PathBuf {
        self.runtime_dir.join("libvirt-sock-ro")
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A socket could not be bound.
    #[error("Cannot listen on {path}")]
    Bind {
        /// Socket path or address.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Another daemon answers on the socket already.
    #[error("Another daemon is already listening on {0}")]
    InUse(String),
}

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    shared: Arc<Shared>,
    rw: UnixListener,
    ro: UnixListener,
    tcp: Option<TcpListener>,
}

impl Server {
    /// Binds every listener. Stale socket files from a dead daemon are replaced; a live
    /// daemon on the same path is an error.
    pub async fn bind(config: ServerConfig, registry: DriverRegistry) -> Result<Self, ServerError> {
        std::fs::create_dir_all(&config.runtime_dir).map_err(|source| ServerError::Bind {
            path: config.runtime_dir.display().to_string(),
            source,
        })?;
        let rw = bind_unix(&config.rw_socket(), 0o700).await?;
        let ro = bind_unix(&config.ro_socket(), 0o777).await?;
        let tcp = match config.tcp {
            Some(addr) => {
                Some(
                    TcpListener::bind(addr)
                        .await
                        .map_err(|source| ServerError::Bind {
                            path: addr.to_string(),
                            source,
                        })?,
                )
            }
            None => None,
        };
        let shared = Arc::new(Shared {
            registry,
            keepalive: config.keepalive,
        });
        Ok(Self {
            config,
            shared,
            rw,
            ro,
            tcp,
        })
    }

    /// Runs the state drivers' `initialize` (load, reconnect, autostart). Called after the
    /// sockets are ours (a second daemon is refused before it touches any state) and before
    /// the first client is accepted.
    pub async fn initialize_drivers(&self, cx: &StateContext) -> Result<(), VirError> {
        self.shared.registry.initialize(cx).await
    }

    /// The TCP address actually bound (useful with port 0).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp.as_ref().and_then(|t| t.local_addr().ok())
    }

    /// Accepts clients until `shutdown` is cancelled, then closes every connection and
    /// removes the socket files.
    pub async fn run(self, shutdown: CancellationToken) {
        let tracker = TaskTracker::new();
        let next_id = AtomicU64::new(1);
        let Server {
            config,
            shared,
            rw,
            ro,
            tcp,
        } = self;
        loop {
            let (stream, readonly): (Accepted, bool) = tokio::select! {
                _ = shutdown.cancelled() => break,
                r = rw.accept() => match r {
                    Ok((s, _)) => (Accepted::Unix(s), false),
                    Err(e) => { warn!(error = %e, "accept failed"); continue; }
                },
                r = ro.accept() => match r {
                    Ok((s, _)) => (Accepted::Unix(s), true),
                    Err(e) => { warn!(error = %e, "accept failed"); continue; }
                },
                r = accept_tcp(tcp.as_ref()) => match r {
                    Ok(s) => (Accepted::Tcp(s), false),
                    Err(e) => { warn!(error = %e, "accept failed"); continue; }
                },
            };
            let id = next_id.fetch_add(1, Ordering::Relaxed);
            let shared = shared.clone();
            let token = shutdown.clone();
            tracker.spawn(conn::serve(stream, shared, readonly, id, token));
        }
        tracker.close();
        if tokio::time::timeout(std::time::Duration::from_secs(5), tracker.wait())
            .await
            .is_err()
        {
            warn!("connections did not finish within 5 s");
        }
        for p in [config.rw_socket(), config.ro_socket()] {
            let _ = std::fs::remove_file(p);
        }
        shared.registry.shutdown().await;
        info!("server stopped");
    }
}

async fn accept_tcp(l: Option<&TcpListener>) -> std::io::Result<tokio::net::TcpStream> {
    match l {
        Some(l) => l.accept().await.map(|(s, _)| s),
        None => std::future::pending().await,
    }
}

async fn bind_unix(path: &Path, mode: u32) -> Result<UnixListener, ServerError> {
    let shown = path.display().to_string();
    if path.exists() {
        if tokio::net::UnixStream::connect(path).await.is_ok() {
            return Err(ServerError::InUse(shown));
        }
        let _ = std::fs::remove_file(path);
    }
    let l = UnixListener::bind(path).map_err(|source| ServerError::Bind {
        path: shown.clone(),
        source,
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        ServerError::Bind {
            path: shown,
            source,
        }
    })?;
    Ok(l)
}
