//! Tariffs price what the vendor did not, to the cent: flat, dated (midnight and DST in
//! Europe/Brussels), time-of-use, the most specific scope, `override`, rounding half away from
//! zero to the currency's minor unit, VAT derived; and every bad tariff is refused with a
//! message naming the account, the tariff and the field. Tariffs are written here as the
//! accounts file writes them (TOML).

use evsessions_core::{
    AuthMethod, Authorization, ChargingSession, Cost, Decimal, SessionStatus, Site, SourceKind,
};
use evsessions_export::render::{render, render_detail, StatementFormat};
use evsessions_export::statement::{GroupBy, Statement, StatementItem, StatementOptions};
use evsessions_export::tariff::{PriceSource, TariffBook, TariffSpec};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[derive(serde::Deserialize)]
struct File {
    tariffs: Vec<TariffSpec>,
}

fn book_in(zone: &str, toml_text: &str) -> Result<TariffBook, String> {
    let file: File = toml::from_str(toml_text).map_err(|e| e.to_string())?;
    TariffBook::new("home-be", zone.parse().unwrap(), file.tariffs).map_err(|e| e.to_string())
}

fn book(toml_text: &str) -> TariffBook {
    book_in("Europe/Brussels", toml_text).unwrap()
}

fn session(id: &str, start: &str, end: &str, kwh: &str) -> ChargingSession {
    let mut s = ChargingSession::new(SourceKind::new("smappee"), id, serde_json::json!({}));
    s.status = SessionStatus::Completed;
    s.started_at = Some(start.parse().unwrap());
    s.ended_at = Some(end.parse().unwrap());
    s.energy_kwh = Some(d(kwh));
    s.charger.id = Some("6100041237".into());
    s.site = Some(Site::new(Some("777".into()), None));
    let mut auth = Authorization::new(AuthMethod::Rfid);
    auth.id_tag = Some("04A1B2C3D4E580".into());
    auth.user_id = Some("driver-1".into());
    s.authorization = Some(auth);
    s
}

/// (tariff id, energy price, total incl. VAT) of a session.
fn priced(book: &TariffBook, s: &ChargingSession) -> (String, Decimal, Decimal) {
    let p = book.price(s).expect("priced by a tariff");
    (p.tariff_id, p.energy_price, p.cost.total_incl_vat.unwrap())
}

#[test]
fn a_flat_tariff_prices_energy_time_and_fee_each_part_rounded() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        currency = "EUR"
        energy_price = "0.2852"
        time_price = "0.50"
        flat_fee = "0.35"
        "#,
    );
    // 12.345 kWh × 0.2852 = 3.520794 → 3.52; 1 h 20 min × 0.50 = 0.6666… → 0.67; fee 0.35.
    let s = session(
        "1",
        "2025-06-03T18:00:00Z",
        "2025-06-03T19:20:00Z",
        "12.345",
    );
    let p = b.price(&s).unwrap();
    assert_eq!(p.tariff_id, "home-be/2025-01-01");
    let c = &p.cost;
    assert_eq!(c.currency.as_deref(), Some("EUR"));
    let parts: Vec<(Option<&str>, Decimal, Decimal)> = c
        .components
        .iter()
        .map(|x| {
            (
                x.name.as_deref(),
                x.quantity.unwrap(),
                x.amount_incl_vat.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        vec![
            (Some("energy"), d("12.345"), d("3.52")),
            (Some("time"), d("1.3333"), d("0.67")),
            (Some("flat fee"), d("1"), d("0.35")),
        ]
    );
    assert_eq!(c.total_incl_vat, Some(d("4.54")));
    // No VAT rate: the amounts excl. VAT are not invented.
    assert_eq!((c.total_excl_vat, c.vat_amount), (None, None));
}

#[test]
fn a_change_at_midnight_in_brussels_prices_each_side_with_its_tariff() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        to = "2025-04-01"
        currency = "EUR"
        energy_price = "0.2852"
        [[tariffs]]
        from = "2025-04-01"
        currency = "EUR"
        energy_price = "0.3000"
        "#,
    );
    // 23:59:59 on 31 March in Brussels (CEST, UTC+2) and midnight on 1 April.
    let before = session("a", "2025-03-31T21:59:59Z", "2025-03-31T23:00:00Z", "10");
    let after = session("b", "2025-03-31T22:00:00Z", "2025-03-31T23:00:00Z", "10");
    assert_eq!(
        priced(&b, &before),
        ("home-be/2025-01-01".into(), d("0.2852"), d("2.85"))
    );
    assert_eq!(
        priced(&b, &after),
        ("home-be/2025-04-01".into(), d("0.3000"), d("3.00"))
    );
    // Before the first tariff: nothing in force, the session stays unpriced.
    let old = session("c", "2024-12-31T22:59:59Z", "2024-12-31T23:30:00Z", "10");
    assert_eq!(b.price(&old), None);
    assert_eq!(b.pricing(&old).source, PriceSource::None);
}

