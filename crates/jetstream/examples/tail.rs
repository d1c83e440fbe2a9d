//! The consumer side, in its simplest form: print a stream's messages from a sequence on.
//!
//! `cargo run -p jetstream --example tail -- STREAM [FROM_SEQ] [nats://127.0.0.1:4222]`
//!
//! A consumer that integrates by messages would rather use a durable JetStream consumer (any
//! NATS client library); this reads stored messages one by one through the API, which is
//! enough to look at what a grant's feed delivered.

use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(stream) = args.first() else {
        eprintln!("usage: tail STREAM [FROM_SEQ] [NATS_URL]");
        std::process::exit(2);
    };
    let from: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let url = args.get(2).map_or("nats://127.0.0.1:4222", String::as_str);
    if let Err(e) = run(url, stream, from) {
        eprintln!("tail: {e}");
        std::process::exit(1);
    }
}

fn run(url: &str, stream: &str, from: u64) -> jetstream::Result<()> {
    let mut c = jetstream::Client::connect(url, Duration::from_secs(2))?;
    let info = c.stream_info(stream)?;
    for seq in from.max(info.first_seq)..=info.last_seq {
        match c.stream_msg_get(stream, seq) {
            Ok(m) => println!(
                "{seq}\t{}\t{}\t{}\t{}",
                m.time,
                m.subject,
                m.msg_id().unwrap_or("-"),
                String::from_utf8_lossy(&m.data)
            ),
            // Deleted, or aged out since the stream's state was read.
            Err(jetstream::Error::Api { err_code: 10037, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
