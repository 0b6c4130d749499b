//! The `evsessions` binary end to end, against the testkit's mock servers.

use std::process::{Command, Output};

use evsessions_testkit::{Fault, VendorMock};

const BIN: &str = env!("CARGO_BIN_EXE_evsessions");

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(BIN);
        c.env_clear().args(&args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
fn ndjson(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
fn ids(v: &[serde_json::Value]) -> Vec<String> {
    let mut ids: Vec<String> = v
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn demo_prints_every_vendor_and_a_summary() {
    let o = run(&["demo"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    for vendor in ["emabler", "smappee", "cleverpower", "ru-csms"] {
        assert!(out.contains(vendor), "demo output lacks {vendor}:\n{out}");
    }
    assert!(out.contains("Summary"), "{out}");
    assert!(
        out.contains("Нижний Новгород"),
        "Cyrillic must pass unchanged:\n{out}"
    );
}

#[tokio::test]
async fn demo_ndjson_is_one_valid_record_per_line() {
    let o = run(&["demo", "--format", "ndjson"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let recs = ndjson(&o);
    assert!(recs.len() > 50, "{}", recs.len());
    assert!(stderr(&o).contains("Summary"));
}

mod emabler {
    use super::*;
    use evsessions_testkit::emabler::{EmablerMock, API_KEY};

    #[tokio::test]
    async fn reads_every_session_once_as_ndjson() {
        let mock = EmablerMock::start().await;
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
                "--format",
                "ndjson",
            ],
            &[("EMABLER_API_KEY", API_KEY)],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let recs = ndjson(&o);
        assert_eq!(ids(&recs), sorted(mock.session_ids()));
        let first = recs.iter().find(|r| r["id"] == "1048576001").unwrap();
        assert_eq!(first["source"], "emabler");
        assert_eq!(first["started_at"], "2025-03-03T06:58:12.412Z");
        assert_eq!(first["energy_kwh"].to_string(), "21.437");
        assert_eq!(first["cost"]["total_incl_vat"].to_string(), "6.01");
        assert_eq!(first["cost"]["currency"], "EUR");
    }

    /// Linux: the pipe stdout writes into is widened to 1 MiB (so a large read switches
    /// between writer and reader sixteen times less often), and what comes through is the same.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_output_pipe_is_widened_to_one_mib() {
        use std::io::Read;
        let mock = EmablerMock::start().await;
        let url = mock.base_url();
        // A fresh pipe is smaller: the check below is not met by default.
        let (fresh, _) = rustix::pipe::pipe().unwrap();
        assert!(rustix::pipe::fcntl_getpipe_size(&fresh).unwrap() < 1 << 20);
        let (size_after, out, status) = tokio::task::spawn_blocking(move || {
            let mut child = Command::new(BIN)
                .env_clear()
                .env("EMABLER_API_KEY", API_KEY)
                .args(["sessions", "--source", "emabler", "--base-url", &url])
                .args(["--format", "ndjson"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut pipe = child.stdout.take().unwrap();
            let mut out = String::new();
            pipe.read_to_string(&mut out).unwrap();
            let status = child.wait().unwrap();
            let after = rustix::pipe::fcntl_getpipe_size(&pipe).unwrap();
            (after, out, status)
        })
        .await
        .unwrap();
        assert!(status.success());
        assert_eq!(size_after, 1 << 20);
        let recs: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(ids(&recs), sorted(mock.session_ids()));
    }

    #[tokio::test]
    async fn a_503_with_retry_after_before_the_first_page_does_not_fail() {
        let mock = EmablerMock::start().await;
        mock.inject(Fault::status(503).retry_after("1"), 1).await;
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
                "--format",
                "ndjson",
            ],
            &[("EMABLER_API_KEY", API_KEY)],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        assert_eq!(ids(&ndjson(&o)), sorted(mock.session_ids()));
    }

    #[tokio::test]
    async fn a_wrong_key_exits_3_with_one_line_and_no_key() {
        let mock = EmablerMock::start().await;
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
            ],
            &[("EMABLER_API_KEY", "wrong-key-s3cr3t")],
        )
        .await;
        assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: emabler: authentication failed"),
            "{err}"
        );
        assert!(!err.contains("s3cr3t"), "{err}");
    }

    #[tokio::test]
    async fn a_bad_record_is_one_error_exit_5_and_the_rest_is_written() {
        let mock = EmablerMock::start_with(
            evsessions_testkit::emabler::EmablerMockOptions::default().with_bad_record(true),
        )
        .await;
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
                "--format",
                "ndjson",
            ],
            &[("EMABLER_API_KEY", API_KEY)],
        )
        .await;
        assert_eq!(o.status.code(), Some(5), "stderr: {}", stderr(&o));
        assert_eq!(ndjson(&o).len() + 1, mock.session_ids().len());
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("could not decode record"), "{err}");
        assert!(
            err.contains("fullConsumptionWh"),
            "the error names the field: {err}"
        );
    }

    #[tokio::test]
    async fn from_and_to_cut_exactly() {
        let mock = EmablerMock::start().await;
        let all = ndjson(
            &run(
                &[
                    "sessions",
                    "--source",
                    "emabler",
                    "--base-url",
                    &mock.base_url(),
                    "--format",
                    "ndjson",
                ],
                &[("EMABLER_API_KEY", API_KEY)],
            )
            .await,
        );
        let mut starts: Vec<String> = all
            .iter()
            .filter_map(|r| r["started_at"].as_str().map(String::from))
            .collect();
        starts.sort();
        starts.dedup();
        let (from, to) = (starts[1].clone(), starts[starts.len() - 2].clone());
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
                "--format",
                "ndjson",
                "--from",
                &from,
                "--to",
                &to,
            ],
            &[("EMABLER_API_KEY", API_KEY)],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let got = ndjson(&o);
        assert!(
            got.iter().any(|r| r["started_at"] == from.as_str()),
            "a session starting at --from is in"
        );
        assert!(
            got.iter().all(|r| r["started_at"] != to.as_str()),
            "a session starting at --to is out"
        );
        let want: Vec<serde_json::Value> = all
            .iter()
            .filter(|r| {
                r["started_at"]
                    .as_str()
                    .is_some_and(|s| s >= from.as_str() && s < to.as_str())
            })
            .cloned()
            .collect();
        assert_eq!(ids(&got), ids(&want));
    }

    #[tokio::test]
    async fn configuration_errors_exit_2_and_name_the_variable() {
        let o = run(&["sessions", "--source", "emabler"], &[]).await;
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("EMABLER_API_KEY"), "{}", stderr(&o));
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                "http://api.example.com/api/v2/cpo",
            ],
            &[("EMABLER_API_KEY", "k")],
        )
        .await;
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("http://"), "{}", stderr(&o));
        let o = run(
            &["sessions", "--source", "emabler", "--from", "June"],
            &[("EMABLER_API_KEY", "k")],
        )
        .await;
        assert_eq!(o.status.code(), Some(2));
    }

    #[tokio::test]
    async fn csv_and_json_outputs() {
        let mock = EmablerMock::start().await;
        let dir = std::env::temp_dir().join(format!("evsessions-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.csv");
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
                "--format",
                "csv",
                "--output",
                file.to_str().unwrap(),
            ],
            &[("EMABLER_API_KEY", API_KEY)],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            evsessions_core::output::CSV_COLUMNS
        );
        assert_eq!(r.records().count(), mock.session_ids().len());
        let o = run(
            &[
                "sessions",
                "--source",
                "emabler",
                "--base-url",
                &mock.base_url(),
                "--format",
                "json",
            ],
            &[("EMABLER_API_KEY", API_KEY)],
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), mock.session_ids().len());
    }
}

