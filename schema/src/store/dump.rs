//! The whole database as NDJSON, in a stable order: one line per row, `{"table": …,
//! "row": {…}}`, tables in dependency order, rows by id. Loading a dump into an empty
//! database (either engine) reproduces it exactly, ids included, so that exporting again
//! gives the same bytes. This is also the way from SQLite to PostgreSQL.

use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use sea_orm::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{BufRead, Write};

/// Every table, in the order a load must insert them (referenced tables first).
pub const TABLES: [&str; 17] = [
    "locations",
    "actors",
    "actor_aliases",
    "cases",
    "case_topics",
    "case_external_ids",
    "case_relations",
    "case_locations",
    "case_actors",
    "news_items",
    "events",
    "status_changes",
    "news_links",
    "event_actors",
    "event_sources",
    "api_tokens",
    "audit_log",
];

#[derive(serde::Deserialize)]
struct Line {
    table: String,
    row: serde_json::Value,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Database(DbErr::Custom(format!("writing the dump: {e}")))
}

async fn dump_table<E, W>(
    db: &DatabaseConnection,
    table: &str,
    id: E::Column,
    out: &mut W,
) -> StoreResult<usize>
where
    E: EntityTrait,
    E::Model: Serialize + Sync,
    W: Write,
{
    let mut rows = 0;
    // Pages of 1 000 keep memory flat however large the table.
    let mut pages = E::find().order_by_asc(id).paginate(db, 1_000);
    while let Some(page) = pages.fetch_and_next().await? {
        for row in page {
            let line = serde_json::json!({ "table": table, "row": super::audit::snapshot(&row)? });
            writeln!(out, "{line}").map_err(io)?;
            rows += 1;
        }
    }
    Ok(rows)
}

async fn load_row<E, A>(
    txn: &DatabaseTransaction,
    row: serde_json::Value,
    line: usize,
) -> StoreResult<()>
where
    E: EntityTrait<ActiveModel = A>,
    E::Model: DeserializeOwned + IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let model: E::Model = serde_json::from_value(row).map_err(|e| {
        StoreError::invalid(
            format!("line {line}"),
            format!("not a row of this table: {e}"),
        )
    })?;
    let active = model.into_active_model().reset_all();
    E::insert(active).exec_without_returning(txn).await?;
    Ok(())
}

