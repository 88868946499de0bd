//! A case's timeline: its events, the news items that update it, and its status changes,
//! merged into one dated order and paged with a keyset. One statement serves the timelines
//! of many cases at once (a window function numbers each case's rows), so a list of cases
//! with their timelines costs the same number of statements however long the list is.

use super::visibility::{LinkStates, effective_visible_sql, link_visible_sql};
use super::{Access, Page, Sql, Store, StoreResult};
use chasqui_entities::DatePrecision;
use chasqui_entities::tables::{event, news_item, news_link, status_change};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, QueryResult};
use std::collections::HashMap;

/// What a timeline entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimelineKind {
    Event = 1,
    News = 2,
    Status = 3,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 3] = [Self::Event, Self::News, Self::Status];

    fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::Event),
            2 => Some(Self::News),
            3 => Some(Self::Status),
            _ => None,
        }
    }
}

/// A position in a timeline: the entry's date, precision rank, kind and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimelineCursor {
    pub date: NaiveDate,
    pub precision_rank: i32,
    pub kind: TimelineKind,
    pub id: i64,
}

/// Which part of the timelines to fetch; part of the DataLoader key, so requests with the
/// same window are served together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimelineWindow {
    pub newest_first: bool,
    /// Which kinds of entry; sorted, never empty.
    pub kinds: Vec<TimelineKind>,
    pub after: Option<TimelineCursor>,
    pub limit: u64,
}

/// One entry of a timeline, before its record is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineRow {
    pub case_id: i64,
    pub kind: TimelineKind,
    pub id: i64,
    pub date: NaiveDate,
    pub precision_rank: i32,
}

impl TimelineRow {
    pub fn cursor(&self) -> TimelineCursor {
        TimelineCursor {
            date: self.date,
            precision_rank: self.precision_rank,
            kind: self.kind,
            id: self.id,
        }
    }
}

impl TimelineRow {
    /// The timeline's order: date, precision rank, kind, id. The statements order by the
    /// same key ([`push_after`], [`order_sql`]).
    pub fn order_key(&self) -> (NaiveDate, i32, TimelineKind, i64) {
        (self.date, self.precision_rank, self.kind, self.id)
    }
}

/// The rank of a date precision in timeline order: year, month, day (a year comes before
/// the days of that year). [`precision_rank_sql`] is made from it.
pub fn precision_rank(precision: DatePrecision) -> i32 {
    match precision {
        DatePrecision::Year => 0,
        DatePrecision::Month => 1,
        DatePrecision::Day => 2,
    }
}

/// [`precision_rank`] in SQL, over the precision column `column`.
pub(crate) fn precision_rank_sql(column: &str) -> String {
    let mut ranks: Vec<DatePrecision> = DatePrecision::ALL.to_vec();
    ranks.sort_by_key(|p| precision_rank(*p));
    let mut out = format!("CAST(CASE {column}");
    if let Some((last, first)) = ranks.split_last() {
        for precision in first {
            out.push_str(&format!(
                " WHEN '{}' THEN {}",
                precision.as_str(),
                precision_rank(*precision)
            ));
        }
        out.push_str(&format!(" ELSE {}", precision_rank(*last)));
    }
    out.push_str(" END AS BIGINT)");
    out
}

/// Where the entries of one kind come from, as SQL: the tables (`alias` is the one that
/// holds `case_id`) and the expressions of the entry's date, precision and id. The one
/// description of a kind's branch, used by the timeline statement ([`Store::timelines`])
/// and the case page's read-ahead (`detail.rs`).
pub(crate) struct KindSql {
    pub alias: &'static str,
    pub tables: &'static str,
    pub date: &'static str,
    pub precision: &'static str,
    pub id: &'static str,
}

impl TimelineKind {
    pub(crate) fn sql(self) -> KindSql {
        match self {
            TimelineKind::Event => KindSql {
                alias: "e",
                tables: "events e",
                date: "e.occurred_on",
                precision: "e.occurred_precision",
                id: "e.id",
            },
            TimelineKind::News => KindSql {
                alias: "l",
                tables: "news_links l JOIN news_items n ON n.id = l.news_item_id",
                date: "n.published_on",
                precision: "n.published_precision",
                id: "l.id",
            },
            TimelineKind::Status => KindSql {
                alias: "s",
                tables: "status_changes s",
                date: "s.occurred_on",
                precision: "s.occurred_precision",
                id: "s.id",
            },
        }
    }

    /// The entries of this kind a caller may see on a timeline: visible
    /// (`visibility::effective_visible_sql`); for news, confirmed links only
    /// (`visibility::link_visible_sql`: a timeline tells what happened, never a
    /// suggestion); for status changes, the dated ones that no link recorded. One thing
    /// that happened is one entry: a link that reports a status is the entry, carrying
    /// its status change (which stays in the case's status history), and an undated
    /// status has no place in time.
    pub(crate) fn push_visible(self, sql: &mut Sql, access: Access) {
        let kind = self.sql();
        match self {
            TimelineKind::News => {
                sql.push(&link_visible_sql(kind.alias, access, LinkStates::CONFIRMED));
            }
            TimelineKind::Status => {
                sql.push(&effective_visible_sql(kind.alias, access));
                sql.push(
                    " AND s.undated = FALSE AND NOT EXISTS \
                     (SELECT 1 FROM news_links rl WHERE rl.status_change_id = s.id)",
                );
            }
            TimelineKind::Event => {
                sql.push(&effective_visible_sql(kind.alias, access));
            }
        }
    }
}

