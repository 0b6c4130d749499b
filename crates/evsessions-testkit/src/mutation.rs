//! Mutation testing of a vendor's record path: "no panic on any input from a server", proven
//! by brute force. Every key of a fixture record (and one level down) takes each of a set of
//! hostile values ([`MUTANT_VALUES`]) and is then deleted; each mutated record goes through the
//! vendor's own decode-and-normalize path inside [`probe`], and a [`Tally`] collects every
//! panic (with its location), every session that does not serialize, and every `raw` that is not
//! the record that went in.
//!
//! ```
//! use evsessions_testkit::mutation::{mutations, probe, Tally};
//! let record = serde_json::json!({"id": 7, "power": 1.5});
//! let mut tally = Tally::default();
//! for m in mutations(&record, false) {
//!     // a toy "vendor path": read `power` as a number
//!     let outcome = probe(|| m.value.get("power").and_then(|p| p.as_f64()));
//!     tally.input(&m.label, outcome);
//! }
//! tally.finish("toy");
//! ```

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use evsessions_core::{ChargingSession, Result};
use serde_json::Value;

// The mutation harness (the same in every vendor crate's `tests/mutations.rs`).
// ---------------------------------------------------------------------------------------------

/// The values every mutated key takes in turn (and then the key is deleted).
pub const MUTANT_VALUES: &str = r#"[null, "", "x", "2025-13-45T99:99:99", 0, -1, 1.5, 1e300, -1e300,
    18446744073709551615, true, [], {}, [1, "a", null], {"a": 1}]"#;

/// [`MUTANT_VALUES`] as JSON values.
pub fn mutant_values() -> Vec<Value> {
    serde_json::from_str(MUTANT_VALUES).expect("the mutant values are JSON")
}

/// One mutated input: what was changed, and the whole mutated value.
pub struct Mutant {
    /// What was changed, e.g. `amount.value = null`.
    pub label: String,
    /// The whole mutated value.
    pub value: Value,
}

/// Every mutation of `record` (an object): each top-level key set to each mutant value, then
/// deleted; one level down, the same for the keys of an object value and for the elements of
/// an array value (and, with `element_keys`, for the keys of an array's object elements, e.g.
/// `detail_amount[0].price`). A value that is not an object gives no mutation.
pub fn mutations(record: &Value, element_keys: bool) -> Vec<Mutant> {
    let values = mutant_values();
    let mut out = Vec::new();
    let Value::Object(map) = record else {
        return out;
    };
    for (key, child) in map {
        for v in &values {
            let mut m = map.clone();
            m.insert(key.clone(), v.clone());
            out.push(Mutant {
                label: format!("{key} = {v}"),
                value: Value::Object(m),
            });
        }
        let mut m = map.clone();
        m.shift_remove(key);
        out.push(Mutant {
            label: format!("{key} deleted"),
            value: Value::Object(m),
        });
        for nested in child_mutations(child, &values, element_keys) {
            let mut m = map.clone();
            m.insert(key.clone(), nested.value);
            out.push(Mutant {
                label: format!("{key}{}", nested.label),
                value: Value::Object(m),
            });
        }
    }
    out
}

/// The mutations of one value, one level down (labels are suffixes: `.key = v`, `[0] = v`).
pub fn child_mutations(child: &Value, values: &[Value], element_keys: bool) -> Vec<Mutant> {
    let mut out = Vec::new();
    match child {
        Value::Object(inner) => {
            for key in inner.keys() {
                for v in values {
                    let mut m = inner.clone();
                    m.insert(key.clone(), v.clone());
                    out.push(Mutant {
                        label: format!(".{key} = {v}"),
                        value: Value::Object(m),
                    });
                }
                let mut m = inner.clone();
                m.shift_remove(key);
                out.push(Mutant {
                    label: format!(".{key} deleted"),
                    value: Value::Object(m),
                });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for v in values {
                    let mut a = items.clone();
                    a[i] = v.clone();
                    out.push(Mutant {
                        label: format!("[{i}] = {v}"),
                        value: Value::Array(a),
                    });
                }
                let mut a = items.clone();
                a.remove(i);
                out.push(Mutant {
                    label: format!("[{i}] deleted"),
                    value: Value::Array(a),
                });
                if element_keys && item.is_object() {
                    for nested in child_mutations(item, values, false) {
                        let mut a = items.clone();
                        a[i] = nested.value;
                        out.push(Mutant {
                            label: format!("[{i}]{}", nested.label),
                            value: Value::Array(a),
                        });
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// A whole body replaced by each mutant value.
pub fn whole_body_mutations() -> Vec<Mutant> {
    mutant_values()
        .into_iter()
        .map(|v| Mutant {
            label: format!("whole body = {v}"),
            value: v,
        })
        .collect()
}

thread_local! {
    static PROBING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}
static HOOK: Once = Once::new();

/// A panic hook that, inside [`probe`], records the message, the location and the workspace
/// frames of the backtrace instead of printing them; elsewhere (a failing assertion) it
/// prints as usual.
fn install_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !PROBING.with(Cell::get) {
                return default(info);
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_string());
            let location = info.location().map_or_else(
                || "?".to_string(),
                |l| format!("{}:{}:{}", l.file(), l.line(), l.column()),
            );
            // The frames in this workspace (not std, not a registry crate, not this file),
            // innermost first: `function (at file:line:col)`.
            let trace = std::backtrace::Backtrace::force_capture().to_string();
            let mut function = "";
            let mut frames = Vec::new();
            for line in trace.lines().map(str::trim) {
                match line.strip_prefix("at ") {
                    None => function = line.split_once(": ").map_or(line, |(_, f)| f),
                    Some(path)
                        if path.contains(".rs:")
                            && !path.starts_with("/rustc/")
                            && !path.contains("/.cargo/")
                            && !path.contains("evsessions-testkit/src/mutation.rs")
                            && frames.len() < 4 =>
                    {
                        frames.push(format!("{function} ({path})"))
                    }
                    Some(_) => {}
                }
            }
            CAUGHT.with(|c| {
                *c.borrow_mut() = Some(format!(
                    "PANIC {message:?} at {location} [{}]",
                    frames.join(" <- ")
                ))
            });
        }));
    });
}

