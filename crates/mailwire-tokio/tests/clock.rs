//! The driver tells the machine the time when it starts, after input and
//! after every write, so a machine can start the clock on an answer it
//! waits for as soon as its command has left (mailwire-core's `Machine`
//! contract).

use std::time::{Duration, Instant};

use bytes::BytesMut;
use mailwire_core::{Machine, Result, TlsInfo};
use mailwire_tokio::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Sends one line, then records when it was told the time; after `wait`
/// from the moment its line was written it gives up (a response timeout).
struct Asker {
    input: BytesMut,
    out: Vec<u8>,
    written_unseen: bool,
    /// The clock readings that came after the line had been written.
    after_write: Vec<Instant>,
    deadline: Option<Instant>,
    wait: Duration,
    closed: bool,
    gave_up: bool,
}

impl Machine for Asker {
    type Event = &'static str;

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        self.closed = true;
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<&'static str>> {
        if self.gave_up {
            self.gave_up = false;
            return Ok(Some("gave up"));
        }
        Ok(None)
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        (!self.out.is_empty()).then_some(&self.out[..])
    }

    fn advance_transmit(&mut self, n: usize) {
        self.out.drain(..n);
        if self.out.is_empty() {
            self.written_unseen = true;
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.written_unseen {
            self.written_unseen = false;
            self.after_write.push(now);
            self.deadline = Some(now + self.wait);
        } else if self.deadline.is_some_and(|d| d <= now) {
            self.deadline = None;
            self.gave_up = true;
            self.closed = true;
        }
    }

    fn tls_established(&mut self, _info: TlsInfo) -> Result<()> {
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}

#[tokio::test]
async fn the_clock_starts_when_the_command_has_left() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // A peer that reads the question and never answers.
    let peer = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let _ = s.shutdown().await;
        buf[..n].to_vec()
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let machine = Asker {
        input: BytesMut::new(),
        out: b"QUESTION\r\n".to_vec(),
        written_unseen: false,
        after_write: Vec::new(),
        deadline: None,
        wait: Duration::from_millis(200),
        closed: false,
        gave_up: false,
    };
    let mut conn = Connection::new(machine, stream);
    let started = Instant::now();
    // Without a clock reading after the write, the machine would never get
    // a deadline and this would wait for the peer's close (3 s).
    let event = tokio::time::timeout(Duration::from_secs(2), conn.next_event())
        .await
        .expect("the machine's own timeout ends the wait")
        .unwrap();
    assert_eq!(event, Some("gave up"));
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    assert_eq!(conn.machine().after_write.len(), 1);
    assert_eq!(peer.await.unwrap(), b"QUESTION\r\n");
}
