//! Network printers: raw TCP on port 9100 ("JetDirect"), one connection per job.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::{query_status, EscPosError, Transport};
use crate::commands::status_request;
use crate::status::PrinterStatus;

/// Timeouts for a network printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOptions {
    /// How long to wait for the connection (a switched-off printer on the LAN does not
    /// refuse, it is silent).
    pub connect_timeout: Duration,
    /// How long one write may block; a printer out of paper stops reading and the write
    /// blocks.
    pub write_timeout: Duration,
    /// How long to wait for each status answer.
    pub status_timeout: Duration,
}

impl Default for TcpOptions {
    /// 3 s to connect, 10 s per write, 800 ms per status answer (printers answer within
    /// milliseconds; the rest is a busy Wi-Fi's slack).
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(10),
            status_timeout: Duration::from_millis(800),
        }
    }
}

/// A network printer's raw port. Many printers take one connection at a time, so connect
/// for a job and drop (or [`TcpTransport::close`]) after it.
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
    target: String,
    options: TcpOptions,
    closed: bool,
}

impl TcpTransport {
    /// The raw printing port.
    pub const DEFAULT_PORT: u16 = 9100;

    /// Connects to `target`: `host`, `host:port`, `ip`, `ip:port` or `[ipv6]:port`; the port
    /// is 9100 when not given.
    ///
    /// # Errors
    /// [`EscPosError::Connect`] when the name does not resolve, the connection is refused or
    /// nothing answers within the connect timeout.
    pub fn connect(target: &str, options: TcpOptions) -> Result<Self, EscPosError> {
        let target = target.trim();
        let connect_error = |source| EscPosError::Connect {
            target: target.to_owned(),
            source,
        };
        let addrs = resolve(target).map_err(connect_error)?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, options.connect_timeout) {
                Ok(stream) => {
                    let setup = |s: &TcpStream| -> io::Result<()> {
                        s.set_write_timeout(Some(options.write_timeout))?;
                        // Status requests are 3 bytes; Nagle would hold them back.
                        s.set_nodelay(true)
                    };
                    setup(&stream).map_err(|source| EscPosError::Connect {
                        target: addr.to_string(),
                        source,
                    })?;
                    return Ok(Self {
                        stream,
                        target: addr.to_string(),
                        options,
                        closed: false,
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(connect_error(last))
    }

    /// The address connected to.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Ends the job: no more data is sent, and the printer's last words (if any) are read,
    /// so the connection closes with FIN, not RST. On Linux, closing a socket with unread
    /// input sends RST, and some printers discard a job they have not printed yet on RST.
    ///
    /// # Errors
    /// [`EscPosError::WriteFailed`] if the connection cannot be shut down.
    pub fn close(mut self) -> Result<(), EscPosError> {
        self.close_gracefully()
    }

    fn close_gracefully(&mut self) -> Result<(), EscPosError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.stream
            .shutdown(Shutdown::Write)
            .map_err(|source| EscPosError::WriteFailed {
                target: self.target.clone(),
                source,
            })?;
        // Read until the printer closes its side, for a short while.
        let deadline = Instant::now() + Duration::from_millis(300);
        let mut buf = [0u8; 256];
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if left.is_zero() || self.stream.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        Ok(())
    }

    fn write_error(&self, source: io::Error) -> EscPosError {
        match source.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => EscPosError::TimedOut {
                target: self.target.clone(),
                after: self.options.write_timeout,
            },
            _ => EscPosError::WriteFailed {
                target: self.target.clone(),
                source,
            },
        }
    }

    fn read_error(&self, source: io::Error) -> EscPosError {
        EscPosError::ReadFailed {
            target: self.target.clone(),
            source,
        }
    }

    /// Discards what the printer sent unasked (late status answers, automatic status
    /// back), so the next answer read is the answer to the next request.
    fn drain(&mut self) -> Result<(), EscPosError> {
        self.stream
            .set_nonblocking(true)
            .map_err(|e| self.read_error(e))?;
        let mut buf = [0u8; 256];
        let result = loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    break Err(EscPosError::Disconnected {
                        target: self.target.clone(),
                    })
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(self.read_error(e)),
            }
        };
        self.stream
            .set_nonblocking(false)
            .map_err(|e| self.read_error(e))?;
        result
    }

    fn ask(&mut self, n: u8) -> Result<Option<u8>, EscPosError> {
        self.stream
            .write_all(&status_request(n))
            .map_err(|e| self.write_error(e))?;
        let mut byte = [0u8; 1];
        loop {
            match self.stream.read(&mut byte) {
                Ok(0) => {
                    return Err(EscPosError::Disconnected {
                        target: self.target.clone(),
                    })
                }
                Ok(_) => return Ok(Some(byte[0])),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.read_error(e)),
            }
        }
    }
}

impl Transport for TcpTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), EscPosError> {
        self.stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush())
            .map_err(|e| self.write_error(e))
    }

    fn status(&mut self) -> Result<PrinterStatus, EscPosError> {
        self.drain()?;
        let waited = self.options.status_timeout;
        self.stream
            .set_read_timeout(Some(waited))
            .map_err(|e| self.read_error(e))?;
        query_status(waited, |n| self.ask(n))
    }
}

impl Drop for TcpTransport {
    fn drop(&mut self) {
        // Nothing to report to from here; `close` is the way to hear about failures.
        let _ = self.close_gracefully();
    }
}

fn resolve(target: &str) -> io::Result<Vec<SocketAddr>> {
    if let Ok(addr) = target.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    if let Ok(ip) = target.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, TcpTransport::DEFAULT_PORT)]);
    }
    let addrs: Vec<SocketAddr> = if target.contains(':') {
        target.to_socket_addrs()?.collect()
    } else {
        (target, TcpTransport::DEFAULT_PORT)
            .to_socket_addrs()?
            .collect()
    };
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_default_to_port_9100() {
        let v4: SocketAddr = "192.0.2.7:9100".parse().expect("address");
        assert_eq!(resolve("192.0.2.7").ok(), Some(vec![v4]));
        let other: SocketAddr = "192.0.2.7:9101".parse().expect("address");
        assert_eq!(resolve("192.0.2.7:9101").ok(), Some(vec![other]));
        let v6: SocketAddr = "[::1]:9100".parse().expect("address");
        assert_eq!(resolve("::1").ok(), Some(vec![v6]));
        let localhost = resolve("localhost").expect("localhost resolves");
        assert!(localhost.iter().all(|a| a.port() == 9100), "{localhost:?}");
    }
}
