//! Bounds on what a peer can make a machine hold.

/// Every bound the client and server machines enforce, with safe
/// defaults. Memory per connection is bounded by these whatever the peer
/// sends; message bodies (RETR, TOP) stream through and are never held.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest command line a server accepts, CRLF included. RFC 2449 §4
    /// caps commands at 255 octets; the default, 512, leaves room for
    /// clients that overrun it slightly with long user names.
    pub command_line: usize,
    /// Longest client line during an AUTH exchange, CRLF included. RFC
    /// 5034 §4 lets SASL responses be "of arbitrary length"; the default,
    /// 16 KiB, holds OAuth bearer tokens.
    pub sasl_line: usize,
    /// Longest server line a client accepts (status lines, listing lines,
    /// challenges), CRLF included. RFC 2449 §4 caps the first line of a
    /// response at 512 octets; the default, 8 KiB, tolerates long
    /// challenges and listings. Lines inside message bodies are not
    /// limited: bodies stream.
    pub response_line: usize,
    /// Bad commands (unknown, malformed, wrong state, over-long) a server
    /// answers before it closes the connection. Default 10.
    pub bad_commands: u32,
    /// Failed logins (USER/PASS, APOP, AUTH) a server answers before it
    /// closes the connection, to slow down password guessing. Default 5.
    pub failed_logins: u32,
    /// Capabilities a client keeps from one `CAPA` response; more is a
    /// fatal error. Default 256.
    pub capabilities: usize,
    /// Unparsed input a machine holds before [`receive`] refuses more
    /// (fatal). A pipelining peer may send many commands ahead; the
    /// machine parses them one at a time. Default 1 MiB.
    ///
    /// [`receive`]: mailwire_core::Machine::receive
    pub input_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            command_line: 512,
            sasl_line: 16 * 1024,
            response_line: 8 * 1024,
            bad_commands: 10,
            failed_logins: 5,
            capabilities: 256,
            input_buffer: 1024 * 1024,
        }
    }
}
