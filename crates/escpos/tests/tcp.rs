//! The TCP transport against a stand-in network printer on loopback: a thread that records
//! every byte and answers status requests as told.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{receipt, without_status_requests, Responder};
use countersign_escpos::interpret::{interpret, Item};
use countersign_escpos::{
    encode, print, EscPosError, PrinterProfile, PrinterStatus, StatusFlags, TcpOptions,
    TcpTransport, Transport, UnknownStatus,
};
use countersign_printdoc::fonts::Fonts;
use countersign_printdoc::Paper;

/// Generous: CI machines are slow and busy. Nothing waits this long when things work.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A printer on 127.0.0.1:<free port> taking one connection. Stopped and joined on drop.
struct FakePrinter {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    recorded: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl FakePrinter {
    /// `answers`: the status bytes for n = 1, 2, 4, or `None` to never answer. `reads`:
    /// whether it reads at all (a printer that has stopped does not).
    fn start(answers: Option<[u8; 3]>, reads: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, recorded) = mpsc::channel();
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut stream = loop {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => panic!("accept: {e}"),
                }
            };
            stream.set_nonblocking(false).expect("blocking stream");
            stream
                .set_read_timeout(Some(Duration::from_millis(20)))
                .expect("read timeout");
            let mut received = Vec::new();
            let mut responder = Responder::new(answers);
            let mut buf = vec![0u8; 64 * 1024];
            while !stopped.load(Ordering::Relaxed) {
                if !reads {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        received.extend_from_slice(&buf[..n]);
                        let reply = responder.reply(&received);
                        if !reply.is_empty() {
                            // The client may be gone already; the recording still counts.
                            let _ = stream.write_all(&reply);
                        }
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(received);
        });
        Self {
            addr,
            stop,
            recorded,
            thread: Some(thread),
        }
    }

    fn target(&self) -> String {
        self.addr.to_string()
    }

    /// Everything received, once the client has closed the connection.
    fn recorded(&self) -> Vec<u8> {
        self.recorded
            .recv_timeout(TIMEOUT)
            .expect("the printer thread saw the connection close")
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // A panic in the thread has already failed the test through a missing recording.
            let _ = thread.join();
        }
    }
}

fn connect(printer: &FakePrinter) -> TcpTransport {
    TcpTransport::connect(&printer.target(), TcpOptions::default()).expect("connects")
}

#[test]
fn a_job_reaches_the_printer_and_reads_back_as_the_document() {
    let printer = FakePrinter::start(Some(common::READY), true);
    let doc = receipt(Paper::Roll80);
    let profile = PrinterProfile::roll80();
    let fonts = Fonts::embedded_only();
    let mut transport = connect(&printer);
    let report = print(&doc, &profile, &fonts, &mut transport).expect("prints");
    assert_eq!(
        report.status,
        PrinterStatus::Reported(StatusFlags::default())
    );
    assert_eq!(report.status.ready(), Some(true));
    transport.close().expect("closes");

    let recorded = printer.recorded();
    let bytes = encode(&doc, &profile, &fonts).expect("encodes");
    assert_eq!(report.bytes, bytes.len());
    // The status requests, then the job, byte for byte.
    assert_eq!(recorded[..9], [0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 4]);
    assert_eq!(recorded[9..], bytes[..], "the job arrived changed");
    let items = without_status_requests(interpret(&recorded).expect("interprets"));
    assert_eq!(
        common::got_lines(&items),
        common::expected_lines(&doc, &profile)
    );
    assert!(items.iter().any(|i| matches!(i, Item::Qr(_))));
    assert!(matches!(items.last(), Some(Item::Cut { .. })));
}

