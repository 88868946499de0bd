//! Small shared types (dates, sources) and the context helpers resolvers use.

use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode_opt};
use crate::loaders::Loaders;
use crate::pagination::PageLimits;
use crate::scalars;
use async_graphql::{Context, ID, InputObject, Object};
use chasqui_domain::validate;
use chasqui_entities::{DatePrecision, PartialDate};
use chasqui_store::{Access, Store};
use chrono::NaiveDate;

/// The request's loader; absent only if the server was wired wrongly.
pub fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| internal("no loaders in the request context"))
}

pub fn store<'a>(ctx: &Context<'a>) -> ApiResult<&'a Store> {
    ctx.data::<Store>()
        .map_err(|_| internal("no store in the schema context"))
}

/// The caller's access; anonymous (public only) when the request carries no caller.
pub fn access(ctx: &Context<'_>) -> Access {
    ctx.data_opt::<crate::auth::Caller>()
        .map(|c| c.access())
        .unwrap_or(Access::PUBLIC)
}

pub fn page_limits(ctx: &Context<'_>) -> PageLimits {
    ctx.data_opt::<PageLimits>().copied().unwrap_or_default()
}

fn internal(what: &str) -> ApiError {
    tracing::error!("{what}");
    ApiError::Internal
}

/// A date as the sources give it, to the day, the month or the year.
pub struct FuzzyDate(pub PartialDate);

impl FuzzyDate {
    pub fn from_parts(day: NaiveDate, precision: DatePrecision) -> Self {
        Self(
            PartialDate::from_parts(day, precision)
                .unwrap_or_else(|_| PartialDate::truncate(day, precision)),
        )
    }

    pub fn from_optional(day: Option<NaiveDate>, precision: Option<DatePrecision>) -> Option<Self> {
        day.map(|d| Self::from_parts(d, precision.unwrap_or(DatePrecision::Day)))
    }
}

/// A date known to the day, the month or the year. Sort and filter by `start`/`end`;
/// show `label`.
#[Object]
impl FuzzyDate {
    /// The date in ISO 8601 reduced precision: "2017-06-22", "2017-06" or "2017".
    async fn value(&self) -> scalars::PartialDate {
        scalars::PartialDate(self.0)
    }

    async fn precision(&self) -> crate::types::enums::DatePrecision {
        self.0.precision().into()
    }

    /// The first day of the period.
    async fn start(&self) -> NaiveDate {
        self.0.first_day()
    }

    /// The last day of the period.
    async fn end(&self) -> NaiveDate {
        self.0.last_day()
    }

    /// For display: "22 June 2017", "June 2017", "2017".
    async fn label(&self) -> String {
        self.0.label()
    }
}

/// Where a dated claim comes from: a news item in the database, or a URL.
pub struct Source {
    pub news_item_id: Option<i64>,
    pub url: Option<String>,
}

#[Object]
impl Source {
    async fn news_item(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::types::news::NewsItem>> {
        match self.news_item_id {
            Some(id) => crate::types::news::NewsItem::load(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn url(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if let Some(url) = &self.url {
            return Ok(Some(url.clone()));
        }
        match self.news_item_id {
            Some(id) => Ok(crate::types::news::NewsItem::load(ctx, id)
                .await?
                .and_then(|n| n.model.url.clone())),
            None => Ok(None),
        }
    }
}

/// Where a claim comes from: a news item in the database, or a URL.
#[derive(InputObject, Clone, Default)]
pub struct SourceInput {
    pub news_item: Option<ID>,
    pub url: Option<String>,
}

impl SourceInput {
    /// The news item and the URL of a source at `at`; one of them is needed.
    pub(crate) fn resolve(&self, at: &str) -> ApiResult<(Option<i64>, Option<String>)> {
        let news = decode_opt(
            NodeType::NewsItem,
            self.news_item.as_ref(),
            &format!("{at}.newsItem"),
        )?;
        let url = validate::url(&format!("{at}.url"), self.url.as_deref())?;
        if news.is_none() && url.is_none() {
            return Err(ApiError::bad_input(at, "give a newsItem or a url"));
        }
        Ok((news, url))
    }
}