#[test]
fn on_the_dst_change_day_dates_windows_and_hours_follow_the_zone() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        to = "2025-03-30"
        currency = "EUR"
        energy_price = "0.2800"
        [[tariffs]]
        from = "2025-03-30"
        currency = "EUR"
        energy_price = "0.3000"
        time_price = "0.60"
        [[tariffs.windows]]
        start = "22:00"
        end = "07:00"
        energy_price = "0.2000"
        "#,
    );
    // 30 March 2025: clocks go from 02:00 CET to 03:00 CEST. Midnight is still at UTC+1.
    let last_cet = session("a", "2025-03-29T22:59:59Z", "2025-03-29T23:30:00Z", "10");
    assert_eq!(
        priced(&b, &last_cet),
        ("home-be/2025-01-01".into(), d("0.2800"), d("2.80"))
    );
    // 00:00 local on the 30th: the new tariff, in its night window (22:00–07:00).
    let midnight = session("b", "2025-03-29T23:00:00Z", "2025-03-30T01:00:00Z", "10");
    // Two real hours across the skipped hour (00:00 → 03:00 on the wall clock): 2 × 0.60.
    let p = b.price(&midnight).unwrap();
    assert_eq!(p.energy_price, d("0.2000"));
    assert_eq!(p.cost.components[1].quantity, Some(d("2")));
    assert_eq!(p.cost.total_incl_vat, Some(d("3.20"))); // 2.00 + 1.20
                                                        // 22:00 local that evening is 20:00 UTC (CEST).
    let evening_before = session("c", "2025-03-30T19:59:00Z", "2025-03-30T20:59:00Z", "1");
    let evening_in = session("d", "2025-03-30T20:00:00Z", "2025-03-30T21:00:00Z", "1");
    assert_eq!(b.price(&evening_before).unwrap().energy_price, d("0.3000"));
    assert_eq!(b.price(&evening_in).unwrap().energy_price, d("0.2000"));
}

#[test]
fn the_window_a_session_starts_in_sets_the_energy_price() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        currency = "EUR"
        energy_price = "0.3000"
        [[tariffs.windows]]
        days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
        start = "22:00"
        end = "07:00"
        energy_price = "0.2100"
        "#,
    );
    let at = |start: &str| {
        let s = session("x", start, "2025-06-30T00:00:00Z", "10");
        let p = b.price(&s).unwrap();
        (p.energy_price, p.cost.total_incl_vat.unwrap())
    };
    // Tuesday 3 June 2025, CEST (UTC+2).
    assert_eq!(at("2025-06-03T19:59:00Z"), (d("0.3000"), d("3.00"))); // 21:59
    assert_eq!(at("2025-06-03T20:00:00Z"), (d("0.2100"), d("2.10"))); // 22:00
                                                                      // The window belongs to the day it opens on: Saturday 03:00 is Friday night's window,
                                                                      // Sunday and Monday 03:00 are not (Saturday's and Sunday's nights are not listed).
    assert_eq!(at("2025-06-07T01:00:00Z").0, d("0.2100"));
    assert_eq!(at("2025-06-08T01:00:00Z").0, d("0.3000"));
    assert_eq!(at("2025-06-09T01:00:00Z").0, d("0.3000"));
    assert_eq!(at("2025-06-10T04:59:00Z").0, d("0.2100")); // Tue 06:59
    assert_eq!(at("2025-06-10T05:00:00Z").0, d("0.3000")); // Tue 07:00
}

