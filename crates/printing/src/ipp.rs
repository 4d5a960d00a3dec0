//! A small IPP/1.1 client (RFC 8010, 8011) over plain HTTP: the three operations a counter
//! needs from a CUPS queue — print a PDF, follow the job to its end, and ask the printer how it
//! is. CUPS listens on the machine itself (`ipp://localhost:631/printers/<queue>`), so no TLS.

use std::io::Read;
use std::time::Duration;

const PRINT_JOB: u16 = 0x0002;
const CANCEL_JOB: u16 = 0x0008;
const GET_JOB_ATTRIBUTES: u16 = 0x0009;
const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;

const OPERATION_TAG: u8 = 0x01;
const END_TAG: u8 = 0x03;

const INTEGER: u8 = 0x21;
const BOOLEAN: u8 = 0x22;
const ENUM: u8 = 0x23;
const NAME: u8 = 0x42;
const KEYWORD: u8 = 0x44;
const URI: u8 = 0x45;
const CHARSET: u8 = 0x47;
const LANGUAGE: u8 = 0x48;
const MIME: u8 = 0x49;

/// Answers larger than this are refused (a printer's attributes are a few kilobytes).
const MAX_RESPONSE: u64 = 1 << 20;

/// A talk with an IPP printer went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IppError {
    /// The printer URI is not `ipp://host[:port]/path`.
    #[error("{0} is not an ipp:// printer address")]
    BadUri(String),
    /// Nothing answered.
    #[error("the print service at {uri} does not answer: {detail}")]
    Unreachable {
        /// The printer.
        uri: String,
        /// What the connection said.
        detail: String,
    },
    /// An HTTP error.
    #[error("the print service at {uri} answered HTTP {status}")]
    Http {
        /// The printer.
        uri: String,
        /// The status.
        status: u16,
    },
    /// The answer is not IPP.
    #[error("the print service at {uri} sent a malformed answer: {why}")]
    Malformed {
        /// The printer.
        uri: String,
        /// What is wrong.
        why: String,
    },
    /// The printer refused the request.
    #[error("the print service refused the request: {message} (IPP status {status:#06x})")]
    Refused {
        /// IPP status code.
        status: u16,
        /// `status-message`, or the code's name.
        message: String,
    },
}

/// An attribute value as this client reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// integer or enum.
    Int(i32),
    /// boolean.
    Bool(bool),
    /// Any string-like value (keyword, name, text, uri …).
    Text(String),
    /// Something else (dates, ranges, collections), kept raw.
    Other(u8, Vec<u8>),
}

/// An IPP response: status and attributes (all groups flattened, multi-valued kept in order).
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// IPP status code (0x0000–0x00FF are successes).
    pub status: u16,
    /// (name, values).
    pub attributes: Vec<(String, Vec<Value>)>,
}

impl Response {
    /// The values of `name`.
    pub fn get(&self, name: &str) -> Option<&[Value]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The first integer value of `name`.
    pub fn int(&self, name: &str) -> Option<i32> {
        self.get(name)?.iter().find_map(|v| match v {
            Value::Int(i) => Some(*i),
            _ => None,
        })
    }

    /// The text values of `name`.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.get(name)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| match v {
                Value::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    /// The first boolean value of `name`.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name)?.iter().find_map(|v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
    }
}

/// A request under construction.
struct Request {
    bytes: Vec<u8>,
}

impl Request {
    fn new(operation: u16, id: u32, printer_uri: &str) -> Self {
        let mut bytes = vec![1, 1];
        bytes.extend_from_slice(&operation.to_be_bytes());
        bytes.extend_from_slice(&id.to_be_bytes());
        bytes.push(OPERATION_TAG);
        let mut r = Self { bytes };
        r.attr(CHARSET, "attributes-charset", b"utf-8");
        r.attr(LANGUAGE, "attributes-natural-language", b"en");
        r.attr(URI, "printer-uri", printer_uri.as_bytes());
        r
    }

    fn attr(&mut self, tag: u8, name: &str, value: &[u8]) {
        self.bytes.push(tag);
        self.bytes
            .extend_from_slice(&(name.len() as u16).to_be_bytes());
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes
            .extend_from_slice(&(value.len().min(u16::MAX as usize) as u16).to_be_bytes());
        self.bytes
            .extend_from_slice(&value[..value.len().min(u16::MAX as usize)]);
    }

    /// An additional value of the attribute just written.
    fn more(&mut self, tag: u8, value: &[u8]) {
        self.attr(tag, "", value);
    }

    fn finish(mut self, document: &[u8]) -> Vec<u8> {
        self.bytes.push(END_TAG);
        self.bytes.extend_from_slice(document);
        self.bytes
    }
}

