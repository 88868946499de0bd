//! Cases: the `Case` interface, one type per kind, and the records hanging off a case
//! (actor roles, placements, external ids, relations, status history).

use super::actor::Actor;
use super::common::{FuzzyDate, access, loaders, store};
use super::enums::*;
use super::event::{Event, StatusChange};
use super::location::Location;
use super::news::NewsLink;
use super::timeline::{
    TimelineConnection, TimelineEntry, encode_cursor, single_kind_connection, timeline_page,
    timeline_window,
};
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, encode};
use crate::loaders::*;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{
    Context, ID, InputType, Interface, MergedObject, Object, OutputType, SelectionField,
    SimpleObject, TypeName,
};
use chasqui_entities::CaseDetails;
use chasqui_entities::tables::{case, case_actor, case_location, case_relation, event, news_link};
use chasqui_store::{
    CaseKey, DetailSpec, Page, TimelineKind, TimelineRecord, TimelineRow, TimelineWindow,
    event_row, news_row,
};
use chrono::{DateTime, NaiveDate, Utc};
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

/// The kinds of entry a `timeline(types:)` argument names; all of them when none.
fn timeline_kinds(types: Option<Vec<TimelineEntryType>>) -> Vec<TimelineKind> {
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

impl CaseData {
    fn id_value(&self) -> i64 {
        self.model.id
    }
}

/// Names the GraphQL parts of one kind's case type. Each kind's type is a `MergedObject`
/// of parts; async-graphql registers a part once, while it is still being built, so a
/// part shared by several kinds would come out empty in all but the first. Giving each
/// kind its own (generic) part keeps every type complete.
pub trait KindParts: Send + Sync + 'static {
    const CORE: &'static str;
    const EXTRACTIVE: &'static str;
}

macro_rules! kind_marker {
    ($marker:ident, $core:literal, $extractive:literal) => {
        #[doc = concat!("Marker for the parts of `", $core, "`.")]
        pub struct $marker;

        impl KindParts for $marker {
            const CORE: &'static str = $core;
            const EXTRACTIVE: &'static str = $extractive;
        }
    };
}

kind_marker!(MineKind, "MineCaseCore", "MineCaseExtractive");
kind_marker!(
    OilAndGasKind,
    "OilAndGasCaseCore",
    "OilAndGasCaseExtractive"
);
kind_marker!(
    InfrastructureKind,
    "InfrastructureCaseCore",
    "InfrastructureCaseExtractive"
);
kind_marker!(DecreeKind, "DecreeCaseCore", "DecreeCaseExtractive");
kind_marker!(CourtCaseKind, "CourtCaseCore", "CourtCaseExtractive");
kind_marker!(CampaignKind, "CampaignCaseCore", "CampaignCaseExtractive");
kind_marker!(
    InvestigationKind,
    "InvestigationCaseCore",
    "InvestigationCaseExtractive"
);
kind_marker!(OtherKind, "OtherCaseCore", "OtherCaseExtractive");

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

