//! The vendor models: every field of the help page, the Czech names, tolerance to other shapes.

use std::collections::BTreeSet;

use cleverpower_client::{NabijeciBod, NabijeciBodTransakce, Normalizer, Transaction};
use evsessions_core::chrono_tz::Europe;
use evsessions_core::{Decimal, Error, SessionStatus};
use serde_json::{json, Value};

/// Every response field of `POST api/Ocpp` on the API's help page
/// (`shared/seeds/cleverpower-post-api-ocpp.txt`), in page order.
const SEED_FIELDS: [&str; 74] = [
    "Id",
    "Version",
    "IdNabijeciStanice",
    "IdNabijeciBodUmisteni",
    "IdNabijeciBodVykonovyTypVystupniDostupny",
    "IdNabijeciBodVykonovyTypVystupniJmenovity",
    "DostupneVystupniNapetiV",
    "DostupnyVystupniProudA",
    "DostupnyVystupniVykonKw",
    "JmenoviteVystupniNapetiV",
    "JmenovityVystupniProudA",
    "JmenovityVystupniVykonKw",
    "IdNabijeciBodRezimNabijeniTyp",
    "IdNabijeciBodDynamickeInformaceDostupnost",
    "IdNabijeciBodNabijeniTyp",
    "IdNabijeciBodKonektorTyp",
    "IsNadstavboveSluzby",
    "IsVlastniIpAdresa",
    "IsAdresaIpv4",
    "IsAdresaIpv6",
    "IpAdresa",
    "IpAdresaAdresniMaska",
    "IpAdresaDelkaPredponyPodsite",
    "IpAdresaVychoziBrana",
    "IpAdresaDns",
    "IdNabijeciBodSetUctovacichPravidel",
    "IsSynchronizovatSHubjectem",
    "DatumZmenyStavu",
    "DatumPosledniAktualizaceStavuVHubjectu",
    "DatumPosledniAktualizaceUdajuVHubjectu",
    "OcppServerFqdn",
    "IdNabijeciBodKonektor",
    "IdNabijeciBodStavVHubjectu",
    "IdNabijeciBodStav",
    "IpAdresaNtp",
    "OcppServerIpAdresa",
    "KapacitaMaximalniKwh",
    "IsHubjectKompatibilni",
    "DatumZmeny",
    "Smazano",
    "DatumPrvniAktivace",
    "IdNabijeciBodStavUzivatelsky",
    "Kod",
    "IdSynchronizaceSExternimSystemem",
    "EvseId",
    "IdNabijeciBodDostupnostDatDleKalibracnihoZakona",
    "IsEnergieZObnovitelnychZdroju",
    "Tarify",
    "HasPlatebniTerminal",
    "IdObchodniPartnerProvozovnaPlatebniTerminal",
    "IdNabijeciBodTransakceOkruh",
    "PovolenaPrimaPlatba",
    "NabijeciStanice",
    "NabijeciBodDynamickeInformaceDostupnost",
    "NabijeciBodRezimNabijeniTyp",
    "NabijeciBodUmisteni",
    "NabijeciBodVykonovyTyp_IdNabijeciBodVykonovyTypVystupniJmenovity",
    "NabijeciBodKonektorTyp",
    "NabijeciBodNabijeniTyp",
    "NabijeciBodVykonovyTyp_IdNabijeciBodVykonovyTypVystupniDostupny",
    "NabijeciBodTransakces",
    "NabijeciBodNadstavbovaSluzbaPrirazenas",
    "NabijeciBodRezimOverovaniTypPrirazenies",
    "NabijeciBodMoznostPlatbyTypPrirazenies",
    "NabijeciBodSetUctovacichPravidel",
    "NabijeciBodKonektor",
    "NabijeciBodStav",
    "NabijeciBodStavVHubjectu",
    "LogKomunikaceSExternimSystememCleverPowers",
    "IdentifikacniKods",
    "ProceduraCasovyPlans",
    "NabijeciSitNabijeciBods",
    "NabijeciBodTransakceOkruh",
    "IsVerejny",
];

