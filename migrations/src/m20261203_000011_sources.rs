//! Provenance and monthly registers.
//!
//! - `sources`: each imported file, recorded once: its kind (`REGISTER`, a monthly case
//!   table of the Ombudsman's; `RECORDS`, a file of cases, events and links; `NEWS`), its
//!   name, the SHA-256 of its bytes, the month a register describes (`as_of`, its first
//!   day), when and by whom it was imported. Importing the same bytes again (as the same
//!   month) finds the same row.
//! - `status_changes.source_id`, `events.source_id`, `case_locations.source_id`: the
//!   imported file a row comes from (`NULL`: written through the API, the demo, or before
//!   sources were recorded; the audit log says by whom).
//! - `register_entries`: what each register said of each case on its row (status, phase,
//!   violence reported, dialogue under way, the level of government responsible), so that
//!   a series of registers is the history it describes whatever the order it is imported
//!   in, and a case missing from a later register can be told.
//! - `cases.violence_reported`, `cases.dialogue_under_way`, `cases.responsible_level`:
//!   what the latest register that lists the case says (derived by the store from
//!   `register_entries`; `NULL` when no register lists it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows point at the file they were imported from.
const SOURCED: [&str; 3] = ["status_changes", "events", "case_locations"];

/// The register's columns a case keeps.
const CASE_COLUMNS: [&str; 3] = [
    "violence_reported",
    "dialogue_under_way",
    "responsible_level",
];

fn fk(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_{from_table}_{from_col}"))
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade);
    key
}

fn index(table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(*column));
    }
    if unique {
        index.unique();
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("sources"))
                    .col(big_pk_auto(Alias::new("id")))
                    .col(string_len(Alias::new("kind"), 16))
                    .col(string(Alias::new("file_name")))
                    .col(string_len(Alias::new("digest"), 64))
                    .col(date_null(Alias::new("as_of")))
                    .col(timestamp_with_time_zone(Alias::new("imported_at")))
                    .col(big_integer_null(Alias::new("token_id")))
                    .col(string(Alias::new("author")))
                    .to_owned(),
            )
            .await?;
        // The same bytes are one source (for a register, as one month).
        manager
            .create_index(index("sources", &["digest", "kind", "as_of"], true))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("register_entries"))
                    .col(big_pk_auto(Alias::new("id")))
                    .col(big_integer(Alias::new("source_id")))
                    .col(big_integer(Alias::new("case_id")))
                    .col(integer(Alias::new("line")))
                    .col(string_len(Alias::new("status"), 16))
                    .col(string_len_null(Alias::new("phase"), 32))
                    .col(boolean_null(Alias::new("violence_reported")))
                    .col(boolean_null(Alias::new("dialogue_under_way")))
                    .col(string_len_null(Alias::new("responsible_level"), 16))
                    .foreign_key(&mut fk("register_entries", "source_id", "sources"))
                    .foreign_key(&mut fk("register_entries", "case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("register_entries", &["source_id", "case_id"], true))
            .await?;
        manager
            .create_index(index("register_entries", &["case_id"], false))
            .await?;
        let db = manager.get_connection();
        // The same text on both engines: sea-query cannot add a foreign key to an existing
        // SQLite table, and SQLite can add a column with one (its default being NULL).
        for table in SOURCED {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN source_id BIGINT REFERENCES sources (id)"
            ))
            .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("cases"))
                    .add_column(boolean_null(Alias::new("violence_reported")))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("cases"))
                    .add_column(boolean_null(Alias::new("dialogue_under_way")))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("cases"))
                    .add_column(string_len_null(Alias::new("responsible_level"), 16))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in CASE_COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE cases DROP COLUMN {column}"))
                .await?;
        }
        for table in SOURCED {
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN source_id"))
                .await?;
        }
        for table in ["register_entries", "sources"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
