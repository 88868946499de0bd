//! The spatial index: place shapes and case points in R-trees, and the geometry rules
//! around them (reading GeoJSON areas, validating a query polygon, representative points,
//! geodesic distance). It knows nothing of the database or of GraphQL: the store builds it
//! from rows (`store/spatial.rs`) and asks it which cases or places match.

use chasqui_entities::{LocationLevel, PlacementPrecision};
use geo::{
    BoundingRect, Contains, Coord, Distance, Geodesic, InteriorPoint, Intersects, LineString,
    MultiPolygon, Point, Polygon, Rect, Validation,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use std::collections::{HashMap, HashSet};

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

/// A point a case is placed at: an exact site, or a district's representative point.
#[derive(Clone, Debug)]
pub struct CasePoint {
    pub case_id: i64,
    pub location_id: i64,
    pub precision: PlacementPrecision,
    /// The place the point comes from is restricted.
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

/// A spatial condition on cases.
#[derive(Clone, Debug)]
pub enum SpatialFilter {
    /// Inside a longitude/latitude box (edges included).
    Within(Rect<f64>),
    /// Inside an area (edges included).
    InArea(MultiPolygon<f64>),
    /// Within `km` kilometres (geodesic, WGS84) of a point.
    Near { center: Point<f64>, km: f64 },
}

type PlaceEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;
type PointEntry = GeomWithData<[f64; 2], usize>;

/// Place shapes and case points, each in an R-tree of bounding boxes.
pub struct SpatialIndex {
    places: Vec<PlaceShape>,
    place_by_id: HashMap<i64, usize>,
    place_tree: RTree<PlaceEntry>,
    points: Vec<CasePoint>,
    points_by_case: HashMap<i64, Vec<usize>>,
    point_tree: RTree<PointEntry>,
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

impl SpatialIndex {
    /// Builds both trees (bulk-loaded, which is much faster than inserting one by one).
    pub fn build(places: Vec<PlaceShape>, points: Vec<CasePoint>) -> Self {
        let place_by_id = places.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let place_entries = places
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let rect = p.shape.as_ref()?.bounding_rect()?;
                let (min, max) = (rect.min(), rect.max());
                Some(GeomWithData::new(
                    Rectangle::from_corners([min.x, min.y], [max.x, max.y]),
                    i,
                ))
            })
            .collect();
        let mut points_by_case: HashMap<i64, Vec<usize>> = HashMap::new();
        let point_entries = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                points_by_case.entry(p.case_id).or_default().push(i);
                GeomWithData::new([p.point.x(), p.point.y()], i)
            })
            .collect();
        Self {
            places,
            place_by_id,
            place_tree: RTree::bulk_load(place_entries),
            points,
            points_by_case,
            point_tree: RTree::bulk_load(point_entries),
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

    /// The district, province, region and country a point falls in: the most precise
    /// shape that contains it (edges included), then that place's ancestors.
    pub fn locate_point(&self, point: Point<f64>, see_restricted: bool) -> Located {
        let mut best: Option<&PlaceShape> = None;
        for entry in self.place_tree.locate_all_at_point(&[point.x(), point.y()]) {
            let place = &self.places[entry.data];
            if place.restricted && !see_restricted {
                continue;
            }
            let inside = place.shape.as_ref().is_some_and(|s| s.intersects(&point));
            let better = best.is_none_or(|b| {
                (level_rank(place.level), -place.id) > (level_rank(b.level), -b.id)
            });
            if inside && better {
                best = Some(place);
            }
        }
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

    fn visible_point(&self, index: usize, see_restricted: bool) -> Option<&CasePoint> {
        let point = &self.points[index];
        (see_restricted || !point.restricted).then_some(point)
    }

    /// The cases with a point that satisfies the filter.
    pub fn cases_matching(&self, filter: &SpatialFilter, see_restricted: bool) -> HashSet<i64> {
        let mut found = HashSet::new();
        match filter {
            SpatialFilter::Within(rect) => {
                let envelope =
                    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                for entry in self.point_tree.locate_in_envelope(&envelope) {
                    if let Some(p) = self.visible_point(entry.data, see_restricted) {
                        found.insert(p.case_id);
                    }
                }
            }
            SpatialFilter::InArea(area) => {
                let Some(rect) = area.bounding_rect() else {
                    return found;
                };
                let envelope =
                    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                for entry in self.point_tree.locate_in_envelope(&envelope) {
                    if let Some(p) = self.visible_point(entry.data, see_restricted)
                        && area.intersects(&p.point)
                    {
                        found.insert(p.case_id);
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
                        found.insert(p.case_id);
                    }
                }
            }
        }
        found
    }

    /// The cases with a point inside this place's shape (none when it has no shape or the
    /// caller may not see it).
    pub fn cases_in_place(&self, place_id: i64, see_restricted: bool) -> HashSet<i64> {
        match self.place(place_id) {
            Some(place) if see_restricted || !place.restricted => match &place.shape {
                Some(shape) => {
                    self.cases_matching(&SpatialFilter::InArea(shape.clone()), see_restricted)
                }
                None => HashSet::new(),
            },
            _ => HashSet::new(),
        }
    }

    /// The point to draw a case at: its most precise visible placement (exact before
    /// district), ties to the lowest place id.
    pub fn case_point(&self, case_id: i64, see_restricted: bool) -> Option<&CasePoint> {
        self.points_by_case
            .get(&case_id)?
            .iter()
            .filter_map(|i| self.visible_point(*i, see_restricted))
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
/// `Ok(None)`.
pub fn area_from_geojson_text(text: &str) -> Result<Option<MultiPolygon<f64>>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    area_from_geojson(&value, false)
}

/// Reads a GeoJSON Polygon or MultiPolygon (or a Feature holding one). With `strict`, it
/// also refuses what RFC 7946 forbids and what a query cannot use: open rings, rings of
/// fewer than four positions, coordinates outside longitude −180..180 / latitude −90..90
/// (often swapped coordinates), and self-intersecting rings.
pub fn area_from_geojson(
    value: &serde_json::Value,
    strict: bool,
) -> Result<Option<MultiPolygon<f64>>, String> {
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .ok_or("has no `type`")?;
    let coordinates = || value.get("coordinates").ok_or("has no `coordinates`");
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
            if let Err(problem) = p.check_validation() {
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
            CasePoint {
                case_id: 10,
                location_id: 4,
                precision: PlacementPrecision::District,
                restricted: false,
                point: Point::new(-72.8, -14.8),
            },
            CasePoint {
                case_id: 11,
                location_id: 99,
                precision: PlacementPrecision::Exact,
                restricted: true,
                point: Point::new(-72.2, -14.2),
            },
        ];
        SpatialIndex::build(places, points)
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
        assert_eq!(index.cases_matching(&filter, false), HashSet::from([10]));
        assert_eq!(index.cases_matching(&filter, true), HashSet::from([10, 11]));
        assert_eq!(index.cases_in_place(4, true), HashSet::from([10]));
    }

    #[test]
    fn near_uses_geodesic_kilometres() {
        let index = index();
        let center = Point::new(-72.8, -14.8);
        let d = distance_km(center, Point::new(-72.2, -14.2));
        assert!((90.0..100.0).contains(&d), "{d}");
        let near = |km| index.cases_matching(&SpatialFilter::Near { center, km }, true);
        assert_eq!(near(d - 1.0), HashSet::from([10]));
        assert_eq!(near(d + 1.0), HashSet::from([10, 11]));
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
