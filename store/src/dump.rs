//! The whole database as NDJSON, in a stable order: one line per row, `{"table": …,
//! "row": {…}}`, tables in dependency order, rows by id. Loading a dump into an empty
//! database (either engine) reproduces it exactly, ids included, so that exporting again
//! gives the same bytes. This is also the way from SQLite to PostgreSQL. Consecutive
//! rows of a table are loaded by multi-row `INSERT`s; derived tables (search documents,
//! `site_places`, `case_places`) are not in the dump and are computed after the load, and
//! the derived `effective_visibility` of links, events and status changes is derived again
//! (a dump written before it existed carries none). Derived placements come with the
//! site they were derived from (`via_site_id`); in a dump written before placements
//! recorded it, they are found again as the migration that added it found them.

use super::{Store, StoreError, StoreResult};
use chasqui_entities::tables::*;
use sea_orm::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{BufRead, Write};

/// Every table, in the order a load must insert them (referenced tables first).
pub const TABLES: [&str; 19] = [
    "locations",
    "sources",
    "actors",
    "actor_aliases",
    "cases",
    "case_topics",
    "case_external_ids",
    "case_relations",
    "case_locations",
    "case_actors",
    "register_entries",
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

/// Bound values per `INSERT`: under SQLite's limit of 32,766 and PostgreSQL's of 65,535.
const PARAMS_PER_INSERT: usize = 16_000;

/// Consecutive dump lines of one table, inserted by one multi-row `INSERT`.
struct Batch {
    table: &'static str,
    /// Rows per `INSERT` for this table.
    capacity: usize,
    /// (line number, row)
    rows: Vec<(usize, serde_json::Value)>,
}

impl Batch {
    /// Inserts the rows and empties the batch. A row that does not read as a row of its
    /// table names its line; a row the database refuses names the batch's lines.
    async fn flush(&mut self, txn: &DatabaseTransaction) -> StoreResult<()> {
        let rows = std::mem::take(&mut self.rows);
        match self.table {
            "locations" => insert_rows::<location::Entity, _>(txn, self.table, rows).await,
            "sources" => insert_rows::<source::Entity, _>(txn, self.table, rows).await,
            "register_entries" => {
                insert_rows::<register_entry::Entity, _>(txn, self.table, rows).await
            }
            "actors" => insert_rows::<actor::Entity, _>(txn, self.table, rows).await,
            "actor_aliases" => insert_rows::<actor_alias::Entity, _>(txn, self.table, rows).await,
            "cases" => insert_rows::<case::Entity, _>(txn, self.table, rows).await,
            "case_topics" => insert_rows::<case_topic::Entity, _>(txn, self.table, rows).await,
            "case_external_ids" => {
                insert_rows::<case_external_id::Entity, _>(txn, self.table, rows).await
            }
            "case_relations" => {
                insert_rows::<case_relation::Entity, _>(txn, self.table, rows).await
            }
            "case_locations" => {
                insert_rows::<case_location::Entity, _>(txn, self.table, rows).await
            }
            "case_actors" => insert_rows::<case_actor::Entity, _>(txn, self.table, rows).await,
            "news_items" => insert_rows::<news_item::Entity, _>(txn, self.table, rows).await,
            "events" => insert_rows::<event::Entity, _>(txn, self.table, rows).await,
            "status_changes" => {
                insert_rows::<status_change::Entity, _>(txn, self.table, rows).await
            }
            "news_links" => insert_rows::<news_link::Entity, _>(txn, self.table, rows).await,
            "event_actors" => insert_rows::<event_actor::Entity, _>(txn, self.table, rows).await,
            "event_sources" => insert_rows::<event_source::Entity, _>(txn, self.table, rows).await,
            "api_tokens" => insert_rows::<api_token::Entity, _>(txn, self.table, rows).await,
            "audit_log" => insert_rows::<audit_entry::Entity, _>(txn, self.table, rows).await,
            other => Err(StoreError::Database(DbErr::Custom(format!(
                "no loader for table `{other}`"
            )))),
        }
    }

    /// Rows one `INSERT` takes for this table: as many as fit the bound-value budget.
    fn capacity(table: &str) -> usize {
        let columns = match table {
            "locations" => location::Column::iter().count(),
            "sources" => source::Column::iter().count(),
            "register_entries" => register_entry::Column::iter().count(),
            "actors" => actor::Column::iter().count(),
            "actor_aliases" => actor_alias::Column::iter().count(),
            "cases" => case::Column::iter().count(),
            "case_topics" => case_topic::Column::iter().count(),
            "case_external_ids" => case_external_id::Column::iter().count(),
            "case_relations" => case_relation::Column::iter().count(),
            "case_locations" => case_location::Column::iter().count(),
            "case_actors" => case_actor::Column::iter().count(),
            "news_items" => news_item::Column::iter().count(),
            "events" => event::Column::iter().count(),
            "status_changes" => status_change::Column::iter().count(),
            "news_links" => news_link::Column::iter().count(),
            "event_actors" => event_actor::Column::iter().count(),
            "event_sources" => event_source::Column::iter().count(),
            "api_tokens" => api_token::Column::iter().count(),
            _ => audit_entry::Column::iter().count(),
        };
        (PARAMS_PER_INSERT / columns.max(1)).clamp(1, 1_000)
    }
}

async fn insert_rows<E, A>(
    txn: &DatabaseTransaction,
    table: &str,
    rows: Vec<(usize, serde_json::Value)>,
) -> StoreResult<()>
where
    E: EntityTrait<ActiveModel = A>,
    E::Model: DeserializeOwned + IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let (Some(first), Some(last)) = (
        rows.first().map(|(line, _)| *line),
        rows.last().map(|(line, _)| *line),
    ) else {
        return Ok(());
    };
    let mut models = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let model: E::Model = serde_json::from_value(row).map_err(|e| {
            StoreError::invalid(
                format!("line {line}"),
                format!("not a row of `{table}`: {e}"),
            )
        })?;
        models.push(model.into_active_model().reset_all());
    }
    E::insert_many(models)
        .exec_without_returning(txn)
        .await
        .map_err(|e| match e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => StoreError::Database(e),
            refused => StoreError::invalid(
                if first == last {
                    format!("line {first}")
                } else {
                    format!("lines {first}-{last}")
                },
                format!("the database refused a row of `{table}`: {refused}"),
            ),
        })?;
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
                "sources",
                dump_table::<source::Entity, _>(db, "sources", source::Column::Id, out).await?,
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
                "register_entries",
                dump_table::<register_entry::Entity, _>(
                    db,
                    "register_entries",
                    register_entry::Column::Id,
                    out,
                )
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
        // A placement without `via_site_id`: a dump written before placements recorded
        // the site they were derived from.
        let mut unmarked_placements = false;
        let mut rows = 0;
        let mut batch = Batch {
            table: TABLES[0],
            capacity: Batch::capacity(TABLES[0]),
            rows: Vec::new(),
        };
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
            let Some(table) = TABLES.iter().copied().find(|known| *known == table) else {
                return Err(StoreError::invalid(
                    format!("line {number}"),
                    format!("unknown table `{table}`"),
                ));
            };
            if table == "news_items" {
                // Dumps written before title keys existed: derive the key as it is loaded
                // rather than in a second pass over every item.
                let title = row.get("title").and_then(serde_json::Value::as_str);
                let key = row.get("title_key").filter(|k| !k.is_null());
                if let (Some(title), None) = (title, key) {
                    row["title_key"] = serde_json::Value::String(super::news::title_key(title));
                }
            }
            if table == "case_locations" && row.get("via_site_id").is_none() {
                unmarked_placements = true;
            }
            if table == "locations" {
                let id = row.get("id").and_then(serde_json::Value::as_i64);
                let parent = row.get("parent_id").and_then(serde_json::Value::as_i64);
                if let (Some(id), Some(parent)) = (id, parent) {
                    parents.push((id, parent));
                    row["parent_id"] = serde_json::Value::Null;
                }
            }
            if table != batch.table || batch.rows.len() >= batch.capacity {
                batch.flush(&txn).await?;
                batch.table = table;
                batch.capacity = Batch::capacity(table);
            }
            batch.rows.push((number, row));
            rows += 1;
        }
        batch.flush(&txn).await?;
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
        // Derived data is not in the dump: the search index is recomputed from the rows
        // (and title keys, for rows the loop above could not key).
        super::import::backfill_title_keys(&txn).await?;
        super::search::rebuild_index(&txn).await?;
        // Sites are placed in the loaded boundaries, then cases in their places.
        let index = super::spatial::load_index(&txn).await?;
        Store::place_all_sites(&txn, &index, true).await?;
        if unmarked_placements {
            txn.execute_unprepared(super::MARK_DERIVED_PLACEMENTS)
                .await?;
        }
        super::spatial::refresh_case_places(&txn, super::spatial::CasePlaces::All).await?;
        // Effective visibility follows the loaded records (a dump written before it
        // existed carries none).
        super::effective::refresh(&txn, super::effective::Scope::All).await?;
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
