//! A lying chain node for tests: a loopback JSON-RPC proxy in front of a real node that
//! forwards every call and rewrites what a [`Lie`] says to (the request before it is forwarded,
//! the answer before it is returned). Everything it does not rewrite is the real node's, so it
//! passes every check a client makes of an honest node (chain id, code, `registryId()`) and
//! lies only where the test says.
//!
//! Bound to 127.0.0.1 on a free port; each connection is served on its own thread and closed
//! after one call; the listener stops when the [`RpcProxy`] is dropped.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What a lying node changes. Both methods default to honesty.
pub trait Lie: Send + Sync {
    /// Rewrites a request's parameters before it is forwarded (e.g. asks for an older block).
    fn request(&self, _method: &str, _params: &mut Value) {}
    /// Rewrites the real node's answer to a call before it is returned.
    fn answer(&self, _method: &str, _params: &Value, _result: &mut Value) {}
}

/// Any closure over (method, params, result) is a lie about answers.
impl<F> Lie for F
where
    F: Fn(&str, &Value, &mut Value) + Send + Sync,
{
    fn answer(&self, method: &str, params: &Value, result: &mut Value) {
        self(method, params, result)
    }
}

type Shared = Arc<Mutex<Option<Arc<dyn Lie>>>>;

/// A running proxy; stopped when dropped.
pub struct RpcProxy {
    port: u16,
    lie: Shared,
    calls: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RpcProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcProxy")
            .field("port", &self.port)
            .finish()
    }
}

impl RpcProxy {
    /// Starts a proxy in front of `upstream` (an `http://` JSON-RPC URL), honest until told
    /// otherwise.
    pub fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let lie: Shared = Arc::new(Mutex::new(None));
        let calls = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, c, s) = (Arc::clone(&lie), Arc::clone(&calls), Arc::clone(&stop));
        let upstream = upstream.to_owned();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let lie = l.lock().unwrap_or_else(|e| e.into_inner()).clone();
                        let (agent, upstream, calls) =
                            (agent.clone(), upstream.clone(), Arc::clone(&c));
                        std::thread::spawn(move || {
                            calls.fetch_add(1, Ordering::Relaxed);
                            relay(stream, &agent, &upstream, lie.as_deref());
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Ok(Self {
            port,
            lie,
            calls,
            stop,
            thread: Some(thread),
        })
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From now on, lies as `lie` says.
    pub fn lie(&self, lie: impl Lie + 'static) {
        *self.lie.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(lie));
    }

    /// From now on, forwards honestly.
    pub fn honest(&self) {
        *self.lie.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// How many calls it has served.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request, forwards it, rewrites the answer, answers and closes.
fn relay(mut stream: TcpStream, agent: &ureq::Agent, upstream: &str, lie: Option<&dyn Lie>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(body) = read_request(&mut stream) else {
        return;
    };
    let Ok(call) = serde_json::from_slice::<Value>(&body) else {
        return;
    };
    let method = call["method"].as_str().unwrap_or_default().to_owned();
    let mut params = call["params"].clone();
    if let Some(lie) = lie {
        lie.request(&method, &mut params);
    }
    let forwarded = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let Ok(mut response) = agent
        .post(upstream)
        .header("content-type", "application/json")
        .send(forwarded.to_string().as_bytes())
    else {
        return;
    };
    let Ok(text) = response
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_string()
    else {
        return;
    };
    let Ok(mut answer) = serde_json::from_str::<Value>(&text) else {
        return;
    };
    answer["id"] = call["id"].clone();
    if let (Some(lie), Some(result)) = (lie, answer.get_mut("result")) {
        lie.answer(&method, &params, result);
    }
    let text = answer.to_string();
    let _ = stream.write_all(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            text.len()
        )
        .as_bytes(),
    );
    let _ = stream.write_all(text.as_bytes());
}

fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buf[..n]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            return Some(request[end + 4..end + 4 + length].to_vec());
        }
    }
}
