//! libvirt's error vocabulary, shared by every layer.
//!
//! Each layer has its own `thiserror` enum (`XdrError`, `ConfError`, …). At the edge of the
//! layer that talks to clients those are turned into one [`VirError`]: the triple
//! `(code, domain, message)` that libvirt puts in a `remote_error` and that clients print
//! (`error: <message>`) or inspect (`get_error_code()`, `get_error_domain()`).
//!
//! The numbers are libvirt's public ABI (`virErrorNumber`, `virErrorDomain`); clients
//! compare them, so they must never change.

use std::fmt;

macro_rules! numbered_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $num:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $var = $num),+ }

        impl $name {
            /// The number libvirt uses on the wire.
            pub fn code(self) -> i32 {
                self as i32
            }

            /// The variant for a wire number, if libvirt 9.0 knows it.
            pub fn from_code(code: i32) -> Option<Self> {
                match code {
                    $($num => Some(Self::$var),)+
                    _ => None,
                }
            }
        }
    };
}

numbered_enum! {
    /// `virErrorNumber`: what went wrong.
    ErrorNumber {
        Ok = 0,
        InternalError = 1,
        NoMemory = 2,
        NoSupport = 3,
        UnknownHost = 4,
        NoConnect = 5,
        InvalidConn = 6,
        InvalidDomain = 7,
        InvalidArg = 8,
        OperationFailed = 9,
        GetFailed = 10,
        PostFailed = 11,
        HttpError = 12,
        SexprSerial = 13,
        NoXen = 14,
        XenCall = 15,
        OsType = 16,
        NoKernel = 17,
        NoRoot = 18,
        NoSource = 19,
        NoTarget = 20,
        NoName = 21,
        NoOs = 22,
        NoDevice = 23,
        NoXenstore = 24,
        DriverFull = 25,
        CallFailed = 26,
        XmlError = 27,
        DomExist = 28,
        OperationDenied = 29,
        OpenFailed = 30,
        ReadFailed = 31,
        ParseFailed = 32,
        ConfSyntax = 33,
        WriteFailed = 34,
        XmlDetail = 35,
        InvalidNetwork = 36,
        NetworkExist = 37,
        SystemError = 38,
        Rpc = 39,
        GnutlsError = 40,
        WarNoNetwork = 41,
        NoDomain = 42,
        NoNetwork = 43,
        InvalidMac = 44,
        AuthFailed = 45,
        InvalidStoragePool = 46,
        InvalidStorageVol = 47,
        WarNoStorage = 48,
        NoStoragePool = 49,
        NoStorageVol = 50,
        WarNoNode = 51,
        InvalidNodeDevice = 52,
        NoNodeDevice = 53,
        NoSecurityModel = 54,
        OperationInvalid = 55,
        WarNoInterface = 56,
        NoInterface = 57,
        InvalidInterface = 58,
        MultipleInterfaces = 59,
        WarNoNwfilter = 60,
        InvalidNwfilter = 61,
        NoNwfilter = 62,
        BuildFirewall = 63,
        WarNoSecret = 64,
        InvalidSecret = 65,
        NoSecret = 66,
        ConfigUnsupported = 67,
        OperationTimeout = 68,
        MigratePersistFailed = 69,
        HookScriptFailed = 70,
        InvalidDomainSnapshot = 71,
        NoDomainSnapshot = 72,
        InvalidStream = 73,
        ArgumentUnsupported = 74,
        StorageProbeFailed = 75,
        StoragePoolBuilt = 76,
        SnapshotRevertRisky = 77,
        OperationAborted = 78,
        AuthCancelled = 79,
        NoDomainMetadata = 80,
        MigrateUnsafe = 81,
        Overflow = 82,
        BlockCopyActive = 83,
        OperationUnsupported = 84,
        Ssh = 85,
        AgentUnresponsive = 86,
        ResourceBusy = 87,
        AccessDenied = 88,
        DbusService = 89,
        StorageVolExist = 90,
        CpuIncompatible = 91,
        XmlInvalidSchema = 92,
        MigrateFinishOk = 93,
        AuthUnavailable = 94,
        NoServer = 95,
        NoClient = 96,
        AgentUnsynced = 97,
        Libssh = 98,
        DeviceMissing = 99,
        InvalidNwfilterBinding = 100,
        NoNwfilterBinding = 101,
        InvalidDomainCheckpoint = 102,
        NoDomainCheckpoint = 103,
        NoDomainBackup = 104,
        InvalidNetworkPort = 105,
        NetworkPortExist = 106,
        NoNetworkPort = 107,
        NoHostname = 108,
        CheckpointInconsistent = 109,
        MultipleDomains = 110,
        NoNetworkMetadata = 111,
    }
}

