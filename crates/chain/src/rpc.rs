//! A small Ethereum JSON-RPC 2.0 client over HTTP: timeouts, a response size cap, bounded
//! retries with backoff for transport failures, and strict checking of what comes back.
//!
//! Nothing here knows about the registry; [`crate::Registry`] builds on it.

use serde_json::{json, Value};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How patient and how trusting the client is, and what it must know of the chain before it
/// can speak to its contracts at all.
#[derive(Debug, Clone)]
pub struct RpcOptions {
    /// Longest a single request may take, connection included.
    pub timeout: Duration,
    /// Attempts for a request that failed in transport (not for an answered error).
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub backoff: Duration,
    /// Largest response body accepted; a node answering more is refused, not buffered.
    pub max_response_bytes: u64,
    /// The chain's EVM hash (Keccak-256 unless the chain is a national-crypto one hashing with
    /// SM3): the registry client computes function selectors, event topics, storage slots, the
    /// event record and the registry id with it. A property of the chain, set from the same
    /// settings as its nodes and registry.
    pub chain_hash: countersign_chainstate::ChainHash,
}

impl Default for RpcOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            attempts: 3,
            backoff: Duration::from_millis(200),
            max_response_bytes: 256 * 1024 * 1024,
            chain_hash: countersign_chainstate::ChainHash::Keccak256,
        }
    }
}

/// A JSON-RPC request that did not produce a usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpcError {
    /// No connection, or the connection broke, after every attempt.
    #[error("cannot reach {endpoint}: {detail}")]
    Unreachable {
        /// The node's URL.
        endpoint: String,
        /// What the transport said.
        detail: String,
    },
    /// The node did not answer in time, after every attempt.
    #[error("{endpoint} did not answer within {} s", *millis as f64 / 1000.0)]
    Timeout {
        /// The node's URL.
        endpoint: String,
        /// The per-request limit in milliseconds.
        millis: u64,
    },
    /// The HTTP layer refused (rate limit, proxy error, wrong path).
    #[error("{endpoint} answered HTTP {status}")]
    Http {
        /// The node's URL.
        endpoint: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer was larger than the configured cap.
    #[error("{endpoint} sent more than {limit} bytes for {method}; refused")]
    TooLarge {
        /// The node's URL.
        endpoint: String,
        /// The method asked.
        method: String,
        /// The cap.
        limit: u64,
    },
    /// The answer was not a JSON-RPC 2.0 response to this request, or had the wrong shape.
    #[error("{endpoint} sent a malformed answer to {method}: {detail}")]
    Malformed {
        /// The node's URL.
        endpoint: String,
        /// The method asked.
        method: String,
        /// What was wrong.
        detail: String,
    },
    /// The node answered with a JSON-RPC error object.
    #[error("{endpoint} refused {method}: {message} (code {code})")]
    Node {
        /// The node's URL.
        endpoint: String,
        /// The method asked.
        method: String,
        /// JSON-RPC error code.
        code: i64,
        /// JSON-RPC error message.
        message: String,
        /// Revert data, when the error carries any (`0x…`).
        data: Option<String>,
    },
}

impl RpcError {
    /// Whether the node itself could not be used (as opposed to answering a clear "no").
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::Http { .. }
        )
    }
}

/// One node's JSON-RPC endpoint.
#[derive(Debug)]
pub struct RpcClient {
    endpoint: String,
    agent: ureq::Agent,
    options: RpcOptions,
    next_id: AtomicU64,
}

impl RpcClient {
    /// A client for `endpoint` (an `http://` URL; credentials in the URL are never logged).
    pub fn new(endpoint: &str, options: RpcOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        Self {
            endpoint: endpoint.to_string(),
            agent: config.into(),
            options,
            next_id: AtomicU64::new(1),
        }
    }

    /// The endpoint URL with any user:password removed, for messages.
    pub fn endpoint(&self) -> String {
        redact(&self.endpoint)
    }

    /// The options in force.
    pub fn options(&self) -> &RpcOptions {
        &self.options
    }

