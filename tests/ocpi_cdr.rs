//! OCPI 2.2.1 CDRs from every vendor's fixture sessions, read through the real clients from the
//! testkit's mock servers: each CDR passes the OCPI CDR rules, matches the vendor's golden file
//! (`tests/golden/ocpi/<vendor>.ndjson`; regenerate with `UPDATE_GOLDEN=1` and review the
//! diff), carries exact values, and a corrected session yields a credit and a new CDR.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use evsessions::export::ocpi::{incremental_step, validate, Cdr, CdrSettings, LocationFacts};
use evsessions::{ChargingSession, HttpConfig, SessionQuery};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn site(city: &str, country: &str, lat: &str, lon: &str, address: Option<&str>) -> LocationFacts {
    LocationFacts {
        city: Some(city.into()),
        country: Some(country.into()),
        latitude: Some(lat.into()),
        longitude: Some(lon.into()),
        address: address.map(str::to_string),
        ..LocationFacts::default()
    }
}

/// What each vendor's CPO would put in its accounts file: its identity, and the facts about
/// its sites that the vendor does not send.
fn settings(vendor: &str) -> CdrSettings {
    let mut s;
    match vendor {
        "emabler" => {
            s = CdrSettings::new("FI", "EMB");
            s.location.connector_standard = Some("IEC_62196_T2".into());
            s.location.connector_format = Some("SOCKET".into());
            s.location.power_type = Some("AC_3_PHASE".into());
            let hki = |a: &str, lat: &str, lon: &str| site("Helsinki", "FIN", lat, lon, Some(a));
            s.sites.insert(
                "3101".into(),
                hki("Urho Kekkosen katu 1", "60.16920", "24.93270"),
            );
            s.sites.insert(
                "3102".into(),
                hki("Itämerenkatu 11", "60.16380", "24.91490"),
            );
            s.sites.insert(
                "4201".into(),
                site(
                    "Tampere",
                    "FIN",
                    "61.49190",
                    "23.76350",
                    Some("Vuolteenkatu 1"),
                ),
            );
            s.sites.insert(
                "5101".into(),
                site(
                    "Stockholm",
                    "SWE",
                    "59.33240",
                    "18.06490",
                    Some("Sergels torg 1"),
                ),
            );
        }
        "smappee" => {
            s = CdrSettings::new("BE", "SMP");
            s.location.connector_standard = Some("IEC_62196_T2".into());
            s.location.connector_format = Some("SOCKET".into());
            s.location.power_type = Some("AC_3_PHASE".into());
            s.location.connector_id = Some("1".into()); // single-connector chargers
            s.sites.insert(
                "40101".into(),
                site(
                    "Brussels",
                    "BEL",
                    "50.84670",
                    "4.35250",
                    Some("Rue de la Loi 1"),
                ),
            );
            s.sites.insert(
                "40102".into(),
                site(
                    "Gent",
                    "BEL",
                    "51.05430",
                    "3.71740",
                    Some("Kortrijksesteenweg 2"),
                ),
            );
        }
        "cleverpower" => {
            s = CdrSettings::new("CZ", "CLP");
            s.location.connector_format = Some("CABLE".into());
            s.location.power_type = Some("AC_3_PHASE".into());
            s.location.connector_standard = None;
            s.sites.insert(
                "311".into(),
                site("Praha", "CZE", "50.08750", "14.42130", Some("Na Příkopě 1")),
            );
            let mut brno = site("Brno", "CZE", "49.19060", "16.61280", Some("Nádražní 1"));
            brno.connector_standard = None;
            s.sites.insert("702".into(), brno);
        }
        _ => {
            s = CdrSettings::new("RU", "RUC");
            s.vat_percent = Some("20".parse().unwrap());
            s.default_auth_method = Some("AUTH_REQUEST".into());
            s.location.country = Some("RUS".into());
            s.location.city = Some("Нижний Новгород".into());
            s.sites.insert(
                "1".into(),
                site(
                    "Нижний Новгород",
                    "RUS",
                    "56.30820",
                    "43.93590",
                    Some("ул. Коминтерна, 105"),
                ),
            );
            s.sites.insert(
                "3".into(),
                site(
                    "Нижний Новгород",
                    "RUS",
                    "56.29310",
                    "43.98150",
                    Some("ул. Пискунова, д. 11А"),
                ),
            );
        }
    }
    s
}

