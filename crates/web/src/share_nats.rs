//! Publishing grants' change feeds to NATS JetStream (issue 14: "optionally per grant, the same
//! changes published to a NATS JetStream subject"). A grant approved with `nats: true` has the
//! subject `<nats_prefix>.grant.<id>` (`tianfu.share.grant.<id>` unless configured); when the
//! server has `nats_url`, every few seconds
//! [`round`] reads each such grant's feed ([`store::share::changes`], the very function behind
//! `GET /api/v1/share/{id}/changes`) from where it stopped and publishes each change as one
//! message: the same JSON as an item of that feed plus the grant, with `Nats-Msg-Id`
//! `<grant>:<version>:<id>:<op>` so that a page published twice (a crash between the server's
//! acknowledgement and the saved position) is dropped by the stream's duplicate window.
//!
//! A grant's position (`nats_version`, `nats_after`) moves only after JetStream acknowledged
//! every message of a page: delivery is at least once, in feed order. Revoked, expired and not
//! yet valid grants publish nothing ([`store::share::Share::share_publishing`]). Each round that
//! published something for a grant is audited (`share_publish`: consumer, grant, fields, rows,
//! subject) and counted in the grant's usage, like a pull.

use crate::seal;
use serde_json::json;
use store::StoreError;

/// Pages of changes one grant publishes per round at most (1,000 changes each), so that one big
/// import does not hold the round from the other grants.
const PAGES_PER_ROUND: usize = 20;
/// How long the publisher waits for NATS.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// Grants that publish.
    pub grants: usize,
    /// Messages published (and acknowledged).
    pub published: usize,
    /// Grants whose publishing failed this round, with the reason (also kept on the grant).
    pub failed: Vec<(i64, String)>,
}

/// One published change: an item of the API's change feed, with its grant.
#[derive(serde::Serialize)]
struct Message {
    grant: i64,
    op: &'static str,
    version: i64,
    id: String,
    row: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The per-grant pseudonym of a record key: HMAC-SHA256 under the instance's `share-row` key of
/// the grant and the key, 128 bits in hex. A consumer can match its copy's rows across changes
/// but cannot learn the key, nor link records across grants.
pub fn pseudonym(k: &seal::MacKey, grant: i64, key: &str) -> String {
    let m = k.mac(&[&grant.to_be_bytes(), key.as_bytes()]);
    m[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of [`pseudonym`].
pub fn pseudonym_key() -> seal::MacKey {
    seal::MacKey::new(&seal::subkey("share-row"))
}

/// Connects to `url` and makes sure the stream `stream` exists and takes the subjects
/// `<prefix>.grant.>` (the configuration's `nats_stream` and `nats_prefix`).
pub fn connect(url: &str, stream: &str, prefix: &str) -> Result<jetstream::Client, jetstream::Error> {
    let mut c = jetstream::Client::connect(url, TIMEOUT)?;
    c.ensure_stream(stream, &[format!("{prefix}.grant.>")], None)?;
    Ok(c)
}

/// One round over every publishing grant. A NATS error stops that grant's round (kept on the
/// grant, returned in [`Round::failed`]) and the next grant is tried; a store error ends the round.
pub fn round(s: &mut dyn store::Backend, nats: &mut jetstream::Client, now: i64) -> Result<Round, StoreError> {
    let k = pseudonym_key();
    let mut out = Round::default();
    for a in s.share_publishing(now)? {
        out.grants += 1;
        let g = a.grant().clone();
        let Some(cols) = a.columns(&[]) else { continue };
        let names = cols.names();
        let (mut version, mut after) = (g.nats_version, Some(g.nats_after.clone()).filter(|x| !x.is_empty()));
        let mut sent = 0usize;
        let mut error = String::new();
        for _ in 0..PAGES_PER_ROUND {
            let feed = match store::share::changes(s, &cols, version, after.as_deref(), store::share::MAX_ROWS) {
                Ok(f) => f,
                // A position the feed no longer reads (it cannot happen but by hand): start over.
                Err(StoreError::BadCursor) => {
                    (version, after) = (0, None);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let msgs: Vec<(String, Option<String>, Vec<u8>)> = feed
                .changes
                .iter()
                .map(|c| {
                    let id = pseudonym(&k, g.id, &c.key);
                    let row = c.row.as_ref().map(|r| names.iter().cloned().zip(r.iter().cloned().map(serde_json::Value::String)).collect::<serde_json::Map<_, _>>());
                    let msg_id = format!("{}:{}:{}:{}", g.id, c.version, id, c.op.code());
                    let body = serde_json::to_vec(&Message { grant: g.id, op: c.op.code(), version: c.version, id, row }).expect("a message serialises");
                    (g.nats_subject.clone(), Some(msg_id), body)
                })
                .collect();
            if !msgs.is_empty() {
                if let Err(e) = nats.publish_batch(&msgs) {
                    error = format!("{e}");
                    break;
                }
                sent += msgs.len();
            }
            match feed.next {
                Some(n) => after = Some(n),
                None => (version, after) = (feed.version, None),
            }
            s.share_published(g.id, version, after.as_deref().unwrap_or(""), "")?;
            if after.is_none() {
                break;
            }
        }
        if !error.is_empty() {
            s.share_published(g.id, version, after.as_deref().unwrap_or(""), &error)?;
            out.failed.push((g.id, error));
        }
        if sent > 0 {
            s.share_count(&a, sent as u64, now)?;
            s.append_audit(&store::AuditEvent {
                actor: "system".into(),
                action: "share_publish".into(),
                target: format!("share_grant:{}", g.id),
                detail: json!({ "consumer": g.consumer_id, "grant": g.id, "fields": names.join(","), "rows": sent, "subject": g.nats_subject }).to_string(),
                ip: String::new(),
                outcome: "ok".into(),
            })?;
            out.published += sent;
        }
    }
    Ok(out)
}