numbered_enum! {
    /// `virErrorDomain`: which subsystem raised the error.
    ErrorDomain {
        None = 0,
        Xen = 1,
        Xend = 2,
        Xenstore = 3,
        Sexpr = 4,
        Xml = 5,
        Dom = 6,
        Rpc = 7,
        Proxy = 8,
        Conf = 9,
        Qemu = 10,
        Net = 11,
        Test = 12,
        Remote = 13,
        Openvz = 14,
        Xenxm = 15,
        StatsLinux = 16,
        Lxc = 17,
        Storage = 18,
        Network = 19,
        Domain = 20,
        Uml = 21,
        Nodedev = 22,
        XenInotify = 23,
        Security = 24,
        Vbox = 25,
        Interface = 26,
        One = 27,
        Esx = 28,
        Phyp = 29,
        Secret = 30,
        Cpu = 31,
        Xenapi = 32,
        Nwfilter = 33,
        Hook = 34,
        DomainSnapshot = 35,
        Audit = 36,
        Sysinfo = 37,
        Streams = 38,
        Vmware = 39,
        Event = 40,
        Libxl = 41,
        Locking = 42,
        Hyperv = 43,
        Capabilities = 44,
        Uri = 45,
        Auth = 46,
        Dbus = 47,
        Parallels = 48,
        Device = 49,
        Ssh = 50,
        Lockspace = 51,
        Initctl = 52,
        Identity = 53,
        Cgroup = 54,
        Access = 55,
        Systemd = 56,
        Bhyve = 57,
        Crypto = 58,
        Firewall = 59,
        Polkit = 60,
        Thread = 61,
        Admin = 62,
        Logging = 63,
        Xenxl = 64,
        Perf = 65,
        Libssh = 66,
        Resctrl = 67,
        Firewalld = 68,
        DomainCheckpoint = 69,
        Tpm = 70,
        Bpf = 71,
        Ch = 72,
    }
}

