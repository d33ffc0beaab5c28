//! SASL mechanisms (RFC 4422), sans-IO.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
