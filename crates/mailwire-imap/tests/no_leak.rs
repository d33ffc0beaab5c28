//! Parsing fills large values in place over placeholders whose drop is
//! skipped (`parse::core::fill`); this checks that nothing parsed that way
//! is leaked: every byte allocated while parsing and dropping a response,
//! owned (unescaped) strings in every filled position included, is freed.

use mailwire_imap::parse::{self, Opts};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

fn size(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

// SAFETY: forwards to the system allocator unchanged, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(size(l.size()), SeqCst);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(size(l.size()), SeqCst);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(size(n) - size(l.size()), SeqCst);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// A string with an escape, which the parser unescapes into owned memory.
const S: &str = r#""a\"b""#;

fn responses() -> Vec<String> {
    let addr = format!("({S} {S} {S} {S})");
    let env =
        format!("({S} {S} ({addr}) ({addr}{addr}) ({addr} {addr}) NIL ({addr}) ({addr}) {S} {S})");
    let ext = format!("{S} ({S} ({S} {S} {S} {S})) ({S} {S}) {S} ({S} 7 ({S} NIL)) {S}");
    let part = format!("({S} {S} ({S} {S} {S} {S}) {S} {S} {S} 10 {ext})");
    let text = format!("(\"TEXT\" {S} ({S} {S}) {S} {S} {S} 10 3 {ext})");
    let msg = format!("(\"MESSAGE\" \"RFC822\" ({S} {S}) {S} {S} {S} 10 {env} {part} 4 {ext})");
    let multi = format!("({part}{text}{msg}{part} {S} ({S} {S} {S} {S}) ({S} ({S} {S})) {S} {S})");
    vec![
        format!(
            "* 1 FETCH (FLAGS (\\Seen \\Answered $x) ENVELOPE {env} BODYSTRUCTURE {multi})\r\n"
        ),
        format!("* 2 FETCH (BODY {part} UID 4 ENVELOPE {env} BODYSTRUCTURE {text})\r\n"),
        format!("* 3 FETCH (BODYSTRUCTURE ({multi}{multi} {S}))\r\n"),
    ]
}

#[test]
fn parsing_in_place_frees_everything() {
    let inputs = responses();
    for input in &inputs {
        // Warm up anything allocated once (none expected, but harmless).
        drop(parse::response(input.as_bytes(), &Opts::STRICT).expect("parses"));
        let before = LIVE.load(SeqCst);
        let r = parse::response(input.as_bytes(), &Opts::STRICT).expect("parses");
        assert!(LIVE.load(SeqCst) > before, "owned strings were allocated");
        drop(r);
        assert_eq!(LIVE.load(SeqCst), before, "leaked parsing {input}");
    }
}
