//! The persistent print queue: one SQLite file (WAL, `synchronous=FULL`) of jobs, so a receipt
//! the printer could not take yet survives an app restart and prints when it can. A job holds
//! the signed receipt's payload, not a rendering: it is composed again when it prints, and its
//! signature is checked again then.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('receipt', 'test')),
    receipt_id  TEXT,
    payload     TEXT NOT NULL,
    copy        INTEGER NOT NULL CHECK (copy IN (0, 1)),
    paper       TEXT NOT NULL,
    printer     TEXT NOT NULL,
    clerk       TEXT NOT NULL,
    counter     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'printing', 'waiting', 'done', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    detail      TEXT,
    queued_at   INTEGER NOT NULL,
    next_try_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    done_at     INTEGER
) STRICT;
CREATE INDEX jobs_open ON jobs (state, next_try_at) WHERE state IN ('queued', 'waiting', 'printing');
CREATE INDEX jobs_receipt ON jobs (receipt_id) WHERE receipt_id IS NOT NULL;
";

/// The queue's file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SQLite failed.
    #[error("print queue {path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file was written by a newer build.
    #[error(
        "print queue {path} has schema version {found}; this build reads up to {SCHEMA_VERSION}"
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
    },
    /// No such job, or it is finished.
    #[error("print job {0} does not exist or has finished")]
    NoSuchJob(i64),
}

/// What a job prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A verification receipt.
    Receipt,
    /// The printer test page.
    TestPage,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting its turn.
    Queued,
    /// Being sent to the printer.
    Printing,
    /// The printer could not take it; it will be tried again (see `error`).
    Waiting,
    /// Printed.
    Done,
    /// Cancelled by the clerk.
    Cancelled,
}

impl JobState {
    /// `queued`, `printing`, `waiting`, `done` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Printing => "printing",
            Self::Waiting => "waiting",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "printing" => Self::Printing,
            "waiting" => Self::Waiting,
            "done" => Self::Done,
            "cancelled" => Self::Cancelled,
            _ => Self::Queued,
        }
    }
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What it prints.
    pub kind: JobKind,
    /// The receipt's id (receipts only).
    pub receipt_id: Option<String>,
    /// The signed receipt's payload (`CSR1:…`); empty for a test page.
    pub payload: String,
    /// A reprint, marked COPY.
    pub copy: bool,
    /// Paper id (`80mm` …).
    pub paper: String,
    /// The printer it is for (its address as configured).
    pub printer: String,
    /// Who asked.
    pub clerk: String,
    /// At which counter.
    pub counter: String,
}

/// A queued job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Its number.
    pub id: i64,
    /// What was queued.
    pub job: NewJob,
    /// Where it is.
    pub state: JobState,
    /// How many times printing was tried.
    pub attempts: u32,
    /// Why it waits: a stable code (`paper_out`, `offline` …) the screen words.
    pub error: Option<String>,
    /// The printer's or the system's own words about it.
    pub detail: Option<String>,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When it is tried next.
    pub next_try_at: DateTime<Utc>,
    /// When it printed.
    pub done_at: Option<DateTime<Utc>>,
}

