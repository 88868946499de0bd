//! The timeline of a case: a union of events, news updates and status changes in one
//! dated order.

use super::common::{loaders, page_limits};
use super::enums::{TimelineEntryType, TimelineOrder};
use super::event::Event;
use super::news_link::NewsLink;
use super::status_change::StatusChange;
use crate::error::ApiResult;
use crate::loaders::{EventById, NewsLinkById, StatusChangeById, TimelineOf};
use crate::pagination::decode_cursor;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Union};
use chasqui_store::{
    Page, TimelineCursor, TimelineKind, TimelineRecord, TimelineRow, TimelineWindow,
};
use chrono::NaiveDate;

/// One entry of a case's timeline.
#[derive(Union)]
pub enum TimelineEntry {
    Event(Event),
    NewsUpdate(NewsLink),
    StatusChange(StatusChange),
}

pub type TimelineConnection = Connection<String, TimelineEntry, EmptyFields, EmptyFields>;

/// The tag of a timeline's cursors (`Case.timeline`, `Case.events`, `Case.newsItems`).
const CURSOR_TAG: &str = "tl";

/// The cursor of a timeline row: its place in the timeline's order.
pub(crate) fn encode_cursor(row: &TimelineRow) -> String {
    let kind = row.kind as i64;
    crate::pagination::encode_cursor(
        CURSOR_TAG,
        &[&row.date, &row.precision_rank, &kind, &row.id],
    )
}

fn read_cursor(after: Option<String>) -> ApiResult<Option<TimelineCursor>> {
    decode_cursor(after.as_deref(), CURSOR_TAG, 4, |parts| {
        let date: NaiveDate = parts[0].parse().ok()?;
        let precision_rank: i32 = parts[1].parse().ok()?;
        let kind = match parts[2] {
            "1" => TimelineKind::Event,
            "2" => TimelineKind::News,
            "3" => TimelineKind::Status,
            _ => return None,
        };
        let id: i64 = parts[3].parse().ok()?;
        Some(TimelineCursor {
            date,
            precision_rank,
            kind,
            id,
        })
    })
}

/// The kinds of entry a `timeline(types:)` argument names; all of them when none.
pub(crate) fn timeline_kinds(types: Option<Vec<TimelineEntryType>>) -> Vec<TimelineKind> {
    match types {
        Some(types) if !types.is_empty() => types
            .into_iter()
            .map(|t| match t {
                TimelineEntryType::Event => TimelineKind::Event,
                TimelineEntryType::NewsUpdate => TimelineKind::News,
                TimelineEntryType::StatusChange => TimelineKind::Status,
            })
            .collect(),
        _ => TimelineKind::ALL.to_vec(),
    }
}

/// The window a timeline field's arguments ask for (restricted to `kinds`).
pub fn timeline_window(
    ctx: &Context<'_>,
    mut kinds: Vec<TimelineKind>,
    first: Option<i32>,
    after: Option<String>,
    order: Option<TimelineOrder>,
) -> ApiResult<TimelineWindow> {
    let limit = page_limits(ctx).size(first)?;
    kinds.sort();
    kinds.dedup();
    Ok(TimelineWindow {
        newest_first: order.unwrap_or_default() == TimelineOrder::NewestFirst,
        kinds,
        after: read_cursor(after)?,
        limit,
    })
}

/// Loads one page of a case's timeline (restricted to `kinds`) and the cursors of its rows.
pub async fn timeline_page(
    ctx: &Context<'_>,
    case_id: i64,
    kinds: Vec<TimelineKind>,
    first: Option<i32>,
    after: Option<String>,
    order: Option<TimelineOrder>,
) -> ApiResult<(std::sync::Arc<Page<TimelineRow>>, Vec<String>)> {
    let window = timeline_window(ctx, kinds, first, after, order)?;
    let page = loaders(ctx)?
        .load_one(TimelineOf(case_id, window))
        .await?
        .unwrap_or_else(|| {
            std::sync::Arc::new(Page {
                rows: Vec::new(),
                has_next: false,
            })
        });
    let cursors = page.rows.iter().map(encode_cursor).collect();
    Ok((page, cursors))
}

impl TimelineEntry {
    /// The entry of a record read with its case (`Store::case_detail`).
    pub fn of_record(record: &TimelineRecord) -> TimelineEntry {
        match record {
            TimelineRecord::Event(e) => TimelineEntry::Event(Event::new(e.clone())),
            TimelineRecord::News(link, _) => TimelineEntry::NewsUpdate(NewsLink(link.clone())),
            TimelineRecord::Status(s) => TimelineEntry::StatusChange(StatusChange::new(s.clone())),
        }
    }

    /// Loads the records of a timeline page (one batch per kind) into a connection.
    pub async fn connection(
        ctx: &Context<'_>,
        page: &Page<TimelineRow>,
        cursors: Vec<String>,
    ) -> ApiResult<TimelineConnection> {
        let loader = loaders(ctx)?;
        let ids_of = |kind| {
            page.rows
                .iter()
                .filter(move |r| r.kind == kind)
                .map(|r| r.id)
        };
        let (events, links, changes) = futures_join(
            loader.load_many(ids_of(TimelineKind::Event).map(EventById)),
            loader.load_many(ids_of(TimelineKind::News).map(NewsLinkById)),
            loader.load_many(ids_of(TimelineKind::Status).map(StatusChangeById)),
        )
        .await;
        let (events, links, changes) = (events?, links?, changes?);
        let mut connection = Connection::new(false, page.has_next);
        for (row, cursor) in page.rows.iter().zip(cursors) {
            let entry = match row.kind {
                TimelineKind::Event => events
                    .get(&EventById(row.id))
                    .cloned()
                    .map(|m| TimelineEntry::Event(Event::new(m))),
                TimelineKind::News => links
                    .get(&NewsLinkById(row.id))
                    .cloned()
                    .map(|m| TimelineEntry::NewsUpdate(NewsLink(m))),
                TimelineKind::Status => changes
                    .get(&StatusChangeById(row.id))
                    .cloned()
                    .map(|m| TimelineEntry::StatusChange(StatusChange::new(m))),
            };
            if let Some(entry) = entry {
                connection.edges.push(Edge::new(cursor, entry));
            }
        }
        Ok(connection)
    }
}

/// One kind of a case's timeline as a connection of its own (`Case.events`,
/// `Case.newsItems`): the same query, cursors and paging as the timeline.
pub async fn single_kind_connection<N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    case_id: i64,
    kind: TimelineKind,
    (first, after, order): (Option<i32>, Option<String>, Option<TimelineOrder>),
    pick: impl Fn(TimelineEntry) -> Option<N>,
) -> ApiResult<Connection<String, N, EmptyFields, EmptyFields>> {
    let (page, cursors) = timeline_page(ctx, case_id, vec![kind], first, after, order).await?;
    let entries = TimelineEntry::connection(ctx, &page, cursors).await?;
    let mut connection = Connection::new(false, page.has_next);
    connection.edges = entries
        .edges
        .into_iter()
        .filter_map(|edge| pick(edge.node).map(|node| Edge::new(edge.cursor, node)))
        .collect();
    Ok(connection)
}

/// Awaits three futures concurrently, so their loads share one batch window.
async fn futures_join<A, B, C>(a: A, b: B, c: C) -> (A::Output, B::Output, C::Output)
where
    A: std::future::Future,
    B: std::future::Future,
    C: std::future::Future,
{
    tokio::join!(a, b, c)
}
