//! The real SMTP machines on both ends of the driver, over loopback with
//! real TLS: STARTTLS and implicit TLS, and SCRAM-SHA-256-PLUS, which only
//! succeeds when both ends computed the same `tls-exporter` data.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::{test_cert, within};
use mailwire_core::Machine;
use mailwire_sasl::{Credentials, Mechanism, MemoryStore};
use mailwire_smtp::client::{Client, ClientConfig, ClientEvent, Envelope};
use mailwire_smtp::server::{AuthConfig, Server, ServerConfig, ServerEvent};
use mailwire_smtp::{Host, Mailbox};
use mailwire_tokio::{
    CancellationToken, ClientTls, Connection, Incoming, ServeConfig, ServerTls, StartTls,
    connect_implicit_tls, connect_tcp, serve,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(5);

fn server_config(implicit: bool) -> ServerConfig {
    let mut store = MemoryStore::new();
    store.add_user("alice", "secret").unwrap();
    let mut config = ServerConfig::new(Host::try_from("mx.test").unwrap());
    config.starttls = !implicit;
    config.require_tls = true;
    config.auth = AuthConfig::with_store(Arc::new(store), mailwire_sasl::ServerConfig::new());
    config.auth.required = true;
    config
}

/// Accepts everything; reports each message body.
async fn smtp_handler(incoming: Incoming, bodies: mpsc::UnboundedSender<Vec<u8>>) {
    let config = server_config(incoming.is_tls());
    let machine = match incoming.tls_info() {
        Some(info) => Server::with_tls(config, info.clone()),
        None => Server::new(config),
    };
    let mut conn = incoming.into_connection(machine);
    let mut body = Vec::new();
    loop {
        match conn.next_event().await {
            Ok(Some(ServerEvent::DataChunk(chunk))) => body.extend_from_slice(&chunk),
            Ok(Some(ServerEvent::DataEnd { .. })) => {
                conn.machine_mut().accept().unwrap();
                let _ = bodies.send(std::mem::take(&mut body));
            }
            Ok(Some(_)) => {
                if conn.machine().awaits_answer() {
                    conn.machine_mut().accept().unwrap();
                }
            }
            Ok(None) => break,
            Err(e) if !e.is_fatal() => {}
            Err(e) => panic!("server: {e}"),
        }
    }
    let _ = conn.close().await;
}

async fn start(
    config: ServeConfig,
) -> (
    std::net::SocketAddr,
    CancellationToken,
    mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(serve(listener, config, shutdown.clone(), move |incoming| {
        smtp_handler(incoming, tx.clone())
    }));
    (addr, shutdown, rx)
}

/// Authenticates, sends one message, quits; returns the mechanism used.
async fn client_session<S>(mut conn: Connection<Client, S>, body: &'static [u8]) -> Mechanism
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut mechanism = None;
    let mut delivered = false;
    while let Some(event) = conn.next_event().await.expect("client") {
        let client = conn.machine_mut();
        match event {
            ClientEvent::Ready { .. } => {
                assert!(client.is_tls());
                let creds = Credentials::password("alice", "secret");
                mechanism = Some(client.authenticate(&creds).unwrap());
            }
            ClientEvent::Authenticated { .. } => {
                let envelope = Envelope::new(
                    Mailbox::new("alice@mx.test").unwrap(),
                    [Mailbox::new("bob@mx.test").unwrap()],
                );
                client
                    .send_mail(envelope, Bytes::from_static(body))
                    .unwrap();
            }
            ClientEvent::AuthFailed { reply, .. } => panic!("AUTH failed: {reply:?}"),
            ClientEvent::MessageResult { per_recipient } => {
                assert!(per_recipient.iter().all(|(_, r)| r.code.get() == 250));
                delivered = true;
                client.quit().unwrap();
            }
            ClientEvent::TransactionFailed { reply } => panic!("not sent: {reply:?}"),
            _ => {}
        }
    }
    assert!(delivered);
    mechanism.unwrap()
}

#[tokio::test]
async fn smtp_starttls_scram_plus_and_a_message() {
    within(20, async {
        let cert = test_cert();
        let tls = ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap();
        let (addr, shutdown, mut bodies) = start(ServeConfig::default().with_start_tls(tls)).await;
        let client_tls = ClientTls::with_ca_pem_file(&cert.cert_pem, "localhost").unwrap();
        let tcp = connect_tcp(addr, T).await.unwrap();
        let client = Client::new(ClientConfig::new(Host::try_from("client.test").unwrap()));
        let conn = Connection::new(client, tcp).with_start_tls(StartTls::Client(client_tls));
        let body = b"Subject: pair\r\n\r\n.leading dot\r\n";
        let mechanism = client_session(conn, body).await;
        assert_eq!(mechanism, Mechanism::ScramSha256Plus);
        assert_eq!(bodies.recv().await.unwrap(), body);
        shutdown.cancel();
    })
    .await;
}

#[tokio::test]
async fn smtp_implicit_tls_scram_plus_and_a_message() {
    within(20, async {
        let cert = test_cert();
        let tls = ServerTls::from_pem_files(&cert.cert_pem, &cert.key_pem).unwrap();
        let (addr, shutdown, mut bodies) =
            start(ServeConfig::default().with_implicit_tls(tls)).await;
        let client_tls = ClientTls::with_ca_pem_file(&cert.cert_pem, "localhost").unwrap();
        let (stream, info) = connect_implicit_tls(addr, &client_tls, T).await.unwrap();
        let mut config = ClientConfig::new(Host::try_from("client.test").unwrap());
        config.implicit_tls = true;
        let mut client = Client::new(config);
        client.tls_established(info.clone()).unwrap();
        let conn = Connection::from_stream(client, stream).with_tls_info(info);
        let body = b"Subject: implicit\r\n\r\nhi\r\n";
        let mechanism = client_session(conn, body).await;
        assert_eq!(mechanism, Mechanism::ScramSha256Plus);
        assert_eq!(bodies.recv().await.unwrap(), body);
        shutdown.cancel();
    })
    .await;
}

/// A server that accepts and never speaks: the client machine's greeting
/// timer must run from the start, without any byte having been read.
#[tokio::test]
async fn greeting_timeout_runs_against_a_silent_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(socket);
    });
    let mut config = ClientConfig::new(Host::try_from("client.test").unwrap());
    config.timeouts.greeting = Duration::from_millis(200);
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut conn = Connection::new(Client::new(config), stream);
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(T, async {
        loop {
            match conn.next_event().await {
                Ok(Some(_)) => continue,
                other => return other.map(|_| ()),
            }
        }
    })
    .await
    .expect("the greeting timeout must end the connection");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        outcome.is_err() || conn.machine().is_closed(),
        "timed out client must fail or close"
    );
    silent.abort();
}