async fn fleet_sessions() -> Vec<(String, Vec<ChargingSession>)> {
    let fleet = evsessions::testing::start_mock_fleet(HttpConfig::for_tests())
        .await
        .unwrap();
    let mut out = Vec::new();
    for source in &fleet.sources {
        let sessions = evsessions::try_collect_sessions(source.as_ref(), &SessionQuery::new())
            .await
            .unwrap();
        out.push((source.kind().as_str().to_string(), sessions));
    }
    out
}

/// One line per session: the CDR, or why the session has none.
fn lines(vendor: &str, sessions: &[ChargingSession]) -> (String, Vec<Cdr>) {
    let settings = settings(vendor);
    let mut text = String::new();
    let mut cdrs = Vec::new();
    for s in sessions {
        let updated = s.ended_at.unwrap_or_else(|| t("2025-04-01T00:00:00Z"));
        match Cdr::from_session(s, &settings, updated) {
            Ok(cdr) => {
                let value = serde_json::to_value(&cdr).unwrap();
                let broken = validate(&value);
                assert!(broken.is_empty(), "{vendor} {}: {broken:?}", s.id);
                text.push_str(&serde_json::to_string(&cdr).unwrap());
                cdrs.push(cdr);
            }
            Err(refusal) => {
                assert_eq!(refusal.session_id, s.id);
                text.push_str(
                    &serde_json::json!({"refused": s.id, "field": refusal.field, "reason": refusal.reason})
                        .to_string(),
                );
            }
        }
        text.push('\n');
    }
    (text, cdrs)
}

#[tokio::test]
async fn every_vendor_matches_its_golden_file_and_the_ocpi_rules() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ocpi");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut total = 0;
    for (vendor, sessions) in fleet_sessions().await {
        let (text, cdrs) = lines(&vendor, &sessions);
        total += cdrs.len();
        let file = dir.join(format!("{vendor}.ndjson"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &text).unwrap();
        }
        let golden = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", file.display()));
        assert_eq!(
            text,
            golden,
            "{vendor}: the CDRs differ from {}",
            file.display()
        );
        // Every completed session with settings for its site yields a CDR; nothing else does.
        let completed = sessions
            .iter()
            .filter(|s| s.status == evsessions::SessionStatus::Completed)
            .count();
        assert!(cdrs.len() <= completed, "{vendor}");
        for c in &cdrs {
            let s = sessions.iter().find(|s| s.id == c.id).unwrap();
            assert_eq!(Some(c.total_energy), s.energy_kwh.map(|e| e.normalize()));
            assert_eq!(
                c.total_cost.incl_vat,
                s.cost
                    .as_ref()
                    .and_then(|x| x.total_incl_vat)
                    .map(|v| v.normalize())
            );
        }
    }
    assert!(total >= 20, "only {total} CDRs over the four vendors");
}

#[tokio::test]
async fn exact_values_of_one_cdr_per_vendor() {
    let all = fleet_sessions().await;
    let find = |vendor: &str| -> Vec<Cdr> {
        let (_, sessions) = all.iter().find(|(v, _)| v == vendor).unwrap();
        lines(vendor, sessions).1
    };
    let emabler = find("emabler");
    let c = &emabler[0];
    let v = serde_json::to_value(c).unwrap();
    assert_eq!(v["country_code"], "FI");
    assert_eq!(v["cdr_token"]["type"], "RFID");
    assert_eq!(v["auth_method"], "WHITELIST");
    assert_eq!(v["charging_periods"][0]["dimensions"][0]["type"], "ENERGY");
    let ru = find("ru-csms");
    assert!(!ru.is_empty(), "RU sessions with vat_percent yield CDRs");
    for c in &ru {
        // Excl. VAT derived from incl. VAT at 20 %, to the cent.
        let incl = c.total_cost.incl_vat.unwrap();
        let excl = c.total_cost.excl_vat;
        let back = (excl * "1.2".parse::<evsessions::Decimal>().unwrap()).round_dp(2);
        assert!(
            (back - incl).abs() <= "0.01".parse().unwrap(),
            "{}: {excl} vs {incl}",
            c.id
        );
        assert_eq!(c.cdr_location.country, "RUS");
    }
}

