//! The checks themselves, over a parsed JSON document.

use crate::report::{
    verdict_of, Check, CheckId, CheckOutcome, CredentialSummary, Field, Report, SkipReason, Warning,
};
use crate::Params;
use chrono::{DateTime, Utc};
use countersign_chainstate::{AnchorRecord, ChainState, ChainView, IssuerRecord, IssuerStatus};
use countersign_credential::{
    verify_with_leaf, AnchorError, AnchorProof, Credential, DidKey, FormatError, SignatureError,
};
use countersign_merkle::NodeHash;
use countersign_vocab::Verdict;
use serde_json::Value;

/// How far a proof's creation time may lie ahead of the verifier's clock (unsynchronised
/// counter PCs) and still count as "newer than our chain state" rather than "in the future".
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(10);

fn check(
    id: CheckId,
    outcome: CheckOutcome,
    code: &'static str,
    detail: impl Into<String>,
) -> Check {
    Check {
        id,
        outcome,
        code,
        detail: detail.into(),
    }
}

fn after_failure(id: CheckId) -> Check {
    check(
        id,
        CheckOutcome::Skipped(SkipReason::AfterFailure),
        "skipped.after_failure",
        "not checked: an earlier check failed",
    )
}

/// Builds the report of an input that failed before any credential could be read.
fn early_report(format: Check, params: &Params<'_>) -> Report {
    let mut checks = vec![format];
    checks.extend(CheckId::ALL[1..].iter().map(|&id| after_failure(id)));
    Report {
        verdict: verdict_of(&checks),
        checks,
        summary: None,
        leaf: None,
        chain: None,
        checked_at: params.clock.now(),
        warnings: Vec::new(),
    }
}

/// Input that cannot be read at all (damaged scan, not our code): could not check.
pub(crate) fn unreadable(code: &'static str, detail: String, params: &Params<'_>) -> Report {
    early_report(
        check(
            CheckId::Format,
            CheckOutcome::Skipped(SkipReason::CouldNotCheck),
            code,
            detail,
        ),
        params,
    )
}

/// Input that decoded but is not acceptable JSON: checked and bad.
pub(crate) fn bad_json(code: &'static str, detail: String, params: &Params<'_>) -> Report {
    early_report(
        check(CheckId::Format, CheckOutcome::Fail, code, detail),
        params,
    )
}

fn format_code(e: &FormatError) -> &'static str {
    match e {
        FormatError::Schema { .. } => "format.schema",
        FormatError::BadDate { .. } | FormatError::DatesReversed => "format.dates",
        _ => "format.not_a_credential",
    }
}

fn signature_code(e: &SignatureError) -> &'static str {
    match e {
        SignatureError::Mismatch => "signature.mismatch",
        SignatureError::NoProof | SignatureError::NoDataIntegrityProof => "signature.missing",
        SignatureError::UnsupportedCryptosuite { .. } => "signature.cryptosuite",
        SignatureError::WrongProofPurpose { .. } => "signature.purpose",
        SignatureError::BadProofValue(_) | SignatureError::WrongSignatureLength { .. } => {
            "signature.malformed"
        }
        SignatureError::VerificationMethod(_) | SignatureError::KeyTypeMismatch { .. } => {
            "signature.key"
        }
        SignatureError::NotAllowed { .. } => "signature.not_allowed",
        SignatureError::UnsupportedOption { .. } | SignatureError::UnsignedContext { .. } => {
            "signature.unsupported"
        }
        _ => "signature.malformed",
    }
}

