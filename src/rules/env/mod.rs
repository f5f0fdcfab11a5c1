pub mod duplicate_key;
pub mod env_key_missing;
