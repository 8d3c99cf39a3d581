//! Instants, stored and answered as UTC text in one fixed-width format
//! (`2026-01-31T12:00:00.123456Z`): every value deserializes as a datetime in the client, and in
//! SQLite text order is time order. In Rust they compare as instants, never as text.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Timelike, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// An instant, in microseconds since 1970-01-01T00:00:00Z. Read and written in the fixed-width
/// form by plain integer arithmetic: chrono's general parser and formatter, used for every
/// timestamp of a page read, cost a twentieth of its instructions.
///
/// What a request sends is accepted only between the years 1 and 9999, and never as a leap
/// second (`parse_*`): the fixed-width form has four digits for the year, and the client's
/// parser knows no year 0 and no second 60.
/// What is stored is read back whatever it is; what older versions accepted outside those years
/// was brought within them by the migration to schema 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// `2026-01-31T12:00:00.123456Z`
const FIXED_WIDTH: usize = 27;
const MICROS_PER_DAY: i64 = 86_400_000_000;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the instants a request may send.
const EARLIEST: i64 = -62_135_596_800_000_000;
const LATEST: i64 = 253_402_300_799_999_999;

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
        Timestamp(wall.max(previous + 1))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> f64 {
        self.0 as f64 / 1e6
    }

    fn from_chrono(at: DateTime<Utc>) -> Timestamp {
        Timestamp(at.timestamp_micros())
    }

    /// A sent instant, if the client's parser can read it back: between the years 1 and 9999
    /// (UTC), and not a leap second (`23:59:60`, which chrono reads and Python refuses).
    fn sendable(at: DateTime<Utc>) -> Option<Timestamp> {
        if at.nanosecond() >= 1_000_000_000 {
            return None;
        }
        let at = Timestamp::from_chrono(at);
        (EARLIEST..=LATEST).contains(&at.0).then_some(at)
    }

    fn chrono_rfc3339(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }

    /// RFC 3339 with a zone (`Z` or an offset), normalized to UTC, between the years 1 and 9999.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        Timestamp::sendable(Timestamp::chrono_rfc3339(text)?)
    }

    /// ISO 8601 with or without a zone (a value without one is taken as UTC), between the years
    /// 1 and 9999.
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
            .and_then(|naive| Timestamp::sendable(naive.and_utc()))
        })
    }

    /// The stored form, read without chrono when it has the fixed width; any other form this
    /// server ever wrote (a year beyond four digits, signed) through chrono.
    fn parse_stored(text: &[u8]) -> Option<Timestamp> {
        Timestamp::parse_fixed_width(text).or_else(|| {
            let text = std::str::from_utf8(text).ok()?;
            Timestamp::chrono_rfc3339(text)
                .map(Timestamp::from_chrono)
                .or_else(|| {
                    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.fZ")
                        .ok()
                        .map(|naive| Timestamp::from_chrono(naive.and_utc()))
                })
        })
    }

    fn parse_fixed_width(b: &[u8]) -> Option<Timestamp> {
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
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            b[range].iter().try_fold(0i64, |n, &digit| {
                digit
                    .is_ascii_digit()
                    .then(|| n * 10 + i64::from(digit - b'0'))
            })
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        let valid = (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        if !valid {
            return None;
        }
        let seconds = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second;
        Some(Timestamp(seconds * 1_000_000 + number(20..26)?))
    }

    /// Write the fixed-width form into `buf` and return it; None for years outside 0..=9999,
    /// which take chrono's formatter.
    fn format_fixed_width(self, buf: &mut [u8; FIXED_WIDTH]) -> Option<&str> {
        let days = self.0.div_euclid(MICROS_PER_DAY);
        let of_day = self.0.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let (seconds, micros) = (of_day / 1_000_000, of_day % 1_000_000);
        *buf = *b"0000-00-00T00:00:00.000000Z";
        // Two digits at a time, each pair a value below 100.
        let pairs = [
            (0, year / 100),
            (2, year % 100),
            (5, month),
            (8, day),
            (11, seconds / 3600),
            (14, seconds / 60 % 60),
            (17, seconds % 60),
            (20, micros / 10_000),
            (22, micros / 100 % 100),
            (24, micros % 100),
        ];
        for (at, pair) in pairs {
            buf[at] = b'0' + (pair / 10) as u8;
            buf[at + 1] = b'0' + (pair % 10) as u8;
        }
        std::str::from_utf8(buf).ok()
    }

    fn with_text<T>(self, use_text: impl FnOnce(&str) -> T) -> T {
        let mut buf = [0u8; FIXED_WIDTH];
        match self.format_fixed_width(&mut buf) {
            Some(text) => use_text(text),
            None => {
                let at = DateTime::from_timestamp_micros(self.0).unwrap_or_default();
                use_text(&at.to_rfc3339_opts(SecondsFormat::Micros, true))
            }
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
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
        // The bytes of the text: the fixed-width form is ASCII, checked digit by digit.
        let ValueRef::Text(text) = value else {
            return Err(FromSqlError::InvalidType);
        };
        Timestamp::parse_stored(text).ok_or_else(|| {
            let shown = String::from_utf8_lossy(text);
            FromSqlError::Other(format!("not a timestamp: {shown:?}").into())
        })
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
            let at = Timestamp::parse_stored(text.as_bytes()).unwrap();
            assert_eq!(at, Timestamp::parse_rfc3339(text).unwrap());
            assert_eq!(at.to_string(), text);
        }
        assert!(Timestamp::parse_stored(b"2026-13-31T12:00:00.000000Z").is_none());
        assert!(Timestamp::parse_stored(b"2026-01-31T12:00:00.00000xZ").is_none());
    }

    #[test]
    fn the_calendar_arithmetic_agrees_with_chrono_across_leap_years_and_centuries() {
        let mut day = chrono::NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        let last = chrono::NaiveDate::from_ymd_opt(2401, 3, 1).unwrap();
        while day <= last {
            let text = format!("{}T23:59:59.999999Z", day.format("%Y-%m-%d"));
            let ours = Timestamp::parse_fixed_width(text.as_bytes()).unwrap();
            assert_eq!(ours, Timestamp::parse_rfc3339(&text).unwrap(), "{text}");
            assert_eq!(ours.to_string(), text);
            day = day.succ_opt().unwrap();
        }
        assert!(Timestamp::parse_fixed_width(b"2026-02-29T00:00:00.000000Z").is_none());
        assert!(Timestamp::parse_fixed_width(b"2024-02-29T00:00:00.000000Z").is_some());
        assert!(Timestamp::parse_fixed_width(b"2026-01-31T24:00:00.000000Z").is_none());
    }

    #[test]
    fn a_sent_instant_must_lie_between_the_years_1_and_9999() {
        for text in [
            "+10000-01-01T00:00:00",
            "-0001-01-01T00:00:00",
            "0000-06-01T00:00:00",
        ] {
            assert!(Timestamp::parse_iso8601(text).is_none(), "{text}");
        }
        assert!(Timestamp::parse_rfc3339("9999-12-31T23:30:00-01:00").is_none());
        assert!(Timestamp::parse_rfc3339("9999-12-31T23:59:59.999999Z").is_some());
        assert!(Timestamp::parse_iso8601("0001-01-01T00:00:00").is_some());
    }

    #[test]
    fn a_leap_second_is_not_an_instant_the_client_can_read() {
        for text in ["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5+00:00"] {
            assert!(Timestamp::parse_rfc3339(text).is_none(), "{text}");
        }
        for text in ["2016-12-31T23:59:60", "2016-12-31 23:59:60.25"] {
            assert!(Timestamp::parse_iso8601(text).is_none(), "{text}");
        }
        assert!(Timestamp::parse_iso8601("2016-12-31T23:59:59.999999").is_some());
    }

    #[test]
    fn whatever_an_older_version_stored_reads_back_as_it_was() {
        for text in [
            "+10000-01-01T00:00:00.000000Z",
            "-0001-01-01T00:00:00.000000Z",
            "0000-06-01T00:00:00.000000Z",
        ] {
            let at = Timestamp::parse_stored(text.as_bytes()).unwrap();
            assert_eq!(at.to_string(), text);
        }
    }

    #[test]
    fn instants_compare_as_times_not_as_text() {
        let earlier = Timestamp::parse_rfc3339("2026-01-31T12:00:00+01:00").unwrap();
        let later = Timestamp::parse_rfc3339("2026-01-31T11:30:00Z").unwrap();
        assert!(earlier < later);
    }
}