/// Runs every check on a parsed document.
pub fn verify_document(document: Value, params: &Params<'_>) -> Report {
    let now = params.clock.now();
    let signature = verify_with_leaf(&document, &params.policy.algorithms);
    let signature_check = match &signature {
        Ok(_) => check(
            CheckId::Signature,
            CheckOutcome::Pass,
            "signature.ok",
            // The key as written in the proof: printing the parsed key would base58-encode it
            // again, a few microseconds on every scan.
            format!(
                "{} proof by {}",
                signature_suite(&document).unwrap_or("signature"),
                verification_method(&document).unwrap_or("its verification method")
            ),
        ),
        Err(e) => check(
            CheckId::Signature,
            CheckOutcome::Fail,
            signature_code(e),
            e.to_string(),
        ),
    };
    let credential = match Credential::from_document(document) {
        Ok(c) => c,
        Err(e) => {
            let format = check(
                CheckId::Format,
                CheckOutcome::Fail,
                format_code(&e),
                e.to_string(),
            );
            let mut report = early_report(format, params);
            report.checks[1] = signature_check;
            report.verdict = verdict_of(&report.checks);
            return report;
        }
    };
    let format_check = match credential.kind {
        Some(k) => check(
            CheckId::Format,
            CheckOutcome::Pass,
            "format.ok",
            format!("{} matches its schema", k.type_name),
        ),
        None => check(
            CheckId::Format,
            CheckOutcome::Pass,
            "format.unknown_type",
            format!(
                "credential type {} is not one Countersign knows: shown generically",
                credential.type_name()
            ),
        ),
    };

    let validity_check = validity(&credential, now);
    let (signer, leaf) = match signature {
        Ok((signer, leaf)) => (Some(signer), Some(leaf)),
        Err(_) => (None, None),
    };
    let issuer_did = DidKey::parse_cached(&credential.issuer_id).ok();

    let chain = params.chain;
    let view = chain.map(|c| c.view());
    let chain_view = view.as_ref().and_then(|v| v.as_ref().ok()).cloned();
    let registered = match (chain, issuer_did) {
        (Some(c), Some(did)) if chain_view.is_some() => Some(c.issuer(&did)),
        _ => None,
    };

    let anchor = anchor_check(
        &credential,
        signer,
        issuer_did,
        leaf,
        params,
        chain_view.as_ref(),
    );
    let issuer_check = issuer_check(
        &credential,
        signer,
        issuer_did,
        registered.as_ref(),
        &anchor,
        params,
        chain_view.as_ref(),
    );
    let revocation_check = revocation_check(
        signer,
        leaf,
        &anchor,
        issuer_did,
        params,
        chain_view.as_ref(),
    );

    let mut checks = vec![
        format_check,
        signature_check,
        issuer_check,
        validity_check,
        anchor.check,
        revocation_check,
    ];
    let mut warnings = Vec::new();
    if let Some(v) = &chain_view {
        let age = now - v.checked_at;
        if let Some(why) = &v.stale {
            warnings.push(Warning {
                code: "chain.stale",
                detail: why.clone(),
            });
        } else if -age > params.policy.max_clock_skew {
            // A state "checked" in the future (a block stamped ahead of this clock, a clock
            // stepped back) says nothing about now.
            warnings.push(Warning {
                code: "chain.stale",
                detail: format!(
                    "chain state is from block {} at {}, ahead of this computer's clock {}: check the clock",
                    v.block,
                    v.checked_at.to_rfc3339(),
                    now.to_rfc3339()
                ),
            });
        } else if age > params.policy.max_chain_age {
            warnings.push(Warning {
                code: "chain.stale",
                detail: format!(
                    "chain state is from block {} at {}, last confirmed with the chain {} hours ago (policy: {} hours)",
                    v.block,
                    v.block_time.to_rfc3339(),
                    age.num_hours(),
                    params.policy.max_chain_age.num_hours()
                ),
            });
        }
    }
    let unchecked = unchecked_proofs(&credential);
    if unchecked > 0 {
        warnings.push(Warning {
            code: "proof.unchecked",
            detail: format!("the proof set holds {unchecked} proof(s) of a kind Countersign does not check; they were ignored"),
        });
    }
    for c in &checks {
        if c.outcome == CheckOutcome::Warn {
            warnings.push(Warning {
                code: c.code,
                detail: c.detail.clone(),
            });
        }
    }
    let mut verdict = verdict_of(&checks);
    if verdict == Verdict::Valid
        && params.policy.fail_closed_when_stale
        && warnings.iter().any(|w| w.code == "chain.stale")
    {
        verdict = Verdict::Unverifiable;
    }
    // Keep the checks list in the documented order even if a helper above reordered nothing.
    checks.sort_by_key(|c| CheckId::ALL.iter().position(|&id| id == c.id));

    let registered_record = registered.and_then(|r| r.ok()).flatten();
    Report {
        verdict,
        summary: Some(summary(&credential, registered_record.as_ref())),
        checks,
        leaf,
        chain: chain_view,
        checked_at: now,
        warnings,
    }
}

