//! `chasqui places import`: administrative boundaries from a GeoJSON FeatureCollection,
//! mapped to places by property names (code, name, parent code), one transaction per file.

use super::ubigeo;
use anyhow::Context as _;
use chasqui_domain::validate::LocationCode;
use chasqui_entities::LocationLevel;
use chasqui_store::{Author, PlaceRecord, PlacesReport, Store};
use std::fmt;
use std::io::Write as _;
use std::path::Path;

/// Which feature properties hold what.
#[derive(Clone, Debug)]
pub struct PlaceMapping {
    /// The property holding the place's unique code (UBIGEO: `CCDD`, `IDPROV`, `IDDIST`).
    pub code: String,
    /// The property holding its name.
    pub name: String,
    /// The property holding the parent's code; when `None`, every feature goes below
    /// `parent_code` (or at the top).
    pub parent: Option<String>,
    /// A fixed parent code for every feature (the country, for departments).
    pub parent_code: Option<String>,
    /// The name to give `parent_code` when no place has that code yet (it is then
    /// created as a COUNTRY).
    pub parent_name: Option<String>,
    pub level: LocationLevel,
    /// Whether a place that exists takes the file's name when the file calls it
    /// something else (it keeps its own otherwise; see `Store::import_places`).
    pub rename: bool,
}

/// A feature the file itself gets wrong (no code, no name), with its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeatureProblem {
    pub index: usize,
    pub problem: String,
}

/// What importing one file did.
#[derive(Debug)]
pub struct PlacesFileReport {
    pub features: usize,
    pub rejected: Vec<FeatureProblem>,
    pub store: PlacesReport,
}

impl PlacesFileReport {
    /// Features not imported (a bad feature, an unknown parent, a duplicate code, an
    /// unreadable geometry). Features without geometry are imported, without a shape.
    pub fn not_imported(&self) -> usize {
        self.rejected.len()
            + self.store.unknown_parent.len()
            + self.store.duplicate_code.len()
            + self.store.bad_geometry.len()
    }
}

impl fmt::Display for PlacesFileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.store;
        writeln!(
            f,
            "{} features: {} created, {} updated, {} unchanged, {} without geometry, {} not imported",
            self.features,
            s.created,
            s.updated,
            s.unchanged,
            s.without_geometry.len(),
            self.not_imported()
        )?;
        for p in &self.rejected {
            writeln!(f, "  feature {}: {}", p.index, p.problem)?;
        }
        for (i, code) in &s.without_geometry {
            writeln!(
                f,
                "  feature {i} ({code}): no geometry; imported without a shape"
            )?;
        }
        for (i, code, parent) in &s.unknown_parent {
            writeln!(
                f,
                "  feature {i} ({code}): unknown parent `{parent}`; not imported"
            )?;
        }
        for (i, code) in &s.duplicate_code {
            writeln!(f, "  feature {i} ({code}): duplicate code; not imported")?;
        }
        for (i, code, problem) in &s.bad_geometry {
            writeln!(
                f,
                "  feature {i} ({code}): bad geometry: {problem}; not imported"
            )?;
        }
        Ok(())
    }
}

fn property_text(properties: &serde_json::Value, name: &str) -> Option<String> {
    match properties.get(name)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Maps the features of a FeatureCollection to place records; features without a code
/// or a name are returned as problems, with their index.
pub fn parse_places(
    text: &str,
    mapping: &PlaceMapping,
) -> anyhow::Result<(usize, Vec<PlaceRecord>, Vec<FeatureProblem>)> {
    let collection: serde_json::Value =
        serde_json::from_str(text).context("the file is not JSON")?;
    if collection.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        anyhow::bail!("the file is not a GeoJSON FeatureCollection");
    }
    let features = collection
        .get("features")
        .and_then(|f| f.as_array())
        .context("the FeatureCollection has no `features` array")?;
    let mut records = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    let empty = serde_json::Value::Null;
    for (index, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").unwrap_or(&empty);
        let Some(code) = property_text(properties, &mapping.code) else {
            problems.push(FeatureProblem {
                index,
                problem: format!("no `{}` (code) property", mapping.code),
            });
            continue;
        };
        let Some(name) = property_text(properties, &mapping.name) else {
            problems.push(FeatureProblem {
                index,
                problem: format!("({code}) no `{}` (name) property", mapping.name),
            });
            continue;
        };
        let parent_code = match &mapping.parent {
            Some(property) => match property_text(properties, property) {
                Some(parent) => Some(parent),
                None => {
                    problems.push(FeatureProblem {
                        index,
                        problem: format!("({code}) no `{property}` (parent) property"),
                    });
                    continue;
                }
            },
            None => mapping.parent_code.clone(),
        };
        // The rule `createLocation` applies to a code. (Names are taken as the boundary
        // files spell them, INEI's provinces with stray C1 control characters, unless
        // the UBIGEO table spells the same name better.)
        let checked = LocationCode::parse(&mapping.code, &code).and_then(|code| {
            let parent = parent_code
                .as_deref()
                .map(|p| LocationCode::parse(mapping.parent.as_deref().unwrap_or("parent code"), p))
                .transpose()?;
            Ok((code, parent))
        });
        let (code, parent_code) = match checked {
            Ok((code, parent)) => (code.into_string(), parent.map(LocationCode::into_string)),
            Err(invalid) => {
                problems.push(FeatureProblem {
                    index,
                    problem: format!("({code}) {invalid}"),
                });
                continue;
            }
        };
        let geometry = feature
            .get("geometry")
            .filter(|g| !g.is_null())
            .map(|g| g.to_string());
        let name = ubigeo::spelled_name(&code, &name);
        records.push(PlaceRecord {
            index,
            code,
            name,
            level: mapping.level,
            parent_code,
            geometry,
        });
    }
    Ok((features.len(), records, problems))
}

