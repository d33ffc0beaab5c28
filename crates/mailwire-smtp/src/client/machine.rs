//! [`Machine`] for [`Client`]: input, output, time and the TLS switch.

use std::time::Instant;

use bytes::BytesMut;
use mailwire_core::{Error, Machine, Result, TlsInfo};

use super::{Client, ClientEvent, Sent};

impl Machine for Client {
    type Event = ClientEvent;

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        // Replies already received come first.
        self.read_input();
        if self.closed {
            return Ok(());
        }
        let waiting_quit = self.in_flight.front().is_some_and(|f| f.sent == Sent::Quit);
        if self.in_flight.is_empty() && self.txn.is_none() && self.auth.is_none() || waiting_quit {
            self.events.push_back(ClientEvent::Closed(None));
            self.close();
        } else {
            self.fail(
                Error::remote_fatal("the server closed the connection before replying", b""),
                false,
            );
        }
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<ClientEvent>> {
        if self.events.is_empty() {
            self.read_input();
        }
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        if let Some(error) = self.fatal.take() {
            return Err(error);
        }
        if self.closed {
            // Nothing the server sends now can matter.
            self.input.clear();
        }
        Ok(None)
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        self.next_output()
    }

    fn advance_transmit(&mut self, n: usize) {
        let n = self.output_written(n);
        if n > 0 {
            self.written_total += n as u64;
            self.progress = true;
        }
        self.pump();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.closed || self.tls_pending {
            return None;
        }
        let reply = self.in_flight.front().and_then(|f| f.deadline);
        let stall = if self.pending_len() == 0 {
            None
        } else {
            self.stalled_since
                .map(|s| s + self.config.timeouts.data_block)
        };
        match (reply, stall) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        if self.closed || self.tls_pending {
            return;
        }
        if self.progress || self.stalled_since.is_none() {
            self.stalled_since = (self.pending_len() > 0).then_some(now);
        }
        self.progress = false;
        let written = self.written_total;
        for f in self.in_flight.iter_mut() {
            if f.fresh || f.deadline.is_none() {
                f.fresh = false;
                f.deadline = Some(now + f.timeout);
            }
        }
        if let Some(front) = self.in_flight.front_mut()
            && !front.rebased
            && written >= front.ends_at
        {
            // The wait for a reply starts when the command is written.
            front.rebased = true;
            front.deadline = Some(now + front.timeout);
        }
        if let Some(front) = self.in_flight.front()
            && front.deadline.is_some_and(|d| d <= now)
        {
            let what = format!("{:?}", front.sent);
            self.fail(
                Error::remote_fatal(
                    "the server did not reply in time (RFC 5321 §4.5.3.2)",
                    what.as_bytes(),
                ),
                false,
            );
            return;
        }
        if self.pending_len() > 0
            && self
                .stalled_since
                .is_some_and(|s| s + self.config.timeouts.data_block <= now)
        {
            self.fail(
                Error::remote_fatal(
                    "the server did not read our data in time (RFC 5321 §4.5.3.2.5)",
                    b"",
                ),
                false,
            );
        }
    }

    fn tls_pending(&self) -> bool {
        self.tls_pending
    }

    fn tls_established(&mut self, info: TlsInfo) -> Result<()> {
        if self.config.implicit_tls && !self.greeted && self.tls_info.is_none() {
            self.tls_info = Some(info);
            return Ok(());
        }
        if !self.tls_pending {
            return Err(Error::local("no TLS switch is pending"));
        }
        if !self.input.is_empty() {
            let rest = self.input.clone();
            self.fail(
                Error::remote_fatal("cleartext data after the 220 to STARTTLS", &rest),
                false,
            );
            return Err(self.fatal.take().unwrap_or_else(|| Error::local("closed")));
        }
        self.tls_pending = false;
        self.tls = true;
        self.tls_info = Some(info);
        // RFC 3207 §4.2: forget everything learned before TLS.
        self.ehlo = None;
        self.framer.reset();
        self.assembler.reset();
        let verb = self.first_hello();
        self.send_hello(verb);
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}
