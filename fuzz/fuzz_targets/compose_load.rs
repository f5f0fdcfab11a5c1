//! Fuzz target `compose_load`: see `stackcheck_fuzz::fuzz_compose_load` (fuzz/src/lib.rs).
//!
//! Input: `compose.yaml` bytes, optionally followed by a NUL byte and the `.env` bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // The rules run on rayon: one worker keeps the fuzzer to one core (the machine is shared) and
        // the runs deterministic. A panic in a worker still aborts the process, so libFuzzer sees it.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    },
    |data: &[u8]| stackcheck_fuzz::fuzz_compose_load(data)
);
