//! SMTP command and reply parsing and encoding, side by side with
//! smtp-proto on identical input.
//!
//! Each input is one CRLF-terminated line (or a whole EHLO reply), and
//! every side gets the bytes with their CRLF and must find the end of the
//! line itself, as smtp-proto's `Request::parse(&mut bytes.iter())` does
//! (it scans to the LF while parsing, and builds owned `String`s).
//!
//! In `smtp_command/*`:
//! * `mailwire`: `Command::parse_from` on the buffer (`LineEnding::Strict`):
//!   one pass that finds the CRLF while it parses, values sliced from the
//!   buffer; returns the command and the bytes consumed.
//! * `mailwire_framed`: framing as `LineFramer` does it (memchr for the LF,
//!   the line cut off as `Bytes`), then `Command::parse_bytes` on the line.
//! * `smtp_proto`: `smtp_proto::Request::parse`.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mailwire_core::LineEnding;
use mailwire_smtp::types::capability::EhloOutcome;
use mailwire_smtp::{Command, EhloReply, Encode, Policy, Reply, ReplyAssembler};

const COMMANDS: &[(&str, &[u8])] = &[
    (
        "mail_size_body",
        b"MAIL FROM:<john.smith@example.com> SIZE=1048576 BODY=8BITMIME\r\n",
    ),
    (
        "rcpt_notify_orcpt",
        b"RCPT TO:<jane.doe@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;jane.doe@example.org\r\n",
    ),
    ("data", b"DATA\r\n"),
    ("rset", b"RSET\r\n"),
];

const EHLO_REPLY: &[u8] = b"250-mx.example.com Hello client.example.net\r\n\
250-PIPELINING\r\n\
250-SIZE 35882577\r\n\
250-8BITMIME\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-AUTH PLAIN LOGIN\r\n\
250-STARTTLS\r\n\
250-CHUNKING\r\n\
250-DSN\r\n\
250 SMTPUTF8\r\n";

/// Parses the first line of `wire` in one pass with `parse_from`.
///
/// Inlined into the timed closure, as smtp-proto's `Request::parse` is
/// into its own: an extra call layer would add a move of the 88-byte result
/// that neither side's real caller pays.
#[inline(always)]
fn mailwire_parse_from(wire: &Bytes, policy: &Policy) -> (Command, usize) {
    Command::parse_from(wire, policy, LineEnding::Strict)
        .expect("parses")
        .expect("a whole line")
}

/// Frames one line off `wire` as the line framer would, and parses it
/// (inlined into the timed closure for the same reason).
#[inline(always)]
fn mailwire_command(wire: &Bytes, policy: &Policy) -> Command {
    let lf = memchr_lf(wire);
    Command::parse_bytes(&wire.slice(..lf - 1), policy).expect("parses")
}

/// The LF that ends the first line, found with memchr as `LineFramer` does.
fn memchr_lf(wire: &[u8]) -> usize {
    memchr::memchr(b'\n', wire).expect("has LF")
}

/// Frames the lines of `wire` as `LineFramer` does (memchr for the LF,
/// the line cut off as `Bytes`) and reads them as the reply to EHLO the
/// way the client machine does: `push_ehlo_line` reads the capabilities
/// as each line arrives.
fn mailwire_ehlo(wire: &Bytes) -> EhloReply {
    let mut asm = ReplyAssembler::new(Policy::client());
    let mut at = 0;
    loop {
        let lf = at + memchr_lf(&wire[at..]);
        let line = wire.slice(at..lf - 1);
        at = lf + 1;
        if let Some(out) = asm.push_ehlo_line(&line).expect("valid line") {
            match out {
                EhloOutcome::Ehlo(e) => return e,
                EhloOutcome::Other(r) => panic!("not a 250 reply: {r:?}"),
            }
        }
    }
}

/// The one-pass path: `push_ehlo_from` frames and reads the reply at the
/// front of the buffer, as smtp-proto's `EhloResponse::parse` does.
#[inline(always)]
fn mailwire_ehlo_from(wire: &Bytes) -> EhloReply {
    let mut asm = ReplyAssembler::new(Policy::client());
    match asm.push_ehlo_from(wire).expect("valid reply") {
        (Some(EhloOutcome::Ehlo(e)), n) if n == wire.len() => e,
        other => panic!("not one whole 250 reply: {other:?}"),
    }
}

/// The general path, with the same framing: the lines become a `Reply`,
/// which `EhloReply::from_reply` then reads.
fn mailwire_ehlo_general(wire: &Bytes) -> EhloReply {
    let mut asm = ReplyAssembler::new(Policy::client());
    let mut at = 0;
    loop {
        let lf = at + memchr_lf(&wire[at..]);
        let line = wire.slice(at..lf - 1);
        at = lf + 1;
        if let Some(reply) = asm.push_line(&line).expect("valid line") {
            return EhloReply::from_reply(&reply).expect("EHLO reply");
        }
    }
}

