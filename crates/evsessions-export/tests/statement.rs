//! Statements over real client output (the eMabler mock's fixture sessions): totals equal the
//! sums of the month's sessions to the cent and the Wh; the month is cut in the zone; open,
//! unpriced and invalid sessions are handled apart; the HTML renders in headless Chromium with
//! its charts.

use std::process::Command;

use evsessions_core::{ChargingSession, Cost, Decimal, SessionStatus, SourceKind};
use evsessions_export::render::{render, StatementFormat};
use evsessions_export::statement::{GroupBy, Statement, StatementItem, StatementOptions, NO_KEY};
use evsessions_testkit::emabler::{EmablerMock, API_KEY};
use evsessions_testkit::VendorMock;

async fn emabler_sessions() -> Vec<ChargingSession> {
    let mock = EmablerMock::start().await;
    let cfg = emabler_client::Config::builder()
        .base_url(mock.base_url())
        .api_key(API_KEY)
        .http(evsessions_core::HttpConfig::for_tests())
        .build()
        .unwrap();
    let client = emabler_client::Client::new(cfg).unwrap();
    evsessions_core::try_collect_sessions(&client, &evsessions_core::SessionQuery::new())
        .await
        .unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn totals_equal_the_sums_of_the_month() {
    let sessions = emabler_sessions().await;
    let options = StatementOptions::new("2025-03".parse().unwrap())
        .time_zone("Europe/Helsinki".parse().unwrap())
        .group_by(GroupBy::IdTag);
    let st = Statement::build(sessions.clone(), &options).unwrap();
    assert_eq!(st.time_zone, "Europe/Helsinki");
    assert_eq!(st.period_start.to_rfc3339(), "2025-02-28T22:00:00+00:00");
    assert_eq!(st.period_end.to_rfc3339(), "2025-03-31T21:00:00+00:00"); // DST on 30 March
                                                                         // Independent sums per tag over the completed sessions.
    for g in &st.groups {
        let mine: Vec<&ChargingSession> = sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Completed)
            .filter(|s| {
                s.authorization
                    .as_ref()
                    .and_then(|a| a.id_tag.clone())
                    .unwrap_or_else(|| NO_KEY.into())
                    == g.key
            })
            .collect();
        assert_eq!(g.sessions as usize, mine.len(), "{}", g.key);
        let kwh: Decimal = mine.iter().filter_map(|s| s.energy_kwh).sum();
        assert_eq!(g.energy_kwh, kwh, "{}", g.key);
        for m in &g.money {
            let incl: Decimal = mine
                .iter()
                .filter_map(|s| s.cost.as_ref())
                .filter(|c| c.currency.as_deref().unwrap_or("(no currency)") == m.currency)
                .filter_map(|c| c.total_incl_vat)
                .sum();
            assert_eq!(m.total.incl_vat, incl, "{} {}", g.key, m.currency);
        }
        let open = sessions
            .iter()
            .filter(|s| s.status != SessionStatus::Completed)
            .filter(|s| {
                s.authorization
                    .as_ref()
                    .and_then(|a| a.id_tag.clone())
                    .unwrap_or_else(|| NO_KEY.into())
                    == g.key
            })
            .count();
        assert_eq!(g.open.len(), open, "{}", g.key);
    }
    assert_eq!(st.billed_sessions(), 10);
    // Never summed across currencies: the fixture has EUR and SEK sessions.
    let currencies: Vec<&str> = st
        .groups
        .iter()
        .flat_map(|g| g.money.iter().map(|m| m.currency.as_str()))
        .collect();
    assert!(
        currencies.contains(&"EUR") && currencies.contains(&"SEK"),
        "{currencies:?}"
    );
}

fn session(
    id: &str,
    start: &str,
    status: SessionStatus,
    cost: Option<(&str, &str, &str, &str)>,
) -> ChargingSession {
    let mut s = ChargingSession::new(SourceKind::new("t"), id, serde_json::json!({}));
    s.status = status;
    s.started_at = Some(start.parse().unwrap());
    s.ended_at = Some(s.started_at.unwrap() + chrono::Duration::minutes(90));
    s.energy_kwh = Some(d("10.001"));
    if let Some((cur, ex, vat, inc)) = cost {
        let mut c = Cost::new(Some(cur.to_string()));
        c.total_excl_vat = Some(d(ex));
        c.vat_amount = Some(d(vat));
        c.total_incl_vat = Some(d(inc));
        s.cost = Some(c);
    }
    s
}

