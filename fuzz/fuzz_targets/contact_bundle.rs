//! Fuzz target `contact_bundle`: see `courier_fuzz::contact_bundle` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::contact_bundle(data));
