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
    /// libvirt's prefix for this code, as `virErrorMsg` words it when the caller supplies
    /// extra text. `%s` stands for that text. Codes that are not listed use their
    /// extra text alone.
    pub fn template(self) -> &'static str {
        use ErrorNumber as E;
        match self {
            E::InternalError => "internal error: %s",
            E::NoSupport => "this function is not supported by the connection driver: %s",
            E::InvalidConn => "invalid connection pointer in %s",
            E::InvalidDomain => "invalid domain pointer in %s",
            E::InvalidArg => "invalid argument: %s",
            E::OperationFailed => "operation failed: %s",
            E::OsType => "unknown OS type %s",
            E::NoName => "missing name information in %s",
            E::NoDevice => "missing devices information for %s",
            E::XmlError => "XML description is invalid or not well formed",
            E::DomExist => "operation failed: %s",
            E::OperationDenied => "operation forbidden: %s",
            E::OpenFailed => "failed to open configuration file %s",
            E::ReadFailed => "failed to read configuration file %s",
            E::ParseFailed => "failed to parse configuration file %s",
            E::XmlDetail => "XML error: %s",
            E::InvalidNetwork => "invalid network pointer in %s",
            E::NetworkExist => "this network exists already",
            E::Rpc => "RPC error",
            E::NoDomain => "Domain not found: %s",
            E::NoNetwork => "Network not found: %s",
            E::InvalidMac => "invalid MAC address: %s",
            E::AuthFailed => "authentication failed: %s",
            E::NoSecurityModel => "Security model not found: %s",
            E::OperationInvalid => "Requested operation is not valid: %s",
            E::ConfigUnsupported => "unsupported configuration: %s",
            E::OperationTimeout => "Timed out during operation: %s",
            E::ArgumentUnsupported => "argument unsupported: %s",
            E::OperationAborted => "operation aborted: %s",
            E::OperationUnsupported => "Operation not supported: %s",
            E::ResourceBusy => "resource busy: %s",
            E::AccessDenied => "access denied: %s",
            E::XmlInvalidSchema => "XML document failed to validate against schema: %s",
            E::DeviceMissing => "device not found: %s",
            E::InvalidNetworkPort => "invalid network port pointer in %s",
            E::NoNetworkPort => "network port not found: %s",
            E::MultipleDomains => "Multiple domains found: %s",
            _ => "%s",
        }
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

    /// `VIR_ERR_INTERNAL_ERROR`.
    pub fn internal(domain: ErrorDomain, detail: impl Into<String>) -> Self {
        Self::new(ErrorNumber::InternalError, domain, detail)
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
}
