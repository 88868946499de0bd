//! Event analytics: the events of an [`EventFilter`] counted in groups (month, year,
//! department, kind, actor), with the sums of their deaths and injuries, in one
//! statement.
//!
//! - **What counts**: the events the caller may see, by the filter's own rule
//!   ([`EventFilter::condition`]: the event's effective visibility and its case's), so a
//!   restricted event never moves a public number.
//! - **Time**: an event counts in the month (year) it began. An event known only to the
//!   year has no month: grouped by MONTH it counts in a bucket of its own, the year
//!   (a YEAR-precision date), which sorts before that year's January.
//! - **Department**: the REGION-level place the event's location lies in, the way the
//!   `region` filter finds it (the location at or below the department, or a site whose
//!   point lies in a place below it, with no archived place between), through a location
//!   and a department the caller may see; otherwise the event counts with no department.
//! - **Actor**: each actor of the event the caller may see; an event with several counts
//!   once under each, an event with none (or none visible) under no actor.
//! - **Order**: buckets sort by their keys in the order of the dimensions asked: months
//!   and years in time, kinds in the order of the enumeration, departments by code (then
//!   id), actors by slug; the bucket without a department or an actor last.
//! - **Range**: only buckets holding events are listed, except that grouped by MONTH (or
//!   YEAR) alone, every month (year) from the first matching event's to the last's is,
//!   empty ones with a count of 0: the data's own range, never up to today.

use super::visibility::own_visible_sql;
use super::{Access, EventFilter, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, JoinType, Query};
use sea_orm::*;
use std::collections::BTreeMap;

/// A dimension to group events by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventStatDimension {
    Month,
    Year,
    Region,
    Kind,
    Actor,
}

/// One group of events: how many, and the sums of their casualties. Only the grouped-by
/// keys are set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventStatBucket {
    /// The month the events began in (MONTH precision), or the year (YEAR precision) for
    /// events known only to the year.
    pub month: Option<PartialDate>,
    /// The year the events began in (YEAR precision).
    pub year: Option<PartialDate>,
    /// The department; `None` also for events in no department the caller may see.
    pub region_id: Option<i64>,
    pub kind: Option<EventKind>,
    /// The actor; `None` also for events without an actor the caller may see.
    pub actor_id: Option<i64>,
    pub count: u64,
    /// The sum of the events' deaths (events without a figure add nothing).
    pub deaths: i64,
    /// The sum of the events' injuries (events without a figure add nothing).
    pub injuries: i64,
}

/// The most months one grouping by MONTH may span (50 years, as `caseStats`).
pub const MAX_EVENT_STAT_MONTHS: usize = super::MAX_STAT_MONTHS;
/// The most years one grouping by YEAR may span.
pub const MAX_EVENT_STAT_YEARS: usize = 100;
/// The most buckets one answer holds; a grouping with more is refused (narrow the filter).
pub const MAX_EVENT_STAT_BUCKETS: usize = 2_000;

/// How a bucket sorts under one dimension (compared only with the same dimension's).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    /// A date: its first day, then its precision (a year before its January).
    Date(NaiveDate, DatePrecision),
    Kind(EventKind),
    /// A department or an actor: `missing` last, then its code or slug, then its id.
    Named {
        missing: bool,
        text: Option<String>,
        id: Option<i64>,
    },
}

/// The totals of one bucket.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    count: u64,
    deaths: i64,
    injuries: i64,
}

/// A month (or, for a date known only to the year, the year) as a sort part.
fn month_part(first_day: NaiveDate, precision: DatePrecision) -> Part {
    let precision = match precision {
        DatePrecision::Year => DatePrecision::Year,
        DatePrecision::Month | DatePrecision::Day => DatePrecision::Month,
    };
    Part::Date(
        PartialDate::truncate(first_day, precision).first_day(),
        precision,
    )
}

fn year_part(first_day: NaiveDate) -> Part {
    Part::Date(
        PartialDate::truncate(first_day, DatePrecision::Year).first_day(),
        DatePrecision::Year,
    )
}

