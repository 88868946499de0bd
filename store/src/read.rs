//! Reads: lookups by id and slug, filtered keyset lists, and the batched "rows of these
//! parents" queries the DataLoaders call. Every read applies [`Access`] and hides
//! archived records.

use super::visibility::{
    case_places_visible, in_visible, visible_actors, visible_cases, visible_events, visible_links,
    visible_locations, visible_news, visible_placements, visible_roles, visible_status_changes,
};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::NaiveDate;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, Query, SimpleExpr,
};
use sea_orm::*;
use std::collections::HashMap;

/// How every filter that names a record by id goes to it, so that a named record the
/// caller may not see (restricted to an anonymous caller, archived to everyone) leaves
/// nothing to match, exactly as an id that does not exist, in the same statement. There
/// are two shapes, one per kind of link:
///
/// - through rows of a relation (a role, a link), [`through`];
/// - straight from a column that points at the named record (`events.case_id`,
///   `locations.parent_id`), [`pointing_at`].
///
/// `listed IN (SELECT take FROM R WHERE named = id AND rows)`: `R` holds the rows that
/// join a listed record to the named one, and `rows` is their visibility rule, which
/// covers the row itself and the records at both its ends (`visible_roles`,
/// `visible_links`).
fn through<R: EntityTrait>(
    listed: impl ColumnTrait,
    take: R::Column,
    named: R::Column,
    id: i64,
    rows: Condition,
) -> SimpleExpr {
    let mut sub = Query::select();
    sub.column((R::default(), take))
        .from(R::default())
        .and_where(Expr::col((R::default(), named)).eq(id))
        .cond_where(rows);
    Expr::col((listed.entity_name(), listed)).in_subquery(sub)
}

/// `column = id AND EXISTS (SELECT 1 FROM E WHERE E.id = id AND visible)`: the rows that
/// point at the named record `id` of `E`, when `visible` (`E`'s rule) lets the caller see
/// it (see [`through`]). The `EXISTS` names the id rather than the outer row, so it is
/// evaluated once and the list keeps walking `column`'s index in order (an
/// `IN (SELECT …)` makes SQLite sort a case's whole event list for each page).
fn pointing_at<E: EntityTrait>(
    column: impl ColumnTrait,
    id_column: E::Column,
    id: i64,
    visible: Condition,
) -> Condition {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(E::default())
        .and_where(Expr::col((E::default(), id_column)).eq(id))
        .cond_where(visible);
    Condition::all()
        .add(Expr::col((column.entity_name(), column)).eq(id))
        .add(Expr::exists(sub))
}

