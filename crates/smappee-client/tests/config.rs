//! Configuration: builder, environment, validation, redaction.

use std::collections::HashMap;
use std::time::Duration;

use evsessions_core::{Error, HttpConfig};
use smappee_client::{Client, Config, ConfigBuilder};

fn env(pairs: &[(&str, &str)]) -> ConfigBuilder {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ConfigBuilder::from_lookup(move |k| map.get(k).cloned())
}

const ALL: [(&str, &str); 4] = [
    ("SMAPPEE_CLIENT_ID", "cid-123"),
    ("SMAPPEE_CLIENT_SECRET", "csecret-456"),
    ("SMAPPEE_USERNAME", "user-789"),
    ("SMAPPEE_PASSWORD", "pw-000"),
];

#[test]
fn env_gives_every_setting_and_defaults() {
    let c = env(&ALL).build().unwrap();
    assert_eq!(c.base_url().as_str(), "https://app1pub.smappee.net/");
    assert_eq!(c.token_path(), "/dev/v3/oauth2/token");
    assert_eq!(c.refresh_margin(), Duration::from_secs(120));
    let mut with_url = ALL.to_vec();
    with_url.push(("SMAPPEE_BASE_URL", "https://farm2pub.smappee.net"));
    let c = env(&with_url).build().unwrap();
    assert_eq!(c.base_url().host_str(), Some("farm2pub.smappee.net"));
}

#[test]
fn each_missing_credential_names_its_variable() {
    for (i, (var, _)) in ALL.iter().enumerate() {
        let mut pairs = ALL.to_vec();
        pairs.remove(i);
        let err = env(&pairs).build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert!(err.to_string().contains(var), "{err}");
        // Empty counts as missing.
        let mut pairs = ALL.to_vec();
        pairs[i] = (var, " ");
        assert!(env(&pairs).build().unwrap_err().to_string().contains(var));
    }
}

#[test]
fn base_url_policy() {
    let ok = |u: &str| env(&ALL).base_url(u).build();
    assert!(ok("http://127.0.0.1:8080").is_ok());
    let err = ok("http://app1pub.smappee.net").unwrap_err();
    assert!(err.to_string().contains("http://"), "{err}");
    assert!(env(&ALL)
        .base_url("http://app1pub.smappee.net")
        .http(HttpConfig::default().with_allow_insecure_http(true))
        .build()
        .is_ok());
    assert!(ok("not a url").is_err());
    assert!(ok("ftp://127.0.0.1").is_err());
    assert!(env(&ALL).token_path("https://x/token").build().is_err());
    assert_eq!(
        env(&ALL)
            .token_path("/dev/v1/oauth2/token")
            .build()
            .unwrap()
            .token_path(),
        "/dev/v1/oauth2/token"
    );
}

#[test]
fn debug_and_errors_never_show_secrets() {
    let b = env(&ALL);
    let c = b.clone().build().unwrap();
    let client = Client::new(c.clone()).unwrap();
    let text = format!("{b:?} {c:?} {client:?}");
    for (_, secret) in ALL {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let err = Config::builder().password("pw-000").build().unwrap_err();
    assert!(!err.to_string().contains("pw-000"));
}
