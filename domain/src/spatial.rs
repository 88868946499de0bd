//! The spatial index: place shapes and case points in R-trees, and the geometry rules
//! around them (reading GeoJSON areas, validating a query polygon, representative points,
//! geodesic distance). It knows nothing of the database or of GraphQL: the store builds it
//! from rows (`store/spatial.rs`) and asks it which cases or places match.

use chasqui_entities::{LocationLevel, PlacementPrecision};
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::LineIntersection;
use geo::sweep::{Cross, Intersections, LineOrPoint};
use geo::{
    BoundingRect, Contains, Coord, Distance, Geodesic, InteriorPoint, Intersects, Line, LineString,
    MultiPolygon, Point, Polygon, Rect,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The most positions a query area may have (a department's boundary has up to 2,400).
pub const MAX_AREA_VERTICES: usize = 10_000;
/// The most rings (outer boundaries and holes) a query area may have.
pub const MAX_AREA_RINGS: usize = 100;
/// The most edge tests one area check may make over the index's points: past it, the area
/// is refused as too intricate for the places it covers. A department-sized area over a
/// hundred thousand points takes well under a tenth of it.
pub const MAX_AREA_WORK: u64 = 5_000_000;

/// Mean kilometres per degree of latitude; used only to size a search box, never for a
/// distance that is answered.
const KM_PER_DEGREE: f64 = 111.32;

/// A place as the index sees it: where it sits in the hierarchy, and its shape if any.
#[derive(Clone, Debug)]
pub struct PlaceShape {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub level: LocationLevel,
    pub parent_id: Option<i64>,
    /// Only callers who may see restricted records find it.
    pub restricted: bool,
    pub shape: Option<MultiPolygon<f64>>,
}

/// A location with coordinates: an exact site, or a place's (representative) point.
#[derive(Clone, Debug)]
pub struct LocationPoint {
    pub location_id: i64,
    /// The location is restricted.
    pub restricted: bool,
    pub point: Point<f64>,
}

/// A case placed on a location, at a precision whose point the index uses (an exact site
/// or a district).
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub case_id: i64,
    pub location_id: i64,
    pub precision: PlacementPrecision,
    /// Only callers who may see restricted records may go through it: its location is
    /// restricted, or it was derived from a restricted site (`placement_visible_sql` in the
    /// store's `visibility` module).
    pub restricted: bool,
}

/// A point a case is placed at: an exact site, or a district's representative point.
#[derive(Clone, Debug)]
pub struct CasePoint {
    pub case_id: i64,
    pub location_id: i64,
    pub precision: PlacementPrecision,
    /// The place the point comes from is restricted, or the placement was derived from a
    /// restricted site.
    pub restricted: bool,
    pub point: Point<f64>,
}

/// The places a point falls in, from the most precise shape that contains it up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Located {
    pub district: Option<i64>,
    pub province: Option<i64>,
    pub region: Option<i64>,
    pub country: Option<i64>,
}

impl Located {
    /// The most precise place found.
    pub fn deepest(&self) -> Option<i64> {
        self.district
            .or(self.province)
            .or(self.region)
            .or(self.country)
    }
}

/// A spatial condition on cases or events.
#[derive(Clone, Debug)]
pub enum SpatialFilter {
    /// Inside a longitude/latitude box (edges included).
    Within(Rect<f64>),
    /// Inside an area (edges included).
    InArea(Arc<Area>),
    /// Within `km` kilometres (geodesic, WGS84) of a point.
    Near { center: Point<f64>, km: f64 },
}

/// One polygon of a place's shape: (place index, polygon index). Each polygon of a
/// multi-part shape has its own box, so an island's box does not cover the mainland.
type PlaceEntry = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;
type PointEntry = GeomWithData<[f64; 2], usize>;

/// Place shapes and location points, each in an R-tree of bounding boxes, the place
/// hierarchy, and the placements of cases on located places.
pub struct SpatialIndex {
    /// Every place that is an area: a shape, or a level above SITE.
    places: Vec<PlaceShape>,
    place_by_id: HashMap<i64, usize>,
    place_tree: RTree<PlaceEntry>,
    /// Every location with a parent, by parent id (sites included).
    children: HashMap<i64, Vec<i64>>,
    points: Vec<LocationPoint>,
    point_by_location: HashMap<i64, usize>,
    point_tree: RTree<PointEntry>,
    /// (case, restricted placement) by location.
    cases_by_location: HashMap<i64, Vec<(i64, bool)>>,
    /// (location, precision, restricted placement) by case.
    placements_by_case: HashMap<i64, Vec<(i64, PlacementPrecision, bool)>>,
}

impl std::fmt::Debug for SpatialIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpatialIndex")
            .field("places", &self.places.len())
            .field("points", &self.points.len())
            .finish()
    }
}

fn level_rank(level: LocationLevel) -> u8 {
    match level {
        LocationLevel::Site => 5,
        LocationLevel::District => 4,
        LocationLevel::Province => 3,
        LocationLevel::Region => 2,
        LocationLevel::Country => 1,
    }
}

fn aabb(rect: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}