#[test]
fn the_most_specific_scope_wins() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        currency = "EUR"
        energy_price = "0.3000"
        [[tariffs]]
        from = "2025-01-01"
        site = "777"
        currency = "EUR"
        energy_price = "0.2900"
        [[tariffs]]
        from = "2025-01-01"
        charger = "6100041237"
        currency = "EUR"
        energy_price = "0.2500"
        name = "home-charger"
        [[tariffs]]
        from = "2025-06-01"
        id_tag = "04A1B2C3D4E580"
        currency = "EUR"
        energy_price = "0.2000"
        "#,
    );
    let mut s = session("1", "2025-05-03T18:00:00Z", "2025-05-03T19:00:00Z", "10");
    assert_eq!(
        priced(&b, &s),
        ("home-charger".into(), d("0.2500"), d("2.50"))
    );
    // From June, the driver's card has its own tariff: it wins over the charger's.
    s.started_at = Some("2025-06-03T18:00:00Z".parse().unwrap());
    assert_eq!(
        priced(&b, &s),
        (
            "home-be/id_tag:04A1B2C3D4E580/2025-06-01".into(),
            d("0.2000"),
            d("2.00")
        )
    );
    // Another card on another charger of the site: the site's; elsewhere: the account's.
    s.authorization = None;
    s.charger.id = Some("6100049999".into());
    assert_eq!(
        priced(&b, &s),
        ("home-be/site:777/2025-01-01".into(), d("0.2900"), d("2.90"))
    );
    s.site = None;
    assert_eq!(
        priced(&b, &s),
        ("home-be/2025-01-01".into(), d("0.3000"), d("3.00"))
    );
}

#[test]
fn a_vendor_price_stands_unless_the_tariff_overrides_it() {
    let text = |o: bool| {
        format!(
            r#"
            [[tariffs]]
            from = "2025-01-01"
            currency = "EUR"
            energy_price = "0.2000"
            override = {o}
            "#
        )
    };
    let mut s = session("1", "2025-06-03T18:00:00Z", "2025-06-03T19:00:00Z", "10");
    let mut cost = Cost::new(Some("EUR".into()));
    cost.total_incl_vat = Some(d("4.99"));
    s.cost = Some(cost);
    let keep = book(&text(false));
    assert_eq!(keep.price(&s), None);
    let p = keep.pricing(&s);
    assert_eq!(p.source, PriceSource::Vendor);
    assert_eq!(p.cost.unwrap().total_incl_vat, Some(d("4.99")));
    let own = book(&text(true));
    let p = own.pricing(&s);
    assert_eq!(p.source, PriceSource::Tariff);
    assert_eq!(p.cost.unwrap().total_incl_vat, Some(d("2.00")));
    // The session itself is not touched: the vendor's cost is still there.
    assert_eq!(s.cost.as_ref().unwrap().total_incl_vat, Some(d("4.99")));
    // A vendor cost without a total (a currency only) is no price: the tariff prices it.
    s.cost = Some(Cost::new(Some("EUR".into())));
    assert_eq!(keep.pricing(&s).source, PriceSource::Tariff);
}

#[test]
fn halves_round_away_from_zero_to_the_minor_unit_and_the_total_is_the_sum_of_the_parts() {
    let one = |currency: &str, price: &str, fee: &str, kwh: &str| {
        let b = book(&format!(
            r#"
            [[tariffs]]
            from = "2025-01-01"
            currency = "{currency}"
            energy_price = "{price}"
            flat_fee = "{fee}"
            "#
        ));
        let s = session("1", "2025-06-03T18:00:00Z", "2025-06-03T19:00:00Z", kwh);
        let c = b.price(&s).unwrap().cost;
        let parts: Vec<Decimal> = c
            .components
            .iter()
            .map(|x| x.amount_incl_vat.unwrap())
            .collect();
        (parts, c.total_incl_vat.unwrap())
    };
    // 0.67 kWh × 1.5 = 1.005 → 1.01 (not the banker's 1.00); fee 0.005 → 0.01; total 1.02,
    // the sum of the rounded parts (not 1.010 rounded).
    assert_eq!(
        one("EUR", "1.5", "0.005", "0.67"),
        (vec![d("1.01"), d("0.01")], d("1.02"))
    );
    // Yen have no minor unit: 7 × 1.5 = 10.5 → 11.
    assert_eq!(
        one("JPY", "1.5", "0", "7"),
        (vec![d("11"), d("0")], d("11"))
    );
    // Kuwaiti dinar: 3 decimals, 1 × 0.0125 = 0.0125 → 0.013.
    assert_eq!(
        one("KWD", "0.0125", "0.0005", "1"),
        (vec![d("0.013"), d("0.001")], d("0.014"))
    );
}

