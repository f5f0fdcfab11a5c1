//! Facts about the outside world the rules rely on (what well-known images ship, listen on, lack), each
//! with how it was checked. Kept short on purpose: an image missing here is "unknown", never a guess.
pub mod cdn;
pub mod healthchecks;
pub mod images;
pub mod listen;
