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
    /// `VIR_DOMAIN_SHUTOFF_UNKNOWN`: never started.
    ShutoffUnknown,
    /// `VIR_DOMAIN_SHUTOFF_SHUTDOWN`
    ShutoffShutdown,
    /// `VIR_DOMAIN_SHUTOFF_DESTROYED`
    ShutoffDestroyed,
}

impl StateReason {
    /// The state this reason belongs to.
    pub fn state(self) -> DomainState {
        match self {
            StateReason::RunningUnknown
            | StateReason::RunningBooted
            | StateReason::RunningRestarted
            | StateReason::RunningUnpaused => DomainState::Running,
            StateReason::PausedUser => DomainState::Paused,
            StateReason::ShutoffUnknown
            | StateReason::ShutoffShutdown
            | StateReason::ShutoffDestroyed => DomainState::Shutoff,
        }
    }

    /// The reason number on the wire.
    pub fn code(self) -> i32 {
        match self {
            StateReason::RunningUnknown => 0,
            StateReason::RunningBooted | StateReason::RunningRestarted => 1,
            StateReason::RunningUnpaused => 5,
            StateReason::PausedUser => 1,
            StateReason::ShutoffUnknown => 0,
            StateReason::ShutoffShutdown => 1,
            StateReason::ShutoffDestroyed => 2,
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
            (S::Shutoff | S::NoState, R::RunningBooted | R::RunningUnknown) => Ok(to),
            (_, R::RunningBooted | R::RunningUnknown) => Err(TransitionError::AlreadyRunning),
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
                R::ShutoffShutdown | R::ShutoffDestroyed | R::ShutoffUnknown,
            ) => Ok(to),
            (
                S::Shutoff | S::NoState,
                R::ShutoffShutdown | R::ShutoffDestroyed | R::ShutoffUnknown,
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
    fn test_transition_resume_of_running_domain_is_refused() {
        let r = DomainState::Running.transition(StateReason::RunningUnpaused);
        assert_eq!(r, Err(TransitionError::NotPaused));
    }
}