/// `(<key>) > (<cursor>)` (`<` for a window newest first): the entries after the window's
/// cursor, in the order of [`TimelineRow::order_key`]; `key` is that order's SQL
/// expressions (date, precision rank, kind, id). Nothing without a cursor.
pub(crate) fn push_after(sql: &mut Sql, window: &TimelineWindow, key: [&str; 4]) -> bool {
    let Some(after) = &window.after else {
        return false;
    };
    let comparison = if window.newest_first { "<" } else { ">" };
    sql.push(&format!("({}) {comparison} (", key.join(", ")));
    sql.bind(after.date)
        .push(", ")
        .bind(i64::from(after.precision_rank))
        .push(", ")
        .bind(after.kind as i64)
        .push(", ")
        .bind(after.id)
        .push(")");
    true
}

/// The window's order over the SQL expressions of the order key (`key` leaves out the
/// kind where a statement reads one kind).
pub(crate) fn order_sql(window: &TimelineWindow, key: &[&str]) -> String {
    let direction = if window.newest_first { "DESC" } else { "ASC" };
    let terms: Vec<String> = key.iter().map(|k| format!("{k} {direction}")).collect();
    terms.join(", ")
}

/// An event's place in its case's timeline.
pub fn event_row(e: &event::Model) -> TimelineRow {
    timeline_row(
        e.case_id,
        TimelineKind::Event,
        e.id,
        e.occurred_on,
        e.occurred_precision,
    )
}

/// A news link's place in its case's timeline: its item's date.
pub fn news_row(link: &news_link::Model, item: &news_item::Model) -> TimelineRow {
    timeline_row(
        link.case_id,
        TimelineKind::News,
        link.id,
        item.published_on,
        item.published_precision,
    )
}

/// A status change's place in its case's timeline.
pub fn status_row(s: &status_change::Model) -> TimelineRow {
    timeline_row(
        s.case_id,
        TimelineKind::Status,
        s.id,
        s.occurred_on,
        s.occurred_precision,
    )
}

fn timeline_row(
    case_id: i64,
    kind: TimelineKind,
    id: i64,
    date: NaiveDate,
    precision: DatePrecision,
) -> TimelineRow {
    TimelineRow {
        case_id,
        kind,
        id,
        date,
        precision_rank: precision_rank(precision),
    }
}

impl Store {
    /// The requested window of the timelines of `case_ids` (which the caller has already
    /// found visible), keyed by case.
    pub async fn timelines(
        &self,
        access: Access,
        case_ids: &[i64],
        window: &TimelineWindow,
    ) -> StoreResult<HashMap<i64, Page<TimelineRow>>> {
        let backend = self.db.get_database_backend();
        let mut sql = Sql::new(backend);
        sql.push("SELECT case_id, k, id, d, p FROM (SELECT case_id, k, id, d, p, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY ");
        sql.push(&order_sql(window, &["d", "p", "k", "id"]));
        sql.push(") AS rn FROM (");
        for (i, kind) in window.kinds.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            let from = kind.sql();
            sql.push(&format!(
                "SELECT {a}.case_id AS case_id, CAST({k} AS BIGINT) AS k, {id} AS id, {date} AS d, {p} AS p FROM {tables} WHERE ",
                a = from.alias,
                k = *kind as i64,
                id = from.id,
                date = from.date,
                p = precision_rank_sql(from.precision),
                tables = from.tables,
            ));
            kind.push_visible(&mut sql, access);
            sql.push(&format!(" AND {}.case_id IN ", from.alias));
            sql.bind_list(case_ids);
        }
        sql.push(") t");
        if window.after.is_some() {
            sql.push(" WHERE ");
            push_after(&mut sql, window, ["d", "p", "k", "id"]);
        }
        sql.push(") r WHERE rn <= ")
            .bind(window.limit as i64 + 1)
            .push(" ORDER BY case_id, rn");

        let rows = self.db.query_all_raw(sql.build()).await?;
        let mut by_case: HashMap<i64, Vec<TimelineRow>> = HashMap::new();
        for row in rows {
            let entry = decode_row(&row)?;
            by_case.entry(entry.case_id).or_default().push(entry);
        }
        Ok(case_ids
            .iter()
            .map(|id| {
                let rows = by_case.remove(id).unwrap_or_default();
                (*id, Page::from_overfetch_pub(rows, window.limit))
            })
            .collect())
    }
}

fn decode_row(row: &QueryResult) -> StoreResult<TimelineRow> {
    let kind_code: i64 = row.try_get("", "k")?;
    let kind = TimelineKind::from_code(kind_code)
        .ok_or_else(|| sea_orm::DbErr::Type(format!("timeline row of unknown kind {kind_code}")))?;
    let rank: i64 = row.try_get("", "p")?;
    Ok(TimelineRow {
        case_id: row.try_get("", "case_id")?,
        kind,
        id: row.try_get("", "id")?,
        date: row.try_get("", "d")?,
        precision_rank: i32::try_from(rank).unwrap_or(2),
    })
}
