//! Every hostile-server case of `evsessions_testkit::hostile` against every vendor's
//! `SessionSource`, built the way users build them (`evsessions::source_from_lookup`, as from
//! the environment), with a tiny timeout and a small body cap: each ends in the documented
//! error, within the timeout (retries included) plus a little, and no error shows a secret.

use std::time::{Duration, Instant};

use evsessions::{source_from_lookup, Error, HttpConfig, RetryConfig, SessionQuery};
use evsessions_testkit::hostile::{
    emabler_endless_page, leaks, ru_csms_endless_page, Behaviour, HostileServer,
};

/// The client's total timeout of one request.
const TIMEOUT: Duration = Duration::from_millis(300);
/// One retry: a timeout is retryable, so a run may take two timeouts.
const RETRIES: u32 = 1;
/// The body cap.
const CAP: u64 = 64 * 1024;
/// Scheduling slack on top of the timeouts.
const SLACK: Duration = Duration::from_millis(700);

/// Secrets with characters that a form, a URL or JSON encode differently, so that an echo
/// of an encoded form is caught too.
const EMABLER_KEY: &str = "em-k3y/+s3cret=1";
const SMAPPEE_ID: &str = "app-id-0042";
const SMAPPEE_SECRET: &str = "cl!ent s3cret/x";
const SMAPPEE_USER: &str = "fleet.user@example.com";
const SMAPPEE_PASSWORD: &str = "p@ss w0rd&x=1\"!";
const CLEVERPOWER_TOKEN: &str = "cp-t0ken+/=AbC";
const RU_TOKEN: &str = "ru-t0ken%41z~";

const VENDORS: [&str; 4] = ["emabler", "smappee", "cleverpower", "ru-csms"];

fn secrets(vendor: &str) -> Vec<&'static str> {
    match vendor {
        "emabler" => vec![EMABLER_KEY],
        "smappee" => vec![SMAPPEE_ID, SMAPPEE_SECRET, SMAPPEE_USER, SMAPPEE_PASSWORD],
        "cleverpower" => vec![CLEVERPOWER_TOKEN],
        _ => vec![RU_TOKEN],
    }
}

fn http() -> HttpConfig {
    HttpConfig::for_tests()
        .with_timeout(TIMEOUT)
        .with_connect_timeout(TIMEOUT)
        .with_max_body_bytes(CAP)
        .with_retry(RetryConfig::fast().with_max_retries(RETRIES))
}

/// What one vendor's listing did against one hostile server.
struct Outcome {
    vendor: &'static str,
    sessions: usize,
    errors: Vec<Error>,
    took: Duration,
    requests: u64,
}

impl Outcome {
    /// The error the listing ended with (the last one).
    fn error(&self) -> &Error {
        self.errors
            .last()
            .unwrap_or_else(|| panic!("{}: no error, {} sessions", self.vendor, self.sessions))
    }
    fn text(&self) -> String {
        self.errors.iter().map(|e| format!("{e} {e:?}\n")).collect()
    }
}

/// Run the vendor's default listing (status all) against `server`, as a user would build it.
async fn list(vendor: &'static str, server: &HostileServer) -> Outcome {
    let lookup = |var: &str| -> Option<String> {
        let v = match var {
            "EMABLER_API_KEY" => EMABLER_KEY,
            "SMAPPEE_CLIENT_ID" => SMAPPEE_ID,
            "SMAPPEE_CLIENT_SECRET" => SMAPPEE_SECRET,
            "SMAPPEE_USERNAME" => SMAPPEE_USER,
            "SMAPPEE_PASSWORD" => SMAPPEE_PASSWORD,
            "CLEVERPOWER_TOKEN" => CLEVERPOWER_TOKEN,
            "RU_CSMS_TOKEN" => RU_TOKEN,
            _ => return None,
        };
        Some(v.to_string())
    };
    let base = match vendor {
        "emabler" => format!("{}/api/v2/cpo", server.uri()),
        "ru-csms" => format!("{}/api/v1/client/sessions", server.uri()),
        _ => server.uri(),
    };
    let source = source_from_lookup(vendor, &lookup, Some(base), http())
        .unwrap_or_else(|e| panic!("{vendor}: {e}"));
    let mut query = SessionQuery::new().page_size(5);
    if vendor == "cleverpower" {
        query = query.charger("PRG-0311-A");
    }
    let t0 = Instant::now();
    // A hang is a failure, not a stuck test.
    let (ok, errors) = tokio::time::timeout(
        Duration::from_secs(10),
        evsessions_testkit::collect(source.as_ref(), &query),
    )
    .await
    .unwrap_or_else(|_| panic!("{vendor}: still running after 10 s"));
    Outcome {
        vendor,
        sessions: ok.len(),
        errors,
        took: t0.elapsed(),
        requests: server.requests(),
    }
}

