//! The store's side of maps: the spatial index cache (built from the database, reloaded
//! when the change marker moves), spatial case filters, `locate`, and the places import.
//!
//! The index holds every unarchived place and every exact or district placement point,
//! restricted ones flagged; it answers with what the caller's [`Access`] may see, and case
//! visibility is then applied by the SQL condition the ids are merged into, so the store
//! still decides what a caller reads.

use super::audit::{self, Author, Entry};
use super::location as location_path;
use super::sql::Sql;
use super::stamp::{Stamped, Versioned};
use super::visibility::{
    case_points_visible, is_restricted, placement_visible_sql, public_first_sql, public_sql,
    visible_placements,
};
use super::{Access, CaseFilter, Store, StoreResult};
use chasqui_domain::spatial::{
    self, CasePoint, Located, LocationPoint, PlaceShape, Placement, SpatialFilter, SpatialIndex,
    round6,
};
use chasqui_domain::text::{better_spelling, fold_name};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

mod placements;
pub(crate) use placements::{CasePlaces, lock_spatial_changes, refresh_case_places};

/// The index and the change-marker value it was built at; shared by clones of a store.
#[derive(Default)]
pub struct SpatialCache {
    current: RwLock<Option<(i64, Arc<SpatialIndex>)>>,
    reload: Mutex<()>,
}

impl std::fmt::Debug for SpatialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpatialCache")
    }
}

/// One feature of a boundaries file, mapped to a place.
#[derive(Clone, Debug)]
pub struct PlaceRecord {
    /// The feature's position in the file (0-based), for the report.
    pub index: usize,
    pub code: String,
    pub name: String,
    pub level: LocationLevel,
    /// The parent's code; `None` places it at the top.
    pub parent_code: Option<String>,
    /// The feature's geometry as GeoJSON text, when it has one.
    pub geometry: Option<String>,
}

/// What a places import did, feature by feature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacesReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// (feature index, code): imported without a shape.
    pub without_geometry: Vec<(usize, String)>,
    /// (feature index, code, parent code): not imported.
    pub unknown_parent: Vec<(usize, String, String)>,
    /// (feature index, code): a code seen earlier in the file; not imported.
    pub duplicate_code: Vec<(usize, String)>,
    /// (feature index, code, problem): a geometry that cannot be read; not imported.
    pub bad_geometry: Vec<(usize, String, String)>,
}

/// A `case_points` row's latitude band: tenths of a degree from the south pole. The
/// engines round the cast differently (SQLite truncates, PostgreSQL rounds), so a box
/// reads one band more on each side than its edges fall in.
const BAND_SQL: &str = "CAST((l.latitude + 90) * 10 AS INTEGER)";

/// Bands a box reads as a list of single bands; a taller box reads one range of bands.
const BOX_BAND_LIST: i64 = 64;

/// A box filter (`within`) answered from `case_points`: the cases with a point the caller
/// may see inside the box (edges included), the points the spatial index holds.
#[derive(Clone, Copy, Debug)]
pub struct PointBox(geo::Rect<f64>);

impl PointBox {
    pub fn new(rect: geo::Rect<f64>) -> Self {
        Self(rect)
    }

    /// The condition on `case_points` rows: in the box, and usable by the caller (the
    /// case unarchived and, unless the caller sees restricted records, the case and the
    /// point's location public). The box's edges are checked finite numbers
    /// (`spatial::bounding_box`), written into the text.
    pub(crate) fn rows(&self, access: Access) -> String {
        let (min, max) = (self.0.min(), self.0.max());
        let band = |latitude: f64| ((latitude + 90.0) * 10.0).floor() as i64;
        let first = Ord::max(band(min.y) - 1, 0);
        let last = Ord::min(band(max.y) + 1, 1800);
        let bands = if last - first < BOX_BAND_LIST {
            let list: Vec<i64> = (first..=last).collect();
            format!("case_points.band IN ({})", id_list(&list))
        } else {
            format!("case_points.band BETWEEN {first} AND {last}")
        };
        let visible = case_points_visible(access);
        format!(
            "{bands} AND case_points.longitude BETWEEN {} AND {} \
             AND case_points.latitude BETWEEN {} AND {} AND {visible}",
            min.x, max.x, min.y, max.y
        )
    }
}

