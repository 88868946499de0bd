//! Counts for analysts: cases by status, kind, region (department) and month, in any
//! combination. Month buckets give each case's status as of the end of that month, from
//! its status history, the way the Ombudsman's monthly reports count them.

use super::{Access, CaseFilter, Store, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A dimension to group case counts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatDimension {
    Status,
    Kind,
    /// The department (REGION level) a case is placed in; a case placed in two
    /// departments counts in both.
    Region,
    /// The province (PROVINCE level) a case is placed in; as for regions, a case placed
    /// in two provinces counts in both.
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

        let regions = if has(StatDimension::Region) {
            self.places_of_cases(access, &matching, LocationLevel::Region)
                .await?
        } else {
            HashMap::new()
        };
        let provinces = if has(StatDimension::Province) {
            self.places_of_cases(access, &matching, LocationLevel::Province)
                .await?
        } else {
            HashMap::new()
        };

        let mut counts: BTreeMap<BucketKey, u64> = BTreeMap::new();
        let none = vec![None];
        let slots = |dimension, map: &HashMap<i64, Vec<i64>>, id: &i64| -> Vec<Option<i64>> {
            if has(dimension) {
                map.get(id)
                    .map(|list| list.iter().copied().map(Some).collect())
                    .unwrap_or_default()
            } else {
                none.clone()
            }
        };
        let mut add = |month, id: &i64, status, kind| {
            let status = has(StatDimension::Status).then_some(status);
            let kind = has(StatDimension::Kind).then_some(kind);
            for region in slots(StatDimension::Region, &regions, id) {
                for province in slots(StatDimension::Province, &provinces, id) {
                    *counts
                        .entry((month, region, province, status, kind))
                        .or_default() += 1;
                }
            }
        };

        if has(StatDimension::Month) {
            let changes: Vec<(i64, CaseStatus, NaiveDate)> = status_change::Entity::find()
                .select_only()
                .column(status_change::Column::CaseId)
                .column(status_change::Column::Status)
                .column(status_change::Column::OccurredOn)
                .filter(status_change::Column::CaseId.in_subquery(matching()))
                .filter(super::read::visible_status_changes(access))
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

impl Store {
    /// For each matching case, the visible places at `level` it is placed in or below.
    async fn places_of_cases(
        &self,
        access: Access,
        matching: &impl Fn() -> sea_orm::sea_query::SelectStatement,
        level: LocationLevel,
    ) -> StoreResult<HashMap<i64, Vec<i64>>> {
        let placements: Vec<(i64, String)> = case_location::Entity::find()
            .select_only()
            .column(case_location::Column::CaseId)
            .column_as(
                Expr::col((location::Entity, location::Column::Path)),
                "path",
            )
            .join(
                JoinType::InnerJoin,
                case_location::Entity::belongs_to(location::Entity)
                    .from(case_location::Column::LocationId)
                    .to(location::Column::Id)
                    .into(),
            )
            .filter(case_location::Column::CaseId.in_subquery(matching()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let level_ids: HashSet<i64> = location::Entity::find()
            .select_only()
            .column(location::Column::Id)
            .filter(location::Column::Level.eq(level))
            .filter(super::read::visible_locations(access))
            .into_tuple::<i64>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut by_case: HashMap<i64, Vec<i64>> = HashMap::new();
        for (case_id, path) in placements {
            for id in path.split('/').filter_map(|p| p.parse::<i64>().ok()) {
                if level_ids.contains(&id) {
                    let list = by_case.entry(case_id).or_default();
                    if !list.contains(&id) {
                        list.push(id);
                    }
                }
            }
        }
        Ok(by_case)
    }
}