#[test]
fn vat_is_derived_per_part_when_the_tariff_has_a_rate() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        currency = "EUR"
        energy_price = "0.2852"
        vat_percent = "21"
        flat_fee = "0.35"
        "#,
    );
    let s = session("1", "2025-06-03T18:00:00Z", "2025-06-03T21:00:00Z", "21.5");
    let c = b.price(&s).unwrap().cost;
    // energy 21.5 × 0.2852 = 6.1318 → 6.13, excl. 6.13 / 1.21 = 5.0661… → 5.07;
    // fee 0.35, excl. 0.2892… → 0.29. Totals: 6.48 incl., 5.36 excl., VAT 1.12.
    let parts: Vec<(Decimal, Decimal)> = c
        .components
        .iter()
        .map(|x| (x.amount_excl_vat.unwrap(), x.amount_incl_vat.unwrap()))
        .collect();
    assert_eq!(parts, vec![(d("5.07"), d("6.13")), (d("0.29"), d("0.35"))]);
    assert_eq!(
        (
            c.total_excl_vat,
            c.vat_amount,
            c.total_incl_vat,
            c.vat_percent
        ),
        (
            Some(d("5.36")),
            Some(d("1.12")),
            Some(d("6.48")),
            Some(d("21"))
        )
    );
}

#[test]
fn every_bad_tariff_is_refused_naming_the_account_the_tariff_and_the_field() {
    let bad = |body: &str| {
        book_in(
            "Europe/Brussels",
            &format!("[[tariffs]]\nfrom = \"2025-01-01\"\ncurrency = \"EUR\"\n{body}"),
        )
        .unwrap_err()
    };
    assert_eq!(
        bad("energy_price = \"0.30\"\nto = \"2025-07-01\"\n[[tariffs]]\nfrom = \"2025-06-01\"\ncurrency = \"EUR\"\nenergy_price = \"0.31\""),
        "account \"home-be\": tariff home-be/2025-06-01: from/to: its period (from 2025-06-01) overlaps that of tariff home-be/2025-01-01 (2025-01-01 to 2025-07-01) of the same scope"
    );
    // Periods of different scopes may overlap; periods that touch do not overlap.
    assert!(book_in(
        "UTC",
        "[[tariffs]]\nfrom = \"2025-01-01\"\nto = \"2025-06-01\"\ncurrency = \"EUR\"\nenergy_price = \"0.30\"\n\
         [[tariffs]]\nfrom = \"2025-06-01\"\ncurrency = \"EUR\"\nenergy_price = \"0.31\"\n\
         [[tariffs]]\nfrom = \"2025-01-01\"\ncharger = \"1\"\ncurrency = \"EUR\"\nenergy_price = \"0.2\""
    )
    .is_ok());
    assert_eq!(
        book_in("UTC", "[[tariffs]]\nfrom = \"2025-01-01\"\ncurrency = \"EUX\"\nenergy_price = \"0.30\"").unwrap_err(),
        "account \"home-be\": tariff home-be/2025-01-01: currency: \"EUX\" is not an ISO 4217 currency with a minor unit (EUR, SEK, CZK …)"
    );
    assert_eq!(
        bad("energy_price = \"-0.30\""),
        "account \"home-be\": tariff home-be/2025-01-01: energy_price: \"-0.30\" is negative"
    );
    assert_eq!(
        bad("energy_price = \"0.30\"\nflat_fee = \"0,35\""),
        "account \"home-be\": tariff home-be/2025-01-01: flat_fee: \"0,35\" is not a decimal number (write e.g. \"0.2852\")"
    );
    assert_eq!(
        bad("energy_price = 0.2852"),
        "account \"home-be\": tariff home-be/2025-01-01: energy_price: 0.2852 is a TOML float, which is not exact: write it as text, \"0.2852\""
    );
    assert_eq!(
        bad("energy_price = \"0.30\"\n[[tariffs.windows]]\nstart = \"22:00\"\nend = \"22:00\"\nenergy_price = \"0.2\""),
        "account \"home-be\": tariff home-be/2025-01-01: windows[0].end: the window opens and closes at 22:00: it would be empty (or the whole day: then leave it out)"
    );
    assert_eq!(
        bad("energy_price = \"0.30\"\n[[tariffs.windows]]\ndays = [\"Mon\", \"Fry\"]\nstart = \"22:00\"\nend = \"07:00\"\nenergy_price = \"0.2\""),
        "account \"home-be\": tariff home-be/2025-01-01: windows[0].days: \"Fry\" is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun"
    );
    assert_eq!(
        bad("energy_price = \"0.30\"\n[[tariffs.windows]]\nstart = \"24:30\"\nend = \"07:00\"\nenergy_price = \"0.2\""),
        "account \"home-be\": tariff home-be/2025-01-01: windows[0].start: \"24:30\" is not a time: write HH:MM, e.g. 22:00"
    );
    assert_eq!(
        bad("energy_price = \"0.30\"\nto = \"2024-12-31\""),
        "account \"home-be\": tariff home-be/2025-01-01: to: 2024-12-31 is not after `from` (2025-01-01)"
    );
    assert_eq!(
        bad("energy_price = \"0.30\"\nsite = \"1\"\ncharger = \"2\""),
        "account \"home-be\": tariff #1 (from \"2025-01-01\"): site/charger/id_tag: a tariff has at most one scope: give one of site, charger or id_tag"
    );
    assert_eq!(
        book_in("UTC", "[[tariffs]]\nfrom = \"1 Jan\"\ncurrency = \"EUR\"\nenergy_price = \"0.30\"\nname = \"BE-Q1\"").unwrap_err(),
        "account \"home-be\": tariff BE-Q1: from: \"1 Jan\" is not a day: write YYYY-MM-DD, e.g. 2025-01-01"
    );
}

