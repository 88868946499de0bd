//! Importing news items in batches: each batch is one transaction, and importing the same
//! items again changes nothing. An item is the same as a stored one when it has the same
//! URL or, without a URL, the same date and the same title once normalised (case, accents,
//! punctuation and spacing aside). A changed summary of a known item becomes an audited
//! update.

use super::audit::{self, Author, Entry};
use super::case::refresh_case;
use super::effective::{self, Scope};
use super::news::{self, NewNewsItem, NewsItemPatch, patch_news_item};
use super::search::{self, AnalysedText, SearchEntity};
use super::sql::{fixed_chunks, fixed_chunks_owned};
use super::stamp::Stamped;
use super::tx::happened;
use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::{actor, case, news_item, news_link};
use chasqui_entities::{DatePrecision, EffectiveVisibility, LinkState, UpdateKind, Visibility};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What became of one imported item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    New,
    Updated,
    Unchanged,
}

/// A news item to import, with the cases it updates. Made by [`ImportItem::new`], which
/// also does the costly text work (title key, search terms) on the caller's thread: an
/// importer reading a file on one thread prepares items there while the store writes
/// the previous batch on another.
#[derive(Clone, Debug)]
pub struct ImportItem {
    item: NewNewsItem,
    /// Confirmed links to record (each once: a link that exists in any state is left as
    /// it is, so a person's decision is never undone by a re-import).
    links: Vec<ImportLink>,
    /// Date, precision and title key: the item's identity without its URL.
    key: DateKey,
    /// The item's search terms, used if it turns out to be new.
    terms: AnalysedText,
}

impl ImportItem {
    pub fn new(item: NewNewsItem, links: Vec<ImportLink>) -> Self {
        let key = date_key(&item);
        let terms = AnalysedText::of_news(
            &item.title,
            item.summary.as_deref(),
            item.body.as_deref(),
            item.publisher.as_deref(),
        );
        Self {
            item,
            links,
            key,
            terms,
        }
    }

    pub fn item(&self) -> &NewNewsItem {
        &self.item
    }

    pub fn links(&self) -> &[ImportLink] {
        &self.links
    }
}

/// A link from an imported item to a case, by the case's slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLink {
    pub case_slug: String,
    pub update_kind: UpdateKind,
    pub note: Option<String>,
}

/// What became of one item of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemOutcome {
    Imported {
        outcome: ImportOutcome,
        /// Links this import recorded for the item.
        new_links: usize,
    },
    /// Not imported, and why (an unknown case slug, a date in the future).
    Rejected(String),
}

/// An import under way: one transaction for everything added to it, committed by
/// [`NewsImport::commit`] (dropped without it, nothing is written). Items are added in
/// batches; each batch costs a handful of multi-row statements whatever its size.
pub struct NewsImport<'a> {
    txn: DatabaseTransaction,
    author: &'a Author,
    /// Case ids by slug, `None` for a slug that names no case.
    cases: HashMap<String, Option<i64>>,
    /// Cases that got links: their derived columns are refreshed once, at commit.
    touched: BTreeSet<i64>,
    /// Batches added so far.
    batches: u64,
}

/// SQLite's page cache for an import's connection, in KiB.
const IMPORT_CACHE_KB: u32 = 65_536;

/// Rows per multi-row INSERT of news items (15 values a row).
const NEWS_CHUNK: usize = 1_000;

/// An item's identity without its URL: date, precision and normalised title.
type DateKey = (chrono::NaiveDate, DatePrecision, String);

fn date_key(item: &NewNewsItem) -> DateKey {
    (
        item.published_on.first_day(),
        item.published_on.precision(),
        news::title_key(&item.title),
    )
}