/// The queue file.
#[derive(Debug)]
pub struct PrintQueue {
    conn: Connection,
    path: PathBuf,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

impl PrintQueue {
    /// Opens (creating) the queue at `path`. Jobs that were being printed when the app
    /// stopped are queued again: whether they came out is unknown, and a receipt printed
    /// twice is better than one lost.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, QueueError> {
        let path = path.as_ref().to_owned();
        let err = |source| QueueError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "wal")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(QueueError::Newer {
                path,
                found: version,
            });
        }
        if version == 0 {
            conn.execute_batch(&format!(
                "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(err)?;
        }
        conn.execute(
            "UPDATE jobs SET state = 'queued' WHERE state = 'printing'",
            [],
        )
        .map_err(err)?;
        Ok(Self { conn, path })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> QueueError + '_ {
        |source| QueueError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Queues a job; returns its number. Durable when it returns.
    pub fn enqueue(&self, job: &NewJob, now: DateTime<Utc>) -> Result<i64, QueueError> {
        self.conn
            .execute(
                "INSERT INTO jobs (kind, receipt_id, payload, copy, paper, printer, clerk, counter,
                                   state, queued_at, next_try_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9, ?9, ?9)",
                params![
                    match job.kind {
                        JobKind::Receipt => "receipt",
                        JobKind::TestPage => "test",
                    },
                    job.receipt_id,
                    job.payload,
                    i64::from(job.copy),
                    job.paper,
                    job.printer,
                    job.clerk,
                    job.counter,
                    ms(now),
                ],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    fn row(row: &Row<'_>) -> rusqlite::Result<Job> {
        let kind: String = row.get("kind")?;
        let copy: i64 = row.get("copy")?;
        let state: String = row.get("state")?;
        let attempts: i64 = row.get("attempts")?;
        Ok(Job {
            id: row.get("id")?,
            job: NewJob {
                kind: if kind == "test" {
                    JobKind::TestPage
                } else {
                    JobKind::Receipt
                },
                receipt_id: row.get("receipt_id")?,
                payload: row.get("payload")?,
                copy: copy != 0,
                paper: row.get("paper")?,
                printer: row.get("printer")?,
                clerk: row.get("clerk")?,
                counter: row.get("counter")?,
            },
            state: JobState::parse(&state),
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            error: row.get("error")?,
            detail: row.get("detail")?,
            queued_at: from_ms(row.get("queued_at")?),
            next_try_at: from_ms(row.get("next_try_at")?),
            done_at: row.get::<_, Option<i64>>("done_at")?.map(from_ms),
        })
    }

    /// A job by number.
    pub fn get(&self, id: i64) -> Result<Option<Job>, QueueError> {
        self.conn
            .query_row("SELECT * FROM jobs WHERE id = ?1", [id], Self::row)
            .optional()
            .map_err(self.err())
    }

    /// The oldest job due at `now` (queued, or waiting whose retry time has come), marked
    /// `printing` in the same transaction.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Result<Option<Job>, QueueError> {
        let err = |source| QueueError::Sqlite {
            path: self.path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let job = tx
            .query_row(
                "SELECT * FROM jobs WHERE state IN ('queued', 'waiting') AND next_try_at <= ?1
                 ORDER BY next_try_at, id LIMIT 1",
                [ms(now)],
                Self::row,
            )
            .optional()
            .map_err(err)?;
        if let Some(job) = &job {
            tx.execute(
                "UPDATE jobs SET state = 'printing', attempts = attempts + 1, updated_at = ?2
                 WHERE id = ?1",
                params![job.id, ms(now)],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(job.map(|j| Job {
            state: JobState::Printing,
            attempts: j.attempts + 1,
            ..j
        }))
    }

    fn set(&self, id: i64, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<(), QueueError> {
        let n = self.conn.execute(sql, args).map_err(self.err())?;
        if n == 0 {
            return Err(QueueError::NoSuchJob(id));
        }
        Ok(())
    }

    /// The job printed.
    pub fn done(&self, id: i64, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.set(
            id,
            "UPDATE jobs SET state = 'done', error = NULL, detail = NULL, done_at = ?2,
             updated_at = ?2 WHERE id = ?1 AND state = 'printing'",
            &[&id, &ms(now)],
        )
    }

    /// The job could not print: it waits until `retry_at` (or a retry by the clerk).
    pub fn failed(
        &self,
        id: i64,
        error: &str,
        detail: &str,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        self.set(
            id,
            "UPDATE jobs SET state = 'waiting', error = ?2, detail = ?3, next_try_at = ?4,
             updated_at = ?5 WHERE id = ?1 AND state = 'printing'",
            &[&id, &error, &detail, &ms(retry_at), &ms(now)],
        )
    }

    /// The clerk asks to try again now.
    pub fn retry(&self, id: i64, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.set(
            id,
            "UPDATE jobs SET state = 'queued', next_try_at = ?2, updated_at = ?2
             WHERE id = ?1 AND state IN ('queued', 'waiting')",
            &[&id, &ms(now)],
        )
    }

    /// The clerk gives up on a job that has not printed.
    pub fn cancel(&self, id: i64, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.set(
            id,
            "UPDATE jobs SET state = 'cancelled', updated_at = ?2
             WHERE id = ?1 AND state IN ('queued', 'waiting')",
            &[&id, &ms(now)],
        )
    }

    /// Jobs not yet printed nor cancelled, oldest first.
    pub fn pending(&self) -> Result<Vec<Job>, QueueError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT * FROM jobs WHERE state IN ('queued', 'printing', 'waiting') ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt.query_map([], Self::row).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every job for a receipt (first print and reprints), oldest first.
    pub fn for_receipt(&self, receipt_id: &str) -> Result<Vec<Job>, QueueError> {
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM jobs WHERE receipt_id = ?1 ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([receipt_id], Self::row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The most recent jobs, newest first.
    pub fn recent(&self, limit: u32) -> Result<Vec<Job>, QueueError> {
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM jobs ORDER BY id DESC LIMIT ?1")
            .map_err(self.err())?;
        let rows = stmt.query_map([limit], Self::row).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, s)
            .single()
            .expect("t")
    }

    fn job(receipt: &str) -> NewJob {
        NewJob {
            kind: JobKind::Receipt,
            receipt_id: Some(receipt.into()),
            payload: format!("CSR1:{receipt}"),
            copy: false,
            paper: "80mm".into(),
            printer: "ipp://127.0.0.1:631/printers/front".into(),
            clerk: "clerk-007".into(),
            counter: "3".into(),
        }
    }

    #[test]
    fn jobs_wait_retry_and_survive_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("print-queue.sqlite");
        let mut q = PrintQueue::open(&path).expect("open");
        let a = q.enqueue(&job("R1"), t(0)).expect("a");
        let b = q.enqueue(&job("R2"), t(1)).expect("b");
        let first = q.take_due(t(2)).expect("take").expect("due");
        assert_eq!(
            (first.id, first.state, first.attempts),
            (a, JobState::Printing, 1)
        );
        q.failed(a, "paper_out", "media-empty-error", t(32), t(2))
            .expect("failed");
        // The next due job is b; a waits until its retry time.
        let second = q.take_due(t(3)).expect("take").expect("due");
        assert_eq!(second.id, b);
        assert!(q.take_due(t(4)).expect("take").is_none());
        drop(q);

        // Restart: b was printing when the app stopped, so it is queued again; a still waits.
        let mut q = PrintQueue::open(&path).expect("reopen");
        let pending = q.pending().expect("pending");
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0].state, JobState::Waiting);
        assert_eq!(pending[0].error.as_deref(), Some("paper_out"));
        assert_eq!(pending[1].state, JobState::Queued);
        let again = q.take_due(t(5)).expect("take").expect("due");
        assert_eq!((again.id, again.attempts), (b, 2));
        q.done(b, t(6)).expect("done");
        // The clerk retries a at once, then it prints.
        q.retry(a, t(7)).expect("retry");
        let a_again = q.take_due(t(7)).expect("take").expect("due");
        assert_eq!(a_again.id, a);
        q.done(a, t(8)).expect("done");
        assert!(q.pending().expect("pending").is_empty());
        assert_eq!(q.for_receipt("R1").expect("jobs").len(), 1);
    }

    #[test]
    fn a_cancelled_job_never_prints_and_finished_jobs_cannot_change() {
        let dir = tempfile::tempdir().expect("dir");
        let mut q = PrintQueue::open(dir.path().join("q.sqlite")).expect("open");
        let a = q.enqueue(&job("R1"), t(0)).expect("a");
        q.cancel(a, t(1)).expect("cancel");
        assert!(q.take_due(t(2)).expect("take").is_none());
        assert!(matches!(q.retry(a, t(3)), Err(QueueError::NoSuchJob(_))));
        assert!(matches!(q.cancel(99, t(3)), Err(QueueError::NoSuchJob(99))));
        assert_eq!(
            q.get(a).expect("get").expect("job").state,
            JobState::Cancelled
        );
    }

    #[test]
    fn a_newer_file_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("q.sqlite");
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "user_version", 9))
            .expect("newer");
        assert!(matches!(
            PrintQueue::open(&path),
            Err(QueueError::Newer { found: 9, .. })
        ));
    }
}
