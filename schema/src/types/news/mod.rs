//! News items: the type, the `newsItems` root field, the news inputs and the batch
//! import. Their links to cases are `news_link`.

mod import;
mod inputs;

pub use import::{ImportOutcome, ImportResult};
pub use inputs::{CreateNewsItemInput, UpdateNewsItemInput};

use super::common::{FuzzyDate, access, loaders, page_limits, store};
use super::enums::*;
use super::news_link::NewsLink;
use crate::error::ApiResult;
use crate::ids::{NodeType, decode, decode_named_opt, encode};
use crate::loaders::{LinksOfNewsItem, NewsBodyById, NewsItemById};
use crate::pagination::{decode_cursor, encode_cursor, page_connection};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object};
use chasqui_entities::tables::news_item;
use chasqui_store::{Author, LinkStates};

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

    /// `Query.newsItems`: a page of news items, newest first.
    pub async fn paginate(
        ctx: &Context<'_>,
        filter: Option<NewsItemFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<NewsItemConnection> {
        let limit = page_limits(ctx).size(first)?;
        let filter = filter.unwrap_or_default();
        let store_filter = chasqui_store::NewsFilter {
            case: decode_named_opt(NodeType::Case, filter.case.as_ref(), "filter.case")?,
            from: filter.from.map(|d| d.0.first_day()),
            to: filter.to.map(|d| d.0.last_day()),
            publisher: filter.publisher,
        };
        let after = decode_cursor(after.as_deref(), CURSOR_TAG, 2, |p| {
            Some((p[0].parse().ok()?, p[1].parse().ok()?))
        })?;
        let page = store(ctx)?
            .list_news_items(access(ctx), &store_filter, after, limit)
            .await?;
        let info = NewsListInfo {
            filter: store_filter,
        };
        Ok(page_connection(after.is_some(), page, info, |model| {
            let cursor = encode_cursor(CURSOR_TAG, &[&model.published_on, &model.id]);
            (cursor, NewsItem { model })
        }))
    }

    /// `Mutation.createNewsItem`.
    pub async fn create(
        ctx: &Context<'_>,
        author: &Author,
        input: CreateNewsItemInput,
    ) -> ApiResult<NewsItem> {
        Ok(NewsItem {
            model: store(ctx)?
                .create_news_item(author, input.resolve()?)
                .await?,
        })
    }

    /// `Mutation.updateNewsItem`.
    pub async fn update(
        ctx: &Context<'_>,
        author: &Author,
        id: &ID,
        expected_version: Option<i32>,
        input: UpdateNewsItemInput,
    ) -> ApiResult<NewsItem> {
        let news_id = decode(NodeType::NewsItem, id, "id")?;
        Ok(NewsItem {
            model: store(ctx)?
                .update_news_item(author, news_id, input.resolve()?, expected_version)
                .await?,
        })
    }
}

/// Extra fields of the news list.
pub struct NewsListInfo {
    filter: chasqui_store::NewsFilter,
}

#[Object]
impl NewsListInfo {
    /// How many news items match the filter, on all pages (only those the caller may
    /// see).
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(store(ctx)?
            .count_news_items(access(ctx), &self.filter)
            .await?)
    }
}

pub type NewsItemConnection = Connection<String, NewsItem, NewsListInfo, EmptyFields>;

/// The tag of the news list's cursors.
const CURSOR_TAG: &str = "ni";

#[derive(InputObject, Default)]
pub struct NewsItemFilter {
    /// Items a confirmed link joins to this case (by id or slug).
    pub case: Option<ID>,
    /// Items dated on or after (their period overlaps from here on).
    pub from: Option<crate::scalars::PartialDate>,
    /// Items dated on or before.
    pub to: Option<crate::scalars::PartialDate>,
    pub publisher: Option<String>,
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

    /// The cases this item updates: its links in `states`, CONFIRMED by default.
    /// Suggested and rejected links are editors' work: only callers who may see
    /// restricted records see them, when they ask for them.
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "vec![LinkState::Confirmed]")] states: Vec<LinkState>,
    ) -> ApiResult<Vec<NewsLink>> {
        let states = LinkStates::of(states.into_iter().map(Into::into));
        let rows = loaders(ctx)?
            .load_one(LinksOfNewsItem(self.model.id, states))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(NewsLink).collect())
    }
}
