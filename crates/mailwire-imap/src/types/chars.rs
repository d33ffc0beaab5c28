//! Character classes of RFC 3501 §9 / RFC 9051 §9, as lookup tables.

macro_rules! table {
    ($f:ident) => {{
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = $f(i as u8);
            i += 1;
        }
        t
    }};
}

/// `ATOM-CHAR = <any CHAR except atom-specials>`;
/// `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards /
/// quoted-specials / resp-specials`.
const fn atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

const fn astring_char(b: u8) -> bool {
    atom_char(b) || b == b']'
}

const fn tag_char(b: u8) -> bool {
    astring_char(b) && b != b'+'
}

const fn list_char(b: u8) -> bool {
    atom_char(b) || matches!(b, b'%' | b'*' | b']')
}

/// Bytes allowed unescaped or escaped inside a quoted string: anything but
/// NUL, CR and LF (8-bit bytes carry UTF-8, RFC 9051 §9 `QUOTED-CHAR`).
const fn quoted_char(b: u8) -> bool {
    !matches!(b, 0 | b'\r' | b'\n')
}

const fn text_char(b: u8) -> bool {
    !matches!(b, 0 | b'\r' | b'\n')
}

static ATOM: [bool; 256] = table!(atom_char);
static ASTRING: [bool; 256] = table!(astring_char);
static TAG: [bool; 256] = table!(tag_char);
static LIST: [bool; 256] = table!(list_char);
static QUOTED: [bool; 256] = table!(quoted_char);
static TEXT: [bool; 256] = table!(text_char);

/// `ATOM-CHAR`.
#[inline]
pub fn is_atom_char(b: u8) -> bool {
    ATOM[b as usize]
}

/// `ASTRING-CHAR = ATOM-CHAR / resp-specials`.
#[inline]
pub fn is_astring_char(b: u8) -> bool {
    ASTRING[b as usize]
}

/// `tag = 1*<any ASTRING-CHAR except "+">`.
#[inline]
pub fn is_tag_char(b: u8) -> bool {
    TAG[b as usize]
}

/// `list-char = ATOM-CHAR / list-wildcards / resp-specials`.
#[inline]
pub fn is_list_char(b: u8) -> bool {
    LIST[b as usize]
}

/// A byte that may stand in a quoted string (escaped if `"` or `\`).
#[inline]
pub fn is_quoted_char(b: u8) -> bool {
    QUOTED[b as usize]
}

/// `TEXT-CHAR = <any CHAR except CR and LF>` (8-bit allowed for UTF-8).
#[inline]
pub fn is_text_char(b: u8) -> bool {
    TEXT[b as usize]
}
