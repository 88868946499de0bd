//! The root mutation. Each field checks the caller's role, then delegates to the module of
//! the type it writes (`types/*`), which checks the input (errors name the field) and
//! makes one store call, one transaction.

use crate::auth::require;
use crate::error::ApiResult;
use crate::types::actor::{Actor, CreateActorInput, UpdateActorInput};
use crate::types::archive::{purge, set_archived};
use crate::types::case::{Case, CaseRelation, CreateCaseInput, RelateCasesInput, UpdateCaseInput};
use crate::types::event::{Event, RecordEventInput};
use crate::types::location::{CreateLocationInput, Location, UpdateLocationInput};
use crate::types::news::{CreateNewsItemInput, ImportResult, NewsItem, UpdateNewsItemInput};
use crate::types::news_link::{LinkNewsItemInput, NewsLink, UpdateLinkInput};
use crate::types::status_change::{RecordStatusChangeInput, StatusChange};
use async_graphql::{Context, ID, Object};
use chasqui_entities::Role;

pub struct Mutation;

#[Object]
impl Mutation {
    async fn create_case(&self, ctx: &Context<'_>, input: CreateCaseInput) -> ApiResult<Case> {
        let author = require(ctx, Role::Editor)?;
        Case::create(ctx, author, input).await
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
        Case::update(ctx, author, &id, expected_version, input).await
    }

    /// Records a dated, sourced change of a case's status.
    async fn record_status_change(
        &self,
        ctx: &Context<'_>,
        input: RecordStatusChangeInput,
    ) -> ApiResult<StatusChange> {
        let author = require(ctx, Role::Editor)?;
        StatusChange::record(ctx, author, input).await
    }

    async fn create_actor(&self, ctx: &Context<'_>, input: CreateActorInput) -> ApiResult<Actor> {
        let author = require(ctx, Role::Editor)?;
        Actor::create(ctx, author, input).await
    }

    async fn update_actor(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateActorInput,
    ) -> ApiResult<Actor> {
        let author = require(ctx, Role::Editor)?;
        Actor::update(ctx, author, &id, expected_version, input).await
    }

    async fn create_location(
        &self,
        ctx: &Context<'_>,
        input: CreateLocationInput,
    ) -> ApiResult<Location> {
        let author = require(ctx, Role::Editor)?;
        Location::create(ctx, author, input).await
    }

    async fn update_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateLocationInput,
    ) -> ApiResult<Location> {
        let author = require(ctx, Role::Editor)?;
        Location::update(ctx, author, &id, expected_version, input).await
    }

    /// Pushes a batch of news items (a CMS publishing its feed): one transaction, and
    /// idempotent. An item already stored (same URL, or same date and title once case and
    /// accents are set aside) is left as it is, or updated when its summary changed.
    async fn import_news_items(
        &self,
        ctx: &Context<'_>,
        items: Vec<CreateNewsItemInput>,
    ) -> ApiResult<Vec<ImportResult>> {
        let author = require(ctx, Role::Editor)?;
        ImportResult::import(ctx, author, items).await
    }

    async fn create_news_item(
        &self,
        ctx: &Context<'_>,
        input: CreateNewsItemInput,
    ) -> ApiResult<NewsItem> {
        let author = require(ctx, Role::Editor)?;
        NewsItem::create(ctx, author, input).await
    }

    async fn update_news_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateNewsItemInput,
    ) -> ApiResult<NewsItem> {
        let author = require(ctx, Role::Editor)?;
        NewsItem::update(ctx, author, &id, expected_version, input).await
    }

    /// Links a news item to a case it updates; a reported status and a reported event are
    /// recorded with it, sourced by the item, in one transaction.
    async fn link_news_item(
        &self,
        ctx: &Context<'_>,
        input: LinkNewsItemInput,
    ) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        NewsLink::link(ctx, author, input).await
    }

    /// Confirms a suggested link: it joins the case's timeline, and a status it reports
    /// becomes a status change sourced by the news item.
    async fn confirm_link(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        NewsLink::confirm(ctx, author, &id).await
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
        NewsLink::suggest(ctx, author, &news_item, threshold).await
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
        NewsLink::update(ctx, author, &id, input).await
    }

    /// Rejects a link: it leaves the case's timeline, with the status change it recorded.
    async fn reject_link(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NewsLink> {
        let author = require(ctx, Role::Editor)?;
        NewsLink::reject(ctx, author, &id).await
    }

    /// Records an event in a case's timeline.
    async fn record_event(&self, ctx: &Context<'_>, input: RecordEventInput) -> ApiResult<Event> {
        let author = require(ctx, Role::Editor)?;
        Event::record(ctx, author, input).await
    }

    /// Relates two cases (`case` PART_OF / RELATED_TO / FOLLOWS_FROM `relatedCase`).
    async fn relate_cases(&self, ctx: &Context<'_>, input: RelateCasesInput) -> ApiResult<ID> {
        let author = require(ctx, Role::Editor)?;
        CaseRelation::relate(ctx, author, input).await
    }

    /// Removes a relation between cases.
    async fn unrelate_cases(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let author = require(ctx, Role::Editor)?;
        CaseRelation::unrelate(ctx, author, &id).await
    }

    /// Archives a case, actor, location, news item or event: hidden from every read, kept
    /// in the database, and restorable.
    async fn archive(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let author = require(ctx, Role::Editor)?;
        set_archived(ctx, author, id, true).await
    }

    /// Deletes an archived record for good (admins only). The deletion is audited with the
    /// record as it was.
    async fn purge(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let author = require(ctx, Role::Admin)?;
        purge(ctx, author, id).await
    }

    /// Undoes `archive` (admins only).
    async fn restore(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let author = require(ctx, Role::Admin)?;
        set_archived(ctx, author, id, false).await
    }
}
