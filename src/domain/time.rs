//! Instants, stored and answered as UTC text in one fixed-width format
//! (`2026-01-31T12:00:00.123456Z`): every value deserializes as a datetime in the client, and in
//! SQLite text order is time order. In Rust they compare as instants, never as text.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// `2026-01-31T12:00:00.123456Z`
const FIXED_WIDTH: usize = 27;

impl Timestamp {
    /// The current time, strictly later than any earlier call in this process, so that "newest
    /// first" is a total order even for rows written in the same microsecond.
    pub fn now() -> Timestamp {
        static LAST_MICROS: AtomicI64 = AtomicI64::new(0);
        let wall = Utc::now().timestamp_micros();
        let previous = LAST_MICROS
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(wall.max(last + 1))
            })
            .unwrap_or(wall);
        let micros = wall.max(previous + 1);
        Timestamp(DateTime::from_timestamp_micros(micros).unwrap_or_else(Utc::now))
    }

    /// RFC 3339 with a zone (`Z` or an offset), normalized to UTC.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|at| Timestamp(at.with_timezone(&Utc)))
    }

    /// ISO 8601 with or without a zone; a value without one is taken as UTC.
    pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        Timestamp::parse_rfc3339(text).or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|naive| Timestamp(naive.and_utc()))
        })
    }

    /// The stored form, read without chrono's general parser when it has the fixed width.
    fn parse_stored(text: &str) -> Option<Timestamp> {
        Timestamp::parse_fixed_width(text).or_else(|| Timestamp::parse_rfc3339(text))
    }

    fn parse_fixed_width(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        let shape_ok = b.len() == FIXED_WIDTH
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'.'
            && b[26] == b'Z';
        if !shape_ok {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |n, &digit| {
                digit
                    .is_ascii_digit()
                    .then(|| n * 10 + u32::from(digit - b'0'))
            })
        };
        let date = NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
        let time = date.and_hms_micro_opt(
            number(11..13)?,
            number(14..16)?,
            number(17..19)?,
            number(20..26)?,
        )?;
        Some(Timestamp(time.and_utc()))
    }

    /// Write the fixed-width form into `buf` and return it. Years outside 0..=9999 and leap
    /// seconds take chrono's general formatter (and the `None` here).
    fn format_fixed_width(self, buf: &mut [u8; FIXED_WIDTH]) -> Option<&str> {
        let at = self.0;
        let (year, nanos) = (at.year(), at.nanosecond());
        if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
            return None;
        }
        let fields = [
            (0, 4, year as u32),
            (5, 2, at.month()),
            (8, 2, at.day()),
            (11, 2, at.hour()),
            (14, 2, at.minute()),
            (17, 2, at.second()),
            (20, 6, nanos / 1000),
        ];
        *buf = *b"0000-00-00T00:00:00.000000Z";
        for (start, width, mut value) in fields {
            for slot in buf[start..start + width].iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        std::str::from_utf8(buf).ok()
    }

    fn with_text<T>(self, use_text: impl FnOnce(&str) -> T) -> T {
        let mut buf = [0u8; FIXED_WIDTH];
        match self.format_fixed_width(&mut buf) {
            Some(text) => use_text(text),
            None => use_text(&self.0.to_rfc3339_opts(SecondsFormat::Micros, true)),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_text(|text| f.write_str(text))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with_text(|text| serializer.serialize_str(text))
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Timestamp::parse_stored(text)
            .ok_or_else(|| FromSqlError::Other(format!("not a timestamp: {text:?}").into()))
    }
}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fixed_width_utc_with_micros() {
        let at = Timestamp::parse_rfc3339("2026-01-31T13:00:00+01:00").unwrap();
        assert_eq!(at.to_string(), "2026-01-31T12:00:00.000000Z");
        let at = Timestamp::parse_rfc3339("0987-06-05T04:03:02.000001Z").unwrap();
        assert_eq!(at.to_string(), "0987-06-05T04:03:02.000001Z");
    }

    #[test]
    fn now_is_strictly_increasing() {
        let times: Vec<Timestamp> = (0..1000).map(|_| Timestamp::now()).collect();
        assert!(times.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn iso8601_without_zone_is_utc() {
        let at = Timestamp::parse_iso8601("2026-01-31T12:00:00").unwrap();
        assert_eq!(at.to_string(), "2026-01-31T12:00:00.000000Z");
        assert!(Timestamp::parse_iso8601("yesterday").is_none());
    }

    #[test]
    fn the_stored_form_reads_back_as_the_same_instant() {
        for text in [
            "2026-01-31T12:00:00.123456Z",
            "1970-01-01T00:00:00.000000Z",
            "9999-12-31T23:59:59.999999Z",
        ] {
            let at = Timestamp::parse_stored(text).unwrap();
            assert_eq!(at, Timestamp::parse_rfc3339(text).unwrap());
            assert_eq!(at.to_string(), text);
        }
        assert!(Timestamp::parse_stored("2026-13-31T12:00:00.000000Z").is_none());
        assert!(Timestamp::parse_stored("2026-01-31T12:00:00.00000xZ").is_none());
    }

    #[test]
    fn instants_compare_as_times_not_as_text() {
        let earlier = Timestamp::parse_rfc3339("2026-01-31T12:00:00+01:00").unwrap();
        let later = Timestamp::parse_rfc3339("2026-01-31T11:30:00Z").unwrap();
        assert!(earlier < later);
    }
}
