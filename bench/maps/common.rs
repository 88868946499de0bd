//! Shared by the maps programs: a temporary SQLite database with Peru's boundaries.

use chasqui::import::places::{PlaceMapping, import_places_file};
use chasqui_entities::LocationLevel;
use chasqui_store::{Author, Store};
use std::path::Path;

/// A store on a new database with Peru's boundaries: a SQLite file in `dir`, or, given
/// `postgres` (a server URL ending in a database to connect to first), a new database
/// `database` on that server.
pub async fn store_with_peru(
    dir: &Path,
    peru: &Path,
    postgres: Option<(&str, &str)>,
) -> anyhow::Result<Store> {
    let url = match postgres {
        Some((admin_url, database)) => {
            use sea_orm::ConnectionTrait;
            let admin = sea_orm::Database::connect(admin_url).await?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{database}\""))
                .await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
                .await?;
            let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
            format!("{base}/{database}")
        }
        None => {
            let file = dir.join("maps.db");
            let _ = std::fs::remove_file(&file);
            format!("sqlite://{}?mode=rwc", file.display())
        }
    };
    let db = chasqui::db::connect(&url, Some(4)).await?;
    let store = Store::new(db);
    let files = [
        (
            "departments.geojson",
            "CCDD",
            "NOMBDEP",
            None,
            LocationLevel::Region,
        ),
        (
            "provinces.geojson",
            "IDPROV",
            "NOMBPROV",
            Some("CCDD"),
            LocationLevel::Province,
        ),
        (
            "districts-2007.geojson",
            "IDDIST",
            "NOMBDIST",
            Some("IDPROV"),
            LocationLevel::District,
        ),
    ];
    for (name, code, label, parent, level) in files {
        let mapping = PlaceMapping {
            code: code.into(),
            name: label.into(),
            parent: parent.map(Into::into),
            parent_code: parent.is_none().then(|| "PE".to_owned()),
            parent_name: parent.is_none().then(|| "Peru".to_owned()),
            level,
            rename: false,
        };
        let report =
            import_places_file(&store, &Author::command_line(), &peru.join(name), &mapping).await?;
        eprint!("{name}: {report}");
    }
    Ok(store)
}
