//! Addresses: domains, address literals, mailboxes and paths
//! (RFC 5321 §4.1.2 and §4.1.3, RFC 6531 §3.3 for UTF-8).

use std::fmt;

use super::InvalidInput;
use super::text::Str;

/// Longest domain name in octets (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN_LEN: usize = 255;
/// Longest local part in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_PART_LEN: usize = 64;
/// Longest path (mailbox with its angle brackets) in octets (RFC 5321 §4.5.3.1.3).
pub const MAX_PATH_LEN: usize = 256;

/// A domain name (RFC 5321 §4.1.2 `Domain = sub-domain *("." sub-domain)`),
/// or with U-labels under SMTPUTF8 (RFC 6531 §3.3).
///
/// Kept as sent; DNS names compare without regard to case, so use
/// [`Domain::eq_ignore_case`] to compare two domains.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Domain(pub(crate) Str);

impl Domain {
    /// Checks a domain of LDH labels (`example.com`). UTF-8 labels are
    /// accepted too; [`needs_smtputf8`](Self::needs_smtputf8) tells them.
    pub fn new(s: &str) -> Result<Domain, InvalidInput> {
        if is_domain(s.as_bytes(), true) {
            Ok(Domain(Str::copy(s)))
        } else {
            Err(InvalidInput::new("domain", s))
        }
    }

    /// Checks a domain that must be all ASCII (as EHLO and HELO need).
    pub fn new_ascii(s: &str) -> Result<Domain, InvalidInput> {
        if is_domain(s.as_bytes(), false) {
            Ok(Domain(Str::copy(s)))
        } else {
            Err(InvalidInput::new("ASCII domain", s))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether it has a UTF-8 label, which only SMTPUTF8 allows.
    pub fn needs_smtputf8(&self) -> bool {
        !self.0.as_bytes().is_ascii()
    }

    /// Whether both name the same domain, ignoring ASCII case.
    pub fn eq_ignore_case(&self, other: &Domain) -> bool {
        self.as_str().eq_ignore_ascii_case(other.as_str())
    }
}

/// Whether `s` is a domain: labels of letters, digits and inner hyphens,
/// at most 63 octets each and 255 in total; with `utf8`, non-ASCII UTF-8
/// counts as a letter.
///
/// One pass, eight bytes at a time, shared with the MAIL/RCPT fast path
/// (`parse::swar::domain_len`); EHLO and reply parsing call this for
/// every domain they read.
pub(crate) fn is_domain(s: &[u8], utf8: bool) -> bool {
    if s.is_empty() || s.len() > MAX_DOMAIN_LEN {
        return false;
    }
    if s.len() < 8 {
        return is_short_domain(s, utf8);
    }
    match crate::parse::swar::domain_len(s, utf8) {
        Some((end, ascii)) => end == s.len() && (ascii || std::str::from_utf8(s).is_ok()),
        None => false,
    }
}

/// [`is_domain`] for fewer than eight bytes, which a plain byte loop
/// reads faster than words assembled from them.
fn is_short_domain(s: &[u8], utf8: bool) -> bool {
    // The length of the current label, and whether the byte before is a
    // hyphen (a label may not end with one).
    let mut label = 0;
    let mut hyphen = false;
    let mut ascii = true;
    for &b in s {
        if b == b'.' {
            if label == 0 || hyphen {
                return false;
            }
            label = 0;
            continue;
        }
        if b == b'-' {
            if label == 0 {
                return false;
            }
            hyphen = true;
        } else if b.is_ascii_alphanumeric() {
            hyphen = false;
        } else if b >= 0x80 && utf8 {
            ascii = false;
            hyphen = false;
        } else {
            return false;
        }
        label += 1;
    }
    label > 0 && !hyphen && (ascii || std::str::from_utf8(s).is_ok())
}

/// What an address literal holds (RFC 5321 §4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    /// `IPv4-address-literal`, as `[192.0.2.1]`.
    Ipv4,
    /// `IPv6-address-literal`, as `[IPv6:2001:db8::1]`.
    Ipv6,
    /// `General-address-literal`, as `[tag:content]`.
    General,
}

/// An address literal (RFC 5321 §4.1.3): the text between the brackets of
/// `[192.0.2.1]`, `[IPv6:2001:db8::1]` or `[tag:content]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressLiteral(pub(crate) Str);

impl AddressLiteral {
    /// Checks the content of a literal, without its brackets.
    pub fn new(content: &str) -> Result<AddressLiteral, InvalidInput> {
        if literal_kind(content.as_bytes()).is_some() {
            Ok(AddressLiteral(Str::copy(content)))
        } else {
            Err(InvalidInput::new("address literal", content))
        }
    }

