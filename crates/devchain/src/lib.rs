//! A real local EVM node for the demo, the tests and the benchmarks: Foundry's `anvil`, installed
//! from npm by `scripts/tools.sh` (pinned in `tools/package.json`), started on 127.0.0.1 on a
//! free port and stopped by its own process id when the [`Anvil`] handle is dropped.
//!
//! [`proxy::RpcProxy`] puts a lying node in front of it, for the tests of what a hall does
//! when one of its nodes lies.
//!
//! Nothing here is used in production: halls talk to their consortium's nodes.

pub mod proxy;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Anvil's well-known development keys (mnemonic "test test … junk"), accounts 0 to 4.
/// Account 0 deploys the demo registry at `0x5fbdb2315678afecb367f032d93f642f64180aa3`.
pub const DEV_KEYS: [&str; 5] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

/// The chain id anvil uses unless told otherwise.
pub const DEV_CHAIN_ID: u64 = 31337;

/// Starting or stopping the node failed.
#[derive(Debug, thiserror::Error)]
pub enum DevchainError {
    /// The anvil binary is not installed.
    #[error("anvil is not installed at {0}: run scripts/tools.sh (or set COUNTERSIGN_ANVIL)")]
    NotInstalled(PathBuf),
    /// It could not be started.
    #[error("cannot start anvil: {0}")]
    Start(#[from] std::io::Error),
    /// It started but never said where it listens.
    #[error("anvil did not start listening within {seconds} s; its output:\n{output}")]
    NotReady {
        /// How long it was given.
        seconds: u64,
        /// What it printed.
        output: String,
    },
}

/// How to start the node.
#[derive(Debug, Clone)]
pub struct AnvilOptions {
    /// Chain id.
    pub chain_id: u64,
    /// A state file loaded at start and written at a clean stop (`--state`).
    pub state: Option<PathBuf>,
    /// A fixed port (to restart "the same node"); a free one when `None`.
    pub port: Option<u16>,
    /// Further arguments.
    pub args: Vec<String>,
}

impl Default for AnvilOptions {
    fn default() -> Self {
        Self {
            chain_id: DEV_CHAIN_ID,
            state: None,
            port: None,
            args: Vec::new(),
        }
    }
}

/// A running anvil; stopped when dropped.
#[derive(Debug)]
pub struct Anvil {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Anvil {
    /// Where the pinned anvil is installed: `$COUNTERSIGN_ANVIL`, else
    /// `tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil` in this checkout.
    pub fn binary() -> PathBuf {
        if let Some(path) = std::env::var_os("COUNTERSIGN_ANVIL") {
            return PathBuf::from(path);
        }
        workspace_root().join("tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
    }

    /// Starts a node with default options.
    pub fn start() -> Result<Self, DevchainError> {
        Self::start_with(&AnvilOptions::default())
    }

    /// Starts a node on 127.0.0.1 and waits until it listens.
    pub fn start_with(options: &AnvilOptions) -> Result<Self, DevchainError> {
        let binary = Self::binary();
        if !binary.is_file() {
            return Err(DevchainError::NotInstalled(binary));
        }
        let dir = tempfile::tempdir()?;
        let log = dir.path().join("anvil.log");
        let out = std::fs::File::create(&log)?;
        let mut command = Command::new(&binary);
        command
            .args(["--host", "127.0.0.1", "--port"])
            .arg(options.port.unwrap_or(0).to_string())
            .args(["--chain-id", &options.chain_id.to_string()])
            .args(&options.args)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        if let Some(state) = &options.state {
            command.arg("--state").arg(state);
        }
        let child = command.spawn()?;
        let mut me = Self {
            child: Some(child),
            port: 0,
            log,
            _dir: dir,
        };
        me.port = me.wait_listening(Duration::from_secs(30))?;
        Ok(me)
    }

    fn wait_listening(&mut self, limit: Duration) -> Result<u16, DevchainError> {
        let started = Instant::now();
        loop {
            let output = self.output();
            if let Some(port) = output
                .lines()
                .find_map(|l| l.strip_prefix("Listening on 127.0.0.1:"))
                .and_then(|p| p.trim().parse().ok())
            {
                return Ok(port);
            }
            let exited = self
                .child
                .as_mut()
                .map(|c| matches!(c.try_wait(), Ok(Some(_))))
                .unwrap_or(true);
            if exited || started.elapsed() > limit {
                self.kill();
                return Err(DevchainError::NotReady {
                    seconds: limit.as_secs(),
                    output,
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// What the node printed so far.
    pub fn output(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Stops the node cleanly (SIGTERM, so a `--state` file is written), waiting for it to exit;
    /// kills it if it does not exit within 10 s.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGTERM by pid through kill(1): the workspace forbids unsafe code, and this is the
        // one signal anvil turns into a clean shutdown with a state dump.
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// The checkout's root: the nearest ancestor of this crate with `tools/package.json`.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|p| p.join("tools/package.json").is_file())
        .unwrap_or(here)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_and_stops() {
        let anvil = Anvil::start().expect("anvil starts (run scripts/tools.sh)");
        assert!(anvil.port() > 0);
        let pid = anvil.pid().expect("pid");
        let url = anvil.url();
        assert!(url.starts_with("http://127.0.0.1:"));
        anvil.stop();
        // The process is gone: /proc has no entry for it any more.
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }
}
