//! The real-data check of `locate`: for each row of a case table with `departamento`,
//! `lat` and `lon` columns (the Ombudsman-derived mining conflict table), the department
//! `locate` finds is compared with the table's, accents and case aside, and each
//! disagreement gets a reason: a border point (how far from the named department), swapped
//! coordinates, a point outside Peru, or a point well inside another department.

use chasqui_domain::spatial::SpatialIndex;
use chasqui_domain::text::fold_upper;
use chasqui_entities::LocationLevel;
use geo::{Distance, Euclidean, Point};
use std::fmt;
use std::path::Path;

/// Within this distance of the named department, a disagreement is a border point.
pub const BORDER_KM: f64 = 10.0;

/// One row of the table and what `locate` made of it.
#[derive(Clone, Debug)]
pub struct CheckRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub case: String,
    pub department: String,
    pub latitude: f64,
    pub longitude: f64,
    /// The department `locate` found, if any.
    pub found: Option<String>,
    pub agrees: bool,
    /// Why they disagree, when they do.
    pub reason: Option<String>,
}

/// Roughly how far (km) a point is from an area: 0 inside. Degrees are converted at the
/// point's latitude, which is close enough to tell a border point from a data error.
fn km_from_area(index: &SpatialIndex, name: &str, point: Point<f64>) -> Option<f64> {
    let place = index
        .shapes_at(LocationLevel::Region, true)
        .into_iter()
        .find(|p| fold_upper(&p.name) == name)?;
    let shape = place.shape.as_ref()?;
    let degrees = Euclidean.distance(&point, shape);
    // A degree of longitude shrinks with latitude; take the mean of both directions.
    let per_degree = 111.32 * (1.0 + point.y().to_radians().cos()) / 2.0;
    Some(degrees * per_degree)
}

fn department_at(index: &SpatialIndex, point: Point<f64>) -> Option<String> {
    let region = index.locate_point(point, true).region?;
    index.place(region).map(|p| fold_upper(&p.name))
}

/// Reads the table and checks every row; a row that cannot be read is an error naming
/// its line.
pub fn check_table(index: &SpatialIndex, path: &Path) -> anyhow::Result<Vec<CheckRow>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow::anyhow!("{}: no `{name}` column", path.display()))
    };
    let (case_col, dep_col, lat_col, lon_col) = (
        column("caso")?,
        column("departamento")?,
        column("lat")?,
        column("lon")?,
    );
    let peru = geo::Rect::new(
        geo::Coord { x: -81.5, y: -18.5 },
        geo::Coord { x: -68.5, y: 0.1 },
    );
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| anyhow::anyhow!("line {line}: {e}"))?;
        let number = |col: usize, name: &str| -> anyhow::Result<f64> {
            record
                .get(col)
                .unwrap_or_default()
                .trim()
                .parse::<f64>()
                .map_err(|_| anyhow::anyhow!("line {line}: `{name}` is not a number"))
        };
        let (latitude, longitude) = (number(lat_col, "lat")?, number(lon_col, "lon")?);
        let department = record.get(dep_col).unwrap_or_default().to_owned();
        let expected = fold_upper(&department);
        let point = Point::new(longitude, latitude);
        let found = department_at(index, point);
        let agrees = found.as_deref() == Some(expected.as_str());
        let reason = if agrees {
            None
        } else {
            let swapped = Point::new(latitude, longitude);
            let distance = km_from_area(index, &expected, point);
            Some(match (&found, distance) {
                (None, _) if department_at(index, swapped).as_deref() == Some(&expected) => {
                    "data error: latitude and longitude swapped".to_owned()
                }
                (None, _) if !geo::Intersects::intersects(&peru, &point) => {
                    "data error: the point is outside Peru".to_owned()
                }
                (None, Some(km)) => format!(
                    "border point: outside every department (coast or boundary simplification), {km:.1} km from {department}"
                ),
                (Some(other), Some(km)) if km <= BORDER_KM => {
                    format!("border point: in {other}, {km:.1} km from {department}")
                }
                (Some(other), Some(km)) => {
                    format!("data error: well inside {other}, {km:.1} km from {department}")
                }
                (_, None) => format!("unknown department name `{department}`"),
            })
        };
        rows.push(CheckRow {
            line,
            case: record.get(case_col).unwrap_or_default().to_owned(),
            department,
            latitude,
            longitude,
            found,
            agrees,
            reason,
        });
    }
    Ok(rows)
}

impl fmt::Display for CheckRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {:>3}  {:<45}  table: {:<14} locate: {:<14} ({:.4}, {:.4}){}",
            self.line,
            self.case.chars().take(45).collect::<String>(),
            self.department,
            self.found.as_deref().unwrap_or("-"),
            self.latitude,
            self.longitude,
            self.reason
                .as_deref()
                .map(|r| format!("  {r}"))
                .unwrap_or_default()
        )
    }
}
