//! Docker Compose: the format parsers, the schema check, interpolation, merging and the typed model.
pub mod convert;
pub mod format;
pub mod interpolate;
pub mod merge;
pub mod schema;
