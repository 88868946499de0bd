//! The root mutation. Each field validates its input (errors name the field), then makes
//! one store call, which is one transaction.

use crate::auth::require;
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode, decode_any, encode};
use crate::types::actor::Actor;
use crate::types::case::Case;
use crate::types::common::store as store_of;
use crate::types::event::{Event, StatusChange};
use crate::types::inputs::*;
use crate::types::location::Location;
use crate::types::news::{NewsItem, NewsLink};
use async_graphql::{Context, ID, Object};
use chasqui_domain::validate;
use chasqui_entities::Role;
use chasqui_store::Archivable;

pub struct Mutation;

/// What became of one pushed item.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    New,
    Updated,
    Unchanged,
}

impl From<chasqui_store::ImportOutcome> for ImportOutcome {
    fn from(outcome: chasqui_store::ImportOutcome) -> Self {
        match outcome {
            chasqui_store::ImportOutcome::New => Self::New,
            chasqui_store::ImportOutcome::Updated => Self::Updated,
            chasqui_store::ImportOutcome::Unchanged => Self::Unchanged,
        }
    }
}

/// The result for one item of `importNewsItems`, in input order.
#[derive(async_graphql::SimpleObject)]
pub struct ImportResult {
    pub outcome: ImportOutcome,
}

fn archivable(id: &ID) -> ApiResult<(Archivable, i64)> {
    match decode_any(id) {
        Some((NodeType::Case, n)) => Ok((Archivable::Case, n)),
        Some((NodeType::Actor, n)) => Ok((Archivable::Actor, n)),
        Some((NodeType::Location, n)) => Ok((Archivable::Location, n)),
        Some((NodeType::NewsItem, n)) => Ok((Archivable::NewsItem, n)),
        Some((NodeType::Event, n)) => Ok((Archivable::Event, n)),
        _ => Err(ApiError::bad_input(
            "id",
            "not the id of a case, actor, location, news item or event",
        )),
    }
}

#[Object]
impl Mutation {
    async fn create_case(&self, ctx: &Context<'_>, input: CreateCaseInput) -> ApiResult<Case> {
        let author = require(ctx, Role::Editor)?;
        let new = input.resolve()?;
        Ok(Case::from_model(
            store_of(ctx)?.create_case(author, new).await?,
        ))
    }

