//! A machine that queues events as it closes must have them delivered: the
//! driver hands out what `poll_event` still has before it ends.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use mailwire_core::{Machine, Result, TlsInfo};
use mailwire_tokio::Connection;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Closes at the end of the peer's stream and reports it as its last event.
#[derive(Default)]
struct Farewell {
    input: BytesMut,
    closed: bool,
    pending: Vec<&'static str>,
}

impl Machine for Farewell {
    type Event = &'static str;

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        self.closed = true;
        self.pending.push("released");
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<&'static str>> {
        Ok(self.pending.pop())
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        None
    }

    fn advance_transmit(&mut self, _n: usize) {}

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn tls_established(&mut self, _info: TlsInfo) -> Result<()> {
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}

#[tokio::test]
async fn events_queued_while_closing_are_delivered() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.shutdown().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    });
    let (socket, _) = listener.accept().await.unwrap();
    let mut conn = Connection::new(Farewell::default(), socket);
    let events = tokio::time::timeout(Duration::from_secs(5), async {
        let mut events = Vec::new();
        while let Some(event) = conn.next_event().await.unwrap() {
            events.push(event);
        }
        events
    })
    .await
    .expect("the connection must end");
    assert_eq!(events, vec!["released"]);
    peer.await.unwrap();
}