fn validity(credential: &Credential, now: DateTime<Utc>) -> Check {
    if let Some(from) = credential.valid_from {
        if now < from {
            return check(
                CheckId::Validity,
                CheckOutcome::Fail,
                "validity.not_yet_valid",
                format!("valid only from {}", from.to_rfc3339()),
            );
        }
    }
    if let Some(until) = credential.valid_until {
        if now > until {
            return check(
                CheckId::Validity,
                CheckOutcome::Fail,
                "validity.expired",
                format!("expired at {}", until.to_rfc3339()),
            );
        }
    }
    let detail = match credential.valid_until {
        Some(until) => format!("valid until {}", until.to_rfc3339()),
        None => "no expiry date".to_owned(),
    };
    check(CheckId::Validity, CheckOutcome::Pass, "validity.ok", detail)
}

fn not_configured(id: CheckId) -> Check {
    check(
        id,
        CheckOutcome::Skipped(SkipReason::NotConfigured),
        "chain.not_configured",
        "not checked: no chain is configured",
    )
}

fn could_not_check(id: CheckId, code: &'static str, detail: impl Into<String>) -> Check {
    check(
        id,
        CheckOutcome::Skipped(SkipReason::CouldNotCheck),
        code,
        detail,
    )
}

/// Whether the chain state consulted is usable for this credential; otherwise the check to report.
fn chain_ready<'c>(
    id: CheckId,
    params: &Params<'c>,
    view: Option<&ChainView>,
) -> Result<&'c dyn ChainState, Check> {
    let Some(chain) = params.chain else {
        return Err(not_configured(id));
    };
    match view {
        Some(_) => Ok(chain),
        None => Err(could_not_check(
            id,
            "chain.unavailable",
            match chain.view() {
                Err(e) => e.to_string(),
                Ok(_) => "chain state unavailable".to_owned(),
            },
        )),
    }
}

struct AnchorOutcome {
    check: Check,
    proof: Option<AnchorProof>,
    record: Option<AnchorRecord>,
    /// Leaf to root, when the path was walked (the revocation check reuses it).
    nodes: Option<Vec<NodeHash>>,
}

fn malformed(detail: String) -> Check {
    check(
        CheckId::Anchor,
        CheckOutcome::Fail,
        "anchor.malformed",
        detail,
    )
}

