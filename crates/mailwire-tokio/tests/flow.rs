//! Flow control, timers and the life cycle of the accept loop: pipelining
//! without deadlock, idle and machine timeouts, graceful shutdown and the
//! connection limit.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mailwire_tokio::{
    ClientTls, Connection, ConnectionConfig, EndReason, ServeConfig, ServerTls,
    connect_implicit_tls, connect_tcp,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

const T: Duration = Duration::from_secs(5);

/// A listener whose accepted sockets have small kernel buffers, so that a
/// server which stopped reading while blocked on writing would deadlock.
fn small_buffer_listener() -> TcpListener {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(8 * 1024).unwrap();
    socket.set_send_buffer_size(8 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket.listen(16).unwrap()
}

async fn small_buffer_connect(addr: std::net::SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(8 * 1024).unwrap();
    socket.set_send_buffer_size(8 * 1024).unwrap();
    socket.connect(addr).await.unwrap()
}

fn doubled_batch(lines: usize, width: usize) -> (Vec<u8>, Vec<u8>) {
    let mut input = Vec::new();
    let mut expected = b"HELLO\r\n".to_vec();
    for i in 0..lines {
        let payload = format!("{i:08}{}", "x".repeat(width));
        input.extend_from_slice(format!("DOUBLE {payload}\r\n").as_bytes());
        expected.extend_from_slice(format!("{payload}{payload}\r\n").as_bytes());
    }
    (input, expected)
}

/// The client writes the whole batch before reading a byte; the server's
/// replies are twice as large as the requests.
async fn batch_then_read<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    input: &[u8],
    expected: &[u8],
) {
    stream.write_all(input).await.unwrap();
    stream.flush().await.unwrap();
    let mut got = vec![0u8; expected.len()];
    stream.read_exact(&mut got).await.unwrap();
    assert!(got == expected, "replies differ");
}

