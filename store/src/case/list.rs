//! The case list: its filter, its orders and cursors, and the page and count reads that
//! walk the indexes they need (`case_places` for regions, `case_points` for boxes).

use crate::query::{Named, Page, after_condition, all_limited, through};
use crate::visibility::{case_places_visible, visible_cases, visible_roles};
use crate::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::*;

/// The place ids of region filters: the last id of each materialised path (a path that
/// does not end in an id names no place).
pub(crate) fn region_ids(paths: &[String]) -> Vec<i64> {
    let mut ids: Vec<i64> = paths
        .iter()
        .filter_map(|path| path.trim_end_matches('/').rsplit('/').next()?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Filters for lists of cases. Empty lists mean "any".
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub kinds: Vec<CaseKind>,
    pub statuses: Vec<CaseStatus>,
    pub phases: Vec<ConflictPhase>,
    pub conflict_types: Vec<ConflictType>,
    /// Cases placed on this location or anywhere below it, or at a site inside it (its
    /// materialised path; answered from `case_places`).
    pub region_paths: Vec<String>,
    /// Cases in which each of these actors (by id or slug) has a role.
    pub actors: Vec<Named>,
    pub topics: Vec<String>,
    /// Cases whose span (first to last activity: from its start, or else its first dated
    /// record, to its latest dated record) overlaps this period; a case without any dated
    /// record is in no period.
    pub active_from: Option<NaiveDate>,
    pub active_to: Option<NaiveDate>,
    /// Cases whose status (and phase) in effect at a day is one of these
    /// (`history.rs`: the one rule of status "as of").
    pub status_as_of: Option<crate::StatusAsOf>,
    /// Spatial conditions, all of which must hold (resolved by `Store::resolve_spatial`).
    pub spatial: Vec<chasqui_domain::spatial::SpatialFilter>,
    /// The cases that satisfy `spatial`, from the index; `None` when there is none.
    pub spatial_case_ids: Option<crate::spatial::IndexIds>,
    /// `spatial` when it is one box, answered from `case_points` instead of the index.
    pub spatial_box: Option<crate::spatial::PointBox>,
    /// What the latest register that lists a case says (`None`: anything, unlisted cases
    /// included).
    pub violence_reported: Option<bool>,
    pub dialogue_under_way: Option<bool>,
    pub responsible_levels: Vec<GovernmentLevel>,
}

/// The rows a page walk reads: `rows` is a condition on `table`, which may hold several
/// rows of a case (`several_rows_a_case`) or one.
pub(crate) struct Walk {
    table: &'static str,
    rows: String,
    several_rows_a_case: bool,
}

/// What a filter of one kind of condition alone reads to count and to walk a page in the
/// default order, without reading a case row.
pub(crate) enum Narrow {
    /// Regions: their `case_places` rows.
    Regions(Vec<i64>),
    /// One box: its `case_points` rows.
    Box(crate::spatial::PointBox),
}

impl CaseFilter {
    /// The region places when the filter is nothing but regions: a count or a page can
    /// then be answered from `case_places` alone.
    fn narrow(&self) -> Option<Narrow> {
        if !self.places_only() {
            return None;
        }
        match (&self.spatial_box, self.region_paths.is_empty()) {
            (Some(point_box), true) => Some(Narrow::Box(*point_box)),
            _ => self.only_regions().map(Narrow::Regions),
        }
    }

    fn only_regions(&self) -> Option<Vec<i64>> {
        let only = !self.region_paths.is_empty() && self.places_only() && self.spatial.is_empty();
        only.then(|| region_ids(&self.region_paths))
    }

    /// No condition on the case's own columns, actors or topics, and no index ids: what
    /// is left are regions and `case_points` boxes.
    fn places_only(&self) -> bool {
        self.kinds.is_empty()
            && self.statuses.is_empty()
            && self.phases.is_empty()
            && self.conflict_types.is_empty()
            && self.actors.is_empty()
            && self.topics.is_empty()
            && self.active_from.is_none()
            && self.active_to.is_none()
            && self.status_as_of.is_none()
            && self.spatial_case_ids.is_none()
            && self.register_columns_any()
    }

    /// No condition on what registers say of a case.
    fn register_columns_any(&self) -> bool {
        self.violence_reported.is_none()
            && self.dialogue_under_way.is_none()
            && self.responsible_levels.is_empty()
    }

    /// `SELECT id FROM cases WHERE <the filter>`: the matching cases, as a subquery.
    pub(crate) fn matching_ids(&self, access: Access) -> sea_orm::sea_query::SelectStatement {
        let mut sub = Query::select();
        sub.column(case::Column::Id)
            .from(case::Entity)
            .cond_where(self.condition(access));
        sub
    }

    pub(crate) fn condition(&self, access: Access) -> Condition {
        let mut cond = visible_cases(access);
        if !self.kinds.is_empty() {
            cond = cond.add(case::Column::Kind.is_in(self.kinds.clone()));
        }
        if !self.statuses.is_empty() {
            cond = cond.add(case::Column::Status.is_in(self.statuses.clone()));
        }
        if !self.phases.is_empty() {
            cond = cond.add(case::Column::Phase.is_in(self.phases.clone()));
        }
        if !self.conflict_types.is_empty() {
            cond = cond.add(case::Column::ConflictType.is_in(self.conflict_types.clone()));
        }
        if !self.region_paths.is_empty() {
            let places = crate::spatial::id_list(&region_ids(&self.region_paths));
            cond = cond.add(Expr::cust(format!(
                r#""cases"."id" IN (SELECT case_id FROM case_places WHERE place_id IN ({places}) AND {})"#,
                case_places_visible(access)
            )));
        }
        if let Some(ids) = &self.spatial_case_ids {
            cond = cond.add(ids.condition(r#""cases"."id""#));
        }
        if let Some(point_box) = &self.spatial_box {
            cond = cond.add(Expr::cust(format!(
                r#""cases"."id" IN (SELECT case_id FROM case_points WHERE {})"#,
                point_box.rows(access)
            )));
        }
        for actor in &self.actors {
            cond = cond.add(through::<case_actor::Entity, actor::Entity>(
                case::Column::Id,
                case_actor::Column::CaseId,
                case_actor::Column::ActorId,
                actor,
                visible_roles(access),
            ));
        }
        if !self.topics.is_empty() {
            let mut sub = Query::select();
            sub.column(case_topic::Column::CaseId)
                .from(case_topic::Entity)
                .and_where(case_topic::Column::Topic.is_in(self.topics.clone()));
            cond = cond.add(case::Column::Id.in_subquery(sub));
        }
        if let Some(violence) = self.violence_reported {
            cond = cond.add(case::Column::ViolenceReported.eq(violence));
        }
        if let Some(dialogue) = self.dialogue_under_way {
            cond = cond.add(case::Column::DialogueUnderWay.eq(dialogue));
        }
        if !self.responsible_levels.is_empty() {
            cond = cond.add(case::Column::ResponsibleLevel.is_in(self.responsible_levels.clone()));
        }
        if let Some(from) = self.active_from {
            cond = cond.add(case::Column::LastActivityOn.gte(from));
        }
        if let Some(to) = self.active_to {
            cond = cond.add(case::Column::FirstActivityOn.lte(to));
        }
        if let Some(as_of) = &self.status_as_of {
            cond = cond.add(crate::history::in_effect_sql(
                r#""cases"."id""#,
                as_of,
                access,
            ));
        }
        cond
    }
}

/// The orders a case list can have; each is a keyset on (key, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseOrderKey {
    Title,
    Slug,
    LastActivity,
    StartedOn,
    Created,
}

/// A position in an ordered case list: the sort key's value and the id.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseCursor {
    pub key: String,
    pub id: i64,
}

pub(crate) const NO_DATE: NaiveDate = NaiveDate::MIN;

impl CaseOrderKey {
    fn expr(self) -> SimpleExpr {
        match self {
            Self::Title => Expr::col(case::Column::Title),
            Self::Slug => Expr::col(case::Column::Slug),
            Self::LastActivity => Expr::col(case::Column::LastActivityOn).if_null(epoch()),
            Self::StartedOn => Expr::col(case::Column::StartedOn).if_null(epoch()),
            Self::Created => Expr::col(case::Column::CreatedAt),
        }
    }

    /// The cursor key of a row in this order.
    pub fn key_of(self, model: &case::Model) -> String {
        match self {
            Self::Title => model.title.clone(),
            Self::Slug => model.slug.clone(),
            Self::LastActivity => model.last_activity_on.unwrap_or(epoch()).to_string(),
            Self::StartedOn => model.started_on.unwrap_or(epoch()).to_string(),
            Self::Created => model.created_at.to_rfc3339(),
        }
    }

    fn key_value(self, key: &str) -> Option<Value> {
        match self {
            Self::Title | Self::Slug => Some(key.to_owned().into()),
            Self::LastActivity | Self::StartedOn => key.parse::<NaiveDate>().ok().map(Into::into),
            Self::Created => chrono::DateTime::parse_from_rfc3339(key)
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc).into()),
        }
    }
}

