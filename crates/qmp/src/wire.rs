//! The QMP wire format, with no I/O: cutting lines out of received bytes, parsing one line
//! into a [`Message`], and encoding one command.
//!
//! QEMU writes one JSON object per `\r\n`-terminated line; we write one command per line the
//! same way. Everything here is a pure function of its input so that it can be unit-tested
//! and fuzzed: [`parse_message`] returns an error, never panics, whatever the bytes.
//!
//! Parsing is lenient about what QEMU may add over time (unknown members are ignored) and
//! strict only about the members a message kind cannot do without.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The longest line accepted from QEMU by default (64 MiB).
///
/// The biggest replies the driver asks for (`query-named-block-nodes`, `qom-list-types`,
/// `query-cpu-model-expansion`) stay well under a few MiB; a line that grows past this is
/// a QEMU gone wrong, and buffering it further would only exhaust the daemon's memory.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// Why bytes from QEMU are not acceptable QMP.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The line is not JSON.
    #[error("Invalid JSON in monitor message")]
    Json(#[source] serde_json::Error),
    /// The line is JSON but not an object.
    #[error("Monitor message is not a JSON object")]
    NotObject,
    /// The object is neither a greeting, a reply nor an event.
    #[error("Monitor message is neither a greeting, a reply nor an event")]
    UnknownKind,
    /// A message kind lacks a member it cannot do without.
    #[error("Malformed {what}")]
    Malformed {
        /// The message kind: `greeting`, `error reply` or `event`.
        what: &'static str,
    },
    /// A line grew past the bound before its end arrived.
    #[error("Monitor line longer than {max} bytes")]
    LineTooLong {
        /// The bound in force.
        max: usize,
    },
    /// The first message of a connection was not the greeting.
    #[error("Monitor did not start with the QMP greeting")]
    NoGreeting,
}

/// QEMU's version triple, as in the greeting and `query-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QemuVersion {
    /// Major version (7 for 7.2.0).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Micro version.
    pub micro: u32,
}

/// The `{"QMP": …}` object QEMU sends first on every monitor connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// QEMU's version.
    pub version: QemuVersion,
    /// The distribution's package string (`Debian 1:7.2+dfsg-7`), possibly empty.
    pub package: String,
    /// Capabilities the monitor offers for negotiation (`oob`); never enabled by us.
    pub capabilities: Vec<String>,
}

/// An asynchronous event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event name (`SHUTDOWN`, `RESUME`, `DEVICE_DELETED`, …).
    pub name: String,
    /// The `data` member, or [`Value::Null`] for events without one (`STOP`, `POWERDOWN`).
    pub data: Value,
    /// `(seconds, microseconds)` since the epoch, when QEMU sent a well-formed timestamp.
    pub timestamp: Option<(i64, i64)>,
}

/// One message from QEMU.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The connection's greeting.
    Greeting(Greeting),
    /// A successful reply.
    Return {
        /// The command's `id` as sent back; absent only when QEMU could not read it.
        id: Option<Value>,
        /// The `return` member.
        value: Value,
    },
    /// A failed command.
    Error {
        /// The command's `id` as sent back; absent when QEMU could not parse the command.
        id: Option<Value>,
        /// QEMU's error class (`GenericError`, `CommandNotFound`, `DeviceNotFound`, …).
        class: String,
        /// QEMU's human-readable description.
        desc: String,
    },
    /// An asynchronous event.
    Event(Event),
}

/// Parses one line (with or without its `\r\n`) into a message.
///
/// Never panics: serde_json bounds nesting depth, and every member is looked at through
/// checked accessors.
pub fn parse_message(line: &[u8]) -> Result<Message, WireError> {
    let value: Value = serde_json::from_slice(line).map_err(WireError::Json)?;
    let Value::Object(mut obj) = value else {
        return Err(WireError::NotObject);
    };
    if let Some(qmp) = obj.get("QMP") {
        return parse_greeting(qmp).map(Message::Greeting);
    }
    if obj.contains_key("event") {
        return parse_event(obj).map(Message::Event);
    }
    let id = obj.remove("id");
    if let Some(value) = obj.remove("return") {
        return Ok(Message::Return { id, value });
    }
    if let Some(err) = obj.get("error") {
        let malformed = WireError::Malformed {
            what: "error reply",
        };
        let class = err.get("class").and_then(Value::as_str).ok_or(malformed)?;
        // A missing description still leaves a usable error; QEMU always sends one.
        let desc = err.get("desc").and_then(Value::as_str).unwrap_or_default();
        return Ok(Message::Error {
            id,
            class: class.to_owned(),
            desc: desc.to_owned(),
        });
    }
    Err(WireError::UnknownKind)
}

