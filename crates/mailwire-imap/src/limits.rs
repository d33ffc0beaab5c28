//! Bounds on what a peer can make us buffer or parse.

/// Bounds of the framer and the parsers. Every buffer is bounded by one of
/// these, so the memory one connection can hold is bounded whatever the peer
/// sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line segment (text between the start of a message or the end
    /// of a literal and the next CRLF), CRLF included.
    pub line_length: usize,
    /// Largest literal accepted.
    pub literal_size: u64,
    /// Largest literal accepted in non-synchronizing form (`{n+}`). RFC 7888
    /// §4 (LITERAL-) fixes this at 4096 for servers that advertise LITERAL-;
    /// `None` means the same bound as [`literal_size`](Self::literal_size).
    pub non_sync_literal_size: Option<u64>,
    /// Largest complete message held in memory (lines plus literal data that
    /// is not streamed).
    pub message_size: u64,
    /// Most literals in one message.
    pub literals_per_message: u32,
    /// Literals at least this large are handed out in chunks as their data
    /// arrives instead of being buffered whole (`None`: never stream).
    pub stream_literals_from: Option<u64>,
    /// Deepest nesting of parenthesized lists the parsers follow
    /// (BODYSTRUCTURE, search keys, body extensions).
    pub nesting_depth: u32,
}

impl Limits {
    /// Defaults for a server reading commands: 64 KiB lines, 64 MiB
    /// literals and messages, 1000 literals, nesting depth 64.
    pub const SERVER: Limits = Limits {
        line_length: 64 * 1024,
        literal_size: 64 << 20,
        non_sync_literal_size: None,
        message_size: 65 << 20,
        literals_per_message: 1000,
        stream_literals_from: None,
        nesting_depth: 64,
    };

    /// Defaults for a client reading responses: servers send long lines
    /// (SEARCH results, FETCH items), so lines may be 16 MiB; 256 MiB
    /// literals and messages.
    pub const CLIENT: Limits = Limits {
        line_length: 16 << 20,
        literal_size: 256 << 20,
        non_sync_literal_size: None,
        message_size: 257 << 20,
        literals_per_message: 100_000,
        stream_literals_from: None,
        nesting_depth: 64,
    };
}

impl Default for Limits {
    /// [`Limits::SERVER`], the stricter of the two.
    fn default() -> Self {
        Limits::SERVER
    }
}
