//! Derived placements and the rows maps count through: a case placed only on sites gets
//! the districts they lie in (`derive_districts`), and `case_places` / `case_points` are
//! rewritten for the cases a write touched (`refresh_case_places`), in the writing
//! transaction. The design is in `docs/maps.md`.

use super::*;

/// Which cases' derived placements, `case_places` and `case_points` rows to rewrite.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CasePlaces<'a> {
    /// Every case (after a bulk change: boundaries, a dump, sites placed in bulk).
    All,
    /// These cases (their placements changed).
    Cases(&'a [i64]),
    /// The cases placed on this location or below it, or at a site whose place is this
    /// location or below it (the location moved, was archived or restored, changed its
    /// visibility, or, for a site, its point).
    Below(i64),
    /// The cases placed at these sites, which had no place and just got one: their rows
    /// gain the site's place and the places above it, and keep every row they had, so
    /// only those rows are written (and every row of a case that gains a derived
    /// district).
    NewlyPlacedSites(&'a [i64]),
}

/// Cases per statement when rewriting their rows.
const CASE_PLACES_CHUNK: usize = 500;

/// The placements the store derives for the cases `cases` selects (a condition on
/// `e.case_id`), as `(case_id, district, site)`: a case whose given placements are all
/// EXACT is also placed on the DISTRICT each of its sites without a parent place lies in
/// (its `site_places` place, unarchived), unless it is placed there already. One
/// placement per district; its source is the first of the case's sites in it, public
/// before restricted, then by id, so that a public site makes the district public.
/// Archived sites derive nothing.
fn derived_districts(cases: &str) -> String {
    format!(
        "SELECT case_id, district, site FROM (SELECT e.case_id, sp.place_id AS district, \
         s.id AS site, ROW_NUMBER() OVER (PARTITION BY e.case_id, sp.place_id ORDER BY \
         {public_first}, s.id) AS pick \
         FROM case_locations e JOIN locations s ON s.id = e.location_id \
         JOIN site_places sp ON sp.site_id = s.id JOIN locations d ON d.id = sp.place_id \
         WHERE e.\"precision\" = 'EXACT' AND e.via_site_id IS NULL AND s.parent_id IS NULL \
         AND s.archived_at IS NULL AND d.level = 'DISTRICT' AND d.archived_at IS NULL \
         AND {cases} AND NOT EXISTS (SELECT 1 FROM case_locations g \
         WHERE g.case_id = e.case_id AND g.via_site_id IS NULL \
         AND (g.\"precision\" <> 'EXACT' OR g.location_id = sp.place_id))) derived \
         WHERE pick = 1",
        public_first = public_first_sql("s"),
    )
}

/// Brings the derived placements of the cases `ids` names (every case for `None`) in
/// line with [`derived_districts`], in the caller's transaction: a derived placement
/// that no longer holds (its site moved, was given a parent, archived or purged, the
/// case's placements changed) is deleted, one that now holds is added; one that still
/// holds is left as it is (same id). Returns the cases whose derived placements changed.
///
/// The store derives rather than keeps: a derived placement says where a site lies, so it
/// follows the site, and every write that can change where a site lies, whether it has a
/// parent, or whether it is archived, refreshes the cases placed at it
/// ([`refresh_case_places`], which calls this first). Derived data: it writes no audit
/// entry of its own.
async fn derive_districts<C: ConnectionTrait>(
    db: &C,
    ids: Option<&[i64]>,
) -> StoreResult<Vec<i64>> {
    let lists: Vec<Option<String>> = match ids {
        None => vec![None],
        Some(ids) => ids
            .chunks(CASE_PLACES_CHUNK)
            .map(|chunk| Some(id_list(chunk)))
            .collect(),
    };
    let mut changed: HashSet<i64> = HashSet::new();
    for list in lists {
        let (placed, derived) = match &list {
            None => ("1 = 1".to_owned(), derived_districts("1 = 1")),
            Some(list) => (
                format!("case_locations.case_id IN ({list})"),
                derived_districts(&format!("e.case_id IN ({list})")),
            ),
        };
        let statements = [
            format!(
                "DELETE FROM case_locations WHERE via_site_id IS NOT NULL AND {placed} \
                 AND (case_id, location_id, via_site_id) NOT IN ({derived}) RETURNING case_id"
            ),
            // A given placement another transaction just wrote wins (PostgreSQL).
            format!(
                "INSERT INTO case_locations (case_id, location_id, \"precision\", via_site_id) \
                 SELECT case_id, district, 'DISTRICT', site FROM ({derived}) wanted \
                 WHERE NOT EXISTS (SELECT 1 FROM case_locations o \
                 WHERE o.case_id = wanted.case_id AND o.location_id = wanted.district) \
                 ON CONFLICT (case_id, location_id) DO NOTHING RETURNING case_id"
            ),
        ];
        for statement in statements {
            for row in db
                .query_all_raw(Statement::from_string(db.get_database_backend(), statement))
                .await?
            {
                changed.insert(row.try_get::<i64>("", "case_id")?);
            }
        }
    }
    let mut changed: Vec<i64> = changed.into_iter().collect();
    changed.sort_unstable();
    Ok(changed)
}

/// A placement anyone may go through (its location unarchived, and a derived one's site
/// too), and one an anonymous caller may: `visibility::placement_visible_sql` over `cl` and
/// its location `l`, for both audiences of the rows.
fn placement_rules() -> (String, String) {
    (
        placement_visible_sql("cl", "l", Access::FULL),
        placement_visible_sql("cl", "l", Access::PUBLIC),
    )
}

/// The (place, case) rows of the cases `cases` selects (a condition on `cl.case_id`),
/// as the migration that added the table fills it: each placement's location and the
/// places above it, and the place its site lies in and the places above that, up to the
/// first archived place, through placements anyone may see; a row is `via_public` when
/// one placement an anonymous caller may see leads to it.
/// On PostgreSQL two transactions can rewrite the same case's rows at once (a location
/// update and a case update, say): the second cannot see the first's uncommitted rows
/// when it deletes, so a row it then inserts may already exist; it takes the newer
/// values instead of failing. (`WHERE 1 = 1` keeps SQLite from reading `ON CONFLICT` as
/// a join constraint.)
fn case_places_insert(cases: &str) -> String {
    let (live, public) = placement_rules();
    format!(
        "WITH RECURSIVE up (case_id, place_id, via_public) AS ( \
         SELECT cl.case_id, l.id, CASE WHEN {public} THEN 1 ELSE 0 END \
         FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
         WHERE {live} AND {cases} \
         UNION ALL \
         SELECT cl.case_id, p.id, CASE WHEN {public} THEN 1 ELSE 0 END \
         FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
         JOIN site_places sp ON sp.site_id = l.id JOIN locations p ON p.id = sp.place_id \
         WHERE {live} AND p.archived_at IS NULL AND {cases} \
         {rest}",
        rest = insert_from_up(
            "via_public = excluded.via_public, case_public = excluded.case_public, \
             case_archived = excluded.case_archived, activity = excluded.activity"
        ),
    )
}

/// The end of a `case_places` insert, after the first rows of the recursive `up (case_id,
/// place_id, via_public)`: the step to each place's parent (up to the first archived
/// place), then the insert of the rows with the case's mirrored columns, where a row
/// already there is updated by `on_conflict`.
fn insert_from_up(on_conflict: &str) -> String {
    format!(
        "UNION ALL \
         SELECT up.case_id, parent.id, up.via_public \
         FROM up JOIN locations child ON child.id = up.place_id \
         JOIN locations parent ON parent.id = child.parent_id \
         WHERE parent.archived_at IS NULL) \
         INSERT INTO case_places (place_id, case_id, via_public, case_public, case_archived, activity) \
         SELECT up.place_id, up.case_id, MAX(up.via_public) = 1, {case_public}, \
         c.archived_at IS NOT NULL, COALESCE(c.last_activity_on, {epoch}) \
         FROM up JOIN cases c ON c.id = up.case_id WHERE 1 = 1 \
         GROUP BY up.place_id, up.case_id, c.visibility, c.archived_at, c.last_activity_on \
         ON CONFLICT (place_id, case_id) DO UPDATE SET {on_conflict}",
        case_public = public_sql("c"),
        epoch = EPOCH_SQL,
    )
}

/// The `case_points` rows of the cases `cases` selects (a condition on `cl.case_id`), as
/// the migration that added the table fills it: one per EXACT or DISTRICT placement
/// anyone may see, on a location with coordinates, the points the spatial index finds
/// cases at; `location_public` when an anonymous caller may see the placement. A row
/// another transaction just wrote takes the newer values (see [`case_places_insert`]).
fn case_points_insert(cases: &str) -> String {
    let (live, public) = placement_rules();
    format!(
        "INSERT INTO case_points (case_id, location_id, band, longitude, latitude, \
         location_public, case_public, case_archived, activity) \
         SELECT cl.case_id, l.id, {band}, l.longitude, l.latitude, \
         ({public}), {case_public}, c.archived_at IS NOT NULL, \
         COALESCE(c.last_activity_on, {epoch}) \
         FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
         JOIN cases c ON c.id = cl.case_id \
         WHERE cl.\"precision\" IN ('EXACT', 'DISTRICT') AND {live} \
         AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL AND {cases} \
         ON CONFLICT (case_id, location_id) DO UPDATE SET band = excluded.band, \
         longitude = excluded.longitude, latitude = excluded.latitude, \
         location_public = excluded.location_public, case_public = excluded.case_public, \
         case_archived = excluded.case_archived, activity = excluded.activity",
        case_public = public_sql("c"),
        band = BAND_SQL,
        epoch = EPOCH_SQL,
    )
}

/// The (place, case) rows a site's place adds to the cases placed at the site: the
/// place and the places above it, up to the first archived place, `via_public` when an
/// anonymous caller may see the placement (the site branch of [`case_places_insert`], for
/// `sites` alone). A row the case already has keeps `via_public` if either path is public.
fn site_places_insert(sites: &str) -> String {
    let (live, public) = placement_rules();
    format!(
        "WITH RECURSIVE up (case_id, place_id, via_public) AS ( \
         SELECT cl.case_id, p.id, CASE WHEN {public} THEN 1 ELSE 0 END \
         FROM site_places sp JOIN locations l ON l.id = sp.site_id \
         JOIN case_locations cl ON cl.location_id = l.id JOIN locations p ON p.id = sp.place_id \
         WHERE {live} AND p.archived_at IS NULL AND sp.site_id IN ({sites}) \
         {rest}",
        rest = insert_from_up("via_public = (case_places.via_public OR excluded.via_public)"),
    )
}

/// The date the case order gives a case without activity (`case::epoch`): a text literal,
/// which PostgreSQL reads as a date next to a date column and SQLite stores as the text
/// it keeps dates in (a cast would make it a number on SQLite).
const EPOCH_SQL: &str = "'0001-01-01'";

/// On PostgreSQL, takes the change marker's row lock (`spatial_changes`) for the rest of
/// the transaction, before the caller touches placements or the rows derived from them.
/// Every write to `locations` or `case_locations` takes it anyway (its trigger bumps the
/// marker), but only at the end of its first such statement: a location write holds it
/// before [`refresh_case_places`] derives placements, while a case write would lock the
/// case's placements first and the marker after, and the two would wait on each other.
/// Taking the marker first, as every such write does through this, gives one order.
/// SQLite has one writer at a time.
pub(crate) async fn lock_spatial_changes<C: ConnectionTrait>(db: &C) -> StoreResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT counter FROM spatial_changes WHERE id = 1 FOR NO KEY UPDATE")
            .await?;
    }
    Ok(())
}

