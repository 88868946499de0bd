//! The search index: one `search_documents` row per case, actor and news item, written in
//! the same transaction as the record, and the ranked, visibility-checked search over it.
//!
//! The terms come from [`chasqui_domain::search`], so both engines index the same words. SQLite
//! matches them with FTS5, PostgreSQL with a weighted `tsvector` under a GIN index. Both
//! rank a hit from its own document only (matches counted, titles four times the rest,
//! long documents a little lower; PostgreSQL's `ts_rank_cd`): a rank that used corpus
//! statistics, such as BM25's, would change when restricted records exist, and so reveal
//! them. A hit is returned only when its record is visible to the caller and not archived,
//! checked against the record's own row in the same statement.

use super::{Access, Page, Sql, Store, StoreResult};
use chasqui_domain::search::{SearchQuery, terms};
use chasqui_entities::tables::*;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// What kind of record a search document stands for. The tag is the low two bits of the
/// document id (`entity_id * 4 + tag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SearchEntity {
    Case = 1,
    Actor = 2,
    NewsItem = 3,
}

impl SearchEntity {
    pub const ALL: [SearchEntity; 3] = [Self::Case, Self::Actor, Self::NewsItem];

    fn name(self) -> &'static str {
        match self {
            Self::Case => "CASE",
            Self::Actor => "ACTOR",
            Self::NewsItem => "NEWS_ITEM",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Case => "cases",
            Self::Actor => "actors",
            Self::NewsItem => "news_items",
        }
    }

    fn from_tag(tag: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|e| *e as i64 == tag)
    }

    pub fn doc_id(self, entity_id: i64) -> i64 {
        entity_id * 4 + self as i64
    }
}

/// The text of one record, before analysis.
#[derive(Clone, Debug)]
pub struct SearchDocument {
    pub entity: SearchEntity,
    pub entity_id: i64,
    pub title: String,
    pub body: String,
}

impl SearchDocument {
    pub fn of_case(case: &case::Model, topics: &[String]) -> Self {
        let mut body = case.summary.clone().unwrap_or_default();
        for topic in topics {
            body.push('\n');
            body.push_str(topic);
        }
        Self {
            entity: SearchEntity::Case,
            entity_id: case.id,
            title: format!("{}\n{}", case.title, case.slug),
            body,
        }
    }

    pub fn of_actor(actor: &actor::Model, aliases: &[String]) -> Self {
        let mut title = actor.name.clone();
        for alias in aliases {
            title.push('\n');
            title.push_str(alias);
        }
        Self {
            entity: SearchEntity::Actor,
            entity_id: actor.id,
            title,
            body: actor.description.clone().unwrap_or_default(),
        }
    }

    pub fn of_news(item: &news_item::Model) -> Self {
        Self {
            entity: SearchEntity::NewsItem,
            entity_id: item.id,
            title: item.title.clone(),
            body: news_body(
                item.summary.as_deref(),
                item.body.as_deref(),
                item.publisher.as_deref(),
            ),
        }
    }

    /// The document's index terms (title, body).
    pub fn analyse(&self) -> AnalysedText {
        AnalysedText {
            title: terms(&self.title),
            body: terms(&self.body),
        }
    }
}

/// The body a news item is indexed under: its summary, body text and publisher.
fn news_body(summary: Option<&str>, text: Option<&str>, publisher: Option<&str>) -> String {
    let mut body = summary.unwrap_or_default().to_owned();
    for part in [text, publisher].into_iter().flatten() {
        body.push('\n');
        body.push_str(part);
    }
    body
}

/// A record's text turned into index terms ([`terms`]), ready to store: analysing is the
/// costly part of indexing, and an import does it before the record's id is known (on
/// the thread that reads the file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnalysedText {
    pub title: String,
    pub body: String,
}

impl AnalysedText {
    /// The terms a news item with these fields is indexed under (as [`SearchDocument::of_news`]).
    pub fn of_news(
        title: &str,
        summary: Option<&str>,
        text: Option<&str>,
        publisher: Option<&str>,
    ) -> Self {
        Self {
            title: terms(title),
            body: terms(&news_body(summary, text, publisher)),
        }
    }
}

/// Rows per multi-row INSERT (5 values each, well under SQLite's variable limit).
const INSERT_CHUNK: usize = 500;

/// Writes the documents of records that have none yet, in the caller's transaction.
pub(crate) async fn insert_documents<C: ConnectionTrait>(
    db: &C,
    docs: &[SearchDocument],
) -> StoreResult<()> {
    let analysed: Vec<(SearchEntity, i64, AnalysedText)> = docs
        .iter()
        .map(|doc| (doc.entity, doc.entity_id, doc.analyse()))
        .collect();
    insert_analysed(db, analysed).await
}

