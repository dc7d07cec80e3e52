use std::fmt::Write as _;

/// Bytes [`escape_into`] must replace or drop: the five XML specials and control
/// characters other than tab, newline and carriage return.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[b'\'' as usize] = true;
    t[b'"' as usize] = true;
    t
};

/// Appends `s` to `out` escaped as libvirt escapes both attribute values and text:
/// the five XML specials become entities, other control characters below 0x20 except
/// tab, newline and carriage return are dropped.
pub fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Almost every value needs no escaping: one table lookup per byte, then one copy.
    let Some(first) = bytes.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]) else {
        out.push_str(s);
        return;
    };
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        if !NEEDS_ESCAPE[usize::from(b)] {
            continue;
        }
        let rep = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'\'' => "&apos;",
            b'"' => "&quot;",
            _ => "",
        };
        // Every byte in the table is ASCII, so `i` is a char boundary.
        out.push_str(&s[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

#[derive(Debug)]
struct Open {
    /// End of this element's name in [`XmlWriter::names`].
    name_end: usize,
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
    /// The names of the open elements, concatenated (one allocation for all of them).
    names: String,
    base_indent: usize,
}

impl XmlWriter {
    /// An empty writer at indentation level 0.
    pub fn new() -> Self {
        // Room for a typical domain, so the buffer rarely grows.
        Self {
            buf: String::with_capacity(4096),
            ..Self::default()
        }
    }

    /// An empty writer with room for `capacity` bytes of output (formatters that know their
    /// size roughly avoid regrowing and copying the buffer).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: String::with_capacity(capacity),
            ..Self::default()
        }
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
        const SPACES: &str = "                                                                ";
        let mut n = (self.base_indent + self.stack.len()) * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.buf.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    fn name_start(&self, depth: usize) -> usize {
        match depth {
            0 => 0,
            d => self.stack[d - 1].name_end,
        }
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
        self.names.push_str(name);
        self.stack.push(Open {
            name_end: self.names.len(),
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
        assert!(top.pending, "attr after content");
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
        self.attr_fmt(key, format_args!("{value}"))
    }

    /// Adds an attribute formatted from `args` straight into the output (no temporary
    /// string), escaped like [`XmlWriter::attr`].
    ///
    /// # Panics
    /// When the start tag is already closed: that is a bug in the formatter calling it.
    pub fn attr_fmt(&mut self, key: &str, args: std::fmt::Arguments<'_>) -> &mut Self {
        let top = self.stack.last().expect("attr outside an element");
        assert!(top.pending, "attr after content");
        self.buf.push(' ');
        self.buf.push_str(key);
        self.buf.push_str("='");
        let start = self.buf.len();
        let _ = self.buf.write_fmt(args);
        // Numbers never need escaping; anything else is escaped after the fact.
        if self.buf[start..]
            .bytes()
            .any(|b| NEEDS_ESCAPE[usize::from(b)])
        {
            let raw = self.buf.split_off(start);
            escape_into(&mut self.buf, &raw);
        }
        self.buf.push('\'');
        self
    }

    /// Adds ` key='0x…'`: `value` in lower-case hex, zero-padded to `width` digits
    /// (libvirt's `0x%0Nx`), without going through `core::fmt`.
    ///
    /// # Panics
    /// When the start tag is already closed: that is a bug in the formatter calling it.
    pub fn attr_hex(&mut self, key: &str, value: u64, width: usize) -> &mut Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let top = self.stack.last().expect("attr outside an element");
        assert!(top.pending, "attr after content");
        let mut digits = [0u8; 16];
        let mut n = 0;
        let mut v = value;
        loop {
            digits[n] = HEX[(v & 0xf) as usize];
            n += 1;
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        self.buf.push(' ');
        self.buf.push_str(key);
        self.buf.push_str("='0x");
        for _ in n..width {
            self.buf.push('0');
        }
        for d in digits[..n].iter().rev() {
            self.buf.push(char::from(*d));
        }
        self.buf.push('\'');
        self
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
        let start = self.name_start(self.stack.len());
        if top.pending {
            self.buf.push_str("/>\n");
        } else {
            if !top.inline {
                self.indent();
            }
            self.buf.push_str("</");
            self.buf.push_str(&self.names[start..top.name_end]);
            self.buf.push_str(">\n");
        }
        self.names.truncate(start);
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
            &self.names[..self.stack[0].name_end]
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
    fn test_attr_hex_pads_to_width() {
        let mut w = XmlWriter::new();
        w.start("a")
            .attr_hex("slot", 0x1f, 2)
            .attr_hex("fn", 0, 1)
            .attr_hex("reg", 0x2000, 8)
            .end();
        assert_eq!(w.finish(), "<a slot='0x1f' fn='0x0' reg='0x00002000'/>\n");
    }

    #[test]
    fn test_with_indent_formats_fragment_at_depth() {
        let mut w = XmlWriter::with_indent(2);
        w.start("mac").attr("address", "aa:bb:cc:dd:ee:ff").end();
        assert_eq!(w.finish(), "    <mac address='aa:bb:cc:dd:ee:ff'/>\n");
    }
}
