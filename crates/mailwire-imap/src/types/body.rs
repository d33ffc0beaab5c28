//! Body structures (RFC 9051 §7.5.2 `body`), with extension data kept.

use super::core::{IString, NString};
use super::fetch::Envelope;
use super::list::List;

/// `body-fld-param`: attribute/value pairs (NIL: empty). One pair is held
/// without allocating.
pub type Params<'a> = List<(IString<'a>, IString<'a>)>;

/// `body = "(" (body-type-1part / body-type-mpart) ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStructure<'a> {
    /// A single part.
    Single {
        /// Type and fields.
        body: Body<'a>,
        /// `body-ext-1part`, present in BODYSTRUCTURE.
        extension: Option<SinglePartExt<'a>>,
    },
    /// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`.
    Multi {
        /// The parts.
        parts: Vec<BodyStructure<'a>>,
        /// The multipart subtype.
        subtype: IString<'a>,
        /// `body-ext-mpart`.
        extension: Option<MultiPartExt<'a>>,
    },
}

/// The fields of a single part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body<'a> {
    /// `media-basic`/`media-message`/`media-text` and what comes with it.
    pub kind: BodyKind<'a>,
    /// `body-fields`.
    pub fields: BodyFields<'a>,
}

/// The type-specific parts of `body-type-1part`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind<'a> {
    /// `body-type-basic = media-basic SP body-fields`.
    Basic {
        /// Type.
        media_type: IString<'a>,
        /// Subtype.
        subtype: IString<'a>,
    },
    /// `body-type-msg = media-message SP body-fields SP envelope SP body SP
    /// body-fld-lines` (`message/rfc822`, `message/global`).
    Message {
        /// The subtype (`RFC822` or `GLOBAL`).
        subtype: IString<'a>,
        /// The encapsulated message's envelope.
        envelope: Box<Envelope<'a>>,
        /// Its body structure.
        body: Box<BodyStructure<'a>>,
        /// Lines.
        lines: u64,
    },
    /// `body-type-text = media-text SP body-fields SP body-fld-lines`.
    Text {
        /// Subtype.
        subtype: IString<'a>,
        /// Lines.
        lines: u64,
    },
}

/// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP
/// body-fld-enc SP body-fld-octets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFields<'a> {
    /// Parameters (NIL: empty).
    pub params: Params<'a>,
    /// Content-ID.
    pub id: NString<'a>,
    /// Content-Description.
    pub description: NString<'a>,
    /// Content-Transfer-Encoding.
    pub encoding: IString<'a>,
    /// Size in octets.
    pub octets: u32,
}

/// `body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP
/// body-fld-loc *(SP body-extension)]]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinglePartExt<'a> {
    /// MD5.
    pub md5: NString<'a>,
    /// The rest.
    pub tail: Option<ExtTail<'a>>,
}

/// `body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP
/// body-fld-loc *(SP body-extension)]]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiPartExt<'a> {
    /// Parameters.
    pub params: Params<'a>,
    /// The rest.
    pub tail: Option<ExtTail<'a>>,
}

/// `body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtTail<'a> {
    /// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`.
    pub disposition: Option<Disposition<'a>>,
    /// Language and what follows.
    pub language: Option<LanguageTail<'a>>,
}

/// A Content-Disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition<'a> {
    /// `inline`, `attachment`, ...
    pub kind: IString<'a>,
    /// Parameters.
    pub params: Params<'a>,
}

/// `body-fld-lang [SP body-fld-loc *(SP body-extension)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageTail<'a> {
    /// `body-fld-lang = nstring / "(" string *(SP string) ")"`.
    pub language: Language<'a>,
    /// Location and extensions.
    pub location: Option<LocationTail<'a>>,
}

/// `body-fld-lang`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Language<'a> {
    /// One language, or NIL.
    Single(NString<'a>),
    /// A list of languages.
    List(Vec<IString<'a>>),
}

/// `body-fld-loc *(SP body-extension)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationTail<'a> {
    /// Content-Location.
    pub location: NString<'a>,
    /// Future extension data.
    pub extensions: Vec<BodyExtension<'a>>,
}

/// `body-extension = nstring / number / number64 / "(" body-extension
/// *(SP body-extension) ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyExtension<'a> {
    /// A string or NIL.
    NString(NString<'a>),
    /// A number.
    Number(u64),
    /// A list.
    List(Vec<BodyExtension<'a>>),
}

fn owned_params(v: Params<'_>) -> Params<'static> {
    v.map(|(a, b)| (a.into_owned(), b.into_owned()))
}

impl BodyExtension<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> BodyExtension<'static> {
        match self {
            BodyExtension::NString(s) => BodyExtension::NString(s.into_owned()),
            BodyExtension::Number(n) => BodyExtension::Number(n),
            BodyExtension::List(v) => {
                BodyExtension::List(v.into_iter().map(BodyExtension::into_owned).collect())
            }
        }
    }
}

impl ExtTail<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> ExtTail<'static> {
        ExtTail {
            disposition: self.disposition.map(|d| Disposition {
                kind: d.kind.into_owned(),
                params: owned_params(d.params),
            }),
            language: self.language.map(|l| LanguageTail {
                language: match l.language {
                    Language::Single(s) => Language::Single(s.into_owned()),
                    Language::List(v) => {
                        Language::List(v.into_iter().map(IString::into_owned).collect())
                    }
                },
                location: l.location.map(|loc| LocationTail {
                    location: loc.location.into_owned(),
                    extensions: loc
                        .extensions
                        .into_iter()
                        .map(BodyExtension::into_owned)
                        .collect(),
                }),
            }),
        }
    }
}

impl BodyStructure<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> BodyStructure<'static> {
        match self {
            BodyStructure::Single { body, extension } => BodyStructure::Single {
                body: Body {
                    kind: match body.kind {
                        BodyKind::Basic {
                            media_type,
                            subtype,
                        } => BodyKind::Basic {
                            media_type: media_type.into_owned(),
                            subtype: subtype.into_owned(),
                        },
                        BodyKind::Message {
                            subtype,
                            envelope,
                            body,
                            lines,
                        } => BodyKind::Message {
                            subtype: subtype.into_owned(),
                            envelope: Box::new(envelope.into_owned()),
                            body: Box::new(body.into_owned()),
                            lines,
                        },
                        BodyKind::Text { subtype, lines } => BodyKind::Text {
                            subtype: subtype.into_owned(),
                            lines,
                        },
                    },
                    fields: BodyFields {
                        params: owned_params(body.fields.params),
                        id: body.fields.id.into_owned(),
                        description: body.fields.description.into_owned(),
                        encoding: body.fields.encoding.into_owned(),
                        octets: body.fields.octets,
                    },
                },
                extension: extension.map(|e| SinglePartExt {
                    md5: e.md5.into_owned(),
                    tail: e.tail.map(ExtTail::into_owned),
                }),
            },
            BodyStructure::Multi {
                parts,
                subtype,
                extension,
            } => BodyStructure::Multi {
                parts: parts.into_iter().map(BodyStructure::into_owned).collect(),
                subtype: subtype.into_owned(),
                extension: extension.map(|e| MultiPartExt {
                    params: owned_params(e.params),
                    tail: e.tail.map(ExtTail::into_owned),
                }),
            },
        }
    }
}
