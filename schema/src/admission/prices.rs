//! The price table: what each field of the schema costs before its selection (a
//! statement, a list's nominal length, a page, a stats field's buckets, a filter's
//! vertices), read by the walk in `admission.rs`. A unit test there holds it complete.

use super::Walk;
use crate::QueryLimits;
use async_graphql::Value;
use async_graphql::parser::types::Field;

/// A field occurrence's arguments, read on demand by the rules.
pub(super) struct Arguments<'a> {
    pub(super) walk: &'a Walk<'a>,
    pub(super) field: &'a Field,
}

impl Arguments<'_> {
    pub(super) fn get(&self, name: &str) -> Option<Value> {
        self.field
            .get_argument(name)
            .map(|v| self.walk.resolve(&v.node))
            .filter(|v| !matches!(v, Value::Null))
    }

    pub(super) fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The page a connection field is given: `first`, or the default page size; a size
    /// the field refuses (negative, over the maximum) costs the maximum.
    pub(super) fn page(&self, limits: &QueryLimits) -> u64 {
        match self.int("first") {
            None => limits.page.default_size,
            Some(n) if n < 0 => limits.page.max_size,
            Some(n) => (n as u64).min(limits.page.max_size),
        }
    }

    pub(super) fn list_len(&self, name: &str) -> u64 {
        match self.get(name) {
            Some(Value::List(items)) => items.len() as u64,
            Some(_) => 1,
            None => 0,
        }
    }
}

/// The price of a field before its selection.
#[derive(Clone, Copy, Debug)]
pub(super) struct Price {
    /// What the field costs itself (a statement, a count, a polygon to prepare…).
    pub(super) own: u64,
    /// How many times its selection is produced, when not once (a list, a page).
    pub(super) items: Option<u64>,
    /// For a connection, its page size (its `edges` and `nodes` have that many items).
    pub(super) page: Option<u64>,
}

impl Default for Price {
    /// One, plus its selection once.
    fn default() -> Self {
        Self {
            own: 1,
            items: None,
            page: None,
        }
    }
}

/// A list of unknown length (every list field has a rule; this is for a field added
/// without one).
pub(super) const DEFAULT_LIST_ITEMS: u64 = 10;
/// Nominal sizes of lists whose length is data (a case's actors, a place's children):
/// typical sizes, not bounds. What a list really holds is bounded afterwards by the
/// response size limit and the request timeout.
pub(super) const FEW: u64 = 3;
pub(super) const SOME: u64 = 10;
pub(super) const MANY: u64 = 30;
/// What reading every matching case costs before its rows are counted or drawn.
pub(super) const SCAN: u64 = 20;
pub(super) const GEOJSON_OWN: u64 = 10;
/// Nominal numbers of departments and provinces (Peru has 25 and 196).
pub(super) const REGIONS: u64 = 30;
pub(super) const PROVINCES: u64 = 200;
/// Nominal number of actors an event grouping lists.
pub(super) const ACTORS: u64 = 100;

pub(super) fn own(own: u64) -> Price {
    Price {
        own,
        ..Price::default()
    }
}

pub(super) fn list(own: u64, items: u64) -> Price {
    Price {
        own,
        items: Some(items),
        page: None,
    }
}

pub(super) fn connection(own: u64, page: u64) -> Price {
    Price {
        own,
        items: None,
        page: Some(page),
    }
}

