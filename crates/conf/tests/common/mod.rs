//! Shared by the `*_errors` tests: a refusal as a client sees it and the `rejects!` macro
//! that turns each expectation recorded from libvirt into one test.

use oxvirt_conf::ConfError;
use oxvirt_error::ErrorDomain;

/// `(code, message)` of a parse that must fail, as a client of `domain`'s driver sees it.
pub fn refusal_of<T: std::fmt::Debug>(
    parsed: Result<T, ConfError>,
    domain: ErrorDomain,
) -> (i32, String) {
    let e = parsed.expect_err("libvirt refuses this document");
    let v = e.to_vir(domain);
    (v.code.code(), v.message)
}

/// One test per refused document: `rejects!(name, xml, code, message)`. The including file
/// provides `fn refusal(xml: &str) -> (i32, String)` for its kind of document.
macro_rules! rejects {
    ($name:ident, $xml:expr, $code:expr, $msg:expr) => {
        #[test]
        fn $name() {
            let got = refusal($xml);

            assert_eq!(got, ($code, $msg.to_owned()));
        }
    };
}

pub(crate) use rejects;
