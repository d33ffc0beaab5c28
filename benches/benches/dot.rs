//! Dot-stuffing against the physical limit: memcpy of the same bytes.

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mailwire_core::{DotChunk, DotDecoder, DotStuffer, LineEnding};
use std::hint::black_box;

/// An 8 MB body of 78-byte lines, every 10th starting with a dot.
fn body() -> Vec<u8> {
    let mut body = Vec::with_capacity(8 << 20);
    let mut n = 0u32;
    while body.len() < (8 << 20) {
        if n % 10 == 0 {
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
    group.bench_function("mailwire_decode", |b| {
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
