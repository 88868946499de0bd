//! Cases: the `Case` interface, the fields every case has (`CaseCore`), and the case
//! root fields and mutations. The types of each kind and their facts are in `kinds`, the
//! records hanging off a case (actor roles, placements, external ids) in `parts`, relations
//! between cases in `relation`, the case page's read-ahead in `detail`, the case list and
//! its filter in `list` and `filter`, the create and update inputs in `inputs`.

mod detail;
mod filter;
mod inputs;
mod kinds;
mod list;
mod parts;
mod relation;

pub use filter::{CaseFilter, CaseOrder};
pub use inputs::{CreateCaseInput, UpdateCaseInput};
pub use kinds::{
    CampaignCase, CaseDetailsInput, CourtCase, DecreeCase, InfrastructureCase, InvestigationCase,
    KindParts, MineCase, OilAndGasCase, OtherCase,
};
pub use list::{CaseConnection, CaseListInfo};
pub use parts::{
    CaseActor, CaseActorInput, CasePlacement, CasePlacementInput, ExternalId, ExternalIdInput,
};
pub use relation::{CaseRelation, RelateCasesInput};

use super::audit::{AuditConnection, audit_page};
use super::common::{FuzzyDate, loaders};
use super::enums::*;
use super::event::Event;
use super::news_link::NewsLink;
use super::status_change::StatusChange;
use super::timeline::{
    TimelineConnection, TimelineEntry, single_kind_connection, timeline_kinds, timeline_page,
};
use crate::error::ApiResult;
use crate::ids::{Lookup, NodeType, encode, lookup};
use crate::loaders::{
    CaseById, ExternalIdsOfCase, PlacementsOfCase, RelationsOfCase, StatusHistoryOfCase,
    TopicsOfCase,
};
use crate::scalars::PartialDate;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Interface, Object, TypeName};
use chasqui_entities::CaseDetails;
use chasqui_entities::PartialDate as StoredDate;
use chasqui_entities::tables::{case, status_change};
use chasqui_store::{AuditFilter, CaseKey, TimelineKind};
use chrono::{DateTime, Utc};
use detail::Prefetched;
use parts::roles_of;
use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

/// A stored case and its kind-specific facts, shared by the parts of its GraphQL type.
#[derive(Clone)]
pub struct CaseData {
    pub model: Arc<case::Model>,
    pub details: Arc<CaseDetails>,
    /// What the case page statement read with the case (`Query.case`); the fields it
    /// covers answer from here, the others load as usual.
    pub prefetched: Option<Arc<Prefetched>>,
}

impl CaseData {
    fn id_value(&self) -> i64 {
        self.model.id
    }

    /// The status changes the caller may see, in the history's order.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<status_change::Model>> {
        let mut rows = loaders(ctx)?
            .load_one(StatusHistoryOfCase(self.id_value()))
            .await?
            .unwrap_or_default();
        chasqui_store::sort_history(&mut rows);
        Ok(rows)
    }
}

/// The fields every case has, whatever its kind.
pub struct CaseCore<K>(CaseData, PhantomData<K>);

impl<K> CaseCore<K> {
    fn new(data: CaseData) -> Self {
        Self(data, PhantomData)
    }
}

impl<K> Clone for CaseCore<K> {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl<K> Deref for CaseCore<K> {
    type Target = CaseData;
    fn deref(&self) -> &CaseData {
        &self.0
    }
}

impl<K: KindParts> TypeName for CaseCore<K> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(K::CORE)
    }
}

