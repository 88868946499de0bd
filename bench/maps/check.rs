//! Prints the real-data check of `locate`: each row of the mining conflict table, the
//! department the table names, the one `locate` finds, and the reason when they differ.
//!
//!   cargo run --release --example maps-check [-- CSV [PERU_DIR]]
//!
//! Defaults: ../shared/data/conflicts/mining-conflicts-2024-03.csv and ../shared/data/peru/
//! (relative to the repository). The boundaries are imported into a temporary SQLite file.

#[path = "common.rs"]
mod common;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args().skip(1);
    let csv = args.next().map_or_else(
        || root.join("../shared/data/conflicts/mining-conflicts-2024-03.csv"),
        Into::into,
    );
    let peru = args
        .next()
        .map_or_else(|| root.join("../shared/data/peru"), Into::into);
    let dir = tempfile_dir()?;
    let store = common::store_with_peru(&dir, &peru, None).await?;
    let index = store.spatial_index().await?;
    let rows = chasqui::maps_check::check_table(&index, &csv)?;
    let agree = rows.iter().filter(|r| r.agrees).count();
    println!(
        "{}: {agree} of {} rows agree with locate",
        csv.display(),
        rows.len()
    );
    println!();
    println!("disagreements:");
    for row in rows.iter().filter(|r| !r.agrees) {
        println!("{row}");
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("chasqui-maps-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
