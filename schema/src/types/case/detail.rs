//! The case page in one statement: `Query.case` reads ahead, with the case, what its
//! selection asks for (placements, roles, the first window of events, of news links and
//! of the timeline) through `Store::case_detail`, and primes the request's loader with
//! their places, actors and news items. The fields it covers answer from here when they
//! ask for the window read; any other window loads as usual.

use super::{Case, CaseData};
use crate::error::{ApiError, ApiResult};
use crate::types::common::{access, loaders, store};
use crate::types::enums::{TimelineEntryType, TimelineOrder};
use crate::types::event::Event;
use crate::types::news_link::NewsLink;
use crate::types::timeline::{
    TimelineConnection, TimelineEntry, encode_cursor, timeline_kinds, timeline_window,
};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, InputType, OutputType, SelectionField};
use chasqui_entities::tables::{case_actor, case_location, event, news_link};
use chasqui_store::{
    CaseKey, DetailSpec, Page, TimelineKind, TimelineRecord, TimelineRow, TimelineWindow,
    event_row, news_row,
};
use std::sync::Arc;

/// The relations read with a case by `Store::case_detail`; their places, actors and
/// news items are primed in the request's loader.
pub struct Prefetched {
    placements: Option<Vec<case_location::Model>>,
    roles: Option<Vec<case_actor::Model>>,
    events: Option<(TimelineWindow, Page<event::Model>)>,
    news: Option<(TimelineWindow, Page<news_link::Model>)>,
    timeline: Option<(TimelineWindow, Page<TimelineRecord>)>,
}

/// The window a list field of the selection (`events`, `newsItems`, `timeline`) asks
/// for, of `kinds` unless its `types` argument names others; `None` if its arguments are
/// not well formed (the field itself then reports the error when it resolves).
fn window_of(
    ctx: &Context<'_>,
    field: &SelectionField<'_>,
    kinds: Vec<TimelineKind>,
) -> Option<TimelineWindow> {
    let mut first = None;
    let mut after = None;
    let mut order = None;
    let mut types = None;
    for (name, value) in field.arguments().ok()? {
        match name.as_str() {
            "first" => first = <Option<i32> as InputType>::parse(Some(value)).ok()?,
            "after" => after = <Option<String> as InputType>::parse(Some(value)).ok()?,
            "order" => order = <Option<TimelineOrder> as InputType>::parse(Some(value)).ok()?,
            "types" => {
                types = <Option<Vec<TimelineEntryType>> as InputType>::parse(Some(value)).ok()?;
            }
            _ => return None,
        }
    }
    let kinds = match types {
        Some(types) => timeline_kinds(Some(types)),
        None => kinds,
    };
    timeline_window(ctx, kinds, first, after, order).ok()
}

/// What the selection of a case field reads with the case. Only the first `events` and
/// `newsItems` of the selection are read ahead; another window of them loads as usual.
fn detail_spec(ctx: &Context<'_>) -> DetailSpec {
    let mut spec = DetailSpec::default();
    for field in ctx.field().selection_set() {
        match field.name() {
            "locations" => spec.placements = true,
            "actors" | "operators" | "issuers" | "parties" | "organisers" | "investigators" => {
                spec.roles = true
            }
            "events" if spec.events.is_none() => {
                spec.events = window_of(ctx, &field, vec![TimelineKind::Event])
            }
            "newsItems" if spec.news.is_none() => {
                spec.news = window_of(ctx, &field, vec![TimelineKind::News])
            }
            "timeline" if spec.timeline.is_none() => {
                spec.timeline = window_of(ctx, &field, TimelineKind::ALL.to_vec())
            }
            _ => {}
        }
    }
    spec
}

/// A connection over a page read ahead, with the cursors the timeline would give.
fn window_connection<M, N: OutputType>(
    page: &Page<M>,
    row: impl Fn(&M) -> TimelineRow,
    node: impl Fn(&M) -> N,
) -> Connection<String, N, EmptyFields, EmptyFields> {
    let mut connection = Connection::new(false, page.has_next);
    connection.edges = page
        .rows
        .iter()
        .map(|m| Edge::new(encode_cursor(&row(m)), node(m)))
        .collect();
    connection
}