#[tokio::test]
async fn a_corrected_session_yields_a_credit_then_a_new_cdr_and_nothing_else() {
    let all = fleet_sessions().await;
    let (_, sessions) = all.iter().find(|(v, _)| v == "emabler").unwrap();
    let settings = settings("emabler");
    let (_, cdrs) = lines("emabler", sessions);
    let first = cdrs[0].clone();
    let session = sessions.iter().find(|s| s.id == first.id).unwrap().clone();
    let at = t("2025-05-01T12:00:00Z");

    // Sent once; unchanged: nothing.
    let step = incremental_step(None, Some(first.clone()), at).unwrap();
    assert_eq!(step.write, vec![first.clone()]);
    let (version, sent) = step.remember.unwrap();
    assert_eq!(version, 1);
    let again = Cdr::from_session(&session, &settings, t("2025-04-02T00:00:00Z")).unwrap();
    let step = incremental_step(Some((version, &sent)), Some(again), at).unwrap();
    assert!(step.write.is_empty() && step.remember.is_none());

    // The cost is recomputed: a credit of what was sent, then version 2.
    let mut corrected = session.clone();
    let cost = corrected.cost.as_mut().unwrap();
    cost.total_excl_vat = Some(cost.total_excl_vat.unwrap() + evsessions::Decimal::ONE);
    let now = Cdr::from_session(&corrected, &settings, at).unwrap();
    let step = incremental_step(Some((version, &sent)), Some(now), at).unwrap();
    assert_eq!(step.write.len(), 2);
    let (credit, new) = (&step.write[0], &step.write[1]);
    assert_eq!(credit.id, format!("{}-C", first.id));
    assert_eq!(credit.credit, Some(true));
    assert_eq!(
        credit.credit_reference_id.as_deref(),
        Some(first.id.as_str())
    );
    assert_eq!(credit.total_cost.excl_vat, -first.total_cost.excl_vat);
    assert_eq!(credit.total_energy, -first.total_energy);
    assert_eq!(credit.total_time, -first.total_time);
    assert_eq!(new.id, format!("{}-2", first.id));
    assert_eq!(
        new.total_cost.excl_vat,
        first.total_cost.excl_vat + evsessions::Decimal::ONE
    );
    assert_eq!(new.credit, None);
    for c in &step.write {
        assert!(validate(&serde_json::to_value(c).unwrap()).is_empty());
    }
    assert_eq!(step.remember.as_ref().unwrap().0, 2);

    // The session turns invalid: a credit of version 2 only; then nothing more.
    let (v2, sent2) = step.remember.unwrap();
    let step = incremental_step(Some((v2, &sent2)), None, at).unwrap();
    assert_eq!(step.write.len(), 1);
    assert_eq!(step.write[0].id, format!("{}-2-C", first.id));
    let (v3, withdrawn) = step.remember.unwrap();
    let step = incremental_step(Some((v3, &withdrawn)), None, at).unwrap();
    assert!(step.write.is_empty());
}

