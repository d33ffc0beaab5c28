//! Fuzz checks for mailwire-smtp.

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[];
