//! Derived placements: a placement the store added records the site it comes from.
//!
//! A case placed only on EXACT sites, one of them without a parent place, is also placed
//! on the DISTRICT the site lies in, so that it shows in that district's counts and maps.
//! That placement was stored like any other, so a case placed only on a restricted site
//! showed its district to anonymous callers: in `Case.locations`, the region filter, the
//! counts, the maps and the suggester's place names. `case_locations.via_site_id` names
//! the site a derived placement comes from (`NULL` for a placement an editor gave), and
//! every reader shows a derived placement only while its site is visible too
//! (`read::placement_visible_sql` in the store). Purging the site deletes it.
//!
//! The placements derived before this migration are found again from the stored data
//! ([`MARK_DERIVED_PLACEMENTS`]), and `case_places` and `case_points` are computed again
//! under the new rule, by the statements the store uses (`store/spatial.rs`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Marks the DISTRICT placements the store derived before it recorded their source: in a
/// case whose placements are all EXACT or DISTRICT, and whose every DISTRICT placement is
/// the place (`site_places`) of an EXACT site without a parent, each DISTRICT placement
/// gets the first such site as its source (unarchived before archived, public before
/// restricted, then by id), the site the store picks when it derives one. A case whose
/// editor gave exactly such placements is taken as derived too: its district then shows
/// only while a site it lies under does, which hides nothing a visible site does not
/// already tell. The store runs the same statement when it loads a dump written before
/// the column existed (`store/dump.rs`; a test holds the two equal).
pub const MARK_DERIVED_PLACEMENTS: &str = "UPDATE case_locations SET via_site_id = (\
     SELECT s.id FROM case_locations e JOIN locations s ON s.id = e.location_id \
     JOIN site_places sp ON sp.site_id = s.id \
     WHERE e.case_id = case_locations.case_id AND e.\"precision\" = 'EXACT' \
     AND s.parent_id IS NULL AND sp.place_id = case_locations.location_id \
     ORDER BY CASE WHEN s.archived_at IS NULL THEN 0 ELSE 1 END, \
     CASE WHEN s.visibility = 'PUBLIC' THEN 0 ELSE 1 END, s.id LIMIT 1) \
     WHERE \"precision\" = 'DISTRICT' AND via_site_id IS NULL \
     AND NOT EXISTS (SELECT 1 FROM case_locations o WHERE o.case_id = case_locations.case_id \
     AND o.\"precision\" NOT IN ('EXACT', 'DISTRICT')) \
     AND NOT EXISTS (SELECT 1 FROM case_locations o WHERE o.case_id = case_locations.case_id \
     AND o.\"precision\" = 'DISTRICT' AND NOT EXISTS (SELECT 1 FROM case_locations e \
     JOIN locations s ON s.id = e.location_id JOIN site_places sp ON sp.site_id = s.id \
     WHERE e.case_id = o.case_id AND e.\"precision\" = 'EXACT' AND s.parent_id IS NULL \
     AND sp.place_id = o.location_id))";

/// A placement an anonymous caller may use (alias `cl`, its location `l`): the location
/// unarchived and public, and a derived placement's site too.
const PUBLIC_PLACEMENT: &str = "l.archived_at IS NULL AND l.visibility = 'PUBLIC' \
     AND (cl.via_site_id IS NULL OR EXISTS (SELECT 1 FROM locations via_site \
     WHERE via_site.id = cl.via_site_id AND via_site.archived_at IS NULL \
     AND via_site.visibility = 'PUBLIC'))";

/// A placement anyone may use: the location unarchived, and a derived placement's site too.
const LIVE_PLACEMENT: &str = "l.archived_at IS NULL \
     AND (cl.via_site_id IS NULL OR EXISTS (SELECT 1 FROM locations via_site \
     WHERE via_site.id = cl.via_site_id AND via_site.archived_at IS NULL))";

/// Every `case_places` row, as the store computes it under the rule above.
fn fill_case_places() -> String {
    format!(
        "WITH RECURSIVE up (case_id, place_id, via_public) AS ( \
         SELECT cl.case_id, l.id, CASE WHEN {PUBLIC_PLACEMENT} THEN 1 ELSE 0 END \
         FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
         WHERE {LIVE_PLACEMENT} \
         UNION ALL \
         SELECT cl.case_id, p.id, CASE WHEN {PUBLIC_PLACEMENT} THEN 1 ELSE 0 END \
         FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
         JOIN site_places sp ON sp.site_id = l.id JOIN locations p ON p.id = sp.place_id \
         WHERE {LIVE_PLACEMENT} AND p.archived_at IS NULL \
         UNION ALL \
         SELECT up.case_id, parent.id, up.via_public \
         FROM up JOIN locations child ON child.id = up.place_id \
         JOIN locations parent ON parent.id = child.parent_id \
         WHERE parent.archived_at IS NULL) \
         INSERT INTO case_places (place_id, case_id, via_public, case_public, case_archived, activity) \
         SELECT up.place_id, up.case_id, MAX(up.via_public) = 1, c.visibility = 'PUBLIC', \
         c.archived_at IS NOT NULL, COALESCE(c.last_activity_on, '0001-01-01') \
         FROM up JOIN cases c ON c.id = up.case_id \
         GROUP BY up.place_id, up.case_id, c.visibility, c.archived_at, c.last_activity_on"
    )
}

/// Every `case_points` row, as the store computes it under the rule above.
fn fill_case_points() -> String {
    format!(
        "INSERT INTO case_points (case_id, location_id, band, longitude, latitude, \
         location_public, case_public, case_archived, activity) \
         SELECT cl.case_id, l.id, CAST((l.latitude + 90) * 10 AS INTEGER), l.longitude, l.latitude, \
         ({PUBLIC_PLACEMENT}), c.visibility = 'PUBLIC', c.archived_at IS NOT NULL, \
         COALESCE(c.last_activity_on, '0001-01-01') \
         FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
         JOIN cases c ON c.id = cl.case_id \
         WHERE cl.\"precision\" IN ('EXACT', 'DISTRICT') AND {LIVE_PLACEMENT} \
         AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // The same text on both engines: sea-query cannot add a foreign key to an existing
        // SQLite table, and SQLite can add a column with one (its default being NULL).
        db.execute_unprepared(
            "ALTER TABLE case_locations ADD COLUMN via_site_id BIGINT \
             REFERENCES locations (id) ON DELETE CASCADE",
        )
        .await?;
        // The placements derived from a site: found when the site changes, deleted with it.
        manager
            .create_index(
                Index::create()
                    .name("idx_case_locations_via_site_id")
                    .table(Alias::new("case_locations"))
                    .col(Alias::new("via_site_id"))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(MARK_DERIVED_PLACEMENTS).await?;
        db.execute_unprepared("DELETE FROM case_places").await?;
        db.execute_unprepared(&fill_case_places()).await?;
        db.execute_unprepared("DELETE FROM case_points").await?;
        db.execute_unprepared(&fill_case_points()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_case_locations_via_site_id")
                    .table(Alias::new("case_locations"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE case_locations DROP COLUMN via_site_id")
            .await?;
        Ok(())
    }
}
