//! Fuzz target `traefik_toml`: see `stackcheck_fuzz::fuzz_traefik_toml` (fuzz/src/lib.rs) for what is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stackcheck_fuzz::fuzz_traefik_toml(data));