impl SpatialIndex {
    /// Builds both trees (bulk-loaded, which is much faster than inserting one by one).
    /// `hierarchy` holds (location id, parent id) for every location with a parent.
    pub fn build(
        places: Vec<PlaceShape>,
        hierarchy: Vec<(i64, i64)>,
        points: Vec<LocationPoint>,
        placements: Vec<Placement>,
    ) -> Self {
        let place_by_id = places.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut place_entries = Vec::new();
        for (i, place) in places.iter().enumerate() {
            let Some(shape) = &place.shape else { continue };
            for (k, polygon) in shape.0.iter().enumerate() {
                if let Some(rect) = polygon.bounding_rect() {
                    let (min, max) = (rect.min(), rect.max());
                    place_entries.push(GeomWithData::new(
                        Rectangle::from_corners([min.x, min.y], [max.x, max.y]),
                        (i, k),
                    ));
                }
            }
        }
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for (id, parent) in hierarchy {
            children.entry(parent).or_default().push(id);
        }
        let point_by_location = points
            .iter()
            .enumerate()
            .map(|(i, p)| (p.location_id, i))
            .collect();
        let point_entries = points
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new([p.point.x(), p.point.y()], i))
            .collect();
        let mut cases_by_location: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
        let mut placements_by_case: HashMap<i64, Vec<(i64, PlacementPrecision, bool)>> =
            HashMap::new();
        for p in placements {
            cases_by_location
                .entry(p.location_id)
                .or_default()
                .push((p.case_id, p.restricted));
            placements_by_case.entry(p.case_id).or_default().push((
                p.location_id,
                p.precision,
                p.restricted,
            ));
        }
        Self {
            places,
            place_by_id,
            place_tree: RTree::bulk_load(place_entries),
            children,
            points,
            point_by_location,
            point_tree: RTree::bulk_load(point_entries),
            cases_by_location,
            placements_by_case,
        }
    }

    pub fn place_count(&self) -> usize {
        self.places.len()
    }

    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// A place by id, shape included.
    pub fn place(&self, id: i64) -> Option<&PlaceShape> {
        self.place_by_id.get(&id).map(|i| &self.places[*i])
    }

    /// Every place with a shape at this level, for maps.
    pub fn shapes_at(&self, level: LocationLevel, see_restricted: bool) -> Vec<&PlaceShape> {
        self.places
            .iter()
            .filter(|p| p.level == level && p.shape.is_some() && (see_restricted || !p.restricted))
            .collect()
    }

    /// A location and every location below it, by parent (sites included).
    pub fn descendants(&self, id: i64) -> Vec<i64> {
        let mut found = vec![id];
        let mut next = 0;
        while next < found.len() {
            if let Some(children) = self.children.get(&found[next]) {
                found.extend(children.iter().copied());
            }
            next += 1;
            if found.len() > 10_000_000 {
                break;
            }
        }
        found
    }

    /// The district, province, region and country a point falls in: the most precise
    /// shape that contains it (edges included), then that place's ancestors.
    pub fn locate_point(&self, point: Point<f64>, see_restricted: bool) -> Located {
        // Candidates by box, most precise first (ties to the lowest id): the first one
        // whose polygon holds the point is the answer, so the coarser shapes around it
        // are never tested.
        let mut candidates: Vec<(u8, i64, usize, usize)> = self
            .place_tree
            .locate_all_at_point(&[point.x(), point.y()])
            .filter_map(|entry| {
                let (i, k) = entry.data;
                let place = &self.places[i];
                (see_restricted || !place.restricted).then_some((
                    level_rank(place.level),
                    place.id,
                    i,
                    k,
                ))
            })
            .collect();
        candidates.sort_unstable_by_key(|(rank, id, _, k)| (std::cmp::Reverse(*rank), *id, *k));
        let best = candidates.into_iter().find_map(|(_, _, i, k)| {
            let place = &self.places[i];
            let polygon = place.shape.as_ref()?.0.get(k)?;
            polygon.intersects(&point).then_some(place)
        });
        let mut located = Located::default();
        let mut current = best;
        let mut steps = 0;
        while let Some(place) = current {
            if place.restricted && !see_restricted {
                break;
            }
            let slot = match place.level {
                LocationLevel::District => &mut located.district,
                LocationLevel::Province => &mut located.province,
                LocationLevel::Region => &mut located.region,
                LocationLevel::Country => &mut located.country,
                LocationLevel::Site => &mut None,
            };
            slot.get_or_insert(place.id);
            current = place.parent_id.and_then(|p| self.place(p));
            steps += 1;
            if steps > 16 {
                break;
            }
        }
        located
    }

    fn visible_point(&self, index: usize, see_restricted: bool) -> Option<&LocationPoint> {
        let point = &self.points[index];
        (see_restricted || !point.restricted).then_some(point)
    }

    /// The locations (with a point the caller may see) that satisfy the filter; an area
    /// whose test would pass [`MAX_AREA_WORK`] is refused (the message says why).
    pub fn locations_matching(
        &self,
        filter: &SpatialFilter,
        see_restricted: bool,
    ) -> Result<HashSet<i64>, String> {
        let mut found = HashSet::new();
        match filter {
            SpatialFilter::Within(rect) => {
                for entry in self.point_tree.locate_in_envelope(&aabb(*rect)) {
                    if let Some(p) = self.visible_point(entry.data, see_restricted) {
                        found.insert(p.location_id);
                    }
                }
            }
            SpatialFilter::InArea(area) => {
                let mut budget = MAX_AREA_WORK;
                for entry in self.point_tree.locate_in_envelope(&aabb(area.bounds)) {
                    if let Some(p) = self.visible_point(entry.data, see_restricted)
                        && area.holds(p.point.0, &mut budget)?
                    {
                        found.insert(p.location_id);
                    }
                }
            }
            SpatialFilter::Near { center, km } => {
                let envelope = search_box(*center, *km);
                let metres = km * 1000.0;
                for entry in self.point_tree.locate_in_envelope(&envelope) {
                    if let Some(p) = self.visible_point(entry.data, see_restricted)
                        && Geodesic.distance(*center, p.point) <= metres
                    {
                        found.insert(p.location_id);
                    }
                }
            }
        }
        Ok(found)
    }

    /// The cases placed (exact or district) on a location that satisfies the filter,
    /// through placements the caller may see.
    pub fn cases_matching(
        &self,
        filter: &SpatialFilter,
        see_restricted: bool,
    ) -> Result<HashSet<i64>, String> {
        let mut found = HashSet::new();
        for location in self.locations_matching(filter, see_restricted)? {
            found.extend(self.cases_at(location, see_restricted));
        }
        Ok(found)
    }

    /// The cases placed (exact or district) on a location, through placements the caller
    /// may see.
    pub fn cases_at(&self, location_id: i64, see_restricted: bool) -> impl Iterator<Item = i64> {
        self.cases_by_location
            .get(&location_id)
            .map_or(&[][..], |v| v.as_slice())
            .iter()
            .filter(move |(_, restricted)| see_restricted || !restricted)
            .map(|(case_id, _)| *case_id)
    }

    /// The point to draw a case at: its most precise visible placement (exact before
    /// district), ties to the lowest place id.
    pub fn case_point(&self, case_id: i64, see_restricted: bool) -> Option<CasePoint> {
        self.placements_by_case
            .get(&case_id)?
            .iter()
            .filter(|(_, _, restricted)| see_restricted || !restricted)
            .filter_map(|(location_id, precision, restricted)| {
                let i = *self.point_by_location.get(location_id)?;
                let p = self.visible_point(i, see_restricted)?;
                Some(CasePoint {
                    case_id,
                    location_id: *location_id,
                    precision: *precision,
                    restricted: p.restricted || *restricted,
                    point: p.point,
                })
            })
            .min_by_key(|p| (precision_rank(p.precision), p.location_id))
    }
}

