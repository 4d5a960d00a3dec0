//! The hall's clock, injected into every flow that asks what time it is.

use chrono::{DateTime, Duration, Utc};
use std::time::Instant;

/// What time it is for the counter. In a hall it is the system's clock. A test, a training
/// room or a demo starts it at a chosen instant and it then advances with real time, so what
/// the screens call "today", which entries are of this morning and when a day may be closed
/// never depend on the hour or the date the program happens to run at.
#[derive(Debug, Clone, Copy)]
pub struct HallClock {
    /// `None`: the system clock. Otherwise the chosen instant and when it was chosen.
    started: Option<(DateTime<Utc>, Instant)>,
}

impl HallClock {
    /// The system's clock.
    pub fn system() -> Self {
        Self { started: None }
    }

    /// A clock that reads `at` now and advances with real (monotonic) time from here.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self {
            started: Some((at, Instant::now())),
        }
    }

    /// Whether this is the system's clock (the doctor and the status bar say when it is not).
    pub fn is_system(&self) -> bool {
        self.started.is_none()
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self.started {
            None => Utc::now(),
            Some((at, since)) => {
                // A monotonic elapsed time cannot step back; it overflows chrono's range only
                // after some 292 billion years.
                let elapsed = Duration::from_std(since.elapsed()).unwrap_or(Duration::zero());
                at + elapsed
            }
        }
    }
}

impl Default for HallClock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_clock_begins_at_its_instant_and_moves_forward() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T15:00:00-06:00")
            .expect("time")
            .with_timezone(&Utc);
        let clock = HallClock::starting_at(at);
        let first = clock.now();
        let second = clock.now();
        assert!(first >= at && first - at < Duration::seconds(60));
        assert!(second >= first);
        assert!(!clock.is_system());
        assert!(HallClock::system().is_system());
    }
}
