//! Timestamps are stored and returned as UTC text in one fixed-width format, so that text order
//! is time order in SQLite and every value deserializes as a datetime in the client.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Format a UTC instant as `2026-01-31T12:00:00.123456Z`.
pub fn format_utc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The current time, strictly later than any earlier call in this process, so that "newest
/// first" is a total order even for rows written in the same microsecond.
pub fn now() -> String {
    static LAST_MICROS: AtomicI64 = AtomicI64::new(0);
    let wall = Utc::now().timestamp_micros();
    let previous = LAST_MICROS
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(wall.max(last + 1))
        })
        .unwrap_or(wall);
    let micros = wall.max(previous + 1);
    format_utc(DateTime::from_timestamp_micros(micros).unwrap_or_else(Utc::now))
}

/// Parse an RFC 3339 instant with a zone (`Z` or an offset) and normalize it to UTC.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Parse ISO 8601 with or without a zone; a value without one is taken as UTC.
pub fn parse_iso8601(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    parse_rfc3339(text).or_else(|| {
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fixed_width_utc_with_micros() {
        let at = parse_rfc3339("2026-01-31T13:00:00+01:00").unwrap();
        assert_eq!(format_utc(at), "2026-01-31T12:00:00.000000Z");
    }

    #[test]
    fn now_is_strictly_increasing() {
        let times: Vec<String> = (0..1000).map(|_| now()).collect();
        assert!(times.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn iso8601_without_zone_is_utc() {
        let at = parse_iso8601("2026-01-31T12:00:00").unwrap();
        assert_eq!(format_utc(at), "2026-01-31T12:00:00.000000Z");
        assert!(parse_iso8601("yesterday").is_none());
    }
}