mod smappee {
    use super::*;
    use evsessions_testkit::smappee::{SmappeeMock, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME};

    fn creds(password: &str) -> Vec<(&'static str, String)> {
        vec![
            ("SMAPPEE_CLIENT_ID", CLIENT_ID.to_string()),
            ("SMAPPEE_CLIENT_SECRET", CLIENT_SECRET.to_string()),
            ("SMAPPEE_USERNAME", USERNAME.to_string()),
            ("SMAPPEE_PASSWORD", password.to_string()),
        ]
    }

    #[tokio::test]
    async fn discovers_parks_and_prints_each_session_once_in_the_window() {
        let mock = SmappeeMock::start().await;
        let env = creds(PASSWORD);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = run(
            &[
                "sessions",
                "--source",
                "smappee",
                "--base-url",
                &mock.base_url(),
                "--from",
                "2025-06-01",
                "--to",
                "2025-06-05",
                "--format",
                "ndjson",
            ],
            &env,
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let recs = ndjson(&o);
        let got = ids(&recs);
        let mut dedup = got.clone();
        dedup.dedup();
        assert_eq!(got, dedup, "each session once");
        assert!(!recs.is_empty());
        for r in &recs {
            let start = r["started_at"].as_str().unwrap();
            assert!(
                ("2025-06-01T00:00:00Z".."2025-06-05T00:00:00Z").contains(&start),
                "{start}"
            );
        }
        let s = recs
            .iter()
            .find(|r| r["id"] == "48213")
            .expect("session 48213");
        assert_eq!(s["energy_kwh"].to_string(), "24.445");
        assert_eq!(s["status"], "completed");
        assert_eq!(s["started_at"], "2025-06-02T17:42:10Z");
        assert!(
            recs.iter().any(|r| r["status"] == "active"),
            "active sessions are read too"
        );
    }

    /// Issue 21: a server that revokes each access token after two data calls, with several
    /// listings in flight. `sessions --concurrency 8` prints what a server that revokes
    /// nothing gives, and `sync --page-concurrency 8` keeps every session; no refresh token
    /// is sent twice.
    #[tokio::test]
    async fn tokens_revoked_every_two_calls_lose_nothing_at_concurrency_8() {
        let env = creds(PASSWORD);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let listing = |url: String| {
            let args: Vec<String> = [
                "sessions",
                "--source",
                "smappee",
                "--base-url",
                &url,
                "--from",
                "2025-06-01",
                "--to",
                "2025-06-05",
                "--format",
                "ndjson",
                "--concurrency",
                "8",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            args
        };
        let plain = SmappeeMock::start().await;
        let args = listing(plain.base_url());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let want = run(&args, &env).await;
        assert_eq!(want.status.code(), Some(0), "stderr: {}", stderr(&want));

        let mock = SmappeeMock::start().await;
        mock.revoke_each_token_after(2);
        let args = listing(mock.base_url());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run(&args, &env).await;
        assert_eq!(got.status.code(), Some(0), "stderr: {}", stderr(&got));
        assert_eq!(
            stdout(&got),
            stdout(&want),
            "the same lines in the same order"
        );
        assert!(ndjson(&got).len() >= 5);
        assert!(mock.revocations() >= 2, "the server revoked tokens mid-run");

        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.db");
        let store = store.to_str().unwrap();
        let synced = run(
            &[
                "sync",
                "--source",
                "smappee",
                "--base-url",
                &mock.base_url(),
                "--store",
                store,
                "--since",
                "2025-01-01",
                "--page-concurrency",
                "8",
            ],
            &env,
        )
        .await;
        assert_eq!(synced.status.code(), Some(0), "stderr: {}", stderr(&synced));
        let exported = run(&["export", "--store", store, "--format", "ndjson"], &[]).await;
        assert_eq!(
            exported.status.code(),
            Some(0),
            "stderr: {}",
            stderr(&exported)
        );
        assert_eq!(ids(&ndjson(&exported)), sorted(mock.session_ids()));
        let presented = mock.presented_refresh_tokens();
        let distinct: std::collections::HashSet<&String> = presented.iter().collect();
        assert_eq!(
            distinct.len(),
            presented.len(),
            "a refresh token sent twice"
        );
        assert_eq!(mock.refused_refreshes(), 0);
        assert!(
            mock.token_requests() <= mock.revocations() + 2,
            "one sign-in a run, else renewals for revocations"
        );
    }

    #[tokio::test]
    async fn smappee_token_file_makes_the_second_run_skip_the_password_grant() {
        let mock = SmappeeMock::start().await;
        let dir =
            std::env::temp_dir().join(format!("evsessions-cli-tokens-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("smappee.json");
        let mut env = creds(PASSWORD);
        env.push(("SMAPPEE_TOKEN_FILE", file.display().to_string()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let url = mock.base_url();
        let args = [
            "sessions",
            "--source",
            "smappee",
            "--base-url",
            &url,
            "--format",
            "ndjson",
        ];
        let first = run(&args, &env).await;
        assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
        assert_eq!(mock.password_grants(), 1);
        assert!(file.is_file());
        let second = run(&args, &env).await;
        assert_eq!(second.status.code(), Some(0), "stderr: {}", stderr(&second));
        assert_eq!(
            mock.password_grants(),
            1,
            "the second run did a password grant"
        );
        assert_eq!(ids(&ndjson(&second)), ids(&ndjson(&first)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn wrong_credentials_exit_3_with_the_servers_reason_and_no_secret() {
        let mock = SmappeeMock::start().await;
        let env = creds("not-the-password-9z");
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = run(
            &[
                "sessions",
                "--source",
                "smappee",
                "--base-url",
                &mock.base_url(),
            ],
            &env,
        )
        .await;
        assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("Invalid Credentials"), "{err}");
        assert!(
            !err.contains("not-the-password-9z") && !err.contains(CLIENT_SECRET),
            "{err}"
        );
    }
}

mod cleverpower {
    use super::*;
    use evsessions_testkit::cleverpower::{CleverPowerMock, TOKEN, UNKNOWN_CHARGE_ID};

    #[tokio::test]
    async fn every_session_of_two_points_in_utc_with_exact_amounts() {
        let mock = CleverPowerMock::start().await;
        let points = mock.charge_ids();
        let mut args = vec!["sessions", "--source", "cleverpower", "--format", "ndjson"];
        let base = mock.base_url();
        args.extend(["--base-url", base.as_str()]);
        for p in &points {
            args.extend(["--charger", p.as_str()]);
        }
        let o = run(&args, &[("CLEVERPOWER_TOKEN", TOKEN)]).await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let recs = ndjson(&o);
        assert_eq!(ids(&recs), sorted(mock.session_ids()));
        let s = recs
            .iter()
            .find(|r| r["id"] == "880101")
            .expect("session 880101");
        assert_eq!(
            s["started_at"], "2024-05-13T15:05:44.207Z",
            "a May time in Prague is UTC+2"
        );
        assert_eq!(s["energy_kwh"].to_string(), "28.675");
        assert_eq!(s["cost"]["currency"], "CZK");
        assert_eq!(s["cost"]["total_excl_vat"].to_string(), "236.98");
        assert_eq!(s["cost"]["total_incl_vat"].to_string(), "286.75");
        assert!(
            recs.iter().any(|r| r["status"] == "invalid"),
            "the deleted session is kept as invalid"
        );
        assert!(
            recs.iter().any(|r| r["status"] == "active"),
            "the running session is active"
        );
    }

    #[tokio::test]
    async fn an_unknown_charge_id_exits_4_naming_it_and_the_others_still_print() {
        let mock = CleverPowerMock::start().await;
        let points = mock.charge_ids();
        let base = mock.base_url();
        let mut args = vec![
            "sessions",
            "--source",
            "cleverpower",
            "--base-url",
            base.as_str(),
            "--format",
            "ndjson",
        ];
        for (i, p) in points.iter().enumerate() {
            args.extend(["--charger", p.as_str()]);
            if i == 0 {
                args.extend(["--charger", UNKNOWN_CHARGE_ID]); // unknown in the middle of the walk
            }
        }
        let o = run(&args, &[("CLEVERPOWER_TOKEN", TOKEN)]).await;
        assert_eq!(o.status.code(), Some(4), "stderr: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(UNKNOWN_CHARGE_ID), "{err}");
        assert_eq!(ids(&ndjson(&o)), sorted(mock.session_ids()));
    }

    #[tokio::test]
    async fn no_charger_is_a_usage_error() {
        let o = run(
            &[
                "sessions",
                "--source",
                "cleverpower",
                "--base-url",
                "http://127.0.0.1:9",
            ],
            &[],
        )
        .await;
        assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
        assert!(stderr(&o).contains("--charger"), "{}", stderr(&o));
    }
}

mod ru_csms {
    use super::*;
    use evsessions_testkit::ru_csms::{RuCsmsMock, RuCsmsMockOptions, TOKEN};

    #[tokio::test]
    async fn every_session_once_with_the_servers_own_page_size() {
        let mock =
            RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(7)).await;
        let o = run(
            &["sessions", "--source", "ru-csms", "--format", "ndjson"],
            &[
                ("RU_CSMS_SESSIONS_URL", &mock.sessions_url()),
                ("RU_CSMS_TOKEN", TOKEN),
            ],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let recs = ndjson(&o);
        assert_eq!(ids(&recs), sorted(mock.session_ids()));
        let s = recs.iter().find(|r| r["id"] == "1523").unwrap();
        assert_eq!(s["energy_kwh"].to_string(), "1.845");
        assert_eq!(s["charger"]["connector_type"], "GBT_DC");
        assert_eq!(s["site"]["name"], "Коминтерна, 105");
        let s = recs.iter().find(|r| r["id"] == "1742").unwrap();
        assert_eq!(s["status"], "completed");
        assert_eq!(s["energy_kwh"].to_string(), "0");
        assert!(s["state_of_charge"].is_null());
    }

    #[tokio::test]
    async fn concurrency_8_prints_the_same_lines_in_the_same_order_as_1() {
        let mock =
            RuCsmsMock::start_with(RuCsmsMockOptions::default().with_server_per_page(5)).await;
        let env = [
            ("RU_CSMS_SESSIONS_URL", mock.sessions_url()),
            ("RU_CSMS_TOKEN", TOKEN.to_string()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut outs = Vec::new();
        for n in ["1", "8"] {
            let o = run(
                &[
                    "sessions",
                    "--source",
                    "ru-csms",
                    "--format",
                    "ndjson",
                    "--concurrency",
                    n,
                ],
                &env,
            )
            .await;
            assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
            outs.push(stdout(&o));
        }
        assert_eq!(outs[0].lines().count(), 49);
        assert_eq!(outs[0], outs[1], "byte for byte, in the vendor's order");
        let order: Vec<String> = outs[1]
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(order, mock.session_ids());
    }

    #[tokio::test]
    async fn concurrency_or_body_cap_out_of_range_is_a_usage_error() {
        for (flag, bad) in [
            ("--concurrency", "0"),
            ("--concurrency", "65"),
            ("--concurrency", "x"),
            ("--max-body-mib", "0"),
            ("--max-body-mib", "x"),
        ] {
            let o = run(
                &["sessions", "--source", "ru-csms", flag, bad],
                &[
                    ("RU_CSMS_SESSIONS_URL", "http://127.0.0.1:9/x"),
                    ("RU_CSMS_TOKEN", "t"),
                ],
            )
            .await;
            assert_eq!(o.status.code(), Some(2), "{flag} {bad}: {}", stderr(&o));
            let err = stderr(&o);
            assert!(err.contains(flag), "{err}");
            assert!(stdout(&o).is_empty());
        }
        for bad in ["0", "65"] {
            let o = run(
                &["sync", "--source", "ru-csms", "--page-concurrency", bad],
                &[],
            )
            .await;
            assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
            assert!(stderr(&o).contains("--page-concurrency"), "{}", stderr(&o));
        }
    }

    #[tokio::test]
    async fn a_refused_token_under_http_200_exits_3_with_the_servers_words() {
        let mock = RuCsmsMock::start().await;
        let o = run(
            &["sessions", "--source", "ru-csms", "--format", "ndjson"],
            &[
                ("RU_CSMS_SESSIONS_URL", &mock.sessions_url()),
                ("RU_CSMS_TOKEN", "expired-token-x1"),
            ],
        )
        .await;
        assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("Токен"), "{err}");
        assert!(!err.contains("expired-token-x1"), "{err}");
    }

    #[tokio::test]
    async fn csv_keeps_cyrillic_intact() {
        let mock = RuCsmsMock::start().await;
        let o = run(
            &["sessions", "--source", "ru-csms", "--format", "csv"],
            &[
                ("RU_CSMS_SESSIONS_URL", &mock.sessions_url()),
                ("RU_CSMS_TOKEN", TOKEN),
            ],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let out = stdout(&o);
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), mock.session_ids().len());
        assert!(rows.iter().any(|row| &row[14] == "Коминтерна, 105"
            && &row[15] == "Нижний Новгород, ул. Коминтерна, 105"));
        assert!(
            out.contains("кВт⋅ч"),
            "cost components keep their Cyrillic units"
        );
    }

    #[tokio::test]
    async fn a_missing_sessions_url_names_the_variable() {
        let o = run(
            &["sessions", "--source", "ru-csms"],
            &[("RU_CSMS_TOKEN", TOKEN)],
        )
        .await;
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("RU_CSMS_SESSIONS_URL"),
            "{}",
            stderr(&o)
        );
    }
}

#[tokio::test]
async fn every_help_shows_an_example() {
    for args in [
        &["--help"][..],
        &["sessions", "--help"],
        &["demo", "--help"],
        &["sync", "--help"],
        &["export", "--help"],
        &["status", "--help"],
        &["statement", "--help"],
    ] {
        let o = run(args, &[]).await;
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("\nExamples:\n  "), "{args:?}:\n{out}");
        assert!(out.contains("  evsessions "), "{args:?}:\n{out}");
    }
}

#[tokio::test]
async fn a_mistyped_value_or_flag_suggests_the_right_one() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["sessions", "--source", "emablr"],
            "a similar value exists: 'emabler'",
        ),
        (
            &["demo", "--format", "ndjsn"],
            "a similar value exists: 'ndjson'",
        ),
        (
            &["sessions", "--source", "emabler", "--status", "complete"],
            "a similar value exists: 'completed'",
        ),
        (
            &["demo", "--formt", "csv"],
            "a similar argument exists: '--format'",
        ),
    ];
    for (args, tip) in cases {
        let o = run(args, &[]).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(tip), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}

#[tokio::test]
async fn a_format_value_is_case_insensitive_and_jsonl_is_ndjson() {
    let o = run(&["demo", "--format", "JSONL"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(ndjson(&o).len(), stdout(&o).lines().count());
    assert!(!ndjson(&o).is_empty());
}

#[tokio::test]
async fn verbose_logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let o = run(&["-vv", "demo", "--format", "csv"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(" DEBUG "), "-vv logs nothing:\n{err}");
    assert!(
        !err.contains('\u{1b}'),
        "ANSI escape in a piped stderr:\n{err}"
    );
}

/// Hostile servers, each case against every vendor (see `evsessions_testkit::hostile`).
mod ocpi {
    use super::*;
    use evsessions_testkit::ocpi::{OcpiMock, TOKEN};

    /// `--source ocpi` from the environment (`OCPI_VERSIONS_URL`, `OCPI_TOKEN`), and an
    /// accounts file's `vendor = "ocpi"` with `token_env`, synced and exported: every session
    /// of the mock once, the token never printed.
    #[tokio::test]
    async fn sessions_and_sync_read_an_ocpi_platform() {
        let mock = OcpiMock::start().await;
        let url = mock.versions_url();
        let o = run(
            &["sessions", "--source", "ocpi", "--format", "ndjson"],
            &[("OCPI_VERSIONS_URL", &url), ("OCPI_TOKEN", TOKEN)],
        )
        .await;
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        let want = sorted(mock.session_ids());
        assert_eq!(ids(&ndjson(&o)), want);
        assert!(ndjson(&o).iter().all(|r| r["source"] == "ocpi"));

        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("evsessions.toml");
        std::fs::write(
            &config,
            format!(
                "[accounts.hub]\nvendor = \"ocpi\"\nversions_url = \"{url}\"\ntoken_env = \"HUB_OCPI_TOKEN\"\n"
            ),
        )
        .unwrap();
        let store = dir.path().join("s.db");
        let (config, store) = (config.to_str().unwrap(), store.to_str().unwrap());
        let synced = run(
            &[
                "sync",
                "--config",
                config,
                "--store",
                store,
                "--since",
                "2025-01-01",
            ],
            &[("HUB_OCPI_TOKEN", TOKEN)],
        )
        .await;
        assert_eq!(synced.status.code(), Some(0), "stderr: {}", stderr(&synced));
        let all = format!("{}{}", stdout(&synced), stderr(&synced));
        assert!(!all.contains(TOKEN), "{all}");
        let exported = run(&["export", "--store", store, "--format", "ndjson"], &[]).await;
        assert_eq!(
            exported.status.code(),
            Some(0),
            "stderr: {}",
            stderr(&exported)
        );
        assert_eq!(ids(&ndjson(&exported)), want);
    }
}

mod hostile {
    use super::*;
    use evsessions_testkit::fault::mount_fault;
    use evsessions_testkit::hostile::{leaks, Behaviour, Catcher, HostileServer};
    use evsessions_testkit::{cleverpower, emabler, ru_csms, smappee};

    /// One vendor, started: the CLI arguments, its environment and its secrets.
    struct Case {
        vendor: &'static str,
        mock: Box<dyn VendorMock>,
        args: Vec<String>,
        env: Vec<(&'static str, String)>,
        secrets: Vec<&'static str>,
    }

    async fn every_vendor() -> Vec<Case> {
        let e = emabler::EmablerMock::start().await;
        let s = smappee::SmappeeMock::start().await;
        let c = cleverpower::CleverPowerMock::start().await;
        let r = ru_csms::RuCsmsMock::start().await;
        let charge = c.charge_ids().first().cloned().unwrap_or_default();
        vec![
            Case {
                vendor: "emabler",
                args: vec!["--base-url".into(), e.base_url()],
                env: vec![("EMABLER_API_KEY", emabler::API_KEY.into())],
                secrets: vec![emabler::API_KEY],
                mock: Box::new(e),
            },
            Case {
                vendor: "smappee",
                args: vec!["--base-url".into(), s.base_url()],
                env: vec![
                    ("SMAPPEE_CLIENT_ID", smappee::CLIENT_ID.into()),
                    ("SMAPPEE_CLIENT_SECRET", smappee::CLIENT_SECRET.into()),
                    ("SMAPPEE_USERNAME", smappee::USERNAME.into()),
                    ("SMAPPEE_PASSWORD", smappee::PASSWORD.into()),
                ],
                secrets: vec![smappee::CLIENT_SECRET, smappee::PASSWORD],
                mock: Box::new(s),
            },
            Case {
                vendor: "cleverpower",
                args: vec![
                    "--base-url".into(),
                    c.base_url(),
                    "--charger".into(),
                    charge,
                ],
                env: vec![("CLEVERPOWER_TOKEN", cleverpower::TOKEN.into())],
                secrets: vec![cleverpower::TOKEN],
                mock: Box::new(c),
            },
            Case {
                vendor: "ru-csms",
                args: vec![],
                env: vec![
                    ("RU_CSMS_SESSIONS_URL", r.sessions_url()),
                    ("RU_CSMS_TOKEN", ru_csms::TOKEN.into()),
                ],
                secrets: vec![ru_csms::TOKEN],
                mock: Box::new(r),
            },
        ]
    }

    /// `fault` on the vendor's first credentialed call, every time: Smappee's token call (the
    /// password grant must not be re-posted elsewhere nor echoed), the others' data calls.
    async fn inject_first_call(case: &Case, fault: Fault) {
        if case.vendor == "smappee" {
            mount_fault(case.mock.server(), "POST", r"oauth2/token$", &fault, 100).await;
        } else {
            case.mock.inject(fault, 100).await;
        }
    }

    /// None of the case's secrets on stdout or stderr.
    fn assert_no_secret(case: &Case, o: &Output) {
        let all = format!("{}{}", stderr(o), stdout(o));
        let found = leaks(&all, &case.secrets);
        assert_eq!(found, Vec::<String>::new(), "{}", case.vendor);
    }

    async fn run_case(case: &Case, extra: &[&str]) -> Output {
        let mut args = vec!["sessions", "--source", case.vendor, "--format", "csv"];
        args.extend(case.args.iter().map(String::as_str));
        args.extend(extra);
        let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run(&args, &env).await
    }

    #[tokio::test]
    async fn a_redirect_to_another_origin_gets_nothing_and_exits_4_naming_both_origins() {
        for case in every_vendor().await {
            let catcher = Catcher::start().await;
            inject_first_call(&case, Fault::redirect(&catcher.trap_url("TRAP"))).await;
            let o = run_case(&case, &["-vv"]).await;
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(4), "{}: {err}", case.vendor);
            assert!(catcher.received().await.is_empty(), "{}", case.vendor);
            let line = err
                .lines()
                .find(|l| l.starts_with("error: "))
                .unwrap_or_default();
            let origin = case.mock.server().uri();
            assert!(
                line.contains(&format!(
                    "refused a redirect from {origin} to another origin, {}",
                    catcher.uri()
                )),
                "{}: {err}",
                case.vendor
            );
            assert!(line.contains("fix the base URL"), "{line}");
            assert!(!err.contains("TRAP"), "{}: {err}", case.vendor);
            assert_no_secret(&case, &o);
            // The first request failed: nothing at all on stdout, not even the CSV header.
            assert_eq!(stdout(&o), "", "{}", case.vendor);
        }
    }

    #[tokio::test]
    async fn a_server_that_echoes_the_credentials_in_its_error_never_gets_them_shown() {
        for case in every_vendor().await {
            let echo = case
                .secrets
                .iter()
                .map(|s| format!("credential={s}"))
                .collect::<Vec<_>>()
                .join("; ");
            let body = format!(r#"{{"message":"bad request: {echo}"}}"#);
            inject_first_call(&case, Fault::status(400).body(&body)).await;
            let o = run_case(&case, &["-vv"]).await;
            let err = stderr(&o);
            assert!(
                matches!(o.status.code(), Some(3 | 4)),
                "{}: {err}",
                case.vendor
            );
            assert!(
                err.contains("credential=REDACTED"),
                "{}: {err}",
                case.vendor
            );
            assert_no_secret(&case, &o);
        }
    }

    #[tokio::test]
    async fn a_failed_run_leaves_the_previous_output_file_untouched_and_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("evs-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for case in every_vendor().await {
            let file = dir.join(format!("{}.csv", case.vendor));
            std::fs::write(&file, "previous\n").unwrap();
            case.mock.inject(Fault::status(500), 1000).await;
            let target = file.display().to_string();
            let o = run_case(&case, &["--output", &target, "--retries", "0"]).await;
            assert_eq!(o.status.code(), Some(4), "{}: {}", case.vendor, stderr(&o));
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "previous\n");
        }
        // A successful run replaces the file; nothing else is left in the directory.
        let case = every_vendor().await.remove(0);
        let file = dir.join("emabler.csv");
        let o = run_case(&case, &["--output", &file.display().to_string()]).await;
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(written.lines().count(), case.mock.session_ids().len() + 1);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "cleverpower.csv",
                "emabler.csv",
                "ru-csms.csv",
                "smappee.csv"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// One vendor pointed at a [`HostileServer`]: the CLI arguments, its environment and its
    /// secrets.
    struct HostileCase {
        vendor: &'static str,
        args: Vec<String>,
        env: Vec<(&'static str, String)>,
        secrets: Vec<&'static str>,
    }

    /// The CLI arguments, environment and secrets that point `vendor` at a
    /// [`HostileServer`] (every path of it answers the same way).
    fn at_hostile(vendor: &'static str, server: &HostileServer) -> HostileCase {
        let mut case = HostileCase {
            vendor,
            args: vec!["--base-url".into(), server.uri()],
            env: vec![],
            secrets: vec![],
        };
        match vendor {
            "emabler" => {
                case.env = vec![("EMABLER_API_KEY", emabler::API_KEY.into())];
                case.secrets = vec![emabler::API_KEY];
            }
            "smappee" => {
                case.env = vec![
                    ("SMAPPEE_CLIENT_ID", smappee::CLIENT_ID.into()),
                    ("SMAPPEE_CLIENT_SECRET", smappee::CLIENT_SECRET.into()),
                    ("SMAPPEE_USERNAME", smappee::USERNAME.into()),
                    ("SMAPPEE_PASSWORD", smappee::PASSWORD.into()),
                ];
                case.secrets = vec![
                    smappee::CLIENT_ID,
                    smappee::CLIENT_SECRET,
                    smappee::USERNAME,
                    smappee::PASSWORD,
                ];
            }
            "cleverpower" => {
                case.args.extend(["--charger".into(), "PRG-0311-A".into()]);
                case.env = vec![("CLEVERPOWER_TOKEN", cleverpower::TOKEN.into())];
                case.secrets = vec![cleverpower::TOKEN];
            }
            _ => {
                case.args.clear();
                case.env = vec![
                    ("RU_CSMS_SESSIONS_URL", format!("{}/sessions", server.uri())),
                    ("RU_CSMS_TOKEN", ru_csms::TOKEN.into()),
                ];
                case.secrets = vec![ru_csms::TOKEN];
            }
        }
        case
    }

    const VENDORS: [&str; 4] = ["emabler", "smappee", "cleverpower", "ru-csms"];

    /// What one CLI run against a hostile server did.
    struct Measured {
        case: HostileCase,
        output: Output,
        took: std::time::Duration,
        /// The child's peak resident set (`VmHWM`, KiB), polled from `/proc` while it ran.
        peak_kib: u64,
        samples: usize,
        requests: u64,
    }

    /// Every vendor at once, each against its own server of `behaviour`, with `extra`
    /// arguments; no secret on stdout or stderr.
    async fn every_vendor_against(behaviour: Behaviour, extra: &[&str]) -> Vec<Measured> {
        let runs = VENDORS.map(|vendor| {
            let behaviour = behaviour.clone();
            let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            async move {
                let server = HostileServer::start(behaviour).await;
                let case = at_hostile(vendor, &server);
                let mut args: Vec<String> = ["sessions", "--source", vendor, "--format", "csv"]
                    .map(String::from)
                    .to_vec();
                args.extend(case.args.iter().cloned());
                args.extend(extra);
                let env: Vec<(String, String)> = case
                    .env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                let t0 = std::time::Instant::now();
                let (output, peak_kib, samples) =
                    tokio::task::spawn_blocking(move || run_polling_memory(&args, &env))
                        .await
                        .unwrap();
                let took = t0.elapsed();
                let requests = server.requests();
                Measured {
                    case,
                    output,
                    took,
                    peak_kib,
                    samples,
                    requests,
                }
            }
        });
        let all = futures::future::join_all(runs).await;
        for m in &all {
            let text = format!("{}{}", stderr(&m.output), stdout(&m.output));
            let found = leaks(&text, &m.case.secrets);
            assert_eq!(found, Vec::<String>::new(), "{}: {text}", m.case.vendor);
        }
        all
    }

    /// Run the binary, polling its `VmHWM` (peak resident set, never decreasing) every
    /// millisecond until it exits: (output, the last peak read in KiB, readings).
    fn run_polling_memory(args: &[String], env: &[(String, String)]) -> (Output, u64, usize) {
        use std::process::Stdio;
        let mut c = Command::new(BIN);
        c.env_clear()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().unwrap();
        // Drain both pipes while polling, so that a child with much to say never blocks.
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let status = format!("/proc/{}/status", child.id());
        let (mut peak, mut samples) = (0u64, 0usize);
        while child.try_wait().unwrap().is_none() {
            let hwm = std::fs::read_to_string(&status).ok().and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            });
            if let Some(kib) = hwm {
                peak = peak.max(kib);
                samples += 1;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let output = Output {
            status: child.wait().unwrap(),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        };
        (output, peak, samples)
    }

    fn error_line(o: &Output) -> String {
        stderr(o)
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_default()
            .to_string()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_huge_body_ends_at_the_cap_exit_4_with_bounded_memory() {
        // 64 MiB offered against a 1 MiB cap (--max-body-mib 1): a client that read it all
        // would peak past 64 MiB; this one stops at the cap.
        let all = every_vendor_against(
            Behaviour::Huge { bytes: 64 << 20 },
            &["--max-body-mib", "1", "--retries", "0"],
        )
        .await;
        for m in all {
            let v = m.case.vendor;
            assert_eq!(
                m.output.status.code(),
                Some(4),
                "{v}: {}",
                stderr(&m.output)
            );
            assert!(
                error_line(&m.output).contains(
                    "the response body is larger than the 1048576-byte cap (HttpConfig::max_body_bytes); not read further"
                ),
                "{v}: {}",
                stderr(&m.output)
            );
            assert_eq!(stdout(&m.output), "", "{v}");
            assert_eq!(m.requests, 1, "{v}");
            assert!(m.samples > 0, "{v}: memory never read");
            println!(
                "{v}: peak {} KiB over {} readings, {:?}",
                m.peak_kib, m.samples, m.took
            );
            assert!(m.peak_kib < 40 * 1024, "{v}: peak {} KiB", m.peak_kib);
        }
    }

    #[tokio::test]
    async fn a_trickling_or_silent_server_ends_at_the_timeout_exit_4() {
        for behaviour in [
            Behaviour::Trickle {
                every: std::time::Duration::from_millis(20),
            },
            Behaviour::Stall,
        ] {
            let all = every_vendor_against(behaviour, &["--timeout", "1", "--retries", "0"]).await;
            for m in all {
                let v = m.case.vendor;
                assert_eq!(
                    m.output.status.code(),
                    Some(4),
                    "{v}: {}",
                    stderr(&m.output)
                );
                assert!(
                    error_line(&m.output).contains("timed out after 1s"),
                    "{v}: {}",
                    stderr(&m.output)
                );
                assert_eq!(m.requests, 1, "{v}");
                assert!(
                    m.took >= std::time::Duration::from_secs(1)
                        && m.took < std::time::Duration::from_millis(1900),
                    "{v}: {:?}",
                    m.took
                );
            }
        }
    }

    #[tokio::test]
    async fn a_server_that_echoes_the_request_shows_no_secret_even_with_vv() {
        // `every_vendor_against` checks stdout and stderr for every secret, as sent or encoded.
        for status in [200u16, 400, 401] {
            let all = every_vendor_against(
                Behaviour::EchoRequest { status },
                &["-vv", "--retries", "0"],
            )
            .await;
            for m in all {
                let v = m.case.vendor;
                let want = match (status, v) {
                    (200, _) => 5,
                    (401, _) | (400, "smappee") => 3,
                    _ => 4,
                };
                assert_eq!(
                    m.output.status.code(),
                    Some(want),
                    "{status} {v}: {}",
                    stderr(&m.output)
                );
                assert!(
                    stderr(&m.output).contains(" DEBUG "),
                    "{v}: -vv logged nothing"
                );
            }
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_write_error_exits_6_with_one_line_naming_the_file() {
        let case = every_vendor().await.remove(0);
        let o = run_case(&case, &["--output", "/dev/full"]).await;
        assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: cannot write /dev/full: "), "{err}");
    }
}
