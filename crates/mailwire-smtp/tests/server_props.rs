//! Property tests: whatever a client sends, however the packets are cut,
//! the server machine says the same thing and never panics.

#[path = "server_harness.rs"]
mod harness;

use harness::*;
use mailwire_core::LineEnding;
use proptest::prelude::*;

/// Pieces of SMTP sessions, valid and not, to build inputs from.
const TOKENS: &[&str] = &[
    "EHLO c.test\r\n",
    "HELO c.test\r\n",
    "LHLO c.test\r\n",
    "MAIL FROM:<a@x.test>\r\n",
    "MAIL FROM:<a@x.test> SIZE=30\r\n",
    "MAIL FROM:<a@x.test> BODY=BINARYMIME\r\n",
    "RCPT TO:<b@mx.test>\r\n",
    "RCPT TO:<postmaster>\r\n",
    "DATA\r\n",
    "BDAT 5\r\n",
    "BDAT 3 LAST\r\n",
    "BDAT 0 LAST\r\n",
    "RSET\r\n",
    "NOOP\r\n",
    "VRFY x\r\n",
    "AUTH PLAIN =\r\n",
    "STARTTLS\r\n",
    "QUIT\r\n",
    "hello body line\r\n",
    "..stuffed\r\n",
    ".\r\n",
    "\r\n",
    "\n",
    "\r",
    ".",
    "x",
    "\u{e9}",
    "FOO bar\r\n",
];

fn session() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0..TOKENS.len(), 0..40)
        .prop_map(|ix| ix.into_iter().flat_map(|i| TOKENS[i].bytes()).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn same_outcome_however_the_input_is_cut(
        input in session(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        lmtp in any::<bool>(),
        normalize in any::<bool>(),
    ) {
        let mut c = config("mx.test");
        c.lmtp = lmtp;
        c.limits.max_message_size = 40;
        c.limits.max_recipients = 2;
        c.extensions.binary_mime = true;
        if normalize {
            c.line_ending = LineEnding::Normalize;
        }
        let whole = run(&c, &[Step::Input(input.clone()), Step::Eof], &mut accept_all);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut steps = Vec::new();
        let mut at = 0;
        for p in points {
            steps.push(Step::Input(input[at..p].to_vec()));
            at = p;
        }
        steps.push(Step::Input(input[at..].to_vec()));
        steps.push(Step::Eof);
        let cut = run(&c, &steps, &mut accept_all);
        prop_assert_eq!(&cut, &whole);
        let bytewise: Vec<Step> = input.iter().map(|&b| Step::Input(vec![b])).chain([Step::Eof]).collect();
        prop_assert_eq!(&run(&c, &bytewise, &mut accept_all), &whole);
        // The input ended: the machine is closed, and no body past SIZE
        // was passed on in any message.
        prop_assert!(whole.closed);
        for s in &whole.seen {
            if let Seen::Body(b) = s {
                prop_assert!(b.len() <= 40 + 5, "body {}", b.len());
            }
        }
    }
}
