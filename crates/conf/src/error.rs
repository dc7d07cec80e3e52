//! The conf layer's error and its mapping to libvirt's error codes.
//!
//! Each variant is one `virErrorNumber` that libvirt's parsers raise; the variant holds the
//! detail text exactly as libvirt words it, and [`ConfError::to_vir`] wraps it in the code's
//! template (`XML error: %s`, `unsupported configuration: %s`, …) so the message a client
//! prints is libvirt's to the character.

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_xml::XmlError;

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    /// Raised by the XML reader: text that is not well-formed (`VIR_ERR_XML_DETAIL`, see
    /// [`ConfError::in_document`] for libvirt's layout of that message), or a required
    /// attribute that is missing or unparsable (`VIR_ERR_XML_ERROR`, worded like libvirt's
    /// `virXMLProp*` helpers).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// `VIR_ERR_XML_ERROR`: the usual code of a value libvirt's parser rejects. Clients see
    /// `XML error: <detail>`.
    #[error("{0}")]
    XmlError(String),
    /// `VIR_ERR_XML_DETAIL`: clients see the detail alone (libvirt uses it for syntax
    /// errors and for illegal characters in names).
    #[error("{0}")]
    XmlDetail(String),
    /// `VIR_ERR_NO_NAME` without detail: `missing name information`.
    #[error("missing name information")]
    NoName,
    /// `VIR_ERR_NO_TARGET`: `missing target information for device <detail>`, the bare
    /// message when the detail is empty.
    #[error("missing target information for device {0}")]
    NoTarget(String),
    /// `VIR_ERR_SYSTEM_ERROR`: clients see the detail alone (libvirt's socket address
    /// parser reports unparsable addresses this way).
    #[error("{0}")]
    SystemError(String),
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
            ConfError::Xml(XmlError::Syntax { .. }) | ConfError::XmlDetail(_) => {
                ErrorNumber::XmlDetail
            }
            ConfError::Xml(_) | ConfError::XmlError(_) => ErrorNumber::XmlError,
            ConfError::NoName => ErrorNumber::NoName,
            ConfError::NoTarget(_) => ErrorNumber::NoTarget,
            ConfError::SystemError(_) => ErrorNumber::SystemError,
            ConfError::Unsupported(_) => ErrorNumber::ConfigUnsupported,
            ConfError::InvalidArg(_) => ErrorNumber::InvalidArg,
            ConfError::Internal(_) => ErrorNumber::InternalError,
            ConfError::InvalidSchema(_) => ErrorNumber::XmlInvalidSchema,
        }
    }

    /// The detail libvirt passes to its error template (`str2` of the client's error).
    fn detail(&self) -> String {
        match self {
            ConfError::Xml(XmlError::Missing { element, what, .. }) => {
                match what.strip_prefix("attribute ") {
                    Some(attr) => {
                        format!("Missing required attribute {attr} in element '{element}'")
                    }
                    None => format!("missing {what} in <{element}>"),
                }
            }
            ConfError::Xml(XmlError::Invalid {
                element,
                what,
                value,
                ..
            }) => match what.strip_prefix("attribute ") {
                Some(attr) => {
                    format!("Invalid value for attribute {attr} in element '{element}': '{value}'.")
                }
                None => format!("invalid value '{value}' for {what} in <{element}>"),
            },
            ConfError::Xml(XmlError::Syntax { line, message, .. }) => {
                format!("at line {line}: {message}")
            }
            ConfError::NoTarget(device) => device.clone(),
            other => other.to_string(),
        }
    }

    /// The error as a client sees it, raised by `domain` (the driver's error domain).
    pub fn to_vir(&self, domain: ErrorDomain) -> VirError {
        match self {
            ConfError::NoName => VirError::bare(ErrorNumber::NoName, domain),
            ConfError::NoTarget(d) if d.is_empty() => VirError::bare(ErrorNumber::NoTarget, domain),
            _ => VirError::new(self.code(), domain, self.detail()),
        }
    }

    /// Rewrites a syntax error of the document `text` the way libvirt reports a document
    /// libxml2 cannot parse: `(<name>):<line>: <message>` followed by the offending line and
    /// a `----^` pointer under the column. `name` is libvirt's pseudo file name:
    /// `network_definition`, `domain_definition`, `device_definition`. Other errors are
    /// returned unchanged.
    pub fn in_document(self, name: &str, text: &str) -> ConfError {
        let ConfError::Xml(XmlError::Syntax { line, col, message }) = &self else {
            return self;
        };
        if text.is_empty() {
            // libxml2 has no line to show and libvirt prints the NULL pointer as such.
            return ConfError::XmlDetail(format!("({name}):1: Document is empty\n(null)\n^"));
        }
        // The reader appends the position, which the `(name):line:` prefix already gives.
        let message = match message.rsplit_once(" at ") {
            Some((m, pos)) if pos.bytes().all(|b| b.is_ascii_digit() || b == b':') => m,
            _ => message.as_str(),
        };
        let Some(source) = text
            .split(['\n', '\r'])
            .nth((*line as usize).saturating_sub(1))
        else {
            return ConfError::XmlDetail(format!("({name}):{line}: {message}\n(null)\n^"));
        };
        if source.is_empty()
            && text.ends_with(['\n', '\r'])
            && text.lines().count() < *line as usize
        {
            // libxml2 has no text after the last line break to show.
            return ConfError::XmlDetail(format!("({name}):{line}: {message}\n(null)\n^"));
        }
        // libvirt copies tabs into the pointer line so the caret lines up under tabs.
        let pointer: String = source
            .chars()
            .take((*col as usize).saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { '-' })
            .collect();
        ConfError::XmlDetail(format!("({name}):{line}: {message}\n{source}\n{pointer}^"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_to_vir_xml_error_gets_prefix_and_code_27() {
        let e = ConfError::XmlError("Invalid address 'x' in network 'a'".into());

        let v = e.to_vir(ErrorDomain::Network);

        assert_eq!(
            (v.code.code(), v.message.as_str()),
            (27, "XML error: Invalid address 'x' in network 'a'")
        );
    }

    #[test]
    fn test_to_vir_no_name_is_bare_text() {
        let v = ConfError::NoName.to_vir(ErrorDomain::Network);

        assert_eq!(
            (v.code.code(), v.message.as_str(), v.str2),
            (21, "missing name information", None)
        );
    }

    #[test]
    fn test_to_vir_missing_attribute_worded_like_virxmlprop() {
        let e = ConfError::Xml(XmlError::Missing {
            line: 1,
            col: 1,
            element: "tag".into(),
            what: "attribute 'id'".into(),
        });

        let v = e.to_vir(ErrorDomain::Network);

        assert_eq!(
            (v.code.code(), v.message.as_str()),
            (
                27,
                "XML error: Missing required attribute 'id' in element 'tag'"
            )
        );
    }

    #[test]
    fn test_in_document_syntax_error_points_at_column() {
        let e = ConfError::Xml(XmlError::Syntax {
            line: 2,
            col: 3,
            message: "bad".into(),
        });

        let v = e
            .in_document("network_definition", "<network>\n\t<x</network>\n")
            .to_vir(ErrorDomain::Network);

        assert_eq!(
            (v.code.code(), v.message.as_str()),
            (35, "(network_definition):2: bad\n\t<x</network>\n\t-^")
        );
    }
}
