//! The file-backed token store: a second run reuses the stored token (no password grant), the
//! file is private (0600) and replaced atomically, and errors never show a token.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::builder;
use evsessions_core::{Error, ExposeSecret, SecretString};
use evsessions_testkit::smappee::SmappeeMock;
use smappee_client::{Client, ConfigBuilder, FileTokenStore, TokenStore, Tokens};

/// A fresh, empty folder for one test (removed first if a previous run left it).
fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("smappee-token-file-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn client_with_file(mock: &SmappeeMock, path: &Path) -> Client {
    let store = Arc::new(FileTokenStore::new(path));
    Client::new(builder(mock).token_store(store).build().unwrap()).unwrap()
}

#[tokio::test]
async fn a_second_run_reuses_the_stored_token_without_a_password_grant() {
    let dir = scratch("second-run");
    let path = dir.join("tokens.json");
    let mock = SmappeeMock::start().await;

    let first = client_with_file(&mock, &path);
    assert_eq!(
        first
            .service_locations()
            .await
            .unwrap()
            .service_locations
            .len(),
        3
    );
    assert_eq!(mock.password_grants(), 1);
    drop(first);

    // A new client, as in the next run: it reads the file and uses the stored access token.
    let second = client_with_file(&mock, &path);
    assert_eq!(
        second
            .service_locations()
            .await
            .unwrap()
            .service_locations
            .len(),
        3
    );
    assert_eq!(
        mock.password_grants(),
        1,
        "the second run did a password grant"
    );
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(mock.unauthorized_data_calls(), 0);

    // What the file holds is the pair the mock issued.
    let saved = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert_eq!(
        saved.refresh_token.unwrap().expose_secret(),
        mock.issued_refresh_tokens()[0]
    );
    assert!(saved.expires_at.is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn smappee_token_file_in_the_environment_selects_the_file_store() {
    let config = ConfigBuilder::from_lookup(|name| match name {
        "SMAPPEE_TOKEN_FILE" => Some("/var/lib/evsessions/smappee.json".to_string()),
        "SMAPPEE_BASE_URL" => None,
        _ => Some("x".to_string()),
    })
    .build()
    .unwrap();
    assert_eq!(
        format!("{:?}", config.token_store()),
        r#"FileTokenStore { path: "/var/lib/evsessions/smappee.json" }"#
    );
}

fn tokens(access: &str, refresh: &str) -> Tokens {
    Tokens::new(
        SecretString::from(access.to_string()),
        Some(SecretString::from(refresh.to_string())),
        Some("2030-01-01T00:00:00Z".parse().unwrap()),
    )
}

#[tokio::test]
async fn a_save_replaces_the_file_atomically_and_leaves_no_temporary_file() {
    let dir = scratch("atomic");
    let path = dir.join("tokens.json");
    let store = FileTokenStore::new(&path);
    assert!(
        store.load().await.unwrap().is_none(),
        "no file is no tokens"
    );

    store.save(&tokens("access-1", "refresh-1")).await.unwrap();
    #[cfg(unix)]
    let first_inode = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&path).unwrap().ino()
    };
    store.save(&tokens("access-2", "refresh-2")).await.unwrap();

    // Replaced by a rename (a new file), not rewritten in place where a crash could leave half.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_ne!(std::fs::metadata(&path).unwrap().ino(), first_inode);
    }
    assert_eq!(names_in(&dir), ["tokens.json"]);
    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!(loaded.access_token.expose_secret(), "access-2");
    assert_eq!(loaded.refresh_token.unwrap().expose_secret(), "refresh-2");
    assert_eq!(
        loaded.expires_at,
        Some("2030-01-01T00:00:00Z".parse().unwrap())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("mode");
    let path = dir.join("tokens.json");
    let store = FileTokenStore::new(&path);
    store.save(&tokens("a", "r")).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    // Still 0600 after a replace, whatever the old file's mode was.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    store.save(&tokens("b", "s")).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn errors_name_the_file_and_never_show_a_token() {
    let dir = scratch("errors");
    let path = dir.join("tokens.json");
    std::fs::write(
        &path,
        r#"{"access_token": "SECRET-ACCESS", "refresh_token": 7}"#,
    )
    .unwrap();
    let store = FileTokenStore::new(&path);
    let err = store.load().await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(!msg.contains("SECRET-ACCESS"), "{msg}");

    // A folder that does not exist: the save fails, names the file, shows no token.
    let missing = FileTokenStore::new(dir.join("no-such-folder").join("tokens.json"));
    let err = missing
        .save(&tokens("SECRET-ACCESS", "SECRET-REFRESH"))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("no-such-folder"), "{msg}");
    assert!(!msg.contains("SECRET"), "{msg}");
    assert!(!format!("{missing:?} {err:?}").contains("SECRET"));
    std::fs::remove_dir_all(&dir).unwrap();
}
