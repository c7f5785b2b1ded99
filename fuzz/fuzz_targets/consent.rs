//! Fuzz target `consent`: see `courier_fuzz::consent` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::consent(data));