    /// The literal for an IP address.
    pub fn from_ip(ip: std::net::IpAddr) -> AddressLiteral {
        let s = match ip {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("IPv6:{v6}"),
        };
        AddressLiteral(Str::copy(&s))
    }

    /// The content between the brackets.
    pub fn content(&self) -> &str {
        self.0.as_str()
    }

    /// What kind of literal this is.
    pub fn kind(&self) -> LiteralKind {
        literal_kind(self.0.as_bytes()).unwrap_or(LiteralKind::General)
    }

    /// The IP address, for IPv4 and IPv6 literals.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        let s = self.content();
        match self.kind() {
            LiteralKind::Ipv4 => s.parse().ok(),
            LiteralKind::Ipv6 => s.get(5..)?.parse().ok().map(std::net::IpAddr::V6),
            LiteralKind::General => None,
        }
    }
}

/// The kind of the literal content `s`, or `None` if it is not one.
pub(crate) fn literal_kind(s: &[u8]) -> Option<LiteralKind> {
    if is_ipv4(s) {
        return Some(LiteralKind::Ipv4);
    }
    let colon = s.iter().position(|&b| b == b':')?;
    let (tag, rest) = (&s[..colon], &s[colon + 1..]);
    if tag.eq_ignore_ascii_case(b"IPv6") {
        let text = std::str::from_utf8(rest).ok()?;
        return text
            .parse::<std::net::Ipv6Addr>()
            .ok()
            .map(|_| LiteralKind::Ipv6);
    }
    // Standardized-tag = Ldh-str; dcontent = %d33-90 / %d94-126
    let ldh = matches!((tag.first(), tag.last()), (Some(f), Some(l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric())
        && tag.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-');
    let dcontent = !rest.is_empty() && rest.iter().all(|&b| matches!(b, 33..=90 | 94..=126));
    (ldh && dcontent).then_some(LiteralKind::General)
}

/// `IPv4-address-literal = Snum 3("." Snum)`, `Snum = 1*3DIGIT` at most 255.
fn is_ipv4(s: &[u8]) -> bool {
    let mut parts = 0;
    for part in s.split(|&b| b == b'.') {
        parts += 1;
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let v = part.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
        if v > 255 {
            return false;
        }
    }
    parts == 4
}

/// The host of an EHLO/LHLO argument or of a mailbox: a domain or an
/// address literal (RFC 5321 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    /// A domain name.
    Domain(Domain),
    /// An address literal.
    Literal(AddressLiteral),
}

impl Host {
    /// Whether the host needs SMTPUTF8.
    pub fn needs_smtputf8(&self) -> bool {
        matches!(self, Host::Domain(d) if d.needs_smtputf8())
    }
}

impl TryFrom<&str> for Host {
    type Error = InvalidInput;
    /// A domain, or an address literal in brackets.
    fn try_from(s: &str) -> Result<Host, InvalidInput> {
        match s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(inner) => AddressLiteral::new(inner).map(Host::Literal),
            None => Domain::new(s).map(Host::Domain),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d.as_str()),
            Host::Literal(l) => write!(f, "[{}]", l.content()),
        }
    }
}

/// A mailbox `Local-part "@" ( Domain / address-literal )` (RFC 5321 §4.1.2),
/// kept in its wire form: the local part as a dot-string or quoted-string.
///
/// UTF-8 local parts and domains are allowed (RFC 6531 §3.3);
/// [`needs_smtputf8`](Self::needs_smtputf8) tells whether this mailbox may
/// only be sent with SMTPUTF8.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox {
    /// The wire form; the `@` after the local part is found again when
    /// needed (see [`Mailbox::at`]) rather than stored, to keep the type
    /// (and so a parsed command) small.
    pub(crate) raw: Str,
}

