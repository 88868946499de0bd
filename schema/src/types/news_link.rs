//! News links: the record that a news item updates a case, the mutations that make,
//! suggest, confirm, change and reject them, and their inputs.

use super::case::Case;
use super::common::{FuzzyDate, loaders, store};
use super::enums::*;
use super::event::{Event, ReportedEventInput};
use super::input::{maybe_text, opt_text};
use super::news::NewsItem;
use super::status_change::StatusChange;
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode, encode};
use crate::loaders::{EventById, StatusChangeById};
use crate::scalars::PartialDate;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chasqui_domain::validate;
use chasqui_entities::LinkState as StoredLinkState;
use chasqui_entities::tables::news_link;
use chasqui_store::{Author, LinkPatch, NewLink};

/// The record that a news item updates a case: how, with what, and who says so.
#[derive(Clone)]
pub struct NewsLink(pub news_link::Model);

#[Object]
impl NewsLink {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::NewsLink, self.0.id)
    }

    async fn news_item(&self, ctx: &Context<'_>) -> ApiResult<Option<NewsItem>> {
        NewsItem::load(ctx, self.0.news_item_id).await
    }

    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        Case::load(ctx, self.0.case_id).await
    }

    /// The news item's date: where the link stands in the case's timeline.
    async fn date(&self, ctx: &Context<'_>) -> ApiResult<Option<FuzzyDate>> {
        Ok(NewsItem::load(ctx, self.0.news_item_id)
            .await?
            .map(|n| FuzzyDate::from_parts(n.model.published_on, n.model.published_precision)))
    }

    async fn update_kind(&self) -> UpdateKind {
        self.0.update_kind.into()
    }

    /// The status the item reports for the case, if any.
    async fn reported_status(&self) -> Option<CaseStatus> {
        self.0.reported_status.map(Into::into)
    }

    /// The status change this link recorded.
    async fn status_change(&self, ctx: &Context<'_>) -> ApiResult<Option<StatusChange>> {
        match self.0.status_change_id {
            Some(id) => Ok(loaders(ctx)?
                .load_one(StatusChangeById(id))
                .await?
                .map(StatusChange::new)),
            None => Ok(None),
        }
    }

    /// The event the item reports, if any.
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<Option<Event>> {
        match self.0.event_id {
            Some(id) => Ok(loaders(ctx)?.load_one(EventById(id)).await?.map(Event::new)),
            None => Ok(None),
        }
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// CONFIRMED by a person, or only SUGGESTED by the matcher (or REJECTED).
    async fn state(&self) -> LinkState {
        self.0.state.into()
    }

    /// The link's own visibility. A link is seen only with its news item: anonymous
    /// callers do not see a link to a restricted news item, whatever its own visibility.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }

    /// For suggestions: how sure the matcher is, 0 to 1.
    async fn confidence(&self) -> Option<f64> {
        self.0.confidence
    }

    /// For suggestions: the names that matched.
    async fn matched_terms(&self) -> Vec<String> {
        self.0
            .matched_terms
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

impl NewsLink {
    /// `Mutation.linkNewsItem`: the link, with the status and the event it reports, in
    /// one transaction.
    pub async fn link(
        ctx: &Context<'_>,
        author: &Author,
        input: LinkNewsItemInput,
    ) -> ApiResult<NewsLink> {
        Ok(NewsLink(
            store(ctx)?.link_news_item(author, input.resolve()?).await?,
        ))
    }

    /// `Mutation.confirmLink`.
    pub async fn confirm(ctx: &Context<'_>, author: &Author, id: &ID) -> ApiResult<NewsLink> {
        let link = decode(NodeType::NewsLink, id, "id")?;
        Ok(NewsLink(store(ctx)?.confirm_link(author, link).await?))
    }

    /// `Mutation.suggestLinks`: records the links the matcher scores at `threshold` or
    /// more as suggestions.
    pub async fn suggest(
        ctx: &Context<'_>,
        author: &Author,
        news_item: &ID,
        threshold: f64,
    ) -> ApiResult<Vec<NewsLink>> {
        let news_id = decode(NodeType::NewsItem, news_item, "newsItem")?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ApiError::bad_input("threshold", "must be between 0 and 1"));
        }
        let store = store(ctx)?;
        let dictionary = store.suggestion_dictionary().await?;
        let links = store
            .suggest_links(author, &dictionary, news_id, threshold)
            .await?;
        Ok(links.into_iter().map(NewsLink).collect())
    }

    /// `Mutation.updateLink`.
    pub async fn update(
        ctx: &Context<'_>,
        author: &Author,
        id: &ID,
        input: UpdateLinkInput,
    ) -> ApiResult<NewsLink> {
        let link = decode(NodeType::NewsLink, id, "id")?;
        let patch = input.resolve()?;
        Ok(NewsLink(
            store(ctx)?.update_link(author, link, patch).await?,
        ))
    }

    /// `Mutation.rejectLink`.
    pub async fn reject(ctx: &Context<'_>, author: &Author, id: &ID) -> ApiResult<NewsLink> {
        let link = decode(NodeType::NewsLink, id, "id")?;
        Ok(NewsLink(store(ctx)?.reject_link(author, link).await?))
    }
}

