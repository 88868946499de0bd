//! News items: what a news item is made of, its row, and its writes. A new item's row is
//! built in one place ([`new_row`]), for the API's writes and the batched import alike.

use super::audit::{self, Author, Entry};
use super::case::refresh_case;
use super::effective::{self, Scope};
use super::query::{
    Named, Page, after_condition, all_limited, period_ends_on_or_after, through, without,
};
use super::search::{self, SearchDocument};
use super::stamp::{Stamped, Versioned};
use super::tx::{LockForWrite, check_version, happened};
use super::visibility::{LinkStates, listed_links, visible_news};
use super::{Access, Store, StoreError, StoreResult};
use chasqui_domain::text::normalise_title;
use chasqui_entities::tables::{case, news_item, news_link};
use chasqui_entities::{PartialDate, Visibility};
use chrono::NaiveDate;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::*;
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct NewNewsItem {
    pub title: String,
    pub published_on: PartialDate,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub language: Option<String>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, Default)]
pub struct NewsItemPatch {
    pub title: Option<String>,
    pub published_on: Option<PartialDate>,
    pub summary: Option<Option<String>>,
    pub body: Option<Option<String>>,
    pub url: Option<Option<String>>,
    pub publisher: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// The key two news items without a URL are told apart by, with their date: the title,
/// folded.
pub(crate) fn title_key(title: &str) -> String {
    normalise_title(title)
}

/// The row of a new news item: its fields, its `title_key` (from [`title_key`], given by
/// the caller, who may have computed it already), its first version and timestamps.
pub(crate) fn new_row(
    item: &NewNewsItem,
    title_key: String,
    now: chrono::DateTime<chrono::Utc>,
) -> news_item::ActiveModel {
    news_item::ActiveModel {
        id: NotSet,
        title: Set(item.title.clone()),
        published_on: Set(item.published_on.first_day()),
        published_precision: Set(item.published_on.precision()),
        summary: Set(item.summary.clone()),
        body: Set(item.body.clone()),
        url: Set(item.url.clone()),
        publisher: Set(item.publisher.clone()),
        language: Set(item.language.clone()),
        visibility: Set(item.visibility),
        title_key: Set(Some(title_key)),
        archived_at: Set(None),
        ..Default::default()
    }
    .created(now)
}

impl Store {
    pub async fn create_news_item(
        &self,
        author: &Author,
        new: NewNewsItem,
    ) -> StoreResult<news_item::Model> {
        self.write(async |txn| insert_news_item(txn, author, new).await)
            .await
    }

    pub async fn update_news_item(
        &self,
        author: &Author,
        id: i64,
        patch: NewsItemPatch,
        expected_version: Option<i32>,
    ) -> StoreResult<news_item::Model> {
        self.write(async |txn| patch_news_item(txn, author, id, patch, expected_version).await)
            .await
    }
}

/// Inserts a news item and its audit entry, in the caller's transaction.
pub(crate) async fn insert_news_item(
    txn: &DatabaseTransaction,
    author: &Author,
    new: NewNewsItem,
) -> StoreResult<news_item::Model> {
    happened("input.date", new.published_on)?;
    let url = new.url.clone().unwrap_or_default();
    let key = title_key(&new.title);
    let model = new_row(&new, key, super::now())
        .insert(txn)
        .await
        .map_err(|e| {
            StoreError::from_db(e, || {
                format!("input.url: a news item with URL `{url}` already exists")
            })
        })?;
    search::insert_documents(txn, &[SearchDocument::of_news(&model)]).await?;
    let entry = Entry {
        action: "createNewsItem",
        entity: "news_item",
        id: model.id,
        case_id: None,
        before: None,
        after: Some(audit::snapshot(&model)?),
    };
    audit::record(txn, author, entry).await?;
    Ok(model)
}

/// Applies a patch to a news item (checking its version when given) and audits it, in the
/// caller's transaction.
pub(crate) async fn patch_news_item(
    txn: &DatabaseTransaction,
    author: &Author,
    id: i64,
    patch: NewsItemPatch,
    expected_version: Option<i32>,
) -> StoreResult<news_item::Model> {
    if let Some(date) = patch.published_on {
        happened("input.date", date)?;
    }
    let current = news_item::Entity::find_by_id(id)
        .lock_for_write()
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("news item"))?;
    check_version("the news item", current.version, expected_version)?;
    let mut active: news_item::ActiveModel = current.clone().into();
    let url = patch.url.clone().flatten().unwrap_or_default();
    let date_changed = patch.published_on.is_some();
    let visibility_changed = patch.visibility.is_some_and(|v| v != current.visibility);
    if let Some(v) = patch.title {
        active.title_key = Set(Some(title_key(&v)));
        active.title = Set(v);
    }
    if let Some(v) = patch.published_on {
        active.published_on = Set(v.first_day());
        active.published_precision = Set(v.precision());
    }
    if let Some(v) = patch.summary {
        active.summary = Set(v);
    }
    if let Some(v) = patch.body {
        active.body = Set(v);
    }
    if let Some(v) = patch.url {
        active.url = Set(v);
    }
    if let Some(v) = patch.publisher {
        active.publisher = Set(v);
    }
    if let Some(v) = patch.language {
        active.language = Set(v);
    }
    if let Some(v) = patch.visibility {
        active.visibility = Set(v);
    }
    active.next_version(current.version);
    let model = active.update(txn).await.map_err(|e| {
        StoreError::from_db(e, || {
            format!("input.url: a news item with URL `{url}` already exists")
        })
    })?;
    if visibility_changed {
        effective::refresh(txn, Scope::NewsItem(id)).await?;
    }
    if date_changed || visibility_changed {
        refresh_cases_of_news(txn, id).await?;
    }
    search::replace_documents(txn, &[SearchDocument::of_news(&model)]).await?;
    let entry = Entry {
        action: "updateNewsItem",
        entity: "news_item",
        id,
        case_id: None,
        before: Some(audit::snapshot(&current)?),
        after: Some(audit::snapshot(&model)?),
    };
    audit::record(txn, author, entry).await?;
    Ok(model)
}

