//! A real anvil node with the registry deployed and a university registered, driven through
//! the `countersign` binary: shared by the chain tests and the lying-node tests.

// Each test file uses a different part of it.
#![allow(dead_code)]

use countersign_devchain::{Anvil, DEV_KEYS};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
}

pub fn run(args: &[&str]) -> Output {
    bin()
        .env_remove("COUNTERSIGN_RPC")
        .env_remove("COUNTERSIGN_REGISTRY")
        .env_remove("COUNTERSIGN_MIRROR")
        .args(args)
        .output()
        .expect("countersign runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// An account key file for one of anvil's funded development accounts.
pub fn account_file(dir: &Path, index: usize) -> PathBuf {
    let wallet = countersign_chain::Wallet::from_hex(DEV_KEYS[index]).expect("dev key");
    let path = dir.join(format!("account{index}.json"));
    std::fs::write(
        &path,
        serde_json::json!({
            "type": "countersign-account-key",
            "address": format!("{:?}", wallet.address()),
            "privateKey": DEV_KEYS[index],
        })
        .to_string(),
    )
    .expect("write account file");
    path
}

pub fn address(index: usize) -> String {
    let wallet = countersign_chain::Wallet::from_hex(DEV_KEYS[index]).expect("dev key");
    format!("{:?}", wallet.address())
}

pub struct World {
    pub anvil: Option<Anvil>,
    pub url: String,
    pub registry: String,
    pub dir: tempfile::TempDir,
    pub issuer_key: PathBuf,
}

impl World {
    /// A node with the registry deployed by account 0 and a university registered with
    /// account 1 as its anchoring account.
    pub fn new() -> Self {
        let anvil = Anvil::start().expect("anvil (run scripts/tools.sh)");
        let url = anvil.url();
        let dir = tempfile::tempdir().expect("temp dir");
        let gov = account_file(dir.path(), 0);
        account_file(dir.path(), 1);
        account_file(dir.path(), 2);
        let registry = ok(&run(&[
            "chain",
            "deploy",
            "--rpc",
            &url,
            "--account-key",
            s(&gov),
        ]))
        .trim()
        .to_string();
        assert_eq!(
            registry,
            "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
        );
        let issuer_key = dir.path().join("school.key.json");
        ok(&run(&[
            "keygen",
            "--out",
            s(&issuer_key),
            "--name",
            "京华大学",
        ]));
        ok(&run(&[
            "chain",
            "register-issuer",
            "--rpc",
            &url,
            "--registry",
            &registry,
            "--account-key",
            s(&gov),
            "--issuer-key",
            s(&issuer_key),
            "--account",
            &address(1),
            "--types",
            "DiplomaCredential",
        ]));
        Self {
            anvil: Some(anvil),
            url,
            registry,
            dir,
            issuer_key,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Issues a batch of three diplomas and anchors it from `account`.
    pub fn issue(&self, out: &str, account: usize) -> Output {
        let rows = self.path(&format!("{out}.json"));
        std::fs::write(
            &rows,
            serde_json::json!([
                {"name": "刘洋", "idNumber": "110108199803120018", "school": "京华大学", "major": "计算机科学与技术", "level": "本科", "graduationDate": "2020-06-30"},
                {"name": "陈静", "idNumber": "320583199707210022", "school": "京华大学", "major": "临床医学", "level": "硕士研究生", "graduationDate": "2022-06-30"},
                {"name": "王芳", "idNumber": "11010519491231002X", "school": "京华大学", "major": "法学", "level": "本科", "graduationDate": "2021-06-30"}
            ])
            .to_string(),
        )
        .expect("rows");
        run(&[
            "issue",
            "--key",
            s(&self.issuer_key),
            "--input",
            s(&rows),
            "--out",
            s(&self.path(out)),
            "--type",
            "DiplomaCredential",
            "--registry",
            &self.registry,
            "--no-qr",
            "--anchor",
            "--account-key",
            s(&self.path(&format!("account{account}.json"))),
            "--rpc",
            &self.url,
        ])
    }

    pub fn verify(&self, file: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "verify",
            s(file),
            "--registry",
            &self.registry,
            "--timeout-secs",
            "2",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// Mines a block a minute later than now, as a live chain would.
    pub fn advance_chain(&self) {
        let rpc =
            countersign_chain::RpcClient::new(&self.url, countersign_chain::RpcOptions::default());
        rpc.call("evm_increaseTime", serde_json::json!([60]))
            .expect("evm_increaseTime");
        rpc.call("evm_mine", serde_json::json!([]))
            .expect("evm_mine");
    }

    pub fn online(&self) -> [&str; 2] {
        ["--rpc", &self.url]
    }
}
