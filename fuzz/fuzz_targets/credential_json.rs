//! Feeds arbitrary bytes to everything that reads a decoded credential: strict JSON parsing,
//! canonicalisation, the VC model and schema checks, the eddsa-jcs-2022 verifier and the
//! anchoring-proof reader. None may panic, and canonical JSON must be stable.

#![no_main]

use countersign_credential::{verify_proof, AnchorProof, Credential};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = countersign_jcs::parse_strict(data) else {
        return;
    };
    if let Ok(canonical) = countersign_jcs::canonicalize(&value) {
        // Canonical output of a strictly parsed value parses back to the same canonical bytes,
        // except for integers the strict parser refuses (doubles between 2^53 and 1e21 print
        // as plain integers).
        if let Ok(again) = countersign_jcs::parse_strict(&canonical) {
            assert_eq!(countersign_jcs::canonicalize(&again).ok(), Some(canonical));
        }
    }
    let _ = verify_proof(&value);
    if let Some(doc) = value.as_object() {
        let _ = AnchorProof::from_document(doc);
        let _ = countersign_credential::credential_leaf(doc);
    }
    let _ = Credential::from_document(value);
});
