//! Fuzz target `invitation`: see `courier_fuzz::invitation` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::invitation(data));
