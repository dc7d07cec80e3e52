//! The plan as data: what the planner decided and why, serialisable to JSON.
//!
//! An [`UpdatePlan`] is either a failure (with the libvirt error, the stage at which libvirt
//! would have raised it and a reason keyword) or an ordered list of [`Action`]s for the
//! executor, plus everything the executor needs that is not in the new definition itself:
//! the bridge re-attach endpoints, the network-port decision and the QMP commands.

use oxvirt_conf::FormatFlags;
use oxvirt_conf::domain::net::NetDef;
use oxvirt_error::{ErrorNumber, VirError};
use serde::{Serialize, Serializer};

/// The overall effect of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Nothing to do; the new definition is discarded.
    NoOp,
    /// Host or QMP changes without moving the tap to another bridge.
    LiveUpdate,
    /// Only the live definition (and possibly the network port) changes.
    ReplaceOnly,
    /// The tap is detached and attached again (same or another bridge).
    BridgeReattach,
    /// The update is refused; nothing is changed.
    Fail,
}

impl Outcome {
    /// The vectors' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoOp => "no-op",
            Outcome::LiveUpdate => "live-update",
            Outcome::ReplaceOnly => "replace-only",
            Outcome::BridgeReattach => "bridge-reattach",
            Outcome::Fail => "fail",
        }
    }
}

/// One side effect, in the vectors' vocabulary. The executor runs them in plan order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Allocate the new definition's network port (declared `network`).
    PortAllocateNew,
    /// tc (or OVS QoS for OVS ports, see [`Action::OvsQosSet`]) with the new bandwidth.
    BandwidthSet,
    /// Remove all QoS from the tap.
    BandwidthClear,
    /// Root qdisc `noqueue` when the guest-receive rate is no longer limited.
    DefaultQdiscNoqueue,
    /// OVS QoS on an OVS port.
    OvsQosSet,
    /// Update the OVS port's VLAN tag/trunk in place.
    OvsVlanUpdate,
    /// Set the VLAN of the passthrough VF over netlink.
    VfVlanUpdate,
    /// Detach the tap and attach it to another bridge.
    BridgeReattach,
    /// Detach and re-attach to the same bridge because the virtualport changed.
    BridgeReattachForced,
    /// Turn on the bridge port's `isolated` flag.
    BridgePortIsolatedOn,
    /// Turn off the bridge port's `isolated` flag.
    BridgePortIsolatedOff,
    /// Tear down the old nwfilter binding.
    NwfilterTeardownOld,
    /// Instantiate the new nwfilter binding.
    NwfilterInstantiateNew,
    /// ethtool coalesce on the tap.
    CoalesceSet,
    /// QMP `query-rx-filter` (re-arms NIC_RX_FILTER_CHANGED).
    QueryRxFilter,
    /// QMP `set_link`.
    SetLink,
    /// The new definition replaces the live one.
    ReplaceDef,
    /// Release the old definition's network port.
    PortReleaseOld,
    /// Release the port allocated for a definition that was not kept.
    PortReleaseNew,
}

impl Action {
    /// The vectors' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::PortAllocateNew => "port_allocate_new",
            Action::BandwidthSet => "bandwidth_set",
            Action::BandwidthClear => "bandwidth_clear",
            Action::DefaultQdiscNoqueue => "default_qdisc_noqueue",
            Action::OvsQosSet => "ovs_qos_set",
            Action::OvsVlanUpdate => "ovs_vlan_update",
            Action::VfVlanUpdate => "vf_vlan_update",
            Action::BridgeReattach => "bridge_reattach",
            Action::BridgeReattachForced => "bridge_reattach_forced",
            Action::BridgePortIsolatedOn => "bridge_port_isolated_on",
            Action::BridgePortIsolatedOff => "bridge_port_isolated_off",
            Action::NwfilterTeardownOld => "nwfilter_teardown_old",
            Action::NwfilterInstantiateNew => "nwfilter_instantiate_new",
            Action::CoalesceSet => "coalesce_set",
            Action::QueryRxFilter => "query_rx_filter",
            Action::SetLink => "set_link",
            Action::ReplaceDef => "replace_def",
            Action::PortReleaseOld => "port_release_old",
            Action::PortReleaseNew => "port_release_new",
        }
    }

    /// `true` for actions that change the host or the guest (not just bookkeeping).
    pub fn is_live_change(self) -> bool {
        !matches!(
            self,
            Action::PortAllocateNew
                | Action::ReplaceDef
                | Action::PortReleaseOld
                | Action::PortReleaseNew
        )
    }
}

/// What happens to network ports (declared `type='network'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkPort {
    /// Neither definition is a declared `network`.
    None,
    /// The old port is reused unchanged.
    Keep,
    /// A new port is allocated for the new definition.
    New,
    /// The old port is released and no new one is needed.
    Released,
}

impl NetworkPort {
    /// The vectors' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkPort::None => "none",
            NetworkPort::Keep => "keep",
            NetworkPort::New => "new",
            NetworkPort::Released => "released",
        }
    }
}

/// How a tap is attached to a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BridgeKind {
    /// Linux bridge (brctl / netlink).
    Linux,
    /// Open vSwitch port.
    Ovs,
    /// MidoNet binding.
    Midonet,
}