fn parse_greeting(qmp: &Value) -> Result<Greeting, WireError> {
    let malformed = || WireError::Malformed { what: "greeting" };
    let version = qmp.get("version").ok_or_else(malformed)?;
    let qemu = version.get("qemu").ok_or_else(malformed)?;
    let num = |name: &str| {
        qemu.get(name)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(malformed)
    };
    let version_triple = QemuVersion {
        major: num("major")?,
        minor: num("minor")?,
        micro: num("micro")?,
    };
    let package = version
        .get("package")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let capabilities = qmp
        .get("capabilities")
        .and_then(Value::as_array)
        .map(|caps| {
            caps.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Greeting {
        version: version_triple,
        package,
        capabilities,
    })
}

fn parse_event(mut obj: Map<String, Value>) -> Result<Event, WireError> {
    let Some(Value::String(name)) = obj.remove("event") else {
        return Err(WireError::Malformed { what: "event" });
    };
    let data = obj.remove("data").unwrap_or(Value::Null);
    let timestamp = obj.get("timestamp").and_then(|ts| {
        Some((
            ts.get("seconds")?.as_i64()?,
            ts.get("microseconds")?.as_i64()?,
        ))
    });
    Ok(Event {
        name,
        data,
        timestamp,
    })
}

/// Encodes one command as QEMU expects it: `{"execute":…,"arguments":…,"id":…}\r\n`.
///
/// Members are written in libvirt's order so that transcripts compare line by line.
/// `arguments` of `None` or `Null` is left out (QEMU rejects a `null` arguments member).
pub fn encode_command(id: &str, execute: &str, arguments: Option<&Value>) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + execute.len() + id.len());
    out.extend_from_slice(b"{\"execute\":");
    push_json(&mut out, execute);
    if let Some(args) = arguments.filter(|a| !a.is_null()) {
        out.extend_from_slice(b",\"arguments\":");
        push_json(&mut out, args);
    }
    out.extend_from_slice(b",\"id\":");
    push_json(&mut out, id);
    out.extend_from_slice(b"}\r\n");
    out
}

fn push_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Strings and `Value`s (whose map keys are strings) always serialise, and writing to a
    // Vec cannot fail, so an error here would be a serde_json bug.
    serde_json::to_writer(out, v).expect("serialising a JSON value into memory cannot fail");
}

/// Cuts `\n`-terminated lines out of a byte stream, refusing lines over a bound.
///
/// Bytes are appended with [`LineBuffer::extend`] as they arrive; [`LineBuffer::next_line`]
/// then yields each complete line in turn. Each byte is scanned once however the stream
/// was split.
#[derive(Debug)]
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Start of the first line not yet returned.
    start: usize,
    /// How far past `start` is known to hold no `\n`.
    scanned: usize,
    max: usize,
}

