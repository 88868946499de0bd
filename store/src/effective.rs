//! Effective visibility: the one rule of who may see a news link, an event or a status
//! change once what it depends on is taken into account, derived into the rows'
//! `effective_visibility` column in the transaction of every write that can change it.
//!
//! - A **news link** is HIDDEN when its news item is archived, PUBLIC when it and its
//!   news item are both public, RESTRICTED otherwise.
//! - An **event** or a **status change** is HIDDEN when it is archived (events) or a link
//!   that reported it is HIDDEN, PUBLIC when it is public and every link that reported it
//!   is PUBLIC, RESTRICTED otherwise. A record no link reported follows its own
//!   visibility (and archiving).
//!
//! The case is not part of it: every read joins its case's own rule (`visible_cases`).
//! Reads test the column through `read::effective_visible_sql` (anonymous callers the
//! PUBLIC rows, others all but the HIDDEN ones), and `refresh_case` derives a case's
//! status and last activity from the PUBLIC rows only, so a restricted or archived news
//! item moves nothing public through the links that cite it.
//!
//! Writes call [`refresh`] with the rows they touched, after writing them and before
//! `refresh_case`; [`refresh`] with [`Scope::All`] recomputes everything (a dump load,
//! and the test that holds the kept values equal to a recomputation).

use super::{Sql, StoreResult};
use sea_orm::ConnectionTrait;

/// The rows to derive again.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope<'a> {
    /// Every row.
    All,
    /// The links of a news item, and what they reported.
    NewsItem(i64),
    /// These links, and what they reported.
    Links(&'a [i64]),
    /// One event (no link reported it, or its links did not change).
    Event(i64),
    /// One status change (likewise).
    StatusChange(i64),
}

const LINKS: &str = "UPDATE news_links SET effective_visibility = COALESCE((SELECT CASE \
     WHEN n.archived_at IS NOT NULL THEN 'HIDDEN' \
     WHEN n.visibility = 'PUBLIC' AND news_links.visibility = 'PUBLIC' THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END FROM news_items n WHERE n.id = news_links.news_item_id), 'HIDDEN')";

const EVENTS: &str = "UPDATE events SET effective_visibility = CASE \
     WHEN events.archived_at IS NOT NULL OR EXISTS (SELECT 1 FROM news_links l \
     WHERE l.event_id = events.id AND l.effective_visibility = 'HIDDEN') THEN 'HIDDEN' \
     WHEN events.visibility = 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM news_links l \
     WHERE l.event_id = events.id AND l.effective_visibility <> 'PUBLIC') THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END";

const STATUS_CHANGES: &str = "UPDATE status_changes SET effective_visibility = CASE \
     WHEN EXISTS (SELECT 1 FROM news_links l \
     WHERE l.status_change_id = status_changes.id AND l.effective_visibility = 'HIDDEN') \
     THEN 'HIDDEN' \
     WHEN status_changes.visibility = 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM news_links l \
     WHERE l.status_change_id = status_changes.id AND l.effective_visibility <> 'PUBLIC') \
     THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END";

/// `news_links.<links of scope>`: the links a scope names (for `NewsItem` and `Links`).
fn links_of(sql: &mut Sql, scope: Scope<'_>) {
    match scope {
        Scope::NewsItem(id) => {
            sql.push("news_links.news_item_id = ").bind(id);
        }
        Scope::Links(ids) => {
            sql.push("news_links.id IN ").bind_list(ids);
        }
        Scope::All | Scope::Event(_) | Scope::StatusChange(_) => {
            sql.push("TRUE");
        }
    }
}

