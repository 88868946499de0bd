//! Maps benchmark: Peru's boundaries plus N located cases (synthetic, deterministic, spread
//! over the district polygons) in a temporary SQLite file, then medians of:
//!
//! - loading the spatial index from the database (the start-up cost);
//! - `locate` throughput on random points over Peru's bounding box;
//! - a region query (Cusco: placed below it or inside its shape) and a bounding-box query,
//!   in-process through the store as the `cases` query runs them: the filter resolved
//!   against the index, then the first page of 50, and `totalCount` separately; then the
//!   whole country as a region, and a region with another filter (kinds), which cannot
//!   be answered from `case_places` alone.
//!
//!   cargo run --release --example maps-bench [-- CASES]     (default 100000)

#[path = "common.rs"]
mod common;

use chasqui_domain::spatial::SpatialFilter;
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chasqui_store::{Access, CaseFilter, CaseOrderKey, Store};
use geo::{BoundingRect, Intersects, Point};
use sea_orm::ActiveValue::Set;
use sea_orm::*;
use std::time::{Duration, Instant};

/// splitmix64: a small deterministic generator, so every run builds the same data.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn insert_cases(store: &Store, count: usize) -> anyhow::Result<()> {
    let index = store.load_spatial_index().await?;
    let districts: Vec<_> = index
        .shapes_at(LocationLevel::District, true)
        .into_iter()
        .cloned()
        .collect();
    let mut random = Random(20261123);
    let first_site: i64 = 1_000_000;
    let now = chrono::Utc::now();
    let kinds = [
        CaseKind::Mine,
        CaseKind::OilAndGas,
        CaseKind::Infrastructure,
    ];
    let statuses = [CaseStatus::Active, CaseStatus::Latent, CaseStatus::Resolved];
    let txn = store.db.begin().await?;
    let batch = 1000;
    for start in (0..count).step_by(batch) {
        let mut sites = Vec::with_capacity(batch);
        let mut cases = Vec::with_capacity(batch);
        let mut placements = Vec::with_capacity(batch * 2);
        for i in start..(start + batch).min(count) {
            let district = &districts[random.next() as usize % districts.len()];
            let Some(shape) = &district.shape else {
                continue;
            };
            let Some(rect) = shape.bounding_rect() else {
                continue;
            };
            let mut point = None;
            for _ in 0..64 {
                let p = Point::new(
                    rect.min().x + random.unit() * rect.width(),
                    rect.min().y + random.unit() * rect.height(),
                );
                if shape.intersects(&p) {
                    point = Some(p);
                    break;
                }
            }
            let Some(point) =
                point.or_else(|| chasqui_domain::spatial::representative_point(shape))
            else {
                continue;
            };
            let site_id = first_site + i as i64;
            let case_id = i as i64 + 1;
            sites.push(location::ActiveModel {
                id: Set(site_id),
                code: Set(None),
                name: Set(format!("site {i}")),
                level: Set(LocationLevel::Site),
                parent_id: Set(None),
                path: Set(format!("/{site_id}/")),
                latitude: Set(Some(point.y())),
                longitude: Set(Some(point.x())),
                geometry: Set(None),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
            let day =
                chrono::NaiveDate::from_ymd_opt(2000 + (i % 24) as i32, 1 + (i % 12) as u32, 1)
                    .unwrap_or_default();
            cases.push(case::ActiveModel {
                id: Set(case_id),
                slug: Set(format!("case-{i}")),
                kind: Set(kinds[i % kinds.len()]),
                title: Set(format!("Synthetic case {i}")),
                summary: Set(None),
                status: Set(statuses[i % statuses.len()]),
                phase: Set(None),
                conflict_type: Set(None),
                started_on: Set(Some(day)),
                started_precision: Set(Some(DatePrecision::Month)),
                first_activity_on: Set(Some(day)),
                last_activity_on: Set(Some(day)),
                last_activity_precision: Set(Some(DatePrecision::Day)),
                details: Set("{}".to_owned()),
                visibility: Set(Visibility::Public),
                version: Set(1),
                archived_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                violence_reported: Set(None),
                dialogue_under_way: Set(None),
                responsible_level: Set(None),
            });
            placements.push(case_location::ActiveModel {
                id: NotSet,
                case_id: Set(case_id),
                location_id: Set(site_id),
                precision: Set(PlacementPrecision::Exact),
                via_site_id: Set(None),
                source_id: Set(None),
            });
            placements.push(case_location::ActiveModel {
                id: NotSet,
                case_id: Set(case_id),
                location_id: Set(district.id),
                precision: Set(PlacementPrecision::District),
                // What the store derives for a site without a parent place.
                via_site_id: Set(Some(site_id)),
                source_id: Set(None),
            });
        }
        location::Entity::insert_many(sites).exec(&txn).await?;
        case::Entity::insert_many(cases).exec(&txn).await?;
        case_location::Entity::insert_many(placements)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("chasqui-maps-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // MAPS_BENCH_PG=postgres://…/db runs on a new PostgreSQL database on that server.
    let postgres = std::env::var("MAPS_BENCH_PG").ok();
    let database = format!("chasqui_maps_bench_{}", std::process::id());
    let rounds: usize = std::env::var("MAPS_BENCH_ROUNDS")
        .ok()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(21);
    let started = Instant::now();
    let store = common::store_with_peru(
        &dir,
        &root.join("../shared/data/peru"),
        postgres.as_deref().map(|url| (url, database.as_str())),
    )
    .await?;
    println!(
        "engine: {}",
        if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!("boundaries imported in {}", ms(started.elapsed()));
    let started = Instant::now();
    insert_cases(&store, count).await?;
    println!(
        "{count} located cases inserted in {}",
        ms(started.elapsed())
    );
    // The cases were inserted in bulk, past the store's writes: compute their
    // `case_places` and `case_points` rows as a repair does.
    let started = Instant::now();
    store.rebuild_case_places().await?;
    println!(
        "case_places and case_points rebuilt in {}",
        ms(started.elapsed())
    );
    // The sites too: give them their places as the store does for sites written before
    // the boundaries (which adds their cases' rows for those places).
    let started = Instant::now();
    let placed = store.place_unplaced_sites().await?;
    println!(
        "{placed} sites placed by locate in {}",
        ms(started.elapsed())
    );
    for table in ["case_places", "case_points"] {
        let n = store
            .db
            .query_one_raw(Statement::from_string(
                store.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        println!("{table}: {n} rows");
    }

    // R-tree load at start.
    let mut loads = Vec::new();
    let mut index = None;
    for _ in 0..7 {
        let t = Instant::now();
        let built = store.load_spatial_index().await?;
        loads.push(t.elapsed());
        index = Some(built);
    }
    let index = index.ok_or_else(|| anyhow::anyhow!("no index"))?;
    println!(
        "spatial index load ({} places, {} case points): median {} (target <= 1000 ms)",
        index.place_count(),
        index.point_count(),
        ms(median(loads))
    );

    // locate throughput.
    let mut random = Random(7);
    let points: Vec<Point<f64>> = (0..200_000)
        .map(|_| Point::new(-81.3 + random.unit() * 12.7, -18.3 + random.unit() * 18.3))
        .collect();
    let mut rates = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let t = Instant::now();
        found = points
            .iter()
            .filter(|p| index.locate_point(**p, false).district.is_some())
            .count();
        rates.push(t.elapsed());
    }
    let per_run = median(rates);
    println!(
        "locate: {:.0} points/s median over {} random points in Peru's box ({} in a district) (target >= 100000/s)",
        points.len() as f64 / per_run.as_secs_f64(),
        points.len(),
        found
    );

    // Region and bounding-box queries through the store.
    let cusco = location::Entity::find()
        .filter(location::Column::Code.eq("08"))
        .one(&store.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no Cusco"))?;
    let region_filter = CaseFilter {
        region_paths: vec![cusco.path.clone()],
        ..Default::default()
    };
    let bbox = chasqui_domain::spatial::bounding_box(-72.5, -14.5, -71.5, -13.5)
        .map_err(|e| anyhow::anyhow!(e))?;
    let bbox_filter = CaseFilter {
        spatial: vec![SpatialFilter::Within(bbox)],
        ..Default::default()
    };
    let peru = location::Entity::find()
        .filter(location::Column::Code.eq("PE"))
        .one(&store.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no Peru"))?;
    let country_filter = CaseFilter {
        region_paths: vec![peru.path.clone()],
        ..Default::default()
    };
    let mines_in_cusco = CaseFilter {
        kinds: vec![CaseKind::Mine],
        ..region_filter.clone()
    };
    for (name, base) in [
        ("region Cusco", region_filter),
        ("box 1°x1° around Cusco city", bbox_filter),
        ("region Peru (every case)", country_filter),
        ("region Cusco, mines only", mines_in_cusco),
    ] {
        let mut pages = Vec::new();
        let mut counts = Vec::new();
        let mut index_only = Vec::new();
        let mut total = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let mut filter = base.clone();
            store.resolve_spatial(Access::PUBLIC, &mut filter).await?;
            index_only.push(t.elapsed());
            let page = store
                .list_cases(
                    Access::PUBLIC,
                    &filter,
                    CaseOrderKey::LastActivity,
                    true,
                    None,
                    50,
                )
                .await?;
            pages.push(t.elapsed());
            let t = Instant::now();
            total = store.count_cases(Access::PUBLIC, &filter).await?;
            counts.push(t.elapsed());
            assert!(page.rows.len() <= 50);
        }
        println!(
            "{name}: {total} cases; index lookup median {}, first page of 50 (lookup included) median {}, totalCount median {} (target <= 5 ms)",
            ms(median(index_only)),
            ms(median(pages)),
            ms(median(counts))
        );
    }
    // A bound LIMIT against one written into the text (as the store's lists now write
    // it): the first page of every case by slug, an index walk that stops after 51 rows,
    // so what is left to see is the statement's preparation.
    let by_slug = || case::Entity::find().order_by_asc(case::Column::Slug);
    let mut bound = Vec::new();
    let mut literal = Vec::new();
    for _ in 0..rounds * 5 {
        let t = Instant::now();
        let rows = by_slug().limit(51).all(&store.db).await?;
        bound.push(t.elapsed());
        assert_eq!(rows.len(), 51);
        let t = Instant::now();
        let mut statement = by_slug().build(store.db.get_database_backend());
        statement.sql.push_str(" LIMIT 51");
        let rows = case::Entity::find()
            .from_raw_sql(statement)
            .all(&store.db)
            .await?;
        literal.push(t.elapsed());
        assert_eq!(rows.len(), 51);
    }
    println!(
        "first 51 cases by slug: LIMIT bound median {}, LIMIT in the text median {}",
        ms(median(bound)),
        ms(median(literal))
    );
    // MAPS_BENCH_KEEP=1 leaves the database for `sqlite3` (EXPLAIN QUERY PLAN).
    if std::env::var_os("MAPS_BENCH_KEEP").is_some() {
        match &postgres {
            Some(_) => println!("database kept: {database}"),
            None => println!("database kept in {}", dir.display()),
        }
    } else {
        let _ = std::fs::remove_dir_all(&dir);
        if let Some(url) = &postgres {
            drop(store);
            let admin = sea_orm::Database::connect(url.as_str()).await?;
            admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                ))
                .await?;
        }
    }
    Ok(())
}