/// The price of a field of `owner` (an object type or an interface), when it is not 1
/// plus its selection (once per item for a list of unknown length).
pub(super) fn rule(
    owner: &str,
    field: &str,
    args: &Arguments<'_>,
    limits: &QueryLimits,
) -> Option<Price> {
    let filter = || args.get("filter").map_or(0, |f| filter_cost(&f));
    let page = || args.page(limits);
    Some(match (owner, field) {
        (_, "__schema") => own(500),
        (_, "__type") => own(50),
        ("Query", "cases" | "events") => connection(2 + filter(), page()),
        ("Query", "actors" | "locations" | "newsItems" | "auditLog") => connection(2, page()),
        ("Query", "search") => connection(SCAN, page()),
        ("Query", "nodes") => list(1, args.list_len("ids")),
        ("Query", "caseStats") => {
            let (months, buckets) = stat_buckets(args);
            list(SCAN + months + filter(), buckets)
        }
        ("Query", "casesGeoJson") => {
            let limit = crate::types::spatial::geojson_limit(
                args.int("limit")
                    .map(|n| n.clamp(0, i64::from(i32::MAX)) as i32),
            )
            // A limit out of range is refused by the field itself, naming it.
            .unwrap_or(1);
            own(GEOJSON_OWN + limit + filter())
        }
        ("Query", "statusReport") => own(SCAN + SCAN + filter()),
        ("StatusReport", "byStatus") => list(1, 4),
        ("StatusReport", "activeByPhase") => list(1, 8),
        ("StatusReport", "activeByConflictType") => list(1, 10),
        ("StatusReport", "activeByRegion") => list(1, REGIONS),
        ("StatusReport", "movements") => own(1),
        // The items of `movements(first:)`: priced at the largest page, the argument being
        // on the parent field.
        ("MovementList", "items") => list(1, limits.page.max_size),
        ("ReportGroup", "cases") => list(1, page()),
        ("Query", "eventStats") => list(SCAN + filter(), event_stat_buckets(args)),
        ("CaseConnection" | "EventList" | "NewsItemConnection", "totalCount") => own(SCAN),
        ("Case", "events" | "newsItems" | "timeline" | "revisions") => connection(2, page()),
        ("Case", "statusHistory" | "actors") => list(1, SOME),
        ("Case", "locations" | "relatedCases" | "topics" | "externalIds") => list(1, FEW),
        (_, "operators" | "issuers" | "parties" | "organisers" | "investigators") => list(1, SOME),
        (_, "minerals") => list(1, FEW),
        ("Actor", "aliases") => list(1, FEW),
        ("Actor", "cases") => list(1, MANY),
        ("Event", "actors") => list(1, FEW),
        ("Event" | "StatusChange", "sources") => list(1, FEW),
        // A batched read of the rows, then of their sources or audit entries.
        ("Event" | "StatusChange" | "CasePlacement", "provenance") => own(2),
        ("Location", "ancestors") => list(1, 4),
        ("Location", "children") => list(1, MANY),
        ("Location", "geometry") => own(100),
        ("NewsItem", "cases") => list(1, FEW),
        ("NewsItem", "body") => own(100),
        ("NewsLink" | "SearchHit", "matchedTerms") => list(1, FEW),
        ("SearchHit", "snippet") => own(5),
        ("AuditEntry", "before" | "after") => own(50),
        ("Mutation", "importNewsItems") => list(SOME, args.list_len("items")),
        ("Mutation", "suggestLinks") => list(100, SOME),
        _ => return None,
    })
}

/// What a `CaseFilter` (or `EventFilter`) value costs to resolve: each vertex of an area
/// (it is checked and prepared), each place of a region list.
pub(super) fn filter_cost(filter: &Value) -> u64 {
    let Value::Object(fields) = filter else {
        return 0;
    };
    let mut cost: u64 = 0;
    if let Some(area) = fields.get("inArea") {
        cost = cost.saturating_add(positions(area));
    }
    if let Some(Value::List(regions)) = fields.get("region") {
        cost = cost.saturating_add(regions.len() as u64);
    }
    cost
}

/// The positions of a GeoJSON value (arrays whose first item is a number).
pub(super) fn positions(value: &Value) -> u64 {
    match value {
        Value::List(items) if matches!(items.first(), Some(Value::Number(_))) => 1,
        Value::List(items) => items.iter().map(positions).fold(0, u64::saturating_add),
        Value::Object(fields) => fields.values().map(positions).fold(0, u64::saturating_add),
        _ => 0,
    }
}

