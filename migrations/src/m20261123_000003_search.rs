//! Full-text search and fast news imports.
//!
//! `search_documents` holds one row per searchable record (case, actor, news item): the
//! analysed terms of its title and of its other text, written by chasqui's own analyser
//! (accents folded, Spanish and English stems), so both engines index the same terms.
//! Each engine indexes that table its own way: SQLite with an FTS5 table kept in step by
//! triggers, PostgreSQL with a GIN index over a weighted `tsvector`. The rows are filled
//! by chasqui after the migration (the analysis is Rust code).
//!
//! `news_items.title_key` is the normalised title that identifies an item without a URL,
//! indexed (then its date), so that an import finds known items in one lookup per batch.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The weighted document PostgreSQL indexes and ranks; queries must use the same text.
pub const PG_SEARCH_VECTOR: &str = "(setweight(to_tsvector('simple', title), 'A') || \
     setweight(to_tsvector('simple', body), 'B'))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("search_documents"))
                    // entity_id * 4 + the entity's tag: one key for all three kinds, and
                    // the rowid of the SQLite FTS table.
                    .col(big_integer(Alias::new("doc_id")).primary_key())
                    .col(string_len(Alias::new("entity"), 16))
                    .col(big_integer(Alias::new("entity_id")))
                    .col(text(Alias::new("title")))
                    .col(text(Alias::new("body")))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for statement in [
                    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, \
                     content='search_documents', content_rowid='doc_id', \
                     tokenize='unicode61 remove_diacritics 0')",
                    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN \
                     INSERT INTO search_fts(rowid, title, body) VALUES (new.doc_id, new.title, new.body); END",
                    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN \
                     INSERT INTO search_fts(search_fts, rowid, title, body) \
                     VALUES ('delete', old.doc_id, old.title, old.body); END",
                    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN \
                     INSERT INTO search_fts(search_fts, rowid, title, body) \
                     VALUES ('delete', old.doc_id, old.title, old.body); \
                     INSERT INTO search_fts(rowid, title, body) VALUES (new.doc_id, new.title, new.body); END",
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
            _ => {
                db.execute_unprepared(&format!(
                    "CREATE INDEX ix_search_documents_vector ON search_documents \
                     USING GIN ({PG_SEARCH_VECTOR})"
                ))
                .await?;
            }
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("news_items"))
                    .add_column(text_null(Alias::new("title_key")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_news_items_title_key")
                    .table(Alias::new("news_items"))
                    .col(Alias::new("title_key"))
                    .col(Alias::new("published_on"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_news_items_title_key")
                    .table(Alias::new("news_items"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("news_items"))
                    .drop_column(Alias::new("title_key"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS search_fts")
                .await?;
        }
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("search_documents"))
                    .to_owned(),
            )
            .await
    }
}
