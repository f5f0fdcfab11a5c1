//! Fuzz target `traefik_rule`: see `stackcheck_fuzz::fuzz_traefik_rule` (fuzz/src/lib.rs) for what is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stackcheck_fuzz::fuzz_traefik_rule(data));
