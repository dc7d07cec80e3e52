//! The errors libvirt's test driver raises, with its codes, domains and wording.
//!
//! Three error domains appear, because libvirt raises these errors from three places:
//! the test driver itself (`VIR_FROM_TEST`), the shared domain-object helpers
//! (`VIR_FROM_DOMAIN`: "domain is not running", duplicate definitions) and the network-object
//! helpers (`VIR_FROM_NETWORK`). Clients compare the numbers, so each helper names its domain.

use oxvirt_conf::domain::util::format_uuid;
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};

/// `virCheckFlags`: rejects bits outside `supported`, naming the C function libvirt names
/// (clients see e.g. `unsupported flags (0x1) in function testNetworkGetXMLDesc`).
pub(crate) fn check_flags(flags: u32, supported: u32, function: &str) -> Result<(), VirError> {
    VirError::check_flags(flags, supported, ErrorDomain::Test, function)
}

/// An error reported without detail text: libvirt then uses the code's short message
/// (`Domain not found`) as both the message and `str1`.
fn bare(code: ErrorNumber, domain: ErrorDomain, message: &str) -> VirError {
    VirError {
        code,
        domain,
        message: message.to_owned(),
        str1: Some(message.to_owned()),
        str2: None,
    }
}

/// Lookup by name, UUID or id found nothing: the test driver gives no detail.
pub(crate) fn no_domain() -> VirError {
    bare(ErrorNumber::NoDomain, ErrorDomain::Test, "Domain not found")
}

/// A handle the client holds no longer names a domain.
pub(crate) fn no_domain_by_handle(uuid: &[u8; 16], name: &str) -> VirError {
    VirError::new(
        ErrorNumber::NoDomain,
        ErrorDomain::Test,
        format!(
            "no domain with matching uuid '{}' ({name})",
            format_uuid(uuid)
        ),
    )
}

/// `VIR_ERR_NO_NETWORK` by name.
pub(crate) fn no_network_by_name(name: &str) -> VirError {
    VirError::new(
        ErrorNumber::NoNetwork,
        ErrorDomain::Test,
        format!("no network with matching name '{name}'"),
    )
}

/// `VIR_ERR_NO_NETWORK` by UUID.
pub(crate) fn no_network_by_uuid(uuid: &[u8; 16]) -> VirError {
    VirError::new(
        ErrorNumber::NoNetwork,
        ErrorDomain::Test,
        format!("no network with matching uuid '{}'", format_uuid(uuid)),
    )
}

/// `VIR_ERR_INTERNAL_ERROR` from the test driver (its wording for most refused moves).
pub(crate) fn internal(detail: impl Into<String>) -> VirError {
    VirError::internal(ErrorDomain::Test, detail)
}

/// `VIR_ERR_OPERATION_INVALID` raised by the test driver itself.
pub(crate) fn invalid_test(detail: impl Into<String>) -> VirError {
    VirError::new(ErrorNumber::OperationInvalid, ErrorDomain::Test, detail)
}

/// `VIR_ERR_OPERATION_INVALID` raised by libvirt's shared domain helpers.
pub(crate) fn invalid_domain(detail: impl Into<String>) -> VirError {
    VirError::new(ErrorNumber::OperationInvalid, ErrorDomain::Domain, detail)
}

/// `virDomainObjCheckActive`.
pub(crate) fn domain_not_running() -> VirError {
    invalid_domain("domain is not running")
}

/// `VIR_ERR_OPERATION_FAILED` raised by libvirt's shared object lists.
pub(crate) fn failed(domain: ErrorDomain, detail: impl Into<String>) -> VirError {
    VirError::new(ErrorNumber::OperationFailed, domain, detail)
}

/// `VIR_ERR_XML_DETAIL` raised by libvirt's XML helpers (`VIR_FROM_XML`).
pub(crate) fn xml_detail(detail: impl Into<String>) -> VirError {
    VirError::new(ErrorNumber::XmlDetail, ErrorDomain::Xml, detail)
}

/// `VIR_ERR_XML_ERROR` with detail, as `virXMLParse` reports a document it cannot read.
pub(crate) fn xml_error(domain: ErrorDomain, detail: impl Into<String>) -> VirError {
    let detail = detail.into();
    VirError {
        code: ErrorNumber::XmlError,
        domain,
        message: format!("XML error: {detail}"),
        str1: Some("XML error: %s".to_owned()),
        str2: Some(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_check_flags_unknown_bit_names_function() {
        let e = check_flags(0x5, 0x4, "testDomainCreateWithFlags").unwrap_err();
        assert_eq!(
            (e.code, e.domain, e.message.as_str()),
            (
                ErrorNumber::InvalidArg,
                ErrorDomain::Test,
                "unsupported flags (0x1) in function testDomainCreateWithFlags"
            )
        );
    }

    #[test]
    fn test_no_domain_without_detail_is_bare_message() {
        let e = no_domain();
        assert_eq!((e.message.as_str(), e.str2), ("Domain not found", None));
    }
}
