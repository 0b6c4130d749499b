//! A real PostgreSQL server for tests: the one `EVSESSIONS_TEST_POSTGRES_URL` names, else —
//! when PostgreSQL is installed (`/usr/lib/postgresql/*/bin`, as Debian and Ubuntu put it, or
//! `initdb` and `pg_ctl` on the `PATH`) — a throwaway cluster that this function starts on a
//! free port of 127.0.0.1, in a temporary directory, and that is stopped and removed when the
//! test process exits. So `cargo test --workspace` on a developer's machine runs the PostgreSQL
//! tests without any setup, as `.ci/run` does.
//!
//! ```no_run
//! if let Some(url) = evsessions_testkit::postgres::test_url() {
//!     println!("testing against {url}");
//! } // else the test said why it skipped
//! ```

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The variable that names a server to test against.
pub const ENV_URL: &str = "EVSESSIONS_TEST_POSTGRES_URL";

/// The database the throwaway cluster creates for the tests.
pub const DATABASE: &str = "evsessions_test";

/// The server to test against (`postgres://…`), or `None` after saying loudly on stderr that the
/// test is skipped and how to install PostgreSQL. The throwaway cluster is started once per test
/// process. Under `CI=true` a missing server is a panic: the PostgreSQL tests must run in CI.
pub fn test_url() -> Option<String> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    let url = URL.get_or_init(|| match std::env::var(ENV_URL) {
        Ok(u) if !u.trim().is_empty() => Ok(u),
        _ => start_cluster(),
    });
    match url {
        Ok(u) => Some(u.clone()),
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but no PostgreSQL to test against: {why}"
            );
            eprintln!("!!! SKIPPED: PostgreSQL test: {why}");
            None
        }
    }
}

fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    dirs.sort();
    // The newest installed version first, then whatever the PATH has.
    dirs.reverse();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, as the `postgres` user when this process is root (initdb refuses root).
fn as_server_user(root: bool, program: &Path, args: &[String]) -> Command {
    if root {
        let mut line = shell_quote(&program.to_string_lossy());
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        let mut c = Command::new("su");
        c.args(["postgres", "-s", "/bin/sh", "-c", &line]);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn start_cluster() -> Result<String, String> {
    let Some(bin) = bin_dir() else {
        return Err(format!(
            "{ENV_URL} is not set and PostgreSQL is not installed (install it, e.g. `apt-get install postgresql`, and the tests start their own server; or set {ENV_URL}, or run `eval \"$(bash .ci/postgres.sh)\"`)"
        ));
    };
    let root = is_root();
    if root {
        // The cluster's owner; .ci/postgres.sh makes it the same way.
        let exists = Command::new("id")
            .arg("postgres")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !exists {
            return Err("running as root and there is no `postgres` user to own a throwaway cluster (create one, or set EVSESSIONS_TEST_POSTGRES_URL)".into());
        }
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?
        .port();
    let dir =
        std::env::temp_dir().join(format!("evsessions-test-pg-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root {
        run(
            {
                let mut c = Command::new("chown");
                c.arg("postgres").arg(&dir);
                c
            },
            "chown postgres",
        )?;
    }
    let data = dir.join("data").to_string_lossy().into_owned();
    let socket = dir.to_string_lossy().into_owned();
    let log = dir.join("log").to_string_lossy().into_owned();
    eprintln!(
        "starting a throwaway PostgreSQL cluster for the tests ({} on 127.0.0.1:{port}, in {socket}; {ENV_URL} not set)",
        bin.display()
    );
    run(
        as_server_user(
            root,
            &bin.join("initdb"),
            &[
                "-D".into(),
                data.clone(),
                "-U".into(),
                "postgres".into(),
                "--auth=trust".into(),
                "-E".into(),
                "UTF8".into(),
            ],
        ),
        "initdb",
    )?;
    run(
        as_server_user(
            root,
            &bin.join("pg_ctl"),
            &[
                "-D".into(),
                data.clone(),
                "-l".into(),
                log,
                "-w".into(),
                "-o".into(),
                format!("-p {port} -k {socket} -c listen_addresses=127.0.0.1 -c fsync=off"),
                "start".into(),
            ],
        ),
        "pg_ctl start",
    )?;
    // Stopped and removed when this test process exits, whatever way it does.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null || [ -e /proc/{pid} ]; do sleep 0.5; done; {pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        pg_ctl = shell_quote(&bin.join("pg_ctl").to_string_lossy()),
        data = shell_quote(&data),
        dir = shell_quote(&socket),
    );
    let watchdog = if root {
        let mut c = Command::new("su");
        c.args(["postgres", "-s", "/bin/sh", "-c", &stop]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &stop]);
        c
    };
    let mut watchdog = watchdog;
    watchdog
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start the cluster's watchdog: {e}"))?;
    let psql = bin.join("psql");
    run(
        {
            let mut c = Command::new(psql);
            c.args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-q",
                "-c",
                &format!("CREATE DATABASE {DATABASE}"),
            ]);
            c
        },
        "CREATE DATABASE",
    )?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/{DATABASE}"))
}
