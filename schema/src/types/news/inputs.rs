//! The inputs that write news items, and their checks.

use crate::error::{ApiError, ApiResult};
use crate::scalars::PartialDate;
use crate::types::enums::Visibility;
use crate::types::input::{maybe_text, opt_text, patch};
use async_graphql::{InputObject, MaybeUndefined};
use chasqui_domain::validate;
use chasqui_store::{NewNewsItem, NewsItemPatch};

#[derive(InputObject, Clone)]
pub struct CreateNewsItemInput {
    pub title: String,
    /// The publication date, to the precision known.
    pub date: PartialDate,
    pub summary: Option<String>,
    pub body: Option<String>,
    /// Unique when given.
    pub url: Option<String>,
    pub publisher: Option<String>,
    /// BCP 47 language tag: "en", "es".
    pub language: Option<String>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
}

fn resolve_language(value: Option<&str>) -> ApiResult<Option<String>> {
    match value {
        Some(tag)
            if tag.is_empty()
                || tag.len() > 16
                || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            Err(ApiError::bad_input(
                "input.language",
                "must be a language tag such as `en` or `es`",
            ))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

impl CreateNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewNewsItem> {
        Ok(NewNewsItem {
            title: validate::name("input.title", &self.title)?,
            published_on: self.date.0,
            summary: opt_text(
                "input",
                "summary",
                self.summary.as_ref(),
                validate::MAX_TEXT,
            )?,
            body: opt_text("input", "body", self.body.as_ref(), validate::MAX_BODY)?,
            url: validate::url("input.url", self.url.as_deref())?,
            publisher: opt_text(
                "input",
                "publisher",
                self.publisher.as_ref(),
                validate::MAX_NAME,
            )?,
            language: resolve_language(self.language.as_deref())?,
            visibility: self.visibility.into(),
        })
    }
}

#[derive(InputObject, Clone, Default)]
pub struct UpdateNewsItemInput {
    pub title: Option<String>,
    pub date: Option<PartialDate>,
    pub summary: MaybeUndefined<String>,
    pub body: MaybeUndefined<String>,
    pub url: MaybeUndefined<String>,
    pub publisher: MaybeUndefined<String>,
    pub language: MaybeUndefined<String>,
    pub visibility: Option<Visibility>,
}

impl UpdateNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewsItemPatch> {
        Ok(NewsItemPatch {
            title: self
                .title
                .as_deref()
                .map(|t| validate::name("input.title", t))
                .transpose()?,
            published_on: self.date.map(|d| d.0),
            summary: maybe_text("input", "summary", &self.summary, validate::MAX_TEXT)?,
            body: maybe_text("input", "body", &self.body, validate::MAX_BODY)?,
            url: patch(&self.url, |u| Ok(validate::url("input.url", Some(u))?))?,
            publisher: maybe_text("input", "publisher", &self.publisher, validate::MAX_NAME)?,
            language: patch(&self.language, |l| resolve_language(Some(l)))?,
            visibility: self.visibility.map(Into::into),
        })
    }
}