/// Loads the roles of a case with the given roles (all roles when `roles` is empty).
async fn roles_of(
    ctx: &Context<'_>,
    case: &CaseData,
    roles: &[chasqui_entities::ActorRole],
) -> ApiResult<Vec<CaseActor>> {
    let prefetched = case.prefetched.as_ref().and_then(|p| p.roles.clone());
    let rows = match prefetched {
        Some(rows) => rows,
        None => loaders(ctx)?
            .load_one(RolesOfCase(case.model.id))
            .await?
            .unwrap_or_default(),
    };
    Ok(rows
        .into_iter()
        .filter(|r| roles.is_empty() || roles.contains(&r.role))
        .map(CaseActor)
        .collect())
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

    /// The current status: that of the latest status change.
    async fn status(&self, _ctx: &Context<'_>) -> ApiResult<CaseStatus> {
        Ok(self.model.status.into())
    }

    async fn phase(&self, _ctx: &Context<'_>) -> ApiResult<Option<ConflictPhase>> {
        Ok(self.model.phase.map(Into::into))
    }

    async fn conflict_type(&self, _ctx: &Context<'_>) -> ApiResult<Option<ConflictType>> {
        Ok(self.model.conflict_type.map(Into::into))
    }

    async fn visibility(&self, _ctx: &Context<'_>) -> ApiResult<Visibility> {
        Ok(self.model.visibility.into())
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

    /// The last day of the latest dated thing in the case.
    async fn last_activity_on(&self, _ctx: &Context<'_>) -> ApiResult<Option<NaiveDate>> {
        Ok(self.model.last_activity_on)
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

    /// Every status change, oldest first, each dated and sourced.
    async fn status_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<StatusChange>> {
        let rows = loaders(ctx)?
            .load_one(StatusHistoryOfCase(self.id_value()))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(StatusChange::new).collect())
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
        let prefetched = self.prefetched.as_ref().and_then(|p| p.placements.clone());
        let rows = match prefetched {
            Some(rows) => rows,
            None => loaders(ctx)?
                .load_one(PlacementsOfCase(self.id_value()))
                .await?
                .unwrap_or_default(),
        };
        Ok(rows
            .into_iter()
            .map(|r| CasePlacement {
                location_id: r.location_id,
                precision: r.precision.into(),
                via_site_id: r.via_site_id,
            })
            .collect())
    }

    /// Cases this one relates to, in either direction.
    async fn related_cases(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseRelation>> {
        let rows = loaders(ctx)?
            .load_one(RelationsOfCase(self.id_value()))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| CaseRelation {
                model: r,
                from_case: self.id_value(),
            })
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
        if let Some((window, page)) = self.prefetched.as_ref().and_then(|p| p.events.as_ref()) {
            let asked =
                timeline_window(ctx, vec![TimelineKind::Event], first, after.clone(), order)?;
            if asked == *window {
                return Ok(window_connection(page, event_row, |e| {
                    Event::new(e.clone())
                }));
            }
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
        if let Some((window, page)) = self.prefetched.as_ref().and_then(|p| p.news.as_ref()) {
            let asked =
                timeline_window(ctx, vec![TimelineKind::News], first, after.clone(), order)?;
            if asked == *window {
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
                return Ok(connection);
            }
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
        if let Some((window, page)) = self.prefetched.as_ref().and_then(|p| p.timeline.as_ref()) {
            let asked = timeline_window(ctx, kinds.clone(), first, after.clone(), order)?;
            if asked == *window {
                return Ok(window_connection(
                    page,
                    TimelineRecord::row,
                    TimelineEntry::of_record,
                ));
            }
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
    ) -> ApiResult<crate::types::audit::AuditConnection> {
        let filter = chasqui_store::AuditFilter {
            case_id: Some(self.id_value()),
            ..Default::default()
        };
        crate::types::audit::audit_page(ctx, filter, first, after).await
    }

    async fn created_at(&self, _ctx: &Context<'_>) -> ApiResult<DateTime<Utc>> {
        Ok(self.model.created_at)
    }

    async fn updated_at(&self, _ctx: &Context<'_>) -> ApiResult<DateTime<Utc>> {
        Ok(self.model.updated_at)
    }
}

/// Facts of extractive projects (MINE, OIL_AND_GAS).
pub struct ExtractiveFields<K>(CaseData, PhantomData<K>);

impl<K> Clone for ExtractiveFields<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<K: KindParts> TypeName for ExtractiveFields<K> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(K::EXTRACTIVE)
    }
}

#[Object(name_type)]
impl<K: KindParts> ExtractiveFields<K> {
    /// The companies operating the project (actors with role OPERATOR).
    async fn operators(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Operator]).await
    }

    /// What is extracted.
    async fn minerals(&self) -> &[String] {
        &self.0.details.minerals
    }

    async fn project_stage(&self) -> Option<ProjectStage> {
        self.0.details.project_stage.map(Into::into)
    }
}

#[derive(Clone)]
pub struct InfrastructureFields(CaseData);

#[Object]
impl InfrastructureFields {
    /// The concessionaires or contractors (actors with role OPERATOR).
    async fn operators(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Operator]).await
    }

    async fn project_stage(&self) -> Option<ProjectStage> {
        self.0.details.project_stage.map(Into::into)
    }

    async fn contract_value_usd(&self) -> Option<f64> {
        self.0.details.contract_value_usd
    }
}

#[derive(Clone)]
pub struct DecreeFields(CaseData);

#[Object]
impl DecreeFields {
    /// The instrument's identifier: "DS 017-2017-IN".
    async fn identifier(&self) -> Option<&str> {
        self.0.details.identifier.as_deref()
    }

