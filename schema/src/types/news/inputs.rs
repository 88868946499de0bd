//! The inputs that write news items, and their checks.

use crate::error::ApiResult;
use crate::scalars::PartialDate;
use crate::types::enums::Visibility;
use crate::types::input::{maybe_text, patch};
use async_graphql::{InputObject, MaybeUndefined};
use chasqui_domain::validate::{self, Language, NewsFields, NewsText, Publisher};
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

impl CreateNewsItemInput {
    pub fn resolve(&self) -> ApiResult<NewNewsItem> {
        let fields = NewsFields::parse(
            "input",
            NewsText {
                title: &self.title,
                summary: self.summary.as_deref(),
                body: self.body.as_deref(),
                url: self.url.as_deref(),
                publisher: self.publisher.as_deref(),
                language: self.language.as_deref(),
            },
        )?;
        Ok(NewNewsItem {
            title: fields.title,
            published_on: self.date.0,
            summary: fields.summary,
            body: fields.body,
            url: fields.url,
            publisher: fields.publisher.map(Publisher::into_string),
            language: fields.language.map(Language::into_string),
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
            publisher: patch(&self.publisher, |p| {
                Ok(Publisher::parse("input.publisher", p)?.map(Publisher::into_string))
            })?,
            language: patch(&self.language, |l| {
                Ok(Some(Language::parse("input.language", l)?.into_string()))
            })?,
            visibility: self.visibility.map(Into::into),
        })
    }
}
