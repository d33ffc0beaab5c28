//! IMAP response parsing side by side with imap-proto and imap-codec, on
//! identical input: a stream of FETCH responses (ENVELOPE + multipart
//! BODYSTRUCTURE), and a stream of FETCH responses with 50 kB literals.
//! mailwire's numbers include framing (the framer cuts the stream, the
//! parser then reads each message once); the input is put into the framer's
//! buffer outside the timed part, as a socket read would (every parser
//! needs the bytes in a buffer first). The others parse straight from the
//! slice.

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use mailwire_imap::parse::{self, Opts};
use mailwire_imap::types::response::Response;
use mailwire_imap::{FrameEvent, Framer, Limits, Role};
use std::hint::black_box;
use std::time::Duration;

const ENVELOPE: &str = r#"ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")"#;
const BODYSTRUCTURE: &str = r#"BODYSTRUCTURE ((("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "QUOTED-PRINTABLE" 1234 40 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "UTF-8") NIL NIL "QUOTED-PRINTABLE" 5678 120 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "alt-1") NIL NIL NIL)("APPLICATION" "PDF" ("NAME" "report.pdf") NIL NIL "BASE64" 40000 NIL ("ATTACHMENT" ("FILENAME" "report.pdf")) NIL NIL) "MIXED" ("BOUNDARY" "mixed-1") NIL NIL NIL)"#;

/// 1000 responses `* n FETCH (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)`.
fn envelope_stream() -> Vec<u8> {
    let mut out = String::new();
    for n in 1..=1000 {
        out.push_str(&format!(
            "* {n} FETCH (UID {} FLAGS (\\Seen \\Answered) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 {ENVELOPE} {BODYSTRUCTURE})\r\n",
            n + 1000
        ));
    }
    out.into_bytes()
}

/// 100 responses `* n FETCH (UID x BODY[] {50000}...)`.
fn literal_stream() -> Vec<u8> {
    let body: Vec<u8> = (0..50_000)
        .map(|i| {
            if i % 78 == 77 {
                b'\n'
            } else {
                b'a' + (i % 26) as u8
            }
        })
        .collect();
    let mut out = Vec::new();
    for n in 1..=100 {
        out.extend_from_slice(
            format!("* {n} FETCH (UID {} BODY[] {{50000}}\r\n", n + 7).as_bytes(),
        );
        out.extend_from_slice(&body);
        out.extend_from_slice(b")\r\n");
    }
    out
}

fn mailwire(mut buf: BytesMut) -> usize {
    let mut framer = Framer::new(Role::Client, Limits::CLIENT);
    let mut n = 0;
    while let Ok(Some(FrameEvent::Message(frame))) = framer.next(&mut buf) {
        let r: Response<'_> = parse::response(frame.bytes(), &Opts::STRICT).expect("parses");
        black_box(&r);
        n += 1;
    }
    n
}

fn imap_proto(mut input: &[u8]) -> usize {
    let mut n = 0;
    while !input.is_empty() {
        let (rest, r) = imap_proto::Response::parse(input).expect("parses");
        black_box(&r);
        input = rest;
        n += 1;
    }
    n
}

fn imap_codec(mut input: &[u8]) -> usize {
    let codec = ResponseCodec::default();
    let mut n = 0;
    while !input.is_empty() {
        let (rest, r) = codec.decode(input).expect("parses");
        black_box(&r);
        input = rest;
        n += 1;
    }
    n
}

fn bench(c: &mut Criterion) {
    for (name, input, count) in [
        ("imap_fetch_envelope_bodystructure", envelope_stream(), 1000),
        ("imap_fetch_literal_50k", literal_stream(), 100),
    ] {
        assert_eq!(mailwire(BytesMut::from(&input[..])), count);
        assert_eq!(imap_proto(&input), count);
        assert_eq!(imap_codec(&input), count);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(3));
        group.sample_size(20);
        group.bench_function("mailwire", |b| {
            b.iter_batched(
                || BytesMut::from(&input[..]),
                mailwire,
                BatchSize::LargeInput,
            )
        });
        group.bench_function("imap-proto", |b| b.iter(|| imap_proto(black_box(&input))));
        group.bench_function("imap-codec", |b| b.iter(|| imap_codec(black_box(&input))));
        group.bench_function("memcpy", |b| {
            b.iter(|| BytesMut::from(black_box(&input[..])))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