#[derive(InputObject, Clone)]
pub struct LinkNewsItemInput {
    pub news_item: ID,
    pub case: ID,
    pub update_kind: UpdateKind,
    /// A status the item reports; recorded as a status change sourced by the item.
    pub reported_status: Option<CaseStatus>,
    pub reported_phase: Option<ConflictPhase>,
    /// When the reported status took effect, when the item says so ("2017-02-10"); by
    /// default the date of the event the item reports, or else the item's date.
    pub reported_status_on: Option<PartialDate>,
    /// An event the item reports; recorded and sourced by the item.
    pub event: Option<ReportedEventInput>,
    pub note: Option<String>,
    /// False records the link as a suggestion awaiting a person's confirmation.
    #[graphql(default = true)]
    pub confirmed: bool,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

impl LinkNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewLink> {
        let news_item_id = decode(NodeType::NewsItem, &self.news_item, "input.newsItem")?;
        let case_id = decode(NodeType::Case, &self.case, "input.case")?;
        validate::link_report(
            "input.",
            self.update_kind.into(),
            self.reported_status.map(Into::into),
            self.reported_phase.map(Into::into),
        )?;
        Ok(NewLink {
            news_item_id,
            case_id,
            update_kind: self.update_kind.into(),
            reported_status: self.reported_status.map(Into::into),
            reported_phase: self.reported_phase.map(Into::into),
            reported_status_on: self.reported_status_on.map(|d| d.0),
            event: self
                .event
                .as_ref()
                .map(|e| e.resolve("input.event", case_id, vec![(Some(news_item_id), None)]))
                .transpose()?,
            note: opt_text("input", "note", self.note.as_ref(), validate::MAX_TEXT)?,
            state: if self.confirmed {
                StoredLinkState::Confirmed
            } else {
                StoredLinkState::Suggested
            },
            confidence: None,
            matched_terms: Vec::new(),
            visibility: self.visibility.into(),
        })
    }
}

/// Changes to a link; a field left out stays as it is, and `note: null` clears the note.
#[derive(InputObject, Clone, Default)]
pub struct UpdateLinkInput {
    pub update_kind: Option<UpdateKind>,
    pub note: MaybeUndefined<String>,
    pub visibility: Option<Visibility>,
}

impl UpdateLinkInput {
    pub fn resolve(&self) -> ApiResult<LinkPatch> {
        Ok(LinkPatch {
            update_kind: self.update_kind.map(Into::into),
            note: maybe_text("input", "note", &self.note, validate::MAX_TEXT)?,
            visibility: self.visibility.map(Into::into),
        })
    }
}