#[test]
fn a_printer_reporting_a_problem_gets_no_job() {
    let cases = [
        (
            common::PAPER_OUT,
            "printer.paper_out",
            "the printer is out of paper",
        ),
        (
            common::COVER_OPEN,
            "printer.cover_open",
            "the printer's cover is open",
        ),
        (
            common::ERROR,
            "printer.error",
            "the printer reports an error (cutter jam, overheating or a fault)",
        ),
        (common::OFFLINE, "printer.offline", "the printer is offline"),
    ];
    for (answers, code, message) in cases {
        let printer = FakePrinter::start(Some(answers), true);
        let mut transport = connect(&printer);
        let status = transport.status().expect("status");
        assert_eq!(status.ready(), Some(false), "{code}: {status:?}");
        let err = print(
            &receipt(Paper::Roll80),
            &PrinterProfile::roll80(),
            &Fonts::embedded_only(),
            &mut transport,
        )
        .expect_err(code);
        assert_eq!((err.code(), err.to_string().as_str()), (code, message));
        drop(transport);
        // Only the two rounds of status requests arrived, no job.
        let recorded = printer.recorded();
        assert_eq!(
            recorded,
            [0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 4].repeat(2),
            "{code}"
        );
    }
}

#[test]
fn status_flags_are_decoded() {
    let printer = FakePrinter::start(Some(common::PAPER_OUT), true);
    let mut transport = connect(&printer);
    let PrinterStatus::Reported(flags) = transport.status().expect("status") else {
        panic!("no status reported");
    };
    assert!(flags.paper_out && flags.offline && !flags.cover_open && !flags.error);

    let printer = FakePrinter::start(Some(common::NEAR_END), true);
    let mut transport = connect(&printer);
    let status = transport.status().expect("status");
    let PrinterStatus::Reported(flags) = status else {
        panic!("no status reported");
    };
    assert!(flags.paper_near_end && status.ready() == Some(true));

    let printer = FakePrinter::start(Some([0xFF, 0x12, 0x12]), true);
    let mut transport = connect(&printer);
    assert_eq!(
        transport.status().expect("status"),
        PrinterStatus::Unknown(UnknownStatus::Garbled { byte: 0xFF })
    );
}

#[test]
fn a_silent_printer_has_unknown_status_quickly_and_still_gets_the_job() {
    let printer = FakePrinter::start(None, true);
    let mut transport = connect(&printer);
    let asked = Instant::now();
    let status = transport.status().expect("status");
    let took = asked.elapsed();
    assert_eq!(
        status,
        PrinterStatus::Unknown(UnknownStatus::NoAnswer {
            waited: TcpOptions::default().status_timeout
        })
    );
    assert_eq!(status.ready(), None, "unknown is never ready");
    assert!(took < Duration::from_secs(3), "status took {took:?}");

    // print() sends anyway and says it does not know.
    let doc = receipt(Paper::Roll80);
    let report = print(
        &doc,
        &PrinterProfile::roll80(),
        &Fonts::embedded_only(),
        &mut transport,
    )
    .expect("sent");
    assert!(matches!(
        report.status,
        PrinterStatus::Unknown(UnknownStatus::NoAnswer { .. })
    ));
    drop(transport);
    let items = without_status_requests(interpret(&printer.recorded()).expect("interprets"));
    assert_eq!(
        common::got_lines(&items),
        common::expected_lines(&doc, &PrinterProfile::roll80())
    );
}

#[test]
fn nothing_listening_is_a_connect_error() {
    // A port that was free a moment ago: bind, note it, let it go.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let err = TcpTransport::connect(&addr.to_string(), TcpOptions::default())
        .expect_err("nothing listens");
    assert!(matches!(err, EscPosError::Connect { .. }), "{err:?}");
    assert_eq!(err.code(), "printer.connect");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot connect to the printer at {addr}: "))
            && message.contains("refused"),
        "{message}"
    );
}

#[test]
fn a_printer_that_stops_reading_times_out() {
    let printer = FakePrinter::start(Some(common::READY), false);
    let options = TcpOptions {
        write_timeout: Duration::from_millis(200),
        ..TcpOptions::default()
    };
    let mut transport = TcpTransport::connect(&printer.target(), options).expect("connects");
    // Fill the socket buffers on both sides (a few MB on loopback) until a write blocks.
    let chunk = vec![b'x'; 1 << 20];
    let started = Instant::now();
    let err = loop {
        if let Err(e) = transport.send(&chunk) {
            break e;
        }
        assert!(started.elapsed() < TIMEOUT, "writes never blocked");
    };
    assert!(
        matches!(err, EscPosError::TimedOut { after, .. } if after == Duration::from_millis(200)),
        "{err:?}"
    );
    assert_eq!(err.code(), "printer.timeout");
}
