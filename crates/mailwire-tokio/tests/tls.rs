//! Plain, STARTTLS and implicit TLS over loopback with real certificates,
//! and the ways verification must fail.

mod common;

use std::time::Duration;

use common::*;
use mailwire_tokio::{
    ClientTls, Connection, EndReason, Error, ServeConfig, ServerTls, StartTls,
    connect_implicit_tls, connect_tcp,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn plain_echo_and_quit() {
    within(10, async {
        let mut server = start_echo_server(ServeConfig::default(), None).await;
        let tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut conn = Connection::new(Echo::new(), tcp);
        assert_eq!(next_line(&mut conn).await, "HELLO");
        conn.machine_mut().send_line(b"hi there");
        assert_eq!(next_line(&mut conn).await, "ECHO hi there");
        conn.machine_mut().send_line(b"TLS?");
        assert_eq!(next_line(&mut conn).await, "NO");
        assert!(!conn.is_tls());
        conn.machine_mut().send_line(b"QUIT");
        assert_eq!(next_line(&mut conn).await, "BYE");
        assert!(conn.next_event().await.unwrap().is_none());
        assert_eq!(conn.end_reason(), Some(EndReason::PeerClosed));

        let report = server.reports.recv().await.unwrap();
        assert_eq!(report.end, Some(EndReason::Closed));
        assert!(report.error.is_none());
        server.shutdown.cancel();
        server.task.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn starttls_switch_with_channel_binding() {
    within(10, async {
        let cert = test_cert();
        let config = ServeConfig::default()
            .with_start_tls(ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap());
        let mut server = start_echo_server(config, None).await;
        let client_tls = ClientTls::with_ca_pem_file(&cert.cert_pem, "localhost").unwrap();
        let tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut conn =
            Connection::new(Echo::new(), tcp).with_start_tls(StartTls::Client(client_tls));

        assert_eq!(next_line(&mut conn).await, "HELLO");
        conn.machine_mut().send_line(b"STARTTLS");
        assert_eq!(next_line(&mut conn).await, "GO");
        conn.machine_mut().start_tls();
        assert_eq!(
            conn.next_event().await.unwrap(),
            Some(EchoEvent::TlsEstablished)
        );
        assert!(conn.is_tls());
        conn.machine_mut().send_line(b"TLS?");
        assert_eq!(next_line(&mut conn).await, "YES");

        // Both ends computed the same channel-binding data.
        let info = conn.machine().tls().cloned().unwrap();
        let exporter = info.tls_exporter.clone().expect("TLS 1.3 exporter");
        assert_eq!(exporter.len(), 32);
        let end_point = info.tls_server_end_point.clone().unwrap();
        let expected = ring::digest::digest(&ring::digest::SHA256, &cert.der);
        assert_eq!(end_point, expected.as_ref());
        conn.machine_mut().send_line(b"CB");
        assert_eq!(
            next_line(&mut conn).await,
            format!("{} {}", hex(&exporter), hex(&end_point))
        );

        conn.machine_mut().send_line(b"QUIT");
        assert_eq!(next_line(&mut conn).await, "BYE");
        assert!(conn.next_event().await.unwrap().is_none());
        let report = server.reports.recv().await.unwrap();
        assert!(report.error.is_none(), "{:?}", report.error);
        assert_eq!(report.tls.unwrap(), info);
        server.shutdown.cancel();
        server.task.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn implicit_tls() {
    within(10, async {
        let cert = test_cert();
        let tls = ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap();
        let mut server =
            start_echo_server(ServeConfig::default().with_implicit_tls(tls), None).await;
        let client_tls = ClientTls::with_ca_pem_file(&cert.cert_pem, "127.0.0.1").unwrap();
        let (stream, info) = connect_implicit_tls(server.addr, &client_tls, T)
            .await
            .unwrap();
        assert!(stream.is_tls());
        assert!(stream.tls_session().unwrap().protocol_version().is_some());
        let mut conn = Connection::from_stream(Echo::new(), stream).with_tls_info(info.clone());
        assert_eq!(next_line(&mut conn).await, "HELLO");
        conn.machine_mut().send_line(b"TLS?");
        assert_eq!(next_line(&mut conn).await, "YES");
        conn.machine_mut().send_line(b"CB");
        assert_eq!(
            next_line(&mut conn).await,
            format!(
                "{} {}",
                hex(info.tls_exporter.as_deref().unwrap()),
                hex(info.tls_server_end_point.as_deref().unwrap())
            )
        );
        conn.machine_mut().send_line(b"QUIT");
        assert_eq!(next_line(&mut conn).await, "BYE");
        assert!(conn.next_event().await.unwrap().is_none());
        let report = server.reports.recv().await.unwrap();
        assert_eq!(report.tls.unwrap(), info);
        server.shutdown.cancel();
        server.task.await.unwrap().unwrap();
    })
    .await;
}

fn assert_certificate_error(err: &Error) {
    assert!(matches!(err, Error::TlsHandshake(_)), "{err:?}");
    assert!(
        matches!(
            err.rustls_error(),
            Some(rustls::Error::InvalidCertificate(_))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn implicit_tls_refuses_wrong_name_and_untrusted_certificate() {
    within(10, async {
        let cert = test_cert();
        let tls = ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap();
        let server = start_echo_server(ServeConfig::default().with_implicit_tls(tls), None).await;

        let wrong_name = ClientTls::with_ca_pem_file(&cert.cert_pem, "mail.example.org").unwrap();
        let err = connect_implicit_tls(server.addr, &wrong_name, T)
            .await
            .unwrap_err();
        assert_certificate_error(&err);

        let untrusted = ClientTls::webpki_roots("localhost").unwrap();
        let err = connect_implicit_tls(server.addr, &untrusted, T)
            .await
            .unwrap_err();
        assert_certificate_error(&err);

        // The explicitly named insecure configuration connects.
        let insecure = ClientTls::new(
            mailwire_tokio::tls::danger_client_config_without_verification().unwrap(),
            "mail.example.org",
        )
        .unwrap();
        let (stream, _) = connect_implicit_tls(server.addr, &insecure, T)
            .await
            .unwrap();
        let mut conn = Connection::from_stream(Echo::new(), stream);
        assert_eq!(next_line(&mut conn).await, "HELLO");
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn starttls_verification_failure_never_falls_back_to_cleartext() {
    within(10, async {
        let cert = test_cert();
        let config = ServeConfig::default()
            .with_start_tls(ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap());
        let server = start_echo_server(config, None).await;
        let wrong_name = ClientTls::with_ca_pem_file(&cert.cert_pem, "other.example").unwrap();
        let tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut conn =
            Connection::new(Echo::new(), tcp).with_start_tls(StartTls::Client(wrong_name));
        assert_eq!(next_line(&mut conn).await, "HELLO");
        conn.machine_mut().send_line(b"STARTTLS");
        assert_eq!(next_line(&mut conn).await, "GO");
        conn.machine_mut().start_tls();
        let err = conn.next_event().await.unwrap_err();
        assert_certificate_error(&err);
        assert!(matches!(conn.next_event().await, Err(Error::Broken)));
        assert!(!conn.is_tls());
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn tls_request_without_configuration_is_an_error() {
    within(10, async {
        let server = start_echo_server(ServeConfig::default(), None).await;
        let tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut conn = Connection::new(Echo::new(), tcp);
        assert_eq!(next_line(&mut conn).await, "HELLO");
        conn.machine_mut().start_tls();
        assert!(matches!(
            conn.next_event().await,
            Err(Error::TlsNotConfigured)
        ));
        assert!(matches!(conn.next_event().await, Err(Error::Broken)));
        server.shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn cleartext_after_switch_point_is_refused() {
    within(10, async {
        let cert = test_cert();
        let config = ServeConfig::default()
            .with_start_tls(ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap());
        let mut server = start_echo_server(config, None).await;
        let mut tcp = connect_tcp(server.addr, T).await.unwrap();
        let mut greeting = [0u8; 7];
        tcp.read_exact(&mut greeting).await.unwrap();
        assert_eq!(&greeting, b"HELLO\r\n");
        // One write, so that the server reads both lines at once.
        tcp.write_all(b"STARTTLS\r\nINJECTED\r\n").await.unwrap();
        let mut rest = Vec::new();
        tcp.read_to_end(&mut rest).await.unwrap();
        // The go-ahead was flushed, then the connection ended: no handshake.
        assert_eq!(rest, b"GO\r\n");
        let report = server.reports.recv().await.unwrap();
        match report.error {
            Some(Error::Protocol(e)) => assert!(e.is_fatal()),
            other => panic!("expected a protocol error, got {other:?}"),
        }
        assert!(report.tls.is_none());
        server.shutdown.cancel();
    })
    .await;
}
