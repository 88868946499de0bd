//! A case page in one statement: the case row and, as the request asks, its placements
//! with their places, its actor roles with their actors, a window of its events and a
//! window of its confirmed news links with their items.
//!
//! The statement is a `UNION ALL` with one branch per relation. Every branch returns the
//! same wide row: a tag naming the branch, then the columns of every table the statement
//! reads, each prefixed by its table's tag (`c_id`, `loc_name`, `n_title`…), typed `NULL`s
//! where the branch has nothing to say. The rows decode into the ordinary entity models
//! (`FromQueryResult` with the prefix). Each branch applies the visibility and archive
//! rules the loaders apply (`store/read.rs`) and joins the case with its own rule, so the
//! statement answers exactly what the separate loads would, in one round trip.

use super::{Access, Page, Sql, Store, StoreResult, TimelineKind, TimelineWindow};
use chasqui_entities::tables::*;
use chasqui_entities::{DatePrecision, LinkState, Visibility};
use sea_orm::sea_query::ColumnType;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable};
use std::sync::OnceLock;

/// How the request names the case.
#[derive(Clone, Copy, Debug)]
pub enum CaseKey<'a> {
    Id(i64),
    Slug(&'a str),
}

/// What to read with the case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailSpec {
    /// Placements, each with its place.
    pub placements: bool,
    /// Actor roles, each with its actor.
    pub roles: bool,
    /// A window of the case's events (`kinds` is `[Event]`).
    pub events: Option<TimelineWindow>,
    /// A window of the case's confirmed news links (`kinds` is `[News]`).
    pub news: Option<TimelineWindow>,
}

/// A case and what [`DetailSpec`] asked for (`None` for what it did not).
#[derive(Clone, Debug)]
pub struct CaseDetail {
    pub case: case::Model,
    pub placements: Option<Vec<(case_location::Model, location::Model)>>,
    pub roles: Option<Vec<(case_actor::Model, actor::Model)>>,
    pub events: Option<(TimelineWindow, Page<event::Model>)>,
    pub news: Option<(TimelineWindow, Page<(news_link::Model, news_item::Model)>)>,
}

/// The rank of a date precision in timeline order (`store/timeline.rs`): year, month, day.
pub fn precision_rank(precision: DatePrecision) -> i32 {
    match precision {
        DatePrecision::Year => 0,
        DatePrecision::Month => 1,
        DatePrecision::Day => 2,
    }
}

/// The tables the statement reads, in the order of the wide row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Case,
    Placement,
    Location,
    Role,
    Actor,
    Event,
    Link,
    Item,
}

impl Part {
    const ALL: [Part; 8] = [
        Part::Case,
        Part::Placement,
        Part::Location,
        Part::Role,
        Part::Actor,
        Part::Event,
        Part::Link,
        Part::Item,
    ];

    /// The table's alias in the statement; also the prefix of its columns in the row.
    fn alias(self) -> &'static str {
        match self {
            Part::Case => "c",
            Part::Placement => "cl",
            Part::Location => "loc",
            Part::Role => "r",
            Part::Actor => "a",
            Part::Event => "e",
            Part::Link => "l",
            Part::Item => "n",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Part::Case => "c_",
            Part::Placement => "cl_",
            Part::Location => "loc_",
            Part::Role => "r_",
            Part::Actor => "a_",
            Part::Event => "e_",
            Part::Link => "l_",
            Part::Item => "n_",
        }
    }
}

/// One column of the wide row.
struct Column {
    part: Part,
    /// The column's name in its table.
    name: &'static str,
    /// The name in the wide row: prefix and name.
    wide: String,
    /// `CAST(NULL AS …)`: PostgreSQL types a `UNION` pairwise, so an untyped `NULL` in two
    /// branches would become `text` and clash with the third.
    null: String,
    /// Never read here (a place's geometry, a news item's body): always `NULL`, and its own
    /// loader fetches it when a request selects it.
    heavy: bool,
}

fn sql_type(column_type: &ColumnType) -> &'static str {
    match column_type {
        ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::Integer => "INTEGER",
        ColumnType::BigInteger => "BIGINT",
        ColumnType::Float | ColumnType::Double => "DOUBLE PRECISION",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Date => "DATE",
        ColumnType::TimestampWithTimeZone => "TIMESTAMPTZ",
        ColumnType::DateTime | ColumnType::Timestamp => "TIMESTAMP",
        _ => "TEXT",
    }
}

fn part_columns<E: EntityTrait>(part: Part, heavy: Option<E::Column>, out: &mut Vec<Column>) {
    for column in E::Column::iter() {
        let name = column.as_str();
        out.push(Column {
            part,
            name,
            wide: format!("{}{name}", part.prefix()),
            null: format!("CAST(NULL AS {})", sql_type(column.def().get_column_type())),
            heavy: heavy.is_some_and(|h| h.as_str() == name),
        });
    }
}

