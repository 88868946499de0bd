//! Events and status changes: the dated, sourced facts of a case.

use super::actor::Actor;
use super::case::Case;
use super::common::{FuzzyDate, Source, loaders};
use super::enums::*;
use super::location::Location;
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

    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }

    /// Where the change is reported; empty when the source is not recorded.
    async fn sources(&self) -> Vec<Source> {
        if self.0.news_item_id.is_none() && self.0.source_url.is_none() {
            return Vec::new();
        }
        vec![Source {
            news_item_id: self.0.news_item_id,
            url: self.0.source_url.clone(),
        }]
    }
}