fn precision_rank(precision: PlacementPrecision) -> u8 {
    match precision {
        PlacementPrecision::Exact => 0,
        PlacementPrecision::District => 1,
        PlacementPrecision::Province => 2,
        PlacementPrecision::Region => 3,
        PlacementPrecision::Country => 4,
    }
}

/// A longitude/latitude box that holds every point within `km` of `center` (generous:
/// the exact test follows).
fn search_box(center: Point<f64>, km: f64) -> AABB<[f64; 2]> {
    let dlat = km / KM_PER_DEGREE * 1.01 + 1e-9;
    let cos = center.y().to_radians().cos().abs().max(0.01);
    let dlon = (km / (KM_PER_DEGREE * cos) * 1.01 + 1e-9).min(360.0);
    AABB::from_corners(
        [center.x() - dlon, (center.y() - dlat).max(-90.0)],
        [center.x() + dlon, (center.y() + dlat).min(90.0)],
    )
}

/// Geodesic distance in kilometres (WGS84).
pub fn distance_km(a: Point<f64>, b: Point<f64>) -> f64 {
    Geodesic.distance(a, b) / 1000.0
}

/// A point inside the area (not merely its centroid, which may fall outside a concave
/// shape), for labels and for "where is this place" when no point was given.
pub fn representative_point(area: &MultiPolygon<f64>) -> Option<Point<f64>> {
    area.interior_point()
}

/// Reads a stored or imported GeoJSON geometry as an area. Points and lines have no area:
/// `Ok(None)`. Positions are read straight into coordinates (no intermediate JSON tree):
/// this runs for every shape when the index loads.
pub fn area_from_geojson_text(text: &str) -> Result<Option<MultiPolygon<f64>>, String> {
    let raw: RawGeometry<'_> = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let coordinates = || {
        raw.coordinates
            .map(|c| c.get())
            .ok_or_else(|| "has no `coordinates`".to_owned())
    };
    let polygon = |rings: Vec<Vec<Position>>| {
        let mut rings = rings
            .into_iter()
            .map(|ring| LineString(ring.into_iter().map(|p| p.0).collect()));
        let exterior = rings
            .next()
            .ok_or_else(|| "a polygon needs an exterior ring".to_owned())?;
        Ok::<_, String>(Polygon::new(exterior, rings.collect()))
    };
    let bad = |e: serde_json::Error| format!("bad coordinates: {e}");
    match raw.kind.as_str() {
        // A `null` geometry reads as `None` here, like a missing one: no shape.
        "Feature" => match raw.geometry {
            None => Ok(None),
            Some(geometry) => area_from_geojson_text(geometry.get()),
        },
        "Polygon" => {
            let rings: Vec<Vec<Position>> = serde_json::from_str(coordinates()?).map_err(bad)?;
            Ok(Some(MultiPolygon(vec![polygon(rings)?])))
        }
        "MultiPolygon" => {
            let parts: Vec<Vec<Vec<Position>>> =
                serde_json::from_str(coordinates()?).map_err(bad)?;
            let polygons = parts.into_iter().map(polygon).collect::<Result<_, _>>()?;
            Ok(Some(MultiPolygon(polygons)))
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "GeometryCollection" => {
            Ok(None)
        }
        other => Err(format!("must be a Polygon or MultiPolygon, not `{other}`")),
    }
}