#[test]
fn a_statement_totals_vendor_and_tariff_money_apart_and_their_sum() {
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        currency = "EUR"
        energy_price = "0.2852"
        vat_percent = "21"
        "#,
    );
    let mut vendor = session("v", "2025-06-02T06:00:00Z", "2025-06-02T07:00:00Z", "5");
    let mut cost = Cost::new(Some("EUR".into()));
    cost.total_excl_vat = Some(d("1.00"));
    cost.vat_amount = Some(d("0.21"));
    cost.total_incl_vat = Some(d("1.21"));
    vendor.cost = Some(cost);
    let t1 = session("t1", "2025-06-03T18:00:00Z", "2025-06-03T21:00:00Z", "21.5");
    let t2 = session("t2", "2025-06-10T18:00:00Z", "2025-06-10T19:00:00Z", "10");
    let mut no_energy = session("n", "2025-06-11T18:00:00Z", "2025-06-11T19:00:00Z", "1");
    no_energy.energy_kwh = None;
    let items: Vec<StatementItem> = [vendor, t1, t2, no_energy]
        .into_iter()
        .map(|s| StatementItem::new(Some("home-be".into()), s))
        .collect();
    let options = StatementOptions::new("2025-06".parse().unwrap())
        .time_zone("Europe/Brussels".parse().unwrap())
        .group_by(GroupBy::Driver)
        .tariffs(b);
    let st = Statement::build(items, &options).unwrap();
    let g = &st.groups[0];
    assert_eq!((g.key.as_str(), g.sessions, g.unpriced), ("driver-1", 4, 1));
    assert_eq!(g.tariffs, vec!["home-be/2025-01-01".to_string()]);
    let m = &g.money[0];
    // t1: 6.13 incl., 5.07 excl.; t2: 10 × 0.2852 = 2.852 → 2.85, excl. 2.3553… → 2.36.
    let a = |x: &evsessions_export::statement::Amounts| (x.sessions, x.excl_vat, x.vat, x.incl_vat);
    assert_eq!(a(&m.vendor), (1, d("1.00"), d("0.21"), d("1.21")));
    assert_eq!(a(&m.tariff), (2, d("7.43"), d("1.55"), d("8.98")));
    assert_eq!(a(&m.total), (3, d("8.43"), d("1.76"), d("10.19")));
    let sources: Vec<(&str, PriceSource, Option<&str>)> = g
        .lines
        .iter()
        .map(|l| (l.id.as_str(), l.price_source, l.tariff_id.as_deref()))
        .collect();
    assert_eq!(
        sources,
        vec![
            ("v", PriceSource::Vendor, None),
            ("t1", PriceSource::Tariff, Some("home-be/2025-01-01")),
            ("t2", PriceSource::Tariff, Some("home-be/2025-01-01")),
            ("n", PriceSource::None, None),
        ]
    );

    let mut csv = Vec::new();
    render_detail(&st, StatementFormat::Csv, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "group,account,source,id,date,start,end,charger,kwh,currency,energy_price,excl_vat,vat,incl_vat,price_source,tariff_id\n\
         driver-1,home-be,smappee,v,2025-06-02,2025-06-02T08:00:00+02:00,2025-06-02T09:00:00+02:00,6100041237,5,EUR,,1,0.21,1.21,vendor,\n\
         driver-1,home-be,smappee,t1,2025-06-03,2025-06-03T20:00:00+02:00,2025-06-03T23:00:00+02:00,6100041237,21.5,EUR,0.2852,5.07,1.06,6.13,tariff,home-be/2025-01-01\n\
         driver-1,home-be,smappee,t2,2025-06-10,2025-06-10T20:00:00+02:00,2025-06-10T21:00:00+02:00,6100041237,10,EUR,0.2852,2.36,0.49,2.85,tariff,home-be/2025-01-01\n\
         driver-1,home-be,smappee,n,2025-06-11,2025-06-11T20:00:00+02:00,2025-06-11T21:00:00+02:00,6100041237,,,,,,,none,\n"
    );
    let mut csv = Vec::new();
    render(&st, StatementFormat::Csv, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        csv.lines().nth(1),
        Some("driver-1,EUR,4,36.5,6,8.43,1.76,10.19,1,0,1,0,1,1,0.21,1.21,2,7.43,1.55,8.98,home-be/2025-01-01")
    );
    let mut html = Vec::new();
    render(&st, StatementFormat::Html, &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("<p class=\"tariff\">Tariff used: home-be/2025-01-01</p>"),
        "{html}"
    );
    assert!(html.contains("<td>tariff home-be/2025-01-01</td>"));
    let json = serde_json::to_value(&st).unwrap();
    assert_eq!(json["groups"][0]["lines"][1]["price_source"], "tariff");
    assert_eq!(json["groups"][0]["money"][0]["tariff"]["incl_vat"], "8.98");
    assert_eq!(json["groups"][0]["money"][0]["incl_vat"], "10.19");
}