fn fixture(file: &str) -> Value {
    let path = evsessions_testkit::fixtures_dir()
        .join("cleverpower")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn nabijeci_bod_has_every_seed_field_under_its_czech_name() {
    let written = serde_json::to_value(NabijeciBod::default()).unwrap();
    let want: BTreeSet<String> = SEED_FIELDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(keys(&written), want);
}

#[test]
fn fixture_point_reads_and_round_trips() {
    let raw = fixture("ocpp-PRG-0311-A.json");
    assert_eq!(keys(&raw).len(), 74, "the fixture carries every seed field");
    let p: NabijeciBod = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(p.id.as_deref(), Some("1042"));
    assert_eq!(p.version, Some(7));
    assert_eq!(p.station_id.as_deref(), Some("311"));
    assert_eq!(p.rated_output_power_kw, Some(Decimal::from(22)));
    assert_eq!(p.available_output_voltage_v, Some(Decimal::from(400)));
    assert_eq!(p.ip_address.as_deref(), Some("10.20.30.41"));
    assert_eq!(p.subnet_prefix_length, None);
    assert_eq!(p.max_capacity_kwh, None);
    assert_eq!(p.deleted, Some(false));
    assert_eq!(p.code.as_deref(), Some("PRG-0311-A"));
    assert_eq!(p.evse_id.as_deref(), Some("CZ*XXX*E0001042*1"));
    assert_eq!(p.tariffs.as_deref(), Some("AC 22 kW: 8,90 Kč/kWh vč. DPH"));
    assert_eq!(p.is_public, Some(true));
    assert_eq!(p.direct_payment_allowed, Some(true));
    assert_eq!(p.transactions.len(), 4);
    assert_eq!(p.identification_codes, Some(vec![]));
    assert_eq!(p.station, None);
    let t = p
        .status_changed_at
        .as_ref()
        .unwrap()
        .to_utc(Europe::Prague)
        .unwrap();
    assert_eq!(t.unwrap().to_rfc3339(), "2024-05-14T07:47:02.113+00:00");
    // Written back, every value is the same (Czech names, exact decimals, dates as sent,
    // identifiers as text).
    let back = serde_json::to_value(&p).unwrap();
    for k in SEED_FIELDS {
        let (a, b) = (&raw[k], &back[k]);
        let same = a == b
            || (a.as_f64().is_some() && a.as_f64() == b.as_f64())
            || (a.is_i64() && b.as_str() == Some(a.to_string().as_str()));
        assert!(same, "{k}: {a} vs {b}");
    }

    let b: NabijeciBod = serde_json::from_value(fixture("ocpp-BRN-0702-B.json")).unwrap();
    assert_eq!(b.connector_type.as_ref().unwrap()["Kod"], "CCS2");
    assert_eq!(
        b.station.as_ref().unwrap()["Nazev"],
        "Brno – Hlavní nádraží P+R"
    );
    assert_eq!(b.subnet_prefix_length.as_deref(), Some("24"));
    assert_eq!(b.max_capacity_kwh, Some("150.5".parse().unwrap()));
}

#[test]
fn transakce_guessed_fields() {
    let raw = fixture("ocpp-PRG-0311-A.json")["NabijeciBodTransakces"][0].clone();
    let t = NabijeciBodTransakce::from_value(&raw).unwrap();
    assert_eq!(t.id.as_deref(), Some("880101"));
    assert_eq!(t.version, Some(3));
    assert_eq!(t.charging_point_id.as_deref(), Some("1042"));
    assert_eq!(t.connector_id.as_deref(), Some("2087"));
    assert_eq!(
        t.session_id.as_deref(),
        Some("0f8e2c1a-5b7d-4c39-9a61-2d4e8b7f0c11")
    );
    assert_eq!(t.id_tag.as_deref(), Some("04A2B3C4D5E680"));
    assert_eq!(
        t.started_at.as_ref().unwrap().as_str(),
        "2024-05-13T17:05:44.207"
    );
    assert_eq!(t.meter_start_wh, Some(Decimal::from(1523340)));
    assert_eq!(t.meter_end_wh, Some(Decimal::from(1552015)));
    assert_eq!(t.energy_kwh, Some("28.675".parse().unwrap()));
    assert_eq!(t.price_excl_vat, Some("236.98".parse().unwrap()));
    assert_eq!(t.price_incl_vat, Some("286.75".parse().unwrap()));
    assert_eq!(t.is_settled, Some(true));
    assert_eq!(t.deleted, Some(false));
    assert_eq!(t.raw, (&raw).into());
    let written = serde_json::to_value(&t).unwrap();
    assert_eq!(
        keys(&written),
        keys(&raw),
        "the guessed fields, by their Czech names"
    );
}

#[test]
fn any_other_session_shape_survives() {
    let point: NabijeciBod = serde_json::from_value(json!({
        "Id": 5,
        "NabijeciBodTransakces": [
            // unknown keys, numbers as strings, decimals as strings: kept and read
            {"Id": "77", "Poznamka": "pozn.", "SpotrebaKwh": "1.25", "Cena": "10.5",
             "DatumZahajeni": "2024-05-13T17:05:44", "DatumUkonceni": "2024-05-13T18:00:00",
             "NabijeciBod": null, "$id": "9"},
            // no Id: the SessionId names it
            {"SessionId": "s-guid", "DatumZahajeni": "2024-05-13T17:05:44"},
            // neither: an error, not a panic
            {"DatumZahajeni": "2024-05-13T17:05:44"},
            // not an object at all
            42,
            // a field of the wrong type
            {"Id": 78, "Smazano": "ano"}
        ]
    }))
    .unwrap();
    let r = Normalizer::new(Europe::Prague, "CZK").point_sessions("CP-9", 0, point.clone());
    assert_eq!(r.len(), 5);
    let s = r[0].as_ref().unwrap();
    assert_eq!(s.id, "77");
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s.energy_kwh, Some("1.25".parse().unwrap()));
    assert_eq!(
        s.cost.as_ref().unwrap().total_excl_vat,
        Some("10.5".parse().unwrap())
    );
    assert_eq!(s.raw.to_value().unwrap()["Poznamka"], "pozn.");
    assert_eq!(s.charger.id.as_deref(), Some("CP-9"));
    assert_eq!(s.site, None);
    let s = r[1].as_ref().unwrap();
    assert_eq!(s.id, "s-guid");
    assert_eq!(s.status, SessionStatus::Active);
    assert!(matches!(r[2], Err(Error::Decode { .. })), "{:?}", r[2]);
    match &r[3] {
        Err(Error::Decode { record, .. }) => assert_eq!(*record, None),
        other => panic!("{other:?}"),
    }
    match &r[4] {
        Err(Error::Decode { record, path, .. }) => {
            assert_eq!(record.as_deref(), Some("78"));
            assert_eq!(path, "Smazano");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn transaction_keeps_unknown_tail() {
    let t: Transaction = serde_json::from_value(json!({
        "id": "12", "price": "1.10", "charging_start": "2024-05-13T17:05:44", "energy": 3.5
    }))
    .unwrap();
    assert_eq!(t.id.as_deref(), Some("12"));
    assert_eq!(t.price, Some("1.10".parse().unwrap()));
    assert_eq!(t.other["charging_start"], "2024-05-13T17:05:44");
    assert_eq!(t.other["energy"], 3.5);
}
