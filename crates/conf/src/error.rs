//! The conf layer's error and its mapping to libvirt's error codes.

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_xml::XmlError;

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    /// Not well-formed or structurally wrong XML (`VIR_ERR_XML_DETAIL`).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// A value libvirt's parser rejects (`VIR_ERR_XML_DETAIL`), message as libvirt words it.
    #[error("{0}")]
    XmlDetail(String),
    /// Valid XML that libvirt refuses to accept (`VIR_ERR_CONFIG_UNSUPPORTED`).
    #[error("{0}")]
    Unsupported(String),
    /// An argument libvirt rejects with `VIR_ERR_INVALID_ARG`.
    #[error("{0}")]
    InvalidArg(String),
    /// `VIR_ERR_INTERNAL_ERROR`: libvirt uses it for many parse failures.
    #[error("{0}")]
    Internal(String),
    /// Schema validation failed (`VIR_ERR_XML_INVALID_SCHEMA`, with `--validate`).
    #[error("{0}")]
    InvalidSchema(String),
}

impl ConfError {
    /// The libvirt error number of this failure.
    pub fn code(&self) -> ErrorNumber {
        match self {
            ConfError::Xml(_) | ConfError::XmlDetail(_) => ErrorNumber::XmlDetail,
            ConfError::Unsupported(_) => ErrorNumber::ConfigUnsupported,
            ConfError::InvalidArg(_) => ErrorNumber::InvalidArg,
            ConfError::Internal(_) => ErrorNumber::InternalError,
            ConfError::InvalidSchema(_) => ErrorNumber::XmlInvalidSchema,
        }
    }

    /// The error as a client sees it, raised by `domain` (the driver's error domain).
    pub fn to_vir(&self, domain: ErrorDomain) -> VirError {
        VirError::new(self.code(), domain, self.to_string())
    }
}
