//! Status changes: the dated, sourced changes of a case's status, and
//! `recordStatusChange`.

use super::case::Case;
use super::common::{FuzzyDate, Source, SourceInput, store};
use super::enums::*;
use super::input::opt_text;
use super::news::NewsItem;
use super::source::{Provenance, provenance_of};
use crate::error::ApiResult;
use crate::ids::{NodeType, decode, encode};
use crate::scalars::PartialDate;
use async_graphql::{Context, ID, InputObject, Object};
use chasqui_domain::validate;
use chasqui_entities::tables::status_change;
use chasqui_store::{Author, NewStatusChange, Sourced};

/// A dated, sourced change of a case's status.
#[derive(Clone)]
pub struct StatusChange(pub status_change::Model);

impl StatusChange {
    pub fn new(model: status_change::Model) -> Self {
        Self(model)
    }

    /// `Mutation.recordStatusChange`.
    pub async fn record(
        ctx: &Context<'_>,
        author: &Author,
        input: RecordStatusChangeInput,
    ) -> ApiResult<StatusChange> {
        let change = input.resolve()?;
        Ok(StatusChange::new(
            store(ctx)?.record_status_change(author, change).await?,
        ))
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

    /// When the status took effect; `null` when that is unknown (a status recorded
    /// without a date: it gives the case its status only while no dated change does, and
    /// is never placed in time — not in the timeline, the last activity or "as of").
    async fn date(&self) -> Option<FuzzyDate> {
        (!self.0.undated)
            .then(|| FuzzyDate::from_parts(self.0.occurred_on, self.0.occurred_precision))
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
    /// Where the change came from: the news item or URL that reports it, the register
    /// (or file of records) it was imported from, or the edit that recorded it.
    async fn provenance(&self, ctx: &Context<'_>) -> ApiResult<Option<Provenance>> {
        provenance_of(ctx, Sourced::StatusChange(self.0.id)).await
    }

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

#[derive(InputObject, Clone)]
pub struct RecordStatusChangeInput {
    pub case: ID,
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub date: PartialDate,
    /// Where the change is reported.
    pub source: SourceInput,
    pub note: Option<String>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl RecordStatusChangeInput {
    pub fn resolve(&self) -> ApiResult<NewStatusChange> {
        let (news_item_id, source_url) = self.source.resolve("input.source")?;
        Ok(NewStatusChange {
            case_id: decode(NodeType::Case, &self.case, "input.case")?,
            status: self.status.into(),
            phase: self.phase.map(Into::into),
            date: Some(self.date.0),
            news_item_id,
            source_url,
            note: opt_text("input", "note", self.note.as_ref(), validate::MAX_TEXT)?,
            visibility: self.visibility.into(),
        })
    }
}
