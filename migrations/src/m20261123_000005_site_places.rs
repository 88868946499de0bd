//! Site places: the area each located site falls in, stored at write time.
//!
//! A region filter matches what is placed below a region and what lies inside its shape.
//! Testing every candidate point against a department's polygon at query time cost
//! hundreds of milliseconds at 100,000 cases; instead, when a site with coordinates is
//! written (or boundaries are imported), the store asks `locate` for the most precise
//! place whose shape holds the point and keeps it here. "Inside the region's shape" is then
//! "its place is the region or below it": an indexed lookup on both engines, in the same
//! SQL condition as the placement path.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn key(column: &str) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_site_places_{column}"))
        .from(Alias::new("site_places"), Alias::new(column))
        .to(Alias::new("locations"), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade);
    key
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("site_places"))
                    .col(big_integer(Alias::new("site_id")).primary_key())
                    .col(big_integer(Alias::new("place_id")))
                    .foreign_key(&mut key("site_id"))
                    .foreign_key(&mut key("place_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_site_places_place_id")
                    .table(Alias::new("site_places"))
                    .col(Alias::new("place_id"))
                    .col(Alias::new("site_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("site_places")).to_owned())
            .await
    }
}