impl ErrorNumber {
    /// libvirt's `(msg, msginfo)` pair for this code (`virErrorMsgStrings` in libvirt 9.0):
    /// the text of an error reported without detail, and the format string that wraps a
    /// caller's detail (`%s`).
    fn messages(self) -> (&'static str, &'static str) {
        use ErrorNumber as E;
        match self {
            E::Ok => ("", "%s"),
            E::InternalError => ("internal error", "internal error: %s"),
            E::NoMemory => ("out of memory", "out of memory: %s"),
            E::NoSupport => (
                "this function is not supported by the connection driver",
                "this function is not supported by the connection driver: %s",
            ),
            E::UnknownHost => ("unknown host", "unknown host %s"),
            E::NoConnect => (
                "no connection driver available",
                "no connection driver available for %s",
            ),
            E::InvalidConn => (
                "invalid connection pointer in",
                "invalid connection pointer in %s",
            ),
            E::InvalidDomain => ("invalid domain pointer in", "invalid domain pointer in %s"),
            E::InvalidArg => ("invalid argument", "invalid argument: %s"),
            E::OperationFailed => ("operation failed", "operation failed: %s"),
            E::GetFailed => ("GET operation failed", "GET operation failed: %s"),
            E::PostFailed => ("POST operation failed", "POST operation failed: %s"),
            E::HttpError => (
                "got unknown HTTP error code",
                "got unknown HTTP error code %s",
            ),
            E::SexprSerial => (
                "failed to serialize S-Expr",
                "failed to serialize S-Expr: %s",
            ),
            E::NoXen => (
                "could not use Xen hypervisor entry",
                "could not use Xen hypervisor entry %s",
            ),
            E::XenCall => ("failed Xen syscall", "failed Xen syscall %s"),
            E::OsType => ("unknown OS type", "unknown OS type %s"),
            E::NoKernel => (
                "missing kernel information",
                "missing kernel information: %s",
            ),
            E::NoRoot => (
                "missing root device information",
                "missing root device information in %s",
            ),
            E::NoSource => (
                "missing source information for device",
                "missing source information for device %s",
            ),
            E::NoTarget => (
                "missing target information for device",
                "missing target information for device %s",
            ),
            E::NoName => ("missing name information", "missing name information in %s"),
            E::NoOs => (
                "missing operating system information",
                "missing operating system information for %s",
            ),
            E::NoDevice => (
                "missing devices information",
                "missing devices information for %s",
            ),
            E::NoXenstore => (
                "could not connect to Xen Store",
                "could not connect to Xen Store %s",
            ),
            E::DriverFull => (
                "too many drivers registered",
                "too many drivers registered in %s",
            ),
            E::CallFailed => ("library call failed", "library call failed: %s"),
            E::XmlError => (
                "XML description is invalid or not well formed",
                "XML error: %s",
            ),
            E::DomExist => ("this domain exists already", "domain %s exists already"),
            E::OperationDenied => (
                "operation forbidden for read only access",
                "operation forbidden: %s",
            ),
            E::OpenFailed => (
                "failed to open configuration file",
                "failed to open configuration file %s",
            ),
            E::ReadFailed => (
                "failed to read configuration file",
                "failed to read configuration file %s",
            ),
            E::ParseFailed => (
                "failed to parse configuration file",
                "failed to parse configuration file %s",
            ),
            E::ConfSyntax => (
                "configuration file syntax error",
                "configuration file syntax error: %s",
            ),
            E::WriteFailed => (
                "failed to write configuration file",
                "failed to write configuration file: %s",
            ),
            E::XmlDetail => ("parser error", "%s"),
            E::InvalidNetwork => (
                "invalid network pointer in",
                "invalid network pointer in %s",
            ),
            E::NetworkExist => ("this network exists already", "network %s exists already"),
            E::SystemError => ("system call error", "%s"),
            E::Rpc => ("RPC error", "%s"),
            E::GnutlsError => ("GNUTLS call error", "%s"),
            E::WarNoNetwork => (
                "Failed to find the network",
                "Failed to find the network: %s",
            ),
            E::NoDomain => ("Domain not found", "Domain not found: %s"),
            E::NoNetwork => ("Network not found", "Network not found: %s"),
            E::InvalidMac => ("invalid MAC address", "invalid MAC address: %s"),
            E::AuthFailed => ("authentication failed", "authentication failed: %s"),
            E::InvalidStoragePool => (
                "invalid storage pool pointer in",
                "invalid storage pool pointer in %s",
            ),
            E::InvalidStorageVol => (
                "invalid storage volume pointer in",
                "invalid storage volume pointer in %s",
            ),
            E::WarNoStorage => (
                "Failed to find a storage driver",
                "Failed to find a storage driver: %s",
            ),
            E::NoStoragePool => ("Storage pool not found", "Storage pool not found: %s"),
            E::NoStorageVol => ("Storage volume not found", "Storage volume not found: %s"),
            E::WarNoNode => (
                "Failed to find a node driver",
                "Failed to find a node driver: %s",
            ),
            E::InvalidNodeDevice => (
                "invalid node device pointer",
                "invalid node device pointer in %s",
            ),
            E::NoNodeDevice => ("Node device not found", "Node device not found: %s"),
            E::NoSecurityModel => ("Security model not found", "Security model not found: %s"),
            E::OperationInvalid => (
                "Requested operation is not valid",
                "Requested operation is not valid: %s",
            ),
            E::WarNoInterface => (
                "Failed to find the interface",
                "Failed to find the interface: %s",
            ),
            E::NoInterface => ("Interface not found", "Interface not found: %s"),
            E::InvalidInterface => (
                "invalid interface pointer in",
                "invalid interface pointer in %s",
            ),
            E::MultipleInterfaces => (
                "multiple matching interfaces found",
                "multiple matching interfaces found: %s",
            ),
            E::WarNoNwfilter => (
                "Failed to start the nwfilter driver",
                "Failed to start the nwfilter driver: %s",
            ),
            E::InvalidNwfilter => ("Invalid network filter", "Invalid network filter: %s"),
            E::NoNwfilter => ("Network filter not found", "Network filter not found: %s"),
            E::BuildFirewall => (
                "Error while building firewall",
                "Error while building firewall: %s",
            ),
            E::WarNoSecret => (
                "Failed to find a secret storage driver",
                "Failed to find a secret storage driver: %s",
            ),
            E::InvalidSecret => ("Invalid secret", "Invalid secret: %s"),
            E::NoSecret => ("Secret not found", "Secret not found: %s"),
            E::ConfigUnsupported => ("unsupported configuration", "unsupported configuration: %s"),
            E::OperationTimeout => (
                "Timed out during operation",
                "Timed out during operation: %s",
            ),
            E::MigratePersistFailed => (
                "Failed to make domain persistent after migration",
                "Failed to make domain persistent after migration: %s",
            ),
            E::HookScriptFailed => (
                "Hook script execution failed",
                "Hook script execution failed: %s",
            ),
            E::InvalidDomainSnapshot => ("Invalid domain snapshot", "Invalid domain snapshot: %s"),
            E::NoDomainSnapshot => ("Domain snapshot not found", "Domain snapshot not found: %s"),
            E::InvalidStream => ("invalid stream pointer", "invalid stream pointer in %s"),
            E::ArgumentUnsupported => ("argument unsupported", "argument unsupported: %s"),
            E::StorageProbeFailed => ("Storage pool probe failed", "Storage pool probe failed: %s"),
            E::StoragePoolBuilt => (
                "Storage pool already built",
                "Storage pool already built: %s",
            ),
            E::SnapshotRevertRisky => ("revert requires force", "revert requires force: %s"),
            E::OperationAborted => ("operation aborted", "operation aborted: %s"),
            E::AuthCancelled => ("authentication cancelled", "authentication cancelled: %s"),
            E::NoDomainMetadata => ("metadata not found", "metadata not found: %s"),
            E::MigrateUnsafe => ("Unsafe migration", "Unsafe migration: %s"),
            E::Overflow => ("numerical overflow", "numerical overflow: %s"),
            E::BlockCopyActive => ("block copy still active", "block copy still active: %s"),
            E::OperationUnsupported => ("Operation not supported", "Operation not supported: %s"),
            E::Ssh => ("SSH transport error", "SSH transport error: %s"),
            E::AgentUnresponsive => (
                "Guest agent is not responding",
                "Guest agent is not responding: %s",
            ),
            E::ResourceBusy => ("resource busy", "resource busy: %s"),
            E::AccessDenied => ("access denied", "access denied: %s"),
            E::DbusService => ("error from service", "error from service: %s"),
            E::StorageVolExist => (
                "this storage volume exists already",
                "storage volume %s exists already",
            ),
            E::CpuIncompatible => (
                "the CPU is incompatible with host CPU",
                "the CPU is incompatible with host CPU: %s",
            ),
            E::XmlInvalidSchema => (
                "XML document failed to validate against schema",
                "XML document failed to validate against schema: %s",
            ),
            E::MigrateFinishOk => (
                "migration successfully aborted",
                "migration successfully aborted: %s",
            ),
            E::AuthUnavailable => (
                "authentication unavailable",
                "authentication unavailable: %s",
            ),
            E::NoServer => ("Server not found", "Server not found: %s"),
            E::NoClient => ("Client not found", "Client not found: %s"),
            E::AgentUnsynced => (
                "guest agent replied with wrong id to guest-sync command",
                "guest agent replied with wrong id to guest-sync command: %s",
            ),
            E::Libssh => ("libssh transport error", "libssh transport error: %s"),
            E::DeviceMissing => ("device not found", "device not found: %s"),
            E::InvalidNwfilterBinding => (
                "Invalid network filter binding",
                "Invalid network filter binding: %s",
            ),
            E::NoNwfilterBinding => (
                "Network filter binding not found",
                "Network filter binding not found: %s",
            ),
            E::InvalidDomainCheckpoint => {
                ("Invalid domain checkpoint", "Invalid domain checkpoint: %s")
            }
            E::NoDomainCheckpoint => (
                "Domain checkpoint not found",
                "Domain checkpoint not found: %s",
            ),
            E::NoDomainBackup => (
                "Domain backup job id not found",
                "Domain backup job id not found: %s",
            ),
            E::InvalidNetworkPort => (
                "Invalid network port pointer",
                "Invalid network port pointer: %s",
            ),
            E::NetworkPortExist => (
                "this network port exists already",
                "network port %s exists already",
            ),
            E::NoNetworkPort => ("network port not found", "network port not found: %s"),
            E::NoHostname => ("no hostname found", "no hostname found: %s"),
            E::CheckpointInconsistent => ("checkpoint inconsistent", "checkpoint inconsistent: %s"),
            E::MultipleDomains => (
                "multiple matching domains found",
                "multiple matching domains found: %s",
            ),
            // Added after 9.0 (libvirt 9.7); same wording as `VIR_ERR_NO_DOMAIN_METADATA`.
            E::NoNetworkMetadata => ("metadata not found", "metadata not found: %s"),
        }
    }

