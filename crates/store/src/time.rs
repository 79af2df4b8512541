//! Timestamps: every date in the store is UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ`, so that text order
//! is time order and `substr(created_at, 1, 7)` is the month.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Normalises a timestamp written in any of the layouts the Hub, the forum and the published
/// datasets use: RFC 3339 (`2022-05-19T11:53:33.000Z`, `…+02:00`), `2023-04-12 04:42:03+00:00`,
/// `2023-04-12 04:42:03`, `2023-04-12T04:42:03`, or a bare date `2023-04-12` (midnight UTC).
/// `None` for anything else.
pub fn normalize_timestamp(text: &str) -> Option<String> {
    let text = text.trim();
    if is_canonical(text) {
        return Some(text.to_string());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(format(dt.with_timezone(&Utc)));
    }
    for layout in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(text, layout) {
            return Some(format(dt.with_timezone(&Utc)));
        }
    }
    for layout in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, layout) {
            return Some(format(naive.and_utc()));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date
            .and_hms_opt(0, 0, 0)
            .map(|naive| format(naive.and_utc()));
    }
    None
}

/// The earliest date a record from outside may carry: no model, discussion or forum post of the
/// Hub predates the company that runs it (founded in 2016). Earlier dates are errors in a dump.
pub const EARLIEST: &str = "2016-01-01T00:00:00.000Z";

/// How far past the clock a date may lie (clock skew between the Hub and this machine, and time
/// zones written wrongly), in days.
pub const FUTURE_MARGIN_DAYS: i64 = 2;

/// The latest plausible date: now plus [`FUTURE_MARGIN_DAYS`], fixed for the life of the process
/// so that one run judges every record by the same bound.
pub fn latest_plausible() -> &'static str {
    static LATEST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LATEST.get_or_init(|| format(Utc::now() + chrono::Duration::days(FUTURE_MARGIN_DAYS)))
}

/// Whether a normalised timestamp lies in the plausible window, [`EARLIEST`] to
/// [`latest_plausible`]. Text order is time order, so this is two comparisons.
pub fn is_plausible(timestamp: &str) -> bool {
    timestamp >= EARLIEST && timestamp <= latest_plausible()
}

/// Whether a month can hold a plausible date (the months of [`EARLIEST`] to
/// [`latest_plausible`]).
pub fn is_plausible_month(month: Month) -> bool {
    static SPAN: std::sync::OnceLock<Option<(Month, Month)>> = std::sync::OnceLock::new();
    SPAN.get_or_init(|| Some((Month::parse(EARLIEST)?, Month::parse(latest_plausible())?)))
        .is_some_and(|(first, last)| month >= first && month <= last)
}

/// A date from outside, normalised and checked: the stored timestamp, or the reason it is
/// refused (written for an issue line: what was found and what was expected). Every date a
/// source reads goes through here, so that no implausible date becomes a trend month.
pub fn outside_timestamp(text: &str) -> Result<String, String> {
    let Some(ts) = normalize_timestamp(text) else {
        let shown: String = text.chars().take(40).collect();
        return Err(format!(
            "unexpected date format {shown:?} (expected ISO 8601, e.g. 2022-05-19T11:53:33.000Z)"
        ));
    };
    check_plausible(ts)
}

/// An already normalised timestamp (from a typed column), checked as [`outside_timestamp`] does.
pub fn check_plausible(timestamp: String) -> Result<String, String> {
    if is_plausible(&timestamp) {
        Ok(timestamp)
    } else {
        Err(format!(
            "implausible date {timestamp} (before {} or after now + {FUTURE_MARGIN_DAYS} days)",
            &EARLIEST[..10]
        ))
    }
}

/// A timestamp from microseconds since the Unix epoch (Parquet's usual unit).
pub fn from_unix_micros(micros: i64) -> Option<String> {
    DateTime::from_timestamp_micros(micros).map(format)
}

/// Now, normalised.
pub fn now() -> String {
    format(Utc::now())
}