/// Every vendor against its own server of `behaviour`, at the same time (each test stays
/// short); each outcome checked for secrets.
async fn every_vendor(behaviour: Behaviour) -> Vec<Outcome> {
    let runs = VENDORS.map(|vendor| {
        let behaviour = behaviour.clone();
        async move {
            let server = HostileServer::start(behaviour).await;
            list(vendor, &server).await
        }
    });
    let outcomes = futures::future::join_all(runs).await;
    for o in &outcomes {
        assert_eq!(
            leaks(&o.text(), &secrets(o.vendor)),
            Vec::<String>::new(),
            "{}: {}",
            o.vendor,
            o.text()
        );
    }
    outcomes
}

/// The vendor's first call, which every hostile answer below meets (Smappee's is its token
/// endpoint: a hostile token endpoint is handled like any other).
fn first_call(vendor: &str) -> &'static str {
    match vendor {
        "emabler" => "GET /v2/ongoing-transactions",
        "smappee" => "POST /dev/v3/oauth2/token",
        "cleverpower" => "POST api/Ocpp",
        _ => "GET /api/v1/client/sessions",
    }
}

fn endpoint(e: &Error) -> Option<&str> {
    match e {
        Error::Timeout { endpoint, .. }
        | Error::Transport { endpoint, .. }
        | Error::Decode { endpoint, .. }
        | Error::Api { endpoint, .. } => Some(endpoint),
        _ => None,
    }
}

/// The listing failed once, on the vendor's first call, with nothing read.
fn one_error_on_the_first_call(o: &Outcome) {
    assert_eq!(o.sessions, 0, "{}", o.vendor);
    assert_eq!(o.errors.len(), 1, "{}: {}", o.vendor, o.text());
    if let Some(ep) = endpoint(o.error()) {
        assert_eq!(ep, first_call(o.vendor), "{}", o.vendor);
    }
}

/// A run that times out: each attempt ends at the timeout, one retry, then `Error::Timeout`.
fn timed_out(o: &Outcome) {
    one_error_on_the_first_call(o);
    assert!(
        matches!(o.error(), Error::Timeout { after, .. } if *after == TIMEOUT),
        "{}: {}",
        o.vendor,
        o.text()
    );
    assert_eq!(o.requests, u64::from(RETRIES) + 1, "{}", o.vendor);
    assert!(
        o.took >= TIMEOUT * (RETRIES + 1),
        "{}: {:?}",
        o.vendor,
        o.took
    );
    assert!(
        o.took <= TIMEOUT * (RETRIES + 1) + SLACK,
        "{}: {:?}",
        o.vendor,
        o.took
    );
}

/// A body past the cap: `Error::Transport` naming the cap, not retried, at once.
fn capped(o: &Outcome) {
    one_error_on_the_first_call(o);
    assert!(
        matches!(o.error(), Error::Transport { message, connect: false, .. }
            if message == &format!("the response body is larger than the {CAP}-byte cap (HttpConfig::max_body_bytes); not read further")),
        "{}: {}",
        o.vendor,
        o.text()
    );
    assert_eq!(o.requests, 1, "{}", o.vendor);
    assert!(o.took < SLACK, "{}: {:?}", o.vendor, o.took);
}

#[tokio::test]
async fn a_body_that_trickles_in_ends_at_the_timeout() {
    for o in every_vendor(Behaviour::Trickle {
        every: Duration::from_millis(20),
    })
    .await
    {
        timed_out(&o);
    }
}

#[tokio::test]
async fn a_server_that_never_answers_ends_at_the_timeout() {
    for o in every_vendor(Behaviour::Stall).await {
        timed_out(&o);
    }
}