/// A GeoJSON object with its coordinates (or a Feature's geometry) left unread.
#[derive(serde::Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow, default)]
    coordinates: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    geometry: Option<&'a serde_json::value::RawValue>,
}

/// `[longitude, latitude]`, further values (altitude) skipped.
struct Position(Coord<f64>);

impl<'de> serde::Deserialize<'de> for Position {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Position;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a position [longitude, latitude]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Position, A::Error> {
                use serde::de::Error;
                let x: f64 = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let y: f64 = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Position(Coord { x, y }))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// Reads a GeoJSON Polygon or MultiPolygon (or a Feature holding one). With `strict`, it
/// also refuses what RFC 7946 forbids and what a query cannot use: open rings, rings of
/// fewer than four positions, coordinates outside longitude −180..180 / latitude −90..90
/// (often swapped coordinates), rings that cross themselves or each other, holes outside
/// their polygon, and areas of more than [`MAX_AREA_VERTICES`] positions or
/// [`MAX_AREA_RINGS`] rings. The checks take time in proportion to n log n of the
/// positions (a plane sweep), never n².
pub fn area_from_geojson(
    value: &serde_json::Value,
    strict: bool,
) -> Result<Option<MultiPolygon<f64>>, String> {
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .ok_or("has no `type`")?;
    let coordinates = || value.get("coordinates").ok_or("has no `coordinates`");
    if strict && matches!(kind, "Polygon" | "MultiPolygon") {
        let (positions, rings) = count_positions(coordinates()?);
        if positions > MAX_AREA_VERTICES {
            return Err(format!(
                "has {positions} positions; an area may have at most {MAX_AREA_VERTICES}"
            ));
        }
        if rings > MAX_AREA_RINGS {
            return Err(format!(
                "has {rings} rings; an area may have at most {MAX_AREA_RINGS}"
            ));
        }
    }
    let area = match kind {
        "Feature" => {
            let geometry = value
                .get("geometry")
                .ok_or("the Feature has no `geometry`")?;
            if geometry.is_null() {
                return Ok(None);
            }
            return area_from_geojson(geometry, strict);
        }
        "Polygon" => MultiPolygon(vec![polygon(coordinates()?, strict, "")?]),
        "MultiPolygon" => {
            let parts = coordinates()?
                .as_array()
                .ok_or("`coordinates` must be an array of polygons")?;
            if parts.is_empty() && strict {
                return Err("a MultiPolygon needs at least one polygon".to_owned());
            }
            let mut polygons = Vec::with_capacity(parts.len());
            for (i, part) in parts.iter().enumerate() {
                polygons.push(polygon(part, strict, &format!("polygon {i}: "))?);
            }
            MultiPolygon(polygons)
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "GeometryCollection"
            if !strict =>
        {
            return Ok(None);
        }
        other => return Err(format!("must be a Polygon or MultiPolygon, not `{other}`")),
    };
    if strict {
        for (i, p) in area.0.iter().enumerate() {
            if let Err(problem) = check_simple(p) {
                let prefix = if area.0.len() > 1 {
                    format!("polygon {i}: ")
                } else {
                    String::new()
                };
                return Err(format!("{prefix}{problem}"));
            }
        }
    }
    Ok(Some(area))
}

/// The positions and rings of GeoJSON `coordinates` (arrays whose first item is a
/// number are positions; arrays of positions are rings), counted before anything is built.
fn count_positions(value: &serde_json::Value) -> (usize, usize) {
    let Some(items) = value.as_array() else {
        return (0, 0);
    };
    match items.first() {
        Some(serde_json::Value::Number(_)) => (1, 0),
        Some(serde_json::Value::Array(inner)) if inner.first().is_some_and(|v| v.is_number()) => {
            (items.len(), 1)
        }
        _ => items
            .iter()
            .map(count_positions)
            .fold((0, 0), |(p, r), (q, s)| {
                (p.saturating_add(q), r.saturating_add(s))
            }),
    }
}

/// One edge of a ring, for the plane sweep: which ring, and where in it.
#[derive(Clone, Debug)]
struct RingEdge {
    line: Line<f64>,
    ring: usize,
    index: usize,
    ring_edges: usize,
}

impl Cross for RingEdge {
    type Scalar = f64;

    fn line(&self) -> LineOrPoint<f64> {
        self.line.into()
    }
}

/// A polygon a query can use: no ring crosses or touches itself or another ring (edges
/// that follow each other meet only at their shared position), every hole lies inside
/// the outer ring and outside the other holes. One plane sweep finds any crossing.
fn check_simple(polygon: &Polygon<f64>) -> Result<(), String> {
    let rings: Vec<Vec<Coord<f64>>> = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(|ring| {
            let mut coords: Vec<Coord<f64>> = ring.0.clone();
            coords.dedup();
            coords
        })
        .collect();
    let name = |ring: usize| {
        if ring == 0 {
            "the exterior ring".to_owned()
        } else {
            format!("interior ring {}", ring - 1)
        }
    };
    let mut edges = Vec::new();
    for (r, coords) in rings.iter().enumerate() {
        if coords.len() < 4 {
            return Err(format!("{} has fewer than 3 distinct positions", name(r)));
        }
        let ring_edges = coords.len() - 1;
        for (index, pair) in coords.windows(2).enumerate() {
            edges.push(RingEdge {
                line: Line::new(pair[0], pair[1]),
                ring: r,
                index,
                ring_edges,
            });
        }
    }
    for (a, b, meeting) in Intersections::from_iter(edges) {
        let adjacent = a.ring == b.ring
            && (a.index.abs_diff(b.index) == 1 || a.index.abs_diff(b.index) == a.ring_edges - 1);
        let at_shared_position = matches!(
            meeting,
            LineIntersection::SinglePoint { intersection, .. }
                if intersection == a.line.start
                    || intersection == a.line.end
        );
        if adjacent && at_shared_position {
            continue;
        }
        return Err(if a.ring == b.ring {
            format!("{} has a self-intersection", name(a.ring))
        } else {
            format!("{} and {} intersect", name(a.ring), name(b.ring))
        });
    }
    // No ring meets another, so one position of a hole tells where the whole hole is.
    for (h, hole) in rings.iter().enumerate().skip(1) {
        let probe = hole[0];
        if !in_ring(&rings[0], probe) {
            return Err(format!("{} lies outside the exterior ring", name(h)));
        }
        for (o, other) in rings.iter().enumerate().skip(1) {
            if o != h && in_ring(other, probe) {
                return Err(format!("{} lies inside {}", name(h), name(o)));
            }
        }
    }
    Ok(())
}

/// Whether a position lies inside a closed ring (crossing parity; the position is not on
/// the ring, which [`check_simple`] has ruled out).
fn in_ring(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        if crosses_rightwards(pair[0], pair[1], p) {
            inside = !inside;
        }
    }
    inside
}

/// Whether the edge a→b crosses the horizontal ray from `p` to the east (half-open in y,
/// so a ray through a vertex counts once); exact, with robust orientation.
fn crosses_rightwards(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    if a.y <= p.y && p.y < b.y {
        RobustKernel::orient2d(a, b, p) == Orientation::CounterClockwise
    } else if b.y <= p.y && p.y < a.y {
        RobustKernel::orient2d(a, b, p) == Orientation::Clockwise
    } else {
        false
    }
}

/// An area prepared for point tests: its edges in an R-tree, so that testing a point
/// looks only at the edges level with it, to its east (an area of n positions costs
/// O(log n + k) per point, k the edges the ray from the point meets).
pub struct Area {
    pub shape: MultiPolygon<f64>,
    pub bounds: Rect<f64>,
    edges: RTree<rstar::primitives::Line<[f64; 2]>>,
}

impl std::fmt::Debug for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Area")
            .field("polygons", &self.shape.0.len())
            .field("edges", &self.edges.size())
            .finish()
    }
}

