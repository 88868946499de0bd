//! Case places: every place each case lies in, with what a page of cases needs.
//!
//! A region filter ("placed on the region or below it, or at a site whose point lies
//! inside it") used to read every placement of every visible location below the region
//! and then every matching case row: about 40 ms for a department at 100,000 cases. This
//! table holds one row per (place, case) for every place a case is placed on, every place
//! above it, and every place above the place its sites lie in (`site_places`), walking
//! `parent_id` up to the first archived place. A region filter is then one index range
//! scan, and a count or the first page of the default order never reads a case row:
//!
//! - `via_public`: the case reaches the place through at least one public location (what
//!   an anonymous caller may use); a row reached only through restricted locations is
//!   kept for callers who may see them;
//! - `case_public`, `case_archived` and `activity` (`last_activity_on`, or 0001-01-01
//!   when unknown, as the case order sorts it) mirror the case row; a trigger on `cases`
//!   keeps them equal inside every writing transaction.
//!
//! The store rewrites a case's rows whenever its placements, a location above them or a
//! site's place changes (`store/spatial.rs`, `refresh_case_places`); the statement that
//! fills the table here is the same walk over the data already stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn key(column: &str, table: &str) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_case_places_{column}"))
        .from(Alias::new("case_places"), Alias::new(column))
        .to(Alias::new(table), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade);
    key
}

/// Every (place, case) row for the stored placements, as the store computes them.
const FILL: &str = "WITH RECURSIVE up (case_id, place_id, via_public) AS ( \
     SELECT cl.case_id, l.id, CASE WHEN l.visibility = 'PUBLIC' THEN 1 ELSE 0 END \
     FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
     WHERE l.archived_at IS NULL \
     UNION ALL \
     SELECT cl.case_id, p.id, CASE WHEN l.visibility = 'PUBLIC' THEN 1 ELSE 0 END \
     FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
     JOIN site_places sp ON sp.site_id = l.id JOIN locations p ON p.id = sp.place_id \
     WHERE l.archived_at IS NULL AND p.archived_at IS NULL \
     UNION ALL \
     SELECT up.case_id, parent.id, up.via_public \
     FROM up JOIN locations child ON child.id = up.place_id \
     JOIN locations parent ON parent.id = child.parent_id \
     WHERE parent.archived_at IS NULL) \
     INSERT INTO case_places (place_id, case_id, via_public, case_public, case_archived, activity) \
     SELECT up.place_id, up.case_id, MAX(up.via_public) = 1, c.visibility = 'PUBLIC', \
     c.archived_at IS NOT NULL, COALESCE(c.last_activity_on, '0001-01-01') \
     FROM up JOIN cases c ON c.id = up.case_id \
     GROUP BY up.place_id, up.case_id, c.visibility, c.archived_at, c.last_activity_on";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("case_places"))
                    .col(big_integer(Alias::new("place_id")))
                    .col(big_integer(Alias::new("case_id")))
                    .col(boolean(Alias::new("via_public")))
                    .col(boolean(Alias::new("case_public")))
                    .col(boolean(Alias::new("case_archived")))
                    .col(date(Alias::new("activity")))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("place_id"))
                            .col(Alias::new("case_id")),
                    )
                    .foreign_key(&mut key("place_id", "locations"))
                    .foreign_key(&mut key("case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        // The walk of a region's cases in the default order (latest activity first),
        // covering the visibility flags, so a page stops after its rows.
        manager
            .create_index(
                Index::create()
                    .name("idx_case_places_walk")
                    .table(Alias::new("case_places"))
                    .col(Alias::new("place_id"))
                    .col(Alias::new("activity"))
                    .col(Alias::new("case_id"))
                    .col(Alias::new("via_public"))
                    .col(Alias::new("case_public"))
                    .col(Alias::new("case_archived"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_places_case_id")
                    .table(Alias::new("case_places"))
                    .col(Alias::new("case_id"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION chasqui_case_places_mirror() RETURNS trigger AS $$ \
                     BEGIN UPDATE case_places SET case_public = (NEW.visibility = 'PUBLIC'), \
                     case_archived = (NEW.archived_at IS NOT NULL), \
                     activity = COALESCE(NEW.last_activity_on, DATE '0001-01-01') \
                     WHERE case_id = NEW.id; RETURN NULL; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER cases_case_places \
                     AFTER UPDATE OF visibility, archived_at, last_activity_on ON cases \
                     FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility \
                     OR OLD.archived_at IS DISTINCT FROM NEW.archived_at \
                     OR OLD.last_activity_on IS DISTINCT FROM NEW.last_activity_on) \
                     EXECUTE FUNCTION chasqui_case_places_mirror()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER cases_case_places \
                     AFTER UPDATE OF visibility, archived_at, last_activity_on ON cases \
                     WHEN OLD.visibility IS NOT NEW.visibility \
                     OR OLD.archived_at IS NOT NEW.archived_at \
                     OR OLD.last_activity_on IS NOT NEW.last_activity_on \
                     BEGIN UPDATE case_places SET case_public = (NEW.visibility = 'PUBLIC'), \
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
                db.execute_unprepared("DROP TRIGGER IF EXISTS cases_case_places ON cases")
                    .await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS chasqui_case_places_mirror()")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS cases_case_places")
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(Alias::new("case_places")).to_owned())
            .await
    }
}