#[test]
fn a_time_of_use_tariff_becomes_an_ocpi_tariff_whose_night_window_is_split_at_midnight() {
    use evsessions_export::ocpi::{validate, Cdr, CdrSettings, LocationFacts};
    let b = book(
        r#"
        [[tariffs]]
        from = "2025-01-01"
        to = "2026-01-01"
        currency = "EUR"
        energy_price = "0.3025"
        vat_percent = "21"
        time_price = "0.121"
        flat_fee = "0.605"
        name = "BE-2025"
        [[tariffs.windows]]
        days = ["Fri", "Sat"]
        start = "22:00"
        end = "07:00"
        energy_price = "0.2420"
        "#,
    );
    let mut settings = CdrSettings::new("BE", "SMP");
    settings.location = LocationFacts {
        address: Some("Rue de la Loi 1".into()),
        city: Some("Brussels".into()),
        country: Some("BEL".into()),
        latitude: Some("50.84670".into()),
        longitude: Some("4.35250".into()),
        connector_id: Some("1".into()),
        connector_standard: Some("IEC_62196_T2".into()),
        connector_format: Some("SOCKET".into()),
        power_type: Some("AC_3_PHASE".into()),
        ..LocationFacts::default()
    };
    // Friday 6 June 2025, 22:30 in Brussels: the night price; 2 h; 10 kWh.
    let s = session("n", "2025-06-06T20:30:00Z", "2025-06-06T22:30:00Z", "10");
    let at = s.ended_at.unwrap();
    let cdr = Cdr::from_session_priced(&s, &settings, Some(&b), at).unwrap();
    let v = serde_json::to_value(&cdr).unwrap();
    assert_eq!(validate(&v), vec![]);
    // energy 2.42 (2.00 excl.), time 0.242 → 0.24 (0.20), fee 0.61 (0.50, from 0.605 → 0.61 /
    // 1.21 = 0.5041… → 0.50).
    assert_eq!(
        v["total_cost"],
        serde_json::json!({"excl_vat": 2.7, "incl_vat": 3.27})
    );
    assert_eq!(
        v["total_energy_cost"],
        serde_json::json!({"excl_vat": 2, "incl_vat": 2.42})
    );
    assert_eq!(
        v["total_time_cost"],
        serde_json::json!({"excl_vat": 0.2, "incl_vat": 0.24})
    );
    assert_eq!(
        v["total_fixed_cost"],
        serde_json::json!({"excl_vat": 0.5, "incl_vat": 0.61})
    );
    assert_eq!(v["charging_periods"][0]["tariff_id"], "BE-2025");
    let t = &v["tariffs"][0];
    assert_eq!(t["start_date_time"], "2024-12-31T23:00:00Z");
    assert_eq!(t["end_date_time"], "2025-12-31T23:00:00Z");
    let pc = |kind: &str, price: f64| serde_json::json!({"type": kind, "price": price, "vat": 21, "step_size": 1});
    assert_eq!(
        t["elements"],
        serde_json::json!([
            {"price_components": [pc("ENERGY", 0.2)],
             "restrictions": {"start_time": "22:00", "end_time": "00:00", "day_of_week": ["FRIDAY", "SATURDAY"]}},
            {"price_components": [pc("ENERGY", 0.2)],
             "restrictions": {"start_time": "00:00", "end_time": "07:00", "day_of_week": ["SATURDAY", "SUNDAY"]}},
            {"price_components": [pc("ENERGY", 0.25), pc("TIME", 0.1), pc("FLAT", 0.5)]},
        ])
    );
    // A credit of it keeps the tariff and stays valid.
    let credit = cdr.credit(at).unwrap();
    assert_eq!(credit.tariffs, cdr.tariffs);
}

