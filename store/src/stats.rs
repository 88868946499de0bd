//! Counts for analysts: cases by status, phase, kind, conflict type, region (department),
//! province and month, in any combination. Month buckets give each case's status and phase
//! as of the end of that month, from its status history (`history.rs`), the way the
//! Ombudsman's monthly reports count them.

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
    /// The phase (of the status in effect): cases without one count under no phase.
    Phase,
    Kind,
    ConflictType,
    /// The department (REGION level) a case lies in, through places the caller may see;
    /// a case in two departments counts in both.
    Region,
    /// The province (PROVINCE level) a case lies in, through places the caller may see;
    /// as for regions, a case in two provinces counts in both. Grouped with `Region`,
    /// each province counts under the department it lies in.
    Province,
    /// The end of each month in the filter's period; without a period, from the month of
    /// the first dated status change of the matching cases to the month of their latest
    /// activity (never past today).
    Month,
}

/// One group of cases and how many there are. Only the grouped-by fields are set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatBucket {
    pub month: Option<NaiveDate>,
    pub region_id: Option<i64>,
    pub province_id: Option<i64>,
    pub status: Option<CaseStatus>,
    pub phase: Option<ConflictPhase>,
    pub kind: Option<CaseKind>,
    pub conflict_type: Option<ConflictType>,
    pub count: u64,
}

/// A bucket's key: (month, region, province, status, phase, kind, conflict type).
type BucketKey = (
    Option<NaiveDate>,
    Option<i64>,
    Option<i64>,
    Option<CaseStatus>,
    Option<ConflictPhase>,
    Option<CaseKind>,
    Option<ConflictType>,
);

/// A matching case's own columns a count reads.
type CaseRow = (
    i64,
    CaseStatus,
    Option<ConflictPhase>,
    CaseKind,
    Option<ConflictType>,
    Option<NaiveDate>,
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
        let cases: Vec<CaseRow> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::Status)
            .column(case::Column::Phase)
            .column(case::Column::Kind)
            .column(case::Column::ConflictType)
            .column(case::Column::LastActivityOn)
            .filter(filter.condition(access))
            .into_tuple()
            .all(&self.db)
            .await?;
        let matching = || filter.matching_ids(access);

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
            cases.iter().map(|c| (c.0, slots_of(&c.0))).collect();

        let mut counts: BTreeMap<BucketKey, u64> = BTreeMap::new();
        let mut add = |month, case: &CaseRow, status, phase| {
            let status = has(StatDimension::Status).then_some(status);
            let phase = if has(StatDimension::Phase) {
                phase
            } else {
                None
            };
            let kind = has(StatDimension::Kind).then_some(case.3);
            let conflict_type = if has(StatDimension::ConflictType) {
                case.4
            } else {
                None
            };
            for (region, province) in slots.get(&case.0).into_iter().flatten() {
                *counts
                    .entry((
                        month,
                        *region,
                        *province,
                        status,
                        phase,
                        kind,
                        conflict_type,
                    ))
                    .or_default() += 1;
            }
        };

        if has(StatDimension::Month) {
            let changes = status_change::Entity::find()
                .filter(status_change::Column::CaseId.in_subquery(matching()))
                .filter(super::visibility::visible_status_changes(access))
                .filter(status_change::Column::Undated.eq(false))
                .all(&self.db)
                .await?;
            let mut history: HashMap<i64, Vec<status_change::Model>> = HashMap::new();
            for change in changes {
                history.entry(change.case_id).or_default().push(change);
            }
            let today = super::now().date_naive();
            // The data's own range unless the filter gives a period: from the first dated
            // status change to the latest activity of the matching cases.
            let first = filter
                .active_from
                .or_else(|| history.values().flatten().map(|c| c.occurred_on).min())
                .map(month_start);
            let latest = cases.iter().filter_map(|c| c.5).max();
            let last = filter
                .active_to
                .or(latest)
                .map(|l| month_start(Ord::min(l, today)));
            if let (Some(first), Some(last)) = (first, last) {
                let mut month = Ord::max(
                    first,
                    month_start(last - chrono::Days::new(31 * MAX_STAT_MONTHS as u64)),
                );
                while month <= last {
                    let month_end = next_month(month).pred_opt().unwrap_or(month);
                    for case in &cases {
                        let then = history
                            .get(&case.0)
                            .and_then(|h| super::history::in_effect(h, month_end));
                        if let Some(change) = then {
                            add(Some(month), case, change.status, change.phase);
                        }
                    }
                    month = next_month(month);
                }
            }
        } else {
            for case in &cases {
                add(None, case, case.1, case.2);
            }
        }
        Ok(counts
            .into_iter()
            .map(
                |((month, region_id, province_id, status, phase, kind, conflict_type), count)| {
                    StatBucket {
                        month,
                        region_id,
                        province_id,
                        status,
                        phase,
                        kind,
                        conflict_type,
                        count,
                    }
                },
            )
            .collect())
    }
}

/// A visible place a case lies in, at a level a count groups by.
pub(crate) struct CasePlace {
    pub(crate) id: i64,
    pub(crate) level: LocationLevel,
    pub(crate) path: String,
}

impl Store {
    /// For each matching case, the places at `levels` it lies in that the caller may
    /// see: the `case_places` rows a region filter reads, under the same rule
    /// ([`super::visibility::case_places_visible`]: the case reaches the place through a
    /// location the caller may see), of places the caller may see. A count then goes
    /// through exactly the places through which `cases(filter: {region})` finds a case.
    pub(crate) async fn places_of_cases(
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
