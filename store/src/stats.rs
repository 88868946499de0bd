//! Counts for analysts: cases by status, kind, region (department) and month, in any
//! combination. Month buckets give each case's status as of the end of that month, from
//! its status history, the way the Ombudsman's monthly reports count them.

use super::{Access, CaseFilter, Store, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::*;
use std::collections::{BTreeMap, HashMap};

/// A dimension to group case counts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatDimension {
    Status,
    Kind,
    /// The department (REGION level) a case lies in, through places the caller may see;
    /// a case in two departments counts in both.
    Region,
    /// The province (PROVINCE level) a case lies in, through places the caller may see;
    /// as for regions, a case in two provinces counts in both. Grouped with `Region`,
    /// each province counts under the department it lies in.
    Province,
    /// The end of each month in the filter's period.
    Month,
}

/// One group of cases and how many there are. Only the grouped-by fields are set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatBucket {
    pub month: Option<NaiveDate>,
    pub region_id: Option<i64>,
    pub province_id: Option<i64>,
    pub status: Option<CaseStatus>,
    pub kind: Option<CaseKind>,
    pub count: u64,
}

/// A bucket's key: (month, region, province, status, kind).
type BucketKey = (
    Option<NaiveDate>,
    Option<i64>,
    Option<i64>,
    Option<CaseStatus>,
    Option<CaseKind>,
);

/// The (region, province) part of a bucket's key.
type PlaceSlot = (Option<i64>, Option<i64>);

/// The most months one query may span (50 years).
pub const MAX_STAT_MONTHS: usize = 600;

fn month_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day)
}

fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

impl Store {
    pub async fn case_stats(
        &self,
        access: Access,
        filter: &CaseFilter,
        dimensions: &[StatDimension],
    ) -> StoreResult<Vec<StatBucket>> {
        let has = |d| dimensions.contains(&d);
        let cases: Vec<(i64, CaseStatus, CaseKind)> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::Status)
            .column(case::Column::Kind)
            .filter(filter.condition(access))
            .into_tuple()
            .all(&self.db)
            .await?;
        let matching = || {
            let mut sub = Query::select();
            sub.column(case::Column::Id)
                .from(case::Entity)
                .cond_where(filter.condition(access));
            sub
        };

        // The (region, province) slots each case counts in: the departments it lies in, the
        // provinces, or each province with the department it lies in; (None, None) when
        // neither is grouped by.
        let levels: Vec<LocationLevel> = [
            (StatDimension::Region, LocationLevel::Region),
            (StatDimension::Province, LocationLevel::Province),
        ]
        .into_iter()
        .filter(|(dimension, _)| has(*dimension))
        .map(|(_, level)| level)
        .collect();
        let places = if levels.is_empty() {
            HashMap::new()
        } else {
            self.places_of_cases(access, &matching, &levels).await?
        };
        let slots_of = |id: &i64| -> Vec<PlaceSlot> {
            let Some(places) = places.get(id) else {
                return if levels.is_empty() {
                    vec![(None, None)]
                } else {
                    Vec::new()
                };
            };
            let at = |level| places.iter().filter(move |p: &&CasePlace| p.level == level);
            match (has(StatDimension::Region), has(StatDimension::Province)) {
                (true, true) => at(LocationLevel::Province)
                    .flat_map(|province| {
                        at(LocationLevel::Region)
                            .filter(|region| province.path.starts_with(&region.path))
                            .map(|region| (Some(region.id), Some(province.id)))
                    })
                    .collect(),
                (true, false) => at(LocationLevel::Region)
                    .map(|r| (Some(r.id), None))
                    .collect(),
                _ => at(LocationLevel::Province)
                    .map(|p| (None, Some(p.id)))
                    .collect(),
            }
        };
        let slots: HashMap<i64, Vec<PlaceSlot>> =
            cases.iter().map(|(id, _, _)| (*id, slots_of(id))).collect();

        let mut counts: BTreeMap<BucketKey, u64> = BTreeMap::new();
        let mut add = |month, id: &i64, status, kind| {
            let status = has(StatDimension::Status).then_some(status);
            let kind = has(StatDimension::Kind).then_some(kind);
            for (region, province) in slots.get(id).into_iter().flatten() {
                *counts
                    .entry((month, *region, *province, status, kind))
                    .or_default() += 1;
            }
        };

