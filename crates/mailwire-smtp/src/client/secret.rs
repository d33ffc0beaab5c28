//! Output that carries credentials (the AUTH line with its initial
//! response, SASL responses, RFC 4954 §4), kept out of the reusable
//! transmit buffer.
//!
//! [`Transmit`](mailwire_core::Transmit) hands bytes out of a `BytesMut`
//! and only moves its cursor when they are written: the written bytes stay
//! in its allocation until they happen to be overwritten, and a growing
//! buffer copies them to a new allocation and frees the old one as it is.
//! So a secret line never enters it. It waits here, in an allocation of
//! its exact size that is zeroed when the last of its bytes has been
//! written (or when the client is dropped), and is handed to the driver in
//! its turn: after the output queued before it, before the output queued
//! after it.

use bytes::BytesMut;
use mailwire_sasl::Zeroizing;

use super::Client;

/// A secret line (or lines) waiting to be written.
pub(super) struct SecretOut {
    /// Zeroed, whole capacity, when dropped.
    buf: Zeroizing<Vec<u8>>,
    /// How much of `buf` was written.
    pos: usize,
    /// How many bytes of the transmit buffer go out before it.
    after: usize,
}

impl SecretOut {
    fn rest(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }
}

impl Client {
    /// Queues bytes that carry credentials, the concatenation of `parts`.
    pub(super) fn push_secret(&mut self, parts: &[&[u8]]) {
        self.note_output();
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let (mut buf, after) = match self.secret.take() {
            None => (Zeroizing::new(Vec::with_capacity(total)), self.out.len()),
            Some(old) => {
                // A second secret while the first is still waiting (a
                // server that answers before it has read our line): one
                // fresh allocation of the exact size holds the rest of
                // the old one, then any output queued after it (so the
                // order holds), then the new one; the old is zeroed as it
                // drops.
                let queued_after = self.out.len().saturating_sub(old.after);
                let mut buf =
                    Zeroizing::new(Vec::with_capacity(old.rest().len() + queued_after + total));
                buf.extend_from_slice(old.rest());
                if let Some(pending) = self.out.pending() {
                    buf.extend_from_slice(pending.get(old.after..).unwrap_or(&[]));
                }
                self.out.buffer().truncate(old.after);
                (buf, old.after)
            }
        };
        for p in parts {
            buf.extend_from_slice(p);
        }
        self.queued_total += total as u64;
        self.secret = Some(SecretOut { buf, pos: 0, after });
    }

    /// All output waiting: the transmit buffer and a secret line.
    pub(super) fn pending_len(&self) -> usize {
        self.out.len() + self.secret.as_ref().map_or(0, |s| s.rest().len())
    }

    /// What the driver writes next.
    pub(super) fn next_output(&self) -> Option<&[u8]> {
        match &self.secret {
            None => self.out.pending(),
            Some(s) if s.after == 0 => Some(s.rest()).filter(|r| !r.is_empty()),
            Some(s) => self.out.pending().map(|p| &p[..s.after.min(p.len())]),
        }
    }

    /// `n` bytes of [`next_output`](Self::next_output) were written;
    /// returns how many counted.
    pub(super) fn output_written(&mut self, n: usize) -> usize {
        let n = n.min(self.next_output().map_or(0, <[u8]>::len));
        match self.secret.as_mut() {
            None => self.out.advance(n),
            Some(s) if s.after > 0 => {
                self.out.advance(n);
                s.after -= n;
            }
            Some(s) => {
                s.pos += n;
                if s.pos >= s.buf.len() {
                    // Written in full: zeroed and freed now.
                    self.secret = None;
                }
            }
        }
        n
    }

    /// Output written straight into the transmit buffer by `write` (never
    /// a secret: see [`push_secret`](Self::push_secret)).
    pub(super) fn write_plain(&mut self, write: impl FnOnce(&mut BytesMut)) -> usize {
        let before = self.out.len();
        write(self.out.buffer());
        self.out.len() - before
    }
}

#[cfg(test)]
mod tests {
    use mailwire_core::{Machine, b64};
    use mailwire_sasl::{Credentials, Mechanism};