#[test]
fn cut_in_the_zone_half_open_with_open_unpriced_and_invalid_apart() {
    use SessionStatus::*;
    let items = vec![
        // 23:30 UTC on 28 Feb is 1 March in Helsinki: in.
        StatementItem::new(
            Some("a".into()),
            session(
                "in-1",
                "2025-02-28T23:30:00Z",
                Completed,
                Some(("EUR", "1.00", "0.25", "1.25")),
            ),
        ),
        StatementItem::new(
            Some("a".into()),
            session(
                "in-2",
                "2025-03-15T12:00:00Z",
                Completed,
                Some(("EUR", "2.10", "0.53", "2.63")),
            ),
        ),
        StatementItem::new(
            Some("a".into()),
            session(
                "sek",
                "2025-03-15T13:00:00Z",
                Completed,
                Some(("SEK", "10", "2.5", "12.5")),
            ),
        ),
        StatementItem::new(
            Some("a".into()),
            session("free", "2025-03-16T13:00:00Z", Completed, None),
        ),
        StatementItem::new(
            Some("a".into()),
            session("running", "2025-03-20T13:00:00Z", Active, None),
        ),
        StatementItem::new(
            Some("a".into()),
            session("void", "2025-03-21T13:00:00Z", Invalid, None),
        ),
        // 22:00 UTC on 31 March is 1 April in Helsinki (UTC+3 after DST): out.
        StatementItem::new(
            Some("a".into()),
            session(
                "out",
                "2025-03-31T21:00:00Z",
                Completed,
                Some(("EUR", "9", "1", "10")),
            ),
        ),
        StatementItem::new(
            None,
            session("other", "2025-03-02T10:00:00Z", Completed, None),
        ),
    ];
    let st = Statement::build(
        items,
        &StatementOptions::new("2025-03".parse().unwrap())
            .time_zone("Europe/Helsinki".parse().unwrap())
            .group_by(GroupBy::Account),
    )
    .unwrap();
    assert_eq!(st.groups.len(), 2);
    let none = &st.groups[0];
    assert_eq!(
        (none.key.as_str(), none.sessions, none.unpriced),
        (NO_KEY, 1, 1)
    );
    let a = &st.groups[1];
    assert_eq!(a.key, "a");
    assert_eq!(a.sessions, 4);
    assert_eq!(a.energy_kwh, d("40.004"));
    assert_eq!(a.duration_seconds, 4 * 90 * 60);
    assert_eq!(a.unpriced, 1);
    assert_eq!(a.money.len(), 2);
    assert_eq!(
        (
            a.money[0].currency.as_str(),
            a.money[0].total.excl_vat,
            a.money[0].total.vat,
            a.money[0].total.incl_vat
        ),
        ("EUR", d("3.10"), d("0.78"), d("3.88"))
    );
    assert_eq!(
        (a.money[1].currency.as_str(), a.money[1].total.incl_vat),
        ("SEK", d("12.5"))
    );
    assert_eq!(a.open.len(), 1);
    assert_eq!(a.open[0].id, "running");
    assert_eq!(st.invalid_excluded, 1);
    assert_eq!(
        a.lines[0].start.as_deref(),
        Some("2025-03-01T01:30:00+02:00")
    );
    assert_eq!(a.kwh_per_day[0], d("10.001")); // 1 March
    assert_eq!(a.kwh_per_day[14], d("20.002")); // 15 March

    let mut csv = Vec::new();
    render(&st, StatementFormat::Csv, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains("a,EUR,4,40.004,6,3.1,0.78,3.88,1,0,0,1"),
        "{csv}"
    );
    let mut table = Vec::new();
    render(&st, StatementFormat::Table, &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("month cut in Europe/Helsinki"), "{table}");
    assert!(table.contains("UNPRICED"), "{table}");
}

/// Headless Chromium, from the Debian package; CI installs it (`.ci/run`), a developer machine
/// without it skips loudly.
fn chromium() -> Option<&'static str> {
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if std::path::Path::new(c).exists() {
            return Some(c);
        }
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but Chromium is missing: .ci/run installs the Debian package `chromium`"
    );
    eprintln!(
        "!!! SKIPPED: the statement HTML was not rendered (install the Debian package `chromium`)"
    );
    None
}

#[tokio::test]
async fn html_renders_in_chromium_with_its_charts() {
    let sessions = emabler_sessions().await;
    let st = Statement::build(
        sessions,
        &StatementOptions::new("2025-03".parse().unwrap()).group_by(GroupBy::Site),
    )
    .unwrap();
    let mut html = Vec::new();
    render(&st, StatementFormat::Html, &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        !html.contains("http://")
            || html
                .matches("http://")
                .all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
    let Some(chrome) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("statement.html");
    std::fs::write(&page, &html).unwrap();
    let profile = dir.path().join("profile");
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ];
    let out = Command::new(chrome)
        .args(base)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("Charging statement 2025-03 by site"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dom.contains("Kamppi P-talo") || dom.contains("3101"),
        "{dom}"
    );
    assert_eq!(
        dom.matches("<svg").count(),
        st.groups.len(),
        "one chart per group"
    );
    assert!(dom.matches("<rect").count() >= st.groups.iter().filter(|g| g.sessions > 0).count());
    // And a screenshot: the page lays out and paints.
    let shot = dir.path().join("statement.png");
    let out = Command::new(chrome)
        .args(base)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1000,1400")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    if let Ok(keep) = std::env::var("EVSESSIONS_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&shot, keep);
    }
}