impl Mailbox {
    /// Parses a mailbox in wire form (`user@example.com`,
    /// `"john doe"@[192.0.2.1]`).
    pub fn new(s: &str) -> Result<Mailbox, InvalidInput> {
        Mailbox::check(s.as_bytes())
            .map(|_| Mailbox { raw: Str::copy(s) })
            .ok_or_else(|| InvalidInput::new("mailbox", s))
    }

    /// Builds a mailbox from an unquoted local part and a host, quoting the
    /// local part when it is not a dot-string.
    pub fn from_parts(local: &str, host: &Host) -> Result<Mailbox, InvalidInput> {
        let bad = || InvalidInput::new("local part", local);
        let mut wire = String::with_capacity(local.len() + 32);
        if is_dot_string(local.as_bytes()) {
            wire.push_str(local);
        } else {
            wire.push('"');
            for c in local.chars() {
                match c {
                    '"' | '\\' => {
                        wire.push('\\');
                        wire.push(c);
                    }
                    c if (c as u32) < 0x20 || c == '\x7f' => return Err(bad()),
                    c => wire.push(c),
                }
            }
            wire.push('"');
        }
        wire.push('@');
        wire.push_str(&host.to_string());
        Mailbox::new(&wire).map_err(|_| bad())
    }

    /// Checks a wire-form mailbox and returns the index of its `@`.
    pub(crate) fn check(s: &[u8]) -> Option<usize> {
        if s.len() > MAX_PATH_LEN - 2 || (!s.is_ascii() && std::str::from_utf8(s).is_err()) {
            return None;
        }
        let at = local_part_len(s)?;
        if at > MAX_LOCAL_PART_LEN || s.get(at) != Some(&b'@') {
            return None;
        }
        is_host(&s[at + 1..]).then_some(at)
    }

    /// Index of the `@` between local part and host: the first `@` of a
    /// dot-string local part (which holds none), or the one after a
    /// quoted local part (which may hold `@`).
    fn at(&self) -> usize {
        let b = self.raw.as_bytes();
        if b.first() == Some(&b'"') {
            local_part_len(b).unwrap_or(0)
        } else {
            b.iter().position(|&c| c == b'@').unwrap_or(0)
        }
    }

    /// The local part in wire form (quoted if it was sent quoted).
    pub fn local_part(&self) -> &str {
        self.raw.as_str().get(..self.at()).unwrap_or("")
    }

    /// The local part with quoting removed (`"a\"b"` becomes `a"b`).
    pub fn local_part_unquoted(&self) -> std::borrow::Cow<'_, str> {
        let lp = self.local_part();
        match lp.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            None => std::borrow::Cow::Borrowed(lp),
            Some(inner) => {
                let mut out = String::with_capacity(inner.len());
                let mut escaped = false;
                for c in inner.chars() {
                    if !escaped && c == '\\' {
                        escaped = true;
                    } else {
                        out.push(c);
                        escaped = false;
                    }
                }
                std::borrow::Cow::Owned(out)
            }
        }
    }

    /// The host part as text (`example.com` or `[192.0.2.1]`).
    pub fn host_str(&self) -> &str {
        self.raw.as_str().get(self.at() + 1..).unwrap_or("")
    }

    /// The host part.
    pub fn host(&self) -> Host {
        let h = self.raw.slice(self.at() + 1..self.raw.as_bytes().len());
        let b = h.as_bytes();
        if b.first() == Some(&b'[') && b.len() >= 2 {
            Host::Literal(AddressLiteral(h.slice(1..b.len() - 1)))
        } else {
            Host::Domain(Domain(h))
        }
    }

    /// The whole mailbox in wire form.
    pub fn as_str(&self) -> &str {
        self.raw.as_str()
    }

    /// Whether this mailbox has UTF-8 and so may only be used with SMTPUTF8
    /// (RFC 6531 §3.3).
    pub fn needs_smtputf8(&self) -> bool {
        !self.raw.as_bytes().is_ascii()
    }
}

