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
    fn micros() {
        assert_eq!(
            from_unix_micros(1_542_238_508_000_000).as_deref(),
            Some("2018-11-14T23:35:08.000Z")
        );
    }
}