impl Area {
    /// Prepares a checked area; `None` for an empty one.
    pub fn new(shape: MultiPolygon<f64>) -> Option<Self> {
        let bounds = shape.bounding_rect()?;
        let mut edges = Vec::new();
        for polygon in &shape.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for line in ring.lines() {
                    let (a, b) = (line.start, line.end);
                    edges.push(rstar::primitives::Line::new([a.x, a.y], [b.x, b.y]));
                }
            }
        }
        Some(Self {
            shape,
            bounds,
            edges: RTree::bulk_load(edges),
        })
    }

    /// Whether the area holds `p`, edges included; each edge looked at costs one unit of
    /// `budget`, and an exhausted budget refuses the area.
    pub fn holds(&self, p: Coord<f64>, budget: &mut u64) -> Result<bool, String> {
        if !self.bounds.intersects(&p) {
            return Ok(false);
        }
        let ray = AABB::from_corners([p.x, p.y], [self.bounds.max().x, p.y]);
        let mut inside = false;
        for edge in self.edges.locate_in_envelope_intersecting(&ray) {
            *budget = budget.checked_sub(1).ok_or_else(|| {
                "is too intricate for the places it covers: give it fewer positions".to_owned()
            })?;
            let a = Coord {
                x: edge.from[0],
                y: edge.from[1],
            };
            let b = Coord {
                x: edge.to[0],
                y: edge.to[1],
            };
            if RobustKernel::orient2d(a, b, p) == Orientation::Collinear
                && Rect::new(a, b).intersects(&p)
            {
                return Ok(true);
            }
            if crosses_rightwards(a, b, p) {
                inside = !inside;
            }
        }
        Ok(inside)
    }
}

