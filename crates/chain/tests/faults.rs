//! A node that misbehaves: a loopback server (127.0.0.1, stopped by the test) answering
//! malformed JSON-RPC, wrong types, huge bodies, HTTP errors, or nothing at all. Each must give
//! a clear, specific error, quickly, and never a decoded answer.

use countersign_chain::{Registry, RegistryError, RpcError, RpcOptions};
use countersign_credential::RegistryRef;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the fake node does with each request.
#[derive(Clone, Copy)]
enum Behaviour {
    NotJson,
    WrongId,
    WrongType,
    Huge,
    Silent,
    Http(u16),
    NoResult,
    BadLogs,
}

struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let (s, r) = (stop.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        r.fetch_add(1, Ordering::Relaxed);
                        if let Some(kept) = serve(stream, behaviour) {
                            held.push(kept);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            port,
            stop,
            requests,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one HTTP request and answers per `behaviour`; returns the stream when it must be kept
/// open without an answer.
fn serve(mut stream: TcpStream, behaviour: Behaviour) -> Option<TcpStream> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    // Headers, then a body of content-length bytes.
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&request).to_string();
    let body_start = text.find("\r\n\r\n").map_or(0, |i| i + 4);
    let body: serde_json::Value = serde_json::from_str(&text[body_start..]).unwrap_or_default();
    let id = body["id"].clone();
    let answer = |stream: &mut TcpStream, status: u16, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match behaviour {
        Behaviour::NotJson => answer(&mut stream, 200, b"<html>bad gateway</html>"),
        Behaviour::WrongId => answer(
            &mut stream,
            200,
            serde_json::json!({"jsonrpc": "2.0", "id": 999_999, "result": "0x7a69"})
                .to_string()
                .as_bytes(),
        ),
        Behaviour::WrongType => answer(
            &mut stream,
            200,
            serde_json::json!({"jsonrpc": "2.0", "id": id, "result": 31337})
                .to_string()
                .as_bytes(),
        ),
        Behaviour::Huge => {
            // Claims 64 MiB and streams it until the client hangs up.
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 67108864\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x");
            let chunk = vec![b'a'; 64 * 1024];
            for _ in 0..1024 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
        Behaviour::Silent => return Some(stream),
        Behaviour::Http(status) => answer(&mut stream, status, b"{}"),
        Behaviour::NoResult => answer(
            &mut stream,
            200,
            serde_json::json!({"jsonrpc": "2.0", "id": id})
                .to_string()
                .as_bytes(),
        ),
        Behaviour::BadLogs => {
            let result = match body["method"].as_str() {
                Some("eth_chainId") => serde_json::json!("0x7a69"),
                Some("eth_getLogs") => {
                    serde_json::json!([{"address": "0x5fbdb2315678afecb367f032d93f642f64180aa3", "topics": "nope"}])
                }
                _ => serde_json::Value::Null,
            };
            answer(
                &mut stream,
                200,
                serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result})
                    .to_string()
                    .as_bytes(),
            );
        }
    }
    None
}

fn registry() -> RegistryRef {
    "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3"
        .parse()
        .expect("registry")
}

fn quick() -> RpcOptions {
    RpcOptions {
        timeout: Duration::from_millis(700),
        attempts: 2,
        backoff: Duration::from_millis(10),
        max_response_bytes: 1024 * 1024,
        ..RpcOptions::default()
    }
}

fn connect(server: &Server) -> RegistryError {
    Registry::connect(&server.url(), &registry(), quick()).expect_err("must be refused")
}

#[test]
fn a_body_that_is_not_json_is_malformed() {
    let server = Server::start(Behaviour::NotJson);
    let err = connect(&server);
    assert!(
        matches!(&err, RegistryError::Rpc(RpcError::Malformed { method, detail, .. }) if method == "eth_chainId" && detail.contains("not JSON")),
        "{err}"
    );
}

#[test]
fn an_answer_to_another_request_is_malformed() {
    let server = Server::start(Behaviour::WrongId);
    let err = connect(&server);
    assert!(
        err.to_string().contains("answer is not for request id"),
        "{err}"
    );
}

#[test]
fn a_number_where_hex_is_due_is_refused() {
    let server = Server::start(Behaviour::WrongType);
    let err = connect(&server);
    assert!(
        matches!(&err, RegistryError::Decode { what, detail, .. } if what == "eth_chainId" && detail.contains("not a hex string")),
        "{err}"
    );
}

#[test]
fn neither_result_nor_error_is_malformed() {
    let server = Server::start(Behaviour::NoResult);
    let err = connect(&server);
    assert!(
        err.to_string().contains("neither result nor error"),
        "{err}"
    );
}

#[test]
fn a_huge_answer_is_cut_off_at_the_cap() {
    let server = Server::start(Behaviour::Huge);
    let started = Instant::now();
    let err = connect(&server);
    assert!(
        matches!(
            &err,
            RegistryError::Rpc(RpcError::TooLarge {
                limit: 1_048_576,
                ..
            })
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_silent_node_times_out_after_bounded_retries() {
    let server = Server::start(Behaviour::Silent);
    let started = Instant::now();
    let err = connect(&server);
    assert!(
        matches!(
            &err,
            RegistryError::Rpc(RpcError::Timeout { millis: 700, .. })
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("did not answer within 0.7 s"),
        "{err}"
    );
    // Two attempts of 0.7 s and one backoff: well under the time a clerk would wait for.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests.load(Ordering::Relaxed), 2);
}

#[test]
fn a_rate_limit_is_an_http_error_and_retried() {
    let server = Server::start(Behaviour::Http(429));
    let err = connect(&server);
    assert!(
        matches!(&err, RegistryError::Rpc(RpcError::Http { status: 429, .. })),
        "{err}"
    );
    assert_eq!(server.requests.load(Ordering::Relaxed), 2);
    let chain_error = countersign_chainstate::ChainError::from(err);
    assert!(matches!(
        chain_error,
        countersign_chainstate::ChainError::Unavailable(_)
    ));
}

#[test]
fn nobody_listening_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let err = Registry::connect(&format!("http://127.0.0.1:{port}"), &registry(), quick())
        .expect_err("nobody there");
    assert!(
        matches!(&err, RegistryError::Rpc(RpcError::Unreachable { .. })),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("cannot reach http://127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn malformed_logs_are_refused_not_skipped() {
    let server = Server::start(Behaviour::BadLogs);
    let registry = Registry::unchecked(&server.url(), &registry(), quick());
    let err = registry.events(0, 10).expect_err("bad logs");
    assert!(
        err.to_string().contains("log 0: topics is not an array"),
        "{err}"
    );
}