/// Writes documents already analysed, in the caller's transaction.
pub(crate) async fn insert_analysed<C: ConnectionTrait>(
    db: &C,
    docs: Vec<(SearchEntity, i64, AnalysedText)>,
) -> StoreResult<()> {
    let backend = db.get_database_backend();
    for chunk in super::sql::fixed_chunks_owned(docs, INSERT_CHUNK) {
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO search_documents (doc_id, entity, entity_id, title, body) VALUES ");
        for (i, (entity, entity_id, text)) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(entity.doc_id(entity_id))
                .push(", ")
                .bind(entity.name())
                .push(", ")
                .bind(entity_id)
                .push(", ")
                .bind(text.title)
                .push(", ")
                .bind(text.body)
                .push(")");
        }
        db.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// Replaces the documents of these records, in the caller's transaction.
pub(crate) async fn replace_documents<C: ConnectionTrait>(
    db: &C,
    docs: &[SearchDocument],
) -> StoreResult<()> {
    let ids: Vec<i64> = docs.iter().map(|d| d.entity.doc_id(d.entity_id)).collect();
    remove_doc_ids(db, &ids).await?;
    insert_documents(db, docs).await
}

/// Removes the document of a record (a purge), in the caller's transaction.
pub(crate) async fn remove_document<C: ConnectionTrait>(
    db: &C,
    entity: SearchEntity,
    entity_id: i64,
) -> StoreResult<()> {
    remove_doc_ids(db, &[entity.doc_id(entity_id)]).await
}

async fn remove_doc_ids<C: ConnectionTrait>(db: &C, ids: &[i64]) -> StoreResult<()> {
    for chunk in super::sql::fixed_chunks(ids, INSERT_CHUNK) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("DELETE FROM search_documents WHERE doc_id IN ")
            .bind_list(chunk);
        db.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// Re-reads a case with its topics and rewrites its document.
pub(crate) async fn reindex_case<C: ConnectionTrait>(db: &C, case_id: i64) -> StoreResult<()> {
    let Some(case) = case::Entity::find_by_id(case_id).one(db).await? else {
        return Ok(());
    };
    let topics: Vec<String> = case_topic::Entity::find()
        .filter(case_topic::Column::CaseId.eq(case_id))
        .order_by_asc(case_topic::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.topic)
        .collect();
    replace_documents(db, &[SearchDocument::of_case(&case, &topics)]).await
}

/// Re-reads an actor with its aliases and rewrites its document.
pub(crate) async fn reindex_actor<C: ConnectionTrait>(db: &C, actor_id: i64) -> StoreResult<()> {
    let Some(actor) = actor::Entity::find_by_id(actor_id).one(db).await? else {
        return Ok(());
    };
    let aliases: Vec<String> = actor_alias::Entity::find()
        .filter(actor_alias::Column::ActorId.eq(actor_id))
        .order_by_asc(actor_alias::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.alias)
        .collect();
    replace_documents(db, &[SearchDocument::of_actor(&actor, &aliases)]).await
}

/// One search result before its record is loaded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchRow {
    pub entity: SearchEntity,
    pub entity_id: i64,
    /// Higher is better; comparable within one query only.
    pub score: f64,
}

/// Where the previous page ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchCursor {
    pub score: f64,
    pub doc_id: i64,
}

impl SearchRow {
    pub fn cursor(&self) -> SearchCursor {
        SearchCursor {
            score: self.score,
            doc_id: self.entity.doc_id(self.entity_id),
        }
    }
}

/// `EXISTS` the record of the document, visible to `access` and not archived.
fn push_visible(sql: &mut Sql, entity: SearchEntity, access: Access) {
    sql.push("(s.doc_id % 4 = ")
        .bind(entity as i64)
        .push(" AND EXISTS (SELECT 1 FROM ")
        .push(entity.table())
        .push(" r WHERE r.id = s.doc_id / 4");
    if let Some(rule) = super::visibility::own_visible_sql("r", access, true) {
        sql.push(" AND ").push(&rule);
    }
    sql.push("))");
}

