//! Maps out: cases as an RFC 7946 GeoJSON FeatureCollection, areas in the right-hand
//! rule, and an SVG map of departments shaded by case count with case points on top.

use crate::spatial::{CasePoint, PlaceShape, round6};
use chasqui_entities::tables::case;
use geo::orient::{Direction, Orient};
use geo::{BoundingRect, MultiPolygon, Point, Simplify};
use geojson::{Feature, FeatureCollection, Geometry, JsonObject, Value as GeoValue};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The link a map popup follows: the case over GraphQL (a GET query, so a browser opens it).
pub fn case_link(slug: &str) -> String {
    let query = format!("{{case(slug:\"{slug}\"){{title kind status summary lastActivityOn}}}}");
    let mut encoded = String::with_capacity(query.len() * 2);
    for byte in query.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => {
                let _ = write!(encoded, "%{byte:02X}");
            }
        }
    }
    format!("/graphql?query={encoded}")
}

/// Cases as a FeatureCollection: a Point per case at its most precise visible placement
/// (`null` geometry for a case with none, so no case is silently left out), properties
/// for a popup, and the foreign members `totalCount` and `truncated`. `cases` are the
/// first of the `total` cases that match, each with the point it is drawn at; `feature_id`
/// gives the id a feature carries for a case id.
pub fn cases_feature_collection(
    cases: &[(case::Model, Option<CasePoint>)],
    total: u64,
    feature_id: impl Fn(i64) -> String,
) -> Value {
    let features = cases
        .iter()
        .map(|(case, point)| {
            let mut properties = JsonObject::new();
            properties.insert("title".into(), json!(case.title));
            properties.insert("kind".into(), json!(case.kind));
            properties.insert("status".into(), json!(case.status));
            properties.insert("slug".into(), json!(case.slug));
            properties.insert("link".into(), json!(case_link(&case.slug)));
            properties.insert(
                "lastActivityOn".into(),
                json!(case.last_activity_on.map(|d| d.to_string())),
            );
            properties.insert(
                "precision".into(),
                json!(point.as_ref().map(|p| p.precision)),
            );
            Feature {
                bbox: None,
                geometry: point.as_ref().map(|p| {
                    Geometry::new(GeoValue::Point(vec![
                        round6(p.point.x()),
                        round6(p.point.y()),
                    ]))
                }),
                id: Some(geojson::feature::Id::String(feature_id(case.id))),
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect::<Vec<_>>();
    let truncated = (features.len() as u64) < total;
    let mut members = JsonObject::new();
    members.insert("totalCount".into(), json!(total));
    members.insert("truncated".into(), json!(truncated));
    let collection = FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    };
    serde_json::to_value(&collection)
        .unwrap_or_else(|_| json!({"type": "FeatureCollection", "features": []}))
}

/// An area in RFC 7946 form: exterior rings counter-clockwise, holes clockwise, six
/// decimals.
pub fn rfc7946_area(area: &MultiPolygon<f64>) -> GeoValue {
    let oriented = area.orient(Direction::Default);
    let ring = |ring: &geo::LineString<f64>| -> Vec<Vec<f64>> {
        ring.coords()
            .map(|c| vec![round6(c.x), round6(c.y)])
            .collect()
    };
    GeoValue::MultiPolygon(
        oriented
            .0
            .iter()
            .map(|p| {
                std::iter::once(ring(p.exterior()))
                    .chain(p.interiors().iter().map(ring))
                    .collect()
            })
            .collect(),
    )
}

/// A sequential palette (light to dark) for counts; zero gets `NO_CASES`.
const PALETTE: [&str; 5] = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
const NO_CASES: &str = "#f2f2f2";

/// The class bounds for `max`: five classes of (about) equal width, from 1.
fn classes(max: u64) -> Vec<(u64, u64)> {
    if max == 0 {
        return Vec::new();
    }
    let n = PALETTE.len() as u64;
    let width = max.div_ceil(n).max(1);
    let mut out = Vec::new();
    let mut low = 1;
    while low <= max {
        let high = (low + width - 1).min(max);
        out.push((low, high));
        low = high + 1;
    }
    out
}

fn colour(count: u64, classes: &[(u64, u64)]) -> &'static str {
    if count == 0 {
        return NO_CASES;
    }
    classes
        .iter()
        .position(|(low, high)| (*low..=*high).contains(&count))
        .map_or(PALETTE[PALETTE.len() - 1], |i| {
            PALETTE[i.min(PALETTE.len() - 1)]
        })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the SVG map draws.
pub struct MapPicture<'a> {
    pub title: String,
    /// Each department with its case count.
    pub areas: Vec<(&'a PlaceShape, u64)>,
    /// Case points, with a label each.
    pub points: Vec<(Point<f64>, String)>,
}

/// Draws the map: an equirectangular projection scaled by the cosine of the middle
/// latitude, which keeps a country the size of Peru (near the equator) true to shape.
pub fn svg_map(picture: &MapPicture<'_>) -> String {
    const WIDTH: f64 = 640.0;
    const MARGIN: f64 = 10.0;
    const LEGEND: f64 = 170.0;
    let mut bounds: Option<geo::Rect<f64>> = None;
    for (place, _) in &picture.areas {
        if let Some(rect) = place.shape.as_ref().and_then(|s| s.bounding_rect()) {
            bounds = Some(match bounds {
                None => rect,
                Some(b) => geo::Rect::new(
                    geo::Coord {
                        x: b.min().x.min(rect.min().x),
                        y: b.min().y.min(rect.min().y),
                    },
                    geo::Coord {
                        x: b.max().x.max(rect.max().x),
                        y: b.max().y.max(rect.max().y),
                    },
                ),
            });
        }
    }
    let bounds = bounds.unwrap_or(geo::Rect::new(
        geo::Coord { x: -81.4, y: -18.4 },
        geo::Coord { x: -68.6, y: 0.1 },
    ));
    let mid_lat = (bounds.min().y + bounds.max().y) / 2.0;
    let x_scale = mid_lat.to_radians().cos();
    let span_x = (bounds.width() * x_scale).max(1e-9);
    let span_y = bounds.height().max(1e-9);
    let map_width = WIDTH - LEGEND - 2.0 * MARGIN;
    let scale = map_width / span_x;
    let height = span_y * scale + 2.0 * MARGIN + 30.0;
    let project = |lon: f64, lat: f64| -> (f64, f64) {
        (
            MARGIN + (lon - bounds.min().x) * x_scale * scale,
            MARGIN + 30.0 + (bounds.max().y - lat) * scale,
        )
    };
    let max = picture.areas.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let classes = classes(max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif">"##
    );
    let _ = write!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{MARGIN}" y="22" font-size="15" fill="#222">{}</text>"##,
        escape(&picture.title)
    );
    svg.push_str(r##"<g stroke="#555" stroke-width="0.6" stroke-linejoin="round">"##);
    for (place, count) in &picture.areas {
        let Some(shape) = &place.shape else { continue };
        let simple = shape.simplify(&0.004);
        let mut d = String::new();
        for polygon in &simple.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for (i, c) in ring.coords().enumerate() {
                    let (x, y) = project(c.x, c.y);
                    let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        let _ = write!(
            svg,
            r##"<path d="{d}" fill="{}" fill-rule="evenodd"><title>{}: {count}</title></path>"##,
            colour(*count, &classes),
            escape(&place.name)
        );
    }
    svg.push_str("</g>");
    svg.push_str(r##"<g fill="#08306b" stroke="#ffffff" stroke-width="0.8">"##);
    for (point, label) in &picture.points {
        let (x, y) = project(point.x(), point.y());
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5"><title>{}</title></circle>"##,
            escape(label)
        );
    }
    svg.push_str("</g>");
    let legend_x = WIDTH - LEGEND + MARGIN;
    let _ = write!(
        svg,
        r##"<text x="{legend_x}" y="60" font-size="13" fill="#222">Cases per department</text>"##
    );
    let mut rows: Vec<(String, &str)> = vec![("none".to_owned(), NO_CASES)];
    for (i, (low, high)) in classes.iter().enumerate() {
        let label = if low == high {
            low.to_string()
        } else {
            format!("{low}–{high}")
        };
        rows.push((label, PALETTE[i.min(PALETTE.len() - 1)]));
    }
    for (i, (label, fill)) in rows.iter().enumerate() {
        let y = 72.0 + i as f64 * 22.0;
        let _ = write!(
            svg,
            r##"<rect x="{legend_x}" y="{y}" width="18" height="16" fill="{fill}" stroke="#555" stroke-width="0.6"/><text x="{}" y="{}" font-size="12" fill="#222">{label}</text>"##,
            legend_x + 26.0,
            y + 12.5
        );
    }
    let y = 72.0 + rows.len() as f64 * 22.0 + 8.0;
    let _ = write!(
        svg,
        r##"<circle cx="{}" cy="{}" r="4" fill="#08306b" stroke="#fff"/><text x="{}" y="{}" font-size="12" fill="#222">a case ({})</text>"##,
        legend_x + 9.0,
        y + 8.0,
        legend_x + 26.0,
        y + 12.5,
        picture.points.len()
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    #[test]
    fn areas_come_out_counter_clockwise_with_clockwise_holes() {
        // A clockwise exterior with a counter-clockwise hole: the wrong way round.
        let exterior = LineString::from(vec![
            (0.0, 0.0),
            (0.0, 4.0),
            (4.0, 4.0),
            (4.0, 0.0),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![
            (1.0, 1.0),
            (2.0, 1.0),
            (2.0, 2.0),
            (1.0, 2.0),
            (1.0, 1.0),
        ]);
        let area = MultiPolygon(vec![Polygon::new(exterior, vec![hole])]);
        let GeoValue::MultiPolygon(parts) = rfc7946_area(&area) else {
            panic!("not a MultiPolygon")
        };
        let signed = |ring: &Vec<Vec<f64>>| -> f64 {
            ring.windows(2)
                .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
                .sum::<f64>()
                / 2.0
        };
        assert!(
            signed(&parts[0][0]) > 0.0,
            "exterior must be counter-clockwise"
        );
        assert!(signed(&parts[0][1]) < 0.0, "hole must be clockwise");
    }

    #[test]
    fn counts_fall_in_classes_and_zero_is_grey() {
        let c = classes(10);
        assert_eq!(c.first(), Some(&(1, 2)));
        assert_eq!(c.last(), Some(&(9, 10)));
        assert_eq!(colour(0, &c), NO_CASES);
        assert_eq!(colour(10, &c), PALETTE[4]);
        assert!(classes(0).is_empty());
        assert_eq!(classes(1), vec![(1, 1)]);
    }

    #[test]
    fn links_are_percent_encoded() {
        let link = case_link("las-bambas");
        assert!(link.starts_with("/graphql?query=%7Bcase%28slug%3A%22las-bambas%22%29"));
    }
}
