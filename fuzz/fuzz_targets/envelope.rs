//! Fuzz target `envelope`: see `courier_fuzz::envelope` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::envelope(data));
