//! libFuzzer entry point: one document for the domain and network XML parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxvirt_fuzz::xml_parse(data));