impl Case {
    /// Loads a case with what the field's selection reads from it (its placements, roles,
    /// first window of events and of news links) in one statement (`Store::case_detail`),
    /// and primes the request's loader with their places, actors and news items.
    pub async fn load_detail(ctx: &Context<'_>, key: CaseKey<'_>) -> ApiResult<Option<Case>> {
        let spec = detail_spec(ctx);
        let Some(detail) = store(ctx)?.case_detail(access(ctx), key, &spec).await? else {
            return Ok(None);
        };
        let primed = &loaders(ctx)?.loader().primed;
        let placements = detail.placements.map(|rows| {
            let (placements, places): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
            primed.prime_locations(places);
            placements
        });
        let roles = detail.roles.map(|rows| {
            let (roles, actors): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
            primed.prime_actors(actors);
            roles
        });
        let news = detail.news.map(|(window, page)| {
            let (links, items): (Vec<_>, Vec<_>) = page.rows.into_iter().unzip();
            primed.prime_news_items(items);
            let page = Page {
                rows: links,
                has_next: page.has_next,
            };
            (window, page)
        });
        let timeline = detail.timeline.inspect(|(_, page)| {
            primed.prime_news_items(page.rows.iter().filter_map(|record| match record {
                TimelineRecord::News(_, item) => Some(item.as_ref().clone()),
                _ => None,
            }));
        });
        let prefetched = Prefetched {
            placements,
            roles,
            events: detail.events,
            news,
            timeline,
        };
        Ok(Some(Self::with_prefetched(
            detail.case,
            Some(Arc::new(prefetched)),
        )))
    }
}

impl CaseData {
    /// The case's placements, when they were read ahead.
    pub(super) fn placements_read_ahead(&self) -> Option<Vec<case_location::Model>> {
        self.prefetched.as_ref().and_then(|p| p.placements.clone())
    }

    /// The case's actor roles, when they were read ahead.
    pub(super) fn roles_read_ahead(&self) -> Option<Vec<case_actor::Model>> {
        self.prefetched.as_ref().and_then(|p| p.roles.clone())
    }

    /// `Case.events` from the read-ahead, when it read the window asked for.
    pub(super) fn events_read_ahead(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: &Option<String>,
        order: Option<TimelineOrder>,
    ) -> ApiResult<Option<Connection<String, Event, EmptyFields, EmptyFields>>> {
        let read = self.prefetched.as_ref().and_then(|p| p.events.as_ref());
        let asked = (vec![TimelineKind::Event], first, after, order);
        let Some(page) = window_read(ctx, read, asked)? else {
            return Ok(None);
        };
        Ok(Some(window_connection(page, event_row, |e| {
            Event::new(e.clone())
        })))
    }

    /// `Case.newsItems` from the read-ahead, when it read the window asked for.
    pub(super) fn news_read_ahead(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: &Option<String>,
        order: Option<TimelineOrder>,
    ) -> ApiResult<Option<Connection<String, NewsLink, EmptyFields, EmptyFields>>> {
        let read = self.prefetched.as_ref().and_then(|p| p.news.as_ref());
        let asked = (vec![TimelineKind::News], first, after, order);
        let Some(page) = window_read(ctx, read, asked)? else {
            return Ok(None);
        };
        let loader = loaders(ctx)?;
        let mut rows = Vec::with_capacity(page.rows.len());
        for link in &page.rows {
            let item = loader.loader().primed.news_item(link.news_item_id);
            let Some(item) = item else {
                tracing::error!(link = link.id, "a news link read ahead without its item");
                return Err(ApiError::Internal);
            };
            rows.push(news_row(link, &item));
        }
        let mut connection = Connection::new(false, page.has_next);
        connection.edges = page
            .rows
            .iter()
            .zip(&rows)
            .map(|(link, row)| Edge::new(encode_cursor(row), NewsLink(link.clone())))
            .collect();
        Ok(Some(connection))
    }

    /// `Case.timeline` (of `kinds`) from the read-ahead, when it read the window asked for.
    pub(super) fn timeline_read_ahead(
        &self,
        ctx: &Context<'_>,
        kinds: &[TimelineKind],
        first: Option<i32>,
        after: &Option<String>,
        order: Option<TimelineOrder>,
    ) -> ApiResult<Option<TimelineConnection>> {
        let read = self.prefetched.as_ref().and_then(|p| p.timeline.as_ref());
        let asked = (kinds.to_vec(), first, after, order);
        let Some(page) = window_read(ctx, read, asked)? else {
            return Ok(None);
        };
        Ok(Some(window_connection(
            page,
            TimelineRecord::row,
            TimelineEntry::of_record,
        )))
    }
}

/// The arguments of a list field of a case: its kinds, `first`, `after` and `order`.
type Asked<'a> = (
    Vec<TimelineKind>,
    Option<i32>,
    &'a Option<String>,
    Option<TimelineOrder>,
);

/// The page read ahead for a list field, if it is the window the field's arguments ask
/// for: a read-ahead answers only the window it read.
fn window_read<'p, M>(
    ctx: &Context<'_>,
    read: Option<&'p (TimelineWindow, Page<M>)>,
    (kinds, first, after, order): Asked<'_>,
) -> ApiResult<Option<&'p Page<M>>> {
    let Some((window, page)) = read else {
        return Ok(None);
    };
    let asked = timeline_window(ctx, kinds, first, after.clone(), order)?;
    Ok((asked == *window).then_some(page))
}
