//! Against the NATS server on 127.0.0.1:4222 (nats-server -js): skipped with a line on stderr
//! when it is not reachable, unless TIANFU_REQUIRE_NATS=1. Fake servers (std listeners in a
//! thread) cover what the real one does not do on demand: refusal, no JetStream, silence.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use jetstream::{Client, Ensured, Error};

const NATS: &str = "127.0.0.1:4222";
const T: Duration = Duration::from_secs(5);

fn server() -> Option<Client> {
    match Client::connect(NATS, T) {
        Ok(c) => Some(c),
        Err(e) if std::env::var("TIANFU_REQUIRE_NATS").as_deref() == Ok("1") => {
            panic!("TIANFU_REQUIRE_NATS=1 but: {e}")
        }
        Err(e) => {
            eprintln!("skipped: no NATS server ({e})");
            None
        }
    }
}

/// A stream name no other test (or run) uses.
fn unique(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("TFTEST_{}_{}_{tag}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Deletes the stream even when the test fails.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(NATS, T) {
            let _ = c.delete_stream(&self.0);
        }
    }
}

fn subjects(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

#[test]
fn connect_ping_and_ensure_stream() {
    let Some(mut c) = server() else { return };
    assert!(c.server_info().jetstream);
    let rtt = c.ping().unwrap();
    assert!(rtt < T);
    let name = unique("ensure");
    let _cleanup = Cleanup(name.clone());
    let a = format!("{}.a.>", name.to_lowercase());
    let b = format!("{}.b", name.to_lowercase());

    let info = c.ensure_stream(&name, &subjects(&[&a]), Some(Duration::from_secs(3600))).unwrap();
    assert_eq!(info.ensured, Ensured::Created);
    assert_eq!((info.name.as_str(), info.subjects.clone()), (name.as_str(), vec![a.clone()]));
    assert_eq!(info.max_age, Some(Duration::from_secs(3600)));
    assert_eq!(info.duplicate_window, Duration::from_secs(120));
    assert_eq!(info.messages, 0);

    let again = c.ensure_stream(&name, &subjects(&[&a]), None).unwrap();
    assert_eq!(again.ensured, Ensured::Found);
    // A subject the stream's wildcard already covers needs no update.
    let covered = format!("{}.a.x.y", name.to_lowercase());
    assert_eq!(c.ensure_stream(&name, &subjects(&[&covered]), None).unwrap().ensured, Ensured::Found);

    let updated = c.ensure_stream(&name, &subjects(&[&a, &b]), None).unwrap();
    assert_eq!(updated.ensured, Ensured::Updated);
    assert_eq!(updated.subjects, vec![a.clone(), b.clone()]);
    assert_eq!(updated.max_age, Some(Duration::from_secs(3600)), "the update keeps the configuration");
    assert_eq!(c.stream_info(&name).unwrap().subjects, vec![a, b]);

    assert!(c.delete_stream(&name).unwrap());
    assert!(!c.delete_stream(&name).unwrap());
    let e = c.stream_info(&name).unwrap_err();
    assert!(matches!(e, Error::Api { code: 404, err_code: 10059, .. }), "{e}");
}

#[test]
fn short_max_age_shortens_the_duplicate_window() {
    let Some(mut c) = server() else { return };
    let name = unique("age");
    let _cleanup = Cleanup(name.clone());
    let info = c.ensure_stream(&name, &subjects(&[&format!("{name}.x")]), Some(Duration::from_secs(30))).unwrap();
    assert_eq!((info.max_age, info.duplicate_window), (Some(Duration::from_secs(30)), Duration::from_secs(30)));
}

#[test]
fn publish_with_msg_id_deduplicates() {
    let Some(mut c) = server() else { return };
    let name = unique("dedup");
    let _cleanup = Cleanup(name.clone());
    let subject = format!("{name}.changes");
    c.ensure_stream(&name, &subjects(&[&subject]), None).unwrap();

    let ack = c.publish(&subject, Some("grant-1:change-1"), b"{\"id\":1}").unwrap();
    assert_eq!((ack.stream.as_str(), ack.seq, ack.duplicate), (name.as_str(), 1, false));
    let again = c.publish(&subject, Some("grant-1:change-1"), b"{\"id\":1}").unwrap();
    assert_eq!((again.seq, again.duplicate), (1, true));
    let other = c.publish(&subject, None, b"").unwrap();
    assert_eq!((other.seq, other.duplicate), (2, false));
    assert_eq!(c.stream_info(&name).unwrap().messages, 2);
    let empty = c.stream_msg_get(&name, 2).unwrap();
    assert!(empty.data.is_empty() && empty.headers.is_empty());

    // Bad input is refused before anything is sent.
    for bad in ["", "a b", &format!("{name}.*"), &format!("{name}..x")] {
        assert!(matches!(c.publish(bad, None, b"x"), Err(Error::Subject { .. })), "{bad:?}");
    }
    assert!(matches!(c.publish(&subject, Some("x\r\nY: z"), b"x"), Err(Error::MsgId { .. })));
    let big = vec![0u8; c.server_info().max_payload + 1];
    assert!(matches!(c.publish(&subject, None, &big), Err(Error::TooLarge { .. })));
    c.ping().unwrap();
}

#[test]
fn publish_batch_and_read_back() {
    let Some(mut c) = server() else { return };
    let name = unique("batch");
    let _cleanup = Cleanup(name.clone());
    let subject = format!("{name}.rows");
    c.ensure_stream(&name, &subjects(&[&format!("{name}.>")]), Some(Duration::from_secs(600))).unwrap();
    assert_eq!(c.publish(&subject, Some("first"), b"first").unwrap().seq, 1);

    let msgs: Vec<(String, Option<String>, Vec<u8>)> = (0..1000)
        .map(|i| (subject.clone(), Some(format!("row-{i}")), format!("{{\"row\":{i},\"名\":\"七中\"}}").into_bytes()))
        .collect();
    let acks = c.publish_batch(&msgs).unwrap();
    assert_eq!(acks.len(), 1000);
    for (i, ack) in acks.iter().enumerate() {
        assert_eq!((ack.stream.as_str(), ack.seq, ack.duplicate), (name.as_str(), i as u64 + 2, false));
    }
    for i in [0usize, 1, 499, 998, 999] {
        let m = c.stream_msg_get(&name, i as u64 + 2).unwrap();
        assert_eq!(m.seq, i as u64 + 2);
        assert_eq!(m.subject, subject);
        assert_eq!(m.data, msgs[i].2);
        assert_eq!(m.msg_id(), msgs[i].1.as_deref());
        assert!(!m.time.is_empty());
    }
    let e = c.stream_msg_get(&name, 5000).unwrap_err();
    assert!(matches!(e, Error::Api { err_code: 10037, .. }), "{e}");

    // The same batch again stores nothing; a repeated id within one batch is a duplicate too.
    let again = c.publish_batch(&msgs[..10]).unwrap();
    assert!(again.iter().enumerate().all(|(i, a)| a.duplicate && a.seq == i as u64 + 2));
    let mixed = [
        (subject.as_str(), Some("new-1"), &b"a"[..]),
        (subject.as_str(), Some("new-1"), &b"a"[..]),
        (subject.as_str(), None, &b"b"[..]),
    ];
    let acks = c.publish_batch(&mixed).unwrap();
    assert_eq!(acks.iter().map(|a| (a.seq, a.duplicate)).collect::<Vec<_>>(), [(1002, false), (1002, true), (1003, false)]);
    assert_eq!(c.stream_info(&name).unwrap().last_seq, 1003);

    // One subject no stream takes: the others are stored, the refusal is the answer.
    let stray = [(subject.as_str(), Some("new-2"), &b"c"[..]), ("tftest.nowhere.x", None, &b"d"[..])];
    assert!(matches!(c.publish_batch(&stray), Err(Error::NoStream(s)) if s == "tftest.nowhere.x"));
    assert_eq!(c.stream_info(&name).unwrap().last_seq, 1004);
}

#[test]
fn batch_throughput() {
    let Some(mut c) = server() else { return };
    let name = unique("rate");
    let _cleanup = Cleanup(name.clone());
    let subject = format!("{name}.feed");
    c.ensure_stream(&name, &subjects(&[&subject]), Some(Duration::from_secs(300))).unwrap();
    let msgs: Vec<(&str, Option<String>, Vec<u8>)> = (0..10_000)
        .map(|i| (subject.as_str(), Some(format!("g7:c{i}")), format!("{{\"op\":\"upsert\",\"school\":{i},\"pupils\":{}}}", i % 997).into_bytes()))
        .collect();
    let start = Instant::now();
    let acks = c.publish_batch(&msgs).unwrap();
    let batch = start.elapsed();
    assert_eq!(acks.last().unwrap().seq, 10_000);
    let start = Instant::now();
    for i in 0..500 {
        c.publish(&subject, Some(&format!("one-{i}")), b"{\"op\":\"upsert\"}").unwrap();
    }
    let one = start.elapsed();
    eprintln!(
        "publish_batch: 10,000 messages (~60 bytes, with ids) in {:.0} ms = {:.0} msgs/s; one by one: {:.0} msgs/s",
        batch.as_secs_f64() * 1e3,
        10_000.0 / batch.as_secs_f64(),
        500.0 / one.as_secs_f64()
    );
}

#[test]
fn publish_where_no_stream_listens() {
    let Some(mut c) = server() else { return };
    let subject = format!("tftest.nostream.{}", std::process::id());
    let e = c.publish(&subject, Some("x"), b"lost").unwrap_err();
    assert!(matches!(&e, Error::NoStream(s) if *s == subject), "{e}");
    assert!(e.to_string().contains("ensure_stream"));
    let e = c.request(&subject, b"anyone?").unwrap_err();
    assert!(matches!(e, Error::NoResponders(_)), "{e}");
    c.ping().unwrap();
}

#[test]
fn closed_port_fails_quickly() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let start = Instant::now();
    let e = Client::connect(&format!("nats://127.0.0.1:{port}"), Duration::from_secs(5)).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    assert!(e.to_string().contains("is nats-server running"), "{e}");
}

