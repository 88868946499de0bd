//! Case points: the points a box filter tests, kept in latitude bands.
//!
//! A box filter (`within`) asked the in-memory index for the cases with a point in the
//! box, then read every one of those case rows to test visibility and to order them:
//! about 2,800 rows scattered over the whole `cases` table for a 1°×1° box at 100,000
//! cases, each on a page of its own, 8–13 ms. This table holds one row per point the
//! index would find a case at (an EXACT or DISTRICT placement on an unarchived location
//! with coordinates), with what a count or a page needs, so that a box's rows are next
//! to each other in one index:
//!
//! - `band`: the tenth of a degree of latitude the point lies in (`CAST((latitude + 90) *
//!   10 AS INTEGER)`; the query allows one band either side, so the engines' different
//!   rounding of the cast does not matter); the index `(band, longitude, latitude, …)`
//!   makes a box one short longitude range per band;
//! - `location_public`: the point's location is public (what an anonymous caller may
//!   use, as the index flags restricted points);
//! - `case_public`, `case_archived` and `activity` mirror the case row, kept equal by a
//!   trigger on `cases` as for `case_places`.
//!
//! The store rewrites a case's rows whenever it rewrites its `case_places` rows (its
//! placements changed, or a location it is placed on or below moved, was archived,
//! restored or restricted); the statement that fills the table here is the same.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn key(column: &str, table: &str) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_case_points_{column}"))
        .from(Alias::new("case_points"), Alias::new(column))
        .to(Alias::new(table), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade);
    key
}

/// Every case point of the stored placements, as the store computes them.
const FILL: &str = "INSERT INTO case_points (case_id, location_id, band, longitude, latitude, \
     location_public, case_public, case_archived, activity) \
     SELECT cl.case_id, l.id, CAST((l.latitude + 90) * 10 AS INTEGER), l.longitude, l.latitude, \
     l.visibility = 'PUBLIC', c.visibility = 'PUBLIC', c.archived_at IS NOT NULL, \
     COALESCE(c.last_activity_on, '0001-01-01') \
     FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
     JOIN cases c ON c.id = cl.case_id \
     WHERE cl.precision IN ('EXACT', 'DISTRICT') AND l.archived_at IS NULL \
     AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("case_points"))
                    .col(big_integer(Alias::new("case_id")))
                    .col(big_integer(Alias::new("location_id")))
                    .col(integer(Alias::new("band")))
                    .col(double(Alias::new("longitude")))
                    .col(double(Alias::new("latitude")))
                    .col(boolean(Alias::new("location_public")))
                    .col(boolean(Alias::new("case_public")))
                    .col(boolean(Alias::new("case_archived")))
                    .col(date(Alias::new("activity")))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("case_id"))
                            .col(Alias::new("location_id")),
                    )
                    .foreign_key(&mut key("case_id", "cases"))
                    .foreign_key(&mut key("location_id", "locations"))
                    .to_owned(),
            )
            .await?;
        // A box: per band, one longitude range, covering what a count and a page read.
        manager
            .create_index(
                Index::create()
                    .name("idx_case_points_box")
                    .table(Alias::new("case_points"))
                    .col(Alias::new("band"))
                    .col(Alias::new("longitude"))
                    .col(Alias::new("latitude"))
                    .col(Alias::new("activity"))
                    .col(Alias::new("case_id"))
                    .col(Alias::new("location_public"))
                    .col(Alias::new("case_public"))
                    .col(Alias::new("case_archived"))
                    .to_owned(),
            )
            .await?;
        // Purging a location deletes its points by foreign key.
        manager
            .create_index(
                Index::create()
                    .name("idx_case_points_location_id")
                    .table(Alias::new("case_points"))
                    .col(Alias::new("location_id"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION chasqui_case_points_mirror() RETURNS trigger AS $$ \
                     BEGIN UPDATE case_points SET case_public = (NEW.visibility = 'PUBLIC'), \
                     case_archived = (NEW.archived_at IS NOT NULL), \
                     activity = COALESCE(NEW.last_activity_on, DATE '0001-01-01') \
                     WHERE case_id = NEW.id; RETURN NULL; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER cases_case_points \
                     AFTER UPDATE OF visibility, archived_at, last_activity_on ON cases \
                     FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility \
                     OR OLD.archived_at IS DISTINCT FROM NEW.archived_at \
                     OR OLD.last_activity_on IS DISTINCT FROM NEW.last_activity_on) \
                     EXECUTE FUNCTION chasqui_case_points_mirror()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER cases_case_points \
                     AFTER UPDATE OF visibility, archived_at, last_activity_on ON cases \
                     WHEN OLD.visibility IS NOT NEW.visibility \
                     OR OLD.archived_at IS NOT NEW.archived_at \
                     OR OLD.last_activity_on IS NOT NEW.last_activity_on \
                     BEGIN UPDATE case_points SET case_public = (NEW.visibility = 'PUBLIC'), \
                     case_archived = (NEW.archived_at IS NOT NULL), \
                     activity = COALESCE(NEW.last_activity_on, '0001-01-01') \
                     WHERE case_id = NEW.id; END",
                )
                .await?;
            }
        }
        db.execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS cases_case_points ON cases")
                    .await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS chasqui_case_points_mirror()")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS cases_case_points")
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(Alias::new("case_points")).to_owned())
            .await
    }
}
