//! Timestamps in transaction logs: formats, parsing to seconds since the epoch, and periods.

use chrono::{NaiveDate, NaiveDateTime};

use crate::time::TimeUnit;

const SECONDS_PER_DAY: i64 = 86_400;

/// How the timestamp column of a transaction log is written.
///
/// All timestamps are naive (no time zone): a purchase on `2024-03-01` belongs to that calendar
/// day as written. A timestamp with a UTC offset is rejected rather than silently shifted,
/// except a trailing `Z`, which is read as written.
///
/// ```
/// use clv::data::transactions::DateFormat;
/// let f: DateFormat = "%d/%m/%Y".parse().unwrap();
/// assert_eq!(f, DateFormat::Custom("%d/%m/%Y".into()));
/// assert_eq!("yyyymmdd".parse::<DateFormat>().unwrap(), DateFormat::Compact);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DateFormat {
    /// Any of [`IsoDate`](Self::IsoDate), [`IsoDateTime`](Self::IsoDateTime) or
    /// [`Compact`](Self::Compact), recognised value by value (the three cannot be confused).
    #[default]
    Auto,
    /// `YYYY-MM-DD`.
    IsoDate,
    /// `YYYY-MM-DDTHH:MM[:SS[.fraction]]`, with `T` or a space between date and time and an
    /// optional trailing `Z`.
    IsoDateTime,
    /// `YYYYMMDD`, as in the CDNOW data.
    Compact,
    /// A `strftime` format as understood by `chrono` (for example `%d/%m/%Y %H:%M`); a format
    /// without a time of day reads dates at midnight.
    Custom(String),
}

impl std::str::FromStr for DateFormat {
    type Err = String;
    /// `auto`, `iso`/`iso-date`, `iso-datetime`, `yyyymmdd`/`compact`, or anything with a `%`
    /// (a custom `strftime` format).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(DateFormat::Auto),
            "iso" | "iso-date" | "yyyy-mm-dd" => Ok(DateFormat::IsoDate),
            "iso-datetime" => Ok(DateFormat::IsoDateTime),
            "yyyymmdd" | "compact" => Ok(DateFormat::Compact),
            _ if s.contains('%') => Ok(DateFormat::Custom(s.to_string())),
            other => Err(format!(
                "unknown date format {other:?} (expected auto, iso-date, iso-datetime, yyyymmdd or a strftime format with %)"
            )),
        }
    }
}

impl DateFormat {
    /// Parses `raw` into seconds since 1970-01-01T00:00:00; `Err` holds the reason.
    pub(crate) fn parse_seconds(&self, raw: &[u8]) -> Result<i64, String> {
        match self {
            DateFormat::Auto => {
                if raw.len() == 8 && raw.iter().all(u8::is_ascii_digit) {
                    parse_compact(raw)
                } else if raw.len() == 10 {
                    parse_iso_date(raw)
                } else if raw.len() > 10 {
                    parse_iso_datetime(raw)
                } else {
                    Err("not a date (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or YYYYMMDD)".into())
                }
            }
            DateFormat::IsoDate => parse_iso_date(raw),
            DateFormat::IsoDateTime => parse_iso_datetime(raw),
            DateFormat::Compact => parse_compact(raw),
            DateFormat::Custom(fmt) => {
                let s = std::str::from_utf8(raw).map_err(|_| "not valid UTF-8".to_string())?;
                parse_custom(s, fmt)
            }
        }
    }
}

fn parse_custom(s: &str, fmt: &str) -> Result<i64, String> {
    match NaiveDateTime::parse_from_str(s, fmt) {
        Ok(dt) => Ok(datetime_seconds(dt)),
        Err(e) if e.kind() == chrono::format::ParseErrorKind::NotEnough => {
            NaiveDate::parse_from_str(s, fmt)
                .map(|d| datetime_seconds(d.and_time(chrono::NaiveTime::MIN)))
                .map_err(|e| format!("does not match the format {fmt:?}: {e}"))
        }
        Err(e) => Err(format!("does not match the format {fmt:?}: {e}")),
    }
}

/// Seconds since the epoch of a naive date-time.
pub(crate) fn datetime_seconds(dt: NaiveDateTime) -> i64 {
    dt.and_utc().timestamp()
}

