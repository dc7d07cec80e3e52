//! Domain lifecycle states and the one table of legal moves between them.

/// `virDomainState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DomainState {
    /// `VIR_DOMAIN_NOSTATE`
    NoState = 0,
    /// `VIR_DOMAIN_RUNNING`
    Running = 1,
    /// `VIR_DOMAIN_BLOCKED`
    Blocked = 2,
    /// `VIR_DOMAIN_PAUSED`
    Paused = 3,
    /// `VIR_DOMAIN_SHUTDOWN`: being shut down.
    Shutdown = 4,
    /// `VIR_DOMAIN_SHUTOFF`
    Shutoff = 5,
    /// `VIR_DOMAIN_CRASHED`
    Crashed = 6,
    /// `VIR_DOMAIN_PMSUSPENDED`
    PmSuspended = 7,
}

/// The reason that goes with a state (`virDomainRunningReason`, `virDomainShutoffReason`, …),
/// as the number libvirt sends next to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateReason {
    /// `VIR_DOMAIN_RUNNING_UNKNOWN`: found running (a domain loaded as already running).
    RunningUnknown,
    /// `VIR_DOMAIN_RUNNING_BOOTED`
    RunningBooted,
    /// `VIR_DOMAIN_RUNNING_BOOTED` again, reached by restarting an active guest in place
    /// (reboot, or shutdown whose `on_poweroff` action is `restart`). Reported as BOOTED;
    /// a separate variant because, unlike a start, it is legal only from an active state.
    RunningRestarted,
    /// `VIR_DOMAIN_RUNNING_UNPAUSED`
    RunningUnpaused,
    /// `VIR_DOMAIN_PAUSED_USER`
    PausedUser,
    /// `VIR_DOMAIN_PAUSED_STARTING_UP`: the process runs, the post-launch work has not
    /// finished (vCPUs not started yet).
    PausedStartingUp,
    /// `VIR_DOMAIN_SHUTDOWN_UNKNOWN`: the guest powered off, the process is not gone yet.
    ShutdownUnknown,
    /// `VIR_DOMAIN_SHUTOFF_UNKNOWN`: never started.
    ShutoffUnknown,
    /// `VIR_DOMAIN_SHUTOFF_SHUTDOWN`
    ShutoffShutdown,
    /// `VIR_DOMAIN_SHUTOFF_DESTROYED`
    ShutoffDestroyed,
    /// `VIR_DOMAIN_SHUTOFF_CRASHED`: the process went away without a guest shutdown.
    ShutoffCrashed,
    /// `VIR_DOMAIN_SHUTOFF_FAILED`: the start failed.
    ShutoffFailed,
}

impl StateReason {
    /// The state this reason belongs to.
    pub fn state(self) -> DomainState {
        match self {
            StateReason::RunningUnknown
            | StateReason::RunningBooted
            | StateReason::RunningRestarted
            | StateReason::RunningUnpaused => DomainState::Running,
            StateReason::PausedUser | StateReason::PausedStartingUp => DomainState::Paused,
            StateReason::ShutdownUnknown => DomainState::Shutdown,
            StateReason::ShutoffUnknown
            | StateReason::ShutoffShutdown
            | StateReason::ShutoffDestroyed
            | StateReason::ShutoffCrashed
            | StateReason::ShutoffFailed => DomainState::Shutoff,
        }
    }

    /// libvirt's name of the reason (`virDomain*ReasonTypeToString`), as status files
    /// store it next to the state's name.
    pub fn name(self) -> &'static str {
        match self {
            StateReason::RunningUnknown
            | StateReason::ShutoffUnknown
            | StateReason::ShutdownUnknown => "unknown",
            StateReason::RunningBooted | StateReason::RunningRestarted => "booted",
            StateReason::RunningUnpaused => "unpaused",
            StateReason::PausedUser => "user",
            StateReason::PausedStartingUp => "starting up",
            StateReason::ShutoffShutdown => "shutdown",
            StateReason::ShutoffDestroyed => "destroyed",
            StateReason::ShutoffCrashed => "crashed",
            StateReason::ShutoffFailed => "failed",
        }
    }

    /// The reason a status file names (`state='paused' reason='user'`), if we model it.
    pub fn from_names(state: &str, reason: &str) -> Option<StateReason> {
        [
            StateReason::RunningUnknown,
            StateReason::RunningBooted,
            StateReason::RunningUnpaused,
            StateReason::PausedUser,
            StateReason::PausedStartingUp,
            StateReason::ShutdownUnknown,
            StateReason::ShutoffUnknown,
            StateReason::ShutoffShutdown,
            StateReason::ShutoffDestroyed,
            StateReason::ShutoffCrashed,
            StateReason::ShutoffFailed,
        ]
        .into_iter()
        .find(|r| r.state().name() == state && r.name() == reason)
    }

    /// A move from this reason to `to`: the state table of [`DomainState::transition`],
    /// plus the end of a start, which only a domain still starting up may make.
    pub fn transition(self, to: StateReason) -> Result<StateReason, TransitionError> {
        match (self, to) {
            (
                StateReason::PausedStartingUp,
                StateReason::RunningBooted | StateReason::PausedUser,
            ) => Ok(to),
            _ => self.state().transition(to),
        }
    }

    /// The reason number on the wire.
    pub fn code(self) -> i32 {
        match self {
            StateReason::RunningUnknown => 0,
            StateReason::RunningBooted | StateReason::RunningRestarted => 1,
            StateReason::RunningUnpaused => 5,
            StateReason::PausedUser => 1,
            StateReason::PausedStartingUp => 11,
            StateReason::ShutdownUnknown => 0,
            StateReason::ShutoffUnknown => 0,
            StateReason::ShutoffShutdown => 1,
            StateReason::ShutoffDestroyed => 2,
            StateReason::ShutoffCrashed => 3,
            StateReason::ShutoffFailed => 6,
        }
    }
}

