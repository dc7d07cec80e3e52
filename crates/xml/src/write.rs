use std::fmt::Write as _;

/// Appends `s` to `out` escaped as libvirt escapes both attribute values and text:
/// the five XML specials become entities, other control characters below 0x20 except
/// tab, newline and carriage return are dropped.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
}

#[derive(Debug)]
struct Open {
    name: String,
    /// The start tag is still open (`<name attr='…'` without `>`): nothing written inside yet.
    pending: bool,
    /// Content was written inline (text), so the end tag follows without indentation.
    inline: bool,
}

/// A formatter that writes libvirt's XML layout. See the crate docs.
#[derive(Debug, Default)]
pub struct XmlWriter {
    buf: String,
    stack: Vec<Open>,
    base_indent: usize,
}

impl XmlWriter {
    /// An empty writer at indentation level 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer whose top-level elements start `levels` × 2 spaces in; used to
    /// format a fragment (a device) that will be embedded in a larger document.
    pub fn with_indent(levels: usize) -> Self {
        Self {
            base_indent: levels,
            ..Self::default()
        }
    }

    fn indent(&mut self) {
        let n = (self.base_indent + self.stack.len()) * 2;
        self.buf.extend(std::iter::repeat_n(' ', n));
    }

    /// Closes the parent's start tag (`>` + newline) before a child is written.
    fn close_pending(&mut self, inline: bool) {
        if let Some(top) = self.stack.last_mut()
            && top.pending
        {
            top.pending = false;
            self.buf.push('>');
            if inline {
                top.inline = true;
            } else {
                self.buf.push('\n');
            }
        }
    }

    /// Opens `<name`; attributes may follow until something is written inside.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.close_pending(false);
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        self.stack.push(Open {
            name: name.to_owned(),
            pending: true,
            inline: false,
        });
        self
    }

    /// Ends the start tag of the element just opened so that it is printed as
    /// `<name …>` + `</name>` even when nothing is written inside (libvirt prints
    /// `<devices>` this way).
    pub fn open_body(&mut self) -> &mut Self {
        self.close_pending(false);
        self
    }

    /// Adds ` key='value'` to the element just opened.
    ///
    /// # Panics
    /// When the start tag is already closed: that is a bug in the formatter calling it.
    pub fn attr(&mut self, key: &str, value: impl AsRef<str>) -> &mut Self {
        let top = self.stack.last().expect("attr outside an element");
        assert!(top.pending, "attr after content in <{}>", top.name);
        self.buf.push(' ');
        self.buf.push_str(key);
        self.buf.push_str("='");
        escape_into(&mut self.buf, value.as_ref());
        self.buf.push('\'');
        self
    }

    /// Adds the attribute only when there is a value.
    pub fn attr_opt<V: AsRef<str>>(&mut self, key: &str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.attr(key, v);
        }
        self
    }

    /// Adds an attribute formatted with `Display` (numbers).
    pub fn attr_display(&mut self, key: &str, value: impl std::fmt::Display) -> &mut Self {
        let mut s = String::new();
        let _ = write!(s, "{value}");
        self.attr(key, s)
    }

    /// Writes escaped text directly inside the open element: `<name …>text</name>`.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.close_pending(true);
        if let Some(top) = self.stack.last_mut() {
            top.inline = true;
        }
        escape_into(&mut self.buf, text);
        self
    }

    /// Closes the innermost element: `/>` if nothing was written inside, else `</name>`.
    ///
    /// # Panics
    /// When no element is open.
    pub fn end(&mut self) -> &mut Self {
        let top = self.stack.pop().expect("end without start");
        if top.pending {
            self.buf.push_str("/>\n");
        } else {
            if !top.inline {
                self.indent();
            }
            self.buf.push_str("</");
            self.buf.push_str(&top.name);
            self.buf.push_str(">\n");
        }
        self
    }

    /// `<name>text</name>` on one line.
    pub fn text_element(&mut self, name: &str, text: &str) -> &mut Self {
        self.start(name).text(text).end()
    }

    /// `<name>text</name>` when there is a text.
    pub fn text_element_opt<V: AsRef<str>>(&mut self, name: &str, text: Option<V>) -> &mut Self {
        if let Some(t) = text {
            self.text_element(name, t.as_ref());
        }
        self
    }

    /// Inserts already formatted lines (each ending in `\n`) at the current depth,
    /// re-indenting each non-empty line by the current level.
    pub fn raw_lines(&mut self, formatted: &str) -> &mut Self {
        self.close_pending(false);
        for line in formatted.lines() {
            if !line.is_empty() {
                self.indent();
            }
            self.buf.push_str(line);
            self.buf.push('\n');
        }
        self
    }

    /// Current nesting depth (for formatters that embed fragments).
    pub fn depth(&self) -> usize {
        self.base_indent + self.stack.len()
    }

    /// The formatted text.
    ///
    /// # Panics
    /// When elements are left open: a formatter bug.
    pub fn finish(self) -> String {
        assert!(
            self.stack.is_empty(),
            "unclosed element <{}>",
            self.stack[0].name
        );
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_writer_nested_elements_use_libvirt_layout() {
        let mut w = XmlWriter::new();
        w.start("domain").attr("type", "test");
        w.text_element("name", "test");
        w.start("os");
        w.start("type").attr("arch", "i686").text("hvm").end();
        w.start("boot").attr("dev", "hd").end();
        w.end();
        w.start("devices").end();
        w.end();
        assert_eq!(
            w.finish(),
            "<domain type='test'>\n  <name>test</name>\n  <os>\n    <type arch='i686'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n  <devices/>\n</domain>\n"
        );
    }

    #[test]
    fn test_escape_replaces_specials_and_drops_control_chars() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&'\"\u{1}\tz");
        assert_eq!(s, "a&lt;b&gt;&amp;&apos;&quot;\tz");
    }

    #[test]
    fn test_with_indent_formats_fragment_at_depth() {
        let mut w = XmlWriter::with_indent(2);
        w.start("mac").attr("address", "aa:bb:cc:dd:ee:ff").end();
        assert_eq!(w.finish(), "    <mac address='aa:bb:cc:dd:ee:ff'/>\n");
    }
}
