//! A session as the store keeps it: one document, the session's JSON exactly as
//! `evsessions sessions --format ndjson` writes it (`raw` inside it, byte for byte), compressed
//! with zstd. Its SHA-256 is the content hash, so the bytes hashed, stored and exported are
//! the same bytes: one copy of each thing (see `docs/sync.md`, "What is stored").

use std::collections::HashMap;

use evsessions_core::output::write_session_json;
use evsessions_core::ChargingSession;
use sha2::{Digest, Sha256};

use crate::error::{SyncError, SyncResult};

/// zstd's level for documents: 3 (its default) packs a 1.7 KB session into about a third at
/// a few microseconds; higher levels buy little on records this small.
const LEVEL: i32 = 3;

/// The largest document read back (a guard against a corrupt frame header): 64 MiB.
const MAX_DOC: u64 = 64 << 20;

/// The size of a trained dictionary: 32 KiB.
const DICTIONARY_SIZE: usize = 32 * 1024;

/// Records of a vendor needed to train its dictionary.
pub(crate) const TRAINING_SAMPLES: usize = 200;

/// Packs and unpacks documents, reusing zstd's contexts (one per batch or read stream), with
/// the store's dictionaries (zstd names a frame's dictionary by its id, in the frame header).
pub(crate) struct Codec {
    /// The dictionary new documents are packed with (0: none) and its compressor.
    compressor: Option<(u32, zstd::bulk::Compressor<'static>)>,
    /// Decompressors by dictionary id (0: none), made when first needed.
    decompressors: HashMap<u32, zstd::bulk::Decompressor<'static>>,
    /// The dictionaries known, by id.
    dictionaries: HashMap<u32, Vec<u8>>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field(
                "dictionaries",
                &self.dictionaries.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn zstd_error(what: &str, e: std::io::Error) -> SyncError {
    SyncError::Data {
        message: format!("cannot {what} a stored document (zstd): {e}"),
    }
}

/// Hex SHA-256, first 16 bytes.
pub(crate) fn hash_of(json: &[u8]) -> String {
    let digest = Sha256::digest(json);
    let mut out = String::with_capacity(32);
    for b in digest.iter().take(16) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// A dictionary trained on `samples` (documents of one vendor), and its id; `None` when zstd
/// finds nothing to learn (too few or too small samples): documents are then packed without.
pub(crate) fn train(samples: &[&[u8]]) -> Option<(u32, Vec<u8>)> {
    if samples.len() < TRAINING_SAMPLES {
        return None;
    }
    let dict = zstd::dict::from_samples(samples, DICTIONARY_SIZE).ok()?;
    let id = zstd::zstd_safe::get_dict_id_from_dict(&dict)?.get();
    Some((id, dict))
}

impl Codec {
    pub(crate) fn new() -> Codec {
        Codec {
            compressor: None,
            decompressors: HashMap::new(),
            dictionaries: HashMap::new(),
        }
    }

    /// Know a dictionary (read from the store, or just trained).
    pub(crate) fn add_dictionary(&mut self, id: u32, dict: Vec<u8>) {
        self.dictionaries.insert(id, dict);
    }

    /// Can this codec unpack `doc` (it knows the dictionary the frame names)?
    pub(crate) fn knows(&self, doc: &[u8]) -> bool {
        match zstd::zstd_safe::get_dict_id_from_frame(doc) {
            None => true,
            Some(id) => self.dictionaries.contains_key(&id.get()),
        }
    }

    /// Pack new documents with dictionary `id` (0: none).
    pub(crate) fn pack_with(&mut self, id: u32) -> SyncResult<()> {
        if self.compressor.as_ref().is_some_and(|(d, _)| *d == id) {
            return Ok(());
        }
        let c = match self.dictionaries.get(&id) {
            Some(dict) => zstd::bulk::Compressor::with_dictionary(LEVEL, dict),
            None => zstd::bulk::Compressor::new(LEVEL),
        }
        .map_err(|e| zstd_error("compress", e))?;
        self.compressor = Some((id, c));
        Ok(())
    }

    /// Compress a document's JSON (with the dictionary of [`Codec::pack_with`], else none).
    pub(crate) fn compress(&mut self, json: &[u8]) -> SyncResult<Vec<u8>> {
        if self.compressor.is_none() {
            self.pack_with(0)?;
        }
        match &mut self.compressor {
            Some((_, c)) => c.compress(json).map_err(|e| zstd_error("compress", e)),
            None => Err(SyncError::Data {
                message: "no zstd compressor".into(),
            }),
        }
    }

    /// A stored document's JSON.
    pub(crate) fn unpack(&mut self, doc: &[u8]) -> SyncResult<Vec<u8>> {
        let size = zstd::zstd_safe::get_frame_content_size(doc)
            .ok()
            .flatten()
            .filter(|&n| n <= MAX_DOC)
            .ok_or_else(|| SyncError::Data {
                message: "a stored document is not a zstd frame of known size".into(),
            })?;
        let id = zstd::zstd_safe::get_dict_id_from_frame(doc).map_or(0, |d| d.get());
        let d = match self.decompressors.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let made = match (id, self.dictionaries.get(&id)) {
                    (0, _) => zstd::bulk::Decompressor::new(),
                    (_, Some(dict)) => zstd::bulk::Decompressor::with_dictionary(dict),
                    (_, None) => {
                        return Err(SyncError::Data {
                            message: format!(
                                "a stored document needs zstd dictionary {id}, which the store does not hold"
                            ),
                        })
                    }
                };
                e.insert(made.map_err(|e| zstd_error("decompress", e))?)
            }
        };
        // `size` is at most MAX_DOC: it fits a usize.
        d.decompress(doc, usize::try_from(size).unwrap_or(0))
            .map_err(|e| zstd_error("decompress", e))
    }

    /// A stored document as a session (`raw` byte for byte as stored).
    pub(crate) fn session(&mut self, doc: &[u8]) -> SyncResult<ChargingSession> {
        let json = self.unpack(doc)?;
        session_of_json(&json)
    }
}

/// A session's JSON: what `export --format ndjson` writes, and what the content hash is of.
pub(crate) fn json_of(session: &ChargingSession) -> SyncResult<Vec<u8>> {
    let mut json = Vec::with_capacity(2048);
    write_session_json(&mut json, session).map_err(|e| SyncError::Data {
        message: format!("cannot serialize session {}: {e}", session.id),
    })?;
    Ok(json)
}

/// A session from its JSON.
pub(crate) fn session_of_json(json: &[u8]) -> SyncResult<ChargingSession> {
    serde_json::from_slice(json).map_err(|e| SyncError::Data {
        message: format!("a stored document is not a session: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_back_byte_for_byte() {
        let raw = r#"{"id":18446744073709551617,"kwh":0.20,"x":1e400,"s":"\ud800","n":-0}"#;
        let s = ChargingSession::new(
            evsessions_core::SourceKind::from_static("vendor-a"),
            "1",
            serde_json::Value::Null,
        );
        let mut s = s;
        s.raw = evsessions_core::RawRecord::from_json(raw).unwrap();
        let mut codec = Codec::new();
        let json = json_of(&s).unwrap();
        let doc = codec.compress(&json).unwrap();
        assert!(doc.len() < json.len() + 32);
        assert_eq!(codec.unpack(&doc).unwrap(), json);
        let back = codec.session(&doc).unwrap();
        assert_eq!(back.raw.as_str(), raw);
        assert_eq!(back, s);
        assert_eq!(hash_of(&json), crate::store::content_hash(&s).unwrap());
        assert!(codec.unpack(b"not zstd").is_err());

        // With a dictionary trained on documents like it: smaller, and only with it.
        let docs: Vec<Vec<u8>> = (0..300)
            .map(|i| {
                let mut t = s.clone();
                t.id = format!("{}", 1_000_000 + i * 7919);
                t.raw = evsessions_core::RawRecord::from_json(format!(
                    r#"{{"id":{},"chargerName":"Kamppi P1 / {:02}","kwh":{}.{:03}}}"#,
                    t.id,
                    i % 17,
                    i % 40,
                    i * 37 % 1000
                ))
                .unwrap();
                json_of(&t).unwrap()
            })
            .collect();
        let samples: Vec<&[u8]> = docs.iter().map(Vec::as_slice).collect();
        let (id, dict) = train(&samples).unwrap();
        let plain = codec.compress(&docs[0]).unwrap();
        codec.add_dictionary(id, dict.clone());
        codec.pack_with(id).unwrap();
        let packed = codec.compress(&docs[0]).unwrap();
        assert!(
            packed.len() < plain.len() / 2,
            "{} vs {}",
            packed.len(),
            plain.len()
        );
        assert_eq!(codec.unpack(&packed).unwrap(), docs[0]);
        assert_eq!(codec.unpack(&plain).unwrap(), docs[0]);
        let err = Codec::new().unpack(&packed).unwrap_err().to_string();
        assert!(err.contains(&format!("dictionary {id}")), "{err}");
        let mut other = Codec::new();
        other.add_dictionary(id, dict);
        assert_eq!(other.unpack(&packed).unwrap(), docs[0]);
    }
}