#[test]
fn a_tariff_id_too_long_for_ocpi_is_refused_with_the_fix() {
    use evsessions_export::ocpi::{Cdr, CdrSettings, LocationFacts};
    // The default id of a charger's tariff: 37 characters, one more than OCPI's CiString(36).
    let b = book(
        "[[tariffs]]\nfrom = \"2025-01-01\"\ncharger = \"6100041237\"\ncurrency = \"EUR\"\n\
         energy_price = \"0.25\"\nvat_percent = \"21\"",
    );
    assert_eq!(b.tariffs()[0].id, "home-be/charger:6100041237/2025-01-01");
    let mut settings = CdrSettings::new("BE", "SMP");
    settings.location = LocationFacts {
        address: Some("Rue de la Loi 1".into()),
        city: Some("Brussels".into()),
        country: Some("BEL".into()),
        latitude: Some("50.84670".into()),
        longitude: Some("4.35250".into()),
        connector_id: Some("1".into()),
        connector_standard: Some("IEC_62196_T2".into()),
        connector_format: Some("SOCKET".into()),
        power_type: Some("AC_3_PHASE".into()),
        ..LocationFacts::default()
    };
    let s = session("1", "2025-06-03T18:00:00Z", "2025-06-03T19:00:00Z", "10");
    let e = Cdr::from_session_priced(&s, &settings, Some(&b), s.ended_at.unwrap())
        .unwrap_err()
        .for_account("home-be");
    assert_eq!(e.field, "tariffs.id");
    assert_eq!(
        e.reason,
        "1 setting missing: tariffs.id (the tariff's id \"home-be/charger:6100041237/2025-01-01\" is not an OCPI tariff id (at most 36 printable ASCII characters)); add to the accounts file:\n    [[accounts.home-be.tariffs]]\n    name = \"…\"   # a shorter id for this tariff"
    );
}
