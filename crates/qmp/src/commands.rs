//! The typed commands the QEMU driver sends: thin wrappers over [`Monitor::execute`].
//!
//! Reply structs take only the members the driver uses and ignore the rest, so a newer QEMU
//! adding members does not break them.

use std::os::fd::BorrowedFd;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::QmpError;
use crate::monitor::Monitor;
use crate::wire::QemuVersion;

/// `query-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// QEMU's run state (`prelaunch`, `running`, `paused`, `shutdown`, …).
    pub status: String,
    /// Whether the vCPUs run.
    pub running: bool,
}

/// One entry of `query-cpus-fast`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CpuInfoFast {
    /// The vCPU's index.
    pub cpu_index: i64,
    /// The host thread running it (for cgroups, affinity and `<vcpu pid>`).
    pub thread_id: i64,
    /// Its QOM path (`/machine/unattached/device[0]`).
    pub qom_path: String,
    /// The target architecture (`x86_64`), when QEMU says.
    #[serde(default)]
    pub target: Option<String>,
    /// Topology properties (`socket-id`, `core-id`, `thread-id`, …), as sent.
    #[serde(default)]
    pub props: Option<Value>,
}

/// One entry of `query-chardev`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ChardevInfo {
    /// The chardev id (`charserial0`, `charmonitor`).
    pub label: String,
    /// Its backend description (`pty:/dev/pts/0`, `unix:/path,server=on`).
    pub filename: String,
    /// Whether a frontend has it open.
    #[serde(default)]
    pub frontend_open: Option<bool>,
}

/// `query-version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// QEMU's version.
    pub qemu: QemuVersion,
    /// The distribution's package string.
    #[serde(default)]
    pub package: String,
}

impl Monitor {
    async fn execute_unit(&self, command: &str, arguments: Option<Value>) -> Result<(), QmpError> {
        self.execute(command, arguments).await.map(drop)
    }

    /// `query-status`: the run state.
    pub async fn query_status(&self) -> Result<StatusInfo, QmpError> {
        self.execute_as("query-status", None).await
    }

    /// `query-cpus-fast`: vCPU threads, without interrupting the vCPUs.
    pub async fn query_cpus_fast(&self) -> Result<Vec<CpuInfoFast>, QmpError> {
        self.execute_as("query-cpus-fast", None).await
    }

    /// `query-chardev`: chardev backends (where the ptys are).
    pub async fn query_chardev(&self) -> Result<Vec<ChardevInfo>, QmpError> {
        self.execute_as("query-chardev", None).await
    }

    /// `query-version`.
    pub async fn query_version(&self) -> Result<VersionInfo, QmpError> {
        self.execute_as("query-version", None).await
    }

    /// `cont`: start or resume the vCPUs (QEMU sends `RESUME`).
    pub async fn cont(&self) -> Result<(), QmpError> {
        self.execute_unit("cont", None).await
    }

    /// `stop`: pause the vCPUs (QEMU sends `STOP`).
    pub async fn stop(&self) -> Result<(), QmpError> {
        self.execute_unit("stop", None).await
    }

    /// `system_powerdown`: press the ACPI power button; only a request to the guest.
    pub async fn system_powerdown(&self) -> Result<(), QmpError> {
        self.execute_unit("system_powerdown", None).await
    }

    /// `system_reset`: hard reset (QEMU sends `RESET`).
    pub async fn system_reset(&self) -> Result<(), QmpError> {
        self.execute_unit("system_reset", None).await
    }

    /// `quit`: make QEMU exit (it sends `SHUTDOWN`, then closes the monitor).
    ///
    /// QEMU may close the socket before its reply is read, so [`QmpError::Closed`] counts as
    /// success here; the caller learns the process's end from waiting on it anyway.
    pub async fn quit(&self) -> Result<(), QmpError> {
        match self.execute_unit("quit", None).await {
            Err(QmpError::Closed) => Ok(()),
            res => res,
        }
    }

    /// `set_link`: set a NIC's link state; `name` is the device alias (`net0`).
    pub async fn set_link(&self, name: &str, up: bool) -> Result<(), QmpError> {
        self.execute_unit("set_link", Some(json!({ "name": name, "up": up })))
            .await
    }

    /// `getfd`: hand QEMU a descriptor under `fdname` (`tapfd-net1`), for a later
    /// `netdev_add` and the like to refer to.
    pub async fn getfd(&self, fdname: &str, fd: BorrowedFd<'_>) -> Result<(), QmpError> {
        self.execute_with_fds("getfd", Some(json!({ "fdname": fdname })), &[fd])
            .await
            .map(drop)
    }

    /// `closefd`: drop a descriptor given with [`Monitor::getfd`] that nothing consumed.
    pub async fn closefd(&self, fdname: &str) -> Result<(), QmpError> {
        self.execute_unit("closefd", Some(json!({ "fdname": fdname })))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cpu_info_fast_qemu_reply_decodes() {
        let v = json!([{"thread-id":3971,"props":{"core-id":0,"thread-id":0,"socket-id":0},
                        "qom-path":"/machine/unattached/device[0]","cpu-index":0,"target":"x86_64"}]);
        let cpus: Vec<CpuInfoFast> = serde_json::from_value(v).unwrap();
        assert_eq!(cpus.len(), 1);
        assert_eq!(cpus[0].thread_id, 3971);
        assert_eq!(cpus[0].cpu_index, 0);
        assert_eq!(cpus[0].qom_path, "/machine/unattached/device[0]");
        assert_eq!(cpus[0].target.as_deref(), Some("x86_64"));
    }

    #[test]
    fn test_status_info_extra_members_are_ignored() {
        let v = json!({"status":"paused","singlestep":false,"running":false});
        let s: StatusInfo = serde_json::from_value(v).unwrap();
        assert_eq!(
            s,
            StatusInfo {
                status: "paused".into(),
                running: false
            }
        );
    }

    #[test]
    fn test_chardev_info_qemu_reply_decodes() {
        let v = json!([{"frontend-open":true,"filename":"pty:/dev/pts/0","label":"charserial0"}]);
        let c: Vec<ChardevInfo> = serde_json::from_value(v).unwrap();
        assert_eq!(c[0].label, "charserial0");
        assert_eq!(c[0].filename, "pty:/dev/pts/0");
        assert_eq!(c[0].frontend_open, Some(true));
    }

    #[test]
    fn test_version_info_qemu_reply_decodes() {
        let v = json!({"qemu":{"micro":0,"minor":2,"major":7},"package":"Debian 1:7.2+dfsg-7"});
        let info: VersionInfo = serde_json::from_value(v).unwrap();
        assert_eq!(
            info.qemu,
            QemuVersion {
                major: 7,
                minor: 2,
                micro: 0
            }
        );
    }
}