fn digits(raw: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &b in raw {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

fn date_days(year: &[u8], month: &[u8], day: &[u8]) -> Result<i64, String> {
    let (Some(y), Some(m), Some(d)) = (digits(year), digits(month), digits(day)) else {
        return Err("not a date (a field has a non-digit)".into());
    };
    if !(1..=12).contains(&m) {
        return Err(format!("month {m} does not exist"));
    }
    if d == 0 || d > days_in_month(y as i64, m) {
        return Err(format!("day {d} does not exist in {y:04}-{m:02}"));
    }
    Ok(days_from_civil(y as i64, m, d))
}

fn parse_compact(raw: &[u8]) -> Result<i64, String> {
    if raw.len() != 8 {
        return Err("not a date in YYYYMMDD form".into());
    }
    Ok(date_days(&raw[0..4], &raw[4..6], &raw[6..8])? * SECONDS_PER_DAY)
}

fn parse_iso_date(raw: &[u8]) -> Result<i64, String> {
    if raw.len() != 10 || raw[4] != b'-' || raw[7] != b'-' {
        return Err("not a date in YYYY-MM-DD form".into());
    }
    Ok(date_days(&raw[0..4], &raw[5..7], &raw[8..10])? * SECONDS_PER_DAY)
}

fn parse_iso_datetime(raw: &[u8]) -> Result<i64, String> {
    const FORM: &str = "not a date-time in YYYY-MM-DDTHH:MM[:SS] form";
    if raw.len() < 16 || !(raw[10] == b'T' || raw[10] == b' ') || raw[13] != b':' {
        return Err(FORM.into());
    }
    let midnight = parse_iso_date(&raw[..10]).map_err(|_| FORM.to_string())?;
    let mut rest = &raw[11..];
    if let Some(stripped) = rest.strip_suffix(b"Z") {
        rest = stripped;
    }
    if rest.len() < 5 {
        return Err(FORM.into());
    }
    let (Some(h), Some(mi)) = (digits(&rest[0..2]), digits(&rest[3..5])) else {
        return Err(FORM.into());
    };
    let mut s = 0;
    let tail = &rest[5..];
    if !tail.is_empty() {
        if tail.len() < 3 || tail[0] != b':' {
            return Err(if tail.contains(&b'+') || tail.contains(&b'-') {
                "time zone offsets are not supported (timestamps are read as written, without a zone)".into()
            } else {
                FORM.into()
            });
        }
        s = digits(&tail[1..3]).ok_or_else(|| FORM.to_string())?;
        let frac = &tail[3..];
        if !frac.is_empty()
            && (frac[0] != b'.' || frac.len() < 2 || !frac[1..].iter().all(u8::is_ascii_digit))
        {
            return Err(if frac.contains(&b'+') || frac.contains(&b'-') {
                "time zone offsets are not supported (timestamps are read as written, without a zone)".into()
            } else {
                FORM.into()
            });
        }
    }
    if h > 23 || mi > 59 || s > 60 {
        return Err(format!("time {h:02}:{mi:02}:{s:02} does not exist"));
    }
    // A leap second (:60) is read as the last second of its minute.
    let s = s.min(59);
    Ok(midnight + i64::from(h * 3600 + mi * 60 + s))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (valid month and day).
///
/// Counts days in eras of 400 years (146,097 days) starting on 1 March, so that the leap day is
/// the last day of a year.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(m);
    let month_from_march = if m > 2 { m - 3 } else { m + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(d) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The period within which all purchases of a customer count as one.
///
/// Periods are numbered from the Unix epoch: hours since 1970-01-01T00:00, days since
/// 1970-01-01, and weeks running Monday to Sunday (ISO weeks; the week that contains
/// 1970-01-01 is week 0). Times between periods are whole numbers of periods, expressed in the
/// summary's [`TimeUnit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Period {
    /// Clock hours.
    Hour,
    /// Calendar days (the default, as in lifetimes).
    #[default]
    Day,
    /// Weeks from Monday to Sunday.
    Week,
}

impl Period {
    /// Length of one period in hours.
    ///
    /// ```
    /// use clv::data::transactions::Period;
    /// assert_eq!(Period::Week.hours(), 168);
    /// ```
    pub fn hours(self) -> i64 {
        match self {
            Period::Hour => 1,
            Period::Day => 24,
            Period::Week => 168,
        }
    }

    /// The period's name in messages: `hour`, `day` or `week`.
    ///
    /// ```
    /// use clv::data::transactions::Period;
    /// assert_eq!(Period::Week.name(), "week");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Week => "week",
        }
    }

    /// The index of the period containing `seconds` since the epoch.
    pub(crate) fn index_of_seconds(self, seconds: i64) -> i64 {
        let days = seconds.div_euclid(SECONDS_PER_DAY);
        match self {
            Period::Hour => seconds.div_euclid(3600),
            Period::Day => days,
            // 1970-01-01 was a Thursday: the Monday of its week is day -3.
            Period::Week => (days + 3).div_euclid(7),
        }
    }

    /// The index of the period containing `time`.
    ///
    /// ```
    /// use clv::data::transactions::{NaiveDate, Period};
    /// let monday = NaiveDate::from_ymd_opt(1970, 1, 5).unwrap().and_hms_opt(0, 0, 0).unwrap();
    /// assert_eq!(Period::Week.index(monday), 1);
    /// assert_eq!(Period::Day.index(monday), 4);
    /// ```
    pub fn index(self, time: NaiveDateTime) -> i64 {
        self.index_of_seconds(datetime_seconds(time))
    }

    /// `n` periods expressed in `unit` (for example 10 days = 10/7 weeks).
    pub(crate) fn span_in(self, n: i64, unit: TimeUnit) -> f64 {
        // Both lengths are whole or half hours; dividing exact values rounds once, so that
        // days / 7 gives the same double as lifetimes' `days / 7`.
        let unit_hours = unit.days() * 24.0;
        (n * self.hours()) as f64 / unit_hours
    }
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "h" | "hour" | "hours" | "hourly" => Ok(Period::Hour),
            "d" | "day" | "days" | "daily" => Ok(Period::Day),
            "w" | "week" | "weeks" | "weekly" => Ok(Period::Week),
            other => Err(format!(
                "unknown period {other:?} (expected hour, day or week)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_days(y: i32, m: u32, d: u32) -> i64 {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
    }

    #[test]
    fn civil_days_agree_with_chrono() {
        for (y, m, d) in [
            (1970, 1, 1),
            (1969, 12, 31),
            (1997, 9, 30),
            (2000, 2, 29),
            (1900, 3, 1),
            (2400, 12, 31),
            (1600, 1, 1),
        ] {
            assert_eq!(
                days_from_civil(y, m, d),
                chrono_days(y as i32, m, d),
                "{y}-{m}-{d}"
            );
        }
        let mut date = NaiveDate::from_ymd_opt(1899, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2101, 1, 1).unwrap();
        while date < end {
            let s = date.format("%Y%m%d").to_string();
            let days = parse_compact(s.as_bytes()).unwrap() / SECONDS_PER_DAY;
            assert_eq!(
                days,
                chrono_days(date.year_ce().1 as i32, date.month0() + 1, date.day0() + 1)
            );
            date = date.succ_opt().unwrap();
        }
    }

    use chrono::Datelike;

    #[test]
    fn formats() {
        let day = 10_134 * SECONDS_PER_DAY; // 1997-09-30 (1997-01-01 is day 9862)
        assert_eq!(DateFormat::Auto.parse_seconds(b"19970930"), Ok(day));
        assert_eq!(DateFormat::Auto.parse_seconds(b"1997-09-30"), Ok(day));
        assert_eq!(
            DateFormat::Auto.parse_seconds(b"1997-09-30T01:02:03"),
            Ok(day + 3723)
        );
        assert_eq!(
            DateFormat::Auto.parse_seconds(b"1997-09-30 01:02"),
            Ok(day + 3720)
        );
        assert_eq!(
            DateFormat::IsoDateTime.parse_seconds(b"1997-09-30T01:02:03.250Z"),
            Ok(day + 3723)
        );
        assert_eq!(
            DateFormat::Custom("%d/%m/%Y".into()).parse_seconds(b"30/09/1997"),
            Ok(day)
        );
        assert_eq!(
            DateFormat::Custom("%d/%m/%Y %H:%M".into()).parse_seconds(b"30/09/1997 00:01"),
            Ok(day + 60)
        );
        for bad in [
            &b"1997-02-29"[..],
            b"19971301",
            b"1997-9-30",
            b"yesterday",
            b"1997-09-30T25:00:00",
            b"",
        ] {
            assert!(
                DateFormat::Auto.parse_seconds(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let offset = DateFormat::IsoDateTime
            .parse_seconds(b"1997-09-30T01:02:03+02:00")
            .unwrap_err();
        assert!(offset.contains("offset"), "{offset}");
    }

    #[test]
    fn periods() {
        // 1997-09-29 is a Monday, 1997-09-28 a Sunday.
        let mon = days_from_civil(1997, 9, 29) * SECONDS_PER_DAY;
        assert_eq!(
            Period::Week.index_of_seconds(mon),
            Period::Week.index_of_seconds(mon + 6 * SECONDS_PER_DAY + 86_399)
        );
        assert_eq!(
            Period::Week.index_of_seconds(mon) - 1,
            Period::Week.index_of_seconds(mon - 1)
        );
        assert_eq!(Period::Hour.index_of_seconds(-1), -1);
        assert_eq!(Period::Day.span_in(272, TimeUnit::Weeks), 272.0 / 7.0);
        assert_eq!(Period::Hour.span_in(36, TimeUnit::Days), 1.5);
        assert_eq!(Period::Week.span_in(2, TimeUnit::Days), 14.0);
    }
}
