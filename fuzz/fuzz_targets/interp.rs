//! Fuzz target `interp`: see `stackcheck_fuzz::fuzz_interp` (fuzz/src/lib.rs) for what is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stackcheck_fuzz::fuzz_interp(data));