/// Ids the spatial index answered with (cases near a point, locations in a polygon…), on
/// their way to SQL as one bound parameter: a JSON array read by `json_each` on SQLite,
/// `json_array_elements_text` on PostgreSQL. The statement's text is then the same for
/// every list, so it is prepared once and cached (a literal list of a box's 2,840 ids
/// made a new 20 kB statement for every box), and no engine limit on the number of
/// parameters applies.
#[derive(Clone, Debug)]
pub struct IndexIds {
    backend: DbBackend,
    ids: Vec<i64>,
}

impl IndexIds {
    pub(crate) fn new(backend: DbBackend, ids: Vec<i64>) -> Self {
        Self { backend, ids }
    }

    /// `column` is one of the ids.
    pub(crate) fn condition(&self, column: &str) -> Condition {
        // sea-query's custom placeholders follow the engine: `$1` on PostgreSQL, `?` on SQLite.
        let sql = match self.backend {
            DbBackend::Postgres => format!(
                "{column} IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($1 AS JSON)))"
            ),
            _ => format!("{column} IN (SELECT value FROM json_each(?))"),
        };
        let list = format!("[{}]", id_list_bare(&self.ids));
        Condition::all().add(Expr::cust_with_values(sql, [list]))
    }
}

/// `1,2,3` (empty for none).
fn id_list_bare(ids: &[i64]) -> String {
    let mut list = String::with_capacity(ids.len() * 7);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        list.push_str(&id.to_string());
    }
    list
}

/// `1,2,3` (`NULL` for none, which matches nothing): ids for an `IN (…)`.
pub(crate) fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "NULL".to_owned();
    }
    id_list_bare(ids)
}