/// ASCII `atext` of RFC 5322 §3.2.3: letters, digits and
/// `` !#$%&'*+-/=?^_`{|}~ ``. The one list of these specials: every
/// `atext` test and table of the crate is built from it.
pub(crate) const fn is_ascii_atext(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

/// `atext` of RFC 5322 §3.2.3, and any non-ASCII byte (RFC 6531 §3.3).
#[inline]
pub(crate) fn is_atext(b: u8) -> bool {
    ATEXT[usize::from(b)]
}

/// [`is_atext`] as a table: it runs for every byte of every local part.
static ATEXT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c >= 0x80 || is_ascii_atext(c);
        b += 1;
    }
    t
};

/// `Dot-string = Atom *("." Atom)`.
pub(crate) fn is_dot_string(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(|&b| is_atext(b)))
}

/// Length of the local part at the start of `s` (`Dot-string` up to the
/// first `@`, or a complete `Quoted-string`), if it is one.
pub(crate) fn local_part_len(s: &[u8]) -> Option<usize> {
    if s.first() == Some(&b'"') {
        // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
        // qtextSMTP = %d32-33 / %d35-91 / %d93-126; quoted-pairSMTP = %d92 %d32-126
        let mut i = 1;
        while i < s.len() {
            match s[i] {
                b'"' => return Some(i + 1),
                b'\\' => {
                    if !matches!(s.get(i + 1), Some(&(32..=126))) {
                        return None;
                    }
                    i += 2;
                }
                32..=126 | 0x80.. => i += 1,
                _ => return None,
            }
        }
        None
    } else {
        // Dot-string up to the first '@', in one pass: atoms of atext
        // separated by single dots, neither first nor last a dot.
        let mut after_dot = true;
        for (i, &b) in s.iter().enumerate() {
            if b == b'@' {
                return (!after_dot).then_some(i);
            }
            if b == b'.' {
                if after_dot {
                    return None;
                }
                after_dot = true;
            } else if is_atext(b) {
                after_dot = false;
            } else {
                return None;
            }
        }
        (!after_dot).then_some(s.len())
    }
}

/// Whether `s` is a mailbox host: a domain, or an address literal in brackets.
pub(crate) fn is_host(s: &[u8]) -> bool {
    match s {
        [b'[', inner @ .., b']'] => literal_kind(inner).is_some(),
        _ => is_domain(s, true),
    }
}

impl TryFrom<&str> for Mailbox {
    type Error = InvalidInput;
    fn try_from(s: &str) -> Result<Mailbox, InvalidInput> {
        Mailbox::new(s)
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({:?})", self.as_str())
    }
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Domain({:?})", self.as_str())
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AddressLiteral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AddressLiteral({:?})", self.content())
    }
}

impl TryFrom<&str> for Domain {
    type Error = InvalidInput;
    fn try_from(s: &str) -> Result<Domain, InvalidInput> {
        Domain::new(s)
    }
}

/// The reverse-path of MAIL FROM (RFC 5321 §4.1.2 `Reverse-path = Path / "<>"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath {
    /// The null reverse-path `<>` of bounces (RFC 5321 §4.5.5).
    Null,
    /// A mailbox (any source route was dropped, RFC 5321 §4.1.1.3).
    Mailbox(Mailbox),
}

impl ReversePath {
    /// The mailbox, unless this is the null path.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ReversePath::Null => None,
            ReversePath::Mailbox(m) => Some(m),
        }
    }
}

/// The forward-path of RCPT TO (RFC 5321 §4.1.2
/// `( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardPath {
    /// The bare `<Postmaster>` (any case), which every server must accept
    /// (RFC 5321 §4.5.1).
    Postmaster,
    /// A mailbox, `<Postmaster@domain>` included (any source route was dropped).
    Mailbox(Mailbox),
}

impl ForwardPath {
    /// The mailbox, unless this is the bare postmaster.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ForwardPath::Postmaster => None,
            ForwardPath::Mailbox(m) => Some(m),
        }
    }
}

impl From<Mailbox> for ReversePath {
    fn from(m: Mailbox) -> Self {
        ReversePath::Mailbox(m)
    }
}

impl From<Mailbox> for ForwardPath {
    fn from(m: Mailbox) -> Self {
        ForwardPath::Mailbox(m)
    }
}
