//! Verifier stations: the service halls registered in the registry by their Ed25519 device key.
//!
//! A hall signs its verification receipts and daily log digests with that key; the registry says
//! whether the key belongs to a hall in good standing, and holds the digests a hall anchored (read
//! online, by `log verify`, not through [`ChainState`](crate::ChainState): verifying a credential
//! never asks about stations).

use crate::IssuerStatus;

/// A registered verifier station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationRecord {
    /// The hall's Ed25519 public key (its device key).
    pub key: [u8; 32],
    /// The EVM account it anchors log digests from; all zeros when it has none (a hall
    /// registered only so that its receipts can be checked).
    pub account: [u8; 20],
    /// Registered display name.
    pub name: String,
    /// Current status, with the issuers' codes and rules (retirement is final).
    pub status: IssuerStatus,
}

impl StationRecord {
    /// The anchoring account, if it has one.
    pub fn account(&self) -> Option<[u8; 20]> {
        (self.account != [0; 20]).then_some(self.account)
    }

    /// Whether it may anchor log digests now: active, and with an account.
    pub fn may_anchor(&self) -> bool {
        self.status == IssuerStatus::Active && self.account().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_station_without_an_account_cannot_anchor() {
        let mut station = StationRecord {
            key: [7; 32],
            account: [0; 20],
            name: "某区政务服务中心".into(),
            status: IssuerStatus::Active,
        };
        assert_eq!(station.account(), None);
        assert!(!station.may_anchor());
        station.account = [1; 20];
        assert_eq!(station.account(), Some([1; 20]));
        assert!(station.may_anchor());
        station.status = IssuerStatus::Suspended;
        assert!(!station.may_anchor());
    }
}