/// Derives `effective_visibility` again for the rows of `scope`: links first, then the
/// events and status changes that depend on them.
pub(crate) async fn refresh(db: &impl ConnectionTrait, scope: Scope<'_>) -> StoreResult<()> {
    let backend = db.get_database_backend();
    let statement = |text: &str, condition: &dyn Fn(&mut Sql)| {
        let mut sql = Sql::new(backend);
        sql.push(text);
        condition(&mut sql);
        sql.build()
    };
    match scope {
        Scope::All => {
            for text in [LINKS, EVENTS, STATUS_CHANGES] {
                db.execute_raw(statement(text, &|_| {})).await?;
            }
        }
        Scope::Event(id) => {
            let one = statement(EVENTS, &|sql| {
                sql.push(" WHERE events.id = ").bind(id);
            });
            db.execute_raw(one).await?;
        }
        Scope::StatusChange(id) => {
            let one = statement(STATUS_CHANGES, &|sql| {
                sql.push(" WHERE status_changes.id = ").bind(id);
            });
            db.execute_raw(one).await?;
        }
        Scope::Links([]) => {}
        Scope::NewsItem(_) | Scope::Links(_) => {
            let links = statement(LINKS, &|sql| {
                sql.push(" WHERE ");
                links_of(sql, scope);
            });
            db.execute_raw(links).await?;
            for (text, table, column) in [
                (EVENTS, "events", "event_id"),
                (STATUS_CHANGES, "status_changes", "status_change_id"),
            ] {
                let reported = statement(text, &|sql| {
                    sql.push(&format!(
                        " WHERE {table}.id IN (SELECT news_links.{column} FROM news_links WHERE "
                    ));
                    links_of(sql, scope);
                    sql.push(")");
                });
                db.execute_raw(reported).await?;
            }
        }
    }
    Ok(())
}

impl super::Store {
    /// Derives the effective visibility of every link, event and status change again, in
    /// one transaction. The store keeps it current in every write; this is for checking
    /// that it does (the values must not change).
    pub async fn recompute_effective_visibility(&self) -> StoreResult<()> {
        let txn = self.begin_write().await?;
        refresh(&txn, Scope::All).await?;
        txn.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Access;
    use super::super::read::*;
    use chasqui_entities::tables::{case, event, news_link, status_change};
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    /// The conditions of sea-query reads and the fragments of hand-written statements are
    /// one rule: the conditions are made of the fragments.
    #[test]
    fn conditions_and_hand_written_fragments_are_one_rule() {
        for access in [Access::PUBLIC, Access::FULL] {
            for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
                let sql = |query: String, table: &str, fragment: String| {
                    assert!(
                        query.contains(&fragment),
                        "{table} ({backend:?}, {access:?}): `{fragment}` not in `{query}`"
                    );
                };
                let events = event::Entity::find().filter(visible_events(access));
                sql(
                    events.build(backend).to_string(),
                    "events",
                    effective_visible_sql("\"events\"", access),
                );
                let changes = status_change::Entity::find().filter(visible_status_changes(access));
                sql(
                    changes.build(backend).to_string(),
                    "status_changes",
                    effective_visible_sql("\"status_changes\"", access),
                );
                let links = news_link::Entity::find().filter(visible_links(access));
                sql(
                    links.build(backend).to_string(),
                    "news_links",
                    effective_visible_sql("\"news_links\"", access),
                );
                let cases = case::Entity::find().filter(visible_cases(access));
                let cases = cases.build(backend).to_string();
                if let Some(rule) = own_visible_sql("\"cases\"", access, true) {
                    sql(cases, "cases", rule);
                }
            }
        }
        assert_eq!(
            effective_visible_sql("e", Access::PUBLIC),
            "e.effective_visibility = 'PUBLIC'"
        );
        assert_eq!(
            effective_visible_sql("e", Access::FULL),
            "e.effective_visibility <> 'HIDDEN'"
        );
        assert_eq!(
            own_visible_sql("c", Access::PUBLIC, true).as_deref(),
            Some("c.archived_at IS NULL AND c.visibility = 'PUBLIC'")
        );
        assert_eq!(own_visible_sql("r", Access::FULL, false), None);
    }
}
