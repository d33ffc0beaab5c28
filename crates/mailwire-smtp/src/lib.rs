//! SMTP, ESMTP and LMTP, sans-IO.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