/// Parses an IPP response body.
pub fn parse_response(bytes: &[u8]) -> Result<Response, String> {
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let end = *at + n;
        let out = bytes.get(*at..end).ok_or("cut short")?;
        *at = end;
        Ok(out)
    };
    let mut at = 0;
    let head = take(&mut at, 8)?;
    if head[0] < 1 || head[0] > 2 {
        return Err(format!("IPP version {}.{}", head[0], head[1]));
    }
    let status = u16::from_be_bytes([head[2], head[3]]);
    let mut attributes: Vec<(String, Vec<Value>)> = Vec::new();
    loop {
        let tag = take(&mut at, 1)?[0];
        if tag == END_TAG {
            break;
        }
        if tag < 0x10 {
            // A delimiter: the next attribute group begins.
            continue;
        }
        let len = |at: &mut usize| -> Result<usize, String> {
            let b = take(at, 2)?;
            Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
        };
        let name_len = len(&mut at)?;
        let name = String::from_utf8_lossy(take(&mut at, name_len)?).into_owned();
        let value_len = len(&mut at)?;
        let raw = take(&mut at, value_len)?;
        let value = match tag {
            INTEGER | ENUM if raw.len() == 4 => {
                Value::Int(i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]))
            }
            BOOLEAN if raw.len() == 1 => Value::Bool(raw[0] != 0),
            0x41..=0x49 => Value::Text(String::from_utf8_lossy(raw).into_owned()),
            other => Value::Other(other, raw.to_vec()),
        };
        if name.is_empty() {
            match attributes.last_mut() {
                Some((_, values)) => values.push(value),
                None => return Err("an additional value with no attribute".into()),
            }
        } else {
            attributes.push((name, vec![value]));
        }
    }
    Ok(Response { status, attributes })
}

/// A client for one printer queue.
#[derive(Debug, Clone)]
pub struct IppPrinter {
    uri: String,
    http: String,
    agent: ureq::Agent,
    user: String,
}

impl IppPrinter {
    /// A client for `uri` (`ipp://host[:port]/printers/<queue>`; port 631 when absent), the
    /// jobs sent in the name of `user`.
    pub fn new(uri: &str, user: &str, timeout: Duration) -> Result<Self, IppError> {
        let rest = uri
            .strip_prefix("ipp://")
            .ok_or_else(|| IppError::BadUri(uri.to_string()))?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() || host.contains('@') {
            return Err(IppError::BadUri(uri.to_string()));
        }
        let host = if host.contains(':') && !host.ends_with(']') {
            host.to_string()
        } else {
            format!("{host}:631")
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        Ok(Self {
            uri: uri.to_string(),
            http: format!("http://{host}/{path}"),
            agent: config.into(),
            user: user.to_string(),
        })
    }

    /// The printer's URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    fn send(&self, request: Vec<u8>) -> Result<Response, IppError> {
        let unreachable = |detail: String| IppError::Unreachable {
            uri: self.uri.clone(),
            detail,
        };
        let mut response = self
            .agent
            .post(&self.http)
            .header("content-type", "application/ipp")
            .send(&request[..])
            .map_err(|e| unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(IppError::Http {
                uri: self.uri.clone(),
                status,
            });
        }
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_RESPONSE)
            .read_to_end(&mut bytes)
            .map_err(|e| unreachable(e.to_string()))?;
        let parsed = parse_response(&bytes).map_err(|why| IppError::Malformed {
            uri: self.uri.clone(),
            why,
        })?;
        if parsed.status > 0x00FF {
            let message = parsed
                .texts("status-message")
                .into_iter()
                .next()
                .unwrap_or_else(|| status_name(parsed.status).to_string());
            return Err(IppError::Refused {
                status: parsed.status,
                message,
            });
        }
        Ok(parsed)
    }

    /// Sends a PDF as a new job; returns its job id.
    pub fn print_pdf(&self, job_name: &str, pdf: &[u8]) -> Result<i32, IppError> {
        let mut r = Request::new(PRINT_JOB, 1, &self.uri);
        r.attr(NAME, "requesting-user-name", self.user.as_bytes());
        r.attr(NAME, "job-name", job_name.as_bytes());
        r.attr(MIME, "document-format", b"application/pdf");
        let response = self.send(r.finish(pdf))?;
        response.int("job-id").ok_or_else(|| IppError::Malformed {
            uri: self.uri.clone(),
            why: "no job-id in the answer to Print-Job".into(),
        })
    }

    /// A job's state (RFC 8011 §5.3.7: 3 pending … 9 completed) and its state reasons.
    pub fn job_state(&self, job_id: i32) -> Result<(i32, Vec<String>), IppError> {
        let mut r = Request::new(GET_JOB_ATTRIBUTES, 2, &self.uri);
        r.attr(INTEGER, "job-id", &job_id.to_be_bytes());
        r.attr(NAME, "requesting-user-name", self.user.as_bytes());
        r.attr(KEYWORD, "requested-attributes", b"job-state");
        r.more(KEYWORD, b"job-state-reasons");
        let response = self.send(r.finish(&[]))?;
        let state = response
            .int("job-state")
            .ok_or_else(|| IppError::Malformed {
                uri: self.uri.clone(),
                why: "no job-state".into(),
            })?;
        Ok((state, response.texts("job-state-reasons")))
    }

    /// Cancels a job (best effort: a job already finished cannot be).
    pub fn cancel(&self, job_id: i32) -> Result<(), IppError> {
        let mut r = Request::new(CANCEL_JOB, 3, &self.uri);
        r.attr(INTEGER, "job-id", &job_id.to_be_bytes());
        r.attr(NAME, "requesting-user-name", self.user.as_bytes());
        self.send(r.finish(&[])).map(|_| ())
    }

    /// The printer's state (3 idle, 4 processing, 5 stopped), state reasons, whether it
    /// accepts jobs, and its state message.
    pub fn printer_state(&self) -> Result<(i32, Vec<String>, bool, String), IppError> {
        let mut r = Request::new(GET_PRINTER_ATTRIBUTES, 4, &self.uri);
        r.attr(NAME, "requesting-user-name", self.user.as_bytes());
        r.attr(KEYWORD, "requested-attributes", b"printer-state");
        r.more(KEYWORD, b"printer-state-reasons");
        r.more(KEYWORD, b"printer-is-accepting-jobs");
        r.more(KEYWORD, b"printer-state-message");
        let response = self.send(r.finish(&[]))?;
        let state = response
            .int("printer-state")
            .ok_or_else(|| IppError::Malformed {
                uri: self.uri.clone(),
                why: "no printer-state".into(),
            })?;
        Ok((
            state,
            response.texts("printer-state-reasons"),
            response.bool("printer-is-accepting-jobs").unwrap_or(true),
            response
                .texts("printer-state-message")
                .into_iter()
                .next()
                .unwrap_or_default(),
        ))
    }
}