    /// Updates a case. With `expectedVersion`, refuses (CONFLICT) if someone changed it since.
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateCaseInput,
    ) -> ApiResult<Case> {
        let author = require(ctx, Role::Editor)?;
        let store = store_of(ctx)?;
        let case_id = decode(NodeType::Case, &id, "id")?;
        let current = store
            .case_by_id(chasqui_store::Access::FULL, case_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("case".into()))?;
        let patch = input.resolve(current.kind)?;
        Ok(Case::from_model(
            store
                .update_case(author, case_id, patch, expected_version)
                .await?,
        ))
    }

    /// Records a dated, sourced change of a case's status.
    async fn record_status_change(
        &self,
        ctx: &Context<'_>,
        input: RecordStatusChangeInput,
    ) -> ApiResult<StatusChange> {
        let author = require(ctx, Role::Editor)?;
        let change = input.resolve()?;
        Ok(StatusChange::new(
            store_of(ctx)?.record_status_change(author, change).await?,
        ))
    }

    async fn create_actor(&self, ctx: &Context<'_>, input: CreateActorInput) -> ApiResult<Actor> {
        let author = require(ctx, Role::Editor)?;
        Ok(Actor::new(
            store_of(ctx)?
                .create_actor(author, input.resolve()?)
                .await?,
        ))
    }

    async fn update_actor(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateActorInput,
    ) -> ApiResult<Actor> {
        let author = require(ctx, Role::Editor)?;
        let actor_id = decode(NodeType::Actor, &id, "id")?;
        Ok(Actor::new(
            store_of(ctx)?
                .update_actor(author, actor_id, input.resolve()?, expected_version)
                .await?,
        ))
    }

    async fn create_location(
        &self,
        ctx: &Context<'_>,
        input: CreateLocationInput,
    ) -> ApiResult<Location> {
        let author = require(ctx, Role::Editor)?;
        Ok(Location(
            store_of(ctx)?
                .create_location(author, input.resolve()?)
                .await?,
        ))
    }

    async fn update_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateLocationInput,
    ) -> ApiResult<Location> {
        let author = require(ctx, Role::Editor)?;
        let location_id = decode(NodeType::Location, &id, "id")?;
        Ok(Location(
            store_of(ctx)?
                .update_location(
                    author,
                    location_id,
                    input.resolve(location_id)?,
                    expected_version,
                )
                .await?,
        ))
    }

    /// Pushes a batch of news items (a CMS publishing its feed): one transaction, and
    /// idempotent. An item already stored (same URL, or same date and title once case and
    /// accents are set aside) is left as it is, or updated when its summary changed.
    async fn import_news_items(
        &self,
        ctx: &Context<'_>,
        items: Vec<CreateNewsItemInput>,
    ) -> ApiResult<Vec<ImportResult>> {
        // At most `admission::MAX_IMPORT_ITEMS` items: checked before the request runs.
        let author = require(ctx, Role::Editor)?;
        let resolved = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.resolve().map_err(|err| match err {
                    ApiError::BadUserInput { field, message } => ApiError::BadUserInput {
                        field: field.replacen("input", &format!("items[{i}]"), 1),
                        message,
                    },
                    other => other,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let outcomes = store_of(ctx)?.import_news_items(author, resolved).await?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| ImportResult {
                outcome: outcome.into(),
            })
            .collect())
    }

    async fn create_news_item(
        &self,
        ctx: &Context<'_>,
        input: CreateNewsItemInput,
    ) -> ApiResult<NewsItem> {
        let author = require(ctx, Role::Editor)?;
        Ok(NewsItem {
            model: store_of(ctx)?
                .create_news_item(author, input.resolve()?)
                .await?,
        })
    }

    async fn update_news_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateNewsItemInput,
    ) -> ApiResult<NewsItem> {
        let author = require(ctx, Role::Editor)?;
        let news_id = decode(NodeType::NewsItem, &id, "id")?;
        Ok(NewsItem {
            model: store_of(ctx)?
                .update_news_item(author, news_id, input.resolve()?, expected_version)
                .await?,
        })
    }

    /// Links a news item to a case it updates; a reported status and a reported event are
    /// recorded with it, sourced by the item, in one transaction.
    async fn link_news_item(
        &self,
        ctx: &Context<'_>,
        input: LinkNewsItemInput,
    ) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        Ok(NewsLink(
            store_of(ctx)?
                .link_news_item(author, input.resolve()?)
                .await?,
        ))
    }

    /// Confirms a suggested link: it joins the case's timeline, and a status it reports
    /// becomes a status change sourced by the news item.
    async fn confirm_link(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        let link = decode(NodeType::NewsLink, &id, "id")?;
        Ok(NewsLink(store_of(ctx)?.confirm_link(author, link).await?))
    }

    /// Suggests the cases a news item updates, from the names of cases, actors and places
    /// it mentions, and records them as SUGGESTED links with a score and the names that
    /// matched. Cases the item is already linked to (even by a rejected link) are skipped.
    async fn suggest_links(
        &self,
        ctx: &Context<'_>,
        news_item: ID,
        #[graphql(default = 0.5)] threshold: f64,
    ) -> ApiResult<Vec<NewsLink>> {
        let author = require(ctx, Role::Editor)?;
        let news_id = decode(NodeType::NewsItem, &news_item, "newsItem")?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ApiError::bad_input("threshold", "must be between 0 and 1"));
        }
        let store = store_of(ctx)?;
        let dictionary = store.suggestion_dictionary().await?;
        let links = store
            .suggest_links(author, &dictionary, news_id, threshold)
            .await?;
        Ok(links.into_iter().map(NewsLink).collect())
    }

    /// Changes a link's update kind, note or visibility (the status change it recorded
    /// follows its note and visibility). A change that changes nothing writes nothing.
    async fn update_link(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLinkInput,
    ) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        let link = decode(NodeType::NewsLink, &id, "id")?;
        let patch = input.resolve()?;
        Ok(NewsLink(
            store_of(ctx)?.update_link(author, link, patch).await?,
        ))
    }

    /// Rejects a link: it leaves the case's timeline, with the status change it recorded.
    async fn reject_link(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        let link = decode(NodeType::NewsLink, &id, "id")?;
        Ok(NewsLink(store_of(ctx)?.reject_link(author, link).await?))
    }

    /// Records an event in a case's timeline.
    async fn record_event(&self, ctx: &Context<'_>, input: RecordEventInput) -> ApiResult<Event> {
        let author = require(ctx, Role::Editor)?;
        Ok(Event::new(
            store_of(ctx)?
                .record_event(author, input.resolve()?)
                .await?,
        ))
    }

    /// Relates two cases (`case` PART_OF / RELATED_TO / FOLLOWS_FROM `relatedCase`).
    async fn relate_cases(&self, ctx: &Context<'_>, input: RelateCasesInput) -> ApiResult<ID> {
        let author = require(ctx, Role::Editor)?;
        let case_id = decode(NodeType::Case, &input.case, "input.case")?;
        let related = decode(NodeType::Case, &input.related_case, "input.relatedCase")?;
        let note = validate::text("input.note", input.note.as_deref(), validate::MAX_TEXT)?;
        let model = store_of(ctx)?
            .relate_cases(author, case_id, related, input.kind.into(), note)
            .await?;
        Ok(encode(NodeType::CaseRelation, model.id))
    }

    /// Removes a relation between cases.
    async fn unrelate_cases(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let author = require(ctx, Role::Editor)?;
        let relation = decode(NodeType::CaseRelation, &id, "id")?;
        if store_of(ctx)?.unrelate_cases(author, relation).await? {
            Ok(true)
        } else {
            Err(ApiError::NotFound("relation".into()))
        }
    }

    /// Archives a case, actor, location, news item or event: hidden from every read, kept
    /// in the database, and restorable.
    async fn archive(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let author = require(ctx, Role::Editor)?;
        let (what, n) = archivable(&id)?;
        if store_of(ctx)?.set_archived(author, what, n, true).await? {
            Ok(id)
        } else {
            Err(ApiError::NotFound("record".into()))
        }
    }

    /// Deletes an archived record for good (admins only). The deletion is audited with the
    /// record as it was.
    async fn purge(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let author = require(ctx, Role::Admin)?;
        let (what, n) = archivable(&id)?;
        if store_of(ctx)?.purge(author, what, n).await? {
            Ok(id)
        } else {
            Err(ApiError::NotFound("record".into()))
        }
    }

    /// Undoes `archive` (admins only).
    async fn restore(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let author = require(ctx, Role::Admin)?;
        let (what, n) = archivable(&id)?;
        if store_of(ctx)?.set_archived(author, what, n, false).await? {
            Ok(id)
        } else {
            Err(ApiError::NotFound("record".into()))
        }
    }
}