fn anchor_check(
    credential: &Credential,
    signer: Option<DidKey>,
    issuer_did: Option<DidKey>,
    leaf: Option<NodeHash>,
    params: &Params<'_>,
    view: Option<&ChainView>,
) -> AnchorOutcome {
    let done = |check: Check, proof: Option<AnchorProof>| AnchorOutcome {
        check,
        proof,
        record: None,
        nodes: None,
    };
    let (Some(_), Some(leaf)) = (signer, leaf) else {
        return done(after_failure(CheckId::Anchor), None);
    };
    let Some(doc) = credential.document.as_object() else {
        return done(after_failure(CheckId::Anchor), None);
    };
    let proof = match AnchorProof::from_document(doc) {
        Ok(p) => p,
        Err(AnchorError::Missing) => return done(
            check(
                CheckId::Anchor,
                CheckOutcome::Fail,
                "anchor.missing",
                "the credential carries no anchoring proof: it was never anchored on the registry",
            ),
            None,
        ),
        Err(e) => return done(malformed(e.to_string()), None),
    };
    let chain = match chain_ready(CheckId::Anchor, params, view) {
        Ok(c) => c,
        Err(c) => return done(c, Some(proof)),
    };
    let Some(view) = view else {
        return done(after_failure(CheckId::Anchor), Some(proof));
    };
    if view.registry != proof.registry {
        return done(
            could_not_check(
                CheckId::Anchor,
                "anchor.unknown_registry",
                format!(
                    "anchored on {}, but this hall follows {}",
                    proof.registry, view.registry
                ),
            ),
            Some(proof),
        );
    }
    // The tree's hash is the signer's profile's. A proof naming another is refused rather than
    // read either way: the credential would otherwise verify under whichever hash the copy in
    // hand names.
    let hash = signer.map(|s| s.profile().hash()).unwrap_or(proof.hash);
    if proof.hash != hash {
        return done(
            check(
                CheckId::Anchor,
                CheckOutcome::Fail,
                "anchor.hash_mismatch",
                format!(
                    "the anchoring proof names {} but the credential is signed under the {} profile ({})",
                    proof.hash,
                    countersign_crypto::Profile::of_hash(hash),
                    hash
                ),
            ),
            Some(proof),
        );
    }
    let nodes = match proof.inclusion.nodes_with(hash, &leaf) {
        Ok(n) => n,
        Err(e) => return done(malformed(e.to_string()), Some(proof)),
    };
    let root = nodes[nodes.len() - 1];
    match chain.anchor(&root) {
        Err(e) => done(
            could_not_check(CheckId::Anchor, "chain.unavailable", e.to_string()),
            Some(proof),
        ),
        Ok(None) => {
            // A credential signed after the chain state we hold may be anchored in blocks we have
            // not seen yet: that is "could not check", not "forged". A creation time in the
            // future (beyond clock skew) earns no such benefit of the doubt: it would keep a
            // forgery with a stolen key amber forever.
            let created = signed_at(credential);
            let now = params.clock.now();
            if created.is_some_and(|t| t >= view.block_time && t <= now + CLOCK_SKEW) {
                done(could_not_check(CheckId::Anchor, "anchor.not_yet_known", format!(
                    "batch root {root} is not in the chain state as of block {}; the credential is newer than that state",
                    view.block
                )), Some(proof))
            } else {
                done(
                    check(
                        CheckId::Anchor,
                        CheckOutcome::Fail,
                        "anchor.not_found",
                        format!(
                            "batch root {root} is not anchored on the registry (as of block {})",
                            view.block
                        ),
                    ),
                    Some(proof),
                )
            }
        }
        Ok(Some(record)) => {
            if issuer_did != Some(record.issuer) {
                let c = check(
                    CheckId::Anchor,
                    CheckOutcome::Fail,
                    "anchor.other_issuer",
                    format!(
                        "batch root {root} was anchored by another issuer ({})",
                        record.issuer
                    ),
                );
                return AnchorOutcome {
                    check: c,
                    proof: Some(proof),
                    record: Some(record),
                    nodes: Some(nodes),
                };
            }
            let c = check(
                CheckId::Anchor,
                CheckOutcome::Pass,
                "anchor.ok",
                format!(
                    "batch root {root} anchored in block {} at {}",
                    record.block,
                    record.at.to_rfc3339()
                ),
            );
            AnchorOutcome {
                check: c,
                proof: Some(proof),
                record: Some(record),
                nodes: Some(nodes),
            }
        }
    }
}

/// The verification method named by the eddsa-jcs-2022 proof, without its fragment.
fn verification_method(document: &Value) -> Option<&str> {
    let proof = countersign_credential::eddsa_jcs::find_proof(document.as_object()?).ok()?;
    let method = proof.get("verificationMethod")?.as_str()?;
    Some(method.split('#').next().unwrap_or(method))
}

/// The signature proof's cryptosuite as written.
fn signature_suite(document: &Value) -> Option<&str> {
    let proof = countersign_credential::eddsa_jcs::find_proof(document.as_object()?).ok()?;
    proof.get("cryptosuite")?.as_str()
}