fn parse_commands(c: &mut Criterion) {
    let policy = Policy::server();
    for (name, line) in COMMANDS {
        let wire = Bytes::from_static(line);
        // Both sides must accept the input.
        let (cmd, consumed) = mailwire_parse_from(&wire, &policy);
        assert_eq!(consumed, line.len());
        assert_eq!(cmd, mailwire_command(&wire, &policy));
        smtp_proto::Request::parse(&mut line.iter()).expect("smtp-proto parses");

        let mut group = c.benchmark_group(format!("smtp_command/{name}"));
        group.throughput(Throughput::Bytes(line.len() as u64));
        group.bench_function("mailwire", |b| {
            b.iter(|| mailwire_parse_from(black_box(&wire), &policy))
        });
        group.bench_function("mailwire_framed", |b| {
            b.iter(|| mailwire_command(black_box(&wire), &policy))
        });
        group.bench_function("smtp_proto", |b| {
            b.iter(|| smtp_proto::Request::parse(&mut black_box(*line).iter()))
        });
        group.bench_function("mailwire_inplace", |b| {
            b.iter(|| {
                let r = Command::parse_from(black_box(&wire), &policy, LineEnding::Strict);
                black_box(&r);
                matches!(r, Ok(Some(_)))
            })
        });
        group.bench_function("smtp_proto_inplace", |b| {
            b.iter(|| {
                let r = smtp_proto::Request::parse(&mut black_box(*line).iter());
                black_box(&r);
                r.is_ok()
            })
        });
        group.finish();
    }
}

fn parse_ehlo(c: &mut Criterion) {
    let wire = Bytes::from_static(EHLO_REPLY);
    assert_eq!(mailwire_ehlo(&wire).capabilities.len(), 9);
    assert_eq!(mailwire_ehlo(&wire), mailwire_ehlo_general(&wire));
    assert_eq!(mailwire_ehlo(&wire), mailwire_ehlo_from(&wire));
    let proto = smtp_proto::EhloResponse::parse(&mut EHLO_REPLY.iter()).expect("smtp-proto parses");
    assert_eq!(proto.size, 35882577);

    let mut group = c.benchmark_group("smtp_ehlo_reply/parse");
    group.throughput(Throughput::Bytes(EHLO_REPLY.len() as u64));
    group.bench_function("mailwire", |b| b.iter(|| mailwire_ehlo(black_box(&wire))));
    group.bench_function("mailwire_from", |b| {
        b.iter(|| mailwire_ehlo_from(black_box(&wire)))
    });
    group.bench_function("mailwire_general", |b| {
        b.iter(|| mailwire_ehlo_general(black_box(&wire)))
    });
    group.bench_function("smtp_proto", |b| {
        b.iter(|| smtp_proto::EhloResponse::parse(&mut black_box(EHLO_REPLY).iter()))
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let ehlo = mailwire_ehlo(&Bytes::from_static(EHLO_REPLY));
    let proto = smtp_proto::EhloResponse::parse(&mut EHLO_REPLY.iter()).expect("smtp-proto parses");
    let mut group = c.benchmark_group("smtp_ehlo_reply/encode");
    group.bench_function("mailwire", |b| {
        b.iter(|| {
            let mut out = BytesMut::with_capacity(256);
            black_box(&ehlo).encode(&mut out);
            out
        })
    });
    group.bench_function("mailwire_vec", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(256);
            black_box(&ehlo).encode(&mut out);
            out
        })
    });
    group.bench_function("smtp_proto", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(256);
            black_box(&proto).write(&mut out).expect("writes");
            out
        })
    });
    group.finish();

    let reply = Reply::sender_ok();
    let proto_reply = smtp_proto::Response::new(250, 2, 1, 0, "Sender OK".to_string());
    let mut group = c.benchmark_group("smtp_reply/encode");
    group.bench_function("mailwire", |b| {
        b.iter(|| {
            let mut out = BytesMut::with_capacity(64);
            black_box(&reply).encode(&mut out);
            out
        })
    });
    group.bench_function("mailwire_vec", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(64);
            black_box(&reply).encode(&mut out);
            out
        })
    });
    group.bench_function("smtp_proto", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(64);
            black_box(&proto_reply).write(&mut out).expect("writes");
            out
        })
    });
    group.finish();

    let policy = Policy::server();
    let mut group = c.benchmark_group("smtp_command/encode");
    for (name, line) in COMMANDS {
        let cmd = mailwire_command(&Bytes::from_static(line), &policy);
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut out = BytesMut::with_capacity(128);
                black_box(&cmd).encode(&mut out);
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse_commands, parse_ehlo, encode);
criterion_main!(benches);