fn status_name(status: u16) -> &'static str {
    match status {
        0x0400 => "bad request",
        0x0401 => "forbidden",
        0x0402 => "not authenticated",
        0x0403 => "not authorized",
        0x0404 => "not possible",
        0x0406 => "not found",
        0x040A => "document format not supported",
        0x0500 => "internal error",
        0x0506 => "not accepting jobs",
        0x0507 => "busy",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_well_formed_and_a_response_parses() {
        let mut r = Request::new(GET_PRINTER_ATTRIBUTES, 7, "ipp://127.0.0.1:631/printers/x");
        r.attr(KEYWORD, "requested-attributes", b"printer-state");
        r.more(KEYWORD, b"printer-state-reasons");
        let bytes = r.finish(&[]);
        assert_eq!(&bytes[..8], &[1, 1, 0, 0x0B, 0, 0, 0, 7]);
        assert_eq!(bytes[8], OPERATION_TAG);
        assert_eq!(*bytes.last().expect("end"), END_TAG);

        // status 0, one group: printer-state enum 5, printer-state-reasons two keywords.
        let mut resp = vec![1, 1, 0, 0, 0, 0, 0, 7, 0x04];
        let mut push = |tag: u8, name: &str, value: &[u8]| {
            resp.push(tag);
            resp.extend_from_slice(&(name.len() as u16).to_be_bytes());
            resp.extend_from_slice(name.as_bytes());
            resp.extend_from_slice(&(value.len() as u16).to_be_bytes());
            resp.extend_from_slice(value);
        };
        push(ENUM, "printer-state", &5i32.to_be_bytes());
        push(KEYWORD, "printer-state-reasons", b"media-empty-error");
        push(KEYWORD, "", b"paused");
        resp.push(END_TAG);
        let parsed = parse_response(&resp).expect("parse");
        assert_eq!(parsed.int("printer-state"), Some(5));
        assert_eq!(
            parsed.texts("printer-state-reasons"),
            ["media-empty-error", "paused"]
        );
    }

    #[test]
    fn broken_answers_and_addresses_are_refused() {
        assert!(parse_response(&[1, 1, 0]).is_err());
        assert!(parse_response(&[1, 1, 0, 0, 0, 0, 0, 1, 0x04, 0x44, 0, 5, b'a']).is_err());
        assert!(parse_response(&[9, 1, 0, 0, 0, 0, 0, 1, 3]).is_err());
        for bad in ["http://x/printers/a", "ipp:///printers/a", "ipp://u@h/p"] {
            assert!(
                IppPrinter::new(bad, "u", Duration::from_secs(1)).is_err(),
                "{bad}"
            );
        }
        let p = IppPrinter::new("ipp://localhost/printers/a", "u", Duration::from_secs(1))
            .expect("uri");
        assert_eq!(p.http, "http://localhost:631/printers/a");
    }
}