    use super::super::{Client, ClientConfig, TlsPolicy};
    use crate::Host;

    fn ready(client: &mut Client) {
        client.receive(b"220 mx\r\n").unwrap();
        while client.poll_event().unwrap().is_some() {}
        let n = client.poll_transmit().unwrap().len();
        client.advance_transmit(n);
        client
            .receive(b"250-mx\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n")
            .unwrap();
        while client.poll_event().unwrap().is_some() {}
        assert!(client.is_ready());
    }

    fn config() -> ClientConfig {
        let mut c = ClientConfig::new(Host::try_from("client.example").unwrap());
        c.tls = TlsPolicy::None;
        c.allow_cleartext_auth = true;
        c
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// Everything the machine holds in its output buffers, including the
    /// written bytes still in the transmit buffer's allocation (as far as
    /// its own API shows them: the pending part) and the secret line.
    fn held(client: &Client) -> Vec<u8> {
        let mut all = client.out.pending().unwrap_or(&[]).to_vec();
        if let Some(s) = &client.secret {
            all.extend_from_slice(&s.buf);
        }
        all
    }

    /// The AUTH PLAIN line never enters the reusable transmit buffer, is
    /// handed out whole and in order even when written a byte at a time,
    /// and no copy of it is left once it has been written.
    #[test]
    fn auth_line_is_gone_once_written() {
        let mut client = Client::new(config());
        ready(&mut client);
        client.noop().unwrap();
        let creds = Credentials::password("user", "s3cret-pass");
        client.authenticate_with(Mechanism::Plain, &creds).unwrap();
        let secret = b64::encode(b"\0user\0s3cret-pass");
        // NOOP goes first; AUTH waits for its reply (one op at a time).
        let mut wire = Vec::new();
        while let Some(d) = client.poll_transmit() {
            wire.extend_from_slice(&d[..1]);
            client.advance_transmit(1);
        }
        assert_eq!(wire, b"NOOP\r\n");
        client.receive(b"250 OK\r\n").unwrap();
        while client.poll_event().unwrap().is_some() {}
        assert!(client.secret.is_some());
        assert!(!contains(
            client.out.pending().unwrap_or(&[]),
            secret.as_bytes()
        ));
        assert!(contains(&held(&client), secret.as_bytes()));
        let mut wire = Vec::new();
        while let Some(d) = client.poll_transmit() {
            wire.extend_from_slice(&d[..1]);
            client.advance_transmit(1);
        }
        let expected = format!("AUTH PLAIN {secret}\r\n");
        assert_eq!(String::from_utf8_lossy(&wire), expected);
        assert!(client.secret.is_none());
        assert!(!contains(&held(&client), secret.as_bytes()));
        // Not a byte of it ever went through the transmit buffer, whose
        // written bytes linger in its allocation.
        assert!(!contains(&client.out_log, secret.as_bytes()));
        assert!(contains(&client.out_log, b"NOOP\r\n"));
        client.receive(b"235 OK\r\n").unwrap();
        while client.poll_event().unwrap().is_some() {}
        assert!(client.is_authenticated());
    }

    /// Output queued before a secret goes first, then the secret, then
    /// output queued after it; a second secret queued while the first
    /// waits keeps that order too.
    #[test]
    fn secret_keeps_its_place_in_the_output() {
        let mut client = Client::new(config());
        client.push_out(b"one ");
        client.push_secret(&[b"S1", b" "]);
        client.push_out(b"two ");
        client.push_secret(&[b"S2"]);
        client.push_out(b" three");
        assert_eq!(client.pending_len(), 4 + 3 + 4 + 2 + 6);
        let mut wire = Vec::new();
        while let Some(d) = client.poll_transmit() {
            let n = d.len().min(3);
            wire.extend_from_slice(&d[..n]);
            client.advance_transmit(n);
        }
        // The greeting wait put nothing out; all of it is ours.
        assert_eq!(String::from_utf8_lossy(&wire), "one S1 two S2 three");
        assert!(client.secret.is_none());
        assert_eq!(client.pending_len(), 0);
    }
}
