//! A case's timeline: its events, the news items that update it, and its status changes,
//! merged into one dated order and paged with a keyset. One statement serves the timelines
//! of many cases at once (a window function numbers each case's rows), so a list of cases
//! with their timelines costs the same number of statements however long the list is.

use super::read::effective_visible_sql;
use super::{Access, Page, Sql, Store, StoreResult};
use chasqui_entities::LinkState;
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

fn precision_rank(column: &str) -> String {
    format!("CAST(CASE {column} WHEN 'YEAR' THEN 0 WHEN 'MONTH' THEN 1 ELSE 2 END AS BIGINT)")
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
        let direction = if window.newest_first { "DESC" } else { "ASC" };
        sql.push("SELECT case_id, k, id, d, p FROM (SELECT case_id, k, id, d, p, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY ");
        sql.push(&format!(
            "d {direction}, p {direction}, k {direction}, id {direction}) AS rn FROM ("
        ));
        let mut first_part = true;
        for kind in &window.kinds {
            if !first_part {
                sql.push(" UNION ALL ");
            }
            first_part = false;
            match kind {
                TimelineKind::Event => {
                    sql.push(&format!(
                        "SELECT e.case_id AS case_id, CAST(1 AS BIGINT) AS k, e.id AS id, e.occurred_on AS d, {} AS p FROM events e WHERE {} AND e.case_id IN ",
                        precision_rank("e.occurred_precision"),
                        effective_visible_sql("e", access)
                    ));
                    sql.bind_list(case_ids);
                }
                TimelineKind::News => {
                    sql.push(&format!(
                        "SELECT l.case_id AS case_id, CAST(2 AS BIGINT) AS k, l.id AS id, n.published_on AS d, {} AS p FROM news_links l JOIN news_items n ON n.id = l.news_item_id WHERE {} AND l.state = ",
                        precision_rank("n.published_precision"),
                        effective_visible_sql("l", access)
                    ));
                    sql.bind(LinkState::Confirmed.as_str())
                        .push(" AND l.case_id IN ");
                    sql.bind_list(case_ids);
                }
                TimelineKind::Status => {
                    sql.push(&format!(
                        "SELECT s.case_id AS case_id, CAST(3 AS BIGINT) AS k, s.id AS id, s.occurred_on AS d, {} AS p FROM status_changes s WHERE {} AND s.case_id IN ",
                        precision_rank("s.occurred_precision"),
                        effective_visible_sql("s", access)
                    ));
                    sql.bind_list(case_ids);
                }
            }
        }
        sql.push(") t");
        if let Some(after) = &window.after {
            let comparison = if window.newest_first { "<" } else { ">" };
            sql.push(&format!(" WHERE (d, p, k, id) {comparison} ("));
            sql.bind(after.date)
                .push(", ")
                .bind(i64::from(after.precision_rank))
                .push(", ");
            sql.bind(after.kind as i64)
                .push(", ")
                .bind(after.id)
                .push(")");
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
