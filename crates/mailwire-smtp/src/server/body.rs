//! Message bodies: DATA through the dot decoder (RFC 5321 §4.1.1.4,
//! §4.5.2), BDAT by exact length (RFC 3030 §2), both streamed to the
//! application and bounded by SIZE (RFC 1870).

use bytes::Buf;
use mailwire_core::{DotChunk, Result};

use super::{AbortReason, Pending, Phase, Server, ServerEvent, reply};
use crate::types::Reply;

impl Server {
    /// One step of a DATA body; `false` when more input is needed.
    pub(super) fn step_data(&mut self) -> bool {
        let max = self.config.limits.max_message_size;
        let Phase::Data {
            decoder,
            size,
            too_big,
        } = &mut self.phase
        else {
            return false;
        };
        match decoder.decode(&mut self.input) {
            None => false,
            Some(DotChunk::Data(mut chunk)) => {
                if !*too_big {
                    let room = max.saturating_sub(*size);
                    if chunk.len() as u64 > room {
                        // Keep reading to the end marker, pass nothing
                        // past the limit on (cut where the limit falls,
                        // so the result does not depend on packet sizes).
                        *too_big = true;
                        chunk.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                    }
                    *size += chunk.len() as u64;
                    if !chunk.is_empty() {
                        self.events.push_back(ServerEvent::DataChunk(chunk));
                    }
                }
                true
            }
            Some(DotChunk::End) => {
                let bare = decoder.saw_bare_line_ending();
                let too_big = *too_big;
                self.phase = Phase::Command;
                if too_big {
                    self.finish_refused(Reply::message_too_big(), AbortReason::TooBig);
                } else if bare {
                    // A bare CR or LF may smuggle a second message past
                    // another server's view of the end marker.
                    self.finish_refused(
                        reply(550, (5, 6, 0), "Message refused: bare CR or LF in the body"),
                        AbortReason::BareLineEnding,
                    );
                } else {
                    self.body_complete();
                }
                true
            }
        }
    }

    /// One step of an accepted BDAT chunk.
    pub(super) fn step_bdat(&mut self) -> bool {
        let Phase::Bdat {
            remaining,
            chunk,
            last,
        } = &mut self.phase
        else {
            return false;
        };
        if *remaining > 0 {
            if self.input.is_empty() {
                return false;
            }
            let n = usize::try_from(*remaining)
                .unwrap_or(usize::MAX)
                .min(self.input.len());
            let data = self.input.split_to(n).freeze();
            *remaining -= n as u64;
            self.events.push_back(ServerEvent::DataChunk(data));
            return true;
        }
        let (chunk, last) = (*chunk, *last);
        self.phase = Phase::Command;
        if let Some(txn) = &mut self.session.txn {
            txn.chunking = true;
        }
        if last {
            self.body_complete();
        } else {
            self.write_reply(reply(250, (2, 0, 0), &format!("{chunk} octets received")));
        }
        true
    }

    /// One step of a BDAT chunk that is read and dropped.
    pub(super) fn step_bdat_skip(&mut self) -> Result<bool> {
        let Phase::BdatSkip { remaining, .. } = &mut self.phase else {
            return Ok(false);
        };
        if *remaining > 0 {
            if self.input.is_empty() {
                return Ok(false);
            }
            let n = usize::try_from(*remaining)
                .unwrap_or(usize::MAX)
                .min(self.input.len());
            self.input.advance(n);
            *remaining -= n as u64;
            return Ok(true);
        }
        let Phase::BdatSkip {
            reply,
            bad_command,
            abort,
            ..
        } = std::mem::replace(&mut self.phase, Phase::Command)
        else {
            return Ok(false);
        };
        if let Some(why) = abort {
            self.events.push_back(ServerEvent::DataAborted(why));
        }
        if bad_command {
            self.protocol_error(reply)?;
        } else {
            self.write_reply(reply);
        }
        Ok(true)
    }

    /// The machine refused the body at its end.
    fn finish_refused(&mut self, r: Reply, why: AbortReason) {
        self.write_reply(r);
        self.session.txn = None;
        self.events.push_back(ServerEvent::DataAborted(why));
    }

    /// The body is complete: the application answers, once per accepted
    /// recipient in LMTP (RFC 2033 §4.2).
    fn body_complete(&mut self) {
        let recipients = if self.config.lmtp {
            self.session.txn.as_ref().map_or(1, |t| t.rcpts.max(1))
        } else {
            1
        };
        self.pending = Some(Pending::DataEnd {
            remaining: recipients,
        });
        self.events.push_back(ServerEvent::DataEnd { recipients });
    }
}