fn polygon(value: &serde_json::Value, strict: bool, prefix: &str) -> Result<Polygon<f64>, String> {
    let rings = value
        .as_array()
        .ok_or_else(|| format!("{prefix}a polygon must be an array of rings"))?;
    if rings.is_empty() {
        return Err(format!("{prefix}a polygon needs an exterior ring"));
    }
    let mut parsed = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let positions = ring
            .as_array()
            .ok_or_else(|| format!("{prefix}ring {r} must be an array of positions"))?;
        let mut coords = Vec::with_capacity(positions.len());
        for (k, position) in positions.iter().enumerate() {
            let pair = position.as_array().filter(|a| a.len() >= 2);
            let xy = pair.and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
            let Some((x, y)) = xy else {
                return Err(format!(
                    "{prefix}ring {r}, position {k}: must be [longitude, latitude]"
                ));
            };
            if strict && !((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
                return Err(format!(
                    "{prefix}ring {r}, position {k}: [{x}, {y}] is not [longitude, latitude] \
                     (longitude −180..180, latitude −90..90; are they swapped?)"
                ));
            }
            coords.push(Coord { x, y });
        }
        if strict {
            if coords.len() < 4 {
                return Err(format!(
                    "{prefix}ring {r} has {} positions; a ring needs at least 4, the last equal to the first",
                    coords.len()
                ));
            }
            if coords.first() != coords.last() {
                return Err(format!(
                    "{prefix}ring {r} is not closed: its last position must equal its first"
                ));
            }
        }
        parsed.push(LineString(coords));
    }
    let exterior = parsed.remove(0);
    Ok(Polygon::new(exterior, parsed))
}

/// Checks a longitude/latitude box: west ≤ east, south ≤ north, all in range.
pub fn bounding_box(west: f64, south: f64, east: f64, north: f64) -> Result<Rect<f64>, String> {
    for (name, value, limit) in [
        ("west", west, 180.0),
        ("east", east, 180.0),
        ("south", south, 90.0),
        ("north", north, 90.0),
    ] {
        if !value.is_finite() || value.abs() > limit {
            return Err(format!("{name} must be between −{limit} and {limit}"));
        }
    }
    if west > east {
        return Err("west must not be greater than east".to_owned());
    }
    if south > north {
        return Err("south must not be greater than north".to_owned());
    }
    Ok(Rect::new(
        Coord { x: west, y: south },
        Coord { x: east, y: north },
    ))
}

/// Whether the area contains the point strictly (used by tests and the map).
pub fn strictly_inside(area: &MultiPolygon<f64>, point: Point<f64>) -> bool {
    area.contains(&point)
}

