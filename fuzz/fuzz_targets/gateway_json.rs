//! Fuzz target `gateway_json`: see `courier_fuzz::gateway_json` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::gateway_json(data));
