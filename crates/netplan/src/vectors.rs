//! The change-net test vectors (`spec/change-net/vectors/*.toml`, format in its README):
//! loading, running one through the planner, and comparing with `[expected]`.
//!
//! For each vector: the `[[networks]]` become a [`NetworkDefResolver`] together with the
//! README's host environment (bridges `br0`, `br1`, `virbr0`–`virbr3`, `ovsbr0`, `ovsbr1`);
//! the old interface (and `[[other_live_interfaces]]`) is parsed as live XML into domain
//! `vm1`; a declared `type='network'` old interface gets its live port from the resolver,
//! overlaid with the vector's `[old] actual` table (the ids the port really got at start).
//! Then the new interface XML is planned and the plan compared field by field.

use crate::plan::UpdatePlan;
use crate::planner::{LiveDomain, plan};
use crate::resolve::{NetworkDefResolver, NetworkResolver};
use oxvirt_conf::domain::net::{ActualNet, MacvtapMode, NetDef, NetType};
use oxvirt_conf::netdev::{VirtualPort, VirtualPortType};
use oxvirt_conf::network::NetworkDef;
use oxvirt_conf::{ParseCtx, SequenceGenerator};
use std::path::{Path, PathBuf};
use toml::Value;

/// The host of the README's "assumed host environment".
pub const HOST_BRIDGES: [&str; 8] = [
    "br0", "br1", "virbr0", "virbr1", "virbr2", "virbr3", "ovsbr0", "ovsbr1",
];

/// Domain name of the vectors' environment.
pub const DOMAIN_NAME: &str = "vm1";

/// Why a vector could not be run or did not match.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a vector.
    #[error("{0}")]
    Format(String),
}

/// One vector file, parsed.
#[derive(Debug, Clone)]
pub struct Vector {
    /// File stem (`001-identical-xml-…`).
    pub name: String,
    /// The whole document.
    pub doc: Value,
}

impl Vector {
    /// Reads a vector file.
    pub fn load(path: &Path) -> Result<Vector, VectorError> {
        let text = std::fs::read_to_string(path).map_err(|source| VectorError::Io {
            path: path.to_owned(),
            source,
        })?;
        let doc: Value = text
            .parse::<toml::Table>()
            .map(Value::Table)
            .map_err(|e| VectorError::Format(format!("{}: {e}", path.display())))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Vector { name, doc })
    }

    fn str_at(&self, table: &str, key: &str) -> Option<&str> {
        self.doc.get(table)?.get(key)?.as_str()
    }

    /// Runs the vector: the plan, and the differences from `[expected]` (empty = pass).
    pub fn run(&self) -> Result<(UpdatePlan, Vec<String>), VectorError> {
        let mut generator = SequenceGenerator::starting_at(0x5a_354a);
        let mut resolver = NetworkDefResolver::new();
        for b in HOST_BRIDGES {
            resolver.add_host_bridge(b);
        }
        for net in self
            .doc
            .get("networks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let xml = net.get("xml").and_then(Value::as_str).unwrap_or_default();
            let def = NetworkDef::parse_str(xml, &mut generator)
                .map_err(|e| VectorError::Format(format!("network XML: {e}")))?;
            resolver.add_network(def);
        }

        let old_xml = self
            .str_at("old", "interface")
            .ok_or_else(|| VectorError::Format("missing [old] interface".into()))?;
        let new_xml = self
            .str_at("new", "interface")
            .ok_or_else(|| VectorError::Format("missing [new] interface".into()))?;
        let mut live = vec![self.live_nic(
            old_xml,
            self.doc.get("old").and_then(|o| o.get("actual")),
            &resolver,
            &mut generator,
        )?];
        for other in self
            .doc
            .get("other_live_interfaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let xml = other
                .get("interface")
                .and_then(Value::as_str)
                .unwrap_or_default();
            live.push(self.live_nic(xml, other.get("actual"), &resolver, &mut generator)?);
        }
        for nic in &live {
            if let Some(b) = nic.actual_bridge_name() {
                resolver.add_host_bridge(b);
            }
        }

        let domain = LiveDomain::new(DOMAIN_NAME, &live);
        let plan = plan(&domain, new_xml, &resolver, &mut generator);
        let diffs = self.compare(&plan);
        Ok((plan, diffs))
    }

    /// A live NIC: parsed as status XML, connected to its network, then overlaid with the
    /// vector's `actual` table.
    fn live_nic(
        &self,
        xml: &str,
        actual: Option<&Value>,
        resolver: &NetworkDefResolver,
        generator: &mut SequenceGenerator,
    ) -> Result<NetDef, VectorError> {
        let mut def = {
            let mut ctx = ParseCtx::live(generator);
            NetDef::parse_str(xml, &mut ctx)
                .map_err(|e| VectorError::Format(format!("live interface XML: {e}")))?
        };
        if def.net_type != NetType::Network {
            return Ok(def);
        }
        let mut port = resolver
            .allocate_port(&def, generator)
            .ok()
            .unwrap_or_else(|| ActualNet::new(NetType::Network));
        if let Some(table) = actual {
            overlay_actual(&mut port, table);
        }
        def.actual = Some(port);
        Ok(def)
    }

    /// The differences between `plan` and `[expected]`.
    pub fn compare(&self, plan: &UpdatePlan) -> Vec<String> {
        let mut diffs = Vec::new();
        let Some(exp) = self.doc.get("expected") else {
            return vec!["no [expected] table".into()];
        };
        let mut check = |field: &str, expected: Option<String>, got: Option<String>| {
            if let Some(e) = expected {
                let got = got.unwrap_or_else(|| "(none)".into());
                if e != got {
                    diffs.push(format!("{field}: expected {e} got {got}"));
                }
            }
        };
        let s = |k: &str| exp.get(k).and_then(Value::as_str).map(str::to_owned);
        check("outcome", s("outcome"), Some(plan.outcome.as_str().into()));
        let expected_actions = exp.get("actions").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        });
        let got_actions = plan
            .actions
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(",");
        check(
            "actions",
            expected_actions.map(|a| format!("[{a}]")),
            Some(format!("[{got_actions}]")),
        );
        check(
            "replace_def",
            exp.get("replace_def")
                .and_then(Value::as_bool)
                .map(|b| b.to_string()),
            Some(plan.replace_def.to_string()),
        );
        check(
            "network_port",
            s("network_port"),
            Some(plan.network_port.as_str().into()),
        );
        check("bridge_from", s("bridge_from"), plan.bridge_from.clone());
        check("bridge_to", s("bridge_to"), plan.bridge_to.clone());
        check(
            "bridge_from_kind",
            s("bridge_from_kind"),
            plan.bridge_from_kind.map(|k| k.as_str().into()),
        );
        check(
            "bridge_to_kind",
            s("bridge_to_kind"),
            plan.bridge_to_kind.map(|k| k.as_str().into()),
        );
        if s("outcome").as_deref() == Some("fail") {
            let f = plan.failure.as_ref();
            check(
                "error_code",
                s("error_code"),
                f.map(|f| f.error_code.clone()),
            );
            check(
                "fail_stage",
                s("fail_stage"),
                f.map(|f| f.stage.as_str().into()),
            );
        }
        if let Some(qmp) = exp.get("qmp").and_then(Value::as_array) {
            let expected: Vec<serde_json::Value> = qmp
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|q| serde_json::from_str(q).ok())
                .collect();
            if expected != plan.qmp {
                diffs.push(format!(
                    "qmp: expected {} got {}",
                    serde_json::Value::Array(expected),
                    serde_json::Value::Array(plan.qmp.clone())
                ));
            }
        }
        diffs
    }
}

