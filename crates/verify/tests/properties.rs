//! Properties over random input: whatever a scanner types or a file holds, the pipeline returns
//! a report with the six checks in order, never panics, and never says VALID for anything but
//! a genuine credential.

mod common;

use common::*;
use countersign_verify::{verify_bytes, verify_text, Params, Report};
use countersign_vocab::Verdict;
use proptest::collection::vec;
use proptest::prelude::*;

const BASE45: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

fn params(clock: &countersign_verify::FixedClock) -> Params<'_> {
    with_chain(clock, &fixture().chain)
}

fn well_formed(report: &Report) -> Result<(), TestCaseError> {
    let ids: Vec<_> = report.checks.iter().map(|c| c.id).collect();
    prop_assert_eq!(
        ids,
        countersign_verify::CheckId::ALL.to_vec(),
        "{}",
        describe(report)
    );
    prop_assert_ne!(report.verdict, Verdict::Valid, "{}", describe(report));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_are_never_valid(bytes in vec(any::<u8>(), 0..2048)) {
        let clock = now();
        well_formed(&verify_bytes(&bytes, &params(&clock)))?;
    }

    #[test]
    fn random_text_is_never_valid(text in "\\PC{0,600}") {
        let clock = now();
        well_formed(&verify_text(&text, &params(&clock)))?;
    }

    #[test]
    fn random_cs1_base45_text_is_never_valid(body in "[0-9A-Z $%*+./:-]{0,900}") {
        let clock = now();
        well_formed(&verify_text(&format!("CS1:{body}"), &params(&clock)))?;
    }

    #[test]
    fn well_formed_payloads_of_random_bytes_are_never_valid(bytes in vec(any::<u8>(), 0..1500)) {
        let clock = now();
        well_formed(&verify_text(&countersign_payload::encode(&bytes), &params(&clock)))?;
    }

    #[test]
    fn random_json_objects_are_never_valid(
        doc in proptest::collection::btree_map("[a-zA-Z@]{1,12}", "[ -~]{0,20}", 0..12)
    ) {
        let clock = now();
        let json = serde_json::to_vec(&doc).expect("serialise");
        well_formed(&verify_text(&countersign_payload::encode(&json), &params(&clock)))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// One character of a genuine payload replaced: if the result still verifies, it must carry
    /// exactly the genuine credential (a change confined to the deflate stream's padding bits).
    #[test]
    fn a_changed_character_in_a_genuine_payload_never_verifies_different_content(
        which in 0usize..3, position in any::<prop::sample::Index>(), replacement in 0usize..45
    ) {
        let kind = Kind::ALL[which];
        let json = to_bytes(credential(kind));
        let payload = countersign_payload::encode(&json);
        let mut chars: Vec<char> = payload.chars().collect();
        let at = 4 + position.index(chars.len() - 4);
        let new = BASE45.as_bytes()[replacement] as char;
        prop_assume!(chars[at] != new);
        chars[at] = new;
        let changed: String = chars.into_iter().collect();
        let clock = now();
        let report = verify_text(&changed, &params(&clock));
        let ids: Vec<_> = report.checks.iter().map(|c| c.id).collect();
        prop_assert_eq!(ids, countersign_verify::CheckId::ALL.to_vec());
        if report.verdict == Verdict::Valid {
            prop_assert_eq!(countersign_payload::decode(&changed).ok(), Some(json), "VALID with other content");
        }
    }
}
