//! Fuzz target `v1_message`: see `courier_fuzz::v1_message` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::v1_message(data));
