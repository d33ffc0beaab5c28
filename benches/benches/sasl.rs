//! SASL exchanges: what a server spends per authentication.
//!
//! SCRAM's server side needs no key derivation (it holds StoredKey and
//! ServerKey), so its cost is a few HMACs; PLAIN against `MemoryStore`
//! pays one PBKDF2 run on purpose. The reference line `hi_4096` is the
//! PBKDF2 run itself (what a client pays per SCRAM login), to read the
//! other numbers as ratios.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use mailwire_sasl::{
    ClientExchange, Credentials, Mechanism, MemoryStore, ScramCredentials, ScramHash, ServerConfig,
    ServerExchange, ServerStep,
};

const CLIENT_NONCE: &str = "fyko+d2lbbFgONRv9qkxdawL";
const SERVER_NONCE: &str = "3rfcNHYJY1ZVvWVs7j";

fn scram_messages(store: &MemoryStore) -> (Vec<u8>, Vec<u8>) {
    let creds = Credentials::password("alice", "secret one");
    let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, None)
        .unwrap()
        .with_nonce(CLIENT_NONCE)
        .unwrap();
    let mut server = ServerExchange::new(Mechanism::ScramSha256, &ServerConfig::new())
        .unwrap()
        .with_nonce(SERVER_NONCE)
        .unwrap();
    let first = client.initial_response().unwrap().to_vec();
    let ServerStep::Challenge(sf) = server.start(store, Some(&first)) else {
        panic!("no server-first")
    };
    let fin = client.step(&sf).unwrap().to_vec();
    (first, fin)
}

fn bench(c: &mut Criterion) {
    let mut store = MemoryStore::new().with_iterations(4096);
    store.add_user("alice", "secret one").unwrap();
    let (first, fin) = scram_messages(&store);
    let config = ServerConfig::new();

    let mut g = c.benchmark_group("sasl");
    g.bench_function("scram_sha256_server_exchange", |b| {
        b.iter(|| {
            let mut server = ServerExchange::new(Mechanism::ScramSha256, &config)
                .unwrap()
                .with_nonce(SERVER_NONCE)
                .unwrap();
            let _ = server.start(&store, Some(black_box(&first)));
            let step = server.step(&store, black_box(&fin));
            assert!(matches!(step, ServerStep::Challenge(_)));
            step
        })
    });
    g.bench_function("plain_server_exchange_memory_store", |b| {
        b.iter(|| {
            let mut server = ServerExchange::new(Mechanism::Plain, &config).unwrap();
            server.start(&store, Some(black_box(b"\0alice\0secret one")))
        })
    });
    g.bench_function("hi_4096_reference", |b| {
        b.iter(|| {
            ScramCredentials::derive(ScramHash::Sha256, black_box("secret one"), b"salt", 4096)
        })
    });
    g.bench_function("mechanism_parse_capability_list", |b| {
        let list =
            "SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN XOAUTH2 OAUTHBEARER GSSAPI";
        b.iter(|| {
            black_box(list)
                .split(' ')
                .filter_map(|n| n.parse::<Mechanism>().ok())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