    /// libvirt's format for this code when the caller supplies detail text (what
    /// `virErrorMsg(code, info)` returns and clients see in `str1`). `%s` stands for the
    /// detail; some codes (`VIR_ERR_XML_DETAIL`, `VIR_ERR_SYSTEM_ERROR`, …) are `%s` alone,
    /// so the detail is the whole message.
    pub fn template(self) -> &'static str {
        self.messages().1
    }

    /// libvirt's text for this code when the caller supplies no detail
    /// (`virErrorMsg(code, NULL)`), e.g. `missing name information` for `VIR_ERR_NO_NAME`.
    pub fn message(self) -> &'static str {
        self.messages().0
    }
}

/// libvirt's `virErrorLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorLevel {
    /// `VIR_ERR_WARNING`
    Warning = 1,
    /// `VIR_ERR_ERROR`
    Error = 2,
}

/// One error as a libvirt client sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VirError {
    /// What went wrong.
    pub code: ErrorNumber,
    /// Which subsystem said so.
    pub domain: ErrorDomain,
    /// The full text clients print.
    pub message: String,
    /// The format string libvirt reports in `str1` (the code's template).
    pub str1: Option<String>,
    /// The caller-supplied detail libvirt reports in `str2`.
    pub str2: Option<String>,
}

impl VirError {
    /// An error whose message is the code's template filled with `detail`,
    /// the way libvirt's `virReportError` builds it.
    pub fn new(code: ErrorNumber, domain: ErrorDomain, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let template = code.template();
        let message = if template.contains("%s") {
            template.replacen("%s", &detail, 1)
        } else if detail.is_empty() {
            template.to_owned()
        } else {
            format!("{template}: {detail}")
        };
        Self {
            code,
            domain,
            message,
            str1: Some(template.to_owned()),
            str2: Some(detail),
        }
    }

