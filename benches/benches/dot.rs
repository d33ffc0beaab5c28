//! DATA decoding and encoding (dot-stuffing) of an 8 MB body, side by side
//! with smtp-proto's DATA receiver and with the physical limit, memcpy of
//! the same bytes.
//!
//! Every decoder does one copy of the wire bytes: mailwire's as the read
//! into its `BytesMut` buffer (its chunks are then slices of it), smtp-proto's
//! as it appends the body to its output `Vec`.

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mailwire_core::{DotChunk, DotDecoder, DotStuffer, LineEnding};
use std::hint::black_box;

/// An 8 MB body of 78-byte lines, every 10th starting with a dot (not the
/// first: smtp-proto's receiver, which starts as if mid-line, would keep
/// the stuffed dot of a first line).
fn body() -> Vec<u8> {
    let mut body = Vec::with_capacity(8 << 20);
    let mut n = 0u32;
    while body.len() < (8 << 20) {
        if n % 10 == 5 {
            body.push(b'.');
        }
        body.extend_from_slice(
            b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tem",
        );
        body.extend_from_slice(b"\r\n");
        n += 1;
    }
    body
}

fn bench(c: &mut Criterion) {
    let body = body();
    let mut wire = BytesMut::new();
    let mut stuffer = DotStuffer::new();
    stuffer.encode(&body, &mut wire);
    stuffer.finish(&mut wire);
    let wire = wire.freeze();

    let (ours, _) = mailwire_core::dot_unstuff(&wire, LineEnding::Strict).expect("ends");
    let mut theirs = Vec::new();
    let done =
        smtp_proto::request::receiver::DataReceiver::new().ingest(&mut wire.iter(), &mut theirs);
    assert!(
        done && ours == body && theirs == body,
        "both decoders give the body back"
    );

    let mut group = c.benchmark_group("dot_8MB");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.sample_size(20);
    group.bench_function("memcpy", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(wire.len());
            out.extend_from_slice(black_box(&wire));
            out
        })
    });
    // The body already read into the decoder's buffer (the copy into it
    // is not timed): the decoder's chunks are slices of that buffer.
    group.bench_function("mailwire_decode", |b| {
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                let mut decoder = DotDecoder::new(LineEnding::Strict);
                let mut n = 0;
                while let Some(chunk) = decoder.decode(&mut buf) {
                    match chunk {
                        DotChunk::Data(d) => n += d.len(),
                        DotChunk::End => break,
                    }
                }
                (n, buf)
            },
            BatchSize::LargeInput,
        )
    });
    // As a server runs it: 64 KiB reads appended to the buffer, each
    // decoded as it arrives (the copy of every read is timed).
    group.bench_function("mailwire_read64k_decode", |b| {
        b.iter(|| {
            let mut buf = BytesMut::with_capacity(64 << 10);
            let mut decoder = DotDecoder::new(LineEnding::Strict);
            let mut n = 0;
            for read in black_box(&wire).chunks(64 << 10) {
                buf.extend_from_slice(read);
                while let Some(chunk) = decoder.decode(&mut buf) {
                    if let DotChunk::Data(d) = chunk {
                        n += d.len();
                    }
                }
            }
            n
        })
    });
    // The whole body copied into one fresh buffer, then decoded.
    group.bench_function("mailwire_copy_decode", |b| {
        b.iter(|| {
            let mut buf = BytesMut::from(&black_box(&wire)[..]);
            let mut decoder = DotDecoder::new(LineEnding::Strict);
            let mut n = 0;
            while let Some(chunk) = decoder.decode(&mut buf) {
                match chunk {
                    DotChunk::Data(d) => n += d.len(),
                    DotChunk::End => break,
                }
            }
            n
        })
    });
    group.bench_function("smtp_proto_decode", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(wire.len());
            let mut receiver = smtp_proto::request::receiver::DataReceiver::new();
            let mut bytes = black_box(&wire[..]).iter();
            assert!(receiver.ingest(&mut bytes, &mut out));
            out
        })
    });
    group.bench_function("mailwire_encode", |b| {
        b.iter(|| {
            let mut out = BytesMut::with_capacity(wire.len());
            let mut stuffer = DotStuffer::new();
            stuffer.encode(black_box(&body), &mut out);
            stuffer.finish(&mut out);
            out
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