#[Object(name_type)]
impl<K: KindParts> CaseCore<K> {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::Case, self.id_value())
    }

    /// Stable, human-readable identifier used in URLs: `las-bambas`.
    async fn slug(&self, _ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.model.slug.clone())
    }

    async fn kind(&self, _ctx: &Context<'_>) -> ApiResult<CaseKind> {
        Ok(self.model.kind.into())
    }

    async fn title(&self, _ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.model.title.clone())
    }

    async fn summary(&self, _ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self.model.summary.clone())
    }

    /// The current status: that of the latest dated status change (or, while no change
    /// is dated, of the last undated one).
    async fn status(&self, _ctx: &Context<'_>) -> ApiResult<CaseStatus> {
        Ok(self.model.status.into())
    }

    /// The phase the same status change states. A status change without a phase says the
    /// phase is unknown: it clears the phase, it does not keep an earlier one.
    async fn phase(&self, _ctx: &Context<'_>) -> ApiResult<Option<ConflictPhase>> {
        Ok(self.model.phase.map(Into::into))
    }

    async fn conflict_type(&self, _ctx: &Context<'_>) -> ApiResult<Option<ConflictType>> {
        Ok(self.model.conflict_type.map(Into::into))
    }

    async fn visibility(&self, _ctx: &Context<'_>) -> ApiResult<Visibility> {
        Ok(self.model.visibility.into())
    }

    /// Whether violence is reported in the conflict, as the latest monthly register that
    /// lists the case says (`vio_if`); null when no register lists it, or it says nothing.
    async fn violence_reported(&self, _ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        Ok(self.model.violence_reported)
    }

    /// Whether a dialogue is under way, as the latest register that lists the case says
    /// (`dial_if`); null when none says.
    async fn dialogue_under_way(&self, _ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        Ok(self.model.dialogue_under_way)
    }

    /// The level of government responsible for the conflict, as the latest register that
    /// lists the case says (`competencia`); null when none says.
    async fn responsible_level(&self, _ctx: &Context<'_>) -> ApiResult<Option<GovernmentLevel>> {
        Ok(self.model.responsible_level.map(Into::into))
    }

    /// Bumped by every change to the case's own fields (not by the events, links and status
    /// changes recorded in it); send it back as `expectedVersion` to update safely.
    async fn version(&self, _ctx: &Context<'_>) -> ApiResult<i32> {
        Ok(self.model.version)
    }

    async fn started_on(&self, _ctx: &Context<'_>) -> ApiResult<Option<FuzzyDate>> {
        Ok(FuzzyDate::from_optional(
            self.model.started_on,
            self.model.started_precision,
        ))
    }

    /// The date of the latest dated record in the case (its start, an event, a confirmed
    /// news item, a dated status change), with that record's precision; at the same first
    /// day the more precise date is the later.
    async fn last_activity_on(&self, _ctx: &Context<'_>) -> ApiResult<Option<FuzzyDate>> {
        Ok(self
            .model
            .last_activity_on
            .zip(self.model.last_activity_precision)
            .map(|(last, precision)| FuzzyDate(StoredDate::truncate(last, precision))))
    }

    async fn topics(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        let rows = loaders(ctx)?
            .load_one(TopicsOfCase(self.id_value()))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(|t| t.topic).collect())
    }

    /// Identifiers of the case in other registers.
    async fn external_ids(&self, ctx: &Context<'_>) -> ApiResult<Vec<ExternalId>> {
        let rows = loaders(ctx)?
            .load_one(ExternalIdsOfCase(self.id_value()))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| ExternalId {
                scheme: r.scheme.into(),
                value: r.value,
            })
            .collect())
    }

    /// Every status change, oldest first, each dated and sourced; undated ones (whose
    /// date is unknown) first.
    async fn status_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<StatusChange>> {
        Ok(self
            .history(ctx)
            .await?
            .into_iter()
            .map(StatusChange::new)
            .collect())
    }

    /// The status and phase in effect at the end of `date` (a day, a month or a year;
    /// today when not given): the latest dated status change on or before it, with its
    /// date and sources; `null` when no dated change is that old. The rule `statusAsOf`
    /// filters by.
    async fn status_on(
        &self,
        ctx: &Context<'_>,
        date: Option<PartialDate>,
    ) -> ApiResult<Option<StatusChange>> {
        let history = self.history(ctx).await?;
        let day = date.map_or_else(|| chrono::Utc::now().date_naive(), |d| d.0.last_day());
        Ok(chasqui_store::status_in_effect(&history, day)
            .cloned()
            .map(StatusChange::new))
    }

    /// The actors of the case with their roles; only those with `role` when given.
    async fn actors(
        &self,
        ctx: &Context<'_>,
        role: Option<ActorRole>,
    ) -> ApiResult<Vec<CaseActor>> {
        let roles: Vec<chasqui_entities::ActorRole> = role.map(Into::into).into_iter().collect();
        roles_of(ctx, self, &roles).await
    }

    /// Where the case is placed.
    async fn locations(&self, ctx: &Context<'_>) -> ApiResult<Vec<CasePlacement>> {
        let rows = match self.placements_read_ahead() {
            Some(rows) => rows,
            None => loaders(ctx)?
                .load_one(PlacementsOfCase(self.id_value()))
                .await?
                .unwrap_or_default(),
        };
        Ok(rows.into_iter().map(CasePlacement::new).collect())
    }

    /// Cases this one relates to, in either direction.
    async fn related_cases(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseRelation>> {
        let rows = loaders(ctx)?
            .load_one(RelationsOfCase(self.id_value()))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| CaseRelation::new(r, self.id_value()))
            .collect())
    }

    /// The case's events, paged.
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order: Option<TimelineOrder>,
    ) -> ApiResult<Connection<String, Event, EmptyFields, EmptyFields>> {
        if let Some(connection) = self.events_read_ahead(ctx, first, &after, order)? {
            return Ok(connection);
        }
        let pick = |entry| match entry {
            TimelineEntry::Event(event) => Some(event),
            _ => None,
        };
        let page = (first, after, order);
        single_kind_connection(ctx, self.id_value(), TimelineKind::Event, page, pick).await
    }

    /// The news items that update this case (confirmed links), paged.
    async fn news_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order: Option<TimelineOrder>,
    ) -> ApiResult<Connection<String, NewsLink, EmptyFields, EmptyFields>> {
        if let Some(connection) = self.news_read_ahead(ctx, first, &after, order)? {
            return Ok(connection);
        }
        let pick = |entry| match entry {
            TimelineEntry::NewsUpdate(link) => Some(link),
            _ => None,
        };
        let page = (first, after, order);
        single_kind_connection(ctx, self.id_value(), TimelineKind::News, page, pick).await
    }

    /// One dated list of the case's events, news updates and status changes, newest first
    /// by default: what a case page shows.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        order: Option<TimelineOrder>,
        types: Option<Vec<TimelineEntryType>>,
    ) -> ApiResult<TimelineConnection> {
        let kinds = timeline_kinds(types);
        if let Some(connection) = self.timeline_read_ahead(ctx, &kinds, first, &after, order)? {
            return Ok(connection);
        }
        let (page, cursors) =
            timeline_page(ctx, self.id_value(), kinds, first, after, order).await?;
        TimelineEntry::connection(ctx, &page, cursors).await
    }

    /// Every audited change to the case and to what belongs to it, newest first
    /// (admins only).
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<AuditConnection> {
        let filter = AuditFilter {
            case_id: Some(self.id_value()),
            ..Default::default()
        };
        audit_page(ctx, filter, first, after).await
    }

    async fn created_at(&self, _ctx: &Context<'_>) -> ApiResult<DateTime<Utc>> {
        Ok(self.model.created_at)
    }

    async fn updated_at(&self, _ctx: &Context<'_>) -> ApiResult<DateTime<Utc>> {
        Ok(self.model.updated_at)
    }
}