/// Derives the placements of the cases `scope` names again ([`derive_districts`]), then
/// rewrites their `case_places` and `case_points` rows, in the caller's transaction: call
/// it after every write that changes placements, a location's place in the hierarchy,
/// its point, archiving or visibility, or a site's place. The case columns the rows
/// mirror (visibility, archiving, last activity) follow the case by trigger.
pub(crate) async fn refresh_case_places<C: ConnectionTrait>(
    db: &C,
    scope: CasePlaces<'_>,
) -> StoreResult<()> {
    lock_spatial_changes(db).await?;
    let ids: Vec<i64> = match scope {
        CasePlaces::All => {
            derive_districts(db, None).await?;
            db.execute_unprepared("DELETE FROM case_places").await?;
            db.execute_unprepared(&case_places_insert("1 = 1")).await?;
            db.execute_unprepared("DELETE FROM case_points").await?;
            db.execute_unprepared(&case_points_insert("1 = 1")).await?;
            return Ok(());
        }
        CasePlaces::NewlyPlacedSites(sites) => {
            let mut placed = Vec::new();
            for chunk in sites.chunks(CASE_PLACES_CHUNK) {
                db.execute_unprepared(&site_places_insert(&id_list(chunk)))
                    .await?;
                let mut sql = Sql::new(db.get_database_backend());
                sql.push("SELECT DISTINCT case_id FROM case_locations WHERE location_id IN ")
                    .bind_list(chunk);
                for row in db.query_all_raw(sql.build()).await? {
                    placed.push(row.try_get::<i64>("", "case_id")?);
                }
            }
            placed.sort_unstable();
            placed.dedup();
            // A case that gains a district placement gains its point and its rows: those
            // few are rewritten whole.
            derive_districts(db, Some(&placed)).await?
        }
        CasePlaces::Cases(ids) => {
            derive_districts(db, Some(ids)).await?;
            ids.to_vec()
        }
        CasePlaces::Below(location_id) => {
            let Some(path) = location::Entity::find_by_id(location_id)
                .select_only()
                .column(location::Column::Path)
                .into_tuple::<String>()
                .one(db)
                .await?
            else {
                return Ok(());
            };
            let mut sql = Sql::new(db.get_database_backend());
            sql.push(
                "SELECT DISTINCT case_id FROM case_locations WHERE location_id IN \
                 (SELECT id FROM locations WHERE path LIKE ",
            )
            .bind(format!("{path}%"))
            .push(
                ") OR location_id IN (SELECT site_id FROM site_places WHERE place_id IN \
                 (SELECT id FROM locations WHERE path LIKE ",
            )
            .bind(format!("{path}%"))
            .push("))");
            let ids: Vec<i64> = db
                .query_all_raw(sql.build())
                .await?
                .iter()
                .map(|row| row.try_get::<i64>("", "case_id"))
                .collect::<Result<_, _>>()?;
            derive_districts(db, Some(&ids)).await?;
            ids
        }
    };
    for chunk in ids.chunks(CASE_PLACES_CHUNK) {
        let list = id_list(chunk);
        db.execute_unprepared(&format!(
            "DELETE FROM case_places WHERE case_id IN ({list})"
        ))
        .await?;
        db.execute_unprepared(&case_places_insert(&format!("cl.case_id IN ({list})")))
            .await?;
        db.execute_unprepared(&format!(
            "DELETE FROM case_points WHERE case_id IN ({list})"
        ))
        .await?;
        db.execute_unprepared(&case_points_insert(&format!("cl.case_id IN ({list})")))
            .await?;
    }
    Ok(())
}

impl Store {
    /// Derives every case's district placements again and rewrites every `case_places`
    /// and `case_points` row from the stored placements, places and site places, in one
    /// transaction (a repair after writes made outside the store; the store's own writes
    /// keep them current).
    pub async fn rebuild_case_places(&self) -> StoreResult<()> {
        self.write(async |txn| {
            refresh_case_places(txn, CasePlaces::All).await?;
            Ok(())
        })
        .await
    }
}