/// Six decimals of a degree: about 11 cm, more than any boundary here is worth.
pub fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (x, y),
                (x + size, y),
                (x + size, y + size),
                (x, y + size),
                (x, y),
            ]),
            vec![],
        )])
    }

    fn place(
        id: i64,
        level: LocationLevel,
        parent: Option<i64>,
        shape: MultiPolygon<f64>,
    ) -> PlaceShape {
        PlaceShape {
            id,
            code: None,
            name: format!("place {id}"),
            level,
            parent_id: parent,
            restricted: false,
            shape: Some(shape),
        }
    }

    fn index() -> SpatialIndex {
        let places = vec![
            place(1, LocationLevel::Country, None, square(-80.0, -18.0, 12.0)),
            place(2, LocationLevel::Region, Some(1), square(-74.0, -15.0, 2.0)),
            place(
                3,
                LocationLevel::Province,
                Some(2),
                square(-73.0, -15.0, 1.0),
            ),
            place(
                4,
                LocationLevel::District,
                Some(3),
                square(-73.0, -15.0, 0.5),
            ),
        ];
        let points = vec![
            LocationPoint {
                location_id: 4,
                restricted: false,
                point: Point::new(-72.8, -14.8),
            },
            LocationPoint {
                location_id: 99,
                restricted: true,
                point: Point::new(-72.2, -14.2),
            },
        ];
        let placements = vec![
            Placement {
                case_id: 10,
                location_id: 4,
                precision: PlacementPrecision::District,
                restricted: false,
            },
            Placement {
                case_id: 11,
                location_id: 99,
                precision: PlacementPrecision::Exact,
                restricted: true,
            },
            // Derived from a restricted site: a public district, only for those who may
            // see the site.
            Placement {
                case_id: 12,
                location_id: 4,
                precision: PlacementPrecision::District,
                restricted: true,
            },
        ];
        let hierarchy = vec![(2, 1), (3, 2), (4, 3), (50, 4)];
        SpatialIndex::build(places, hierarchy, points, placements)
    }

    #[test]
    fn locate_point_answers_the_deepest_shape_and_its_ancestors() {
        let located = index().locate_point(Point::new(-72.8, -14.8), false);
        assert_eq!(
            located,
            Located {
                district: Some(4),
                province: Some(3),
                region: Some(2),
                country: Some(1)
            }
        );
        let outside = index().locate_point(Point::new(-72.2, -14.2), false);
        assert_eq!(outside.district, None);
        assert_eq!(outside.province, Some(3));
        assert_eq!(
            index().locate_point(Point::new(0.0, 0.0), false),
            Located::default()
        );
    }

    #[test]
    fn restricted_points_count_only_for_callers_who_may_see_them() {
        let index = index();
        let rect = bounding_box(-74.0, -15.0, -72.0, -14.0).unwrap_or_else(|e| panic!("{e}"));
        let filter = SpatialFilter::Within(rect);
        assert_eq!(
            index.cases_matching(&filter, false),
            Ok(HashSet::from([10]))
        );
        assert_eq!(
            index.cases_matching(&filter, true),
            Ok(HashSet::from([10, 11, 12]))
        );
        assert_eq!(index.descendants(3), vec![3, 4, 50]);
        assert_eq!(index.case_point(11, true).map(|p| p.location_id), Some(99));
        assert!(index.case_point(11, false).is_none());
        assert_eq!(index.case_point(12, true).map(|p| p.location_id), Some(4));
        assert!(index.case_point(12, false).is_none());
    }

    #[test]
    fn near_uses_geodesic_kilometres() {
        let index = index();
        let center = Point::new(-72.8, -14.8);
        let d = distance_km(center, Point::new(-72.2, -14.2));
        assert!((90.0..100.0).contains(&d), "{d}");
        let near = |km| {
            index
                .cases_matching(&SpatialFilter::Near { center, km }, true)
                .unwrap_or_default()
        };
        assert_eq!(near(d - 1.0), HashSet::from([10, 12]));
        assert_eq!(near(d + 1.0), HashSet::from([10, 11, 12]));
    }

    #[test]
    fn query_polygons_are_checked() {
        let ok = json!({"type": "Polygon", "coordinates": [[[-73.0, -15.0], [-72.0, -15.0], [-72.0, -14.0], [-73.0, -15.0]]]});
        assert!(area_from_geojson(&ok, true).is_ok());
        let open = json!({"type": "Polygon", "coordinates": [[[-73.0, -15.0], [-72.0, -15.0], [-72.0, -14.0], [-73.0, -14.5]]]});
        assert!(
            area_from_geojson(&open, true)
                .err()
                .unwrap_or_default()
                .contains("not closed")
        );
        let swapped = json!({"type": "Polygon", "coordinates": [[[-15.0, -173.0], [-15.0, -172.0], [-14.0, -172.0], [-15.0, -173.0]]]});
        assert!(
            area_from_geojson(&swapped, true)
                .err()
                .unwrap_or_default()
                .contains("swapped")
        );
        let bowtie = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]});
        assert!(
            area_from_geojson(&bowtie, true)
                .err()
                .unwrap_or_default()
                .contains("self-intersection")
        );
        let short =
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]});
        assert!(
            area_from_geojson(&short, true)
                .err()
                .unwrap_or_default()
                .contains("at least 4")
        );
        let point = json!({"type": "Point", "coordinates": [0.0, 0.0]});
        assert!(area_from_geojson(&point, true).is_err());
        assert_eq!(area_from_geojson(&point, false), Ok(None));
    }

    /// A star of `points` points around (0, 0): concave, simple.
    fn star(points: usize) -> Vec<[f64; 2]> {
        let n = points * 2;
        let mut ring: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 1.0 } else { 0.4 };
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    #[test]
    fn prepared_areas_hold_what_the_shapes_hold_edges_included() {
        let hole = [
            [-0.2, -0.2],
            [0.2, -0.2],
            [0.2, 0.2],
            [-0.2, 0.2],
            [-0.2, -0.2],
        ];
        let shapes = [
            json!({"type": "Polygon", "coordinates": [star(7)]}),
            json!({"type": "Polygon", "coordinates": [star(5), hole]}),
            json!({"type": "MultiPolygon", "coordinates": [[star(3)], [[[2.0, 2.0], [3.0, 2.0], [3.0, 3.0], [2.0, 2.0]]]]}),
        ];
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) * 4.0 - 1.5
        };
        for shape in shapes {
            let area = area_from_geojson(&shape, true)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("an area"));
            let prepared = Area::new(area.clone()).unwrap_or_else(|| panic!("prepared"));
            let mut budget = MAX_AREA_WORK;
            let mut probes: Vec<Coord<f64>> = (0..2_000)
                .map(|_| Coord {
                    x: next(),
                    y: next(),
                })
                .collect();
            // Every vertex, and the middle of every edge, lie on the boundary.
            for polygon in &area.0 {
                for line in polygon
                    .exterior()
                    .lines()
                    .chain(polygon.interiors().iter().flat_map(|r| r.lines()))
                {
                    probes.push(line.start);
                    probes.push(Coord {
                        x: (line.start.x + line.end.x) / 2.0,
                        y: (line.start.y + line.end.y) / 2.0,
                    });
                }
            }
            for p in probes {
                assert_eq!(
                    prepared.holds(p, &mut budget),
                    Ok(area.intersects(&Point(p))),
                    "{p:?} in {shape}"
                );
            }
        }
    }

    #[test]
    fn query_areas_have_bounded_size_and_work() {
        let ring = |n: usize| {
            let mut ring: Vec<[f64; 2]> = (0..n - 1)
                .map(|i| {
                    let a = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
                    [a.cos(), a.sin()]
                })
                .collect();
            ring.push(ring[0]);
            json!({"type": "Polygon", "coordinates": [ring]})
        };
        assert!(area_from_geojson(&ring(MAX_AREA_VERTICES), true).is_ok());
        let refused = area_from_geojson(&ring(MAX_AREA_VERTICES + 1), true)
            .err()
            .unwrap_or_default();
        assert!(refused.contains("at most 10000"), "{refused}");
        let square = |x: f64| json!([[x, 0.0], [x + 0.1, 0.0], [x + 0.1, 0.1], [x, 0.1], [x, 0.0]]);
        let holes: Vec<_> = std::iter::once(json!([
            [-1.0, -1.0],
            [200.0, -1.0],
            [200.0, 1.0],
            [-1.0, 1.0],
            [-1.0, -1.0]
        ]))
        .chain((0..MAX_AREA_RINGS).map(|i| square(i as f64)))
        .collect();
        let refused = area_from_geojson(&json!({"type": "Polygon", "coordinates": holes}), true)
            .err()
            .unwrap_or_default();
        assert!(refused.contains("rings"), "{refused}");
        // A comb of tall teeth: the ray from a point west of it meets every tooth's two
        // edges, so each test looks at all of them; the budget stops it.
        let mut comb = vec![[0.0, 0.0]];
        for i in 0..200 {
            let x = 0.1 + i as f64 * 0.01;
            comb.extend([[x, 0.0], [x, 10.0], [x + 0.005, 10.0], [x + 0.005, 0.0]]);
        }
        comb.extend([[3.0, 0.0], [3.0, -1.0], [0.0, -1.0], [0.0, 0.0]]);
        let shape = area_from_geojson(&json!({"type": "Polygon", "coordinates": [comb]}), true)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("an area"));
        let area = Area::new(shape).unwrap_or_else(|| panic!("prepared"));
        let west = Coord { x: 0.05, y: 5.0 };
        let mut budget = MAX_AREA_WORK;
        assert_eq!(area.holds(west, &mut budget), Ok(false));
        assert!(MAX_AREA_WORK - budget >= 400, "the ray met every tooth");
        let mut budget = 1_000;
        let refused = (0..100)
            .map(|_| area.holds(west, &mut budget))
            .find_map(Result::err);
        assert!(refused.is_some_and(|e| e.contains("intricate")));
    }

    #[test]
    fn holes_must_sit_inside_their_polygon() {
        let outer = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]];
        let inside = [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [1.0, 1.0]];
        let outside = [[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 6.0], [5.0, 5.0]];
        let crossing = [[3.0, 3.0], [5.0, 3.0], [5.0, 3.5], [3.0, 3.5], [3.0, 3.0]];
        let within_hole = [[1.2, 1.2], [1.8, 1.2], [1.8, 1.8], [1.2, 1.8], [1.2, 1.2]];
        let check = |rings: Vec<&[[f64; 2]; 5]>| {
            area_from_geojson(&json!({"type": "Polygon", "coordinates": rings}), true).err()
        };
        assert_eq!(check(vec![&outer, &inside]), None);
        assert!(check(vec![&outer, &outside]).is_some_and(|e| e.contains("outside")));
        assert!(check(vec![&outer, &crossing]).is_some_and(|e| e.contains("intersect")));
        assert!(check(vec![&outer, &inside, &within_hole]).is_some_and(|e| e.contains("inside")));
    }

    #[test]
    fn stored_shapes_read_like_checked_ones() {
        let text = r#"{"type": "MultiPolygon", "coordinates": [[[[-73.0, -15.0, 12.5], [-72.0, -15.0], [-72.0, -14.0], [-73.0, -15.0]]], [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        let fast = area_from_geojson_text(text);
        assert!(matches!(&fast, Ok(Some(area)) if area.0.len() == 2));
        assert_eq!(fast, area_from_geojson(&value, false));
        let feature = r#"{"type": "Feature", "properties": {}, "geometry": null}"#;
        assert_eq!(area_from_geojson_text(feature), Ok(None));
        assert_eq!(
            area_from_geojson_text(r#"{"type": "Point", "coordinates": [0, 0]}"#),
            Ok(None)
        );
        assert!(area_from_geojson_text(r#"{"type": "Circle"}"#).is_err());
        assert!(area_from_geojson_text(r#"{"type": "Polygon", "coordinates": [[[0]]]}"#).is_err());
    }

    #[test]
    fn locate_tests_each_polygon_of_a_shape() {
        let mut two_parts = square(-73.0, -15.0, 0.5);
        two_parts.0.extend(square(-60.0, -15.0, 0.5).0);
        let index = SpatialIndex::build(
            vec![place(7, LocationLevel::District, None, two_parts)],
            vec![],
            vec![],
            vec![],
        );
        assert_eq!(
            index.locate_point(Point::new(-59.9, -14.9), false).district,
            Some(7)
        );
        assert_eq!(
            index.locate_point(Point::new(-66.0, -14.9), false).district,
            None
        );
    }

    #[test]
    fn boxes_are_checked() {
        assert!(bounding_box(-75.0, -15.0, -70.0, -10.0).is_ok());
        assert!(bounding_box(-70.0, -15.0, -75.0, -10.0).is_err());
        assert!(bounding_box(-75.0, -10.0, -70.0, -15.0).is_err());
        assert!(bounding_box(-75.0, -95.0, -70.0, -10.0).is_err());
    }

    #[test]
    fn representative_points_fall_inside() {
        let area = square(-73.0, -15.0, 1.0);
        let p = representative_point(&area).unwrap_or_else(|| panic!("no point"));
        assert!(strictly_inside(&area, p));
    }
}