#[tokio::test]
async fn pipelined_batch_larger_than_socket_buffers_plain() {
    within(30, async {
        let config = ServeConfig::default()
            .with_connection(ConnectionConfig::default().with_max_buffered_output(8 * 1024 * 1024));
        let server = start_echo_server_on(small_buffer_listener(), config, None);
        // 512 KiB of requests, 1 MiB of replies, against ~16 KiB of socket
        // buffers: only a driver that keeps reading while its writes block
        // gets through.
        let (input, expected) = doubled_batch(4096, 120);
        let stream = small_buffer_connect(server.addr).await;
        batch_then_read(stream, &input, &expected).await;
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn pipelined_batch_larger_than_socket_buffers_tls() {
    within(30, async {
        let cert = test_cert();
        let tls = ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap();
        let config = ServeConfig::default()
            .with_implicit_tls(tls)
            .with_connection(ConnectionConfig::default().with_max_buffered_output(8 * 1024 * 1024));
        let server = start_echo_server_on(small_buffer_listener(), config, None);
        let (input, expected) = doubled_batch(2048, 120);
        let client_tls = ClientTls::with_ca_pem_file(&cert.cert_pem, "localhost").unwrap();
        let tcp = small_buffer_connect(server.addr).await;
        let (stream, _) = client_tls.connect(tcp, T).await.unwrap();
        batch_then_read(stream, &input, &expected).await;
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn output_backpressure_bounds_memory() {
    within(30, async {
        let limit = 64 * 1024;
        let config = ServeConfig::default()
            .with_connection(ConnectionConfig::default().with_max_buffered_output(limit));
        let mut server = start_echo_server_on(small_buffer_listener(), config, None);
        // 8 MiB of replies through a 64 KiB output bound, with a client
        // that reads concurrently, as a pipelining client should.
        let (input, expected) = doubled_batch(32 * 1024, 120);
        let stream = small_buffer_connect(server.addr).await;
        let (mut rd, mut wr) = stream.into_split();
        let writer = tokio::spawn(async move {
            wr.write_all(&input).await.unwrap();
            wr.write_all(b"QUIT\r\n").await.unwrap();
            wr
        });
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await.unwrap();
        let _wr = writer.await.unwrap();
        let mut want = expected;
        want.extend_from_slice(b"BYE\r\n");
        assert!(
            got == want,
            "replies differ ({} vs {} bytes)",
            got.len(),
            want.len()
        );
        let report = server.reports.recv().await.unwrap();
        let reply = 2 * (8 + 120) + 2;
        assert!(
            report.max_queued < limit + reply,
            "output grew to {} bytes",
            report.max_queued
        );
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn idle_timeout_ends_a_silent_connection() {
    within(10, async {
        let config = ServeConfig::default().with_connection(
            ConnectionConfig::default().with_idle_timeout(Some(Duration::from_millis(300))),
        );
        let mut server = start_echo_server(config, None).await;
        let start = Instant::now();
        let mut tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut got = Vec::new();
        tcp.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"HELLO\r\nBYE idle\r\n");
        assert!(start.elapsed() >= Duration::from_millis(300));
        let report = server.reports.recv().await.unwrap();
        assert_eq!(report.end, Some(EndReason::IdleTimeout));

        // Activity postpones the idle timeout.
        let tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut conn = Connection::new(Echo::new(), tcp);
        assert_eq!(next_line(&mut conn).await, "HELLO");
        // Six gaps of 100 ms outlast the 300 ms idle timeout only because
        // each exchange restarts it.
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            conn.machine_mut().send_line(b"ping");
            assert_eq!(next_line(&mut conn).await, "ECHO ping");
        }
        assert_eq!(next_line(&mut conn).await, "BYE idle");
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn machine_timer_is_driven() {
    within(10, async {
        let mut server =
            start_echo_server(ServeConfig::default(), Some(Duration::from_millis(250))).await;
        let start = Instant::now();
        let mut tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut got = Vec::new();
        tcp.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"HELLO\r\nTIMEOUT\r\n");
        assert!(start.elapsed() >= Duration::from_millis(250));
        let report = server.reports.recv().await.unwrap();
        assert_eq!(report.end, Some(EndReason::Closed));
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_current_reply() {
    within(10, async {
        let config = ServeConfig::default().with_grace_period(Duration::from_secs(5));
        let mut server = start_echo_server(config, None).await;
        let mut tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut greeting = [0u8; 7];
        tcp.read_exact(&mut greeting).await.unwrap();
        tcp.write_all(b"SLOW\r\n").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let start = Instant::now();
        server.shutdown.cancel();
        // The reply in progress is delivered, then the goodbye.
        let mut got = Vec::new();
        tcp.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"DONE\r\nBYE shutdown\r\n");
        server.task.await.unwrap().unwrap();
        assert!(start.elapsed() < Duration::from_secs(3));
        let report = server.reports.recv().await.unwrap();
        assert_eq!(report.end, Some(EndReason::Shutdown));
        // The listener is closed: new clients are refused.
        assert!(TcpStream::connect(server.addr).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn grace_period_aborts_stuck_handlers() {
    within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = mailwire_tokio::CancellationToken::new();
        let config = ServeConfig::default().with_grace_period(Duration::from_millis(300));
        let task = tokio::spawn(mailwire_tokio::serve(
            listener,
            config,
            shutdown.clone(),
            |incoming| async move {
                let _keep = incoming;
                tokio::time::sleep(Duration::from_secs(60)).await;
            },
        ));
        let mut tcp = connect_tcp(addr, T).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let start = Instant::now();
        shutdown.cancel();
        task.await.unwrap().unwrap();
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3));
        // The aborted handler dropped the stream.
        let mut buf = Vec::new();
        assert_eq!(tcp.read_to_end(&mut buf).await.unwrap_or(0), 0);
    })
    .await;
}

#[tokio::test]
async fn connection_limit_holds_further_clients() {
    within(10, async {
        let mut server =
            start_echo_server(ServeConfig::default().with_max_connections(1), None).await;
        let first = connect_tcp(server.addr, T).await.unwrap();
        let mut first = Connection::new(Echo::new(), first);
        assert_eq!(next_line(&mut first).await, "HELLO");

        let mut second = connect_tcp(server.addr, T).await.unwrap();
        let mut buf = [0u8; 7];
        let waited =
            tokio::time::timeout(Duration::from_millis(400), second.read_exact(&mut buf)).await;
        assert!(
            waited.is_err(),
            "second client was served while the first ran"
        );

        first.machine_mut().send_line(b"QUIT");
        assert_eq!(next_line(&mut first).await, "BYE");
        assert!(first.next_event().await.unwrap().is_none());
        server.reports.recv().await.unwrap();

        second.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"HELLO\r\n");
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn implicit_tls_handshake_failure_ends_only_that_connection() {
    within(10, async {
        let cert = test_cert();
        let tls = ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap();
        let server = start_echo_server(ServeConfig::default().with_implicit_tls(tls), None).await;
        // A cleartext client on a TLS port.
        let mut tcp = connect_tcp(server.addr, T).await.unwrap();
        tcp.write_all(b"EHLO plain\r\n").await.unwrap();
        let mut buf = Vec::new();
        let _ = tcp.read_to_end(&mut buf).await;
        assert!(!buf.windows(5).any(|w| w == b"HELLO"));
        // The server goes on.
        let client_tls = ClientTls::with_ca_pem_file(&cert.cert_pem, "localhost").unwrap();
        let (stream, _) = connect_implicit_tls(server.addr, &client_tls, T)
            .await
            .unwrap();
        let mut conn = Connection::from_stream(Echo::new(), stream);
        assert_eq!(next_line(&mut conn).await, "HELLO");
        server.shutdown.cancel();
    })
    .await;
}