    /// Who issued it (actors with role ISSUER).
    async fn issuers(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Issuer]).await
    }

    async fn issued_on(&self) -> Option<FuzzyDate> {
        self.0.details.issued_on.map(FuzzyDate)
    }

    async fn legal_status(&self) -> Option<LegalStatus> {
        self.0.details.legal_status.map(Into::into)
    }
}

#[derive(Clone)]
pub struct CourtCaseFields(CaseData);

#[Object]
impl CourtCaseFields {
    async fn court(&self) -> Option<&str> {
        self.0.details.court.as_deref()
    }

    async fn docket_number(&self) -> Option<&str> {
        self.0.details.docket_number.as_deref()
    }

    async fn court_stage(&self) -> Option<CourtStage> {
        self.0.details.court_stage.map(Into::into)
    }

    /// Plaintiffs, prosecutors and defendants.
    async fn parties(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        use chasqui_entities::ActorRole::*;
        roles_of(ctx, &self.0, &[Plaintiff, Prosecutor, Defendant]).await
    }
}

#[derive(Clone)]
pub struct CampaignFields(CaseData);

#[Object]
impl CampaignFields {
    /// Who runs the campaign (actors with role ORGANISER).
    async fn organisers(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Organiser]).await
    }

    /// What the campaign wants.
    async fn aim(&self) -> Option<&str> {
        self.0.details.aim.as_deref()
    }
}

#[derive(Clone)]
pub struct InvestigationFields(CaseData);

#[Object]
impl InvestigationFields {
    async fn investigating_body(&self) -> Option<&str> {
        self.0.details.investigating_body.as_deref()
    }

