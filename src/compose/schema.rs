//! STUB (being written): compose schema check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    pub span: crate::source::Span,
    pub path: String,
    pub message: String,
}
pub fn check_document(_doc: &crate::yaml::Node, _out: &mut Vec<SchemaError>) {}