/// The cases a news item is linked to.
pub(crate) async fn cases_of_news(
    txn: &DatabaseTransaction,
    news_item_id: i64,
) -> StoreResult<Vec<i64>> {
    Ok(news_link::Entity::find()
        .filter(news_link::Column::NewsItemId.eq(news_item_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.case_id)
        .collect())
}

/// Refreshes the derived columns of every case a news item is linked to.
pub(crate) async fn refresh_cases_of_news(
    txn: &DatabaseTransaction,
    news_item_id: i64,
) -> StoreResult<()> {
    for case_id in cases_of_news(txn, news_item_id).await? {
        refresh_case(txn, case_id).await?;
    }
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct NewsFilter {
    /// Items a confirmed link joins to this case (by id or slug).
    pub case: Option<Named>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub publisher: Option<String>,
}

impl NewsFilter {
    /// The items the filter matches that the caller may see: the one condition of the
    /// list and its count.
    fn condition(&self, access: Access) -> Condition {
        let mut cond = visible_news(access);
        if let Some(case) = &self.case {
            cond = cond.add(through::<news_link::Entity, case::Entity>(
                news_item::Column::Id,
                news_link::Column::NewsItemId,
                news_link::Column::CaseId,
                case,
                listed_links(access, LinkStates::CONFIRMED),
            ));
        }
        if let Some(from) = self.from {
            cond = cond.add(period_ends_on_or_after(
                news_item::Column::PublishedOn,
                news_item::Column::PublishedPrecision,
                from,
            ));
        }
        if let Some(to) = self.to {
            cond = cond.add(news_item::Column::PublishedOn.lte(to));
        }
        if let Some(publisher) = &self.publisher {
            cond = cond.add(news_item::Column::Publisher.eq(publisher.as_str()));
        }
        cond
    }
}

impl Store {
    /// The bodies of these news items (visible ones only), which lists leave out.
    pub async fn news_bodies(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, Option<String>>> {
        let rows: Vec<(i64, Option<String>)> = news_item::Entity::find()
            .select_only()
            .column(news_item::Column::Id)
            .column(news_item::Column::Body)
            .filter(news_item::Column::Id.is_in(ids.iter().copied()))
            .filter(visible_news(access))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn news_items_by_ids(
        &self,
        access: Access,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, news_item::Model>> {
        self.by_ids::<news_item::Entity>(
            ids,
            news_item::Column::Id,
            visible_news(access),
            Some(news_item::Column::Body),
            |m| m.id,
        )
        .await
    }

    pub async fn list_news_items(
        &self,
        access: Access,
        filter: &NewsFilter,
        after: Option<(NaiveDate, i64)>,
        limit: u64,
    ) -> StoreResult<Page<news_item::Model>> {
        let mut query = without(news_item::Entity::find(), news_item::Column::Body)
            .filter(filter.condition(access));
        if let Some((date, id)) = after {
            query = query.filter(after_condition(
                Expr::col(news_item::Column::PublishedOn),
                news_item::Column::Id,
                date.into(),
                id,
                true,
            ));
        }
        let query = query
            .order_by_desc(news_item::Column::PublishedOn)
            .order_by_desc(news_item::Column::Id);
        let rows = all_limited(&self.db, query, limit + 1).await?;
        Ok(Page::from_overfetch(rows, limit))
    }

    /// How many news items the filter matches, on all pages (what the list would show).
    pub async fn count_news_items(&self, access: Access, filter: &NewsFilter) -> StoreResult<u64> {
        Ok(news_item::Entity::find()
            .filter(filter.condition(access))
            .count(&self.db)
            .await?)
    }
}
