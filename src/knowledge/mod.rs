//! Facts about well-known images and tools that rules need and the model cannot read from files.
pub mod images;
