//! How strictly input is parsed, chosen at run time.

/// Longest command line in octets, CRLF included (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;
/// Longest reply line in octets, CRLF included (RFC 5321 §4.5.3.1.5).
pub const MAX_REPLY_LINE: usize = 512;

/// Leniency and limits of the parsers.
///
/// [`Policy::default`] (= [`Policy::strict`]) follows RFC 5321 to the
/// letter. [`Policy::server`] is what a receiving server should use: it
/// also accepts the deviations real clients commonly send and that cannot
/// change what a command means (the choice Postfix makes by default):
///
/// * a space between `MAIL FROM:` / `RCPT TO:` and the path
///   (`MAIL FROM: <a@b>`), sent by many clients;
/// * spaces and tabs at the end of a line, and several spaces between
///   parameters;
/// * a path without angle brackets (`MAIL FROM:a@b`), when the mailbox
///   holds no space, as `strict_rfc821_envelopes = no` does in Postfix.
///
/// Neither policy accepts a bare LF or CR (that is the framer's
/// [`LineEnding`](mailwire_core::LineEnding)), a NUL, or non-UTF-8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Accept spaces after `FROM:` and `TO:`.
    pub space_after_colon: bool,
    /// Accept trailing spaces/tabs and repeated spaces between arguments.
    pub extra_whitespace: bool,
    /// Accept a MAIL/RCPT path without `<` `>`.
    pub bare_path: bool,
    /// Longest command line, CRLF included (default 512, RFC 5321 §4.5.3.1.4).
    /// The line framer enforces it on the stream; the parser checks it too.
    pub max_command_line: usize,
    /// Longest reply line, CRLF included (default 512, RFC 5321 §4.5.3.1.5).
    pub max_reply_line: usize,
    /// Most lines in one (multi-line) reply, for [`ReplyAssembler`](crate::ReplyAssembler).
    pub max_reply_lines: usize,
    /// Most octets in one reply, all lines together.
    pub max_reply_size: usize,
}

impl Policy {
    /// RFC 5321 to the letter.
    pub const fn strict() -> Policy {
        Policy {
            space_after_colon: false,
            extra_whitespace: false,
            bare_path: false,
            max_command_line: MAX_COMMAND_LINE,
            max_reply_line: MAX_REPLY_LINE,
            max_reply_lines: 128,
            max_reply_size: 16 * 1024,
        }
    }

    /// Liberal where it is safe, for servers (see the type's docs).
    pub const fn server() -> Policy {
        Policy {
            space_after_colon: true,
            extra_whitespace: true,
            bare_path: true,
            ..Policy::strict()
        }
    }

    /// Strict about syntax, tolerant of whitespace: for clients reading
    /// replies from servers they do not control.
    pub const fn client() -> Policy {
        Policy {
            extra_whitespace: true,
            ..Policy::strict()
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::strict()
    }
}
