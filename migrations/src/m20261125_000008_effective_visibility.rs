//! Effective visibility: who may see a news link, an event or a status change once what it
//! depends on is taken into account.
//!
//! An editor sets a record's own `visibility`. A link also depends on its news item, and
//! the status change and the event a link reports depend on the link: a public link to a
//! restricted news item, or a public event reported by a restricted link, must not show
//! to anonymous callers. `effective_visibility` holds the outcome, derived by the store in
//! every writing transaction (`store/effective.rs`), so that reads, which must stay one
//! statement per relation, test one column instead of walking link and news item:
//!
//! - `news_links`: HIDDEN when its news item is archived, else PUBLIC when the link and
//!   the item are both public, else RESTRICTED;
//! - `events`: HIDDEN when it is archived or a link that reported it is HIDDEN, else PUBLIC
//!   when it is public and every link that reported it is PUBLIC, else RESTRICTED;
//! - `status_changes`: the same, without archiving of its own.
//!
//! The column's default is HIDDEN: a row the store has not derived is seen by no one.
//! The statements below fill the column for the rows already stored, as the store derives
//! it (the store's own statements are in `store/effective.rs`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["news_links", "events", "status_changes"];

const FILL: [&str; 3] = [
    "UPDATE news_links SET effective_visibility = COALESCE((SELECT CASE \
     WHEN n.archived_at IS NOT NULL THEN 'HIDDEN' \
     WHEN n.visibility = 'PUBLIC' AND news_links.visibility = 'PUBLIC' THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END FROM news_items n WHERE n.id = news_links.news_item_id), 'HIDDEN')",
    "UPDATE events SET effective_visibility = CASE \
     WHEN events.archived_at IS NOT NULL OR EXISTS (SELECT 1 FROM news_links l \
     WHERE l.event_id = events.id AND l.effective_visibility = 'HIDDEN') THEN 'HIDDEN' \
     WHEN events.visibility = 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM news_links l \
     WHERE l.event_id = events.id AND l.effective_visibility <> 'PUBLIC') THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END",
    "UPDATE status_changes SET effective_visibility = CASE \
     WHEN EXISTS (SELECT 1 FROM news_links l \
     WHERE l.status_change_id = status_changes.id AND l.effective_visibility = 'HIDDEN') THEN 'HIDDEN' \
     WHEN status_changes.visibility = 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM news_links l \
     WHERE l.status_change_id = status_changes.id AND l.effective_visibility <> 'PUBLIC') THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            string_len(Alias::new("effective_visibility"), 16).default("HIDDEN"),
                        )
                        .to_owned(),
                )
                .await?;
        }
        // An event or a status change finds the links that reported it.
        for column in ["event_id", "status_change_id"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("ix_news_links_{column}"))
                        .table(Alias::new("news_links"))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for statement in FILL {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["event_id", "status_change_id"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("ix_news_links_{column}"))
                        .table(Alias::new("news_links"))
                        .to_owned(),
                )
                .await?;
        }
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("effective_visibility"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
