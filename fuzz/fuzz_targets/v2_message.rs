//! Fuzz target `v2_message`: see `courier_fuzz::v2_message` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::v2_message(data));
