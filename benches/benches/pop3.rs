//! POP3 RETR of an 8 MB message through the client machine (framing,
//! dot-unstuffing, `RetrChunk` events), against memcpy of the same wire
//! bytes. The ratio of the two is printed at the end of the run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mailwire_core::{DotStuffer, Machine};
use mailwire_pop3::types::{Arg, MsgNum, Password};
use mailwire_pop3::{Client, ClientConfig, ClientEvent};

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

/// The server's answer to RETR: status line, stuffed body, end marker.
fn wire(body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    out.extend_from_slice(format!("+OK {} octets\r\n", body.len()).as_bytes());
    let mut stuffer = DotStuffer::new();
    stuffer.encode(body, &mut out);
    stuffer.finish(&mut out);
    out.to_vec()
}

/// A client logged in, with `RETR 1` sent.
fn client_waiting_for_retr() -> Client {
    let mut config = ClientConfig::new();
    config.implicit_tls = true;
    config.auto_capa = false;
    let mut client = Client::new(config);
    client.receive(b"+OK ready\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    client
        .login_user_pass(Arg::new("u").unwrap(), Password::new("p").unwrap())
        .unwrap();
    client.receive(b"+OK\r\n+OK\r\n").unwrap();
    while let Some(e) = client.poll_event().unwrap() {
        assert_eq!(e, ClientEvent::LoggedIn);
    }
    client.retr(MsgNum::new(1).unwrap()).unwrap();
    let n = client.poll_transmit().unwrap().len();
    client.advance_transmit(n);
    client
}

/// Feeds the answer in 64 KiB reads, as a driver would; returns the body
/// bytes delivered.
fn retr(client: &mut Client, wire: &[u8]) -> usize {
    let mut delivered = 0;
    for piece in wire.chunks(64 * 1024) {
        client.receive(piece).unwrap();
        while let Some(event) = client.poll_event().unwrap() {
            if let ClientEvent::RetrChunk(chunk) = event {
                delivered += chunk.len();
            }
        }
    }
    delivered
}

fn memcpy(wire: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(wire.len());
    for piece in wire.chunks(64 * 1024) {
        out.extend_from_slice(piece);
    }
    out
}

fn bench(c: &mut Criterion) {
    let body = body();
    let wire = wire(&body);
    assert_eq!(retr(&mut client_waiting_for_retr(), &wire), body.len());

    let mut group = c.benchmark_group("pop3_retr_8MB");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.sample_size(20);
    group.bench_function("memcpy", |b| b.iter(|| memcpy(black_box(&wire))));
    group.bench_function("mailwire_client", |b| {
        b.iter_batched(
            client_waiting_for_retr,
            |mut client| retr(&mut client, black_box(&wire)),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    // The ratio, measured the same way for both (best of 10 runs).
    let best = |f: &mut dyn FnMut()| {
        (0..10)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO)
    };
    let copy = best(&mut || {
        black_box(memcpy(black_box(&wire)));
    });
    let machine = best(&mut || {
        let mut client = client_waiting_for_retr();
        black_box(retr(&mut client, black_box(&wire)));
    });
    eprintln!(
        "pop3_retr_8MB: client machine {:?}, memcpy {:?}, ratio {:.2}x",
        machine,
        copy,
        machine.as_secs_f64() / copy.as_secs_f64().max(1e-9)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