pub(crate) fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NO_DATE)
}

impl Store {
    pub async fn list_cases(
        &self,
        access: Access,
        filter: &CaseFilter,
        order: CaseOrderKey,
        descending: bool,
        after: Option<&CaseCursor>,
        limit: u64,
    ) -> StoreResult<Page<case::Model>> {
        if order == CaseOrderKey::LastActivity {
            let walk = match filter.narrow() {
                Some(Narrow::Regions(places)) if places.len() == 1 => Some(Walk {
                    table: "case_places",
                    rows: format!(
                        "case_places.place_id = {} AND {}",
                        places[0],
                        case_places_visible(access)
                    ),
                    several_rows_a_case: false,
                }),
                // A case may have several points in the box: each once.
                Some(Narrow::Box(point_box)) => Some(Walk {
                    table: "case_points",
                    rows: point_box.rows(access),
                    several_rows_a_case: true,
                }),
                _ => None,
            };
            if let Some(walk) = walk {
                return self.walk_page(access, walk, descending, after, limit).await;
            }
        }
        let mut query = case::Entity::find().filter(filter.condition(access));
        if let Some(after) = after {
            let value = order.key_value(&after.key).ok_or_else(|| {
                StoreError::invalid("after", "the cursor does not belong to this order")
            })?;
            query = query.filter(after_condition(
                order.expr(),
                case::Column::Id,
                value,
                after.id,
                descending,
            ));
        }
        let direction = if descending { Order::Desc } else { Order::Asc };
        let query = query
            .order_by(order.expr(), direction.clone())
            .order_by(case::Column::Id, direction);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    /// A page of cases by latest activity, walked in a table that carries each case's
    /// activity and visibility (`case_places` for a region, `case_points` for a box): an
    /// index range read in that order, which stops after the page (a region), or the
    /// box's rows sorted with a limit (a box), then the page's case rows.
    pub(crate) async fn walk_page(
        &self,
        access: Access,
        walk: Walk,
        descending: bool,
        after: Option<&CaseCursor>,
        limit: u64,
    ) -> StoreResult<Page<case::Model>> {
        let table = Alias::new(walk.table);
        let activity = Expr::col((table.clone(), Alias::new("activity")));
        let case_id = Expr::col((table.clone(), Alias::new("case_id")));
        let mut select = Query::select();
        select
            .column((table.clone(), Alias::new("case_id")))
            .from(table.clone())
            .and_where(Expr::cust(walk.rows));
        if let Some(after) = after {
            let value = CaseOrderKey::LastActivity
                .key_value(&after.key)
                .ok_or_else(|| {
                    StoreError::invalid("after", "the cursor does not belong to this order")
                })?;
            select.cond_where(after_condition(
                activity.clone(),
                (table.clone(), Alias::new("case_id")),
                value,
                after.id,
                descending,
            ));
        }
        let direction = if descending { Order::Desc } else { Order::Asc };
        select
            .order_by_expr(activity, direction.clone())
            .order_by_expr(case_id, direction.clone());
        let backend = self.db.get_database_backend();
        let order = CaseOrderKey::LastActivity;
        if walk.several_rows_a_case {
            // A case's rows share its activity, so they come next to each other in this
            // order: read twice the page's rows (most cases have two points, a site and its
            // district), keep each case once, and read more only when that was not enough.
            // Cheaper than having the engine sort out distinct cases over the whole box.
            let mut fetch = (limit + 1) * 2;
            let ids = loop {
                // The limit is written into the text, as in `all_limited`.
                let mut statement = backend.build(&select);
                statement.sql.push_str(&format!(" LIMIT {fetch}"));
                let rows = self.db.query_all_raw(statement).await?;
                let mut ids = rows
                    .iter()
                    .map(|row| row.try_get_by_index::<i64>(0))
                    .collect::<Result<Vec<_>, _>>()?;
                ids.dedup();
                if ids.len() as u64 > limit || (rows.len() as u64) < fetch {
                    ids.truncate(limit as usize + 1);
                    break ids;
                }
                fetch *= 4;
            };
            let rows = case::Entity::find()
                .filter(visible_cases(access))
                .filter(case::Column::Id.is_in(ids))
                .order_by(order.expr(), direction.clone())
                .order_by(case::Column::Id, direction)
                .all(&self.db)
                .await?;
            return Ok(Page::from_overfetch(rows, limit));
        }
        // The walk's limit is written into the text, as in `all_limited`.
        let select = backend.build(&select);
        let values = select.values.map(|v| v.0).unwrap_or_default();
        let walk = Expr::cust_with_values(
            format!(r#""cases"."id" IN ({} LIMIT {})"#, select.sql, limit + 1),
            values,
        );
        let rows = case::Entity::find()
            .filter(visible_cases(access))
            .filter(walk)
            .order_by(order.expr(), direction.clone())
            .order_by(case::Column::Id, direction)
            .all(&self.db)
            .await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    pub async fn count_cases(&self, access: Access, filter: &CaseFilter) -> StoreResult<u64> {
        if let Some(narrow) = filter.narrow() {
            let sql = match narrow {
                Narrow::Regions(places) => {
                    // A case lies in each place once; across several places, count it once.
                    let counted = if places.len() == 1 {
                        "COUNT(*)"
                    } else {
                        "COUNT(DISTINCT case_id)"
                    };
                    format!(
                        "SELECT {counted} AS n FROM case_places WHERE place_id IN ({}) AND {}",
                        crate::spatial::id_list(&places),
                        case_places_visible(access)
                    )
                }
                // A case may have several points in the box.
                Narrow::Box(point_box) => format!(
                    "SELECT COUNT(DISTINCT case_id) AS n FROM case_points WHERE {}",
                    point_box.rows(access)
                ),
            };
            let row = self
                .db
                .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
                .await?;
            let n = match row {
                Some(row) => row.try_get::<i64>("", "n")?,
                None => 0,
            };
            return Ok(u64::try_from(n).unwrap_or(0));
        }
        Ok(case::Entity::find()
            .filter(filter.condition(access))
            .count(&self.db)
            .await?)
    }
}
