//! The inputs that create and update cases, and the mutations they drive.

use super::Case;
use super::kinds::CaseDetailsInput;
use super::parts::{
    CaseActorInput, CasePlacementInput, ExternalIdInput, resolve_external_ids, resolve_placements,
    resolve_roles,
};
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode};
use crate::scalars::PartialDate;
use crate::types::common::{SourceInput, store};
use crate::types::enums::{CaseKind, CaseStatus, ConflictPhase, ConflictType, Visibility};
use crate::types::input::{maybe, maybe_text, opt_text};
use async_graphql::{Context, ID, InputObject, MaybeUndefined};
use chasqui_domain::validate;
use chasqui_store::{Access, Author, CasePatch, NewCase, NewStatusChange};

impl Case {
    /// `Mutation.createCase`.
    pub async fn create(
        ctx: &Context<'_>,
        author: &Author,
        input: CreateCaseInput,
    ) -> ApiResult<Case> {
        let new = input.resolve()?;
        Ok(Case::from_model(
            store(ctx)?.create_case(author, new).await?,
        ))
    }

    /// `Mutation.updateCase`: the details are checked against the case's stored kind.
    pub async fn update(
        ctx: &Context<'_>,
        author: &Author,
        id: &ID,
        expected_version: Option<i32>,
        input: UpdateCaseInput,
    ) -> ApiResult<Case> {
        let store = store(ctx)?;
        let case_id = decode(NodeType::Case, id, "id")?;
        let current = store
            .case_by_id(Access::FULL, case_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("case".into()))?;
        let patch = input.resolve(current.kind)?;
        Ok(Case::from_model(
            store
                .update_case(author, case_id, patch, expected_version)
                .await?,
        ))
    }
}

fn resolve_topics(topics: &[String], prefix: &str) -> ApiResult<Vec<String>> {
    Ok(topics
        .iter()
        .enumerate()
        .map(|(i, t)| validate::topic(&format!("{prefix}.topics[{i}]"), t))
        .collect::<Result<Vec<_>, _>>()?)
}

#[derive(InputObject, Clone)]
pub struct CreateCaseInput {
    /// Lower-case words joined by hyphens: `las-bambas`. Unique.
    pub slug: String,
    pub kind: CaseKind,
    pub title: String,
    pub summary: Option<String>,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub conflict_type: Option<ConflictType>,
    pub started_on: Option<PartialDate>,
    pub details: Option<CaseDetailsInput>,
    pub topics: Option<Vec<String>>,
    pub external_ids: Option<Vec<ExternalIdInput>>,
    pub actors: Option<Vec<CaseActorInput>>,
    pub locations: Option<Vec<CasePlacementInput>>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    /// When the initial status took effect. Without it the status is recorded undated:
    /// it gives the case its status until a dated change does, and is never placed in time.
    pub status_since: Option<PartialDate>,
    /// The source of the initial status.
    pub status_source: Option<SourceInput>,
}

impl CreateCaseInput {
    pub fn resolve(&self) -> ApiResult<NewCase> {
        let p = "input";
        let kind: chasqui_entities::CaseKind = self.kind.into();
        let status_since = match (self.status_since, &self.status_source) {
            (None, None) => None,
            (date, source) => {
                let (news_item_id, source_url) = match source {
                    Some(s) => s.resolve("input.statusSource")?,
                    None => (None, None),
                };
                let date = date.map(|d| d.0).ok_or_else(|| {
                    ApiError::bad_input(
                        "input.statusSince",
                        "give the date the status took effect with its source",
                    )
                })?;
                Some(NewStatusChange {
                    case_id: 0,
                    status: self.status.into(),
                    phase: self.phase.map(Into::into),
                    date: Some(date),
                    news_item_id,
                    source_url,
                    note: None,
                    visibility: self.visibility.into(),
                })
            }
        };
        Ok(NewCase {
            slug: validate::slug("input.slug", &self.slug)?,
            kind,
            title: validate::name("input.title", &self.title)?,
            summary: opt_text(p, "summary", self.summary.as_ref(), validate::MAX_TEXT)?,
            status: self.status.into(),
            phase: self.phase.map(Into::into),
            conflict_type: self.conflict_type.map(Into::into),
            started_on: self.started_on.map(|d| d.0),
            details: self
                .details
                .clone()
                .unwrap_or_default()
                .resolve(kind, "input.details")?,
            topics: resolve_topics(self.topics.as_deref().unwrap_or_default(), p)?,
            external_ids: resolve_external_ids(
                self.external_ids.as_deref().unwrap_or_default(),
                p,
            )?,
            actors: resolve_roles(self.actors.as_deref().unwrap_or_default(), p)?,
            locations: resolve_placements(self.locations.as_deref().unwrap_or_default(), p)?,
            visibility: self.visibility.into(),
            status_since,
        })
    }
}

/// Changes to a case; fields left out stay as they are, `null` clears.
#[derive(InputObject, Clone, Default)]
pub struct UpdateCaseInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: MaybeUndefined<String>,
    pub phase: MaybeUndefined<ConflictPhase>,
    pub conflict_type: MaybeUndefined<ConflictType>,
    pub started_on: MaybeUndefined<PartialDate>,
    /// Replaces the kind-specific facts.
    pub details: Option<CaseDetailsInput>,
    /// Replaces the topics.
    pub topics: Option<Vec<String>>,
    pub external_ids: Option<Vec<ExternalIdInput>>,
    /// Replaces the actor roles.
    pub actors: Option<Vec<CaseActorInput>>,
    /// Replaces the placements.
    pub locations: Option<Vec<CasePlacementInput>>,
    pub visibility: Option<Visibility>,
}

impl UpdateCaseInput {
    pub fn resolve(&self, kind: chasqui_entities::CaseKind) -> ApiResult<CasePatch> {
        let p = "input";
        Ok(CasePatch {
            slug: self
                .slug
                .as_deref()
                .map(|s| validate::slug("input.slug", s))
                .transpose()?,
            title: self
                .title
                .as_deref()
                .map(|s| validate::name("input.title", s))
                .transpose()?,
            summary: maybe_text(p, "summary", &self.summary, validate::MAX_TEXT)?,
            phase: maybe(&self.phase, Into::into),
            conflict_type: maybe(&self.conflict_type, Into::into),
            started_on: maybe(&self.started_on, |d: PartialDate| d.0),
            details: self
                .details
                .as_ref()
                .map(|d| d.resolve(kind, "input.details"))
                .transpose()?,
            topics: self
                .topics
                .as_deref()
                .map(|t| resolve_topics(t, p))
                .transpose()?,
            external_ids: self
                .external_ids
                .as_deref()
                .map(|e| resolve_external_ids(e, p))
                .transpose()?,
            actors: self
                .actors
                .as_deref()
                .map(|a| resolve_roles(a, p))
                .transpose()?,
            locations: self
                .locations
                .as_deref()
                .map(|l| resolve_placements(l, p))
                .transpose()?,
            visibility: self.visibility.map(Into::into),
        })
    }
}