/// Run `f`, turning a panic into `Err(description)`.
pub fn probe<R>(f: impl FnOnce() -> R) -> std::result::Result<R, String> {
    install_hook();
    PROBING.with(|p| p.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    PROBING.with(|p| p.set(false));
    r.map_err(|_| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "PANIC (not recorded)".to_string())
    })
}

/// What the mutated inputs gave, and every broken promise.
#[derive(Debug, Default)]
pub struct Tally {
    /// Mutated inputs that went through.
    pub inputs: usize,
    /// Pages or entities decoded.
    pub pages_ok: usize,
    /// Pages or entities refused with an error.
    pub pages_err: usize,
    /// Sessions normalized.
    pub ok: usize,
    /// Sessions refused with an error.
    pub err: usize,
    /// Every broken promise (a panic, an unserializable session, a changed `raw`).
    pub problems: Vec<String>,
}

impl Tally {
    /// One mutated input went through the path (`outcome`: `Err` = it panicked).
    pub fn input<T>(&mut self, label: &str, outcome: std::result::Result<T, String>) -> Option<T> {
        self.inputs += 1;
        match outcome {
            Ok(v) => Some(v),
            Err(p) => {
                self.problems.push(format!("{label}: {p}"));
                None
            }
        }
    }

    /// A result of the path: `Err` must display without panicking; `Ok` must serialize and
    /// keep `raw` equal to the record that went in (its text: the mutated value serialized).
    pub fn session(
        &mut self,
        label: &str,
        result: Result<ChargingSession>,
        raw_in: impl Into<evsessions_core::RawRecord>,
    ) {
        match result {
            Err(e) => {
                self.err += 1;
                if let Err(p) = probe(|| e.to_string()) {
                    self.problems
                        .push(format!("{label}: displaying the error: {p}"));
                }
            }
            Ok(s) => {
                self.ok += 1;
                match probe(|| serde_json::to_string(&s)) {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => self
                        .problems
                        .push(format!("{label}: the session does not serialize: {e}")),
                    Err(p) => self
                        .problems
                        .push(format!("{label}: serializing the session: {p}")),
                }
                if s.raw != raw_in.into() {
                    self.problems
                        .push(format!("{label}: raw is not the record that went in"));
                }
            }
        }
    }

    /// A decoded page or entity (no session of its own): `Err` must display without
    /// panicking.
    pub fn page<T>(&mut self, label: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(v) => {
                self.pages_ok += 1;
                Some(v)
            }
            Err(e) => {
                self.pages_err += 1;
                if let Err(p) = probe(|| e.to_string()) {
                    self.problems
                        .push(format!("{label}: displaying the error: {p}"));
                }
                None
            }
        }
    }

    /// Print the counts and panic (fail the test) listing every problem, if any.
    pub fn finish(self, what: &str) {
        println!(
            "{what}: {} mutated inputs; pages/entities {} Ok, {} Err; sessions {} Ok, {} Err; {} problems",
            self.inputs,
            self.pages_ok,
            self.pages_err,
            self.ok,
            self.err,
            self.problems.len()
        );
        assert!(self.inputs > 0, "{what}: no input was mutated");
        assert!(
            self.problems.is_empty(),
            "{what}: {} of {} mutated inputs broke a promise:\n{}",
            self.problems.len(),
            self.inputs,
            self.problems.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_reports_a_panic_and_where() {
        let caught = probe(|| -> u8 { panic!("boom") }).unwrap_err();
        assert!(caught.contains("\"boom\""), "{caught}");
        assert!(caught.contains("mutation.rs:"), "{caught}");
        assert_eq!(probe(|| 7), Ok(7));
    }

    #[test]
    fn mutations_cover_every_key_and_one_level_down() {
        let record = serde_json::json!({"a": 1, "b": {"c": 2}, "d": [{"e": 3}]});
        let n = mutant_values().len();
        assert_eq!(n, 15);
        let all = mutations(&record, true);
        // a: n + delete; b: n + delete + (c: n + delete); d: n + delete + ([0]: n + delete + (e: n + delete))
        assert_eq!(all.len(), (n + 1) * 6);
        assert!(all.iter().any(|m| m.label == "d[0].e deleted"));
    }
}
