//! Step 1: text → tokens. Comments (`/* … */`, `// …`) and `%` passthrough lines (C code
//! for rpcgen's output) are dropped here, so the parser only sees the XDR language.

use crate::GenError;

/// One token of the XDR language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// An identifier or keyword (`struct`, `remote_uuid`, …).
    Ident(String),
    /// An integer literal, with the text it was written as (`0x20008086`).
    Number(i64, String),
    /// One of `{ } ( ) [ ] < > ; , = * : -`.
    Punct(char),
}

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What was read.
    pub tok: Tok,
    /// Line number, for error messages.
    pub line: usize,
}

/// Splits `src` into tokens. `file` only labels errors.
pub fn lex(file: &str, src: &str) -> Result<Vec<Token>, GenError> {
    let err = |line: usize, message: String| GenError::Syntax {
        file: file.to_owned(),
        line,
        message,
    };
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = true;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            line += 1;
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if line_start && c == b'%' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        line_start = false;
        if bytes[i..].starts_with(b"/*") {
            let start_line = line;
            i += 2;
            loop {
                if i + 1 >= bytes.len() {
                    return Err(err(start_line, "unterminated comment".into()));
                }
                if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                    i += 2;
                    break;
                }
                if bytes[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            continue;
        }
        if bytes[i..].starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(src[start..i].to_owned()),
                line,
            });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let text = &src[start..i];
            let value =
                parse_number(text).ok_or_else(|| err(line, format!("bad number `{text}`")))?;
            out.push(Token {
                tok: Tok::Number(value, text.to_owned()),
                line,
            });
            continue;
        }
        if b"{}()[]<>;,=*:-".contains(&c) {
            out.push(Token {
                tok: Tok::Punct(char::from(c)),
                line,
            });
            i += 1;
            continue;
        }
        return Err(err(
            line,
            format!("unexpected character `{}`", char::from(c)),
        ));
    }
    Ok(out)
}

/// Decimal, `0x` hexadecimal or leading-zero octal, as C reads them.
fn parse_number(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()
    } else if text.len() > 1 && text.starts_with('0') {
        i64::from_str_radix(&text[1..], 8).ok()
    } else {
        text.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex("t.x", src)
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn test_lex_numbers_hex_octal_decimal_values() {
        assert_eq!(
            toks("0x10 010 10"),
            vec![
                Tok::Number(16, "0x10".into()),
                Tok::Number(8, "010".into()),
                Tok::Number(10, "10".into())
            ]
        );
    }

    #[test]
    fn test_lex_comment_and_passthrough_dropped_lines_counted() {
        let t = lex("t.x", "%#include <x.h>\n/* a\n b */ // c\nfoo").unwrap();
        assert_eq!(
            t,
            vec![Token {
                tok: Tok::Ident("foo".into()),
                line: 4
            }]
        );
    }

    #[test]
    fn test_lex_unterminated_comment_fails() {
        assert!(lex("t.x", "/* never closed").is_err());
    }
}
