//! Issuing: turning subject data into signed credentials, batched under one Merkle root.

use crate::anchor::{credential_leaf, AnchorError, AnchorProof, RegistryRef};
use crate::did_key::DidKey;
use crate::eddsa_jcs::{create_proof, SignatureError};
use crate::model::{Credential, FormatError, VC_V2_CONTEXT};
use chrono::{DateTime, SecondsFormat, Utc};
use countersign_crypto::SecretKey;
use countersign_merkle::{MerkleTree, NodeHash, TreeError};
use serde_json::{Map, Value};

/// An issuing department: its signing key (Ed25519, or SM2 under the national profile) and
/// registered display name.
pub struct Issuer {
    key: SecretKey,
    /// Display name, e.g. 北京市朝阳区市场监督管理局.
    pub name: String,
}

impl Issuer {
    /// An issuer from its key and name.
    pub fn new(key: impl Into<SecretKey>, name: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
        }
    }

    /// The issuer's identifier.
    pub fn did(&self) -> DidKey {
        DidKey::from_public_key(self.key.public())
    }
}

/// One credential to issue.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The credential type, e.g. `DiplomaCredential`.
    pub type_name: String,
    /// A random UUID; it keeps revocation hashes unguessable.
    pub id: uuid::Uuid,
    /// The subject's fields.
    pub subject: Map<String, Value>,
    /// Start of validity.
    pub valid_from: DateTime<Utc>,
    /// End of validity, if any.
    pub valid_until: Option<DateTime<Utc>>,
}

/// A signed, batched set of credentials.
#[derive(Debug, Clone)]
pub struct IssuedBatch {
    /// The secured credentials, in batch order.
    pub credentials: Vec<Value>,
    /// Their leaf hashes, in the same order.
    pub leaves: Vec<NodeHash>,
    /// The batch root, the value anchored on chain.
    pub root: NodeHash,
}

/// Why a batch could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// A draft does not make a valid credential of its type.
    #[error("credential {} is not valid: {source}", .index + 1)]
    Invalid {
        /// Position in the batch, from 0.
        index: usize,
        /// What is wrong.
        source: FormatError,
    },
    /// Signing failed (only possible for data JCS cannot represent).
    #[error("credential {} cannot be signed: {source}", .index + 1)]
    Sign {
        /// Position in the batch, from 0.
        index: usize,
        /// What failed.
        source: SignatureError,
    },
    /// The batch is empty.
    #[error("the batch is empty: {0}")]
    Tree(#[from] TreeError),
    /// The leaf could not be computed.
    #[error("credential {}: {source}", .index + 1)]
    Leaf {
        /// Position in the batch, from 0.
        index: usize,
        /// What failed.
        source: AnchorError,
    },
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The unsigned credential document of a draft.
pub fn unsigned_document(issuer: &Issuer, draft: &Draft) -> Map<String, Value> {
    let mut issuer_obj = Map::new();
    issuer_obj.insert("id".into(), issuer.did().to_string().into());
    issuer_obj.insert("name".into(), issuer.name.clone().into());
    let mut doc = Map::new();
    doc.insert("@context".into(), Value::Array(vec![VC_V2_CONTEXT.into()]));
    doc.insert("id".into(), format!("urn:uuid:{}", draft.id).into());
    doc.insert(
        "type".into(),
        Value::Array(vec![
            "VerifiableCredential".into(),
            draft.type_name.clone().into(),
        ]),
    );
    doc.insert("issuer".into(), Value::Object(issuer_obj));
    doc.insert("validFrom".into(), timestamp(draft.valid_from).into());
    if let Some(until) = draft.valid_until {
        doc.insert("validUntil".into(), timestamp(until).into());
    }
    doc.insert(
        "credentialSubject".into(),
        Value::Object(draft.subject.clone()),
    );
    doc
}

/// Signs every draft, builds the batch tree and, when a registry is named, attaches each
/// credential's anchoring proof. `created` is the proof time (passed in, never read here).
pub fn issue_batch(
    issuer: &Issuer,
    drafts: &[Draft],
    created: DateTime<Utc>,
    registry: Option<RegistryRef>,
) -> Result<IssuedBatch, IssueError> {
    let created = timestamp(created);
    let mut signed = Vec::with_capacity(drafts.len());
    let mut leaves = Vec::with_capacity(drafts.len());
    for (index, draft) in drafts.iter().enumerate() {
        let mut doc = unsigned_document(issuer, draft);
        Credential::from_document(Value::Object(doc.clone()))
            .map_err(|source| IssueError::Invalid { index, source })?;
        let proof = create_proof(&doc, &issuer.key, &created)
            .map_err(|source| IssueError::Sign { index, source })?;
        doc.insert("proof".into(), Value::Object(proof));
        leaves.push(credential_leaf(&doc).map_err(|source| IssueError::Leaf { index, source })?);
        signed.push(doc);
    }
    let hash = issuer.did().profile().hash();
    let tree = MerkleTree::new_with(hash, leaves.clone())?;
    let credentials = signed
        .into_iter()
        .enumerate()
        .map(|(index, mut doc)| {
            if let Some(registry) = registry {
                let inclusion = tree.proof(index as u64)?;
                let anchor = AnchorProof {
                    registry,
                    inclusion,
                    hash,
                };
                let signature = doc.remove("proof").unwrap_or(Value::Null);
                doc.insert(
                    "proof".into(),
                    Value::Array(vec![signature, Value::Object(anchor.to_json())]),
                );
            }
            Ok(Value::Object(doc))
        })
        .collect::<Result<Vec<_>, TreeError>>()?;
    Ok(IssuedBatch {
        credentials,
        leaves,
        root: tree.root(),
    })
}