fn date_of(part: &Part) -> Option<PartialDate> {
    match part {
        Part::Date(day, precision) => Some(PartialDate::truncate(*day, *precision)),
        _ => None,
    }
}

/// Months from January of year 0, to measure spans.
fn month_number(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month0())
}

fn from_month_number(n: i64) -> Option<NaiveDate> {
    let year = i32::try_from(n.div_euclid(12)).ok()?;
    let month = u32::try_from(n.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// `child` (a path expression) lies at or below the department `r`, with no archived
/// place between them.
fn below_region(child: &str) -> String {
    format!(
        "{child} LIKE (r.path || '%') AND NOT EXISTS (SELECT 1 FROM locations gap \
         WHERE gap.archived_at IS NOT NULL AND {child} LIKE (gap.path || '%') \
         AND gap.path LIKE (r.path || '%'))"
    )
}

impl Store {
    /// The events of `filter` counted in groups (see the module's documentation), in one
    /// statement. Refused, naming `groupBy`, when the time range or the number of
    /// buckets passes its bound.
    pub async fn event_stats(
        &self,
        access: Access,
        filter: &EventFilter,
        dimensions: &[EventStatDimension],
    ) -> StoreResult<Vec<EventStatBucket>> {
        let dimensions = dimensions_in_order(dimensions);
        let has = |d| dimensions.contains(&d);
        let by_time = has(EventStatDimension::Month) || has(EventStatDimension::Year);

        let mut select = Query::select();
        select
            .from(event::Entity)
            .expr(Expr::cust("COUNT(*)"))
            .expr(Expr::cust(r#"COALESCE(SUM("events"."deaths"), 0)"#))
            .expr(Expr::cust(r#"COALESCE(SUM("events"."injuries"), 0)"#))
            .cond_where(filter.condition(access));
        let mut group: Vec<&str> = Vec::new();
        if by_time {
            group.extend([
                r#""events"."occurred_on""#,
                r#""events"."occurred_precision""#,
            ]);
        }
        if has(EventStatDimension::Kind) {
            group.push(r#""events"."kind""#);
        }
        if has(EventStatDimension::Region) {
            let visible = |alias: &str| {
                own_visible_sql(alias, access, true).unwrap_or_else(|| "1 = 1".to_owned())
            };
            select.join_as(
                JoinType::LeftJoin,
                location::Entity,
                Alias::new("el"),
                Expr::cust(format!(
                    r#"el.id = "events"."location_id" AND {}"#,
                    visible("el")
                )),
            );
            select.join_as(
                JoinType::LeftJoin,
                location::Entity,
                Alias::new("r"),
                Expr::cust(format!(
                    "r.level = '{}' AND {} AND ({} OR EXISTS (SELECT 1 FROM site_places sp \
                     JOIN locations sp_place ON sp_place.id = sp.place_id \
                     WHERE sp.site_id = el.id AND sp_place.archived_at IS NULL AND {}))",
                    LocationLevel::Region.as_str(),
                    visible("r"),
                    below_region("el.path"),
                    below_region("sp_place.path"),
                )),
            );
            group.extend(["r.id", "r.code"]);
        }
        if has(EventStatDimension::Actor) {
            let visible = own_visible_sql("va", access, true).unwrap_or_else(|| "1 = 1".to_owned());
            select.join_as(
                JoinType::LeftJoin,
                event_actor::Entity,
                Alias::new("ea"),
                Expr::cust(format!(
                    r#"ea.event_id = "events"."id" AND EXISTS (SELECT 1 FROM actors va WHERE va.id = ea.actor_id AND {visible})"#
                )),
            );
            select.join_as(
                JoinType::LeftJoin,
                actor::Entity,
                Alias::new("a"),
                Expr::cust("a.id = ea.actor_id"),
            );
            group.extend(["a.id", "a.slug"]);
        }
        for column in &group {
            select.expr(Expr::cust(*column));
        }
        select.add_group_by(group.iter().map(|c| Expr::cust(*c)));
        let statement = self.db.get_database_backend().build(&select);

        let mut buckets: BTreeMap<Vec<Part>, Totals> = BTreeMap::new();
        for row in self.db.query_all_raw(statement).await? {
            let count: i64 = row.try_get_by_index(0)?;
            let deaths: i64 = row.try_get_by_index(1)?;
            let injuries: i64 = row.try_get_by_index(2)?;
            let mut at = 3;
            let mut next = || {
                at += 1;
                at - 1
            };
            let mut time: Option<(NaiveDate, DatePrecision)> = None;
            if by_time {
                time = Some((row.try_get_by_index(next())?, row.try_get_by_index(next())?));
            }
            let kind: Option<EventKind> = match has(EventStatDimension::Kind) {
                true => Some(row.try_get_by_index(next())?),
                false => None,
            };
            let mut named = |wanted: bool| -> StoreResult<Option<Part>> {
                if !wanted {
                    return Ok(None);
                }
                let id: Option<i64> = row.try_get_by_index(next())?;
                let text: Option<String> = row.try_get_by_index(next())?;
                Ok(Some(Part::Named {
                    missing: id.is_none(),
                    text,
                    id,
                }))
            };
            let region = named(has(EventStatDimension::Region))?;
            let actor = named(has(EventStatDimension::Actor))?;
            let key: Vec<Part> = dimensions
                .iter()
                .filter_map(|d| match d {
                    EventStatDimension::Month => time.map(|(day, p)| month_part(day, p)),
                    EventStatDimension::Year => time.map(|(day, _)| year_part(day)),
                    EventStatDimension::Kind => kind.map(Part::Kind),
                    EventStatDimension::Region => region.clone(),
                    EventStatDimension::Actor => actor.clone(),
                })
                .collect();
            let totals = buckets.entry(key).or_default();
            totals.count += u64::try_from(count).unwrap_or_default();
            totals.deaths += deaths;
            totals.injuries += injuries;
        }

        check_time_span(&dimensions, &buckets)?;
        if let [only @ (EventStatDimension::Month | EventStatDimension::Year)] =
            dimensions.as_slice()
        {
            fill_time_range(*only, &mut buckets);
        }
        if buckets.len() > MAX_EVENT_STAT_BUCKETS {
            return Err(StoreError::invalid(
                "groupBy",
                format!(
                    "the grouping makes {} buckets; at most {MAX_EVENT_STAT_BUCKETS} are \
                     answered: narrow the filter or group by fewer dimensions",
                    buckets.len()
                ),
            ));
        }
        Ok(buckets
            .into_iter()
            .map(|(key, totals)| bucket(&dimensions, &key, totals))
            .collect())
    }
}

/// The dimensions asked, each once, in the order first asked.
fn dimensions_in_order(asked: &[EventStatDimension]) -> Vec<EventStatDimension> {
    let mut out: Vec<EventStatDimension> = Vec::with_capacity(asked.len());
    for d in asked {
        if !out.contains(d) {
            out.push(*d);
        }
    }
    out
}

/// Refuses a grouping by time whose buckets span more than the bound.
fn check_time_span(
    dimensions: &[EventStatDimension],
    buckets: &BTreeMap<Vec<Part>, Totals>,
) -> StoreResult<()> {
    for (i, d) in dimensions.iter().enumerate() {
        let (unit, per, max) = match d {
            EventStatDimension::Month => ("months", 1, MAX_EVENT_STAT_MONTHS),
            EventStatDimension::Year => ("years", 12, MAX_EVENT_STAT_YEARS),
            _ => continue,
        };
        let days = buckets.keys().filter_map(|k| match k.get(i) {
            Some(Part::Date(day, _)) => Some(month_number(*day) / per),
            _ => None,
        });
        let (Some(first), Some(last)) = (days.clone().min(), days.max()) else {
            continue;
        };
        let span = last - first + 1;
        if span > max as i64 {
            return Err(StoreError::invalid(
                "groupBy",
                format!(
                    "the matching events span {span} {unit}; at most {max} are answered: \
                     narrow the filter with `from` and `to`"
                ),
            ));
        }
    }
    Ok(())
}

/// Adds the empty months (years) between the first bucket and the last, when time is the
/// only dimension.
fn fill_time_range(only: EventStatDimension, buckets: &mut BTreeMap<Vec<Part>, Totals>) {
    let precision = match only {
        EventStatDimension::Month => DatePrecision::Month,
        _ => DatePrecision::Year,
    };
    let months = buckets.keys().filter_map(|k| match k.first() {
        Some(Part::Date(day, p)) if *p == precision => Some(month_number(*day)),
        _ => None,
    });
    let (Some(first), Some(last)) = (months.clone().min(), months.max()) else {
        return;
    };
    let step = if precision == DatePrecision::Month {
        1
    } else {
        12
    };
    let mut n = first;
    while n <= last {
        if let Some(day) = from_month_number(n) {
            buckets.entry(vec![Part::Date(day, precision)]).or_default();
        }
        n += step;
    }
}

fn bucket(dimensions: &[EventStatDimension], key: &[Part], totals: Totals) -> EventStatBucket {
    let mut out = EventStatBucket {
        month: None,
        year: None,
        region_id: None,
        kind: None,
        actor_id: None,
        count: totals.count,
        deaths: totals.deaths,
        injuries: totals.injuries,
    };
    for (d, part) in dimensions.iter().zip(key) {
        match (d, part) {
            (EventStatDimension::Month, _) => out.month = date_of(part),
            (EventStatDimension::Year, _) => out.year = date_of(part),
            (EventStatDimension::Kind, Part::Kind(kind)) => out.kind = Some(*kind),
            (EventStatDimension::Region, Part::Named { id, .. }) => out.region_id = *id,
            (EventStatDimension::Actor, Part::Named { id, .. }) => out.actor_id = *id,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse()
            .unwrap_or_else(|e| panic!("a date in the test: {text}: {e}"))
    }

    #[test]
    fn a_year_sorts_before_its_january_and_months_are_truncated() {
        let year = month_part(day("2017-01-01"), DatePrecision::Year);
        let january = month_part(day("2017-01-18"), DatePrecision::Day);
        let december = month_part(day("2016-12-01"), DatePrecision::Month);
        assert!(december < year && year < january);
        assert_eq!(january, Part::Date(day("2017-01-01"), DatePrecision::Month));
        assert_eq!(
            date_of(&year).map(|d| d.to_string()),
            Some("2017".to_owned())
        );
    }

    #[test]
    fn named_keys_put_the_missing_bucket_last() {
        let named = |text: Option<&str>, id: Option<i64>| Part::Named {
            missing: id.is_none(),
            text: text.map(str::to_owned),
            id,
        };
        let mut parts = vec![
            named(None, None),
            named(Some("b"), Some(1)),
            named(Some("a"), Some(2)),
        ];
        parts.sort();
        assert_eq!(
            parts,
            vec![
                named(Some("a"), Some(2)),
                named(Some("b"), Some(1)),
                named(None, None)
            ]
        );
    }

    #[test]
    fn time_alone_spans_the_data_with_empty_months() {
        let mut buckets = BTreeMap::new();
        for (d, p) in [
            ("2016-11-01", DatePrecision::Month),
            ("2017-02-01", DatePrecision::Month),
            ("2017-01-01", DatePrecision::Year),
        ] {
            buckets.insert(
                vec![Part::Date(day(d), p)],
                Totals {
                    count: 1,
                    ..Totals::default()
                },
            );
        }
        fill_time_range(EventStatDimension::Month, &mut buckets);
        let keys: Vec<String> = buckets
            .keys()
            .filter_map(|k| date_of(&k[0]))
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            keys,
            ["2016-11", "2016-12", "2017", "2017-01", "2017-02"],
            "every month from the first to the last, the year-only bucket before January"
        );
        let spans = vec![EventStatDimension::Month];
        assert!(check_time_span(&spans, &buckets).is_ok());
        buckets.insert(
            vec![Part::Date(day("1900-01-01"), DatePrecision::Month)],
            Totals::default(),
        );
        assert!(matches!(
            check_time_span(&spans, &buckets),
            Err(StoreError::Invalid { field, .. }) if field == "groupBy"
        ));
    }
}
