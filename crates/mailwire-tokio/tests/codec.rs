//! `LineCodec` inside `tokio_util::codec::Framed`, over an in-memory pipe.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use mailwire_core::LineEnding;
use mailwire_tokio::Error;
use mailwire_tokio::codec::LineCodec;
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Framed, FramedRead};

#[tokio::test]
async fn framed_lines_both_ways() {
    let (a, b) = tokio::io::duplex(64);
    let mut left = Framed::new(a, LineCodec::default());
    let mut right = Framed::new(b, LineCodec::default());
    let long = "x".repeat(500);
    let sender = tokio::spawn(async move {
        left.send("EHLO client.example").await.unwrap();
        left.send(long.as_str()).await.unwrap();
        // Refused before anything is written: no second line can be smuggled.
        assert!(left.send("MAIL FROM:<a>\r\nRCPT TO:<b>").await.is_err());
        left.send("QUIT").await.unwrap();
        left
    });
    assert_eq!(right.next().await.unwrap().unwrap(), "EHLO client.example");
    assert_eq!(right.next().await.unwrap().unwrap().len(), 500);
    assert_eq!(right.next().await.unwrap().unwrap(), "QUIT");
    let left = sender.await.unwrap();
    drop(left);
    assert!(right.next().await.is_none());
}

#[tokio::test]
async fn framed_stream_ends_with_an_error_on_a_bad_line() {
    let (mut a, b) = tokio::io::duplex(1024);
    let mut lines = FramedRead::new(b, LineCodec::new(16, LineEnding::Strict));
    a.write_all(b"ok\r\nbare lf\nnext\r\n").await.unwrap();
    drop(a);
    assert_eq!(lines.next().await.unwrap().unwrap(), Bytes::from("ok"));
    assert!(matches!(lines.next().await, Some(Err(Error::Protocol(_)))));
}

#[tokio::test]
async fn framed_stream_refuses_a_truncated_last_line() {
    let (mut a, b) = tokio::io::duplex(1024);
    let mut lines = FramedRead::new(b, LineCodec::new(64, LineEnding::Normalize));
    a.write_all(b"one\ntwo\r\nthree").await.unwrap();
    drop(a);
    assert_eq!(lines.next().await.unwrap().unwrap(), "one");
    assert_eq!(lines.next().await.unwrap().unwrap(), "two");
    assert!(matches!(lines.next().await, Some(Err(Error::Protocol(e))) if e.is_fatal()));
}