impl Store {
    /// Writes the whole database as NDJSON; returns the number of rows per table.
    pub async fn export(&self, out: &mut impl Write) -> StoreResult<Vec<(&'static str, usize)>> {
        let db = &self.db;
        Ok(vec![
            (
                "locations",
                dump_table::<location::Entity, _>(db, "locations", location::Column::Id, out)
                    .await?,
            ),
            (
                "actors",
                dump_table::<actor::Entity, _>(db, "actors", actor::Column::Id, out).await?,
            ),
            (
                "actor_aliases",
                dump_table::<actor_alias::Entity, _>(
                    db,
                    "actor_aliases",
                    actor_alias::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "cases",
                dump_table::<case::Entity, _>(db, "cases", case::Column::Id, out).await?,
            ),
            (
                "case_topics",
                dump_table::<case_topic::Entity, _>(db, "case_topics", case_topic::Column::Id, out)
                    .await?,
            ),
            (
                "case_external_ids",
                dump_table::<case_external_id::Entity, _>(
                    db,
                    "case_external_ids",
                    case_external_id::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "case_relations",
                dump_table::<case_relation::Entity, _>(
                    db,
                    "case_relations",
                    case_relation::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "case_locations",
                dump_table::<case_location::Entity, _>(
                    db,
                    "case_locations",
                    case_location::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "case_actors",
                dump_table::<case_actor::Entity, _>(db, "case_actors", case_actor::Column::Id, out)
                    .await?,
            ),
            (
                "news_items",
                dump_table::<news_item::Entity, _>(db, "news_items", news_item::Column::Id, out)
                    .await?,
            ),
            (
                "events",
                dump_table::<event::Entity, _>(db, "events", event::Column::Id, out).await?,
            ),
            (
                "status_changes",
                dump_table::<status_change::Entity, _>(
                    db,
                    "status_changes",
                    status_change::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "news_links",
                dump_table::<news_link::Entity, _>(db, "news_links", news_link::Column::Id, out)
                    .await?,
            ),
            (
                "event_actors",
                dump_table::<event_actor::Entity, _>(
                    db,
                    "event_actors",
                    event_actor::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "event_sources",
                dump_table::<event_source::Entity, _>(
                    db,
                    "event_sources",
                    event_source::Column::Id,
                    out,
                )
                .await?,
            ),
            (
                "api_tokens",
                dump_table::<api_token::Entity, _>(db, "api_tokens", api_token::Column::Id, out)
                    .await?,
            ),
            (
                "audit_log",
                dump_table::<audit_entry::Entity, _>(db, "audit_log", audit_entry::Column::Id, out)
                    .await?,
            ),
        ])
    }

    /// Loads a dump into an empty database, in one transaction; returns the rows loaded.
    /// Refuses a database that already holds cases, news or places, and any line that is
    /// not a row of a known table (naming the line).
    pub async fn load_dump(&self, input: impl BufRead) -> StoreResult<usize> {
        let txn = self.begin_write().await?;
        let occupied = case::Entity::find().count(&txn).await?
            + news_item::Entity::find().count(&txn).await?
            + location::Entity::find().count(&txn).await?;
        if occupied > 0 {
            return Err(StoreError::Conflict(
                "the database is not empty; load a dump into a new one".to_owned(),
            ));
        }
        // Places may name a parent with a higher id (a place moved under a newer one):
        // insert them without parents first, then set the parents.
        let mut parents: Vec<(i64, i64)> = Vec::new();
        let mut rows = 0;
        for (index, line) in input.lines().enumerate() {
            let number = index + 1;
            let line =
                line.map_err(|e| StoreError::invalid(format!("line {number}"), e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let Line { table, mut row } = serde_json::from_str(&line).map_err(|e| {
                StoreError::invalid(format!("line {number}"), format!("not a dump line: {e}"))
            })?;
            match table.as_str() {
                "locations" => {
                    let id = row.get("id").and_then(serde_json::Value::as_i64);
                    let parent = row.get("parent_id").and_then(serde_json::Value::as_i64);
                    if let (Some(id), Some(parent)) = (id, parent) {
                        parents.push((id, parent));
                        row["parent_id"] = serde_json::Value::Null;
                    }
                    load_row::<location::Entity, _>(&txn, row, number).await?
                }
                "actors" => load_row::<actor::Entity, _>(&txn, row, number).await?,
                "actor_aliases" => load_row::<actor_alias::Entity, _>(&txn, row, number).await?,
                "cases" => load_row::<case::Entity, _>(&txn, row, number).await?,
                "case_topics" => load_row::<case_topic::Entity, _>(&txn, row, number).await?,
                "case_external_ids" => {
                    load_row::<case_external_id::Entity, _>(&txn, row, number).await?
                }
                "case_relations" => load_row::<case_relation::Entity, _>(&txn, row, number).await?,
                "case_locations" => load_row::<case_location::Entity, _>(&txn, row, number).await?,
                "case_actors" => load_row::<case_actor::Entity, _>(&txn, row, number).await?,
                "news_items" => load_row::<news_item::Entity, _>(&txn, row, number).await?,
                "events" => load_row::<event::Entity, _>(&txn, row, number).await?,
                "status_changes" => load_row::<status_change::Entity, _>(&txn, row, number).await?,
                "news_links" => load_row::<news_link::Entity, _>(&txn, row, number).await?,
                "event_actors" => load_row::<event_actor::Entity, _>(&txn, row, number).await?,
                "event_sources" => load_row::<event_source::Entity, _>(&txn, row, number).await?,
                "api_tokens" => load_row::<api_token::Entity, _>(&txn, row, number).await?,
                "audit_log" => load_row::<audit_entry::Entity, _>(&txn, row, number).await?,
                other => {
                    return Err(StoreError::invalid(
                        format!("line {number}"),
                        format!("unknown table `{other}`"),
                    ));
                }
            }
            rows += 1;
        }
        for (id, parent) in parents {
            location::Entity::update_many()
                .col_expr(
                    location::Column::ParentId,
                    sea_orm::sea_query::Expr::value(parent),
                )
                .filter(location::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        // Derived data is not in the dump: title keys (for dumps that predate them) and
        // the search index are recomputed from the rows.
        super::import::backfill_title_keys(&txn).await?;
        super::search::rebuild_index(&txn).await?;
        super::spatial::refresh_case_places(&txn, super::spatial::CasePlaces::All).await?;
        if ConnectionTrait::get_database_backend(&txn) == DbBackend::Postgres {
            // Ids were given explicitly: move each sequence past the highest.
            for table in TABLES {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                txn.execute_unprepared(&sql).await?;
            }
        }
        txn.commit().await?;
        Ok(rows)
    }
}
