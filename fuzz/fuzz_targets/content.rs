//! Fuzz target `content`: see `courier_fuzz::content` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::content(data));