/// The columns of the wide row, built once.
fn wide_columns() -> &'static [Column] {
    static COLUMNS: OnceLock<Vec<Column>> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let mut out = Vec::new();
        for part in Part::ALL {
            match part {
                Part::Case => part_columns::<case::Entity>(part, None, &mut out),
                Part::Placement => part_columns::<case_location::Entity>(part, None, &mut out),
                Part::Location => part_columns::<location::Entity>(
                    part,
                    Some(location::Column::Geometry),
                    &mut out,
                ),
                Part::Role => part_columns::<case_actor::Entity>(part, None, &mut out),
                Part::Actor => part_columns::<actor::Entity>(part, None, &mut out),
                Part::Event => part_columns::<event::Entity>(part, None, &mut out),
                Part::Link => part_columns::<news_link::Entity>(part, None, &mut out),
                Part::Item => {
                    part_columns::<news_item::Entity>(part, Some(news_item::Column::Body), &mut out)
                }
            }
        }
        out
    })
}

/// Where a branch reads a part's columns from.
#[derive(Clone, Copy)]
enum Source {
    /// The table itself, under its alias.
    Table,
    /// The branch's ordered, limited subquery `x`, under the wide names.
    Window,
}

/// `SELECT 'tag' AS t, <every wide column>`: the parts of this branch from `from`, the
/// others `NULL`.
fn select_wide(sql: &mut Sql, tag: &str, parts: &[Part], from: Source) {
    sql.push("SELECT '").push(tag).push("' AS t");
    for column in wide_columns() {
        sql.push(", ");
        if parts.contains(&column.part) && !column.heavy {
            match from {
                Source::Table => sql.push(column.part.alias()).push(".").push(column.name),
                Source::Window => sql.push("x.").push(&column.wide),
            };
        } else {
            sql.push(&column.null);
        }
        sql.push(" AS ").push(&column.wide);
    }
}

/// The inner select list of a window subquery: the parts' columns under their wide names.
fn select_prefixed(sql: &mut Sql, parts: &[Part]) {
    sql.push("SELECT ");
    let mut first = true;
    for column in wide_columns()
        .iter()
        .filter(|c| parts.contains(&c.part) && !c.heavy)
    {
        if !first {
            sql.push(", ");
        }
        first = false;
        sql.push(column.part.alias())
            .push(".")
            .push(column.name)
            .push(" AS ")
            .push(&column.wide);
    }
}

/// ` AND alias.archived_at IS NULL AND alias.visibility = 'PUBLIC'` (the latter unless
/// the caller sees restricted records).
fn visible(sql: &mut Sql, alias: &str, access: Access, archived: bool) {
    if archived {
        sql.push(" AND ").push(alias).push(".archived_at IS NULL");
    }
    if !access.see_restricted {
        sql.push(" AND ")
            .push(alias)
            .push(".visibility = ")
            .bind(Visibility::Public.as_str());
    }
}

/// `cases c … WHERE <key> AND <case visible>`, the start of every branch's condition.
fn case_condition(sql: &mut Sql, key: CaseKey<'_>, access: Access) {
    match key {
        CaseKey::Id(id) => sql.push(" WHERE c.id = ").bind(id),
        CaseKey::Slug(slug) => sql.push(" WHERE c.slug = ").bind(slug.to_owned()),
    };
    visible(sql, "c", access, true);
}

fn rank_sql(column: &str) -> String {
    format!("(CASE {column} WHEN 'YEAR' THEN 0 WHEN 'MONTH' THEN 1 ELSE 2 END)")
}

/// The keyset condition and order of a timeline window over one kind (`date`,
/// `precision` and `id` are SQL expressions), as `store/timeline.rs` orders timelines.
fn window_tail(
    sql: &mut Sql,
    window: &TimelineWindow,
    kind: TimelineKind,
    [date, precision, id]: [&str; 3],
) {
    let rank = rank_sql(precision);
    let direction = if window.newest_first { "DESC" } else { "ASC" };
    if let Some(after) = &window.after {
        let comparison = if window.newest_first { "<" } else { ">" };
        sql.push(&format!(
            " AND ({date}, {rank}, {}, {id}) {comparison} (",
            kind as i64
        ));
        sql.bind(after.date)
            .push(", ")
            .bind(i64::from(after.precision_rank))
            .push(", ")
            .bind(after.kind as i64)
            .push(", ")
            .bind(after.id)
            .push(")");
    }
    sql.push(&format!(
        " ORDER BY {date} {direction}, {rank} {direction}, {id} {direction} LIMIT "
    ))
    .bind(window.limit as i64 + 1);
}

