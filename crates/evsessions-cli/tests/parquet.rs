//! `evsessions export --format parquet` as a new user runs it: sync the eMabler mock into a
//! SQLite store, export Parquet, read the file back with the `parquet` crate: the same sessions
//! in the same order as the NDJSON export, typed, with the account. Without `--output` it is a
//! usage error and writes nothing; a failed run leaves no file.

mod common;

use common::{run, s, sync, text};
use evsessions_testkit::emabler::EmablerMock;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

fn column<'a>(row: &'a parquet::record::Row, name: &str) -> &'a Field {
    row.get_column_iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// `evsessions export --store STORE --format parquet --output OUTPUT`.
async fn export_parquet(store: &str, output: &str) -> std::process::Output {
    run(s(&[
        "export", "--store", store, "--format", "parquet", "--output", output,
    ]))
    .await
}

#[tokio::test]
async fn the_parquet_file_holds_what_the_ndjson_export_holds() {
    let mock = EmablerMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db").display().to_string();
    sync(&mock, &store, "2025-04-01T00:00:00Z").await;

    let out = dir.path().join("sessions.parquet");
    let o = export_parquet(&store, &out.display().to_string()).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());

    let nd = run(s(&["export", "--store", &store, "--format", "ndjson"])).await;
    assert_eq!(nd.status.code(), Some(0));
    let expected: Vec<serde_json::Value> = text(&nd.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(expected.len() >= 10, "{}", expected.len());
    assert_eq!(
        text(&o.stderr).trim(),
        format!(
            "parquet: {} sessions written to {}, 0 refused",
            expected.len(),
            out.display()
        )
    );

    let reader = SerializedFileReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), expected.len());
    for (row, want) in rows.iter().zip(&expected) {
        assert_eq!(column(row, "account"), &Field::Str("emabler".into()));
        assert_eq!(
            column(row, "id"),
            &Field::Str(want["id"].as_str().unwrap().into())
        );
        assert_eq!(
            column(row, "status"),
            &Field::Str(want["status"].as_str().unwrap().into())
        );
        // raw is the vendor's record: the same JSON the NDJSON export carries.
        let Field::Str(raw) = column(row, "raw") else {
            panic!("raw")
        };
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(raw).unwrap(),
            want["raw"]
        );
        match (column(row, "energy_kwh"), want["energy_kwh"].as_number()) {
            (Field::Decimal(d), Some(n)) => {
                let unscaled = i128::from_be_bytes(d.data().try_into().unwrap());
                let got = rust_decimal::Decimal::from_i128_with_scale(unscaled, d.scale() as u32);
                assert_eq!(got.normalize().to_string(), n.to_string(), "{}", want["id"]);
            }
            (Field::Null, None) => {}
            other => panic!("energy of {}: {other:?}", want["id"]),
        }
    }
}

#[tokio::test]
async fn without_output_it_is_a_usage_error_and_a_failed_run_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db").display().to_string();
    let o = run(s(&["export", "--store", &store, "--format", "parquet"])).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(
        text(&o.stderr).contains("give --output FILE"),
        "{}",
        text(&o.stderr)
    );

    // A store that is not a database: exit 2 naming it, before any row; no file is left
    // (the output is opened only once the store is).
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, "not a database, only text ".repeat(200)).unwrap();
    let out = dir.path().join("x.parquet");
    let o = export_parquet(&bad.display().to_string(), &out.display().to_string()).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("{} is not an evsessions store", bad.display())),
        "{}",
        text(&o.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["bad.db"]);

    // A disk that is full: exit 6, one line naming the file.
    let store = dir.path().join("s2.db").display().to_string();
    let mock = EmablerMock::start().await;
    sync(&mock, &store, "2025-04-01T00:00:00Z").await;
    let o = export_parquet(&store, "/dev/full").await;
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: cannot write /dev/full: "), "{err}");
}
