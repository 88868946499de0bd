//! What the reads share: filters that name a record by id, keyset pages and their cursors,
//! lookups by id, name patterns, period overlaps.

use super::{Store, StoreResult};
use chasqui_entities::tables::{actor, case, location};
use chasqui_entities::*;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, Query, SimpleExpr};
use sea_orm::*;
use std::collections::HashMap;

/// How a filter names a record: by id, or by its own key (a case's or an actor's slug,
/// a place's code). A key goes through the same rule as an id ([`through`],
/// [`pointing_at`]): a key of a record the caller may not see matches nothing, exactly
/// as a key no record has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    Id(i64),
    Key(String),
}

impl From<i64> for Named {
    fn from(id: i64) -> Self {
        Named::Id(id)
    }
}

/// A kind of record a filter may name by key: its id column and its key column.
pub(crate) trait Keyed: EntityTrait {
    fn id_column() -> Self::Column;
    fn key_column() -> Self::Column;
}

impl Keyed for case::Entity {
    fn id_column() -> Self::Column {
        case::Column::Id
    }
    fn key_column() -> Self::Column {
        case::Column::Slug
    }
}

impl Keyed for actor::Entity {
    fn id_column() -> Self::Column {
        actor::Column::Id
    }
    fn key_column() -> Self::Column {
        actor::Column::Slug
    }
}

impl Keyed for location::Entity {
    fn id_column() -> Self::Column {
        location::Column::Id
    }
    fn key_column() -> Self::Column {
        location::Column::Code
    }
}

/// `(SELECT E.id FROM E WHERE E.key = key AND cond)`: the id of the record of `E` with
/// this key, as a scalar subquery (NULL, which equals nothing, when no row qualifies).
/// It names no outer row, so it is evaluated once.
fn id_of_key<E: Keyed>(key: &str, cond: Condition) -> SimpleExpr {
    let mut sub = Query::select();
    sub.column((E::default(), E::id_column()))
        .from(E::default())
        .and_where(Expr::col((E::default(), E::key_column())).eq(key))
        .cond_where(cond);
    SimpleExpr::SubQuery(None, Box::new(sub.to_owned().into()))
}

/// How every filter that names a record (by id or key, [`Named`]) goes to it, so that a
/// named record the caller may not see (restricted to an anonymous caller, archived to
/// everyone) leaves nothing to match, exactly as an id or a key that does not exist, in
/// the same statement. There are two shapes, one per kind of link:
///
/// - through rows of a relation (a role, a link), [`through`];
/// - straight from a column that points at the named record (`events.case_id`,
///   `locations.parent_id`), [`pointing_at`].
///
/// `listed IN (SELECT take FROM R WHERE named = <the record> AND rows)`: `R` holds the
/// rows that join a listed record to the named one (of `E`), and `rows` is their
/// visibility rule, which covers the row itself and the records at both its ends
/// (`visible_roles`, `listed_links`).
pub(crate) fn through<R: EntityTrait, E: Keyed>(
    listed: impl ColumnTrait,
    take: R::Column,
    named: R::Column,
    record: &Named,
    rows: Condition,
) -> SimpleExpr {
    let named = Expr::col((R::default(), named));
    let named = match record {
        Named::Id(id) => named.eq(*id),
        Named::Key(key) => named.eq(id_of_key::<E>(key, Condition::all())),
    };
    let mut sub = Query::select();
    sub.column((R::default(), take))
        .from(R::default())
        .and_where(named)
        .cond_where(rows);
    Expr::col((listed.entity_name(), listed)).in_subquery(sub)
}

/// The rows whose `column` points at the named record of `E`, when `visible` (`E`'s
/// rule) lets the caller see it (see [`through`]). By id, `column = id AND EXISTS
/// (SELECT 1 FROM E WHERE E.id = id AND visible)`; by key, `column = (SELECT E.id FROM E
/// WHERE E.key = key AND visible)`. Either subquery names no outer row, so it is
/// evaluated once and the list keeps walking `column`'s index in order (an
/// `IN (SELECT …)` makes SQLite sort a case's whole event list for each page).
pub(crate) fn pointing_at<E: Keyed>(
    column: impl ColumnTrait,
    record: &Named,
    visible: Condition,
) -> Condition {
    let column = Expr::col((column.entity_name(), column));
    match record {
        Named::Id(id) => {
            let mut sub = Query::select();
            sub.expr(Expr::val(1))
                .from(E::default())
                .and_where(Expr::col((E::default(), E::id_column())).eq(*id))
                .cond_where(visible);
            Condition::all().add(column.eq(*id)).add(Expr::exists(sub))
        }
        Named::Key(key) => Condition::all().add(column.eq(id_of_key::<E>(key, visible))),
    }
}

/// Selects every column of `E` but `heavy`, which comes back `None`.
pub(crate) fn without<E: EntityTrait>(query: Select<E>, heavy: E::Column) -> Select<E> {
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
pub(crate) async fn all_limited<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr> {
    let mut statement = query.build(db.get_database_backend());
    statement.sql.push_str(&format!(" LIMIT {limit}"));
    E::find().from_raw_sql(statement).all(db).await
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

    pub(crate) fn from_overfetch(mut rows: Vec<T>, limit: u64) -> Self {
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Self { rows, has_next }
    }
}

/// Keyset condition `(key, id) > (k, i)` (or `<` for descending), written out so that
/// both engines plan it the same way.
pub(crate) fn after_condition(
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

/// The escape character of [`name_contains`] patterns.
pub(crate) const LIKE_ESCAPE: char = '\\';

/// `LOWER(column) LIKE '%text%' ESCAPE '\'`, with the caller's `text` (lowercased) taken
/// literally: `%`, `_` and the escape character in it are escaped, so a name containing
/// them is found by them and they are never wildcards. The escape character is given
/// explicitly because the engines' defaults differ (SQLite has none). Every filter on
/// part of a name goes through here.
pub(crate) fn name_contains(column: impl IntoColumnRef, text: &str) -> SimpleExpr {
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

impl Store {
    /// The rows of `E` whose `parent` column holds one of `ids` and that `visible` lets
    /// through, in `order`: the shape of every "rows of these records" read that a
    /// DataLoader batches (a case's roles, an actor's aliases, an event's sources…).
    pub(crate) async fn rows_of<E: EntityTrait>(
        &self,
        parent: E::Column,
        ids: &[i64],
        visible: impl sea_orm::sea_query::IntoCondition,
        order: &[E::Column],
    ) -> StoreResult<Vec<E::Model>> {
        let mut query = E::find()
            .filter(parent.is_in(ids.iter().copied()))
            .filter(visible);
        for column in order {
            query = query.order_by_asc(*column);
        }
        Ok(query.all(&self.db).await?)
    }

    /// Rows of `E` with these ids that satisfy `visible`, keyed by id: the one shape of
    /// every by-id DataLoader. A `heavy` text column (a news item's body, a place's
    /// geometry) is not read: it comes back `None`, and its own loader fetches it for the
    /// requests that select it.
    pub(crate) async fn by_ids<E>(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use chasqui_entities::tables::actor;

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