/// The visible locations a region filter matches: the region's places and everything
/// below them (`places`, from the spatial index), and the sites whose point lies inside
/// one of them (`site_places`, recorded at write time). Both are indexed lookups; the
/// region's polygon is never tested at query time. `None` (a filter not resolved against
/// the index) matches nothing.
pub(crate) fn region_locations(
    places: Option<&[i64]>,
    access: Access,
) -> sea_orm::sea_query::SelectStatement {
    let list = super::spatial::id_list(places.unwrap_or_default());
    let mut sub = Query::select();
    sub.column((location::Entity, location::Column::Id))
        .from(location::Entity)
        .cond_where(
            Condition::all().add(visible_locations(access)).add(
                Condition::any()
                    .add(Expr::cust(format!(r#""locations"."id" IN ({list})"#)))
                    .add(Expr::cust(format!(
                        r#""locations"."id" IN (SELECT site_id FROM site_places WHERE place_id IN ({list}))"#
                    ))),
            ),
        );
    sub
}

/// The place ids of region filters: the last id of each materialised path (a path that
/// does not end in an id names no place).
fn region_ids(paths: &[String]) -> Vec<i64> {
    let mut ids: Vec<i64> = paths
        .iter()
        .filter_map(|path| path.trim_end_matches('/').rsplit('/').next()?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Selects every column of `E` but `heavy`, which comes back `None`.
fn without<E: EntityTrait>(query: Select<E>, heavy: E::Column) -> Select<E> {
    let mut query = query.select_only();
    for column in E::Column::iter() {
        if column.as_str() == heavy.as_str() {
            query = query.column_as(Expr::val(None::<String>), heavy.as_str());
        } else {
            query = query.column(column);
        }
    }
    query
}

/// The rows of `query` with `LIMIT n` written into the statement's text rather than
/// bound. SQLite looks at a bound LIMIT when it plans a statement, then marks the
/// prepared statement stale whenever the value is bound again and prepares it anew on
/// every call; a page size written in the text gives one statement per page size (a
/// few, as `pagination.rs` clamps them), each prepared once. Only for page sizes, never
/// for a number taken from the caller unchecked.
async fn all_limited<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr> {
    let mut statement = query.build(db.get_database_backend());
    statement.sql.push_str(&format!(" LIMIT {limit}"));
    E::find().from_raw_sql(statement).all(db).await
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
    pub actor_ids: Vec<i64>,
    pub topics: Vec<String>,
    /// Cases whose span (start to last activity) overlaps this period.
    pub active_from: Option<NaiveDate>,
    pub active_to: Option<NaiveDate>,
    /// Spatial conditions, all of which must hold (resolved by `Store::resolve_spatial`).
    pub spatial: Vec<chasqui_domain::spatial::SpatialFilter>,
    /// The cases that satisfy `spatial`, from the index; `None` when there is none.
    pub spatial_case_ids: Option<super::spatial::IndexIds>,
    /// `spatial` when it is one box, answered from `case_points` instead of the index.
    pub spatial_box: Option<super::spatial::PointBox>,
}

/// The rows a page walk reads: `rows` is a condition on `table`, which may hold several
/// rows of a case (`several_rows_a_case`) or one.
struct Walk {
    table: &'static str,
    rows: String,
    several_rows_a_case: bool,
}

/// What a filter of one kind of condition alone reads to count and to walk a page in the
/// default order, without reading a case row.
enum Narrow {
    /// Regions: their `case_places` rows.
    Regions(Vec<i64>),
    /// One box: its `case_points` rows.
    Box(super::spatial::PointBox),
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
            && self.actor_ids.is_empty()
            && self.topics.is_empty()
            && self.active_from.is_none()
            && self.active_to.is_none()
            && self.spatial_case_ids.is_none()
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
            let places = super::spatial::id_list(&region_ids(&self.region_paths));
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
        for actor_id in &self.actor_ids {
            cond = cond.add(through::<case_actor::Entity>(
                case::Column::Id,
                case_actor::Column::CaseId,
                case_actor::Column::ActorId,
                *actor_id,
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
        if let Some(from) = self.active_from {
            cond = cond.add(case::Column::LastActivityOn.gte(from));
        }
        if let Some(to) = self.active_to {
            cond = cond.add(case::Column::LastActivityOn.is_not_null()).add(
                Condition::any()
                    .add(case::Column::StartedOn.is_null())
                    .add(case::Column::StartedOn.lte(to)),
            );
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

const NO_DATE: NaiveDate = NaiveDate::MIN;

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

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NO_DATE)
}

/// One page of a keyset list: at most `limit` rows after `after`, and whether more follow.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    pub(crate) fn from_overfetch_pub(rows: Vec<T>, limit: u64) -> Self {
        Self::from_overfetch(rows, limit)
    }

    fn from_overfetch(mut rows: Vec<T>, limit: u64) -> Self {
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Self { rows, has_next }
    }
}

/// Keyset condition `(key, id) > (k, i)` (or `<` for descending), written out so that
/// both engines plan it the same way.
fn after_condition(
    key: SimpleExpr,
    id: impl IntoColumnRef,
    value: Value,
    after_id: i64,
    descending: bool,
) -> Condition {
    let id = Expr::col(id);
    let (beyond, beyond_id) = if descending {
        (key.clone().lt(value.clone()), id.lt(after_id))
    } else {
        (key.clone().gt(value.clone()), id.gt(after_id))
    };
    Condition::any()
        .add(beyond)
        .add(Condition::all().add(key.eq(value)).add(beyond_id))
}

impl Store {
    pub async fn case_by_id(&self, access: Access, id: i64) -> StoreResult<Option<case::Model>> {
        Ok(case::Entity::find_by_id(id)
            .filter(visible_cases(access))
            .one(&self.db)
            .await?)
    }

    pub async fn case_by_slug(
        &self,
        access: Access,
        slug: &str,
    ) -> StoreResult<Option<case::Model>> {
        Ok(case::Entity::find()
            .filter(case::Column::Slug.eq(slug))
            .filter(visible_cases(access))
            .one(&self.db)
            .await?)
    }

    /// The materialised path of a location given by code or id, for region filters.
    pub async fn location_path(
        &self,
        access: Access,
        code: Option<&str>,
        id: Option<i64>,
    ) -> StoreResult<Option<String>> {
        let mut query = without(location::Entity::find(), location::Column::Geometry)
            .filter(visible_locations(access));
        if let Some(code) = code {
            query = query.filter(location::Column::Code.eq(code));
        }
        if let Some(id) = id {
            query = query.filter(location::Column::Id.eq(id));
        }
        Ok(query.one(&self.db).await?.map(|l| l.path))
    }

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
    async fn walk_page(
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
                        super::spatial::id_list(&places),
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

    /// Rows of `E` with these ids that satisfy `visible`, keyed by id: the one shape of
    /// every by-id DataLoader. A `heavy` text column (a news item's body, a place's
    /// geometry) is not read: it comes back `None`, and its own loader fetches it for the
    /// requests that select it.
    async fn by_ids<E>(
        &self,
        ids: &[i64],
        id: E::Column,
        visible: Condition,
        heavy: Option<E::Column>,
        id_of: fn(&E::Model) -> i64,
    ) -> StoreResult<HashMap<i64, E::Model>>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        let mut query = E::find();
        if let Some(heavy) = heavy {
            query = without(query, heavy);
        }
        let rows = query
            .filter(id.is_in(ids.iter().copied()))
            .filter(visible)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| (id_of(&m), m)).collect())
    }

    pub async fn cases_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, case::Model>> {
        self.by_ids::<case::Entity>(ids, case::Column::Id, visible_cases(access), None, |m| m.id)
            .await
    }

    pub async fn actors_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, actor::Model>> {
        self.by_ids::<actor::Entity>(ids, actor::Column::Id, visible_actors(access), None, |m| {
            m.id
        })
        .await
    }

    /// The bodies of these news items (visible ones only), which lists leave out.
    pub async fn news_bodies(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, Option<String>>> {
        let rows: Vec<(i64, Option<String>)> = news_item::Entity::find()
            .select_only()
            .column(news_item::Column::Id)
            .column(news_item::Column::Body)
            .filter(news_item::Column::Id.is_in(ids.iter().copied()))
            .filter(visible_news(access))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The geometries of these locations (visible ones only), which lists leave out.
    pub async fn location_geometries(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, Option<String>>> {
        let rows: Vec<(i64, Option<String>)> = location::Entity::find()
            .select_only()
            .column(location::Column::Id)
            .column(location::Column::Geometry)
            .filter(location::Column::Id.is_in(ids.iter().copied()))
            .filter(visible_locations(access))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn actor_by_slug(
        &self,
        access: Access,
        slug: &str,
    ) -> StoreResult<Option<actor::Model>> {
        Ok(actor::Entity::find()
            .filter(actor::Column::Slug.eq(slug))
            .filter(visible_actors(access))
            .one(&self.db)
            .await?)
    }

    pub async fn locations_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, location::Model>> {
        self.by_ids::<location::Entity>(
            ids,
            location::Column::Id,
            visible_locations(access),
            Some(location::Column::Geometry),
            |m| m.id,
        )
        .await
    }

    pub async fn location_by_code(
        &self,
        access: Access,
        code: &str,
    ) -> StoreResult<Option<location::Model>> {
        Ok(location::Entity::find()
            .filter(location::Column::Code.eq(code))
            .filter(visible_locations(access))
            .one(&self.db)
            .await?)
    }

    pub async fn news_items_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, news_item::Model>> {
        self.by_ids::<news_item::Entity>(
            ids,
            news_item::Column::Id,
            visible_news(access),
            Some(news_item::Column::Body),
            |m| m.id,
        )
        .await
    }

    pub async fn events_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, event::Model>> {
        self.by_ids::<event::Entity>(
            ids,
            event::Column::Id,
            Condition::all()
                .add(visible_events(access))
                .add(in_visible::<case::Entity>(
                    event::Column::CaseId,
                    case::Column::Id,
                    visible_cases(access),
                )),
            None,
            |m| m.id,
        )
        .await
    }

    pub async fn news_links_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, news_link::Model>> {
        self.by_ids::<news_link::Entity>(
            ids,
            news_link::Column::Id,
            visible_links(access),
            None,
            |m| m.id,
        )
        .await
    }

    pub async fn status_changes_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, status_change::Model>> {
        self.by_ids::<status_change::Entity>(
            ids,
            status_change::Column::Id,
            visible_status_changes(access).add(in_visible::<case::Entity>(
                status_change::Column::CaseId,
                case::Column::Id,
                visible_cases(access),
            )),
            None,
            |m| m.id,
        )
        .await
    }

    /// Actor roles of these cases (roles of invisible actors left out), oldest role first.
    pub async fn roles_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_actor::Model>> {
        Ok(case_actor::Entity::find()
            .filter(case_actor::Column::CaseId.is_in(case_ids.iter().copied()))
            .filter(visible_roles(access))
            .order_by_asc(case_actor::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Case roles of these actors (roles in invisible cases left out).
    pub async fn roles_by_actor(
        &self,
        access: Access,
        actor_ids: &[i64],
    ) -> StoreResult<Vec<case_actor::Model>> {
        Ok(case_actor::Entity::find()
            .filter(case_actor::Column::ActorId.is_in(actor_ids.iter().copied()))
            .filter(visible_roles(access))
            .order_by_asc(case_actor::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn placements_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_location::Model>> {
        Ok(case_location::Entity::find()
            .filter(case_location::Column::CaseId.is_in(case_ids.iter().copied()))
            .filter(visible_placements(access))
            .order_by_asc(case_location::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn topics_by_case(&self, case_ids: &[i64]) -> StoreResult<Vec<case_topic::Model>> {
        Ok(case_topic::Entity::find()
            .filter(case_topic::Column::CaseId.is_in(case_ids.iter().copied()))
            .order_by_asc(case_topic::Column::Topic)
            .all(&self.db)
            .await?)
    }

    pub async fn external_ids_by_case(
        &self,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_external_id::Model>> {
        Ok(case_external_id::Entity::find()
            .filter(case_external_id::Column::CaseId.is_in(case_ids.iter().copied()))
            .order_by_asc(case_external_id::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Relations touching these cases, in either direction, to visible cases only.
    pub async fn relations_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<case_relation::Model>> {
        let ids = || case_ids.iter().copied();
        Ok(case_relation::Entity::find()
            .filter(
                Condition::any()
                    .add(case_relation::Column::CaseId.is_in(ids()))
                    .add(case_relation::Column::RelatedCaseId.is_in(ids())),
            )
            .filter(in_visible::<case::Entity>(
                case_relation::Column::CaseId,
                case::Column::Id,
                visible_cases(access),
            ))
            .filter(in_visible::<case::Entity>(
                case_relation::Column::RelatedCaseId,
                case::Column::Id,
                visible_cases(access),
            ))
            .order_by_asc(case_relation::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Status history of these cases, oldest first.
    pub async fn status_changes_by_case(
        &self,
        access: Access,
        case_ids: &[i64],
    ) -> StoreResult<Vec<status_change::Model>> {
        Ok(status_change::Entity::find()
            .filter(status_change::Column::CaseId.is_in(case_ids.iter().copied()))
            .filter(visible_status_changes(access))
            .order_by_asc(status_change::Column::OccurredOn)
            .order_by_asc(status_change::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn aliases_by_actor(
        &self,
        actor_ids: &[i64],
    ) -> StoreResult<Vec<actor_alias::Model>> {
        Ok(actor_alias::Entity::find()
            .filter(actor_alias::Column::ActorId.is_in(actor_ids.iter().copied()))
            .order_by_asc(actor_alias::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Links of these news items (to visible cases), newest case link first.
    pub async fn links_by_news_item(
        &self,
        access: Access,
        news_ids: &[i64],
    ) -> StoreResult<Vec<news_link::Model>> {
        Ok(news_link::Entity::find()
            .filter(news_link::Column::NewsItemId.is_in(news_ids.iter().copied()))
            .filter(visible_links(access))
            .order_by_asc(news_link::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn event_actors_by_event(
        &self,
        access: Access,
        event_ids: &[i64],
    ) -> StoreResult<Vec<event_actor::Model>> {
        Ok(event_actor::Entity::find()
            .filter(event_actor::Column::EventId.is_in(event_ids.iter().copied()))
            .filter(in_visible::<actor::Entity>(
                event_actor::Column::ActorId,
                actor::Column::Id,
                visible_actors(access),
            ))
            .order_by_asc(event_actor::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn event_sources_by_event(
        &self,
        access: Access,
        event_ids: &[i64],
    ) -> StoreResult<Vec<event_source::Model>> {
        Ok(event_source::Entity::find()
            .filter(event_source::Column::EventId.is_in(event_ids.iter().copied()))
            .filter(
                Condition::any()
                    .add(event_source::Column::NewsItemId.is_null())
                    .add(in_visible::<news_item::Entity>(
                        event_source::Column::NewsItemId,
                        news_item::Column::Id,
                        visible_news(access),
                    )),
            )
            .order_by_asc(event_source::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn children_by_location(
        &self,
        access: Access,
        parent_ids: &[i64],
    ) -> StoreResult<Vec<location::Model>> {
        Ok(location::Entity::find()
            .filter(location::Column::ParentId.is_in(parent_ids.iter().copied()))
            .filter(visible_locations(access))
            .order_by_asc(location::Column::Name)
            .all(&self.db)
            .await?)
    }

    pub async fn list_actors(
        &self,
        access: Access,
        filter: &ActorFilter,
        after: Option<&str>,
        limit: u64,
    ) -> StoreResult<Page<actor::Model>> {
        let mut query = actor::Entity::find().filter(visible_actors(access));
        if !filter.kinds.is_empty() {
            query = query.filter(actor::Column::Kind.is_in(filter.kinds.clone()));
        }
        if let Some(name) = &filter.name_contains {
            let mut aliases = Query::select();
            aliases
                .column(actor_alias::Column::ActorId)
                .from(actor_alias::Entity)
                .and_where(name_contains(actor_alias::Column::Alias, name));
            query = query.filter(
                Condition::any()
                    .add(name_contains(actor::Column::Name, name))
                    .add(actor::Column::Id.in_subquery(aliases)),
            );
        }
        if let Some(case_id) = filter.case_id {
            query = query.filter(through::<case_actor::Entity>(
                actor::Column::Id,
                case_actor::Column::ActorId,
                case_actor::Column::CaseId,
                case_id,
                visible_roles(access),
            ));
        }
        if let Some(after) = after {
            query = query.filter(actor::Column::Slug.gt(after));
        }
        let query = query.order_by_asc(actor::Column::Slug);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    pub async fn list_locations(
        &self,
        access: Access,
        filter: &LocationFilter,
        after: Option<i64>,
        limit: u64,
    ) -> StoreResult<Page<location::Model>> {
        let mut query = without(location::Entity::find(), location::Column::Geometry)
            .filter(visible_locations(access));
        if !filter.levels.is_empty() {
            query = query.filter(location::Column::Level.is_in(filter.levels.clone()));
        }
        if let Some(path) = &filter.within_path {
            query = query.filter(location::Column::Path.starts_with(path.as_str()));
        }
        if let Some(parent) = filter.parent_id {
            query = query.filter(pointing_at::<location::Entity>(
                location::Column::ParentId,
                location::Column::Id,
                parent,
                visible_locations(access),
            ));
        }
        if let Some(name) = &filter.name_contains {
            query = query.filter(name_contains(location::Column::Name, name));
        }
        if let Some(after) = after {
            query = query.filter(location::Column::Id.gt(after));
        }
        let query = query.order_by_asc(location::Column::Id);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    pub async fn list_news_items(
        &self,
        access: Access,
        filter: &NewsFilter,
        after: Option<(NaiveDate, i64)>,
        limit: u64,
    ) -> StoreResult<Page<news_item::Model>> {
        let mut query = without(news_item::Entity::find(), news_item::Column::Body)
            .filter(visible_news(access));
        if let Some(case_id) = filter.case_id {
            query = query.filter(through::<news_link::Entity>(
                news_item::Column::Id,
                news_link::Column::NewsItemId,
                news_link::Column::CaseId,
                case_id,
                visible_links(access).add(news_link::Column::State.ne(LinkState::Rejected)),
            ));
        }
        if let Some(from) = filter.from {
            query = query.filter(period_ends_on_or_after(
                news_item::Column::PublishedOn,
                news_item::Column::PublishedPrecision,
                from,
            ));
        }
        if let Some(to) = filter.to {
            query = query.filter(news_item::Column::PublishedOn.lte(to));
        }
        if let Some(publisher) = &filter.publisher {
            query = query.filter(news_item::Column::Publisher.eq(publisher.as_str()));
        }
        if let Some((date, id)) = after {
            query = query.filter(after_condition(
                Expr::col(news_item::Column::PublishedOn),
                news_item::Column::Id,
                date.into(),
                id,
                true,
            ));
        }
        let query = query
            .order_by_desc(news_item::Column::PublishedOn)
            .order_by_desc(news_item::Column::Id);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }
}

#[derive(Clone, Debug, Default)]
pub struct ActorFilter {
    pub kinds: Vec<ActorKind>,
    pub name_contains: Option<String>,
    pub case_id: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct LocationFilter {
    pub levels: Vec<LocationLevel>,
    pub within_path: Option<String>,
    pub parent_id: Option<i64>,
    pub name_contains: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewsFilter {
    pub case_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub publisher: Option<String>,
}

/// The escape character of [`name_contains`] patterns.
const LIKE_ESCAPE: char = '\\';

/// `LOWER(column) LIKE '%text%' ESCAPE '\'`, with the caller's `text` (lowercased) taken
/// literally: `%`, `_` and the escape character in it are escaped, so a name containing
/// them is found by them and they are never wildcards. The escape character is given
/// explicitly because the engines' defaults differ (SQLite has none). Every filter on
/// part of a name goes through here.
fn name_contains(column: impl IntoColumnRef, text: &str) -> SimpleExpr {
    let mut pattern = String::with_capacity(text.len() + 8);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if c == '%' || c == '_' || c == LIKE_ESCAPE {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape(LIKE_ESCAPE))
}

/// `the period (first_day, precision) ends on or after day`: a period ends on or after a
/// day exactly when its first day is on or after that day truncated to its precision.
pub(crate) fn period_ends_on_or_after(
    first_day: impl ColumnTrait,
    precision: impl ColumnTrait,
    day: NaiveDate,
) -> Condition {
    let mut any = Condition::any();
    for p in DatePrecision::ALL {
        any = any.add(
            Condition::all()
                .add(precision.eq(*p))
                .add(first_day.gte(PartialDate::truncate(day, *p).first_day())),
        );
    }
    any
}

/// Filters for the event list. Empty lists mean "any".
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub case_id: Option<i64>,
    pub kinds: Vec<EventKind>,
    /// Events at a location on or below one of these places (materialised paths), or at
    /// a site inside one of them.
    pub region_paths: Vec<String>,
    /// Spatial conditions on the event's location, all of which must hold (resolved by
    /// `Store::resolve_event_spatial`).
    pub spatial: Vec<chasqui_domain::spatial::SpatialFilter>,
    /// The locations that satisfy `spatial`, from the index.
    pub spatial_location_ids: Option<super::spatial::IndexIds>,
    /// The places at or below `region_paths`, from the index.
    pub region_places: Option<Vec<i64>>,
}

impl EventFilter {
    pub(crate) fn condition(&self, access: Access) -> Condition {
        let mut cond =
            Condition::all()
                .add(visible_events(access))
                .add(in_visible::<case::Entity>(
                    event::Column::CaseId,
                    case::Column::Id,
                    visible_cases(access),
                ));
        if let Some(case_id) = self.case_id {
            cond = cond.add(pointing_at::<case::Entity>(
                event::Column::CaseId,
                case::Column::Id,
                case_id,
                visible_cases(access),
            ));
        }
        if !self.kinds.is_empty() {
            cond = cond.add(event::Column::Kind.is_in(self.kinds.clone()));
        }
        if !self.region_paths.is_empty() {
            cond = cond.add(
                event::Column::LocationId
                    .in_subquery(region_locations(self.region_places.as_deref(), access)),
            );
        }
        if let Some(ids) = &self.spatial_location_ids {
            // The index answers with the locations the caller may see (unarchived, and
            // restricted ones only for callers who may read them).
            cond = cond.add(ids.condition(r#""events"."location_id""#));
        }
        cond
    }
}

impl Store {
    /// Events, latest first (by date, then id).
    pub async fn list_events(
        &self,
        access: Access,
        filter: &EventFilter,
        after: Option<(NaiveDate, i64)>,
        limit: u64,
    ) -> StoreResult<Page<event::Model>> {
        let mut query = event::Entity::find().filter(filter.condition(access));
        if let Some((date, id)) = after {
            query = query.filter(after_condition(
                Expr::col(event::Column::OccurredOn),
                event::Column::Id,
                date.into(),
                id,
                true,
            ));
        }
        let query = query
            .order_by_desc(event::Column::OccurredOn)
            .order_by_desc(event::Column::Id);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    /// How many events match the filter.
    pub async fn count_events(&self, access: Access, filter: &EventFilter) -> StoreResult<u64> {
        Ok(event::Entity::find()
            .filter(filter.condition(access))
            .count(&self.db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns_escape_wildcards_with_an_explicit_escape_on_both_engines() {
        for (backend, escape) in [
            (DbBackend::Sqlite, "ESCAPE '\\'"),
            (DbBackend::Postgres, "ESCAPE E'\\\\'"),
        ] {
            let statement = actor::Entity::find()
                .filter(name_contains(actor::Column::Name, "50%_a\\B"))
                .build(backend);
            assert!(
                statement.sql.contains(escape),
                "{backend:?}: {}",
                statement.sql
            );
            let values = statement.values.map(|v| v.0).unwrap_or_default();
            assert_eq!(values, vec![Value::from("%50\\%\\_a\\\\b%")], "{backend:?}");
        }
    }
}