/// A fake server: sends `info`, then hands the connection (and its reader) to `then`.
/// Answers the CONNECT line it read.
fn fake(info: &'static str, then: impl FnOnce(TcpStream, BufReader<TcpStream>) + Send + 'static) -> (String, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(format!("INFO {info}\r\n").as_bytes()).unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let _ = tx.send(line);
        then(s, r);
    });
    (addr, rx)
}

const INFO: &str = r#"{"server_id":"FAKE","version":"2.9.10","proto":1,"headers":true,"max_payload":1048576,"jetstream":true}"#;

#[test]
fn refused_connection_is_a_server_error() {
    let (addr, connect) = fake(INFO, |mut s, _| {
        s.write_all(b"-ERR 'Authorization Violation'\r\n").unwrap();
        thread::sleep(Duration::from_millis(200));
    });
    let e = Client::connect(&format!("nats://tianfu:p%40ss@{addr}"), T).unwrap_err();
    assert!(matches!(&e, Error::Server(t) if t == "Authorization Violation"), "{e}");
    assert!(e.to_string().contains("Authorization Violation"));
    let line = connect.recv().unwrap();
    let json: serde_json::Value = serde_json::from_str(line.trim().strip_prefix("CONNECT ").unwrap()).unwrap();
    assert_eq!((json["user"].as_str(), json["pass"].as_str()), (Some("tianfu"), Some("p@ss")));
    assert_eq!((json["headers"].as_bool(), json["no_responders"].as_bool()), (Some(true), Some(true)));
}

