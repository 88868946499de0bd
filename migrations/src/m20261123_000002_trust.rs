//! Trust: API tokens, the audit log, and visibility on status changes (which inherit it
//! from the link or the person that records them).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("api_tokens"))
                    .col(big_pk_auto(Alias::new("id")))
                    .col(string(Alias::new("name")).unique_key())
                    .col(string_len(Alias::new("role"), 16))
                    .col(string_len(Alias::new("token_hash"), 64).unique_key())
                    .col(timestamp_with_time_zone(Alias::new("created_at")))
                    .col(timestamp_with_time_zone_null(Alias::new("revoked_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("audit_log"))
                    .col(big_pk_auto(Alias::new("id")))
                    .col(timestamp_with_time_zone(Alias::new("at")))
                    .col(big_integer_null(Alias::new("token_id")))
                    .col(string(Alias::new("author")))
                    .col(string_len(Alias::new("action"), 32))
                    .col(string_len(Alias::new("entity"), 32))
                    .col(big_integer(Alias::new("entity_id")))
                    .col(big_integer_null(Alias::new("case_id")))
                    .col(text_null(Alias::new("before")))
                    .col(text_null(Alias::new("after")))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_audit_log_entity", vec!["entity", "entity_id", "id"]),
            ("ix_audit_log_case", vec!["case_id", "id"]),
            ("ix_audit_log_at", vec!["at", "id"]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Alias::new("audit_log"));
            for column in columns {
                index.col(Alias::new(column));
            }
            manager.create_index(index).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("status_changes"))
                    .add_column(string_len(Alias::new("visibility"), 16).default("PUBLIC"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("status_changes"))
                    .drop_column(Alias::new("visibility"))
                    .to_owned(),
            )
            .await?;
        for table in ["audit_log", "api_tokens"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
