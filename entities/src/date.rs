//! Dates known to the day, the month or the year.
//!
//! "In 2011", "June 2017" and "22 June 2017" are all dates the sources give. A
//! [`PartialDate`] keeps the first day of the period it names and its [`DatePrecision`];
//! [`PartialDate::last_day`] gives the end of the period, so that filters can test
//! overlap ("2017-06" overlaps 10–20 June) and timelines can say "June 2017".
//!
//! Stored as two columns: the first day (`DATE`) and the precision (text).

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// How much of a date is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum DatePrecision {
    /// Only the year: "2011".
    Year,
    /// The year and the month: "2017-06".
    Month,
    /// The exact day: "2017-06-22".
    Day,
}

impl DatePrecision {
    pub const ALL: &'static [Self] = &[Self::Day, Self::Month, Self::Year];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Year => "YEAR",
            Self::Month => "MONTH",
            Self::Day => "DAY",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "YEAR" => Some(Self::Year),
            "MONTH" => Some(Self::Month),
            "DAY" => Some(Self::Day),
            _ => None,
        }
    }
}

impl std::str::FromStr for DatePrecision {
    type Err = sea_orm::sea_query::ValueTypeErr;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or(sea_orm::sea_query::ValueTypeErr)
    }
}

impl serde::Serialize for DatePrecision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for DatePrecision {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown date precision `{text}`")))
    }
}

impl fmt::Display for DatePrecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a partial date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartialDateError {
    #[error("expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got `{0}`")]
    Format(String),
    #[error("month {month} does not exist in `{text}`")]
    Month { text: String, month: u32 },
    #[error("day {day} does not exist in `{text}`")]
    Day { text: String, day: u32 },
    #[error("year {0} is outside 1000..=9999")]
    Year(i32),
    #[error(
        "`{date}` is not the first day of its {precision} (stored dates keep the period's first day)"
    )]
    NotPeriodStart {
        date: NaiveDate,
        precision: &'static str,
    },
}

/// A date known to the day, the month or the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialDate {
    first_day: NaiveDate,
    precision: DatePrecision,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (ISO 8601 reduced precision).
    pub fn parse(text: &str) -> Result<Self, PartialDateError> {
        let format_error = || PartialDateError::Format(text.chars().take(40).collect());
        let parts: Vec<&str> = text.split('-').collect();
        let widths_ok = match parts.as_slice() {
            [y] => y.len() == 4,
            [y, m] => y.len() == 4 && m.len() == 2,
            [y, m, d] => y.len() == 4 && m.len() == 2 && d.len() == 2,
            _ => false,
        };
        if !widths_ok || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format_error());
        }
        let number = |p: &str| p.parse::<u32>().map_err(|_| format_error());
        let year = i32::try_from(number(parts[0])?).map_err(|_| format_error())?;
        if !(1000..=9999).contains(&year) {
            return Err(PartialDateError::Year(year));
        }
        let month = match parts.get(1) {
            Some(p) => number(p)?,
            None => 1,
        };
        if !(1..=12).contains(&month) {
            return Err(PartialDateError::Month {
                text: text.to_owned(),
                month,
            });
        }
        let day = match parts.get(2) {
            Some(p) => number(p)?,
            None => 1,
        };
        let first_day =
            NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| PartialDateError::Day {
                text: text.to_owned(),
                day,
            })?;
        let precision = match parts.len() {
            1 => DatePrecision::Year,
            2 => DatePrecision::Month,
            _ => DatePrecision::Day,
        };
        Ok(Self {
            first_day,
            precision,
        })
    }

    /// A date known to the day.
    pub fn day(date: NaiveDate) -> Self {
        Self {
            first_day: date,
            precision: DatePrecision::Day,
        }
    }

    /// Rebuilds a stored date; the stored day must be the first of its period.
    pub fn from_parts(
        first_day: NaiveDate,
        precision: DatePrecision,
    ) -> Result<Self, PartialDateError> {
        let aligned = match precision {
            DatePrecision::Day => true,
            DatePrecision::Month => first_day.day() == 1,
            DatePrecision::Year => first_day.day() == 1 && first_day.month() == 1,
        };
        if aligned {
            Ok(Self {
                first_day,
                precision,
            })
        } else {
            Err(PartialDateError::NotPeriodStart {
                date: first_day,
                precision: precision.as_str(),
            })
        }
    }

    /// Like [`PartialDate::from_parts`], but truncates a day that is not the period's first.
    pub fn truncate(date: NaiveDate, precision: DatePrecision) -> Self {
        let first_day = match precision {
            DatePrecision::Day => Some(date),
            DatePrecision::Month => date.with_day(1),
            DatePrecision::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1),
        };
        Self {
            first_day: first_day.unwrap_or(date),
            precision,
        }
    }

    pub fn first_day(&self) -> NaiveDate {
        self.first_day
    }

    pub fn precision(&self) -> DatePrecision {
        self.precision
    }

    /// The last day of the period this date names.
    pub fn last_day(&self) -> NaiveDate {
        let (year, month) = (self.first_day.year(), self.first_day.month());
        let next_period = match self.precision {
            DatePrecision::Day => return self.first_day,
            DatePrecision::Month if month == 12 => NaiveDate::from_ymd_opt(year + 1, 1, 1),
            DatePrecision::Month => NaiveDate::from_ymd_opt(year, month + 1, 1),
            DatePrecision::Year => NaiveDate::from_ymd_opt(year + 1, 1, 1),
        };
        next_period
            .and_then(|d| d.pred_opt())
            .unwrap_or(self.first_day)
    }

    /// Whether the periods of two dates share at least one day.
    pub fn overlaps(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.first_day <= to && self.last_day() >= from
    }

    /// English words for display: "22 June 2017", "June 2017", "2017".
    pub fn label(&self) -> String {
        match self.precision {
            DatePrecision::Day => self.first_day.format("%-d %B %Y").to_string(),
            DatePrecision::Month => self.first_day.format("%B %Y").to_string(),
            DatePrecision::Year => self.first_day.format("%Y").to_string(),
        }
    }
}