#[test]
fn server_without_jetstream() {
    let info = r#"{"server_id":"FAKE","version":"2.9.10","headers":true,"max_payload":1048576,"jetstream":false}"#;
    let (addr, connect) = fake(info, |mut s, mut r| {
        let mut line = String::new();
        while r.read_line(&mut line).unwrap_or(0) > 0 {
            if line.trim() == "PING" {
                s.write_all(b"PONG\r\n").unwrap();
            }
            line.clear();
        }
    });
    let mut c = Client::connect(&format!("nats://s3cret@{addr}"), T).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(connect.recv().unwrap().trim().strip_prefix("CONNECT ").unwrap()).unwrap()["auth_token"], "s3cret");
    c.ping().unwrap();
    let e = c.ensure_stream("S", &["s.>".to_string()], None).unwrap_err();
    assert!(matches!(e, Error::NoJetStream { .. }), "{e}");
    assert!(e.to_string().contains("-js"));
    assert!(matches!(c.publish("s.x", None, b"x"), Err(Error::NoJetStream { .. })));
}

#[test]
fn silent_server_times_out() {
    let (addr, _connect) = fake(INFO, |_s, _r| thread::sleep(Duration::from_secs(3)));
    let start = Instant::now();
    let e = Client::connect(&addr, Duration::from_millis(300)).unwrap_err();
    let took = start.elapsed();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
    assert!(took >= Duration::from_millis(250) && took < Duration::from_millis(1500), "{took:?}");
    assert!(e.to_string().contains("did not answer within 300 ms"), "{e}");
}

#[test]
fn pings_from_the_server_are_answered_and_late_answers_dropped() {
    // The server PINGs while a request waits, and first answers an older reply subject.
    let (addr, _connect) = fake(INFO, |mut s, mut r| {
        let mut line = String::new();
        let mut sub = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["PING"] => s.write_all(b"PONG\r\n").unwrap(),
                ["SUB", subject, _] => sub = subject.trim_end_matches(".*").to_string(),
                ["PUB", _, reply, len] => {
                    let mut body = vec![0; len.parse::<usize>().unwrap() + 2];
                    std::io::Read::read_exact(&mut r, &mut body).unwrap();
                    s.write_all(b"PING\r\n").unwrap();
                    let mut pong = String::new();
                    r.read_line(&mut pong).unwrap();
                    assert_eq!(pong, "PONG\r\n");
                    s.write_all(format!("MSG {sub}.999 1 5\r\nstale\r\n+OK\r\nINFO {{}}\r\nMSG {reply} 1 2\r\nok\r\n").as_bytes()).unwrap();
                }
                _ => {}
            }
        }
    });
    let mut c = Client::connect(&addr, T).unwrap();
    assert_eq!(c.request("svc.echo", b"hi").unwrap(), b"ok");
}