impl Store {
    /// Starts an import: one write transaction until [`NewsImport::commit`].
    pub async fn begin_news_import<'a>(&self, author: &'a Author) -> StoreResult<NewsImport<'a>> {
        let txn = self.begin_write().await?;
        if ConnectionTrait::get_database_backend(&txn) == DbBackend::Sqlite {
            // One long transaction dirties far more pages than SQLite's default cache
            // (2 MB) holds: it would spill them to the log mid-transaction and read them
            // back. 64 MB for this connection keeps an import's working set in memory.
            txn.execute_unprepared(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KB}"))
                .await?;
        }
        Ok(NewsImport {
            txn,
            author,
            cases: HashMap::new(),
            touched: BTreeSet::new(),
            batches: 0,
        })
    }

    /// Imports a batch of news items (without links) in one transaction; the outcomes are
    /// in input order.
    pub async fn import_news_items(
        &self,
        author: &Author,
        items: Vec<NewNewsItem>,
    ) -> StoreResult<Vec<ImportOutcome>> {
        // The batch is all or nothing: an item dated in the future refuses it.
        for (i, item) in items.iter().enumerate() {
            happened(&format!("items[{i}].date"), item.published_on)?;
        }
        let mut import = self.begin_news_import(author).await?;
        let batch = items
            .into_iter()
            .map(|item| ImportItem::new(item, Vec::new()))
            .collect();
        let outcomes = import.add(batch).await?;
        import.commit().await?;
        Ok(outcomes
            .into_iter()
            .filter_map(|o| match o {
                ItemOutcome::Imported { outcome, .. } => Some(outcome),
                ItemOutcome::Rejected(_) => None,
            })
            .collect())
    }
}