impl Store {
    /// The case named by `key`, if the caller may see it, with what `spec` asks for, in
    /// one statement.
    pub async fn case_detail(
        &self,
        access: Access,
        key: CaseKey<'_>,
        spec: &DetailSpec,
    ) -> StoreResult<Option<CaseDetail>> {
        let mut sql = Sql::new(self.db.get_database_backend());
        select_wide(&mut sql, "c", &[Part::Case], Source::Table);
        sql.push(" FROM cases c");
        case_condition(&mut sql, key, access);

        if spec.placements {
            sql.push(" UNION ALL ");
            select_wide(
                &mut sql,
                "l",
                &[Part::Placement, Part::Location],
                Source::Table,
            );
            sql.push(
                " FROM cases c JOIN case_locations cl ON cl.case_id = c.id \
                 JOIN locations loc ON loc.id = cl.location_id",
            );
            case_condition(&mut sql, key, access);
            visible(&mut sql, "loc", access, true);
        }
        if spec.roles {
            sql.push(" UNION ALL ");
            select_wide(&mut sql, "r", &[Part::Role, Part::Actor], Source::Table);
            sql.push(
                " FROM cases c JOIN case_actors r ON r.case_id = c.id \
                 JOIN actors a ON a.id = r.actor_id",
            );
            case_condition(&mut sql, key, access);
            visible(&mut sql, "a", access, true);
            visible(&mut sql, "r", access, false);
        }
        if let Some(window) = &spec.events {
            sql.push(" UNION ALL ");
            select_wide(&mut sql, "e", &[Part::Event], Source::Window);
            sql.push(" FROM (");
            select_prefixed(&mut sql, &[Part::Event]);
            sql.push(" FROM cases c JOIN events e ON e.case_id = c.id");
            case_condition(&mut sql, key, access);
            visible(&mut sql, "e", access, true);
            window_tail(
                &mut sql,
                window,
                TimelineKind::Event,
                ["e.occurred_on", "e.occurred_precision", "e.id"],
            );
            sql.push(") x");
        }
        if let Some(window) = &spec.news {
            sql.push(" UNION ALL ");
            select_wide(&mut sql, "n", &[Part::Link, Part::Item], Source::Window);
            sql.push(" FROM (");
            select_prefixed(&mut sql, &[Part::Link, Part::Item]);
            sql.push(
                " FROM cases c JOIN news_links l ON l.case_id = c.id \
                 JOIN news_items n ON n.id = l.news_item_id",
            );
            case_condition(&mut sql, key, access);
            sql.push(" AND l.state = ")
                .bind(LinkState::Confirmed.as_str());
            visible(&mut sql, "l", access, false);
            visible(&mut sql, "n", access, true);
            window_tail(
                &mut sql,
                window,
                TimelineKind::News,
                ["n.published_on", "n.published_precision", "l.id"],
            );
            sql.push(") x");
        }

        let rows = self.db.query_all_raw(sql.build()).await?;
        let mut case = None;
        let mut placements = Vec::new();
        let mut roles = Vec::new();
        let mut events = Vec::new();
        let mut news = Vec::new();
        for row in rows {
            let tag: String = row.try_get("", "t")?;
            match tag.as_str() {
                "c" => case = Some(case::Model::from_query_result(&row, "c_")?),
                "l" => placements.push((
                    case_location::Model::from_query_result(&row, "cl_")?,
                    location::Model::from_query_result(&row, "loc_")?,
                )),
                "r" => roles.push((
                    case_actor::Model::from_query_result(&row, "r_")?,
                    actor::Model::from_query_result(&row, "a_")?,
                )),
                "e" => events.push(event::Model::from_query_result(&row, "e_")?),
                "n" => news.push((
                    news_link::Model::from_query_result(&row, "l_")?,
                    news_item::Model::from_query_result(&row, "n_")?,
                )),
                other => {
                    return Err(sea_orm::DbErr::Type(format!(
                        "case detail row of unknown tag {other}"
                    ))
                    .into());
                }
            }
        }
        let Some(case) = case else {
            return Ok(None);
        };
        placements.sort_by_key(|(placement, _)| placement.id);
        roles.sort_by_key(|(role, _)| role.id);
        let events = spec.events.as_ref().map(|window| {
            events.sort_by(|a, b| {
                let key =
                    |e: &event::Model| (e.occurred_on, precision_rank(e.occurred_precision), e.id);
                let order = key(a).cmp(&key(b));
                if window.newest_first {
                    order.reverse()
                } else {
                    order
                }
            });
            (
                window.clone(),
                Page::from_overfetch_pub(events, window.limit),
            )
        });
        let news = spec.news.as_ref().map(|window| {
            news.sort_by(|(la, na), (lb, nb)| {
                let a = (
                    na.published_on,
                    precision_rank(na.published_precision),
                    la.id,
                );
                let b = (
                    nb.published_on,
                    precision_rank(nb.published_precision),
                    lb.id,
                );
                let order = a.cmp(&b);
                if window.newest_first {
                    order.reverse()
                } else {
                    order
                }
            });
            (window.clone(), Page::from_overfetch_pub(news, window.limit))
        });
        Ok(Some(CaseDetail {
            case,
            placements: spec.placements.then_some(placements),
            roles: spec.roles.then_some(roles),
            events,
            news,
        }))
    }
}