/// Chronological by first day; at the same first day, the coarser date first
/// ("2017" before "2017-01" before "2017-01-01").
impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.first_day, self.precision).cmp(&(other.first_day, other.precision))
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every date of every response is written here: four-digit years are written
        // field by field instead of through a strftime pattern, which chrono parses again
        // on each call. Other years keep chrono's form (a sign and five digits or more).
        let (year, month, day) = (
            self.first_day.year(),
            self.first_day.month(),
            self.first_day.day(),
        );
        if (0..=9999).contains(&year) {
            return match self.precision {
                DatePrecision::Day => write!(f, "{year:04}-{month:02}-{day:02}"),
                DatePrecision::Month => write!(f, "{year:04}-{month:02}"),
                DatePrecision::Year => write!(f, "{year:04}"),
            };
        }
        match self.precision {
            DatePrecision::Day => write!(f, "{}", self.first_day.format("%Y-%m-%d")),
            DatePrecision::Month => write!(f, "{}", self.first_day.format("%Y-%m")),
            DatePrecision::Year => write!(f, "{}", self.first_day.format("%Y")),
        }
    }
}

impl std::str::FromStr for PartialDate {
    type Err = PartialDateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn parses_the_three_precisions() {
        let year = PartialDate::parse("2011");
        assert_eq!(
            year.map(|d| (d.first_day(), d.last_day(), d.precision())),
            Ok((ymd(2011, 1, 1), ymd(2011, 12, 31), DatePrecision::Year))
        );
        let month = PartialDate::parse("2016-02");
        assert_eq!(
            month.map(|d| (d.first_day(), d.last_day())),
            Ok((ymd(2016, 2, 1), ymd(2016, 2, 29)))
        );
        let day = PartialDate::parse("2017-06-22");
        assert_eq!(day.map(|d| d.label()), Ok("22 June 2017".to_owned()));
        assert_eq!(
            PartialDate::parse("2017-12").map(|d| d.last_day()),
            Ok(ymd(2017, 12, 31))
        );
    }

    #[test]
    fn rejects_impossible_dates_with_the_reason() {
        assert_eq!(
            PartialDate::parse("2017-13-40"),
            Err(PartialDateError::Month {
                text: "2017-13-40".into(),
                month: 13
            })
        );
        assert_eq!(
            PartialDate::parse("2017-02-30"),
            Err(PartialDateError::Day {
                text: "2017-02-30".into(),
                day: 30
            })
        );
        assert!(matches!(
            PartialDate::parse("17-06-22"),
            Err(PartialDateError::Format(_))
        ));
        assert!(matches!(
            PartialDate::parse("2017-6-22"),
            Err(PartialDateError::Format(_))
        ));
        assert!(matches!(
            PartialDate::parse("2017-06-22T00:00"),
            Err(PartialDateError::Format(_))
        ));
        assert!(matches!(
            PartialDate::parse(""),
            Err(PartialDateError::Format(_))
        ));
        assert!(matches!(
            PartialDate::parse("+201-01"),
            Err(PartialDateError::Format(_))
        ));
        assert_eq!(PartialDate::parse("0999"), Err(PartialDateError::Year(999)));
    }

    #[test]
    fn month_overlaps_a_range_inside_it() {
        let june = PartialDate::parse("2017-06").unwrap_or(PartialDate::day(ymd(1, 1, 1)));
        assert!(june.overlaps(ymd(2017, 6, 10), ymd(2017, 6, 20)));
        assert!(!june.overlaps(ymd(2017, 7, 1), ymd(2017, 7, 20)));
    }

    #[test]
    fn stored_parts_must_be_aligned() {
        assert!(PartialDate::from_parts(ymd(2017, 6, 2), DatePrecision::Month).is_err());
        assert!(PartialDate::from_parts(ymd(2017, 6, 1), DatePrecision::Month).is_ok());
        assert_eq!(
            PartialDate::truncate(ymd(2017, 6, 22), DatePrecision::Year).to_string(),
            "2017"
        );
    }

    #[test]
    fn display_writes_what_the_strftime_patterns_wrote() {
        for year in [-5, 0, 7, 999, 2017, 9999, 10_000, 262_000] {
            let date = ymd(year, 6, 2);
            for (precision, pattern) in [
                (DatePrecision::Day, "%Y-%m-%d"),
                (DatePrecision::Month, "%Y-%m"),
                (DatePrecision::Year, "%Y"),
            ] {
                let first_day = PartialDate::truncate(date, precision).first_day();
                assert_eq!(
                    PartialDate::truncate(date, precision).to_string(),
                    first_day.format(pattern).to_string(),
                    "{year} at {precision:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(y in 1000i32..=9999, m in 1u32..=12, d in 1u32..=31, p in 0usize..3) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                let partial = PartialDate::truncate(date, DatePrecision::ALL[p]);
                let text = partial.to_string();
                prop_assert_eq!(PartialDate::parse(&text), Ok(partial));
                prop_assert!(partial.first_day() <= partial.last_day());
                prop_assert!(partial.overlaps(date, date));
            }
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,16}") {
            let _ = PartialDate::parse(&text);
        }

        #[test]
        fn accepts_only_real_days(y in 1000i32..=9999, m in 0u32..=13, d in 0u32..=32) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            let real = NaiveDate::from_ymd_opt(y, m, d).is_some();
            prop_assert_eq!(PartialDate::parse(&text).is_ok(), real);
        }
    }
}
