// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Countersign registry: who may issue, which batch roots they anchored, what they revoked,
///        and which verifier stations (service halls) anchored which daily log digests and
///        which checkpoints (tree heads) of their Merkle-tree logs.
/// @notice Holds hashes and public keys only, never personal data. Every change emits an event,
///         so a hall's mirror can be rebuilt from the event log alone (docs/PROTOCOL.md).
/// @dev Issuers are identified by a 32-byte key: the Ed25519 public key inside the did:key of a
///      standard-profile issuer, or SM3 of the compressed SM2 public key of a national-profile
///      (国密) issuer; the full public key and the profile are stored with it. Stations are
///      identified by their Ed25519 device key, which signs their receipts and logs.
///      Anchors are modelled on OpenAttestation's DocumentStore (issue / bulkIssue / isIssued /
///      revoke / isRevoked), with the issuer recorded per root and revocations kept per issuer.
contract CountersignRegistry {
    /// Returned by `registryId()`: lets a client tell our registry from any other contract.
    bytes32 public constant REGISTRY_ID = keccak256("Countersign.Registry.v4");

    uint8 public constant STATUS_ACTIVE = 1;
    uint8 public constant STATUS_SUSPENDED = 2;
    uint8 public constant STATUS_RETIRED = 3;

    /// An issuer's profile: which algorithms its credentials are signed and batched with.
    /// Standard: Ed25519 signatures, SHA-256 Merkle batches. Guomi (国密): SM2 signatures, SM3
    /// Merkle batches. 0 is never a profile.
    uint8 public constant PROFILE_STANDARD = 1;
    uint8 public constant PROFILE_GUOMI = 2;

    struct StatusChange {
        uint8 status;
        uint64 time;
        uint64 blockNumber;
    }

    /// `profile` shares `account`'s slot and `publicKey` comes last, so every member that
    /// clients read by storage proof stays where it was before they were added.
    struct Issuer {
        address account;
        uint8 profile;
        string name;
        string[] credentialTypes;
        StatusChange[] history;
        bytes publicKey;
    }

    /// One storage slot per anchored root: the issuer's index, the time and the block.
    struct Anchor {
        uint32 issuer;
        uint64 time;
        uint64 blockNumber;
    }

    struct Revocation {
        uint8 reason;
        uint64 time;
        uint64 blockNumber;
    }

    /// A verifier station (a service hall). `status` is 0 for "not registered", so one mapping
    /// answers both "is it registered" and "what is its status"; the history lives in the events
    /// (a station's status decides nothing about the past, unlike an issuer's, whose status at
    /// anchoring time decides whether a credential verifies).
    struct Station {
        address account;
        uint8 status;
        string name;
    }

    /// A daily log digest as anchored: the digest, the time and the block.
    struct LogDigest {
        bytes32 digest;
        uint64 time;
        uint64 blockNumber;
    }

    /// A station's newest log checkpoint (RFC 9162 tree head): the root in one slot; size,
    /// time and block packed into the next.
    struct LogCheckpoint {
        bytes32 root;
        uint64 size;
        uint64 time;
        uint64 blockNumber;
    }

    mapping(address => bool) public isAdmin;
    uint256 public adminCount;

    /// Issuer keys by index; index 0 is unused so that 0 means "none".
    bytes32[] private issuerKeys;
    mapping(bytes32 => uint32) private issuerIndex;
    mapping(bytes32 => Issuer) private issuers;
    mapping(address => bytes32) public issuerKeyOf;

    mapping(bytes32 => Anchor) private anchors;
    /// Keyed by issuer index then hash: one issuer's revocation never shadows another's.
    mapping(uint32 => mapping(bytes32 => Revocation)) private revocations;

    mapping(bytes32 => Station) private stations;
    /// The station whose account this is; zero for none. A station without an account (one that
    /// only signs receipts) never appears here.
    mapping(address => bytes32) public stationKeyOf;
    uint256 public stationCount;
    /// Keyed by station key then day (YYYYMMDD): one digest per station and day, never replaced.
    mapping(bytes32 => mapping(uint32 => LogDigest)) private logDigests;

    /// Every event this contract ever emitted, folded into one word (docs/PROTOCOL.md §7.1.2):
    /// after each event, `eventHead = keccak256(eventHead ‖ uint256(block.number) ‖ leaf)` with
    /// `leaf = keccak256(topic0 ‖ topic1 ‖ … ‖ keccak256(data))`, the log exactly as emitted.
    /// (`keccak256` is the chain's EVM hash: SM3 on a national-crypto chain, and so are the
    /// event topics and storage slots; clients compute them with the hash they are set to.)
    /// A mirror folds the events a node gave it and compares the result with these slots,
    /// read with a storage proof at a block the hall's nodes agree on, so it knows that no event
    /// was left out, added or changed, whatever the node. Declared last so the slots above
    /// never move.
    bytes32 public eventHead;
    /// How many events `eventHead` folds: lets a client say how many a node left out.
    uint256 public eventCount;
    /// `eventHead` at the end of each block that had events, and the next block that had
    /// events after it (0: none yet; key 0 leads to the first). Kept in current state so a page
    /// of old blocks is proved against a recent block: nodes prune old blocks' state.
    mapping(uint256 => bytes32) private headAt;
    mapping(uint256 => uint256) private nextEventBlock;
    uint256 private lastEventBlock;
    /// Each station's newest anchored log checkpoint; zeros for none. Only the newest is kept:
    /// the events keep every one, and the newest is what a log is compared with (read with a
    /// storage proof, so not on one node's word). Declared after the event record so that no
    /// earlier slot moves (slot 17).
    mapping(bytes32 => LogCheckpoint) private logCheckpoints;

    event AdminChanged(address indexed account, bool admin);
    event IssuerRegistered(
        bytes32 indexed issuer, address indexed account, uint8 profile, bytes publicKey, string name, string[] credentialTypes
    );
    event IssuerStatusChanged(bytes32 indexed issuer, uint8 status, uint64 time);
    event RootAnchored(bytes32 indexed root, bytes32 indexed issuer, uint64 time);
    event Revoked(bytes32 indexed hash, bytes32 indexed issuer, uint8 reason, uint64 time);
    event StationRegistered(bytes32 indexed station, address indexed account, string name);
    event StationStatusChanged(bytes32 indexed station, uint8 status, uint64 time);
    event LogDigestAnchored(bytes32 indexed station, uint32 indexed day, bytes32 digest, uint64 time);
    event CheckpointAnchored(bytes32 indexed station, uint64 indexed size, bytes32 root, uint64 time);

    error NotAdmin(address caller);
    error LastAdmin();
    error ZeroKey();
    error ZeroAccount();
    error IssuerExists(bytes32 issuer);
    error AccountInUse(address account);
    error UnknownIssuer(bytes32 issuer);
    error BadStatus(uint8 status);
    error IssuerRetired(bytes32 issuer);
    error NotAnIssuer(address caller);
    error IssuerNotActive(bytes32 issuer, uint8 status);
    error AlreadyAnchored(bytes32 root);
    error AlreadyRevoked(bytes32 hash);
    error ZeroHash();
    error EmptyBatch();
    error StationExists(bytes32 station);
    error UnknownStation(bytes32 station);
    error StationRetired(bytes32 station);
    error NotAStation(address caller);
    error StationNotActive(bytes32 station, uint8 status);
    error BadDay(uint32 day);
    error DigestAlreadyAnchored(bytes32 station, uint32 day);
    error CheckpointNotNewer(bytes32 station, uint64 size, uint64 anchored);
    error BadProfile(uint8 profile);
    error BadPublicKey(bytes32 key, uint8 profile, uint256 length);

    modifier onlyAdmin() {
        if (!isAdmin[msg.sender]) revert NotAdmin(msg.sender);
        _;
    }

    constructor() {
        isAdmin[msg.sender] = true;
        adminCount = 1;
        issuerKeys.push(bytes32(0));
        emit AdminChanged(msg.sender, true);
        _fold1(AdminChanged.selector, bytes32(uint256(uint160(msg.sender))), abi.encode(true));
    }

    function registryId() external pure returns (bytes32) {
        return REGISTRY_ID;
    }

    // ---- governance -------------------------------------------------------------------------

    function setAdmin(address account, bool admin) external onlyAdmin {
        if (account == address(0)) revert ZeroAccount();
        if (isAdmin[account] == admin) return;
        if (!admin && adminCount == 1) revert LastAdmin();
        isAdmin[account] = admin;
        adminCount = admin ? adminCount + 1 : adminCount - 1;
        emit AdminChanged(account, admin);
        _fold1(AdminChanged.selector, bytes32(uint256(uint160(account))), abi.encode(admin));
    }

    /// Register an issuer under `key` with its `profile` and full `publicKey`: for the standard
    /// profile the 32-byte Ed25519 key, equal to `key`; for the guomi profile the 33-byte
    /// compressed SM2 key, whose SM3 is `key`.
    function registerIssuer(
        bytes32 key,
        uint8 profile,
        bytes calldata publicKey,
        address account,
        string calldata name,
        string[] calldata credentialTypes
    ) external onlyAdmin {
        if (key == bytes32(0)) revert ZeroKey();
        if (account == address(0)) revert ZeroAccount();
        _checkIssuerKey(key, profile, publicKey);
        if (issuerIndex[key] != 0) revert IssuerExists(key);
        _checkAccountFree(account);
        issuerIndex[key] = uint32(issuerKeys.length);
        issuerKeys.push(key);
        issuerKeyOf[account] = key;
        Issuer storage record = issuers[key];
        record.account = account;
        record.profile = profile;
        record.name = name;
        for (uint256 i = 0; i < credentialTypes.length; i++) {
            record.credentialTypes.push(credentialTypes[i]);
        }
        record.publicKey = publicKey;
        emit IssuerRegistered(key, account, profile, publicKey, name, credentialTypes);
        _fold2(
            IssuerRegistered.selector,
            key,
            bytes32(uint256(uint160(account))),
            abi.encode(profile, publicKey, name, credentialTypes)
        );
        _setStatus(key, STATUS_ACTIVE);
    }

    /// What can be checked of an issuer's key here. A standard key is the key itself. An SM2
    /// key's SM3 must be `key`, but the EVM of most chains has no SM3 (on a national-crypto
    /// chain `keccak256` is SM3; on anvil, Besu or Geth it is not), so only its length is
    /// checked and every client checks SM3(publicKey) == key when it reads the issuer,
    /// refusing the record otherwise (docs/PROTOCOL.md §7).
    function _checkIssuerKey(bytes32 key, uint8 profile, bytes calldata publicKey) private pure {
        if (profile == PROFILE_STANDARD) {
            if (publicKey.length != 32 || bytes32(publicKey) != key) {
                revert BadPublicKey(key, profile, publicKey.length);
            }
        } else if (profile == PROFILE_GUOMI) {
            if (publicKey.length != 33) revert BadPublicKey(key, profile, publicKey.length);
        } else {
            revert BadProfile(profile);
        }
    }

    /// Suspend, reactivate or retire an issuer. Retirement is final.
    function setIssuerStatus(bytes32 key, uint8 status) external onlyAdmin {
        if (issuerIndex[key] == 0) revert UnknownIssuer(key);
        if (status < STATUS_ACTIVE || status > STATUS_RETIRED) revert BadStatus(status);
        if (_status(key) == STATUS_RETIRED) revert IssuerRetired(key);
        _setStatus(key, status);
    }

    function _setStatus(bytes32 key, uint8 status) private {
        uint64 time = uint64(block.timestamp);
        issuers[key].history.push(StatusChange(status, time, uint64(block.number)));
        emit IssuerStatusChanged(key, status, time);
        _fold1(IssuerStatusChanged.selector, key, abi.encode(status, time));
    }

    /// Folds an event with one indexed argument into `eventHead` (see there).
    function _fold1(bytes32 topic0, bytes32 topic1, bytes memory data) private {
        _fold(keccak256(abi.encodePacked(topic0, topic1, keccak256(data))));
    }

    /// Folds an event with two indexed arguments into `eventHead` (see there).
    function _fold2(bytes32 topic0, bytes32 topic1, bytes32 topic2, bytes memory data) private {
        _fold(keccak256(abi.encodePacked(topic0, topic1, topic2, keccak256(data))));
    }

    function _fold(bytes32 leaf) private {
        bytes32 head = keccak256(abi.encodePacked(eventHead, block.number, leaf));
        eventHead = head;
        eventCount += 1;
        headAt[block.number] = head;
        if (lastEventBlock != block.number) {
            nextEventBlock[lastEventBlock] = block.number;
            lastEventBlock = block.number;
        }
    }

    function _status(bytes32 key) private view returns (uint8) {
        StatusChange[] storage h = issuers[key].history;
        return h.length == 0 ? 0 : h[h.length - 1].status;
    }

    /// One role per account: an account that anchors roots for an issuer never also anchors log
    /// digests for a station (or for two stations), so whoever holds its key acts in one name.
    function _checkAccountFree(address account) private view {
        if (issuerKeyOf[account] != bytes32(0) || stationKeyOf[account] != bytes32(0)) {
            revert AccountInUse(account);
        }
    }

    /// Register a verifier station (a service hall) by its Ed25519 device key. `account` may be
    /// zero: a hall without a chain account is registered all the same, so that the receipts and
    /// log digests it signs can be checked against the registry; it just cannot anchor digests.
    function registerStation(bytes32 key, address account, string calldata name) external onlyAdmin {
        if (key == bytes32(0)) revert ZeroKey();
        if (stations[key].status != 0) revert StationExists(key);
        if (account != address(0)) {
            _checkAccountFree(account);
            stationKeyOf[account] = key;
        }
        Station storage record = stations[key];
        record.account = account;
        record.name = name;
        stationCount += 1;
        emit StationRegistered(key, account, name);
        _fold2(StationRegistered.selector, key, bytes32(uint256(uint160(account))), abi.encode(name));
        _setStationStatus(key, STATUS_ACTIVE);
    }

    /// Suspend, reactivate or retire a station, with the issuers' rules. Retirement is final: a
    /// retired hall's key is never trusted again (a replacement device registers a new key).
    function setStationStatus(bytes32 key, uint8 status) external onlyAdmin {
        uint8 current = stations[key].status;
        if (current == 0) revert UnknownStation(key);
        if (status < STATUS_ACTIVE || status > STATUS_RETIRED) revert BadStatus(status);
        if (current == STATUS_RETIRED) revert StationRetired(key);
        _setStationStatus(key, status);
    }

    function _setStationStatus(bytes32 key, uint8 status) private {
        stations[key].status = status;
        emit StationStatusChanged(key, status, uint64(block.timestamp));
        _fold1(StationStatusChanged.selector, key, abi.encode(status, uint64(block.timestamp)));
    }

    // ---- issuers ----------------------------------------------------------------------------

    /// Anchor one or more batch roots; only an active issuer, from its registered account.
    function anchor(bytes32[] calldata roots) external {
        if (roots.length == 0) revert EmptyBatch();
        bytes32 key = _callerIssuer();
        uint8 status = _status(key);
        if (status != STATUS_ACTIVE) revert IssuerNotActive(key, status);
        uint32 index = issuerIndex[key];
        uint64 time = uint64(block.timestamp);
        uint64 number = uint64(block.number);
        for (uint256 i = 0; i < roots.length; i++) {
            bytes32 root = roots[i];
            if (root == bytes32(0)) revert ZeroHash();
            if (anchors[root].issuer != 0) revert AlreadyAnchored(root);
            anchors[root] = Anchor(index, time, number);
            emit RootAnchored(root, key, time);
            _fold2(RootAnchored.selector, root, key, abi.encode(time));
        }
    }

    /// Revoke credentials (leaf hashes), sub-batches (inner nodes) or whole batches (roots).
    /// A suspended issuer may still revoke (that is what suspension is for); a retired one may not.
    function revoke(bytes32[] calldata hashes, uint8 reason) external {
        if (hashes.length == 0) revert EmptyBatch();
        bytes32 key = _callerIssuer();
        if (_status(key) == STATUS_RETIRED) revert IssuerRetired(key);
        uint32 index = issuerIndex[key];
        uint64 time = uint64(block.timestamp);
        uint64 number = uint64(block.number);
        for (uint256 i = 0; i < hashes.length; i++) {
            bytes32 hash = hashes[i];
            if (hash == bytes32(0)) revert ZeroHash();
            if (revocations[index][hash].blockNumber != 0) revert AlreadyRevoked(hash);
            revocations[index][hash] = Revocation(reason, time, number);
            emit Revoked(hash, key, reason, time);
            _fold2(Revoked.selector, hash, key, abi.encode(reason, time));
        }
    }

    function _callerIssuer() private view returns (bytes32 key) {
        key = issuerKeyOf[msg.sender];
        if (key == bytes32(0)) revert NotAnIssuer(msg.sender);
    }

    // ---- stations ---------------------------------------------------------------------------

    /// Anchor a station's signed daily log digest, from the station's account, while it is
    /// active. `day` is the hall's local date as YYYYMMDD (the day the log closed, which the
    /// hall knows and block time does not). One digest per station and day, never replaced:
    /// anchoring is what makes rewriting a closed day's log detectable, so a second digest
    /// for the same day would undo it.
    function anchorLogDigest(uint32 day, bytes32 digest) external {
        bytes32 key = stationKeyOf[msg.sender];
        if (key == bytes32(0)) revert NotAStation(msg.sender);
        uint8 status = stations[key].status;
        if (status != STATUS_ACTIVE) revert StationNotActive(key, status);
        if (digest == bytes32(0)) revert ZeroHash();
        if (!_validDay(day)) revert BadDay(day);
        if (logDigests[key][day].blockNumber != 0) revert DigestAlreadyAnchored(key, day);
        uint64 time = uint64(block.timestamp);
        logDigests[key][day] = LogDigest(digest, time, uint64(block.number));
        emit LogDigestAnchored(key, day, digest, time);
        _fold2(LogDigestAnchored.selector, key, bytes32(uint256(day)), abi.encode(digest, time));
    }

    /// Anchor a checkpoint (tree size and RFC 9162 root) of the station's Merkle-tree log, from
    /// the station's account, while it is active. The size must exceed the one anchored last
    /// (so it is never 0): a log rolled back to an older copy, or with its tail deleted, can
    /// never anchor a tree smaller than one it anchored before, and each size is anchored once.
    /// Only the newest checkpoint stays in state; every one stays in the events.
    function anchorCheckpoint(uint64 size, bytes32 root) external {
        bytes32 key = stationKeyOf[msg.sender];
        if (key == bytes32(0)) revert NotAStation(msg.sender);
        uint8 status = stations[key].status;
        if (status != STATUS_ACTIVE) revert StationNotActive(key, status);
        if (root == bytes32(0)) revert ZeroHash();
        uint64 anchored = logCheckpoints[key].size;
        if (size <= anchored) revert CheckpointNotNewer(key, size, anchored);
        uint64 time = uint64(block.timestamp);
        logCheckpoints[key] = LogCheckpoint(root, size, time, uint64(block.number));
        emit CheckpointAnchored(key, size, root, time);
        _fold2(CheckpointAnchored.selector, key, bytes32(uint256(size)), abi.encode(root, time));
    }

    /// A Gregorian date as YYYYMMDD, year 2000 to 9999: a typo'd or mis-encoded day (month 13,
    /// 31 June, a Unix time) would otherwise take the slot of a day that never comes.
    function _validDay(uint32 day) private pure returns (bool) {
        uint32 year = day / 10000;
        uint32 month = (day / 100) % 100;
        uint32 d = day % 100;
        if (year < 2000 || year > 9999 || month < 1 || month > 12 || d < 1) return false;
        uint32 length = 31;
        if (month == 2) {
            bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            length = leap ? 29 : 28;
        } else if (month == 4 || month == 6 || month == 9 || month == 11) {
            length = 30;
        }
        return d <= length;
    }

    // ---- reads ------------------------------------------------------------------------------

    function issuerCount() external view returns (uint256) {
        return issuerKeys.length - 1;
    }

    /// An issuer's registration; `registered` is false (and everything else empty) when none.
    function issuer(bytes32 key)
        external
        view
        returns (
            bool registered,
            address account,
            uint8 profile,
            bytes memory publicKey,
            string memory name,
            string[] memory credentialTypes,
            StatusChange[] memory history
        )
    {
        if (issuerIndex[key] == 0) {
            return (false, address(0), 0, "", "", new string[](0), new StatusChange[](0));
        }
        Issuer storage i = issuers[key];
        return (true, i.account, i.profile, i.publicKey, i.name, i.credentialTypes, i.history);
    }

    /// The anchoring of a root; `issuer` is zero when the root is not anchored.
    function anchorOf(bytes32 root) external view returns (bytes32 issuer_, uint64 time, uint64 blockNumber) {
        Anchor memory a = anchors[root];
        if (a.issuer == 0) return (bytes32(0), 0, 0);
        return (issuerKeys[a.issuer], a.time, a.blockNumber);
    }

    function isAnchored(bytes32 root) external view returns (bool) {
        return anchors[root].issuer != 0;
    }

    /// The first of `hashes` revoked by `issuer_`, in order: a credential's leaf, then each
    /// sub-batch node above it, then the root, checked in one call. `found` is false when none is.
    function firstRevoked(bytes32 issuer_, bytes32[] calldata hashes)
        external
        view
        returns (bool found, uint256 position, uint8 reason, uint64 time, uint64 blockNumber)
    {
        uint32 index = issuerIndex[issuer_];
        if (index == 0) return (false, 0, 0, 0, 0);
        for (uint256 i = 0; i < hashes.length; i++) {
            Revocation memory r = revocations[index][hashes[i]];
            if (r.blockNumber != 0) return (true, i, r.reason, r.time, r.blockNumber);
        }
        return (false, 0, 0, 0, 0);
    }

    function isRevoked(bytes32 issuer_, bytes32 hash) external view returns (bool) {
        uint32 index = issuerIndex[issuer_];
        return index != 0 && revocations[index][hash].blockNumber != 0;
    }

    /// A station's account (zero for none), name and status (0 when not registered).
    function station(bytes32 key) external view returns (address account, string memory name, uint8 status) {
        Station storage s = stations[key];
        return (s.account, s.name, s.status);
    }

    /// The digest a station anchored for a day; all zeros when none.
    function logDigestOf(bytes32 station_, uint32 day)
        external
        view
        returns (bytes32 digest, uint64 time, uint64 blockNumber)
    {
        LogDigest memory d = logDigests[station_][day];
        return (d.digest, d.time, d.blockNumber);
    }

    /// The newest log checkpoint a station anchored; all zeros when none.
    function checkpointOf(bytes32 station_)
        external
        view
        returns (uint64 size, bytes32 root, uint64 time, uint64 blockNumber)
    {
        LogCheckpoint memory c = logCheckpoints[station_];
        return (c.size, c.root, c.time, c.blockNumber);
    }
}
