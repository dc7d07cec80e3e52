//! libFuzzer entry point: one libvirt RPC packet (length word, header, payload).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxvirt_fuzz::packet_decode(data));