/// Anything followed over time. Each kind has its own type with its own fields.
#[allow(clippy::duplicated_attributes)] // the interface lists each field as field(name, ty)
#[derive(Interface, Clone)]
#[graphql(
    field(name = "id", ty = "ID"),
    field(name = "slug", ty = "ApiResult<String>"),
    field(name = "kind", ty = "ApiResult<CaseKind>"),
    field(name = "title", ty = "ApiResult<String>"),
    field(name = "summary", ty = "ApiResult<Option<String>>"),
    field(name = "status", ty = "ApiResult<CaseStatus>"),
    field(name = "phase", ty = "ApiResult<Option<ConflictPhase>>"),
    field(name = "conflict_type", ty = "ApiResult<Option<ConflictType>>"),
    field(name = "visibility", ty = "ApiResult<Visibility>"),
    field(name = "violence_reported", ty = "ApiResult<Option<bool>>"),
    field(name = "dialogue_under_way", ty = "ApiResult<Option<bool>>"),
    field(name = "responsible_level", ty = "ApiResult<Option<GovernmentLevel>>"),
    field(name = "version", ty = "ApiResult<i32>"),
    field(name = "started_on", ty = "ApiResult<Option<FuzzyDate>>"),
    field(name = "last_activity_on", ty = "ApiResult<Option<FuzzyDate>>"),
    field(name = "topics", ty = "ApiResult<Vec<String>>"),
    field(name = "external_ids", ty = "ApiResult<Vec<ExternalId>>"),
    field(name = "status_history", ty = "ApiResult<Vec<StatusChange>>"),
    field(
        name = "status_on",
        ty = "ApiResult<Option<StatusChange>>",
        arg(name = "date", ty = "Option<PartialDate>")
    ),
    field(
        name = "actors",
        ty = "ApiResult<Vec<CaseActor>>",
        arg(name = "role", ty = "Option<ActorRole>")
    ),
    field(name = "locations", ty = "ApiResult<Vec<CasePlacement>>"),
    field(name = "related_cases", ty = "ApiResult<Vec<CaseRelation>>"),
    field(
        name = "events",
        ty = "ApiResult<Connection<String, Event, EmptyFields, EmptyFields>>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "order", ty = "Option<TimelineOrder>")
    ),
    field(
        name = "news_items",
        ty = "ApiResult<Connection<String, NewsLink, EmptyFields, EmptyFields>>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "order", ty = "Option<TimelineOrder>")
    ),
    field(
        name = "timeline",
        ty = "ApiResult<TimelineConnection>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>"),
        arg(name = "order", ty = "Option<TimelineOrder>"),
        arg(name = "types", ty = "Option<Vec<TimelineEntryType>>")
    ),
    field(
        name = "revisions",
        ty = "ApiResult<AuditConnection>",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>")
    ),
    field(name = "created_at", ty = "ApiResult<DateTime<Utc>>"),
    field(name = "updated_at", ty = "ApiResult<DateTime<Utc>>")
)]
pub enum Case {
    Mine(MineCase),
    OilAndGas(OilAndGasCase),
    Infrastructure(InfrastructureCase),
    Decree(DecreeCase),
    CourtCase(CourtCase),
    Campaign(CampaignCase),
    Investigation(InvestigationCase),
    Other(OtherCase),
}