/// Why a lifecycle move was refused: libvirt reports these as `VIR_ERR_OPERATION_INVALID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// The operation needs a running (or paused) domain.
    NotRunning,
    /// The operation needs an inactive domain.
    AlreadyRunning,
    /// Resume of a domain that is not paused.
    NotPaused,
    /// Suspend of a domain that is already paused.
    AlreadyPaused,
}

impl TransitionError {
    /// libvirt's wording.
    pub fn message(self) -> &'static str {
        match self {
            TransitionError::NotRunning => "domain is not running",
            TransitionError::AlreadyRunning => "domain is already running",
            TransitionError::NotPaused => "domain is not paused",
            TransitionError::AlreadyPaused => "domain is already paused",
        }
    }
}

impl DomainState {
    /// The numeric state.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// libvirt's name of the state (`virDomainStateTypeToString`).
    pub fn name(self) -> &'static str {
        match self {
            DomainState::NoState => "nostate",
            DomainState::Running => "running",
            DomainState::Blocked => "blocked",
            DomainState::Paused => "paused",
            DomainState::Shutdown => "shutdown",
            DomainState::Shutoff => "shutoff",
            DomainState::Crashed => "crashed",
            DomainState::PmSuspended => "pmsuspended",
        }
    }

    /// Whether a domain in this state has a running hypervisor process.
    pub fn is_active(self) -> bool {
        !matches!(self, DomainState::Shutoff | DomainState::NoState)
    }

    /// The single exhaustive table of lifecycle moves: moving from `self` to `to.state()`
    /// for the given reason is legal, or the error says why not.
    pub fn transition(self, to: StateReason) -> Result<StateReason, TransitionError> {
        use DomainState as S;
        use StateReason as R;
        match (self, to) {
            (
                S::Shutoff | S::NoState,
                R::RunningBooted | R::RunningUnknown | R::PausedStartingUp,
            ) => Ok(to),
            (_, R::RunningBooted | R::RunningUnknown | R::PausedStartingUp) => {
                Err(TransitionError::AlreadyRunning)
            }
            (
                S::Running | S::Blocked | S::Paused | S::Shutdown | S::PmSuspended,
                R::ShutdownUnknown,
            ) => Ok(to),
            (S::Shutoff | S::NoState | S::Crashed, R::ShutdownUnknown) => {
                Err(TransitionError::NotRunning)
            }
            (
                S::Running | S::Blocked | S::Paused | S::Shutdown | S::Crashed | S::PmSuspended,
                R::RunningRestarted,
            ) => Ok(to),
            (S::Shutoff | S::NoState, R::RunningRestarted) => Err(TransitionError::NotRunning),
            (S::Paused, R::RunningUnpaused) => Ok(to),
            (_, R::RunningUnpaused) => Err(TransitionError::NotPaused),
            (S::Running | S::Blocked, R::PausedUser) => Ok(to),
            (S::Paused, R::PausedUser) => Err(TransitionError::AlreadyPaused),
            (_, R::PausedUser) => Err(TransitionError::NotRunning),
            (
                S::Running | S::Blocked | S::Paused | S::Shutdown | S::Crashed | S::PmSuspended,
                R::ShutoffShutdown
                | R::ShutoffDestroyed
                | R::ShutoffUnknown
                | R::ShutoffCrashed
                | R::ShutoffFailed,
            ) => Ok(to),
            (
                S::Shutoff | S::NoState,
                R::ShutoffShutdown
                | R::ShutoffDestroyed
                | R::ShutoffUnknown
                | R::ShutoffCrashed
                | R::ShutoffFailed,
            ) => Err(TransitionError::NotRunning),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_transition_start_of_running_domain_is_refused() {
        let r = DomainState::Running.transition(StateReason::RunningBooted);
        assert_eq!(r, Err(TransitionError::AlreadyRunning));
    }

    #[test]
    fn test_transition_destroy_of_paused_domain_is_allowed() {
        let r = DomainState::Paused.transition(StateReason::ShutoffDestroyed);
        assert_eq!(r, Ok(StateReason::ShutoffDestroyed));
    }

    #[test]
    fn test_transition_restart_of_paused_domain_is_allowed() {
        let r = DomainState::Paused.transition(StateReason::RunningRestarted);
        assert_eq!(r, Ok(StateReason::RunningRestarted));
    }

    #[test]
    fn test_transition_restart_of_shutoff_domain_is_refused() {
        let r = DomainState::Shutoff.transition(StateReason::RunningRestarted);
        assert_eq!(r, Err(TransitionError::NotRunning));
    }

    #[test]
    fn test_reason_transition_end_of_start_only_from_starting_up() {
        let ok = StateReason::PausedStartingUp.transition(StateReason::RunningBooted);
        let refused = StateReason::PausedUser.transition(StateReason::RunningBooted);
        assert_eq!(
            (ok, refused),
            (
                Ok(StateReason::RunningBooted),
                Err(TransitionError::AlreadyRunning)
            )
        );
    }

    #[test]
    fn test_reason_from_names_round_trips_status_file_names() {
        let r = StateReason::from_names("paused", "starting up");
        assert_eq!(r, Some(StateReason::PausedStartingUp));
    }

    #[test]
    fn test_transition_resume_of_running_domain_is_refused() {
        let r = DomainState::Running.transition(StateReason::RunningUnpaused);
        assert_eq!(r, Err(TransitionError::NotPaused));
    }
}
