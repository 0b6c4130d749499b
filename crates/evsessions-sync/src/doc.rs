//! A session as the store keeps it: one document, the session's JSON exactly as
//! `evsessions sessions --format ndjson` writes it (`raw` inside it, byte for byte), compressed
//! with zstd. Its SHA-256 is the content hash, so the bytes hashed, stored and exported are
//! the same bytes: one copy of each thing (see `docs/sync.md`, "What is stored").

use evsessions_core::output::write_session_json;
use evsessions_core::ChargingSession;
use sha2::{Digest, Sha256};

use crate::error::{SyncError, SyncResult};

/// zstd's level for documents: 3 (its default) packs a 1.7 KB session into about a third at
/// a few microseconds; higher levels buy little on records this small.
const LEVEL: i32 = 3;

/// The largest document read back (a guard against a corrupt frame header): 64 MiB.
const MAX_DOC: u64 = 64 << 20;

/// Packs and unpacks documents, reusing zstd's contexts (one per batch or read stream).
pub(crate) struct Codec {
    compressor: Option<zstd::bulk::Compressor<'static>>,
    decompressor: Option<zstd::bulk::Decompressor<'static>>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec").finish_non_exhaustive()
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

impl Codec {
    pub(crate) fn new() -> Codec {
        Codec {
            compressor: None,
            decompressor: None,
        }
    }

    /// The session's stored document.
    pub(crate) fn pack(&mut self, session: &ChargingSession) -> SyncResult<Vec<u8>> {
        let json = json_of(session)?;
        self.compress(&json)
    }

    /// Compress a document's JSON.
    pub(crate) fn compress(&mut self, json: &[u8]) -> SyncResult<Vec<u8>> {
        let c = match &mut self.compressor {
            Some(c) => c,
            None => self
                .compressor
                .insert(zstd::bulk::Compressor::new(LEVEL).map_err(|e| zstd_error("compress", e))?),
        };
        c.compress(json).map_err(|e| zstd_error("compress", e))
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
        let d = match &mut self.decompressor {
            Some(d) => d,
            None => self
                .decompressor
                .insert(zstd::bulk::Decompressor::new().map_err(|e| zstd_error("decompress", e))?),
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
            evsessions_core::SourceKind::from_static("emabler"),
            "1",
            serde_json::Value::Null,
        );
        let mut s = s;
        s.raw = evsessions_core::RawRecord::from_json(raw).unwrap();
        let mut codec = Codec::new();
        let doc = codec.pack(&s).unwrap();
        let json = json_of(&s).unwrap();
        assert!(doc.len() < json.len() + 32);
        assert_eq!(codec.unpack(&doc).unwrap(), json);
        let back = codec.session(&doc).unwrap();
        assert_eq!(back.raw.as_str(), raw);
        assert_eq!(back, s);
        assert_eq!(hash_of(&json), crate::store::content_hash(&s).unwrap());
        assert!(codec.unpack(b"not zstd").is_err());
    }
}
