//! Status dates that are not invented, and a case's activity as partial dates.
//!
//! - `status_changes.undated`: a status whose date is unknown (a case recorded with a
//!   status and no date for it). It gives the case a status when nothing dated does, but it
//!   is never placed in time: not in the timeline, the last activity, the activity period
//!   or any "as of" answer. Until now such a status was dated the day it was recorded; those
//!   rows are the ones the store wrote with the note "status when the case was recorded"
//!   and no source, and are marked undated here.
//! - `cases.first_activity_on`: the first day of the case's first dated record (its start,
//!   or else its earliest event, linked news item or dated status change), so that a case
//!   without a start date is active from its first record rather than forever.
//! - `cases.last_activity_precision`: the precision of the latest dated record, so that
//!   `last_activity_on` (its last day) is a partial date again.
//!
//! The two derived columns are filled by the store (`refresh_case`), which recomputes every
//! case whose precision is missing when it opens a database (`Store::refresh_stale_cases`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("status_changes"))
                    .add_column(
                        ColumnDef::new(Alias::new("undated"))
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("cases"))
                    .add_column(
                        ColumnDef::new(Alias::new("first_activity_on"))
                            .date()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("cases"))
                    .add_column(
                        ColumnDef::new(Alias::new("last_activity_precision"))
                            .string_len(8)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE status_changes SET undated = TRUE \
             WHERE note = 'status when the case was recorded' \
             AND news_item_id IS NULL AND source_url IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("cases", "last_activity_precision"),
            ("cases", "first_activity_on"),
            ("status_changes", "undated"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
