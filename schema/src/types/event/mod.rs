//! Events: the dated, sourced happenings of a case; the `events` root field (every
//! case's events, with their filter), `eventStats` (their counts), `recordEvent` and the
//! event inputs.

mod filter;
mod inputs;
mod stats;

pub use filter::EventFilter;
pub use inputs::{RecordEventInput, ReportedEventInput};
pub use stats::{EventStatBucket, EventStatDimension};

use super::actor::Actor;
use super::case::Case;
use super::common::{FuzzyDate, Source, access, loaders, page_limits, store};
use super::enums::*;
use super::location::Location;
use super::source::{Provenance, provenance_of};
use crate::error::ApiResult;
use crate::ids::{NodeType, encode};
use crate::loaders::{ActorById, ActorsOfEvent, SourcesOfEvent};
use crate::pagination::{decode_cursor, encode_cursor, page_connection};
use async_graphql::connection::{ConnectionNameType, EmptyFields};
use async_graphql::{Context, ID, Object, OutputType};
use chasqui_entities::tables::event;
use chasqui_store::{Author, Sourced};

/// A dated happening in a case's timeline.
#[derive(Clone)]
pub struct Event(pub event::Model);

impl Event {
    pub fn new(model: event::Model) -> Self {
        Self(model)
    }

    /// `Query.events`: a page of every case's events, latest first.
    pub async fn paginate(
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<EventListConnection> {
        let store = store(ctx)?;
        let access = access(ctx);
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let after = decode_cursor(after.as_deref(), CURSOR_TAG, 2, |p| {
            Some((p[0].parse().ok()?, p[1].parse().ok()?))
        })?;
        let page = store.list_events(access, &filter, after, limit).await?;
        let info = EventListInfo { filter };
        Ok(page_connection(after.is_some(), page, info, |model| {
            let cursor = encode_cursor(CURSOR_TAG, &[&model.occurred_on, &model.id]);
            (cursor, Event::new(model))
        }))
    }

    /// `Mutation.recordEvent`.
    pub async fn record(
        ctx: &Context<'_>,
        author: &Author,
        input: RecordEventInput,
    ) -> ApiResult<Event> {
        Ok(Event::new(
            store(ctx)?.record_event(author, input.resolve()?).await?,
        ))
    }
}

/// The tag of the event list's cursors.
const CURSOR_TAG: &str = "ev";

#[Object]
impl Event {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::Event, self.0.id)
    }

    async fn kind(&self) -> EventKind {
        self.0.kind.into()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// When it happened (or began).
    async fn date(&self) -> FuzzyDate {
        FuzzyDate::from_parts(self.0.occurred_on, self.0.occurred_precision)
    }

    /// When it ended, for events that last (a five-day strike).
    async fn end_date(&self) -> Option<FuzzyDate> {
        FuzzyDate::from_optional(self.0.ended_on, self.0.ended_precision)
    }

    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        Case::load(ctx, self.0.case_id).await
    }

    async fn location(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.location_id).await
    }

    async fn actors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Actor>> {
        let loader = loaders(ctx)?;
        let rows = loader
            .load_one(ActorsOfEvent(self.0.id))
            .await?
            .unwrap_or_default();
        let actors = loader
            .load_many(rows.iter().map(|r| ActorById(r.actor_id)))
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| actors.get(&ActorById(r.actor_id)).cloned().map(Actor::new))
            .collect())
    }

    async fn deaths(&self) -> Option<i32> {
        self.0.deaths
    }

    async fn injuries(&self) -> Option<i32> {
        self.0.injuries
    }

    /// The news items and URLs that report it.
    /// Where the event came from: the file it was imported from, the news item whose link
    /// reported it, or the edit that recorded it (its `sources` are those that report it).
    async fn provenance(&self, ctx: &Context<'_>) -> ApiResult<Option<Provenance>> {
        provenance_of(ctx, Sourced::Event(self.0.id)).await
    }

    async fn sources(&self, ctx: &Context<'_>) -> ApiResult<Vec<Source>> {
        let rows = loaders(ctx)?
            .load_one(SourcesOfEvent(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| Source {
                news_item_id: r.news_item_id,
                url: r.url,
            })
            .collect())
    }

    /// The visibility an editor gave it. An event a news link reported also follows the
    /// link: anonymous callers do not see it while the link or the link's news item is
    /// restricted, and no one does while the news item is archived.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Extra fields of an event list.
pub struct EventListInfo {
    pub(crate) filter: chasqui_store::EventFilter,
}

#[Object]
impl EventListInfo {
    /// How many events match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(store(ctx)?.count_events(access(ctx), &self.filter).await?)
    }
}

/// Names the event list `EventList` (a case's `events` is the `EventConnection`, which
/// has no `totalCount`).
pub struct EventListName;

impl ConnectionNameType for EventListName {
    fn type_name<T: OutputType>() -> String {
        "EventList".to_owned()
    }
}

pub type EventListConnection =
    async_graphql::connection::Connection<String, Event, EventListInfo, EmptyFields, EventListName>;