    /// Calls `method` and returns its `result`, retrying transport failures with backoff.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let mut wait = self.options.backoff;
        let mut attempt = 1;
        loop {
            match self.call_once(method, &params) {
                Err(e) if e.is_transport() && attempt < self.options.attempts.max(1) => {
                    tracing::warn!(
                        method,
                        attempt,
                        error = %e,
                        "chain node did not answer; trying again"
                    );
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn call_once(&self, method: &str, params: &Value) -> Result<Value, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let endpoint = self.endpoint();
        let response = self
            .agent
            .post(&self.endpoint)
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes());
        let mut response = match response {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(e)),
        };
        let status = response.status().as_u16();
        if status != 200 {
            return Err(RpcError::Http { endpoint, status });
        }
        // Read one byte past the cap so "exactly at the cap" and "over it" can be told apart.
        let limit = self.options.max_response_bytes;
        let mut bytes = Vec::new();
        let reader = response.body_mut().as_reader();
        if let Err(e) = reader.take(limit + 1).read_to_end(&mut bytes) {
            let text = e.to_string();
            return Err(if text.to_lowercase().contains("timeout") {
                RpcError::Timeout {
                    endpoint,
                    millis: u64::try_from(self.options.timeout.as_millis()).unwrap_or(u64::MAX),
                }
            } else {
                RpcError::Unreachable {
                    endpoint,
                    detail: text,
                }
            });
        }
        if bytes.len() as u64 > limit {
            return Err(RpcError::TooLarge {
                endpoint,
                method: method.to_string(),
                limit,
            });
        }
        let malformed = |detail: String| RpcError::Malformed {
            endpoint: self.endpoint(),
            method: method.to_string(),
            detail,
        };
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| malformed(format!("not JSON ({e})")))?;
        let Value::Object(mut object) = value else {
            return Err(malformed("not a JSON-RPC response object".into()));
        };
        if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Err(malformed("missing \"jsonrpc\": \"2.0\"".into()));
        }
        if object.get("id").and_then(Value::as_u64) != Some(id) {
            return Err(malformed(format!("answer is not for request id {id}")));
        }
        if let Some(error) = object.remove("error") {
            let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_string();
            let data = error.get("data").and_then(|d| match d {
                Value::String(s) => Some(s.clone()),
                // Some nodes nest the revert data one level down.
                Value::Object(o) => o.get("data").and_then(Value::as_str).map(str::to_string),
                _ => None,
            });
            return Err(RpcError::Node {
                endpoint,
                method: method.to_string(),
                code,
                message,
                data,
            });
        }
        object
            .remove("result")
            .ok_or_else(|| malformed("neither result nor error".into()))
    }

    fn transport_error(&self, e: ureq::Error) -> RpcError {
        let endpoint = self.endpoint();
        match e {
            ureq::Error::Timeout(_) => RpcError::Timeout {
                endpoint,
                millis: u64::try_from(self.options.timeout.as_millis()).unwrap_or(u64::MAX),
            },
            other => RpcError::Unreachable {
                endpoint,
                detail: other.to_string(),
            },
        }
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Reads a `0x`-prefixed hex quantity.
pub fn quantity(value: &Value, what: &str) -> Result<u64, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("{what} is not a hex string"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("{what} lacks 0x"))?;
    if digits.is_empty() || digits.len() > 16 {
        return Err(format!("{what} is not a 64-bit quantity: {text:.40}"));
    }
    u64::from_str_radix(digits, 16).map_err(|_| format!("{what} is not hex: {text:.40}"))
}

/// Reads `0x`-prefixed hex data.
pub fn data(value: &Value, what: &str) -> Result<Vec<u8>, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("{what} is not a hex string"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("{what} lacks 0x"))?;
    hex::decode(digits).map_err(|_| format!("{what} is not hex"))
}

/// Reads exactly 32 bytes of `0x`-prefixed hex.
pub fn word(value: &Value, what: &str) -> Result<[u8; 32], String> {
    data(value, what)?
        .try_into()
        .map_err(|_| format!("{what} is not 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_data_are_strict() {
        assert_eq!(quantity(&json!("0x1a"), "n"), Ok(26));
        assert!(quantity(&json!("1a"), "n").is_err());
        assert!(quantity(&json!(26), "n").is_err());
        assert!(quantity(&json!("0x"), "n").is_err());
        assert!(quantity(&json!("0x10000000000000000"), "n").is_err());
        assert_eq!(data(&json!("0x0102"), "d"), Ok(vec![1, 2]));
        assert!(word(&json!("0x0102"), "w").is_err());
    }

    #[test]
    fn credentials_in_urls_are_not_repeated() {
        assert_eq!(
            redact("https://user:secret@node.example/rpc"),
            "https://…@node.example/rpc"
        );
        assert_eq!(redact("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
    }
}
