//! What handing decoded sessions from one thread to another costs the thread that decodes
//! them: the question behind the two states of `bench/e2e` on a shared machine
//! (docs/performance.md, fifth round). A decoding thread decodes and normalizes 200 pages of
//! 1,000 eMabler records (with jemalloc, as the CLI) and hands each page to the main thread,
//! which does one of the following; the decoding thread's time per page is printed.
//!
//! | mode | the main thread … |
//! |---|---|
//! | `alone` | nothing: the decoding thread drops its own pages (no hand-over) |
//! | `drop` | drops each page unread |
//! | `back` | sends each page back unread, to be dropped on the decoding thread |
//! | `read` | writes each session as JSON (as the CLI's writer), then drops it |
//! | `readback` | writes each session as JSON, then sends the page back to be dropped |
//! | `rawonly` | reads only each session's `raw`, then drops it |
//! | `fmt` | gets each page already written as JSON by the decoding thread, and copies the bytes |
//! | `fmtback` | as `fmt`, the byte buffers sent back for reuse |
//!
//! `JEMALLOC_SYS_WITH_MALLOC_CONF` is set by `.cargo/config.toml` as for the CLI:
//!
//! ```text
//! cargo run --release -p emabler-client --example handover -- read
//! ```

use std::sync::mpsc;
use std::time::{Duration, Instant};

use emabler_client::{Client, Config};
use evsessions_core::{ChargingSession, Result};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const PAGES: usize = 200;

type Page = Vec<Result<ChargingSession>>;

/// The bench's page: the fixture records, repeated with distinct ids, 1,000 of them.
fn page() -> Vec<u8> {
    evsessions_testkit::emabler::transactions_page_of(1000)
}

fn write_json(out: &mut Vec<u8>, page: &Page) {
    for s in page.iter().flatten() {
        evsessions_core::output::write_session_json(out, s).expect("a fixture session writes");
        out.push(b'\n');
    }
}

fn main() {
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "read".to_string());
    let known = [
        "alone", "drop", "back", "read", "readback", "rawonly", "fmt", "fmtback",
    ];
    if !known.contains(&mode.as_str()) {
        eprintln!("usage: handover {}", known.join("|"));
        std::process::exit(2);
    }
    let body = page();
    let client = Client::new(
        Config::builder()
            .api_key("bench-key")
            .build()
            .expect("config"),
    )
    .expect("client");
    let (pages_tx, pages_rx) = mpsc::sync_channel::<Page>(3);
    let (back_tx, back_rx) = mpsc::channel::<Page>();
    let (bytes_tx, bytes_rx) = mpsc::sync_channel::<Vec<u8>>(3);
    let (spent_tx, spent_rx) = mpsc::channel::<Vec<u8>>();
    let started = Instant::now();
    let decoder = std::thread::spawn({
        let mode = mode.clone();
        move || {
            let mut busy = Duration::ZERO;
            let mut buffers: Vec<Vec<u8>> = Vec::new();
            for _ in 0..PAGES {
                let fresh = body.clone();
                let t = Instant::now();
                let sessions = client
                    .transactions_page_sessions(&fresh)
                    .expect("the page decodes");
                match mode.as_str() {
                    "alone" => drop(sessions),
                    "fmt" | "fmtback" => {
                        let mut out = buffers.pop().unwrap_or_default();
                        out.clear();
                        write_json(&mut out, &sessions);
                        drop(sessions);
                        busy += t.elapsed();
                        let _ = bytes_tx.send(out);
                    }
                    _ => {
                        busy += t.elapsed();
                        let _ = pages_tx.send(sessions);
                    }
                }
                if mode == "alone" {
                    busy += t.elapsed();
                }
                while let Ok(page) = back_rx.try_recv() {
                    drop(page);
                }
                while let Ok(buffer) = spent_rx.try_recv() {
                    if mode == "fmtback" {
                        buffers.push(buffer);
                    }
                }
            }
            busy
        }
    });
    let mut out = Vec::with_capacity(4 << 20);
    let mut sink = Vec::with_capacity(4 << 20);
    let mut bytes = 0usize;
    match mode.as_str() {
        "alone" => {}
        "fmt" | "fmtback" => {
            drop(pages_rx);
            for buffer in bytes_rx {
                sink.clear();
                sink.extend_from_slice(&buffer);
                bytes += sink.len();
                let _ = spent_tx.send(buffer);
            }
        }
        _ => {
            drop(bytes_rx);
            for page in pages_rx {
                out.clear();
                match mode.as_str() {
                    "read" | "readback" => write_json(&mut out, &page),
                    "rawonly" => {
                        for s in page.iter().flatten() {
                            out.extend_from_slice(s.raw.as_str().as_bytes());
                        }
                    }
                    _ => {}
                }
                bytes += out.len();
                if mode == "back" || mode == "readback" {
                    let _ = back_tx.send(page);
                } else {
                    drop(page);
                }
            }
        }
    }
    let busy = decoder.join().expect("the decoding thread ends");
    let per_page = |d: Duration| d.as_secs_f64() * 1e3 / PAGES as f64;
    println!(
        "{mode:9} decoding thread {:.3} ms a page, wall {:.3} ms a page ({bytes} bytes)",
        per_page(busy),
        per_page(started.elapsed())
    );
}