/// Applies a vector's `actual = { type, bridge, direct_dev, direct_mode, virtualport }`
/// to a live port; values that are not concrete (placeholders) are left alone.
fn overlay_actual(port: &mut ActualNet, table: &Value) {
    let s = |k: &str| table.get(k).and_then(Value::as_str);
    if let Some(t) = s("type").and_then(NetType::from_name) {
        port.net_type = t;
    }
    if let Some(b) = s("bridge") {
        port.bridge = Some(b.to_owned());
    }
    if let Some(d) = s("direct_dev") {
        port.direct_dev = Some(d.to_owned());
    }
    if let Some(m) = s("direct_mode").and_then(MacvtapMode::from_name) {
        port.direct_mode = Some(m);
    }
    if let Some(vp) = table.get("virtualport").and_then(Value::as_table) {
        let uuid = |k: &str| {
            vp.get(k)
                .and_then(Value::as_str)
                .and_then(oxvirt_conf::domain::util::parse_uuid)
        };
        let num = |k: &str| vp.get(k).and_then(Value::as_integer);
        port.virtualport = Some(VirtualPort {
            kind: vp
                .get("type")
                .and_then(Value::as_str)
                .and_then(VirtualPortType::from_name),
            manager_id: num("managerid").and_then(|n| u8::try_from(n).ok()),
            type_id: num("typeid").and_then(|n| u32::try_from(n).ok()),
            type_id_version: num("typeidversion").and_then(|n| u8::try_from(n).ok()),
            instance_id: uuid("instanceid"),
            profile_id: vp
                .get("profileid")
                .and_then(Value::as_str)
                .map(str::to_owned),
            interface_id: uuid("interfaceid"),
        });
    }
}

/// Every `*.toml` in `dir`, sorted by name.
pub fn vector_files(dir: &Path) -> Result<Vec<PathBuf>, VectorError> {
    let entries = std::fs::read_dir(dir).map_err(|source| VectorError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    Ok(files)
}
