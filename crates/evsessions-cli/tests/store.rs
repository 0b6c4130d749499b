//! The commands that read a store (`export`, `status`, `statement`) open it read-only and never
//! create one; a store written by schema 4 (the fixture of `evsessions-sync`, written by the
//! code of commit 82c1fe6) gives, once converted, the same exports and statement as that code
//! gave.

mod common;

use common::{run, s, text};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../evsessions-sync/tests/fixtures/store-schema4"
);

fn readers(store: &str) -> Vec<Vec<String>> {
    vec![
        s(&["export", "--store", store, "--format", "ndjson"]),
        s(&["export", "--store", store, "--format", "csv"]),
        s(&["status", "--store", store]),
        s(&["statement", "--store", store, "--month", "2025-03"]),
    ]
}

#[tokio::test]
async fn readers_never_create_a_store_and_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.db").display().to_string();
    for args in readers(&missing) {
        let o = run(args.clone()).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert_eq!(
            text(&o.stderr).trim(),
            format!("error: no store at {missing}: run `evsessions sync` first"),
            "{args:?}"
        );
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "a reader created {left:?}");

    // A text file, and a SQLite database that is someone else's.
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "not a database, only text ".repeat(200)).unwrap();
    let other = dir.path().join("other.db");
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&other)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    for bad in [&text_file, &other] {
        let before = std::fs::read(bad).unwrap();
        let bad = bad.display().to_string();
        for args in readers(&bad) {
            let o = run(args.clone()).await;
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
            assert!(
                text(&o.stderr).starts_with(&format!("error: {bad} is not an evsessions store: ")),
                "{args:?}: {}",
                text(&o.stderr)
            );
        }
        assert_eq!(std::fs::read(&bad).unwrap(), before, "{bad} was written");
    }
}

#[tokio::test]
async fn a_store_of_schema_4_exports_as_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("old.db");
    std::fs::copy(format!("{FIXTURE}.db"), &store).unwrap();
    let store = store.display().to_string();
    for (args, want) in [
        (
            s(&["export", "--store", &store, "--format", "ndjson"]),
            "export.ndjson",
        ),
        (
            s(&[
                "export",
                "--store",
                &store,
                "--format",
                "csv",
                "--include-superseded",
            ]),
            "export-all.csv",
        ),
    ] {
        let o = run(args.clone()).await;
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        let want = std::fs::read_to_string(format!("{FIXTURE}.{want}")).unwrap();
        assert_eq!(text(&o.stdout), want, "{args:?}");
    }
    // The statement's format has grown since the fixture was written (issue 23: vendor and
    // tariff money, price sources, `--by driver` falling back to the id tag), so it is
    // compared on what the old binary printed: every session line with its old fields, and
    // the money per currency over all groups.
    let args = s(&[
        "statement",
        "--store",
        &store,
        "--month",
        "2025-03",
        "--format",
        "json",
    ]);
    let o = run(args.clone()).await;
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    let got: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURE}.statement.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(statement_lines(&got, &want), statement_lines(&want, &want));
    assert_eq!(money_by_currency(&got), money_by_currency(&want));
    assert_eq!(got["invalid_excluded"], want["invalid_excluded"]);
}

/// Every line (billed and open) of a statement by `(account, source, id)`, with only the
/// fields the lines of `reference` have.
fn statement_lines(
    statement: &serde_json::Value,
    reference: &serde_json::Value,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let keys: Vec<String> = reference["groups"][0]["lines"][0]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut out = std::collections::BTreeMap::new();
    for g in statement["groups"].as_array().unwrap() {
        for l in g["lines"]
            .as_array()
            .unwrap()
            .iter()
            .chain(g["open"].as_array().unwrap())
        {
            let kept: serde_json::Map<String, serde_json::Value> =
                keys.iter().map(|k| (k.clone(), l[k].clone())).collect();
            out.insert(
                format!("{}/{}/{}", l["account"], l["source"], l["id"]),
                serde_json::Value::Object(kept),
            );
        }
    }
    out
}

/// Sessions and exact money per currency over every group (decimal text, summed exactly).
fn money_by_currency(
    statement: &serde_json::Value,
) -> std::collections::BTreeMap<String, (u64, [rust_decimal::Decimal; 3])> {
    let mut out = std::collections::BTreeMap::new();
    for g in statement["groups"].as_array().unwrap() {
        for m in g["money"].as_array().unwrap() {
            let e = out
                .entry(m["currency"].as_str().unwrap().to_string())
                .or_insert((0, [rust_decimal::Decimal::ZERO; 3]));
            e.0 += m["sessions"].as_u64().unwrap();
            for (i, k) in ["excl_vat", "vat", "incl_vat"].iter().enumerate() {
                e.1[i] += m[*k]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap();
            }
        }
    }
    out
}
