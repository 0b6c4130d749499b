//! The Parquet export, read back with the `parquet` crate's own reader: every vendor's fixture
//! sessions (through the real clients, from the testkit's mock servers) come back value for
//! value — texts, UTC instants, exact decimals at their documented scales, `raw` as sent —
//! and the file's schema and compression are what `docs/exports.md` promises.

mod common;

use common::fleet_sessions;

use std::fs::File;

use evsessions::export::parquet::{
    column_names, ParquetWriteError, ParquetWriter, COORDINATE_SCALE, ENERGY_SCALE, MONEY_SCALE,
    PERCENT_SCALE,
};
use evsessions::ChargingSession;
use parquet::basic::{Compression, LogicalType, TimeUnit, Type as PhysicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use rust_decimal::Decimal;

/// What the file should hold in `column` for `s`, as the reader gives it back.
fn expected(account: &str, s: &ChargingSession, column: &str) -> Expect {
    let text = |v: Option<&str>| v.map(|t| Expect::Text(t.to_string()));
    let dec = |v: Option<Decimal>| v.map(Expect::Decimal);
    let time = |v: Option<chrono::DateTime<chrono::Utc>>| {
        v.map(|t| Expect::Nanos(t.timestamp_nanos_opt().unwrap()))
    };
    let site = s.site.as_ref();
    let auth = s.authorization.as_ref();
    let soc = s.state_of_charge.as_ref();
    let cost = s.cost.as_ref();
    let v = match column {
        "account" => text(Some(account)),
        "source" => text(Some(s.source.as_str())),
        "id" => text(Some(&s.id)),
        "status" => text(Some(s.status.as_str())),
        "vendor_status" => text(s.vendor_status.as_deref()),
        "started_at" => time(s.started_at),
        "ended_at" => time(s.ended_at),
        "energy_kwh" => dec(s.energy_kwh),
        "charger_id" => text(s.charger.id.as_deref()),
        "charger_name" => text(s.charger.name.as_deref()),
        "connector_id" => text(s.charger.connector_id.as_deref()),
        "connector_type" => text(s.charger.connector_type.as_deref()),
        "evse_id" => text(s.charger.evse_id.as_deref()),
        "max_power_kw" => dec(s.charger.max_power_kw),
        "site_id" => text(site.and_then(|x| x.id.as_deref())),
        "site_name" => text(site.and_then(|x| x.name.as_deref())),
        "site_address" => text(site.and_then(|x| x.address.as_deref())),
        "site_latitude" => dec(site.and_then(|x| x.latitude)),
        "site_longitude" => dec(site.and_then(|x| x.longitude)),
        "auth_method" => text(auth.map(|a| a.method.as_str())),
        "id_tag" => text(auth.and_then(|a| a.id_tag.as_deref())),
        "user_id" => text(auth.and_then(|a| a.user_id.as_deref())),
        "user_name" => text(auth.and_then(|a| a.user_name.as_deref())),
        "soc_start_percent" => dec(soc.and_then(|x| x.start_percent)),
        "soc_end_percent" => dec(soc.and_then(|x| x.end_percent)),
        "cost_currency" => text(cost.and_then(|c| c.currency.as_deref())),
        "cost_total_excl_vat" => dec(cost.and_then(|c| c.total_excl_vat)),
        "cost_total_incl_vat" => dec(cost.and_then(|c| c.total_incl_vat)),
        "cost_vat_amount" => dec(cost.and_then(|c| c.vat_amount)),
        "cost_vat_percent" => dec(cost.and_then(|c| c.vat_percent)),
        "cost_components" => {
            cost.map(|c| Expect::Text(serde_json::to_string(&c.components).unwrap()))
        }
        "raw" => text(Some(s.raw.as_str())),
        other => panic!("unexpected column {other}"),
    };
    v.unwrap_or(Expect::Null)
}

#[derive(Debug, PartialEq)]
enum Expect {
    Null,
    Text(String),
    Nanos(i64),
    Decimal(Decimal),
}

/// The reader's value as an [`Expect`]; decimals rebuilt exactly from their big-endian bytes.
fn got(field: &Field) -> Expect {
    match field {
        Field::Null => Expect::Null,
        Field::Str(s) => Expect::Text(s.clone()),
        // The row API has no nanosecond variant: it gives the INT64 (the schema test checks the type).
        Field::Long(ns) => Expect::Nanos(*ns),
        Field::Decimal(d) => {
            let bytes: [u8; 16] = d.data().try_into().expect("16-byte decimal");
            let unscaled = i128::from_be_bytes(bytes);
            Expect::Decimal(Decimal::from_i128_with_scale(unscaled, d.scale() as u32).normalize())
        }
        other => panic!("unexpected field {other:?}"),
    }
}

#[tokio::test]
async fn every_value_of_every_vendor_comes_back_exactly() {
    let sessions = fleet_sessions().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.parquet");
    // 7 rows a row group: several groups, the last one short.
    let mut w = ParquetWriter::with_row_group_rows(File::create(&path).unwrap(), 7).unwrap();
    for s in &sessions {
        w.write(Some("acct-1"), s).unwrap();
    }
    assert_eq!(w.rows(), sessions.len() as u64);
    w.finish().unwrap();

    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), sessions.len() as i64);
    assert_eq!(meta.num_row_groups(), sessions.len().div_ceil(7));
    for rg in meta.row_groups() {
        for c in rg.columns() {
            assert!(matches!(c.compression(), Compression::ZSTD(_)), "{c:?}");
        }
    }
    let names: Vec<&str> = column_names().collect();
    let mut rows = 0;
    for (row, s) in reader.get_row_iter(None).unwrap().zip(&sessions) {
        let row = row.unwrap();
        let mut seen = 0;
        for (name, field) in row.get_column_iter() {
            assert_eq!(name, names[seen]);
            let want = expected("acct-1", s, name);
            assert_eq!(got(field), want, "session {} column {name}", s.id);
            seen += 1;
        }
        assert_eq!(seen, names.len());
        rows += 1;
    }
    assert_eq!(rows, sessions.len());
    // The values this checks are not all null: an exact decimal and an instant per vendor.
    // Smappee's energy is a decimal difference of meter readings: 1547.862 - 1523.417.
    let kwh = Expect::Decimal("24.445".parse().unwrap());
    assert!(sessions
        .iter()
        .any(|s| s.source.as_str() == "smappee" && expected("a", s, "energy_kwh") == kwh));
}