/// Proofs in the set that are neither the signature proof nor the anchoring proof.
fn unchecked_proofs(credential: &Credential) -> usize {
    let Some(Value::Array(proofs)) = credential.document.get("proof") else {
        return 0;
    };
    proofs
        .iter()
        .filter(|p| {
            let kind = (
                p.get("type").and_then(Value::as_str),
                p.get("cryptosuite").and_then(Value::as_str),
            );
            let ours = match kind {
                (Some(countersign_credential::eddsa_jcs::PROOF_TYPE), Some(suite)) => {
                    countersign_credential::Cryptosuite::from_name(suite).is_some()
                }
                (Some(countersign_credential::ANCHOR_PROOF_TYPE), None) => true,
                _ => false,
            };
            !ours
        })
        .count()
}

/// The eddsa proof's `created` time.
fn signed_at(credential: &Credential) -> Option<DateTime<Utc>> {
    let doc = credential.document.as_object()?;
    let proof = countersign_credential::eddsa_jcs::find_proof(doc).ok()?;
    let created = proof.get("created")?.as_str()?;
    DateTime::parse_from_rfc3339(created)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[allow(clippy::too_many_arguments)]
fn issuer_check(
    credential: &Credential,
    signer: Option<DidKey>,
    issuer_did: Option<DidKey>,
    registered: Option<&Result<Option<IssuerRecord>, countersign_chainstate::ChainError>>,
    anchor: &AnchorOutcome,
    params: &Params<'_>,
    view: Option<&ChainView>,
) -> Check {
    let Some(signer) = signer else {
        return after_failure(CheckId::Issuer);
    };
    let Some(issuer) = issuer_did else {
        return check(
            CheckId::Issuer,
            CheckOutcome::Fail,
            "issuer.not_did_key",
            format!(
                "the issuer {} is not a did:key, so its key cannot be checked",
                credential.issuer_id
            ),
        );
    };
    if issuer != signer {
        return check(
            CheckId::Issuer,
            CheckOutcome::Fail,
            "issuer.key_mismatch",
            format!("signed by {signer}, which is not the issuer {issuer}"),
        );
    }
    if let Err(c) = chain_ready(CheckId::Issuer, params, view) {
        return Check {
            detail: format!("signed by the issuer's own key; {}", c.detail),
            ..c
        };
    }
    let record = match registered {
        Some(Ok(Some(r))) => r,
        Some(Ok(None)) => {
            return check(
                CheckId::Issuer,
                CheckOutcome::Fail,
                "issuer.unregistered",
                format!("{issuer} is not a registered issuer"),
            )
        }
        Some(Err(e)) => {
            return could_not_check(CheckId::Issuer, "chain.unavailable", e.to_string())
        }
        None => {
            return could_not_check(
                CheckId::Issuer,
                "chain.unavailable",
                "chain state unavailable",
            )
        }
    };
    let type_name = credential.type_name();
    if !record.may_issue(type_name) {
        return check(
            CheckId::Issuer,
            CheckOutcome::Fail,
            "issuer.type_not_allowed",
            format!("{} is not registered to issue {type_name}", record.name),
        );
    }
    // The status that matters is the one in force when the batch was anchored; a suspension
    // after that is worth a warning, not a red verdict.
    let now = params.clock.now();
    let at = anchor.record.as_ref().map(|r| r.at).unwrap_or(now);
    let anchored_block = anchor.record.as_ref().map(|r| r.block);
    let status = match anchored_block {
        Some(block) => record.status_when_anchored(block),
        None => record.status_at(at),
    };
    match status {
        None => check(CheckId::Issuer, CheckOutcome::Fail, "issuer.unregistered", format!(
            "{} was not yet registered when the batch was anchored",
            record.name
        )),
        Some(IssuerStatus::Suspended) => check(CheckId::Issuer, CheckOutcome::Fail, "issuer.suspended", format!(
            "{} was suspended when the batch was anchored",
            record.name
        )),
        Some(IssuerStatus::Retired) if anchor.record.is_some() => check(CheckId::Issuer, CheckOutcome::Fail, "issuer.retired", format!(
            "{} had retired when the batch was anchored",
            record.name
        )),
        Some(_) => match record.current() {
            Some(change)
                if change.status == IssuerStatus::Suspended
                    && anchored_block.map_or(change.at > at, |b| change.block >= b) =>
            {
                check(CheckId::Issuer, CheckOutcome::Warn, "issuer.suspended_since", format!(
                    "{} is registered, but has been suspended since {}; this credential was anchored before that",
                    record.name,
                    change.at.to_rfc3339()
                ))
            }
            _ => check(CheckId::Issuer, CheckOutcome::Pass, "issuer.ok", format!("{} is a registered issuer", record.name)),
        },
    }
}

fn revocation_check(
    signer: Option<DidKey>,
    leaf: Option<NodeHash>,
    anchor: &AnchorOutcome,
    issuer: Option<DidKey>,
    params: &Params<'_>,
    view: Option<&ChainView>,
) -> Check {
    let (Some(_), Some(leaf)) = (signer, leaf) else {
        return after_failure(CheckId::Revocation);
    };
    let chain = match chain_ready(CheckId::Revocation, params, view) {
        Ok(c) => c,
        Err(c) => return c,
    };
    // The leaf, every sub-batch node above it and the root: revoking any of them revokes this
    // credential. Without a usable path only the leaf itself can be asked about.
    let nodes = match &anchor.nodes {
        Some(nodes) => nodes.clone(),
        None => anchor
            .proof
            .as_ref()
            .and_then(|p| p.inclusion.nodes(&leaf).ok())
            .unwrap_or_else(|| vec![leaf]),
    };
    // Revocations are kept per issuer key; an issuer that is not a did:key (already a failure
    // of the issuer check) is asked about under the key that signed.
    let Some(issuer) = issuer.or(signer) else {
        return after_failure(CheckId::Revocation);
    };
    let last = nodes.len() - 1;
    // Only the issuer may revoke its own credentials: the registry keeps revocations per issuer,
    // and only this issuer's are asked for.
    match chain.first_revocation(&issuer, &nodes) {
        Err(e) => return could_not_check(CheckId::Revocation, "chain.unavailable", e.to_string()),
        Ok(Some((depth, r))) => {
            let what = if depth == 0 {
                "the credential"
            } else if depth == last {
                "its whole batch"
            } else {
                "a sub-batch containing it"
            };
            return check(
                CheckId::Revocation,
                CheckOutcome::Fail,
                "revocation.revoked",
                format!(
                    "{what} was revoked in block {} at {} (reason: {})",
                    r.block,
                    r.at.to_rfc3339(),
                    r.reason.name()
                ),
            );
        }
        Ok(None) => {}
    }
    check(
        CheckId::Revocation,
        CheckOutcome::Pass,
        "revocation.ok",
        format!("not revoked ({} hashes checked)", nodes.len()),
    )
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn summary(credential: &Credential, registered: Option<&IssuerRecord>) -> CredentialSummary {
    let subject = credential.subject();
    let mut fields = Vec::new();
    if let Some(subject) = subject {
        match credential.kind {
            Some(kind) => {
                for f in kind.fields {
                    if let Some(v) = subject.get(f.key) {
                        fields.push(Field {
                            key: f.key.to_owned(),
                            label_zh: f.label_zh.to_owned(),
                            label_en: f.label_en.to_owned(),
                            value: value_text(v),
                            sensitive: f.sensitive,
                        });
                    }
                }
            }
            None => {
                // Unknown types are shown as they are, every field masked-capable but not masked:
                // we cannot know which are personal.
                for (k, v) in subject {
                    fields.push(Field {
                        key: k.clone(),
                        label_zh: k.clone(),
                        label_en: k.clone(),
                        value: value_text(v),
                        sensitive: false,
                    });
                }
            }
        }
    }
    CredentialSummary {
        id: credential.id.clone(),
        type_name: credential.type_name().to_owned(),
        type_label_zh: credential.kind.map(|k| k.label_zh.to_owned()),
        type_label_en: credential.kind.map(|k| k.label_en.to_owned()),
        issuer_id: credential.issuer_id.clone(),
        issuer_name: registered
            .map(|r| r.name.clone())
            .or_else(|| credential.issuer_name.clone()),
        issuer_name_registered: registered.is_some(),
        valid_from: credential.valid_from,
        valid_until: credential.valid_until,
        fields,
    }
}