#[tokio::test]
async fn refusals_name_the_missing_field() {
    let all = fleet_sessions().await;
    let (_, sessions) = all.iter().find(|(v, _)| v == "emabler").unwrap();
    let completed = sessions
        .iter()
        .find(|s| s.status == evsessions::SessionStatus::Completed && s.cost.is_some())
        .unwrap();
    let bare = CdrSettings::new("FI", "EMB");
    let e = Cdr::from_session(completed, &bare, t("2025-04-01T00:00:00Z")).unwrap_err();
    assert_eq!(e.field, "cdr_location.address");
    assert!(e.to_string().contains("ocpi.sites"), "{e}");
    // Every missing setting at once, not one a run.
    let fields: Vec<&str> = e.missing.iter().map(|m| m.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "cdr_location.address",
            "cdr_location.city",
            "cdr_location.country",
            "cdr_location.coordinates.latitude",
            "cdr_location.coordinates.longitude",
            "cdr_location.connector_standard",
            "cdr_location.connector_format",
            "cdr_location.connector_power_type",
        ]
    );
    let e = e.for_account("office");
    assert!(
        e.reason.contains(
            "\n    [accounts.office.ocpi.sites.\"3101\"]\n    address = \"…\"\n    city = \"…\"\n"
        ),
        "{e}"
    );
    // A Smappee session missing a city and a price: both named, with the tariff to add.
    let (_, smappee) = all.iter().find(|(v, _)| v == "smappee").unwrap();
    let mut no_city = settings("smappee");
    no_city.sites.get_mut("40101").unwrap().city = None;
    let s = smappee.iter().find(|s| s.id == "48213").unwrap();
    let e = Cdr::from_session(s, &no_city, t("2025-07-01T00:00:00Z")).unwrap_err();
    assert_eq!(
        e.reason,
        "2 settings missing: cdr_location.city (the vendor gives no city), total_cost (the vendor sent no price); add to the accounts file:\n    \
         [accounts.NAME.ocpi.sites.\"40101\"]\n    \
         city = \"…\"\n    \
         [[accounts.NAME.tariffs]]\n    \
         from = \"YYYY-MM-DD\"\n    \
         currency = \"…\"   # ISO 4217, e.g. EUR\n    \
         energy_price = \"…\"   # per kWh incl. VAT\n    \
         vat_percent = \"…\""
    );
    let active = sessions
        .iter()
        .find(|s| s.status == evsessions::SessionStatus::Active)
        .unwrap();
    let e = Cdr::from_session(active, &settings("emabler"), t("2025-04-01T00:00:00Z")).unwrap_err();
    assert_eq!(e.field, "status");
    let mut bad = settings("emabler");
    bad.party_id = "TOOLONG".into();
    let e = Cdr::from_session(completed, &bad, t("2025-04-01T00:00:00Z")).unwrap_err();
    assert_eq!(e.field, "party_id");
}

#[tokio::test]
async fn smappee_sessions_priced_by_a_tariff_become_valid_cdrs() {
    use evsessions::export::tariff::{TariffBook, TariffSpec};
    let all = fleet_sessions().await;
    let (_, sessions) = all.iter().find(|(v, _)| v == "smappee").unwrap();
    let settings = settings("smappee");
    let mut spec = TariffSpec::new("2025-01-01", "EUR", "0.2852");
    spec.vat_percent = Some("21".into());
    let book = TariffBook::new("home-be", "Europe/Brussels".parse().unwrap(), vec![spec]).unwrap();
    let mut priced = Vec::new();
    for s in sessions {
        let at = s.ended_at.unwrap_or_else(|| t("2025-07-01T00:00:00Z"));
        // Without the tariff, none: Smappee sends no price.
        assert!(Cdr::from_session(s, &settings, at).is_err());
        if let Ok(cdr) = Cdr::from_session_priced(s, &settings, Some(&book), at) {
            let value = serde_json::to_value(&cdr).unwrap();
            assert_eq!(validate(&value), vec![], "{}", s.id);
            priced.push((cdr.id.clone(), cdr.total_cost.clone()));
        }
    }
    let totals: Vec<(String, String, Option<String>)> = priced
        .into_iter()
        .map(|(id, p)| {
            (
                id,
                p.excl_vat.to_string(),
                p.incl_vat.map(|v| v.to_string()),
            )
        })
        .collect();
    let row =
        |id: &str, ex: &str, inc: &str| (id.to_string(), ex.to_string(), Some(inc.to_string()));
    // Every completed session with a token: energy × 0.2852, excl. VAT at 21 %, to the cent.
    assert_eq!(
        totals,
        vec![
            row("48190", "3.98", "4.81"),
            row("48213", "5.76", "6.97"),
            row("48227", "3.6", "4.35"),
            row("51007", "5.13", "6.21"),
            row("51023", "5", "6.05"),
        ]
    );
}