/// The months a `caseStats` replays, and the most buckets it can answer: the product of
/// each dimension's values (for MONTH the months of the filter's period, or the most a
/// query may span; a province lies in one department, so PROVINCE counts provinces
/// whether or not REGION is asked too).
pub(super) fn stat_buckets(args: &Arguments<'_>) -> (u64, u64) {
    let dimensions: Vec<String> = match args.get("groupBy") {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|d| match d {
                Value::Enum(name) => Some(name.to_string()),
                Value::String(name) => Some(name.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let has = |d: &str| dimensions.iter().any(|x| x == d);
    let months = if has("MONTH") {
        let filter = args.get("filter");
        let date = |name: &str| match filter.as_ref() {
            Some(Value::Object(f)) => match f.get(name) {
                Some(Value::String(text)) => chasqui_entities::PartialDate::parse(text).ok(),
                _ => None,
            },
            _ => None,
        };
        let max = chasqui_store::MAX_STAT_MONTHS as u64;
        match (date("activeFrom"), date("activeTo")) {
            (Some(from), Some(to)) => {
                use chrono::Datelike;
                let (a, b) = (from.first_day(), to.last_day());
                let span = (i64::from(b.year()) * 12 + i64::from(b.month()))
                    - (i64::from(a.year()) * 12 + i64::from(a.month()))
                    + 1;
                (span.max(1) as u64).min(max)
            }
            _ => max,
        }
    } else {
        1
    };
    let mut buckets = months;
    if has("STATUS") {
        buckets = buckets.saturating_mul(4);
    }
    if has("PHASE") {
        buckets = buckets.saturating_mul(8);
    }
    if has("KIND") {
        buckets = buckets.saturating_mul(8);
    }
    if has("CONFLICT_TYPE") {
        buckets = buckets.saturating_mul(10);
    }
    if has("PROVINCE") {
        buckets = buckets.saturating_mul(PROVINCES);
    } else if has("REGION") {
        buckets = buckets.saturating_mul(REGIONS);
    }
    (if has("MONTH") { months } else { 0 }, buckets)
}

/// The most buckets an `eventStats` can answer: the product of each dimension's values
/// (MONTH and YEAR: the months or years of the filter's `from`..`to`, or the most a
/// grouping may span; REGION: the departments and the bucket of none; KIND: the kinds;
/// ACTOR: a nominal number), never more than the store answers at all
/// ([`chasqui_store::MAX_EVENT_STAT_BUCKETS`]).
pub(super) fn event_stat_buckets(args: &Arguments<'_>) -> u64 {
    use chrono::Datelike;
    let dimensions = group_by(args);
    let has = |d: &str| dimensions.iter().any(|x| x == d);
    let filter = args.get("filter");
    let date = |name: &str| match filter.as_ref() {
        Some(Value::Object(f)) => match f.get(name) {
            Some(Value::String(text)) => chasqui_entities::PartialDate::parse(text).ok(),
            _ => None,
        },
        _ => None,
    };
    let period = date("from").zip(date("to"));
    let months = |per: i64, max: usize| -> u64 {
        match period {
            Some((from, to)) => {
                let (a, b) = (from.first_day(), to.last_day());
                let number =
                    |d: chrono::NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                let span = number(b) / per - number(a) / per + 1;
                // A year-only event adds its year's bucket to the months.
                let years = if per == 1 {
                    i64::from(b.year() - a.year()) + 1
                } else {
                    0
                };
                ((span + years).max(1) as u64).min(max as u64)
            }
            None => max as u64,
        }
    };
    let mut buckets: u64 = 1;
    if has("MONTH") {
        buckets = buckets.saturating_mul(months(1, chasqui_store::MAX_EVENT_STAT_MONTHS));
    }
    if has("YEAR") && !has("MONTH") {
        buckets = buckets.saturating_mul(months(12, chasqui_store::MAX_EVENT_STAT_YEARS));
    }
    if has("REGION") {
        buckets = buckets.saturating_mul(REGIONS + 1);
    }
    if has("KIND") {
        buckets = buckets.saturating_mul(chasqui_entities::EventKind::ALL.len() as u64);
    }
    if has("ACTOR") {
        buckets = buckets.saturating_mul(ACTORS + 1);
    }
    buckets.min(chasqui_store::MAX_EVENT_STAT_BUCKETS as u64)
}

/// The dimensions a stats field's `groupBy` names.
pub(super) fn group_by(args: &Arguments<'_>) -> Vec<String> {
    match args.get("groupBy") {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|d| match d {
                Value::Enum(name) => Some(name.to_string()),
                Value::String(name) => Some(name.clone()),
                _ => None,
            })
            .collect(),
        Some(Value::Enum(name)) => vec![name.to_string()],
        _ => Vec::new(),
    }
}
