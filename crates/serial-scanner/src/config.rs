//! The scanner's settings, as a hall's configuration file carries them.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::ScannerError;

/// Where the scanner is and how its output is split into scans.
///
/// In a configuration file the two durations are whole milliseconds, named `idle_end_ms` and
/// `reconnect_every_ms`; every field but `path` may be left out:
///
/// ```
/// # use countersign_serial_scanner::SerialConfig;
/// # use std::time::Duration;
/// let config: SerialConfig = serde_json::from_str(
///     r#"{ "path": "/dev/serial/by-id/usb-Scanner-if00", "idle_end_ms": null }"#,
/// )?;
/// assert_eq!(config.baud_rate, 9600);
/// assert_eq!(config.idle_end, None);
/// assert_eq!(config.reconnect_every, Duration::from_secs(2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialConfig {
    /// The port. On Linux prefer `/dev/serial/by-id/…`: `/dev/ttyACM0` may come back as
    /// `/dev/ttyACM1` after the scanner is replugged while the old one was still open.
    pub path: PathBuf,
    /// Line speed. CDC-ACM scanners ignore it; RS-232 scanners must match it.
    #[serde(default = "default_baud_rate")]
    pub baud_rate: u32,
    /// A pause that ends a scan when the scanner sends no suffix (`None`: only a suffix ends
    /// a scan). Must be longer than any gap inside one scan's transmission.
    #[serde(
        rename = "idle_end_ms",
        default = "default_idle_end",
        deserialize_with = "optional_millis"
    )]
    pub idle_end: Option<Duration>,
    /// The longest scan in bytes; longer lines are rejected.
    #[serde(default = "default_max_len")]
    pub max_len: usize,
    /// How often to try opening the port while it is down.
    #[serde(
        rename = "reconnect_every_ms",
        default = "default_reconnect_every",
        deserialize_with = "millis"
    )]
    pub reconnect_every: Duration,
}

impl SerialConfig {
    /// The defaults for a scanner at `path`: 9600 baud, a 150 ms pause ends a scan without
    /// suffix, scans up to 8192 bytes (the largest CS1 payload is about 4,300), reconnect
    /// every 2 s.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud_rate: default_baud_rate(),
            idle_end: default_idle_end(),
            max_len: default_max_len(),
            reconnect_every: default_reconnect_every(),
        }
    }

    /// Refuses settings the reader cannot work with.
    pub(crate) fn validate(&self) -> Result<(), ScannerError> {
        let invalid = |field, reason| Err(ScannerError::InvalidConfig { field, reason });
        if self.path.as_os_str().is_empty() {
            return invalid("path", "must name the scanner's port");
        }
        if self.path.to_str().is_none() {
            return invalid("path", "must be valid UTF-8");
        }
        if self.baud_rate == 0 {
            return invalid("baud_rate", "must be more than zero");
        }
        if self.idle_end == Some(Duration::ZERO) {
            // Zero would end a scan at every gap between reads; `None` is how to turn it off.
            return invalid(
                "idle_end",
                "must be more than zero (or absent to turn it off)",
            );
        }
        if self.max_len == 0 {
            return invalid("max_len", "must be more than zero");
        }
        if self.reconnect_every.is_zero() {
            return invalid("reconnect_every", "must be more than zero");
        }
        Ok(())
    }
}

/// The defaults with an empty path, for `SerialConfig { path, ..SerialConfig::default() }`;
/// [`SerialScanner::start`](crate::SerialScanner::start) refuses it until a path is set.
impl Default for SerialConfig {
    fn default() -> Self {
        Self::new(PathBuf::new())
    }
}

fn default_baud_rate() -> u32 {
    9600
}

fn default_idle_end() -> Option<Duration> {
    Some(Duration::from_millis(150))
}

fn default_max_len() -> usize {
    8192
}

fn default_reconnect_every() -> Duration {
    Duration::from_secs(2)
}

fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_millis)
}

fn optional_millis<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    Option::<u64>::deserialize(deserializer).map(|ms| ms.map(Duration::from_millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<SerialConfig, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn only_the_path_is_required() {
        let config = parse(r#"{"path": "/dev/ttyACM0"}"#).expect("parses");
        assert_eq!(config, SerialConfig::new("/dev/ttyACM0"));
        assert_eq!(config.idle_end, Some(Duration::from_millis(150)));
        assert_eq!(config.max_len, 8192);
    }

    #[test]
    fn every_field_can_be_set() {
        let config = parse(
            r#"{"path": "COM3", "baud_rate": 115200, "idle_end_ms": 80,
                "max_len": 5000, "reconnect_every_ms": 500}"#,
        )
        .expect("parses");
        assert_eq!(
            config,
            SerialConfig {
                path: "COM3".into(),
                baud_rate: 115200,
                idle_end: Some(Duration::from_millis(80)),
                max_len: 5000,
                reconnect_every: Duration::from_millis(500),
            }
        );
        let off = parse(r#"{"path": "COM3", "idle_end_ms": null}"#).expect("parses");
        assert_eq!(off.idle_end, None);
    }

    #[test]
    fn unknown_and_misspelt_fields_are_refused() {
        for json in [
            r#"{"path": "/dev/ttyACM0", "baud": 9600}"#,
            r#"{"path": "/dev/ttyACM0", "idle_end": 150}"#,
            r#"{"path": "/dev/ttyACM0", "reconnect_every_ms": "2s"}"#,
            r#"{"baud_rate": 9600}"#,
        ] {
            assert!(parse(json).is_err(), "{json} was accepted");
        }
    }

    #[test]
    fn unusable_settings_are_refused() {
        let base = SerialConfig::new("/dev/ttyACM0");
        assert!(base.validate().is_ok());
        let cases = [
            ("path", SerialConfig::default()),
            (
                "baud_rate",
                SerialConfig {
                    baud_rate: 0,
                    ..base.clone()
                },
            ),
            (
                "idle_end",
                SerialConfig {
                    idle_end: Some(Duration::ZERO),
                    ..base.clone()
                },
            ),
            (
                "max_len",
                SerialConfig {
                    max_len: 0,
                    ..base.clone()
                },
            ),
            (
                "reconnect_every",
                SerialConfig {
                    reconnect_every: Duration::ZERO,
                    ..base.clone()
                },
            ),
        ];
        for (name, config) in cases {
            match config.validate() {
                Err(ScannerError::InvalidConfig { field, .. }) => assert_eq!(field, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        let no_timeout = SerialConfig {
            idle_end: None,
            ..base
        };
        assert!(no_timeout.validate().is_ok());
    }
}
