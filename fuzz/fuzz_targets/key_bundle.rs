//! Fuzz target `key_bundle`: see `courier_fuzz::key_bundle` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::key_bundle(data));