impl BridgeKind {
    /// The vectors' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BridgeKind::Linux => "linux",
            BridgeKind::Ovs => "ovs",
            BridgeKind::Midonet => "midonet",
        }
    }
}

/// Where in libvirt's sequence the refusal happens (the vectors' `fail_stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailStage {
    /// The new XML does not parse.
    Parse,
    /// Finding the NIC to change (SPEC §2).
    Identify,
    /// An attribute comparison that fails at once (SPEC §3, §4).
    Check,
    /// Allocating the new network port (SPEC §4.1).
    PortAllocation,
    /// needReconnect after all comparisons (SPEC §5 step 7).
    Decide,
    /// A step that libvirt only fails while applying (bridge missing, filter type, VLAN
    /// without mechanism); oxvirt detects it before any action.
    Apply,
}

impl FailStage {
    /// The vectors' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailStage::Parse => "parse",
            FailStage::Identify => "identify",
            FailStage::Check => "check",
            FailStage::PortAllocation => "port-allocation",
            FailStage::Decide => "decide",
            FailStage::Apply => "apply",
        }
    }
}

/// Why an update is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct PlanFailure {
    /// `VIR_ERR_…` name of the error code.
    pub error_code: String,
    /// Where libvirt raises it.
    pub stage: FailStage,
    /// Short keyword (`mac-change`, `needReconnect`, `bridge-missing`, …).
    pub reason: &'static str,
    /// The message clients see.
    pub message: String,
    /// The error as returned to clients.
    #[serde(skip)]
    pub error: VirError,
}

impl PlanFailure {
    /// A failure from a libvirt error.
    pub fn new(stage: FailStage, reason: &'static str, error: VirError) -> Self {
        PlanFailure {
            error_code: error_code_name(error.code),
            stage,
            reason,
            message: error.message.clone(),
            error,
        }
    }
}

/// `VIR_ERR_OPERATION_UNSUPPORTED` for `ErrorNumber::OperationUnsupported`.
pub fn error_code_name(code: ErrorNumber) -> String {
    let camel = format!("{code:?}");
    let mut out = String::from("VIR_ERR_");
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// One line of the explanation: which rule fired and on what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The SPEC's rule tag (`R-BRIDGE`, `R-VPORT-BRIDGE`, `R-LINK`, …).
    pub rule: &'static str,
    /// What was compared and what it means.
    pub detail: String,
}

/// The planner's decision for one `update-device --live` of an `<interface>`.
#[derive(Debug, Clone, Serialize)]
pub struct UpdatePlan {
    /// Overall effect.
    pub outcome: Outcome,
    /// Ordered side effects (empty for a failure: oxvirt refuses before any action).
    pub actions: Vec<Action>,
    /// The new definition replaces the live one.
    pub replace_def: bool,
    /// Network-port decision.
    pub network_port: NetworkPort,
    /// Bridge the tap leaves (re-attach only).
    pub bridge_from: Option<String>,
    /// Bridge the tap joins (re-attach only).
    pub bridge_to: Option<String>,
    /// Kind of `bridge_from`.
    pub bridge_from_kind: Option<BridgeKind>,
    /// Kind of `bridge_to`.
    pub bridge_to_kind: Option<BridgeKind>,
    /// QMP commands in order (`set_link`, `query-rx-filter`).
    pub qmp: Vec<serde_json::Value>,
    /// Index of the changed NIC among the live interfaces.
    pub target_index: Option<usize>,
    /// The refusal, for [`Outcome::Fail`].
    pub failure: Option<PlanFailure>,
    /// Why: the rules that fired, in evaluation order.
    pub explanation: Vec<Reason>,
    /// The new definition (alias, tap name and address inherited, network port resolved),
    /// to store as the live one when `replace_def`; for a link-state-only update the
    /// caller records the new link state (and trust flag) on the old definition instead.
    #[serde(serialize_with = "serialize_def")]
    pub new_def: Option<NetDef>,
}

fn serialize_def<S: Serializer>(def: &Option<NetDef>, s: S) -> Result<S::Ok, S::Error> {
    match def {
        Some(d) => s.serialize_some(&d.to_xml(FormatFlags::NONE)),
        None => s.serialize_none(),
    }
}

impl UpdatePlan {
    /// A refused update.
    pub fn failed(failure: PlanFailure, explanation: Vec<Reason>) -> UpdatePlan {
        UpdatePlan {
            outcome: Outcome::Fail,
            actions: Vec::new(),
            replace_def: false,
            network_port: NetworkPort::None,
            bridge_from: None,
            bridge_to: None,
            bridge_from_kind: None,
            bridge_to_kind: None,
            qmp: Vec::new(),
            target_index: None,
            failure: Some(failure),
            explanation,
            new_def: None,
        }
    }

    /// The plan as JSON (for logs, tests and the vector runner's diagnostics).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// `Ok(self)` unless the plan is a failure, then the client's error.
    pub fn into_result(self) -> Result<UpdatePlan, VirError> {
        match self.failure {
            Some(f) => Err(f.error),
            None => Ok(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_error_code_name_converts_camel_case() {
        let name = error_code_name(ErrorNumber::OperationUnsupported);

        assert_eq!(name, "VIR_ERR_OPERATION_UNSUPPORTED");
    }
}
