//! Writes the `fixture!` macro with the absolute path of this crate's `fixtures/` folder in it,
//! so that the macro finds the files from whichever crate invokes it (a vendor crate's tests, the
//! CLI), in the repository and in the published package alike.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut dir = PathBuf::from(manifest)
        .join("fixtures")
        .display()
        .to_string();
    dir.push(std::path::MAIN_SEPARATOR);
    let code = format!(
        r#"/// A fixture file's text, embedded at build time (so that the CLI demo works anywhere).
///
/// The path is relative to the testkit's own `fixtures/` folder (shipped in its package),
/// whichever crate invokes the macro:
///
/// ```
/// let page = evsessions_testkit::fixture!("ru-csms/captured-page1.json");
/// assert!(page.starts_with('{{'));
/// ```
#[macro_export]
macro_rules! fixture {{
    ($path:literal) => {{
        include_str!(concat!({dir:?}, $path))
    }};
}}

/// The absolute path of the testkit's `fixtures/` folder (see [`fixtures_dir`]).
const FIXTURES_DIR: &str = {dir:?};
"#
    );
    fs::write(PathBuf::from(out).join("fixture_macro.rs"), code).expect("OUT_DIR is writable");
}