    /// An error whose message is exactly `message` (no template applied).
    pub fn raw(code: ErrorNumber, domain: ErrorDomain, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            code,
            domain,
            str1: Some("%s".to_owned()),
            str2: Some(message.clone()),
            message,
        }
    }

    /// An error reported without detail (`virReportError(code, NULL)`): the message is the
    /// code's fixed text, which libvirt also puts in `str1`; `str2` is empty.
    pub fn bare(code: ErrorNumber, domain: ErrorDomain) -> Self {
        let message = code.message().to_owned();
        Self {
            code,
            domain,
            str1: Some(message.clone()),
            str2: None,
            message,
        }
    }

    /// `VIR_ERR_INTERNAL_ERROR`.
    pub fn internal(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(ErrorNumber::InternalError, domain, detail)
    }

    /// `virCheckFlags`: rejects bits outside `supported`, naming the C function libvirt
    /// names (clients see e.g. `unsupported flags (0x1) in function qemuDomainGetState`;
    /// virReportInvalidArg puts the function in `str1` and the argument in `str2`).
    pub fn check_flags(
        flags: u32,
        supported: u32,
        domain: ErrorDomain,
        function: &str,
    ) -> Result<(), VirError> {
        let unsupported = flags & !supported;
        if unsupported == 0 {
            return Ok(());
        }
        Err(VirError {
            code: ErrorNumber::InvalidArg,
            domain,
            message: format!("unsupported flags (0x{unsupported:x}) in function {function}"),
            str1: Some(function.to_owned()),
            str2: Some("flags".to_owned()),
        })
    }

    /// `VIR_ERR_NO_SUPPORT` naming the public API, e.g. `virDomainUpdateDeviceFlags`.
    pub fn no_support(domain: ErrorDomain, api: &str) -> Self {
        Self::new(ErrorNumber::NoSupport, domain, api)
    }

    /// `VIR_ERR_OPERATION_DENIED` for a write API on a read-only connection.
    pub fn read_only(api: &str) -> Self {
        Self::new(
            ErrorNumber::OperationDenied,
            ErrorDomain::Domain,
            format!("read only access prevents {api}"),
        )
    }
}

