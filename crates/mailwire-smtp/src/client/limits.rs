//! The server's `LIMITS` (RFC 9422): recipients and recipient domains per
//! transaction, transactions per session.
//!
//! RFC 9422 lets a server announce what it would otherwise enforce by
//! refusing commands (a `452` to the RCPT past the limit, RFC 5321
//! §4.5.3.1.10, after which the client sends the rest in a later
//! transaction). The client honours the announcement instead of running
//! into the refusals: a message with more recipients than one
//! transaction may carry goes out as several transactions
//! ([`Client::send_mail`]), and no more transactions are started than
//! `MAILMAX` allows.

use mailwire_core::{Error, Result};

use super::{Client, Envelope, Op, Recipient};
use crate::types::{Capability, MailLimits};

/// The limits the client applies, from the last EHLO reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Applied {
    rcpt_max: Option<usize>,
    domain_max: Option<usize>,
    mail_max: Option<u64>,
}

/// A limit of 0 would forbid what the server offers to do; it is read as
/// no limit rather than as a refusal of all mail.
fn positive(v: Option<u64>) -> Option<u64> {
    v.filter(|&n| n > 0)
}

fn applied(limits: Option<&MailLimits>) -> Applied {
    let Some(l) = limits else {
        return Applied::default();
    };
    let size = |v: Option<u64>| positive(v).map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    Applied {
        rcpt_max: size(l.rcpt_max),
        domain_max: size(l.rcpt_domain_max),
        mail_max: positive(l.mail_max),
    }
}

/// The domain a recipient counts against `RCPTDOMAINMAX`, folded to
/// lower case (domains compare case-insensitively, RFC 5321 §2.4). The
/// bare `<Postmaster>` names the server itself and counts against none.
/// A U-label and its A-label count as two domains: more transactions,
/// never one the server refuses.
fn domain_key(r: &Recipient) -> Option<String> {
    r.path.mailbox().map(|m| m.host_str().to_lowercase())
}

/// One share of recipients being filled.
struct Share {
    recipients: Vec<Recipient>,
    domains: Vec<String>,
}

/// Splits `recipients` into shares of at most `rcpt_max` recipients and
/// `domain_max` distinct domains each: each recipient goes into the first
/// share with room for it, so their order is kept within a share and as
/// few shares are made as this simple rule finds.
fn split(
    recipients: &[Recipient],
    rcpt_max: Option<usize>,
    domain_max: Option<usize>,
) -> Vec<Vec<Recipient>> {
    let rcpt_max = rcpt_max.unwrap_or(usize::MAX).max(1);
    let domain_max = domain_max.unwrap_or(usize::MAX).max(1);
    let mut shares: Vec<Share> = Vec::new();
    // Indexes of shares that are not yet full.
    let mut open: Vec<usize> = Vec::new();
    for r in recipients {
        let key = domain_key(r);
        let fits = |s: &Share| match &key {
            None => true,
            Some(k) => s.domains.contains(k) || s.domains.len() < domain_max,
        };
        let at = open.iter().position(|&i| fits(&shares[i]));
        let i = match at {
            Some(at) => open[at],
            None => {
                shares.push(Share {
                    recipients: Vec::new(),
                    domains: Vec::new(),
                });
                open.push(shares.len() - 1);
                shares.len() - 1
            }
        };
        let share = &mut shares[i];
        share.recipients.push(r.clone());
        if let Some(k) = key
            && !share.domains.contains(&k)
        {
            share.domains.push(k);
        }
        if share.recipients.len() >= rcpt_max {
            open.retain(|&j| j != i);
        }
    }
    shares.into_iter().map(|s| s.recipients).collect()
}

impl Client {
    /// The server's `LIMITS` (RFC 9422), if its last EHLO reply had them.
    pub fn mail_limits(&self) -> Option<&MailLimits> {
        self.ehlo.as_ref().and_then(|e| {
            e.capabilities.iter().find_map(|c| match c {
                Capability::Limits(l) => Some(l),
                _ => None,
            })
        })
    }

    fn applied_limits(&self) -> Applied {
        applied(self.mail_limits())
    }

    /// How many more transactions this session may start under the
    /// server's `LIMITS MAILMAX` (RFC 9422), counting every MAIL sent
    /// (accepted or refused) and every transaction queued; `None` when
    /// the server set no such limit. At 0, QUIT and open a new session.
    pub fn transactions_left(&self) -> Option<u64> {
        let max = self.applied_limits().mail_max?;
        let queued = self.ops.iter().filter(|o| matches!(o, Op::Mail(_))).count() as u64;
        Some(max.saturating_sub(self.mails_sent.saturating_add(queued)))
    }

