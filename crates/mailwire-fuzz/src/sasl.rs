//! Fuzz checks for mailwire-sasl.

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[];
