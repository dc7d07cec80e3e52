//! Domain objects of the QEMU driver and what each publishes for readers.
//!
//! A [`DomainObj`] has two locks with different jobs. `st` (a std mutex, held only for a
//! few field reads or writes, never across `.await`) is the domain's published state:
//! definitions, state and reason, id, and the handles of the running process. Every query
//! (`dominfo`, `domstate`, `dumpxml`, `list`) reads it and never waits for an operation in
//! progress. `job` (an async mutex) serialises operations that change the domain — start,
//! destroy, suspend, undefine — as libvirt's job lock does; queries never take it.
//!
//! State changes go through [`DomainObj::set_reason`], which asks the one transition table
//! of `oxvirt_core` whether the move is legal.

use crate::process::QemuProcess;
use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::{FormatFlags, domain::util::format_uuid};
use oxvirt_core::state::TransitionError;
use oxvirt_core::{
    DomainRef, DomainState, ErrorDomain, ErrorNumber, ListFacts, StateReason, VirError,
};
use oxvirt_qmp::Monitor;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::watch;

/// One domain, defined or only running.
#[derive(Debug)]
pub(crate) struct DomainObj {
    pub uuid: [u8; 16],
    pub name: String,
    /// Serialises operations that change the domain.
    pub job: tokio::sync::Mutex<()>,
    st: Mutex<DomainSt>,
}

/// The published state of a domain.
#[derive(Debug)]
pub(crate) struct DomainSt {
    /// The persistent definition (for a running domain: what the next start uses);
    /// `None` for a transient domain.
    pub persistent: Option<DomainDef>,
    /// The running definition.
    pub live: Option<DomainDef>,
    pub reason: StateReason,
    /// −1 when inactive.
    pub id: i32,
    pub autostart: bool,
    pub run: Option<Running>,
    /// Removed from the driver's list (undefined while inactive, or a transient that
    /// stopped): handles to it now fail.
    pub gone: bool,
}

/// What only a running domain has.
#[derive(Debug)]
pub(crate) struct Running {
    pub process: QemuProcess,
    pub monitor: Monitor,
    pub monitor_path: PathBuf,
    pub lib_dir: PathBuf,
    /// Set by destroy before it signals QEMU: the reason the stop will record.
    pub stopping: Option<StateReason>,
    /// The guest powered off (QMP `SHUTDOWN` with `guest: true`).
    pub guest_shutdown: bool,
    /// A reboot through ACPI: the next guest power-off resets instead of stopping.
    pub fake_reboot: bool,
    /// Becomes true when the domain's actor has finished cleaning up after QEMU.
    pub stopped: watch::Receiver<bool>,
}

impl DomainObj {
    pub fn new(
        def: Option<DomainDef>,
        live: Option<DomainDef>,
        uuid: [u8; 16],
        name: String,
    ) -> Self {
        DomainObj {
            uuid,
            name,
            job: tokio::sync::Mutex::new(()),
            st: Mutex::new(DomainSt {
                persistent: def,
                live,
                reason: StateReason::ShutoffUnknown,
                id: -1,
                autostart: false,
                run: None,
                gone: false,
            }),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, DomainSt> {
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The handle clients hold.
    pub fn handle(&self) -> DomainRef {
        let st = self.lock();
        DomainRef {
            name: self.name.clone(),
            uuid: self.uuid,
            id: st.id,
        }
    }

    pub fn list_facts(&self) -> ListFacts {
        let st = self.lock();
        ListFacts {
            state: st.reason.state(),
            persistent: st.persistent.is_some(),
            managed_save: false,
            autostart: st.autostart,
            has_snapshot: false,
            has_checkpoint: false,
        }
    }
}

impl DomainSt {
    pub fn state(&self) -> DomainState {
        self.reason.state()
    }

    pub fn is_active(&self) -> bool {
        self.state().is_active()
    }

    /// Moves to `to` if the transition table allows it.
    pub fn set_reason(&mut self, to: StateReason) -> Result<(), VirError> {
        self.reason = self.reason.transition(to).map_err(transition_error)?;
        Ok(())
    }

    /// The definition queries describe: the live one of a running domain, else the
    /// persistent one.
    pub fn current_def(&self) -> Option<&DomainDef> {
        self.live.as_ref().or(self.persistent.as_ref())
    }

    /// `dumpxml` with libvirt's flag word.
    pub fn xml(&self, flags: u32) -> Option<String> {
        let f = FormatFlags::from_bits(flags);
        let def = if f.contains(FormatFlags::INACTIVE) {
            self.persistent.as_ref().or(self.live.as_ref())?
        } else {
            self.current_def()?
        };
        let id = (self.id >= 0 && !f.contains(FormatFlags::INACTIVE)).then_some(self.id);
        Some(def.to_xml(f, id))
    }

    /// The error for an operation that needs the domain running.
    pub fn require_active(&self) -> Result<&Running, VirError> {
        match &self.run {
            Some(r) if self.is_active() => Ok(r),
            _ => Err(not_running()),
        }
    }
}

/// `VIR_ERR_OPERATION_INVALID` from the shared domain helpers.
pub(crate) fn not_running() -> VirError {
    VirError::new(
        ErrorNumber::OperationInvalid,
        ErrorDomain::Domain,
        "domain is not running",
    )
}

pub(crate) fn transition_error(e: TransitionError) -> VirError {
    let domain = match e {
        TransitionError::NotRunning => ErrorDomain::Domain,
        _ => ErrorDomain::Qemu,
    };
    VirError::new(ErrorNumber::OperationInvalid, domain, e.message())
}

/// A handle a client holds names no domain any more.
pub(crate) fn no_domain_by_handle(uuid: &[u8; 16], name: &str) -> VirError {
    VirError::new(
        ErrorNumber::NoDomain,
        ErrorDomain::Qemu,
        format!(
            "no domain with matching uuid '{}' ({name})",
            format_uuid(uuid)
        ),
    )
}