        if has(StatDimension::Month) {
            let changes: Vec<(i64, CaseStatus, NaiveDate)> = status_change::Entity::find()
                .select_only()
                .column(status_change::Column::CaseId)
                .column(status_change::Column::Status)
                .column(status_change::Column::OccurredOn)
                .filter(status_change::Column::CaseId.in_subquery(matching()))
                .filter(super::visibility::visible_status_changes(access))
                .order_by_asc(status_change::Column::OccurredOn)
                .order_by_asc(status_change::Column::Id)
                .into_tuple()
                .all(&self.db)
                .await?;
            let mut history: HashMap<i64, Vec<(NaiveDate, CaseStatus)>> = HashMap::new();
            for (case_id, status, on) in &changes {
                history.entry(*case_id).or_default().push((*on, *status));
            }
            let today = super::now().date_naive();
            let first = filter
                .active_from
                .or_else(|| changes.iter().map(|c| c.2).min())
                .map(month_start);
            let last = month_start(Ord::min(filter.active_to.unwrap_or(today), today));
            let mut month = match first {
                Some(first) => Ord::max(
                    first,
                    month_start(last - chrono::Days::new(31 * MAX_STAT_MONTHS as u64)),
                ),
                None => last,
            };
            while month <= last {
                let month_end = next_month(month).pred_opt().unwrap_or(month);
                for (id, _, kind) in &cases {
                    let status_then = history
                        .get(id)
                        .and_then(|h| h.iter().take_while(|(on, _)| *on <= month_end).last())
                        .map(|(_, s)| *s);
                    if let Some(status) = status_then {
                        add(Some(month), id, status, *kind);
                    }
                }
                month = next_month(month);
            }
        } else {
            for (id, status, kind) in &cases {
                add(None, id, *status, *kind);
            }
        }
        Ok(counts
            .into_iter()
            .map(
                |((month, region_id, province_id, status, kind), count)| StatBucket {
                    month,
                    region_id,
                    province_id,
                    status,
                    kind,
                    count,
                },
            )
            .collect())
    }
}

/// A visible place a case lies in, at a level a count groups by.
struct CasePlace {
    id: i64,
    level: LocationLevel,
    path: String,
}

impl Store {
    /// For each matching case, the places at `levels` it lies in that the caller may
    /// see: the `case_places` rows a region filter reads, under the same rule
    /// ([`super::visibility::case_places_visible`]: the case reaches the place through a
    /// location the caller may see), of places the caller may see. A count then goes
    /// through exactly the places through which `cases(filter: {region})` finds a case.
    async fn places_of_cases(
        &self,
        access: Access,
        matching: &impl Fn() -> sea_orm::sea_query::SelectStatement,
        levels: &[LocationLevel],
    ) -> StoreResult<HashMap<i64, Vec<CasePlace>>> {
        let case_places = Alias::new("case_places");
        let mut select = Query::select();
        select
            .column((case_places.clone(), Alias::new("case_id")))
            .column((location::Entity, location::Column::Id))
            .column((location::Entity, location::Column::Level))
            .column((location::Entity, location::Column::Path))
            .from(case_places.clone())
            .inner_join(
                location::Entity,
                Expr::col((location::Entity, location::Column::Id))
                    .equals((case_places.clone(), Alias::new("place_id"))),
            )
            .and_where(Expr::col((case_places, Alias::new("case_id"))).in_subquery(matching()))
            .and_where(Expr::cust(super::visibility::case_places_visible(access)))
            .and_where(location::Column::Level.is_in(levels.iter().copied()))
            .cond_where(super::visibility::visible_locations(access));
        let statement = self.db.get_database_backend().build(&select);
        let mut by_case: HashMap<i64, Vec<CasePlace>> = HashMap::new();
        for row in self.db.query_all_raw(statement).await? {
            let case_id: i64 = row.try_get_by_index(0)?;
            by_case.entry(case_id).or_default().push(CasePlace {
                id: row.try_get_by_index(1)?,
                level: row.try_get_by_index(2)?,
                path: row.try_get_by_index(3)?,
            });
        }
        Ok(by_case)
    }
}
