//! A peer that stops reading cannot hold a connection forever: with output
//! waiting and none of it taken for `write_timeout`, both `next_event` and
//! `flush` fail with a write timeout, even without an idle timeout.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use mailwire_core::{Machine, Result, TlsInfo};
use mailwire_tokio::{Connection, ConnectionConfig, Error};
use tokio::net::{TcpListener, TcpStream};

/// Has `left` bytes to send and nothing else to do.
struct Talker {
    input: BytesMut,
    chunk: Vec<u8>,
    left: usize,
}

impl Machine for Talker {
    type Event = ();

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<()>> {
        Ok(None)
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        (self.left > 0).then(|| &self.chunk[..self.left.min(self.chunk.len())])
    }

    fn advance_transmit(&mut self, n: usize) {
        self.left -= n;
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn tls_established(&mut self, _info: TlsInfo) -> Result<()> {
        Ok(())
    }

    fn is_closed(&self) -> bool {
        false
    }
}

/// A connection to a peer that accepts and never reads; the peer task is
/// returned so it lives as long as the test.
async fn to_deaf_peer() -> (Connection<Talker, TcpStream>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let (_s, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    // Far more than loopback socket buffers hold.
    let machine = Talker {
        input: BytesMut::new(),
        chunk: vec![b'x'; 1 << 20],
        left: 256 << 20,
    };
    let config = ConnectionConfig::default().with_write_timeout(Some(Duration::from_millis(300)));
    (Connection::new(machine, stream).with_config(config), peer)
}

fn assert_write_timeout(result: std::result::Result<(), Error>, left: usize) {
    match result {
        Err(Error::Timeout {
            what: "write",
            after,
        }) => {
            assert_eq!(after, Duration::from_millis(300));
        }
        other => panic!("expected a write timeout, got {other:?}"),
    }
    assert!(left > 0, "the peer did not take everything");
}

#[tokio::test]
async fn next_event_gives_up_on_a_peer_that_stops_reading() {
    let (mut conn, peer) = to_deaf_peer().await;
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(8), conn.next_event())
        .await
        .expect("bounded by the write timeout");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_write_timeout(result.map(|_| ()), conn.machine().left);
    // The connection is unusable afterwards, and says so.
    assert!(matches!(conn.next_event().await, Err(Error::Broken)));
    peer.abort();
}

#[tokio::test]
async fn flush_gives_up_on_a_peer_that_stops_reading() {
    let (mut conn, peer) = to_deaf_peer().await;
    let result = tokio::time::timeout(Duration::from_secs(8), conn.flush())
        .await
        .expect("bounded by the write timeout");
    assert_write_timeout(result, conn.machine().left);
    peer.abort();
}

#[test]
fn default_is_five_minutes() {
    assert_eq!(
        ConnectionConfig::default().write_timeout,
        Some(Duration::from_secs(300))
    );
}
