//! What a rule file needs.
pub use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
pub use crate::model::{Service, Stack, StackModel};
pub use crate::rules::{FixAvailability, Rule, Sink};
pub use crate::source::Span;