impl Case {
    /// Wraps a stored case in the type of its kind.
    pub fn from_model(model: case::Model) -> Self {
        Self::with_prefetched(model, None)
    }

    /// Wraps a stored case, and what was read with it, in the type of its kind.
    fn with_prefetched(model: case::Model, prefetched: Option<Arc<Prefetched>>) -> Self {
        let details: CaseDetails = serde_json::from_str(&model.details).unwrap_or_else(|err| {
            tracing::warn!(case = model.id, error = %err, "unreadable case details; showing none");
            CaseDetails::default()
        });
        kinds::of_kind(CaseData {
            model: Arc::new(model),
            details: Arc::new(details),
            prefetched,
        })
    }

    /// Loads a case by id through the request's loader (None when not visible).
    pub async fn load(ctx: &Context<'_>, id: i64) -> ApiResult<Option<Case>> {
        Ok(loaders(ctx)?
            .load_one(CaseById(id))
            .await?
            .map(Case::from_model))
    }

    /// `Query.case`: by id or slug, with what the selection reads from it
    /// ([`Case::load_detail`]).
    pub async fn by_key(
        ctx: &Context<'_>,
        id: Option<&ID>,
        slug: Option<&str>,
    ) -> ApiResult<Option<Case>> {
        match lookup(NodeType::Case, id, slug, "slug")? {
            Some(Lookup::Id(id)) => Case::load_detail(ctx, CaseKey::Id(id)).await,
            Some(Lookup::Key(slug)) => Case::load_detail(ctx, CaseKey::Slug(slug)).await,
            None => Ok(None),
        }
    }
}
