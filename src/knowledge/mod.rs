//! Facts about the outside world the rules rely on (what well-known images ship), each with how it was
//! checked. Kept short on purpose: an image missing here is "unknown", never a guess.
pub mod healthchecks;