impl fmt::Display for ErrorNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_new_fills_template_like_virreporterror() {
        let e = VirError::new(
            ErrorNumber::NoDomain,
            ErrorDomain::Test,
            "no domain with matching name 'x'",
        );
        assert_eq!(
            e.message,
            "Domain not found: no domain with matching name 'x'"
        );
        assert_eq!(e.code.code(), 42);
        assert_eq!(e.domain.code(), 12);
    }

    #[test]
    fn test_read_only_matches_captured_daemon_text() {
        let e = VirError::read_only("virDomainDestroy");
        assert_eq!(
            e.message,
            "operation forbidden: read only access prevents virDomainDestroy"
        );
        assert_eq!((e.code.code(), e.domain.code()), (29, 20));
    }

    #[test]
    fn test_from_code_round_trips_abi_numbers() {
        assert_eq!(ErrorNumber::from_code(99), Some(ErrorNumber::DeviceMissing));
        assert_eq!(ErrorDomain::from_code(55), Some(ErrorDomain::Access));
        assert_eq!(ErrorNumber::from_code(1000), None);
    }

    #[test]
    fn test_new_xml_error_prefixes_detail_like_virerror() {
        let e = VirError::new(ErrorNumber::XmlError, ErrorDomain::Network, "bad");

        assert_eq!(
            (e.message.as_str(), e.str1.as_deref()),
            ("XML error: bad", Some("XML error: %s"))
        );
    }

    #[test]
    fn test_new_xml_detail_message_is_detail_alone() {
        let e = VirError::new(
            ErrorNumber::XmlDetail,
            ErrorDomain::Xml,
            "invalid char in name: /",
        );

        assert_eq!(
            (e.message.as_str(), e.str1.as_deref()),
            ("invalid char in name: /", Some("%s"))
        );
    }

    #[test]
    fn test_bare_no_name_has_fixed_text_and_no_detail() {
        let e = VirError::bare(ErrorNumber::NoName, ErrorDomain::Network);

        assert_eq!(
            (e.message.as_str(), e.str1.as_deref(), e.str2.as_deref()),
            (
                "missing name information",
                Some("missing name information"),
                None
            )
        );
    }

    #[test]
    fn test_template_covers_every_code_of_libvirt_9() {
        let missing: Vec<i32> = (1..=111)
            .filter_map(ErrorNumber::from_code)
            .filter(|c| c.message().is_empty() || !c.template().contains("%s"))
            .map(ErrorNumber::code)
            .collect();

        assert_eq!(missing, Vec::<i32>::new());
    }
}