    /// Actors with role INVESTIGATOR.
    async fn investigators(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseActor>> {
        roles_of(ctx, &self.0, &[chasqui_entities::ActorRole::Investigator]).await
    }
}

/// Declares the case type of one kind: the common fields plus the kind's own.
macro_rules! case_type {
    ($(#[$meta:meta])* $name:ident($marker:ident, $fields:ty)) => {
        $(#[$meta])*
        #[derive(Clone, MergedObject)]
        pub struct $name(pub CaseCore<$marker>, pub $fields);

        impl Deref for $name {
            type Target = CaseCore<$marker>;
            fn deref(&self) -> &CaseCore<$marker> {
                &self.0
            }
        }
    };
}

case_type!(
    /// A mine and the conflict around it.
    MineCase(MineKind, ExtractiveFields<MineKind>)
);
case_type!(
    /// An oil or gas project (a block, a pipeline) and the conflict around it.
    OilAndGasCase(OilAndGasKind, ExtractiveFields<OilAndGasKind>)
);
case_type!(
    /// A road, airport, dam or other infrastructure project or contract.
    InfrastructureCase(InfrastructureKind, InfrastructureFields)
);
case_type!(
    /// A decree, law, regulation or national plan.
    DecreeCase(DecreeKind, DecreeFields)
);
case_type!(
    /// A court case.
    CourtCase(CourtCaseKind, CourtCaseFields)
);
case_type!(
    /// A campaign.
    CampaignCase(CampaignKind, CampaignFields)
);
case_type!(
    /// A corruption affair or regulatory scandal under investigation.
    InvestigationCase(InvestigationKind, InvestigationFields)
);

/// Anything else followed over time.
#[derive(Clone, MergedObject)]
pub struct OtherCase(pub CaseCore<OtherKind>);

impl Deref for OtherCase {
    type Target = CaseCore<OtherKind>;
    fn deref(&self) -> &CaseCore<OtherKind> {
        &self.0
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
    field(name = "version", ty = "ApiResult<i32>"),
    field(name = "started_on", ty = "ApiResult<Option<FuzzyDate>>"),
    field(name = "last_activity_on", ty = "ApiResult<Option<NaiveDate>>"),
    field(name = "topics", ty = "ApiResult<Vec<String>>"),
    field(name = "external_ids", ty = "ApiResult<Vec<ExternalId>>"),
    field(name = "status_history", ty = "ApiResult<Vec<StatusChange>>"),
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
        ty = "ApiResult<crate::types::audit::AuditConnection>",
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

    fn with_prefetched(model: case::Model, prefetched: Option<Arc<Prefetched>>) -> Self {
        let details: CaseDetails = serde_json::from_str(&model.details).unwrap_or_else(|err| {
            tracing::warn!(case = model.id, error = %err, "unreadable case details; showing none");
            CaseDetails::default()
        });
        let data = CaseData {
            model: Arc::new(model),
            details: Arc::new(details),
            prefetched,
        };
        use chasqui_entities::CaseKind as K;
        match data.model.kind {
            K::Mine => Self::Mine(MineCase(
                CaseCore::new(data.clone()),
                ExtractiveFields(data.clone(), PhantomData),
            )),
            K::OilAndGas => Self::OilAndGas(OilAndGasCase(
                CaseCore::new(data.clone()),
                ExtractiveFields(data.clone(), PhantomData),
            )),
            K::Infrastructure => Self::Infrastructure(InfrastructureCase(
                CaseCore::new(data.clone()),
                InfrastructureFields(data.clone()),
            )),
            K::Decree => Self::Decree(DecreeCase(
                CaseCore::new(data.clone()),
                DecreeFields(data.clone()),
            )),
            K::CourtCase => Self::CourtCase(CourtCase(
                CaseCore::new(data.clone()),
                CourtCaseFields(data.clone()),
            )),
            K::Campaign => Self::Campaign(CampaignCase(
                CaseCore::new(data.clone()),
                CampaignFields(data.clone()),
            )),
            K::Investigation => Self::Investigation(InvestigationCase(
                CaseCore::new(data.clone()),
                InvestigationFields(data.clone()),
            )),
            K::Other => Self::Other(OtherCase(CaseCore::new(data.clone()))),
        }
    }

    /// Loads a case by id through the request's loader (None when not visible).
    pub async fn load(ctx: &Context<'_>, id: i64) -> ApiResult<Option<Case>> {
        Ok(loaders(ctx)?
            .load_one(CaseById(id))
            .await?
            .map(Case::from_model))
    }
}

/// An identifier of the case in another register.
#[derive(SimpleObject)]
pub struct ExternalId {
    pub scheme: ExternalIdScheme,
    pub value: String,
}

/// An actor's role in a case.
pub struct CaseActor(pub case_actor::Model);

#[Object]
impl CaseActor {
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Actor>> {
        Actor::load(ctx, self.0.actor_id).await
    }

    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        Case::load(ctx, self.0.case_id).await
    }

    async fn role(&self) -> ActorRole {
        self.0.role.into()
    }

    async fn started_on(&self) -> Option<FuzzyDate> {
        FuzzyDate::from_optional(self.0.started_on, self.0.started_precision)
    }

    async fn ended_on(&self) -> Option<FuzzyDate> {
        FuzzyDate::from_optional(self.0.ended_on, self.0.ended_precision)
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
}

/// Where a case is placed and how precisely.
pub struct CasePlacement {
    location_id: i64,
    precision: PlacementPrecision,
    via_site_id: Option<i64>,
}

#[Object]
impl CasePlacement {
    async fn location(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load(ctx, self.location_id).await
    }

    async fn precision(&self) -> PlacementPrecision {
        self.precision
    }

    /// For a placement chasqui derived, the site it comes from: a case placed only on
    /// exact sites is also placed on the district each site without a parent place lies
    /// in. Such a placement follows its site: it is seen only while the site is, and it
    /// moves or goes when the site moves, gets a parent or is archived. Null for a
    /// placement an editor gave; leave derived placements out when writing a case's
    /// placements back.
    async fn derived_from(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.via_site_id {
            Some(site) => Location::load(ctx, site).await,
            None => Ok(None),
        }
    }
}

/// A relation between two cases, seen from one of them.
pub struct CaseRelation {
    model: case_relation::Model,
    from_case: i64,
}

#[Object]
impl CaseRelation {
    async fn id(&self) -> ID {
        encode(NodeType::CaseRelation, self.model.id)
    }

    async fn kind(&self) -> CaseRelationKind {
        self.model.kind.into()
    }

    /// True when this case is the relation's subject ("this case FOLLOWS_FROM the other").
    async fn outgoing(&self) -> bool {
        self.model.case_id == self.from_case
    }

    /// The case at the other end.
    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        let other = if self.model.case_id == self.from_case {
            self.model.related_case_id
        } else {
            self.model.case_id
        };
        Case::load(ctx, other).await
    }

    async fn note(&self) -> Option<&str> {
        self.model.note.as_deref()
    }
}
