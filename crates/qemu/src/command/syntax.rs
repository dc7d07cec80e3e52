//! The two argument syntaxes of a QEMU 7.2 command line, and the shell rendering libvirt
//! writes into the domain log.
//!
//! * JSON objects ([`Props`]) for `-object`, `-device`, `-blockdev`, `-netdev` and
//!   `-audiodev`. libvirt prints them compactly with its keys in insertion order, so
//!   [`Props`] keeps an ordered list instead of a map (a `serde_json::Map` sorts its keys
//!   unless the workspace-wide `preserve_order` feature is on).
//! * `key=value,…` strings for the other options. QEMU's option parser splits on commas, so
//!   a comma inside a value is written twice ([`escape_comma`]).
//! * [`shell_quote`]: libvirt's `virBufferEscapeShell`, used for the log line.

use serde_json::Value;

/// A JSON object whose members keep the order they were added in.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Props {
    members: Vec<(&'static str, Value)>,
}

impl Props {
    /// An empty object.
    pub(crate) fn new() -> Props {
        Props::default()
    }

    /// Adds a string member.
    pub(crate) fn str(mut self, key: &'static str, value: impl Into<String>) -> Props {
        self.members.push((key, Value::String(value.into())));
        self
    }

    /// Adds an unsigned integer member.
    pub(crate) fn uint(mut self, key: &'static str, value: u64) -> Props {
        self.members.push((key, Value::from(value)));
        self
    }

    /// Adds a boolean member.
    pub(crate) fn bool(mut self, key: &'static str, value: bool) -> Props {
        self.members.push((key, Value::Bool(value)));
        self
    }

    /// Adds a `null` member.
    pub(crate) fn null(mut self, key: &'static str) -> Props {
        self.members.push((key, Value::Null));
        self
    }

    /// Adds an unsigned integer member when there is a value (libvirt's `p:`/`k:`
    /// conversions skip absent values).
    pub(crate) fn opt_uint(self, key: &'static str, value: Option<u64>) -> Props {
        match value {
            Some(v) => self.uint(key, v),
            None => self,
        }
    }

    /// Adds a boolean member when there is a value (libvirt's `T:` tristate conversion).
    pub(crate) fn opt_bool(self, key: &'static str, value: Option<bool>) -> Props {
        match value {
            Some(v) => self.bool(key, v),
            None => self,
        }
    }

    /// The compact JSON text, members in insertion order.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // serde_json escapes like libvirt's JSON writer: quote, backslash and control
            // characters; '/' and non-ASCII text are left as they are.
            out.push_str(&Value::String((*k).to_owned()).to_string());
            out.push(':');
            out.push_str(&v.to_string());
        }
        out.push('}');
        out
    }
}

/// A value for a `key=value,…` option: every comma doubled, which QEMU's option parser reads
/// back as one literal comma (libvirt's `virQEMUBuildBufferEscapeComma`).
pub(crate) fn escape_comma(value: &str) -> String {
    value.replace(',', ",,")
}

/// Characters that make libvirt single-quote a word in a printed command line.
const SHELL_META: &[char] = &[
    '\r', '\t', '\n', ' ', '!', '"', '#', '$', '&', '\'', '(', ')', '*', ';', '<', '>', '?', '[',
    '\\', ']', '^', '`', '{', '|', '}', '~',
];

/// `word` as libvirt prints it in a command line: as is when it is not empty and has no
/// shell metacharacter, otherwise in single quotes with each `'` written as `'\''`.
pub(crate) fn shell_quote(word: &str) -> String {
    if !word.is_empty() && !word.contains(SHELL_META) {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            // Close the quote, add an escaped quote, reopen.
            out.push_str("'\\'");
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_props_members_keep_insertion_order() {
        let p = Props::new()
            .str("driver", "virtio-blk-pci")
            .str("bus", "pci.0")
            .uint("bootindex", 1)
            .bool("auto-read-only", true)
            .null("backing");

        assert_eq!(
            p.to_json(),
            r#"{"driver":"virtio-blk-pci","bus":"pci.0","bootindex":1,"auto-read-only":true,"backing":null}"#
        );
    }

    #[test]
    fn test_props_path_with_quote_and_comma_is_json_escaped_only() {
        let p = Props::new().str("filename", "/images/a \"b\",c\\d.img");

        let text = p.to_json();

        assert_eq!(text, r#"{"filename":"/images/a \"b\",c\\d.img"}"#);
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back["filename"], "/images/a \"b\",c\\d.img");
    }

    #[test]
    fn test_props_control_characters_are_escaped_in_lower_case_hex() {
        let p = Props::new().str("s", "a\nb\u{1}");

        assert_eq!(p.to_json(), r#"{"s":"a\nb\u0001"}"#);
    }

    #[test]
    fn test_escape_comma_value_with_commas_doubles_them() {
        assert_eq!(escape_comma("/tmp/a,b,,c"), "/tmp/a,,b,,,,c");
        assert_eq!(escape_comma("plain"), "plain");
    }

    #[test]
    fn test_shell_quote_plain_word_is_unquoted() {
        assert_eq!(
            shell_quote("guest=qd-full,debug-threads=on"),
            "guest=qd-full,debug-threads=on"
        );
    }

    #[test]
    fn test_shell_quote_json_and_quotes_are_single_quoted() {
        assert_eq!(shell_quote(r#"{"a":1}"#), r#"'{"a":1}'"#);
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