    /// Splits `envelope` into as many envelopes as the server's
    /// `LIMITS RCPTMAX` and `RCPTDOMAINMAX` (RFC 9422) need: each has the
    /// same sender and DSN parameters and a share of the recipients, with
    /// at most `RCPTMAX` recipients and `RCPTDOMAINMAX` distinct
    /// recipient domains (compared case-insensitively; the bare
    /// `<Postmaster>` counts against none). One envelope, unchanged, when
    /// no limit applies. For an application that streams its bodies with
    /// [`start_mail`](Self::start_mail), or spreads the parts over
    /// several sessions when `MAILMAX` is short.
    pub fn split_envelope(&self, envelope: &Envelope) -> Vec<Envelope> {
        self.split_recipients(&envelope.recipients)
            .into_iter()
            .map(|recipients| Envelope {
                recipients,
                ..envelope.clone()
            })
            .collect()
    }

    pub(super) fn split_recipients(&self, recipients: &[Recipient]) -> Vec<Vec<Recipient>> {
        let limits = self.applied_limits();
        if limits.rcpt_max.is_none_or(|m| recipients.len() <= m) && limits.domain_max.is_none() {
            return vec![recipients.to_vec()];
        }
        split(recipients, limits.rcpt_max, limits.domain_max)
    }

    /// Refuses `count` new transactions past `MAILMAX`.
    pub(super) fn check_mail_max(&self, count: usize) -> Result<()> {
        if let (Some(left), Some(max)) = (self.transactions_left(), self.applied_limits().mail_max)
            && (count as u64) > left
        {
            // RFC 9422: the server would refuse MAIL past its limit; the
            // message belongs in a new session.
            return Err(Error::limit(
                "transactions per session (the server's LIMITS MAILMAX, RFC 9422): QUIT and send it in a new session",
                max,
                true,
            ));
        }
        Ok(())
    }

    pub(super) fn split_needed_error(&self) -> Error {
        let limits = self.applied_limits();
        match limits.rcpt_max {
            Some(max) => Error::limit(
                "recipients (or recipient domains) per transaction (the server's LIMITS RCPTMAX / RCPTDOMAINMAX, RFC 9422): split the envelope with Client::split_envelope",
                max as u64,
                true,
            ),
            None => Error::limit(
                "recipient domains per transaction (the server's LIMITS RCPTDOMAINMAX, RFC 9422): split the envelope with Client::split_envelope",
                limits.domain_max.unwrap_or(0) as u64,
                true,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Recipient, split};
    use crate::Mailbox;

    fn r(s: &str) -> Recipient {
        Recipient::new(Mailbox::new(s).unwrap())
    }

    fn names(shares: &[Vec<Recipient>]) -> Vec<Vec<String>> {
        shares
            .iter()
            .map(|s| {
                s.iter()
                    .map(|r| r.path.mailbox().unwrap().as_str().to_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rcpt_max_cuts_in_order() {
        let all: Vec<_> = (0..5).map(|i| r(&format!("u{i}@x.example"))).collect();
        let got = names(&split(&all, Some(2), None));
        assert_eq!(
            got,
            [
                vec!["u0@x.example", "u1@x.example"],
                vec!["u2@x.example", "u3@x.example"],
                vec!["u4@x.example"]
            ]
        );
    }

    #[test]
    fn domain_max_groups_domains_case_insensitively() {
        let all = [
            r("a@x.example"),
            r("b@y.example"),
            r("c@X.EXAMPLE"),
            r("d@z.example"),
            r("e@y.example"),
        ];
        let got = names(&split(&all, None, Some(1)));
        assert_eq!(
            got,
            [
                vec!["a@x.example", "c@X.EXAMPLE"],
                vec!["b@y.example", "e@y.example"],
                vec!["d@z.example"]
            ]
        );
        let got = names(&split(&all, Some(2), Some(2)));
        assert_eq!(
            got,
            [
                vec!["a@x.example", "b@y.example"],
                vec!["c@X.EXAMPLE", "d@z.example"],
                vec!["e@y.example"]
            ]
        );
    }

    #[test]
    fn every_recipient_lands_exactly_once_within_limits() {
        let all: Vec<_> = (0..200)
            .map(|i| r(&format!("u{i}@d{}.example", (i * 7) % 13)))
            .collect();
        for rcpt_max in [1, 2, 3, 10, 500] {
            for domain_max in [1, 2, 5, 100] {
                let shares = split(&all, Some(rcpt_max), Some(domain_max));
                let mut seen: Vec<_> = shares.iter().flatten().cloned().collect();
                assert_eq!(seen.len(), all.len());
                seen.sort_by(|a, b| format!("{:?}", a.path).cmp(&format!("{:?}", b.path)));
                let mut want = all.clone();
                want.sort_by(|a, b| format!("{:?}", a.path).cmp(&format!("{:?}", b.path)));
                assert_eq!(seen, want);
                for s in &shares {
                    assert!(!s.is_empty() && s.len() <= rcpt_max);
                    let mut d: Vec<_> = s
                        .iter()
                        .map(|r| r.path.mailbox().unwrap().host_str().to_lowercase())
                        .collect();
                    d.sort();
                    d.dedup();
                    assert!(d.len() <= domain_max);
                }
            }
        }
    }
}