impl NewsImport<'_> {
    /// Adds a batch; the outcomes are in input order. An item that repeats an earlier one
    /// of the same batch (same URL, or same date and title) is matched against it as if
    /// it had been imported before.
    pub async fn add(&mut self, batch: Vec<ImportItem>) -> StoreResult<Vec<ItemOutcome>> {
        self.batches += 1;
        if self.batches.is_power_of_two()
            && ConnectionTrait::get_database_backend(&self.txn) == DbBackend::Postgres
        {
            // PostgreSQL plans the lookups from table statistics, which do not see the
            // rows this transaction adds: a table that was small when the import began
            // would be scanned whole for every batch. Refreshing the statistics as the
            // table doubles keeps the index lookups (a handful of times per import).
            self.txn
                .execute_unprepared("ANALYZE news_items, news_links")
                .await?;
        }
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; batch.len()];
        let mut pending: Vec<(usize, ImportItem)> = batch.into_iter().enumerate().collect();
        while !pending.is_empty() {
            // This round: the first of each identity; repeats wait for the next round.
            let mut urls = HashSet::new();
            let mut keys = HashSet::new();
            let (round, later): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(_, i)| {
                let url_new = i.item.url.as_ref().is_none_or(|u| !urls.contains(u));
                let first = url_new && !keys.contains(&i.key);
                if first {
                    if let Some(u) = &i.item.url {
                        urls.insert(u.clone());
                    }
                    keys.insert(i.key.clone());
                }
                first
            });
            for (index, outcome) in self.add_distinct(round).await? {
                outcomes[index] = Some(outcome);
            }
            pending = later;
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(ItemOutcome::Rejected("not processed".to_owned())))
            .collect())
    }

    /// Refreshes the cases that got links and commits everything added.
    pub async fn commit(self) -> StoreResult<()> {
        for case_id in &self.touched {
            refresh_case(&self.txn, *case_id).await?;
        }
        self.txn.commit().await?;
        Ok(())
    }

    /// Case ids for these slugs, from the cache or one query for the unknown ones.
    async fn resolve_cases(&mut self, slugs: &BTreeSet<&str>) -> StoreResult<()> {
        let unknown: Vec<String> = slugs
            .iter()
            .filter(|s| !self.cases.contains_key(**s))
            .map(|s| (*s).to_owned())
            .collect();
        for chunk in fixed_chunks(&unknown, 500) {
            let found: Vec<(i64, String)> = case::Entity::find()
                .select_only()
                .column(case::Column::Id)
                .column(case::Column::Slug)
                .filter(case::Column::Slug.is_in(chunk.iter().cloned()))
                .filter(case::Column::ArchivedAt.is_null())
                .into_tuple()
                .all(&self.txn)
                .await?;
            for slug in chunk {
                self.cases.insert(slug.clone(), None);
            }
            for (id, slug) in found {
                self.cases.insert(slug, Some(id));
            }
        }
        Ok(())
    }

    /// Imports items that are distinct from each other; returns (input index, outcome).
    async fn add_distinct(
        &mut self,
        round: Vec<(usize, ImportItem)>,
    ) -> StoreResult<Vec<(usize, ItemOutcome)>> {
        let mut results = Vec::with_capacity(round.len());

        // Links must name cases that exist: an item with an unknown slug is rejected whole.
        let slugs: BTreeSet<&str> = round
            .iter()
            .flat_map(|(_, i)| i.links.iter().map(|l| l.case_slug.as_str()))
            .collect();
        self.resolve_cases(&slugs).await?;
        let mut accepted = Vec::with_capacity(round.len());
        for (index, item) in round {
            if let Err(StoreError::Invalid { message, .. }) =
                happened("date", item.item.published_on)
            {
                results.push((index, ItemOutcome::Rejected(format!("date: {message}"))));
                continue;
            }
            let unknown: Vec<&str> = item
                .links
                .iter()
                .filter(|l| self.cases.get(&l.case_slug).is_none_or(Option::is_none))
                .map(|l| l.case_slug.as_str())
                .collect();
            if unknown.is_empty() {
                accepted.push((index, item));
            } else {
                let reason = format!("cases: no case with slug `{}`", unknown.join("`, `"));
                results.push((index, ItemOutcome::Rejected(reason)));
            }
        }

        // Known items: by URL first, then by date and normalised title.
        let urls: Vec<String> = accepted
            .iter()
            .filter_map(|(_, i)| i.item.url.clone())
            .collect();
        let mut by_url: HashMap<String, news_item::Model> = HashMap::new();
        for chunk in fixed_chunks(&urls, NEWS_CHUNK) {
            for found in news_item::Entity::find()
                .filter(news_item::Column::Url.is_in(chunk.iter().cloned()))
                .all(&self.txn)
                .await?
            {
                if let Some(url) = found.url.clone() {
                    by_url.insert(url, found);
                }
            }
        }
        let unmatched: Vec<&DateKey> = accepted
            .iter()
            .filter(|(_, i)| i.item.url.as_ref().is_none_or(|u| !by_url.contains_key(u)))
            .map(|(_, i)| &i.key)
            .collect();
        let mut by_key: HashMap<DateKey, news_item::Model> = HashMap::new();
        // By title key alone (the index leads with it); dates are compared here.
        let titles: Vec<&str> = unmatched
            .iter()
            .map(|k| k.2.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in fixed_chunks(&titles, NEWS_CHUNK) {
            for found in news_item::Entity::find()
                .filter(news_item::Column::TitleKey.is_in(chunk.iter().map(|t| (*t).to_owned())))
                .order_by_asc(news_item::Column::Id)
                .all(&self.txn)
                .await?
            {
                let key = (
                    found.published_on,
                    found.published_precision,
                    found.title_key.clone().unwrap_or_default(),
                );
                by_key.entry(key).or_insert(found);
            }
        }

        // Sort into new, changed and unchanged.
        let mut fresh: Vec<(usize, ImportItem)> = Vec::new();
        let mut linked: Vec<(usize, i64, ImportOutcome, Vec<ImportLink>)> = Vec::new();
        for (index, import) in accepted {
            let known = import
                .item
                .url
                .as_ref()
                .and_then(|u| by_url.get(u))
                .or_else(|| by_key.get(&import.key));
            let Some(found) = known else {
                fresh.push((index, import));
                continue;
            };
            let ImportItem { item, links, .. } = import;
            if found.summary == item.summary {
                linked.push((index, found.id, ImportOutcome::Unchanged, links));
            } else {
                let patch = NewsItemPatch {
                    summary: Some(item.summary),
                    ..Default::default()
                };
                patch_news_item(&self.txn, self.author, found.id, patch, None).await?;
                linked.push((index, found.id, ImportOutcome::Updated, links));
            }
        }

        // New items: multi-row inserts, their search documents and audit entries.
        let now = super::now();
        let mut audit_entries = Vec::with_capacity(fresh.len());
        let mut documents = Vec::with_capacity(fresh.len());
        for chunk in fixed_chunks(&fresh, NEWS_CHUNK) {
            let rows: Vec<news_item::ActiveModel> = chunk
                .iter()
                .map(|(_, i)| news::new_row(&i.item, i.key.2.clone(), now))
                .collect();
            let inserted = news_item::Entity::insert_many(rows)
                .exec_with_returning(&self.txn)
                .await?;
            // Match rows back by identity, not by position: both keys are unique here.
            let ids: HashMap<DateKey, i64> = inserted
                .iter()
                .map(|m| {
                    let key = (
                        m.published_on,
                        m.published_precision,
                        m.title_key.clone().unwrap_or_default(),
                    );
                    (key, m.id)
                })
                .collect();
            for model in &inserted {
                audit_entries.push(Entry {
                    action: "createNewsItem",
                    entity: "news_item",
                    id: model.id,
                    case_id: None,
                    before: None,
                    after: Some(audit::snapshot(model)?),
                });
            }
            for (index, i) in chunk {
                let id = ids.get(&i.key).copied().ok_or_else(|| {
                    StoreError::Database(DbErr::Custom(
                        "an inserted news item did not come back".to_owned(),
                    ))
                })?;
                documents.push((SearchEntity::NewsItem, id, i.terms.clone()));
                linked.push((*index, id, ImportOutcome::New, i.links.clone()));
            }
        }
        search::insert_analysed(&self.txn, documents).await?;
        audit::record_many(&self.txn, self.author, audit_entries).await?;

        // Links not recorded yet, in any state.
        let with_links: Vec<i64> = linked
            .iter()
            .filter(|(_, _, outcome, links)| !links.is_empty() && *outcome != ImportOutcome::New)
            .map(|(_, id, _, _)| *id)
            .collect();
        let mut existing: HashSet<(i64, i64)> = HashSet::new();
        for chunk in fixed_chunks(&with_links, NEWS_CHUNK) {
            // Links derive their effective visibility from their item: on PostgreSQL a
            // known item is locked (shared), so that a concurrent restriction of it waits
            // for the import or is seen by it.
            news_item::Entity::find()
                .select_only()
                .column(news_item::Column::Id)
                .filter(news_item::Column::Id.is_in(chunk.iter().copied()))
                .lock_shared()
                .into_tuple::<i64>()
                .all(&self.txn)
                .await?;
            let pairs: Vec<(i64, i64)> = news_link::Entity::find()
                .select_only()
                .column(news_link::Column::NewsItemId)
                .column(news_link::Column::CaseId)
                .filter(news_link::Column::NewsItemId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&self.txn)
                .await?;
            existing.extend(pairs);
        }
        let mut new_links = Vec::new();
        for (index, news_id, outcome, links) in linked {
            let mut count = 0;
            for link in links {
                let Some(Some(case_id)) = self.cases.get(&link.case_slug).copied() else {
                    continue;
                };
                if !existing.insert((news_id, case_id)) {
                    continue;
                }
                new_links.push(
                    news_link::ActiveModel {
                        id: NotSet,
                        news_item_id: Set(news_id),
                        case_id: Set(case_id),
                        update_kind: Set(link.update_kind),
                        reported_status: Set(None),
                        status_change_id: Set(None),
                        event_id: Set(None),
                        note: Set(link.note),
                        state: Set(LinkState::Confirmed),
                        confidence: Set(None),
                        matched_terms: Set(None),
                        visibility: Set(Visibility::Public),
                        effective_visibility: Set(EffectiveVisibility::default()),
                        ..Default::default()
                    }
                    .created(now),
                );
                self.touched.insert(case_id);
                count += 1;
            }
            results.push((
                index,
                ItemOutcome::Imported {
                    outcome,
                    new_links: count,
                },
            ));
        }
        let mut link_entries = Vec::with_capacity(new_links.len());
        for chunk in fixed_chunks_owned(new_links, NEWS_CHUNK) {
            let inserted = news_link::Entity::insert_many(chunk)
                .exec_with_returning(&self.txn)
                .await?;
            let ids: Vec<i64> = inserted.iter().map(|l| l.id).collect();
            effective::refresh(&self.txn, Scope::Links(&ids)).await?;
            for model in news_link::Entity::find()
                .filter(news_link::Column::Id.is_in(ids))
                .order_by_asc(news_link::Column::Id)
                .all(&self.txn)
                .await?
            {
                link_entries.push(Entry {
                    action: "linkNewsItem",
                    entity: "news_link",
                    id: model.id,
                    case_id: Some(model.case_id),
                    before: None,
                    after: Some(audit::plain_link_snapshot(&model)?),
                });
            }
        }
        audit::record_many(&self.txn, self.author, link_entries).await?;
        Ok(results)
    }
}