impl Store {
    /// The change marker: bumped by triggers on every write to places or placements.
    async fn spatial_marker(&self) -> StoreResult<i64> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT counter FROM spatial_changes WHERE id = 1",
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<i64>("", "counter")?,
            None => 0,
        })
    }

    /// The spatial index, reloaded first when places or placements changed since it was
    /// built (by this instance or any other on the same database). One small query when
    /// nothing changed.
    pub async fn spatial_index(&self) -> StoreResult<Arc<SpatialIndex>> {
        let marker = self.spatial_marker().await?;
        if let Some((built_at, index)) = self.spatial.current.read().await.as_ref()
            && *built_at == marker
        {
            return Ok(index.clone());
        }
        let _one_loader = self.spatial.reload.lock().await;
        if let Some((built_at, index)) = self.spatial.current.read().await.as_ref()
            && *built_at >= marker
        {
            return Ok(index.clone());
        }
        // Read the marker again: a change written while we load is then seen next time.
        let marker = self.spatial_marker().await?;
        let index = Arc::new(self.load_spatial_index().await?);
        *self.spatial.current.write().await = Some((marker, index.clone()));
        Ok(index)
    }

    /// Reads every unarchived place and placement point and builds the R-trees.
    pub async fn load_spatial_index(&self) -> StoreResult<SpatialIndex> {
        load_index(&self.db).await
    }

    /// The places a point falls in, as far as the caller may see them.
    pub async fn locate(
        &self,
        access: Access,
        latitude: f64,
        longitude: f64,
    ) -> StoreResult<Located> {
        let index = self.spatial_index().await?;
        Ok(index.locate_point(geo::Point::new(longitude, latitude), access.see_restricted))
    }

    /// Fills the filter's spatial id set from the index: the cases that satisfy every
    /// spatial condition. Call it once a filter's spatial conditions are set. (A region
    /// needs no index: `case_places` holds every place a case lies in; nor does a box
    /// alone: `case_points` holds every point the index would find a case at.)
    pub async fn resolve_spatial(
        &self,
        access: Access,
        filter: &mut CaseFilter,
    ) -> StoreResult<()> {
        if filter.spatial.is_empty() {
            return Ok(());
        }
        // A box alone is answered by `case_points`, without the index.
        if let [SpatialFilter::Within(rect)] = filter.spatial.as_slice() {
            filter.spatial_box = Some(PointBox::new(*rect));
            return Ok(());
        }
        let index = self.spatial_index().await?;
        if let Some(locations) = locations_matching(&index, &filter.spatial, access).await? {
            let mut ids: Vec<i64> = locations
                .into_iter()
                .flat_map(|l| index.cases_at(l, access.see_restricted))
                .collect::<HashSet<i64>>()
                .into_iter()
                .collect();
            ids.sort_unstable();
            filter.spatial_case_ids = Some(IndexIds::new(self.db.get_database_backend(), ids));
        }
        Ok(())
    }

    /// [`Store::resolve_spatial`] for events: the locations that satisfy every spatial
    /// condition, and the places at or below the region filter's places.
    pub async fn resolve_event_spatial(
        &self,
        access: Access,
        filter: &mut super::EventFilter,
    ) -> StoreResult<()> {
        if filter.spatial.is_empty() && filter.region_paths.is_empty() {
            return Ok(());
        }
        let index = self.spatial_index().await?;
        if let Some(locations) = locations_matching(&index, &filter.spatial, access).await? {
            let mut ids: Vec<i64> = locations.into_iter().collect();
            ids.sort_unstable();
            filter.spatial_location_ids = Some(IndexIds::new(self.db.get_database_backend(), ids));
        }
        filter.region_places = region_places(&index, &filter.region_paths);
        Ok(())
    }

    /// Records, for each given location that is a site with coordinates, the most precise
    /// place whose shape holds its point (`site_places`); a site without coordinates, or
    /// outside every shape, has none. In the caller's transaction, from `index`. Returns
    /// the sites that got a place.
    pub(crate) async fn place_sites<C: ConnectionTrait>(
        db: &C,
        index: &SpatialIndex,
        ids: &[i64],
    ) -> StoreResult<Vec<i64>> {
        let mut placed = Vec::new();
        for chunk in ids.chunks(SITE_CHUNK) {
            let rows: Vec<(i64, LocationLevel, Option<f64>, Option<f64>)> =
                location::Entity::find()
                    .select_only()
                    .column(location::Column::Id)
                    .column(location::Column::Level)
                    .column(location::Column::Latitude)
                    .column(location::Column::Longitude)
                    .filter(location::Column::Id.is_in(chunk.to_vec()))
                    .into_tuple()
                    .all(db)
                    .await?;
            let mut sql = Sql::new(db.get_database_backend());
            sql.push("DELETE FROM site_places WHERE site_id IN ")
                .bind_list(chunk);
            db.execute_raw(sql.build()).await?;
            let pairs: Vec<(i64, i64)> = rows
                .into_iter()
                .filter(|(_, level, _, _)| *level == LocationLevel::Site)
                .filter_map(|(id, _, lat, lon)| {
                    let place = index
                        .locate_point(geo::Point::new(lon?, lat?), true)
                        .deepest()?;
                    Some((id, place))
                })
                .collect();
            placed.extend(pairs.iter().map(|(site, _)| *site));
            insert_site_places(db, &pairs).await?;
        }
        Ok(placed)
    }

    /// The sites with coordinates, all of them (`all`) or only those without a place.
    async fn sites_to_place<C: ConnectionTrait>(db: &C, all: bool) -> StoreResult<Vec<i64>> {
        let mut query = location::Entity::find()
            .select_only()
            .column(location::Column::Id)
            .filter(location::Column::Level.eq(LocationLevel::Site))
            .filter(location::Column::Latitude.is_not_null())
            .filter(location::Column::Longitude.is_not_null());
        if !all {
            query = query.filter(Expr::cust(
                r#"NOT EXISTS (SELECT 1 FROM site_places WHERE site_places.site_id = "locations"."id")"#,
            ));
        }
        Ok(query.into_tuple().all(db).await?)
    }

    /// Places every site with coordinates (`all`) or only those without a place yet;
    /// returns the sites that got a place.
    pub(crate) async fn place_all_sites<C: ConnectionTrait>(
        db: &C,
        index: &SpatialIndex,
        all: bool,
    ) -> StoreResult<Vec<i64>> {
        let ids = Self::sites_to_place(db, all).await?;
        Self::place_sites(db, index, &ids).await
    }

    /// Gives every site with coordinates and no recorded place its place, in one
    /// transaction (for sites loaded in bulk, or written before boundaries existed).
    pub async fn place_unplaced_sites(&self) -> StoreResult<usize> {
        let index = self.spatial_index().await?;
        self.write(async |txn| {
            let placed = Self::place_all_sites(txn, &index, false).await?;
            // The sites had no place: their cases gain rows, and lose none.
            refresh_case_places(txn, CasePlaces::NewlyPlacedSites(&placed)).await?;
            Ok(placed.len())
        })
        .await
    }

    /// Loads boundaries in one transaction: each record is upserted by code (so a place
    /// created earlier, by the demo or another importer, gets its shape instead of a
    /// twin), placed below its parent's code, given a representative point when it has
    /// none, and audited. What cannot be imported is reported with the feature's index.
    /// Imports the places of a boundaries file in one transaction, upserting by code: a
    /// place gets the file's shape, level and parent. A place that exists keeps its name
    /// ([`imported_name`]) unless `rename` takes the file's.
    pub async fn import_places(
        &self,
        author: &Author,
        root: Option<(String, String)>,
        records: Vec<PlaceRecord>,
        rename: bool,
    ) -> StoreResult<PlacesReport> {
        self.write(async |txn| {
            let mut report = PlacesReport::default();
            let mut by_code: HashMap<String, location::Model> = location::Entity::find()
                .filter(location::Column::Code.is_not_null())
                .all(txn)
                .await?
                .into_iter()
                .filter_map(|m| Some((m.code.clone()?, m)))
                .collect();
            let mut seen: HashSet<String> = HashSet::new();
            if let Some((code, name)) = root
                && !by_code.contains_key(&code)
            {
                let model = insert_place(
                    txn,
                    author,
                    NewPlace {
                        code: code.clone(),
                        name,
                        level: LocationLevel::Country,
                        parent: None,
                        geometry: None,
                        point: None,
                    },
                )
                .await?;
                report.created += 1;
                by_code.insert(code, model);
            }
            for record in records {
                if !seen.insert(record.code.clone()) {
                    report.duplicate_code.push((record.index, record.code));
                    continue;
                }
                let shape = match record.geometry.as_deref() {
                    Some(text) => match spatial::area_from_geojson_text(text) {
                        Ok(shape) => shape,
                        Err(problem) => {
                            report
                                .bad_geometry
                                .push((record.index, record.code, problem));
                            continue;
                        }
                    },
                    None => None,
                };
                if record.geometry.is_none() {
                    report
                        .without_geometry
                        .push((record.index, record.code.clone()));
                }
                let parent = match &record.parent_code {
                    Some(code) => match by_code.get(code) {
                        Some(parent) => Some((parent.id, parent.path.clone())),
                        None => {
                            report
                                .unknown_parent
                                .push((record.index, record.code, code.clone()));
                            continue;
                        }
                    },
                    None => None,
                };
                let point = shape.as_ref().and_then(spatial::representative_point);
                let model = match by_code.get(&record.code) {
                    None => {
                        let model = insert_place(
                            txn,
                            author,
                            NewPlace {
                                code: record.code.clone(),
                                name: record.name,
                                level: record.level,
                                parent,
                                geometry: record.geometry,
                                point,
                            },
                        )
                        .await?;
                        report.created += 1;
                        model
                    }
                    Some(current) => {
                        let current = current.clone();
                        let parent_id = parent.as_ref().map(|p| p.0);
                        let keep_point = current.latitude.is_some() && current.longitude.is_some();
                        let (latitude, longitude) = if keep_point {
                            (current.latitude, current.longitude)
                        } else {
                            (point.map(|p| round6(p.y())), point.map(|p| round6(p.x())))
                        };
                        let name = imported_name(&current.name, &record.name, rename);
                        let unchanged = current.name == name
                            && current.level == record.level
                            && current.parent_id == parent_id
                            && current.geometry == record.geometry
                            && current.latitude == latitude
                            && current.longitude == longitude;
                        if unchanged {
                            report.unchanged += 1;
                            continue;
                        }
                        let mut active: location::ActiveModel = current.clone().into();
                        active.name = Set(name);
                        active.level = Set(record.level);
                        active.geometry = Set(record.geometry);
                        active.latitude = Set(latitude);
                        active.longitude = Set(longitude);
                        let moved = current.parent_id != parent_id;
                        let parent_path = parent.as_ref().map(|p| p.1.as_str());
                        let new_path = location_path::child_path(parent_path, current.id);
                        if moved {
                            if parent_path
                                .is_some_and(|p| location_path::below_itself(p, &current.path))
                            {
                                report.unknown_parent.push((
                                    record.index,
                                    record.code,
                                    record.parent_code.unwrap_or_default(),
                                ));
                                continue;
                            }
                            active.parent_id = Set(parent_id);
                            active.path = Set(new_path.clone());
                        }
                        active.next_version(current.version);
                        let model = active.update(txn).await?;
                        if moved {
                            let descendants = location_path::move_descendants(
                                txn,
                                current.id,
                                &current.path,
                                &new_path,
                            )
                            .await?;
                            for child in descendants {
                                if let Some(code) = child.code.clone() {
                                    by_code.insert(code, child);
                                }
                            }
                        }
                        audit::record(
                            txn,
                            author,
                            Entry {
                                action: "importPlaces",
                                entity: "location",
                                id: model.id,
                                case_id: None,
                                before: Some(audit::snapshot(&current)?),
                                after: Some(audit::snapshot(&model)?),
                            },
                        )
                        .await?;
                        report.updated += 1;
                        model
                    }
                };
                by_code.insert(record.code, model);
            }
            // New or changed shapes move sites between places: place every site again;
            // otherwise only the sites that have no place yet.
            let reshaped = report.created + report.updated > 0;
            let sites = Self::sites_to_place(txn, reshaped).await?;
            let placed = match sites.is_empty() {
                true => Vec::new(),
                false => Self::place_sites(txn, &load_index(txn).await?, &sites).await?,
            };
            // Places created or reshaped: every case's places; otherwise only sites that
            // had no place were placed, which adds rows to their cases.
            if reshaped {
                refresh_case_places(txn, CasePlaces::All).await?;
            } else {
                refresh_case_places(txn, CasePlaces::NewlyPlacedSites(&placed)).await?;
            }
            Ok(report)
        })
        .await
    }
}