impl LineBuffer {
    /// An empty buffer accepting lines of at most `max` bytes (terminator excluded).
    pub fn new(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            max,
        }
    }

    /// Appends received bytes.
    pub fn extend(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            // Drop the lines already handed out before growing, so the buffer holds at
            // most one partial line plus the new bytes.
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete line, without its `\n` (a `\r` before it stays, JSON parsing
    /// skips it), or `None` until more bytes arrive.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, WireError> {
        let from = self.scanned;
        match self.buf[from..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let (begin, end) = (self.start, from + i);
                self.start = end + 1;
                self.scanned = self.start;
                if end - begin > self.max {
                    return Err(WireError::LineTooLong { max: self.max });
                }
                Ok(Some(&self.buf[begin..end]))
            }
            None => {
                self.scanned = self.buf.len();
                if self.buf.len() - self.start > self.max {
                    return Err(WireError::LineTooLong { max: self.max });
                }
                Ok(None)
            }
        }
    }

    /// Bytes held that do not yet form a complete line.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Message {
        parse_message(s.as_bytes()).unwrap()
    }

    #[test]
    fn test_parse_message_greeting_gives_version_and_package() {
        let m = parse(
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \
             \"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}\r\n",
        );
        assert_eq!(
            m,
            Message::Greeting(Greeting {
                version: QemuVersion {
                    major: 7,
                    minor: 2,
                    micro: 0
                },
                package: "Debian 1:7.2+dfsg-7".into(),
                capabilities: vec!["oob".into()],
            })
        );
    }

    #[test]
    fn test_parse_message_greeting_without_version_is_malformed() {
        let err = parse_message(br#"{"QMP":{"capabilities":[]}}"#).unwrap_err();
        assert!(matches!(err, WireError::Malformed { what: "greeting" }));
        let err =
            parse_message(br#"{"QMP":{"version":{"qemu":{"major":-1,"minor":0,"micro":0}}}}"#)
                .unwrap_err();
        assert!(matches!(err, WireError::Malformed { .. }));
    }

    #[test]
    fn test_parse_message_return_with_id_keeps_id() {
        let m = parse(
            r#"{"return":{"status":"paused","singlestep":false,"running":false},"id":"libvirt-3"}"#,
        );
        assert_eq!(
            m,
            Message::Return {
                id: Some(json!("libvirt-3")),
                value: json!({"status":"paused","singlestep":false,"running":false}),
            }
        );
    }

    #[test]
    fn test_parse_message_return_without_id_has_none() {
        assert_eq!(
            parse(r#"{"return": {}}"#),
            Message::Return {
                id: None,
                value: json!({})
            }
        );
    }

    #[test]
    fn test_parse_message_error_gives_class_and_desc() {
        let m = parse(
            r#"{"id":"oxvirt-9","error":{"class":"CommandNotFound","desc":"The command nope has not been found"}}"#,
        );
        assert_eq!(
            m,
            Message::Error {
                id: Some(json!("oxvirt-9")),
                class: "CommandNotFound".into(),
                desc: "The command nope has not been found".into(),
            }
        );
    }

    #[test]
    fn test_parse_message_error_without_class_is_malformed() {
        let err = parse_message(br#"{"error":{"desc":"x"}}"#).unwrap_err();
        assert!(matches!(
            err,
            WireError::Malformed {
                what: "error reply"
            }
        ));
    }

    #[test]
    fn test_parse_message_event_with_data_and_timestamp() {
        let m = parse(
            r#"{"timestamp": {"seconds": 1795576473, "microseconds": 874123}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}}"#,
        );
        assert_eq!(
            m,
            Message::Event(Event {
                name: "SHUTDOWN".into(),
                data: json!({"guest": false, "reason": "host-signal"}),
                timestamp: Some((1795576473, 874123)),
            })
        );
    }

    #[test]
    fn test_parse_message_event_without_data_is_null() {
        let m = parse(r#"{"event":"STOP"}"#);
        assert_eq!(
            m,
            Message::Event(Event {
                name: "STOP".into(),
                data: Value::Null,
                timestamp: None
            })
        );
    }

    #[test]
    fn test_parse_message_event_name_not_string_is_malformed() {
        let err = parse_message(br#"{"event":5}"#).unwrap_err();
        assert!(matches!(err, WireError::Malformed { what: "event" }));
    }

    #[test]
    fn test_parse_message_unknown_fields_are_ignored() {
        let m = parse(r#"{"return":7,"id":"a","future":{"x":[1,2]},"extra":null}"#);
        assert_eq!(
            m,
            Message::Return {
                id: Some(json!("a")),
                value: json!(7)
            }
        );
        let m = parse(r#"{"event":"RESUME","new-member":true,"timestamp":{"seconds":"x"}}"#);
        assert!(
            matches!(m, Message::Event(Event { ref name, timestamp: None, .. }) if name == "RESUME")
        );
    }

    #[test]
    fn test_parse_message_garbage_is_json_error() {
        for bad in [
            &b"not json"[..],
            b"",
            b"\r\n",
            b"{\"return\":",
            b"{\"a\":1} trailing",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse_message(bad), Err(WireError::Json(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn test_parse_message_non_object_is_rejected() {
        for bad in ["[]", "1", "\"QMP\"", "null", "true"] {
            assert!(matches!(
                parse_message(bad.as_bytes()),
                Err(WireError::NotObject)
            ));
        }
    }

    #[test]
    fn test_parse_message_object_of_unknown_kind_is_rejected() {
        assert!(matches!(
            parse_message(br#"{"id":"x","something":1}"#),
            Err(WireError::UnknownKind)
        ));
    }

    #[test]
    fn test_parse_message_deep_nesting_returns_error() {
        let deep = format!(
            "{{\"return\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(parse_message(deep.as_bytes()).is_err());
    }

    #[test]
    fn test_encode_command_without_arguments_ends_with_crlf() {
        let out = encode_command("oxvirt-1", "qmp_capabilities", None);
        assert_eq!(
            out,
            b"{\"execute\":\"qmp_capabilities\",\"id\":\"oxvirt-1\"}\r\n"
        );
    }

    #[test]
    fn test_encode_command_with_arguments_round_trips() {
        let args = json!({"name": "net0", "up": false});
        let out = encode_command("oxvirt-7", "set_link", Some(&args));
        assert!(out.ends_with(b"}\r\n"));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            json!({"execute": "set_link", "arguments": args, "id": "oxvirt-7"})
        );
    }

    #[test]
    fn test_encode_command_null_arguments_are_left_out() {
        let out = encode_command("i", "stop", Some(&Value::Null));
        assert_eq!(out, b"{\"execute\":\"stop\",\"id\":\"i\"}\r\n");
    }

    #[test]
    fn test_encode_command_escapes_strings() {
        let args = json!({"fdname": "a\"b\nc"});
        let out = encode_command("x\n", "getfd", Some(&args));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["arguments"]["fdname"], "a\"b\nc");
        assert_eq!(v["id"], "x\n");
    }

    #[test]
    fn test_line_buffer_split_input_yields_whole_lines() {
        let mut lb = LineBuffer::new(1024);
        lb.extend(b"{\"a\":1}\r\n{\"b\"");
        assert_eq!(lb.next_line().unwrap(), Some(&b"{\"a\":1}\r"[..]));
        assert_eq!(lb.next_line().unwrap(), None);
        lb.extend(b":2}\r\n\r\n");
        assert_eq!(lb.next_line().unwrap(), Some(&b"{\"b\":2}\r"[..]));
        assert_eq!(lb.next_line().unwrap(), Some(&b"\r"[..]));
        assert_eq!(lb.next_line().unwrap(), None);
        assert_eq!(lb.pending(), 0);
    }

    #[test]
    fn test_line_buffer_partial_line_over_max_is_error() {
        let mut lb = LineBuffer::new(8);
        lb.extend(b"12345678");
        assert_eq!(lb.next_line().unwrap(), None);
        lb.extend(b"9");
        assert!(matches!(
            lb.next_line(),
            Err(WireError::LineTooLong { max: 8 })
        ));
    }

    #[test]
    fn test_line_buffer_complete_line_over_max_is_error() {
        let mut lb = LineBuffer::new(4);
        lb.extend(b"1234\n12345\n");
        assert_eq!(lb.next_line().unwrap(), Some(&b"1234"[..]));
        assert!(matches!(lb.next_line(), Err(WireError::LineTooLong { .. })));
    }

    proptest::proptest! {
        #[test]
        fn test_parse_message_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = parse_message(&bytes);
        }

        #[test]
        fn test_parse_message_arbitrary_qmp_like_text_never_panics(s in r#"\{("(QMP|event|return|error|id|data|version|qemu|major|class|desc|timestamp|seconds)"|[:,\[\]{}0-9.eE+-]|null|true|"x"){0,40}\}?"#) {
            let _ = parse_message(s.as_bytes());
        }

        #[test]
        fn test_line_buffer_any_split_gives_same_lines(text in "[a-c\n]{0,64}", cut in 0usize..64) {
            let bytes = text.as_bytes();
            let cut = cut.min(bytes.len());
            let mut whole = LineBuffer::new(1024);
            whole.extend(bytes);
            let mut expect = Vec::new();
            while let Some(l) = whole.next_line().unwrap() { expect.push(l.to_vec()); }
            let mut split = LineBuffer::new(1024);
            let mut got = Vec::new();
            split.extend(&bytes[..cut]);
            while let Some(l) = split.next_line().unwrap() { got.push(l.to_vec()); }
            split.extend(&bytes[cut..]);
            while let Some(l) = split.next_line().unwrap() { got.push(l.to_vec()); }
            proptest::prop_assert_eq!(got, expect);
        }
    }
}
