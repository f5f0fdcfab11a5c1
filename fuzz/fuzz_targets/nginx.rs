//! Fuzz target `nginx`: see `stackcheck_fuzz::fuzz_nginx` (fuzz/src/lib.rs) for what is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stackcheck_fuzz::fuzz_nginx(data));