/// The name a places import leaves on a place called `current` that a boundaries file
/// calls `incoming`. A file gives shapes, not better names: the same name spelled
/// better (`text::better_spelling`: "Challhuahuacho" over "CHALLHUAHUACHO") is taken, the
/// same name spelled worse never is, and another name only when the import is asked to
/// `rename`.
pub(crate) fn imported_name(current: &str, incoming: &str, rename: bool) -> String {
    let same_name = fold_name(current) == fold_name(incoming);
    let take = if same_name {
        better_spelling(incoming, current)
    } else {
        rename
    };
    if take { incoming } else { current }.to_owned()
}

/// Cases for a map: the first `limit` matching cases (by id) with the point each is
/// drawn at, and how many match in all.
#[derive(Debug)]
pub struct LocatedCases {
    pub rows: Vec<(case::Model, Option<CasePoint>)>,
    pub total: u64,
}

impl Store {
    pub async fn located_cases(
        &self,
        access: Access,
        filter: &CaseFilter,
        limit: u64,
    ) -> StoreResult<LocatedCases> {
        let index = self.spatial_index().await?;
        let cases = case::Entity::find()
            .filter(filter.condition(access))
            .order_by_asc(case::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let total = if (cases.len() as u64) < limit {
            cases.len() as u64
        } else {
            self.count_cases(access, filter).await?
        };
        let rows = cases
            .into_iter()
            .map(|c| {
                let point = index.case_point(c.id, access.see_restricted);
                (c, point)
            })
            .collect();
        Ok(LocatedCases { rows, total })
    }
}

/// A place to insert, its parent given as (id, path).
struct NewPlace {
    code: String,
    name: String,
    level: LocationLevel,
    parent: Option<(i64, String)>,
    geometry: Option<String>,
    point: Option<geo::Point<f64>>,
}

async fn insert_place(
    txn: &DatabaseTransaction,
    author: &Author,
    new: NewPlace,
) -> StoreResult<location::Model> {
    let now = super::now();
    let inserted = location::ActiveModel {
        id: NotSet,
        code: Set(Some(new.code)),
        name: Set(new.name),
        level: Set(new.level),
        parent_id: Set(new.parent.as_ref().map(|p| p.0)),
        path: Set(String::new()),
        latitude: Set(new.point.map(|p| round6(p.y()))),
        longitude: Set(new.point.map(|p| round6(p.x()))),
        geometry: Set(new.geometry),
        visibility: Set(Visibility::Public),
        archived_at: Set(None),
        ..Default::default()
    }
    .created(now)
    .insert(txn)
    .await?;
    let parent_path = new.parent.as_ref().map(|p| p.1.as_str());
    let model = location_path::set_new_path(txn, inserted, parent_path).await?;
    audit::record(
        txn,
        author,
        Entry {
            action: "importPlaces",
            entity: "location",
            id: model.id,
            case_id: None,
            before: None,
            after: Some(audit::snapshot(&model)?),
        },
    )
    .await?;
    Ok(model)
}

/// A spatial condition from caller input, checked.
pub fn near_filter(latitude: f64, longitude: f64, km: f64) -> Result<SpatialFilter, String> {
    if !(-90.0..=90.0).contains(&latitude) {
        return Err("latitude must be between −90 and 90".to_owned());
    }
    if !(-180.0..=180.0).contains(&longitude) {
        return Err("longitude must be between −180 and 180".to_owned());
    }
    if !(km.is_finite() && km > 0.0 && km <= 20_000.0) {
        return Err("km must be greater than 0 and at most 20000".to_owned());
    }
    Ok(SpatialFilter::Near {
        center: geo::Point::new(longitude, latitude),
        km,
    })
}

/// Sites per statement when placing them (two bound values a row, well under SQLite's
/// limit of 32,766).
const SITE_CHUNK: usize = 1000;

async fn insert_site_places<C: ConnectionTrait>(db: &C, pairs: &[(i64, i64)]) -> StoreResult<()> {
    for chunk in pairs.chunks(SITE_CHUNK) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("INSERT INTO site_places (site_id, place_id) VALUES ");
        for (i, (site, place)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(").bind(*site).push(", ").bind(*place).push(")");
        }
        db.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// The locations that satisfy every spatial condition (`None` when there is none); an
/// area too intricate for the index's points is refused on `filter.inArea`. Area tests are
/// bounded (`spatial::MAX_AREA_WORK`) but CPU work: they run on a blocking thread.
async fn locations_matching(
    index: &Arc<SpatialIndex>,
    conditions: &[SpatialFilter],
    access: Access,
) -> StoreResult<Option<HashSet<i64>>> {
    if !conditions
        .iter()
        .any(|c| matches!(c, SpatialFilter::InArea(_)))
    {
        return matching_locations(index, conditions, access);
    }
    let (index, conditions) = (index.clone(), conditions.to_vec());
    tokio::task::spawn_blocking(move || matching_locations(&index, &conditions, access))
        .await
        .map_err(|err| {
            super::StoreError::Database(DbErr::Custom(format!("an area test failed: {err}")))
        })?
}

fn matching_locations(
    index: &SpatialIndex,
    conditions: &[SpatialFilter],
    access: Access,
) -> StoreResult<Option<HashSet<i64>>> {
    let mut matching: Option<HashSet<i64>> = None;
    for condition in conditions {
        let found = index
            .locations_matching(condition, access.see_restricted)
            .map_err(|m| super::StoreError::invalid("filter.inArea", m))?;
        matching = Some(match matching {
            None => found,
            Some(before) => before.intersection(&found).copied().collect(),
        });
    }
    Ok(matching)
}

/// The places at or below each region (by the last id of its materialised path), sorted;
/// `None` when there is no region condition.
fn region_places(index: &SpatialIndex, paths: &[String]) -> Option<Vec<i64>> {
    if paths.is_empty() {
        return None;
    }
    let mut ids: Vec<i64> = Vec::new();
    for path in paths {
        let place_id = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .and_then(|id| id.parse::<i64>().ok());
        if let Some(place_id) = place_id {
            ids.extend(index.descendants(place_id));
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// Reads every unarchived location and every exact or district placement, and builds
/// the index: areas (a shape, or a level above SITE) with their parsed shapes, the
/// hierarchy, and a point per location with coordinates.
pub(crate) async fn load_index<C: ConnectionTrait>(db: &C) -> StoreResult<SpatialIndex> {
    type PlaceRow = (
        i64,
        Option<String>,
        String,
        LocationLevel,
        Option<i64>,
        Visibility,
        Option<String>,
        Option<f64>,
        Option<f64>,
    );
    let rows: Vec<PlaceRow> = location::Entity::find()
        .select_only()
        .column(location::Column::Id)
        .column(location::Column::Code)
        .column(location::Column::Name)
        .column(location::Column::Level)
        .column(location::Column::ParentId)
        .column(location::Column::Visibility)
        .column(location::Column::Geometry)
        .column(location::Column::Latitude)
        .column(location::Column::Longitude)
        .filter(location::Column::ArchivedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut places = Vec::new();
    let mut hierarchy = Vec::new();
    let mut points = Vec::new();
    for (id, code, name, level, parent_id, visibility, geometry, lat, lon) in rows {
        let restricted = is_restricted(visibility);
        if let (Some(lat), Some(lon)) = (lat, lon) {
            points.push(LocationPoint {
                location_id: id,
                restricted,
                point: geo::Point::new(lon, lat),
            });
        }
        if let Some(parent) = parent_id {
            hierarchy.push((id, parent));
        }
        if level == LocationLevel::Site && geometry.is_none() {
            continue;
        }
        let shape = match geometry.as_deref() {
            Some(text) => match spatial::area_from_geojson_text(text) {
                Ok(shape) => shape,
                Err(problem) => {
                    tracing::warn!(location = id, %problem, "a stored geometry cannot be read; the place has no shape in the index");
                    None
                }
            },
            None => None,
        };
        places.push(PlaceShape {
            id,
            code,
            name,
            level,
            parent_id,
            restricted,
            shape,
        });
    }
    // The placements anyone may use, each flagged when only callers who may see
    // restricted records may (`visibility::visible_placements`).
    let placements: Vec<(i64, i64, PlacementPrecision, i32)> = case_location::Entity::find()
        .select_only()
        .column(case_location::Column::CaseId)
        .column(case_location::Column::LocationId)
        .column(case_location::Column::Precision)
        .column_as(
            Into::<Expr>::into(
                Expr::case(visible_placements(Access::PUBLIC), Expr::cust("1"))
                    .finally(Expr::cust("0")),
            ),
            "public",
        )
        .filter(
            case_location::Column::Precision
                .is_in([PlacementPrecision::Exact, PlacementPrecision::District]),
        )
        .filter(visible_placements(Access::FULL))
        .into_tuple()
        .all(db)
        .await?;
    let placements = placements
        .into_iter()
        .map(|(case_id, location_id, precision, public)| Placement {
            case_id,
            location_id,
            precision,
            restricted: public == 0,
        })
        .collect();
    Ok(SpatialIndex::build(places, hierarchy, points, placements))
}

impl Store {
    /// For each given site, the place recorded for it in `site_places` (the most precise
    /// place whose shape holds its point), when the caller may see that place.
    pub async fn places_of_sites(
        &self,
        access: Access,
        site_ids: &[i64],
    ) -> StoreResult<HashMap<i64, location::Model>> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("SELECT site_id, place_id FROM site_places WHERE site_id IN ")
            .bind_list(site_ids);
        let pairs: Vec<(i64, i64)> = self
            .db
            .query_all_raw(sql.build())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("", "site_id")?, row.try_get("", "place_id")?)))
            .collect::<Result<_, DbErr>>()?;
        let place_ids: Vec<i64> = pairs.iter().map(|(_, place)| *place).collect();
        let places = self.locations_by_ids(access, &place_ids).await?;
        Ok(pairs
            .into_iter()
            .filter_map(|(site, place)| places.get(&place).map(|p| (site, p.clone())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::imported_name;

    #[test]
    fn an_import_keeps_a_better_name_and_renames_only_when_asked() {
        // The same name: the better spelling stays, whatever `rename` says.
        for rename in [false, true] {
            assert_eq!(imported_name("Apurímac", "APURIMAC", rename), "Apurímac");
            assert_eq!(
                imported_name("CHALLHUAHUACHO", "Challhuahuacho", rename),
                "Challhuahuacho"
            );
            assert_eq!(imported_name("Cusco", "Cusco", rename), "Cusco");
        }
        // Another name: kept, unless asked.
        assert_eq!(imported_name("Cuzco", "CUSCO", false), "Cuzco");
        assert_eq!(imported_name("Cuzco", "CUSCO", true), "CUSCO");
    }
}