fn format(dt: DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A calendar month, the unit of every monthly series (`2023-04`). Orders as time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct Month {
    pub year: u16,
    /// 1–12.
    pub month: u8,
}

impl Month {
    pub fn new(year: u16, month: u8) -> Option<Month> {
        ((1..=12).contains(&month) && (1000..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    /// The month of a stored timestamp or of a date written `YYYY-MM`, `YYYY-MM-DD` or
    /// `YYYY-MM-DDT…`: the first seven characters, checked.
    pub fn parse(text: &str) -> Option<Month> {
        let b = text.trim().as_bytes();
        if b.len() < 7 || b[4] != b'-' || (b.len() > 7 && b[7] != b'-') {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            b[r].iter().try_fold(0u16, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
            })
        };
        let month = Month::new(digits(0..4)?, u8::try_from(digits(5..7)?).ok()?)?;
        if b.len() > 7 {
            // A date must be a whole, valid one: a day of one or two digits that the month has
            // (checked by hand: chrono's format parser took a tenth of reading 2M models).
            let day = u32::from(digits(8..b.len().min(10))?);
            NaiveDate::from_ymd_opt(i32::from(month.year), u32::from(month.month), day)?;
        }
        Some(month)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Months since January of year 0: consecutive months have consecutive ordinals, so a
    /// contiguous run of months indexes an array by `m.ordinal() - first.ordinal()`.
    pub fn ordinal(self) -> u32 {
        u32::from(self.year) * 12 + u32::from(self.month) - 1
    }

    /// Every month from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self), move |m| Some(m.next()).filter(|n| *n <= last))
            .take_while(move |m| *m <= last)
    }

    /// The first instant of the month as a stored timestamp, for range queries.
    pub fn start_timestamp(self) -> String {
        format!("{:04}-{:02}-01T00:00:00.000Z", self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly, with a valid date and time (the Hub API's own layout):
/// accepted without a general parse, because millions of rows carry it.
fn is_canonical(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return false;
    }
    let num = |from: usize, len: usize| -> Option<u32> {
        b[from..from + len].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s), Some(_ms)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
        num(20, 3),
    ) else {
        return false;
    };
    h < 24 && mi < 60 && s < 60 && NaiveDate::from_ymd_opt(y as i32, mo, d).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_real_layout_is_normalised() {
        for (input, expected) in [
            ("2022-05-19T11:53:33.000Z", "2022-05-19T11:53:33.000Z"),
            ("2022-05-19T11:53:33Z", "2022-05-19T11:53:33.000Z"),
            ("2022-05-19T13:53:33+02:00", "2022-05-19T11:53:33.000Z"),
            ("2023-04-12 04:42:03+00:00", "2023-04-12T04:42:03.000Z"),
            (
                "2023-04-12 04:42:03.123456+00:00",
                "2023-04-12T04:42:03.123Z",
            ),
            ("2023-04-12 04:42:03", "2023-04-12T04:42:03.000Z"),
            ("2023-04-12T04:42:03", "2023-04-12T04:42:03.000Z"),
            ("2023-04-12", "2023-04-12T00:00:00.000Z"),
            (" 2023-04-12 ", "2023-04-12T00:00:00.000Z"),
        ] {
            assert_eq!(
                normalize_timestamp(input).as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn dates_outside_the_hubs_life_are_refused_with_a_reason() {
        assert_eq!(
            outside_timestamp("2022-05-19").as_deref(),
            Ok("2022-05-19T00:00:00.000Z")
        );
        for far in [
            "9999-12-31T23:59:59.000Z",
            "3000-01-01",
            "1970-01-01",
            "2015-12-31",
        ] {
            let err = outside_timestamp(far).unwrap_err();
            assert!(err.starts_with("implausible date "), "{far}: {err}");
        }
        let err = outside_timestamp("yesterday").unwrap_err();
        assert!(err.contains("unexpected date format"), "{err}");
        // Tomorrow is within the margin; next year is not.
        let tomorrow = format(Utc::now() + chrono::Duration::days(1));
        assert!(is_plausible(&tomorrow));
        let next_year = format(Utc::now() + chrono::Duration::days(366));
        assert!(!is_plausible(&next_year));
        assert!(is_plausible_month(Month::new(2016, 1).unwrap()));
        assert!(!is_plausible_month(Month::new(2015, 12).unwrap()));
        assert!(!is_plausible_month(Month::new(9999, 12).unwrap()));
    }

    #[test]
    fn unexpected_layouts_are_none() {
        for input in [
            "12/05/2022",
            "yesterday",
            "",
            "2022-13-45",
            "2022-05-19T99:00:00.000Z",
            "2022-02-30T00:00:00.000Z",
            "1652961213",
        ] {
            assert_eq!(normalize_timestamp(input), None, "{input}");
        }
    }

    #[test]
    fn months_parse_order_and_iterate() {
        assert_eq!(
            Month::parse("2023-04").map(|m| m.to_string()).as_deref(),
            Some("2023-04")
        );
        assert_eq!(
            Month::parse("2023-04-12T04:42:03.000Z"),
            Month::new(2023, 4)
        );
        assert_eq!(Month::parse("2023-04-31"), None);
        assert!(Month::parse("2024-02-29").is_some());
        assert_eq!(Month::parse("2023-02-29"), None);
        assert_eq!(Month::parse("2023-02-00"), None);
        assert_eq!(Month::parse("2023-02-"), None);
        assert_eq!(Month::parse("2023-02-5T"), None);
        assert_eq!(Month::parse("2023-02-x5"), None);
        assert!(Month::parse("2023-02-28T23:59:59Z").is_some());
        assert_eq!(Month::parse("2023-13"), None);
        assert_eq!(Month::parse("2023-4"), None);
        assert_eq!(Month::parse("April"), None);
        let (a, b) = (
            Month::parse("2022-11").unwrap_or(Month { year: 0, month: 0 }),
            Month {
                year: 2023,
                month: 2,
            },
        );
        let all: Vec<String> = a.through(b).map(|m| m.to_string()).collect();
        assert_eq!(all, ["2022-11", "2022-12", "2023-01", "2023-02"]);
        assert_eq!(b.through(a).count(), 0);
        assert!(a < b);
        assert_eq!(b.start_timestamp(), "2023-02-01T00:00:00.000Z");
    }

    #[test]
    fn micros() {
        assert_eq!(
            from_unix_micros(1_542_238_508_000_000).as_deref(),
            Some("2018-11-14T23:35:08.000Z")
        );
    }
}
