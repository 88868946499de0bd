//! Places: a change marker for the in-memory spatial index.
//!
//! Every chasqui instance keeps an R-tree of place shapes and case points. Several
//! instances may share one database, so each must notice changes another one wrote:
//! `spatial_changes` holds one row whose `counter` triggers bump whenever `locations` or
//! `case_locations` change, in the writing transaction. An instance compares the counter
//! with the one its index was built at before answering a spatial question, and reloads
//! when they differ. Triggers (not code in each write path) also catch writes made by
//! importers, dump loads or a later feature that forgets to say so.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose changes move the spatial index.
const WATCHED: [&str; 2] = ["locations", "case_locations"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("spatial_changes"))
                    .col(big_integer(Alias::new("id")).primary_key())
                    .col(big_integer(Alias::new("counter")))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("INSERT INTO spatial_changes (id, counter) VALUES (1, 0)")
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION chasqui_bump_spatial_changes() RETURNS trigger AS $$ \
                     BEGIN UPDATE spatial_changes SET counter = counter + 1 WHERE id = 1; \
                     RETURN NULL; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_spatial_changes \
                         AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION chasqui_bump_spatial_changes()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in WATCHED {
                    for event in ["INSERT", "UPDATE", "DELETE"] {
                        let lower = event.to_lowercase();
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_spatial_changes_{lower} \
                             AFTER {event} ON {table} \
                             BEGIN UPDATE spatial_changes SET counter = counter + 1 WHERE id = 1; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_spatial_changes ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS chasqui_bump_spatial_changes()")
                    .await?;
            }
            _ => {
                for table in WATCHED {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_spatial_changes_{event}"
                        ))
                        .await?;
                    }
                }
            }
        }
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("spatial_changes"))
                    .to_owned(),
            )
            .await
    }
}
