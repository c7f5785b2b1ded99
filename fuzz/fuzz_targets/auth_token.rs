//! Fuzz target `auth_token`: see `courier_fuzz::auth_token` (the same function the stable replay test runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| courier_fuzz::auth_token(data));
