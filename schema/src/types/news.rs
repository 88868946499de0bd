//! News items and their links to the cases they update.

use super::case::Case;
use super::common::{FuzzyDate, loaders};
use super::enums::*;
use super::event::{Event, StatusChange};
use crate::error::ApiResult;
use crate::ids::{NodeType, encode};
use crate::loaders::*;
use async_graphql::{Context, ID, Object};
use chasqui_entities::tables::{news_item, news_link};

/// A dated publication that updates one or more cases.
#[derive(Clone)]
pub struct NewsItem {
    pub model: news_item::Model,
}

impl NewsItem {
    pub async fn load(ctx: &Context<'_>, id: i64) -> ApiResult<Option<NewsItem>> {
        let loader = loaders(ctx)?;
        if let Some(model) = loader.loader().primed.news_item(id) {
            return Ok(Some(NewsItem { model }));
        }
        Ok(loader
            .load_one(NewsItemById(id))
            .await?
            .map(|model| NewsItem { model }))
    }
}

#[Object]
impl NewsItem {
    pub(crate) async fn id(&self) -> ID {
        encode(NodeType::NewsItem, self.model.id)
    }

    async fn title(&self) -> &str {
        &self.model.title
    }

    async fn date(&self) -> FuzzyDate {
        FuzzyDate::from_parts(self.model.published_on, self.model.published_precision)
    }

    async fn summary(&self) -> Option<&str> {
        self.model.summary.as_deref()
    }

    /// The full text, when stored (read only when asked for).
    async fn body(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if let Some(body) = &self.model.body {
            return Ok(Some(body.clone()));
        }
        Ok(loaders(ctx)?.load_one(NewsBodyById(self.model.id)).await?)
    }

    async fn url(&self) -> Option<&str> {
        self.model.url.as_deref()
    }

    async fn publisher(&self) -> Option<&str> {
        self.model.publisher.as_deref()
    }

    /// BCP 47 language tag: "en", "es".
    async fn language(&self) -> Option<&str> {
        self.model.language.as_deref()
    }

    async fn visibility(&self) -> Visibility {
        self.model.visibility.into()
    }

    async fn version(&self) -> i32 {
        self.model.version
    }

    /// The cases this item updates (its links), confirmed and suggested.
    async fn cases(&self, ctx: &Context<'_>) -> ApiResult<Vec<NewsLink>> {
        let rows = loaders(ctx)?
            .load_one(LinksOfNewsItem(self.model.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(NewsLink).collect())
    }
}

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
