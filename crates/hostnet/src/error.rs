//! The crate's one error type, worded the way libvirt 9.0's `src/util/virnetdev*.c` word
//! theirs: `virReportSystemError` prints `<what failed>: <strerror(errno)>`.

use nix::errno::Errno;
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};

/// Why a host networking operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostNetError {
    /// The kernel refused a netlink request (or the socket failed). `op` is libvirt's text
    /// for the operation, e.g. `Cannot get interface MTU on 'br9'`.
    #[error("{op}: {}", errno_text(*errno))]
    Netlink {
        /// What was being done, in libvirt's words.
        op: String,
        /// The errno the kernel answered.
        errno: Errno,
    },
    /// A system call other than netlink failed (opening `/dev/net/tun`, `TUNSETIFF`), or a
    /// name was refused before any call (`ERANGE`, like libvirt).
    #[error("{op}: {}", errno_text(*errno))]
    System {
        /// What was being done, in libvirt's words.
        op: String,
        /// The errno.
        errno: Errno,
    },
    /// The kernel's netlink answer could not be parsed (libvirt's
    /// `VIR_ERR_INTERNAL_ERROR` with this fixed text); `detail` says what was wrong.
    #[error("malformed netlink response message")]
    Malformed {
        /// Where the parse failed (for logs; not part of the message).
        detail: String,
    },
}

impl HostNetError {
    /// The errno behind the error, if there is one (`ENODEV` for a missing device).
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Self::Netlink { errno, .. } | Self::System { errno, .. } => Some(*errno),
            Self::Malformed { .. } => None,
        }
    }

    /// Whether the device named in the operation does not exist.
    pub fn is_no_such_device(&self) -> bool {
        self.errno() == Some(Errno::ENODEV)
    }

    /// The error as libvirt reports it: `VIR_ERR_SYSTEM_ERROR` (or `VIR_ERR_INTERNAL_ERROR`
    /// for a malformed answer) from `VIR_FROM_NONE`, the domain of libvirt's util code.
    pub fn to_vir(&self) -> VirError {
        match self {
            Self::Netlink { .. } | Self::System { .. } => VirError::new(
                ErrorNumber::SystemError,
                ErrorDomain::None,
                self.to_string(),
            ),
            Self::Malformed { .. } => VirError::new(
                ErrorNumber::InternalError,
                ErrorDomain::None,
                self.to_string(),
            ),
        }
    }

    pub(crate) fn netlink(op: String, errno: Errno) -> Self {
        Self::Netlink { op, errno }
    }

    pub(crate) fn system(op: String, errno: Errno) -> Self {
        Self::System { op, errno }
    }
}

impl From<HostNetError> for VirError {
    fn from(e: HostNetError) -> Self {
        e.to_vir()
    }
}

/// `strerror(errno)` as glibc words it ("No such device"), which is what libvirt appends.
pub(crate) fn errno_text(errno: Errno) -> String {
    let text = std::io::Error::from_raw_os_error(errno as i32).to_string();
    // std appends " (os error N)" to the C library's text.
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// libvirt's wording of each operation (`op` of [`HostNetError`]), shared by the real and
/// the fake implementation so both fail with the same text.
pub(crate) mod op {
    use crate::format_mac;

    pub(crate) fn name_too_long(name: &str) -> String {
        format!("Network interface name '{name}' is too long")
    }
    pub(crate) fn invalid_name(name: &str) -> String {
        format!("invalid interface name {}", name.escape_debug())
    }
    pub(crate) fn open_tun(path: &str) -> String {
        format!("Unable to open {path}, is tun module loaded?")
    }
    pub(crate) fn create_tap(name: &str) -> String {
        format!("Unable to create tap device {name}")
    }
    pub(crate) fn set_mac(ifname: &str, mac: [u8; 6]) -> String {
        format!(
            "Cannot set interface MAC to {} on '{ifname}'",
            format_mac(mac)
        )
    }
    pub(crate) fn get_mtu(ifname: &str) -> String {
        format!("Cannot get interface MTU on '{ifname}'")
    }
    pub(crate) fn set_mtu(ifname: &str) -> String {
        format!("Cannot set interface MTU on '{ifname}'")
    }
    pub(crate) fn get_index(ifname: &str) -> String {
        format!("Unable to get interface index for {ifname}")
    }
    pub(crate) fn get_index_for_master(ifname: &str) -> String {
        format!("Unable to get index for interface {ifname}")
    }
    pub(crate) fn index_to_name(index: u32) -> String {
        format!("Failed to convert interface index {index} to a name")
    }
    pub(crate) fn add_port(bridge: &str, ifname: &str) -> String {
        format!("Unable to add bridge {bridge} port {ifname}")
    }
    pub(crate) fn remove_port(bridge: &str, ifname: &str) -> String {
        format!("Unable to remove bridge {bridge} port {ifname}")
    }
    pub(crate) fn get_flags(ifname: &str) -> String {
        format!("Cannot get interface flags on '{ifname}'")
    }
    pub(crate) fn set_flags(ifname: &str) -> String {
        format!("Cannot set interface flags on '{ifname}'")
    }
    pub(crate) fn delete_link(ifname: &str) -> String {
        format!("error destroying network device {ifname}")
    }
    pub(crate) fn create_bridge(bridge: &str) -> String {
        format!("error creating bridge interface {bridge}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_display_missing_bridge_mtu_matches_libvirt() {
        let e = HostNetError::netlink(op::get_mtu("br9"), Errno::ENODEV);
        assert_eq!(
            e.to_string(),
            "Cannot get interface MTU on 'br9': No such device"
        );
        assert!(e.is_no_such_device());
    }

    #[test]
    fn test_display_name_too_long_uses_erange_text() {
        let e = HostNetError::system(op::name_too_long("abcdefghijklmnopq"), Errno::ERANGE);
        assert_eq!(
            e.to_string(),
            "Network interface name 'abcdefghijklmnopq' is too long: Numerical result out of range"
        );
    }

    #[test]
    fn test_display_set_mac_formats_mac_lowercase() {
        let e = HostNetError::netlink(
            op::set_mac("vnet0", [0xfe, 0x54, 0, 0xf4, 0xd0, 0x72]),
            Errno::EPERM,
        );
        assert_eq!(
            e.to_string(),
            "Cannot set interface MAC to fe:54:00:f4:d0:72 on 'vnet0': Operation not permitted"
        );
    }

    #[test]
    fn test_errno_text_known_errnos_match_glibc() {
        assert_eq!(errno_text(Errno::ENODEV), "No such device");
        assert_eq!(errno_text(Errno::EBUSY), "Device or resource busy");
        assert_eq!(errno_text(Errno::EOPNOTSUPP), "Operation not supported");
    }

    #[test]
    fn test_to_vir_system_error_is_from_none_with_full_message() {
        let v = HostNetError::netlink(op::get_mtu("br9"), Errno::ENODEV).to_vir();
        assert_eq!(v.code, ErrorNumber::SystemError);
        assert_eq!(v.domain, ErrorDomain::None);
        assert_eq!(
            v.message,
            "Cannot get interface MTU on 'br9': No such device"
        );
    }

    #[test]
    fn test_to_vir_malformed_is_internal_error() {
        let v = HostNetError::Malformed { detail: "x".into() }.to_vir();
        assert_eq!(v.code, ErrorNumber::InternalError);
        assert_eq!(
            v.message,
            "internal error: malformed netlink response message"
        );
    }
}
