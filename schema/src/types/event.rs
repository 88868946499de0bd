//! Events and status changes: the dated, sourced facts of a case.

use super::actor::Actor;
use super::case::Case;
use super::common::{FuzzyDate, Source, loaders};
use super::enums::*;
use super::location::Location;
use super::news::NewsItem;
use crate::error::ApiResult;
use crate::ids::{NodeType, encode};
use crate::loaders::*;
use async_graphql::{Context, ID, Object};
use chasqui_entities::tables::{event, status_change};

/// A dated happening in a case's timeline.
#[derive(Clone)]
pub struct Event(pub event::Model);

impl Event {
    pub fn new(model: event::Model) -> Self {
        Self(model)
    }
}

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
        match self.0.location_id {
            Some(id) => Location::load(ctx, id).await,
            None => Ok(None),
        }
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

/// A dated, sourced change of a case's status.
#[derive(Clone)]
pub struct StatusChange(pub status_change::Model);

impl StatusChange {
    pub fn new(model: status_change::Model) -> Self {
        Self(model)
    }
}

#[Object]
impl StatusChange {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::StatusChange, self.0.id)
    }

    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }

    async fn phase(&self) -> Option<ConflictPhase> {
        self.0.phase.map(Into::into)
    }

    async fn date(&self) -> FuzzyDate {
        FuzzyDate::from_parts(self.0.occurred_on, self.0.occurred_precision)
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        Case::load(ctx, self.0.case_id).await
    }

    /// RESTRICTED when recorded so, or by a restricted link (it takes the link's). A
    /// change a news link reported also follows the link: anonymous callers do not see it
    /// while the link or the link's news item is restricted, and no one does while the
    /// news item is archived.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }

    /// Where the change is reported; empty when the source is not recorded, or is a news
    /// item the caller may not see.
    async fn sources(&self, ctx: &Context<'_>) -> ApiResult<Vec<Source>> {
        let hidden = match self.0.news_item_id {
            Some(id) => NewsItem::load(ctx, id).await?.is_none(),
            None => self.0.source_url.is_none(),
        };
        if hidden {
            return Ok(Vec::new());
        }
        Ok(vec![Source {
            news_item_id: self.0.news_item_id,
            url: self.0.source_url.clone(),
        }])
    }
}

/// Filters for the event list. Lists mean "any of"; every condition given must hold.
#[derive(async_graphql::InputObject, Default, Clone)]
pub struct EventFilter {
    /// Events of this case.
    pub case: Option<ID>,
    pub kinds: Option<Vec<EventKind>>,
    /// Locations by code ("03") or id: events at a location on or below any of them, or
    /// at a site whose point lies inside one of them.
    pub region: Option<Vec<String>>,
    /// Events whose location's point (an exact site, or a place's point) is inside this box.
    pub within: Option<crate::types::spatial::BoundingBox>,
    /// Events whose location's point is inside this GeoJSON Polygon or MultiPolygon (at
    /// most 10000 positions and 100 rings; each position counts 1 toward the request's
    /// cost).
    pub in_area: Option<async_graphql::Json<serde_json::Value>>,
    /// Events whose location's point is within `km` kilometres of a point (geodesic).
    pub near: Option<crate::types::spatial::NearPoint>,
}

impl EventFilter {
    /// Resolves the filter into store terms (checked: errors name the field).
    pub async fn resolve(
        &self,
        store: &chasqui_store::Store,
        access: chasqui_store::Access,
    ) -> ApiResult<chasqui_store::EventFilter> {
        let mut filter = chasqui_store::EventFilter {
            case_id: self
                .case
                .as_ref()
                .map(|c| crate::ids::decode(NodeType::Case, c, "filter.case"))
                .transpose()?,
            kinds: self.kinds.iter().flatten().map(|k| (*k).into()).collect(),
            spatial: crate::types::spatial::spatial_conditions(
                self.within,
                self.in_area.as_ref(),
                self.near,
            )
            .await?,
            ..Default::default()
        };
        if let Some(regions) = &self.region {
            filter.region_paths =
                crate::types::spatial::region_paths(store, access, regions).await?;
        }
        store.resolve_event_spatial(access, &mut filter).await?;
        Ok(filter)
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
        Ok(super::common::store(ctx)?
            .count_events(super::common::access(ctx), &self.filter)
            .await?)
    }
}

/// Names the event list `EventList` (a case's `events` is the `EventConnection`, which
/// has no `totalCount`).
pub struct EventListName;

impl async_graphql::connection::ConnectionNameType for EventListName {
    fn type_name<T: async_graphql::OutputType>() -> String {
        "EventList".to_owned()
    }
}

pub type EventListConnection = async_graphql::connection::Connection<
    String,
    Event,
    EventListInfo,
    async_graphql::connection::EmptyFields,
    EventListName,
>;