/// Fills `title_key` where it is missing: rows written before the column existed, or
/// loaded from a dump that predates it. Returns how many rows it set.
pub(crate) async fn backfill_title_keys<C: ConnectionTrait>(db: &C) -> StoreResult<usize> {
    let mut done = 0;
    // Keyset pages: each page starts past the last, so a large backfill stays linear.
    let mut after = 0_i64;
    loop {
        let rows: Vec<(i64, String)> = news_item::Entity::find()
            .select_only()
            .column(news_item::Column::Id)
            .column(news_item::Column::Title)
            .filter(news_item::Column::TitleKey.is_null())
            .filter(news_item::Column::Id.gt(after))
            .order_by_asc(news_item::Column::Id)
            .limit(1_000)
            .into_tuple()
            .all(db)
            .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(done);
        };
        after = *last;
        for (id, title) in rows {
            news_item::Entity::update_many()
                .col_expr(
                    news_item::Column::TitleKey,
                    sea_orm::sea_query::Expr::value(news::title_key(&title)),
                )
                .filter(news_item::Column::Id.eq(id))
                .exec(db)
                .await?;
            done += 1;
        }
    }
}

impl Store {
    /// Brings derived data up to date after migrations: title keys of older news items,
    /// and the search index when it is empty but records exist (the migration that
    /// created it cannot analyse text). Cheap when there is nothing to do.
    pub async fn after_migrations(&self) -> StoreResult<()> {
        self.refresh_stale_cases().await?;
        let missing_keys = news_item::Entity::find()
            .filter(news_item::Column::TitleKey.is_null())
            .one(&self.db)
            .await?
            .is_some();
        let index_empty = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                "SELECT doc_id FROM search_documents LIMIT 1",
            ))
            .await?
            .is_none();
        let has_records = case::Entity::find().one(&self.db).await?.is_some()
            || actor::Entity::find().one(&self.db).await?.is_some()
            || news_item::Entity::find().one(&self.db).await?.is_some();
        let rebuild = index_empty && has_records;
        if !missing_keys && !rebuild {
            return Ok(());
        }
        let txn = self.begin_write().await?;
        let keys = backfill_title_keys(&txn).await?;
        let documents = if rebuild {
            super::search::rebuild_index(&txn).await?
        } else {
            0
        };
        txn.commit().await?;
        tracing::info!(keys, documents, "derived data brought up to date");
        Ok(())
    }
}