/// Imports one boundaries file in one transaction.
pub async fn import_places_file(
    store: &Store,
    author: &Author,
    path: &Path,
    mapping: &PlaceMapping,
) -> anyhow::Result<PlacesFileReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (features, records, rejected) =
        parse_places(&text, mapping).with_context(|| format!("reading {}", path.display()))?;
    let root = match (&mapping.parent_code, &mapping.parent_name) {
        (Some(code), Some(name)) if mapping.parent.is_none() => Some((code.clone(), name.clone())),
        _ => None,
    };
    let store_report = store
        .import_places(author, root, records, mapping.rename)
        .await
        .map_err(|e| anyhow::anyhow!("importing {}: {e}", path.display()))?;
    Ok(PlacesFileReport {
        features,
        rejected,
        store: store_report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_map_to_records_and_problems_keep_their_index() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"ID":"0301","N":"ABANCAY","P":"03"},"geometry":null},
            {"type":"Feature","properties":{"N":"NO CODE","P":"03"},"geometry":null},
            {"type":"Feature","properties":{"ID":302,"N":"ANDAHUAYLAS","P":"03"},"geometry":{"type":"Polygon","coordinates":[]}}
        ]}"#;
        let mapping = PlaceMapping {
            code: "ID".into(),
            name: "N".into(),
            parent: Some("P".into()),
            parent_code: None,
            parent_name: None,
            level: LocationLevel::Province,
            rename: false,
        };
        let (count, records, problems) =
            parse_places(text, &mapping).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(count, 3);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].geometry, None);
        assert_eq!(records[1].code, "302");
        assert_eq!(records[1].index, 2);
        assert_eq!(problems[0].index, 1);
        assert!(parse_places("[]", &mapping).is_err());
    }
}

/// The place levels a boundaries file can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlaceLevelArg {
    Country,
    Region,
    Province,
    District,
}

impl From<PlaceLevelArg> for LocationLevel {
    fn from(level: PlaceLevelArg) -> Self {
        match level {
            PlaceLevelArg::Country => LocationLevel::Country,
            PlaceLevelArg::Region => LocationLevel::Region,
            PlaceLevelArg::Province => LocationLevel::Province,
            PlaceLevelArg::District => LocationLevel::District,
        }
    }
}

/// `chasqui places …`.
#[derive(clap::Subcommand)]
pub enum PlacesCommand {
    /// Load administrative boundaries from a GeoJSON FeatureCollection into the places
    /// tree, upserting by code; importing the same file again changes nothing. Exits
    /// non-zero when a feature is not imported.
    Import {
        /// The GeoJSON file (one transaction).
        file: std::path::PathBuf,
        /// The property holding each place's unique code (`CCDD`, `IDPROV`, `IDDIST`).
        #[arg(long)]
        code: String,
        /// The property holding its name.
        #[arg(long)]
        name: String,
        /// The property holding the parent's code.
        #[arg(long, conflicts_with = "parent_code")]
        parent: Option<String>,
        /// One parent code for every feature (the country, for departments).
        #[arg(long)]
        parent_code: Option<String>,
        /// With --parent-code: the name to create it with (as a COUNTRY) when missing.
        #[arg(long, requires = "parent_code")]
        parent_name: Option<String>,
        #[arg(long, value_enum)]
        level: PlaceLevelArg,
        /// Give places that exist the file's names. Without it a place keeps its name
        /// (a file gives shapes); with it or without, a name is never replaced by the
        /// same name spelled worse ("Apurímac" by "APURIMAC").
        #[arg(long)]
        rename: bool,
        #[command(flatten)]
        database: crate::config::DatabaseArgs,
    },
}

/// Runs a `chasqui places` command; `Ok(false)` when something was not imported.
pub async fn run_places_command(command: PlacesCommand) -> anyhow::Result<bool> {
    match command {
        PlacesCommand::Import {
            file,
            code,
            name,
            parent,
            parent_code,
            parent_name,
            level,
            rename,
            database,
        } => {
            let conn = crate::db::connect(&database.database_url, database.pool_size)
                .await
                .context("connecting to the database")?;
            let store = Store::new(conn);
            let mapping = PlaceMapping {
                code,
                name,
                parent,
                parent_code,
                parent_name,
                level: level.into(),
                rename,
            };
            let report =
                import_places_file(&store, &Author::command_line(), &file, &mapping).await?;
            // A closed pipe (`| head`) is not an import failure.
            let _ = write!(std::io::stdout().lock(), "{}: {report}", file.display());
            Ok(report.not_imported() == 0)
        }
    }
}