#[tokio::test]
async fn a_huge_body_ends_at_the_cap_without_reading_it() {
    for o in every_vendor(Behaviour::Huge { bytes: 32 << 20 }).await {
        capped(&o);
    }
}

#[tokio::test]
async fn json_nested_far_past_the_parsers_limit_is_a_decode_error() {
    for o in every_vendor(Behaviour::Deep { depth: 5_000 }).await {
        // A record error does not end a listing: eMabler meets the nesting in its ongoing list
        // and in its finished list, one record error each; RU CSMS pages on (its list holds
        // no total) until its guard stops a walk whose pages bring nothing: 5 pages, one
        // record error each; Smappee and CleverPower fail their one call.
        let want = match o.vendor {
            "emabler" => 2,
            "ru-csms" => 5,
            _ => 1,
        };
        assert_eq!(o.sessions, 0, "{}", o.vendor);
        assert_eq!(
            o.errors.len(),
            want,
            "{}: {} requests: {}",
            o.vendor,
            o.requests,
            o.text()
        );
        assert!(
            o.errors.iter().all(|e| matches!(e, Error::Decode { .. })),
            "{}: {}",
            o.vendor,
            o.text()
        );
        assert_eq!(o.requests, want as u64, "{}", o.vendor);
        assert!(o.took < SLACK, "{}: {:?}", o.vendor, o.took);
    }
}

#[tokio::test]
async fn a_gzip_bomb_is_never_inflated() {
    // Under the cap: the compressed bytes are read as they are, and are not JSON.
    for o in every_vendor(Behaviour::CompressionBomb {
        expands_to: 8 << 20,
    })
    .await
    {
        one_error_on_the_first_call(&o);
        assert!(
            matches!(o.error(), Error::Decode { path, .. } if path == "."),
            "{}: {}",
            o.vendor,
            o.text()
        );
        assert_eq!(o.requests, 1, "{}", o.vendor);
        assert!(o.took < SLACK, "{}: {:?}", o.vendor, o.took);
    }
    // Past the cap (64 MiB of spaces is ~425 KB of gzip): refused at the cap.
    for o in every_vendor(Behaviour::CompressionBomb {
        expands_to: 64 << 20,
    })
    .await
    {
        capped(&o);
    }
}

#[tokio::test]
async fn a_server_that_echoes_the_request_never_gets_a_secret_shown() {
    // `every_vendor` checks every error for every secret, as sent and encoded.
    for status in [200u16, 400, 401, 500] {
        for o in every_vendor(Behaviour::EchoRequest { status }).await {
            one_error_on_the_first_call(&o);
            let e = o.error();
            let ok = match (status, o.vendor) {
                (200, _) => matches!(e, Error::Decode { .. }),
                (401, _) | (400, "smappee") => matches!(e, Error::Unauthenticated { .. }),
                (s, _) => matches!(e, Error::Api { status: Some(got), .. } if *got == s),
            };
            assert!(ok, "{status} {}: {}", o.vendor, o.text());
            // 500 is retried once; the others are not.
            let want = if status == 500 { 2 } else { 1 };
            assert_eq!(o.requests, want, "{status} {}", o.vendor);
            if status != 200 {
                assert!(
                    o.text().contains("REDACTED"),
                    "{status} {}: the echo was not shown at all: {}",
                    o.vendor,
                    o.text()
                );
            }
        }
    }
}

#[tokio::test]
async fn a_server_that_pages_forever_is_stopped() {
    // eMabler and RU CSMS page on the server's word (Smappee and CleverPower read one answer
    // per scope the caller names: there is no server paging to abuse).
    for (vendor, page, requests, sessions) in [
        (
            "emabler",
            emabler_endless_page as fn(&_, u64) -> String,
            6,
            25,
        ),
        ("ru-csms", ru_csms_endless_page, 4, 20),
    ] {
        let server = HostileServer::start(Behaviour::Pages { page }).await;
        let o = list(vendor, &server).await;
        assert!(o.errors.is_empty(), "{vendor}: {}", o.text());
        assert_eq!(o.requests, requests, "{vendor}");
        assert_eq!(o.sessions, sessions, "{vendor}");
        assert!(o.took < SLACK, "{vendor}: {:?}", o.took);
    }
}
