//! `oxvirsh`: oxvirt's own client. It speaks the same protocol as virsh and adds what
//! libvirt has no API for: `update-device --dry-run` asks the daemon for the plan of a
//! live device update (outcome, ordered actions, and why) without applying it.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use oxvirt_client::{CONNECT_RO, Client};
use oxvirt_protocol::oxvirt::{
    DomainPlanUpdateDeviceArgs, DomainPlanUpdateDeviceRet, OXVIRT_PROGRAM, OxvirtProc,
};
use oxvirt_protocol::remote::{
    DomainGetXmlDescArgs, DomainGetXmlDescRet, DomainLookupByNameArgs, DomainLookupByNameRet,
    DomainUpdateDeviceFlagsArgs, RemoteProc,
};
use oxvirt_protocol::{NonnullDomain, REMOTE_PROGRAM};
use std::path::PathBuf;
use std::process::ExitCode;

/// oxvirt's command-line client.
#[derive(Debug, Parser)]
#[command(name = "oxvirsh", version)]
struct Cli {
    /// Connection URI, e.g. `test+unix:///default?socket=/run/oxvirt/libvirt-sock`.
    #[arg(short = 'c', long = "connect", default_value = "test:///default")]
    uri: String,
    /// Open the connection read-only.
    #[arg(short = 'r', long)]
    readonly: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Update a device of a domain from an XML file (like `virsh update-device`).
    UpdateDevice {
        /// Domain name.
        domain: String,
        /// Device XML file.
        file: PathBuf,
        /// Affect the running domain.
        #[arg(long)]
        live: bool,
        /// Affect the persistent definition.
        #[arg(long)]
        config: bool,
        /// Show what the update would do and why, without doing it.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: print the plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a domain's XML (like `virsh dumpxml`).
    Dumpxml {
        /// Domain name.
        domain: String,
        /// The persistent definition instead of the live one.
        #[arg(long)]
        inactive: bool,
    },
}

const AFFECT_LIVE: u32 = 1;
const AFFECT_CONFIG: u32 = 2;
const XML_INACTIVE: u32 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // virsh's shape: the context line, then libvirt's message.
            for cause in e.chain() {
                eprintln!("error: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn lookup(c: &mut Client, name: &str) -> anyhow::Result<NonnullDomain> {
    let r: DomainLookupByNameRet = c
        .call(
            REMOTE_PROGRAM,
            RemoteProc::DomainLookupByName as i32,
            &DomainLookupByNameArgs {
                name: name.to_owned(),
            },
        )
        .with_context(|| format!("failed to get domain '{name}'"))?;
    Ok(r.dom)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let flags = if cli.readonly { CONNECT_RO } else { 0 };
    let mut c = Client::open(&cli.uri, flags).context("failed to connect to the hypervisor")?;
    match cli.command {
        Command::Dumpxml { domain, inactive } => {
            let dom = lookup(&mut c, &domain)?;
            let r: DomainGetXmlDescRet = c.call(
                REMOTE_PROGRAM,
                RemoteProc::DomainGetXmlDesc as i32,
                &DomainGetXmlDescArgs {
                    dom,
                    flags: if inactive { XML_INACTIVE } else { 0 },
                },
            )?;
            print!("{}", r.xml);
            Ok(ExitCode::SUCCESS)
        }
        Command::UpdateDevice {
            domain,
            file,
            live,
            config,
            dry_run,
            json,
        } => {
            let xml = std::fs::read_to_string(&file)
                .with_context(|| format!("failed to read file '{}'", file.display()))?;
            let dom = lookup(&mut c, &domain)?;
            let flags = if live { AFFECT_LIVE } else { 0 } | if config { AFFECT_CONFIG } else { 0 };
            let args = DomainUpdateDeviceFlagsArgs { dom, xml, flags };
            let what = format!("Failed to update device from {}", file.display());
            if dry_run {
                let r: DomainPlanUpdateDeviceRet = c
                    .call(
                        OXVIRT_PROGRAM,
                        OxvirtProc::DomainPlanUpdateDevice as i32,
                        &DomainPlanUpdateDeviceArgs { ..args },
                    )
                    .context(what)?;
                let plan: serde_json::Value =
                    serde_json::from_str(&r.plan).context("the daemon sent an unreadable plan")?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&plan)?);
                } else {
                    print!("{}", explain(&domain, &plan));
                }
                let failed = plan.get("outcome").and_then(|o| o.as_str()) == Some("fail");
                return Ok(if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                });
            }
            let () = c
                .call(
                    REMOTE_PROGRAM,
                    RemoteProc::DomainUpdateDeviceFlags as i32,
                    &args,
                )
                .context(what)?;
            println!("Device updated successfully\n");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The plan as a person reads it: what would happen, in order, and which rules decided it.
fn explain(domain: &str, plan: &serde_json::Value) -> String {
    let s = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).unwrap_or("-").to_owned();
    let mut out = String::new();
    out.push_str(&format!(
        "Plan for domain '{domain}': {}\n",
        s(plan.get("outcome"))
    ));
    if let Some(f) = plan.get("failure").filter(|f| !f.is_null()) {
        out.push_str(&format!(
            "Would fail: {} ({}, at {})\n",
            s(f.get("message")),
            s(f.get("error_code")),
            s(f.get("stage"))
        ));
    } else {
        let replaced = plan
            .get("replace_def")
            .and_then(|b| b.as_bool())
            .unwrap_or(false);
        out.push_str(&format!(
            "Definition replaced: {}\n",
            if replaced { "yes" } else { "no" }
        ));
        out.push_str(&format!("Network port: {}\n", s(plan.get("network_port"))));
        if let (Some(from), Some(to)) = (
            plan.get("bridge_from").and_then(|v| v.as_str()),
            plan.get("bridge_to").and_then(|v| v.as_str()),
        ) {
            out.push_str(&format!("Bridge: {from} -> {to}\n"));
        }
        let actions = plan.get("actions").and_then(|a| a.as_array());
        match actions {
            Some(a) if !a.is_empty() => {
                out.push_str("Actions:\n");
                for (i, act) in a.iter().enumerate() {
                    out.push_str(&format!("  {}. {}\n", i + 1, act.as_str().unwrap_or("?")));
                }
            }
            _ => out.push_str("Actions: none\n"),
        }
    }
    if let Some(reasons) = plan.get("explanation").and_then(|e| e.as_array()) {
        out.push_str("Why:\n");
        for r in reasons {
            out.push_str(&format!("  {}: {}\n", s(r.get("rule")), s(r.get("detail"))));
        }
    }
    out
}