#[test]
fn the_schema_is_typed_as_documented() {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).unwrap().finish().unwrap();
    let reader = SerializedFileReader::new(bytes::Bytes::from(buf)).unwrap();
    let schema = reader.metadata().file_metadata().schema_descr();
    let col = |name: &str| {
        (0..schema.num_columns())
            .map(|i| schema.column(i))
            .find(|c| c.name() == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    for (name, scale) in [
        ("energy_kwh", ENERGY_SCALE),
        ("max_power_kw", ENERGY_SCALE),
        ("cost_total_excl_vat", MONEY_SCALE),
        ("cost_total_incl_vat", MONEY_SCALE),
        ("cost_vat_amount", MONEY_SCALE),
        ("cost_vat_percent", PERCENT_SCALE),
        ("soc_start_percent", PERCENT_SCALE),
        ("site_latitude", COORDINATE_SCALE),
    ] {
        let c = col(name);
        assert_eq!(
            c.physical_type(),
            PhysicalType::FIXED_LEN_BYTE_ARRAY,
            "{name}"
        );
        assert_eq!(c.type_length(), 16, "{name}");
        assert_eq!(
            c.logical_type(),
            Some(LogicalType::Decimal {
                scale: scale as i32,
                precision: 38
            }),
            "{name}"
        );
    }
    for name in ["started_at", "ended_at"] {
        assert_eq!(col(name).physical_type(), PhysicalType::INT64);
        assert_eq!(
            col(name).logical_type(),
            Some(LogicalType::Timestamp {
                is_adjusted_to_u_t_c: true,
                unit: TimeUnit::NANOS(Default::default())
            })
        );
    }
    for name in ["account", "id", "raw", "cost_components", "site_name"] {
        assert_eq!(
            col(name).physical_type(),
            PhysicalType::BYTE_ARRAY,
            "{name}"
        );
        assert_eq!(
            col(name).logical_type(),
            Some(LogicalType::String),
            "{name}"
        );
    }
    assert_eq!(
        schema.num_columns(),
        evsessions::output::CSV_COLUMNS.len() + 2
    );
}

#[tokio::test]
async fn a_value_beyond_its_scale_refuses_that_session_only_and_names_the_column() {
    let sessions = fleet_sessions().await;
    let mut bad = sessions[0].clone();
    bad.energy_kwh = Some("1.0000001".parse().unwrap());
    let mut late = sessions[1].clone();
    late.started_at = Some("2300-03-01T10:00:00Z".parse().unwrap());

    let mut buf = Vec::new();
    let mut w = ParquetWriter::new(&mut buf).unwrap();
    match w.write(None, &bad) {
        Err(ParquetWriteError::Refused(r)) => {
            assert_eq!(r.field, "energy_kwh");
            assert_eq!(r.session_id, bad.id);
            assert!(
                r.to_string()
                    .contains("1.0000001 has more than 6 decimal places"),
                "{r}"
            );
        }
        other => panic!("{other:?}"),
    }
    match w.write(None, &late) {
        Err(ParquetWriteError::Refused(r)) => assert_eq!(r.field, "started_at"),
        other => panic!("{other:?}"),
    }
    w.write(None, &sessions[2]).unwrap();
    assert_eq!(w.rows(), 1);
    w.finish().unwrap();
    let reader = SerializedFileReader::new(bytes::Bytes::from(buf)).unwrap();
    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1);
    let (_, account) = rows[0].get_column_iter().next().unwrap();
    assert_eq!(account, &Field::Null);
    let id = rows[0]
        .get_column_iter()
        .find(|(n, _)| n.as_str() == "id")
        .unwrap()
        .1;
    assert_eq!(id, &Field::Str(sessions[2].id.clone()));
}
