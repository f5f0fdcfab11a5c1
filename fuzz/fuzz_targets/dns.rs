//! Fuzz target `dns`: see `stackcheck_fuzz::fuzz_dns` (fuzz/src/lib.rs) for what is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stackcheck_fuzz::fuzz_dns(data));