impl Store {
    /// Records matching `query`, best first, of the given kinds, that `access` may see.
    pub async fn search(
        &self,
        access: Access,
        query: &SearchQuery,
        entities: &[SearchEntity],
        after: Option<SearchCursor>,
        limit: u64,
    ) -> StoreResult<Page<SearchRow>> {
        let backend = self.db.get_database_backend();
        let mut sql = Sql::new(backend);
        sql.push("SELECT s.doc_id, s.score FROM (");
        match backend {
            DbBackend::Postgres => {
                let vector = PG_SEARCH_VECTOR;
                sql.push(&format!(
                    "SELECT doc_id, CAST(ts_rank_cd('{{0.1, 0.2, 0.25, 1.0}}', {vector}, q, 1) AS DOUBLE PRECISION) AS score \
                     FROM search_documents, to_tsquery('simple', "
                ))
                .bind(query.tsquery())
                .push(&format!(") q WHERE {vector} @@ q"));
            }
            _ => {
                // A score from this document alone: FTS5's highlight() marks each
                // matching term with \x01, and the marks are counted per column. (bm25()
                // would weigh terms by how many documents hold them, restricted ones
                // included, so an anonymous score would reveal that they exist.)
                sql.push(
                    "SELECT doc_id, \
                     (4.0 * (length(ht) - length(replace(ht, char(1), ''))) \
                      + (length(hb) - length(replace(hb, char(1), '')))) \
                     / (1.0 + (length(ht) + length(hb)) / 400.0) AS score \
                     FROM (SELECT rowid AS doc_id, \
                           highlight(search_fts, 0, char(1), '') AS ht, \
                           highlight(search_fts, 1, char(1), '') AS hb \
                           FROM search_fts WHERE search_fts MATCH ",
                )
                .bind(query.fts5())
                .push(")");
            }
        }
        sql.push(") s WHERE (");
        let mut wanted: Vec<SearchEntity> = entities.to_vec();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            wanted = SearchEntity::ALL.to_vec();
        }
        for (i, entity) in wanted.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            push_visible(&mut sql, *entity, access);
        }
        sql.push(")");
        if let Some(after) = after {
            sql.push(" AND (s.score < ")
                .bind(after.score)
                .push(" OR (s.score = ")
                .bind(after.score)
                .push(" AND s.doc_id > ")
                .bind(after.doc_id)
                .push("))");
        }
        sql.push(" ORDER BY s.score DESC, s.doc_id ASC LIMIT ")
            .bind((limit + 1) as i64);
        let rows = self.db.query_all_raw(sql.build()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let doc_id: i64 = row.try_get("", "doc_id")?;
            let score: f64 = row.try_get("", "score")?;
            if let Some(entity) = SearchEntity::from_tag(doc_id.rem_euclid(4)) {
                out.push(SearchRow {
                    entity,
                    entity_id: doc_id.div_euclid(4),
                    score,
                });
            }
        }
        Ok(Page::from_overfetch_pub(out, limit))
    }

    /// Rewrites the whole search index from the records, in one transaction: after the
    /// migration that created the index, or on demand (`chasqui reindex`). Returns the
    /// number of documents written.
    pub async fn rebuild_search_index(&self) -> StoreResult<usize> {
        self.write(async |txn| {
            let written = rebuild_index(txn).await?;
            Ok(written)
        })
        .await
    }
}

/// Rows of `E` in id order, `PAGE` at a time, by keyset (no OFFSET, so a large table
/// costs the same per page from start to end).
macro_rules! for_each_page {
    ($db:expr, $entity:ident, |$page:ident| $body:block) => {{
        let mut last = i64::MIN;
        loop {
            let $page = $entity::Entity::find()
                .filter($entity::Column::Id.gt(last))
                .order_by_asc($entity::Column::Id)
                .limit(PAGE)
                .all($db)
                .await?;
            let Some(tail) = $page.last() else { break };
            last = tail.id;
            $body
        }
    }};
}

const PAGE: u64 = 1_000;

/// Rewrites the whole search index, in the caller's transaction.
pub(crate) async fn rebuild_index<C: ConnectionTrait>(txn: &C) -> StoreResult<usize> {
    txn.execute_unprepared("DELETE FROM search_documents")
        .await?;
    let mut written = 0;
    let mut topics: HashMap<i64, Vec<String>> = HashMap::new();
    for t in case_topic::Entity::find()
        .order_by_asc(case_topic::Column::Id)
        .all(txn)
        .await?
    {
        topics.entry(t.case_id).or_default().push(t.topic);
    }
    for_each_page!(txn, case, |page| {
        let docs: Vec<SearchDocument> = page
            .iter()
            .map(|c| SearchDocument::of_case(c, topics.get(&c.id).map_or(&[][..], Vec::as_slice)))
            .collect();
        insert_documents(txn, &docs).await?;
        written += docs.len();
    });
    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    for a in actor_alias::Entity::find()
        .order_by_asc(actor_alias::Column::Id)
        .all(txn)
        .await?
    {
        aliases.entry(a.actor_id).or_default().push(a.alias);
    }
    for_each_page!(txn, actor, |page| {
        let docs: Vec<SearchDocument> = page
            .iter()
            .map(|a| SearchDocument::of_actor(a, aliases.get(&a.id).map_or(&[][..], Vec::as_slice)))
            .collect();
        insert_documents(txn, &docs).await?;
        written += docs.len();
    });
    for_each_page!(txn, news_item, |page| {
        let docs: Vec<SearchDocument> = page.iter().map(SearchDocument::of_news).collect();
        insert_documents(txn, &docs).await?;
        written += docs.len();
    });
    Ok(written)
}

/// Kept in step with the migration's index expression by a test.
pub const PG_SEARCH_VECTOR: &str = "(setweight(to_tsvector('simple', title), 'A') || \
     setweight(to_tsvector('simple', body), 'B'))";
