//! Visibility: who may see what. The one home of what `PUBLIC`, `RESTRICTED` and `HIDDEN`
//! mean and of how a read tests them, for the two ways the store writes a statement:
//!
//! - **SQL fragments** over a table or an alias ([`own_visible_sql`],
//!   [`effective_visible_sql`], [`placement_visible_sql`], the mirrored columns of
//!   `case_places` and `case_points`) for the hand-written statements (the case page, the
//!   timeline, search, the spatial rows, counts);
//! - **sea-query conditions** ([`visible_cases`], [`visible_events`]…) for the reads the
//!   query builder writes, each made of the fragment it stands for.
//!
//! The rules:
//!
//! - a record with a visibility of its own (case, actor, location, news item, role) is seen
//!   by an anonymous caller when it is PUBLIC and unarchived, by any other caller when it
//!   is unarchived;
//! - a news link, an event or a status change carries an `effective_visibility` derived
//!   from what it depends on (the statements below, [`DERIVE_LINKS`], [`DERIVE_EVENTS`],
//!   [`DERIVE_STATUS_CHANGES`], run by `effective::refresh`): an anonymous caller sees the
//!   PUBLIC rows, any other caller all but the HIDDEN ones;
//! - a news link is public only once a person CONFIRMED it: a suggestion (with its
//!   confidence and matched terms) and a rejection are editors' work, seen only by callers
//!   who may see restricted records, and only where a read asks for them ([`LinkStates`],
//!   [`link_visible_sql`]);
//! - a placement is seen when its location is, and, for a placement derived from a site,
//!   when that site is too.

use chasqui_entities::tables::*;
use chasqui_entities::{EffectiveVisibility, LinkState, Visibility};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait};

/// What the caller may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Whether RESTRICTED records are visible.
    pub see_restricted: bool,
}

impl Access {
    /// Anonymous readers: public records only.
    pub const PUBLIC: Access = Access {
        see_restricted: false,
    };
    /// Readers trusted with restricted records.
    pub const FULL: Access = Access {
        see_restricted: true,
    };
}

/// Whether a record of this visibility is kept from anonymous callers.
pub(crate) fn is_restricted(visibility: Visibility) -> bool {
    visibility != Visibility::Public
}

/// `<table>.visibility = 'PUBLIC'`: the record's own visibility lets anonymous callers see
/// it (a boolean, also written into rows that mirror it).
pub(crate) fn public_sql(table: &str) -> String {
    format!("{table}.visibility = '{}'", Visibility::Public.as_str())
}

/// `CASE WHEN <public> THEN 0 ELSE 1 END`: an order key that puts public records first.
pub(crate) fn public_first_sql(table: &str) -> String {
    format!("CASE WHEN {} THEN 0 ELSE 1 END", public_sql(table))
}

/// Who may see a row by its own `visibility` and `archived_at`, as SQL over `table` (a
/// quoted table name or an alias): unarchived (when `archived`) and, unless the caller
/// sees restricted records, public. The one home of the rule: the sea-query conditions
/// below and the hand-written statements (`detail.rs`, `timeline.rs`, `search.rs`) are
/// all made from it. `None` when nothing is to be checked (a viewer, a table without
/// archiving).
pub(crate) fn own_visible_sql(table: &str, access: Access, archived: bool) -> Option<String> {
    let mut parts = Vec::with_capacity(2);
    if archived {
        parts.push(format!("{table}.archived_at IS NULL"));
    }
    if !access.see_restricted {
        parts.push(public_sql(table));
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// Who may see a news link, an event or a status change, from its derived
/// `effective_visibility` (`store/effective.rs`: a link follows its news item, what a link
/// reported follows the link): anonymous callers the PUBLIC rows, others every row but the
/// HIDDEN ones. As SQL over `table`, like [`own_visible_sql`].
pub(crate) fn effective_visible_sql(table: &str, access: Access) -> String {
    if access.see_restricted {
        format!(
            "{table}.effective_visibility <> '{}'",
            EffectiveVisibility::Hidden.as_str()
        )
    } else {
        format!(
            "{table}.effective_visibility = '{}'",
            EffectiveVisibility::Public.as_str()
        )
    }
}

/// The quoted name of a column's table, as sea-query writes it.
fn quoted_table(column: impl ColumnTrait) -> String {
    format!("\"{}\"", column.entity_name())
}

/// `visibility` / `archived_at` conditions for one table ([`own_visible_sql`]).
pub(crate) fn visible<C: ColumnTrait>(
    access: Access,
    visibility: C,
    archived_at: Option<C>,
) -> Condition {
    let rule = own_visible_sql(&quoted_table(visibility), access, archived_at.is_some());
    Condition::all().add_option(rule.map(Expr::cust))
}

pub(crate) fn visible_cases(access: Access) -> Condition {
    visible(
        access,
        case::Column::Visibility,
        Some(case::Column::ArchivedAt),
    )
}
pub(crate) fn visible_actors(access: Access) -> Condition {
    visible(
        access,
        actor::Column::Visibility,
        Some(actor::Column::ArchivedAt),
    )
}
pub(crate) fn visible_locations(access: Access) -> Condition {
    visible(
        access,
        location::Column::Visibility,
        Some(location::Column::ArchivedAt),
    )
}
pub(crate) fn visible_news(access: Access) -> Condition {
    visible(
        access,
        news_item::Column::Visibility,
        Some(news_item::Column::ArchivedAt),
    )
}
/// Events by their effective visibility (their case is the caller's to check).
pub(crate) fn visible_events(access: Access) -> Condition {
    Condition::all().add(Expr::cust(effective_visible_sql(
        &quoted_table(event::Column::Id),
        access,
    )))
}
/// Status changes by their effective visibility (their case is the caller's to check).
pub(crate) fn visible_status_changes(access: Access) -> Condition {
    Condition::all().add(Expr::cust(effective_visible_sql(
        &quoted_table(status_change::Column::Id),
        access,
    )))
}
/// The states of news links a read lists: a set of [`LinkState`]s. Lists of links ask
/// for CONFIRMED links unless the caller names others; [`LinkStates::seen_by`] keeps
/// only what the caller may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkStates {
    bits: u8,
}

impl LinkStates {
    /// Links a person confirmed: what lists show by default, and all anonymous callers
    /// ever see.
    pub const CONFIRMED: LinkStates = LinkStates {
        bits: Self::bit(LinkState::Confirmed),
    };
    /// Every state (a lookup by id: the caller's access alone decides).
    pub const ALL: LinkStates = LinkStates {
        bits: Self::bit(LinkState::Suggested)
            | Self::bit(LinkState::Confirmed)
            | Self::bit(LinkState::Rejected),
    };

    const fn bit(state: LinkState) -> u8 {
        match state {
            LinkState::Suggested => 1,
            LinkState::Confirmed => 2,
            LinkState::Rejected => 4,
        }
    }

    /// The states named (none: an empty set, which lists nothing).
    pub fn of(states: impl IntoIterator<Item = LinkState>) -> LinkStates {
        LinkStates {
            bits: states.into_iter().fold(0, |bits, s| bits | Self::bit(s)),
        }
    }

    pub fn contains(self, state: LinkState) -> bool {
        self.bits & Self::bit(state) != 0
    }

    /// The states of this set that `access` may see: all of them for a caller who may
    /// see restricted records, CONFIRMED alone (if asked) for anyone else.
    pub fn seen_by(self, access: Access) -> LinkStates {
        if access.see_restricted {
            self
        } else {
            LinkStates {
                bits: self.bits & Self::CONFIRMED.bits,
            }
        }
    }

    /// The states, in declaration order.
    pub fn states(self) -> impl Iterator<Item = LinkState> {
        LinkState::ALL
            .iter()
            .copied()
            .filter(move |s| self.contains(*s))
    }
}

impl Default for LinkStates {
    fn default() -> Self {
        Self::CONFIRMED
    }
}

/// Who may see a news link, as SQL over `table`, like [`effective_visible_sql`]: its
/// effective visibility (its own and its news item's) and its state, among the `states`
/// a read asks for, those the caller may see ([`LinkStates::seen_by`]: anonymous callers
/// CONFIRMED links only). The one home of the rule: [`visible_link_rows`],
/// [`listed_links`] and the timeline's news branch (`timeline.rs`, which the case page
/// shares) are all made from it. A set the caller may see nothing of selects nothing.
pub(crate) fn link_visible_sql(table: &str, access: Access, states: LinkStates) -> String {
    let states: Vec<String> = states
        .seen_by(access)
        .states()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let state = if states.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("{table}.state IN ({})", states.join(", "))
    };
    format!("{} AND {state}", effective_visible_sql(table, access))
}

/// News links in `states` that the caller may see ([`link_visible_sql`]), whatever
/// their case.
pub(crate) fn listed_link_rows(access: Access, states: LinkStates) -> Condition {
    Condition::all().add(Expr::cust(link_visible_sql(
        &quoted_table(news_link::Column::Id),
        access,
        states,
    )))
}
/// News links in `states` that the caller may see, to a visible case.
pub(crate) fn listed_links(access: Access, states: LinkStates) -> Condition {
    listed_link_rows(access, states).add(in_visible::<case::Entity>(
        news_link::Column::CaseId,
        case::Column::Id,
        visible_cases(access),
    ))
}
/// News links the caller may see in any state ([`listed_link_rows`] of every state),
/// whatever their case.
pub(crate) fn visible_link_rows(access: Access) -> Condition {
    listed_link_rows(access, LinkStates::ALL)
}
/// News links the caller may see in any state, to a visible case.
pub(crate) fn visible_links(access: Access) -> Condition {
    listed_links(access, LinkStates::ALL)
}

/// `EXISTS (SELECT 1 FROM <entity> WHERE <entity>.id = column AND <visible>)`: the row
/// `column` points at is visible. Correlated, so each row costs one primary-key lookup;
/// SQLite evaluates `column IN (SELECT id … WHERE <visible>)` by listing every visible
/// row of the entity first (see `bench/perf/README.md`). `column` must belong to another
/// table than `E`.
pub(crate) fn in_visible<E: EntityTrait>(
    column: impl ColumnTrait,
    id: E::Column,
    cond: Condition,
) -> SimpleExpr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(E::default())
        .cond_where(cond.add(Expr::col((E::default(), id)).equals((column.entity_name(), column))));
    Expr::exists(sub)
}

/// Who may see a placement of a case (its case is the caller's to check), as SQL over the
/// placement's alias `placement` and its location's alias `location`: the location visible
/// ([`own_visible_sql`]) and, for a placement the store derived from a site
/// (`via_site_id`: the district a site without a parent place lies in,
/// `spatial::derive_districts`), that site visible too, so that the district says nothing
/// about a site the caller may not see. The one home of the rule: [`visible_placements`],
/// the case page (`detail.rs`), the spatial index and the `case_places` and `case_points`
/// rows (`spatial.rs`, under both audiences) are all made from it.
pub(crate) fn placement_visible_sql(placement: &str, location: &str, access: Access) -> String {
    let own =
        |table: &str| own_visible_sql(table, access, true).unwrap_or_else(|| "1 = 1".to_owned());
    format!(
        "{} AND ({placement}.via_site_id IS NULL OR EXISTS (SELECT 1 FROM locations via_site \
         WHERE via_site.id = {placement}.via_site_id AND {}))",
        own(location),
        own("via_site"),
    )
}

/// Placements a caller may see ([`placement_visible_sql`]), as a condition on
/// `case_locations`: one correlated primary-key lookup of the location (see
/// [`in_visible`]).
pub(crate) fn visible_placements(access: Access) -> Condition {
    Condition::all().add(Expr::cust(format!(
        r#"EXISTS (SELECT 1 FROM locations placed WHERE placed.id = "case_locations"."location_id" AND {})"#,
        placement_visible_sql(r#""case_locations""#, "placed", access)
    )))
}

/// Actor roles a caller may see or go through: the role itself, its actor and its case
/// visible.
pub(crate) fn visible_roles(access: Access) -> Condition {
    visible(access, case_actor::Column::Visibility, None)
        .add(in_visible::<actor::Entity>(
            case_actor::Column::ActorId,
            actor::Column::Id,
            visible_actors(access),
        ))
        .add(in_visible::<case::Entity>(
            case_actor::Column::CaseId,
            case::Column::Id,
            visible_cases(access),
        ))
}

/// The `case_places` rows a caller may use: the case unarchived and, unless the caller
/// sees restricted records, public and reached through a public location (the rules of
/// `visible_cases` and `visible_locations`, mirrored in the row).
pub(crate) fn case_places_visible(access: Access) -> &'static str {
    if access.see_restricted {
        "NOT case_places.case_archived"
    } else {
        "case_places.via_public AND case_places.case_public AND NOT case_places.case_archived"
    }
}

/// The `case_points` rows a caller may use: the case unarchived and, unless the caller
/// sees restricted records, public, on a placement it may see (mirrored in the row, as in
/// [`case_places_visible`]).
pub(crate) fn case_points_visible(access: Access) -> &'static str {
    if access.see_restricted {
        "NOT case_points.case_archived"
    } else {
        "case_points.location_public AND case_points.case_public AND NOT case_points.case_archived"
    }
}

/// Derives a news link's `effective_visibility`: HIDDEN when its news item is archived (or
/// gone), PUBLIC when it and its news item are both public, RESTRICTED otherwise.
pub(crate) const DERIVE_LINKS: &str = "UPDATE news_links SET effective_visibility = COALESCE((SELECT CASE \
     WHEN n.archived_at IS NOT NULL THEN 'HIDDEN' \
     WHEN n.visibility = 'PUBLIC' AND news_links.visibility = 'PUBLIC' THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END FROM news_items n WHERE n.id = news_links.news_item_id), 'HIDDEN')";

/// Derives an event's `effective_visibility`: HIDDEN when it is archived or a link that
/// reported it is HIDDEN, PUBLIC when it is public and every link that reported it is
/// PUBLIC, RESTRICTED otherwise.
pub(crate) const DERIVE_EVENTS: &str = "UPDATE events SET effective_visibility = CASE \
     WHEN events.archived_at IS NOT NULL OR EXISTS (SELECT 1 FROM news_links l \
     WHERE l.event_id = events.id AND l.effective_visibility = 'HIDDEN') THEN 'HIDDEN' \
     WHEN events.visibility = 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM news_links l \
     WHERE l.event_id = events.id AND l.effective_visibility <> 'PUBLIC') THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END";

/// Derives a status change's `effective_visibility`, as [`DERIVE_EVENTS`] (status changes
/// are not archived on their own).
pub(crate) const DERIVE_STATUS_CHANGES: &str = "UPDATE status_changes SET effective_visibility = CASE \
     WHEN EXISTS (SELECT 1 FROM news_links l \
     WHERE l.status_change_id = status_changes.id AND l.effective_visibility = 'HIDDEN') \
     THEN 'HIDDEN' \
     WHEN status_changes.visibility = 'PUBLIC' AND NOT EXISTS (SELECT 1 FROM news_links l \
     WHERE l.status_change_id = status_changes.id AND l.effective_visibility <> 'PUBLIC') \
     THEN 'PUBLIC' \
     ELSE 'RESTRICTED' END";

#[cfg(test)]
mod tests {
    //! The conditions of sea-query reads and the fragments of hand-written statements are
    //! one rule: on a real database, each selects the same rows for both audiences.

    use super::*;
    use chasqui_migrations::{Migrator, MigratorTrait};
    use sea_orm::{
        ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryFilter,
        QuerySelect, Statement,
    };

    const NOW: &str = "'2026-01-01 00:00:00+00:00'";

    async fn database() -> DatabaseConnection {
        let mut options = ConnectOptions::new("sqlite::memory:");
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let db = Database::connect(options)
            .await
            .unwrap_or_else(|e| panic!("in-memory SQLite: {e}"));
        Migrator::up(&db, None)
            .await
            .unwrap_or_else(|e| panic!("migrations: {e}"));
        let mut statements = Vec::new();
        // Every mix of own visibility and archiving, for each table with a rule of its own.
        for (i, (visibility, archived)) in [
            ("PUBLIC", "NULL"),
            ("RESTRICTED", "NULL"),
            ("PUBLIC", NOW),
            ("RESTRICTED", NOW),
        ]
        .into_iter()
        .enumerate()
        {
            let id = i + 1;
            statements.push(format!(
                "INSERT INTO cases (id, slug, kind, title, status, visibility, archived_at, \
                 created_at, updated_at) VALUES ({id}, 'c{id}', 'SOCIAL_CONFLICT', 'c', 'ACTIVE', \
                 '{visibility}', {archived}, {NOW}, {NOW})"
            ));
            statements.push(format!(
                "INSERT INTO locations (id, name, level, path, visibility, archived_at, \
                 created_at, updated_at) VALUES ({id}, 'l', 'SITE', '/{id}/', '{visibility}', \
                 {archived}, {NOW}, {NOW})"
            ));
        }
        // Each case placed on each location, derived through the site of its own id.
        for case_id in 1..=4 {
            for location in 1..=4 {
                let via = if location == case_id {
                    "NULL".to_owned()
                } else {
                    case_id.to_string()
                };
                statements.push(format!(
                    "INSERT INTO case_locations (case_id, location_id, \"precision\", via_site_id) \
                     VALUES ({case_id}, {location}, 'EXACT', {via})"
                ));
            }
        }
        for (i, effective) in ["PUBLIC", "RESTRICTED", "HIDDEN"].into_iter().enumerate() {
            let id = i + 1;
            statements.push(format!(
                "INSERT INTO events (id, case_id, kind, title, occurred_on, occurred_precision, \
                 visibility, effective_visibility, created_at, updated_at) VALUES ({id}, 1, \
                 'PROTEST', 'e', '2025-01-01', 'DAY', 'PUBLIC', '{effective}', {NOW}, {NOW})"
            ));
        }
        // Links to the public case in every state and effective visibility, each of a
        // news item of its own: id = 1 + 3 * state + effective.
        for (s, state) in ["SUGGESTED", "CONFIRMED", "REJECTED"]
            .into_iter()
            .enumerate()
        {
            for (e, effective) in ["PUBLIC", "RESTRICTED", "HIDDEN"].into_iter().enumerate() {
                let id = 1 + 3 * s + e;
                statements.push(format!(
                    "INSERT INTO news_items (id, title, published_on, published_precision, \
                     visibility, version, created_at, updated_at) VALUES ({id}, 'n', \
                     '2025-01-01', 'DAY', 'PUBLIC', 1, {NOW}, {NOW})"
                ));
                statements.push(format!(
                    "INSERT INTO news_links (id, news_item_id, case_id, update_kind, state, \
                     visibility, effective_visibility, created_at, updated_at) VALUES ({id}, \
                     {id}, 1, 'DEVELOPMENT', '{state}', 'PUBLIC', '{effective}', {NOW}, {NOW})"
                ));
            }
        }
        for statement in statements {
            db.execute_unprepared(&statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        db
    }

    async fn ids_of(db: &DatabaseConnection, sql: String) -> Vec<i64> {
        let rows = db
            .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql.clone()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let mut ids: Vec<i64> = rows
            .iter()
            .map(|row| {
                row.try_get_by_index(0)
                    .unwrap_or_else(|e| panic!("an id: {e}"))
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    async fn ids_by<E: EntityTrait>(
        db: &DatabaseConnection,
        id: E::Column,
        condition: Condition,
    ) -> Vec<i64> {
        let mut ids: Vec<i64> = E::find()
            .select_only()
            .column(id)
            .filter(condition)
            .into_tuple()
            .all(db)
            .await
            .unwrap_or_else(|e| panic!("a condition's rows: {e}"));
        ids.sort_unstable();
        ids
    }

    #[tokio::test]
    async fn conditions_and_fragments_select_the_same_rows() {
        let db = database().await;
        for access in [Access::PUBLIC, Access::FULL] {
            let own = |alias: &str| own_visible_sql(alias, access, true).unwrap_or("1 = 1".into());
            let cases = ids_of(&db, format!("SELECT c.id FROM cases c WHERE {}", own("c"))).await;
            let by_condition =
                ids_by::<case::Entity>(&db, case::Column::Id, visible_cases(access)).await;
            assert_eq!(cases, by_condition, "cases, {access:?}");
            let expected: &[i64] = if access.see_restricted { &[1, 2] } else { &[1] };
            assert_eq!(cases, expected, "cases, {access:?}");

            let locations = ids_of(
                &db,
                format!("SELECT l.id FROM locations l WHERE {}", own("l")),
            )
            .await;
            let by_condition =
                ids_by::<location::Entity>(&db, location::Column::Id, visible_locations(access))
                    .await;
            assert_eq!(locations, by_condition, "locations, {access:?}");
            assert_eq!(locations, expected, "locations, {access:?}");

            let events = ids_of(
                &db,
                format!(
                    "SELECT e.id FROM events e WHERE {}",
                    effective_visible_sql("e", access)
                ),
            )
            .await;
            let by_condition =
                ids_by::<event::Entity>(&db, event::Column::Id, visible_events(access)).await;
            assert_eq!(events, by_condition, "events, {access:?}");
            let expected: &[i64] = if access.see_restricted { &[1, 2] } else { &[1] };
            assert_eq!(events, expected, "events, {access:?}");

            let placements = ids_of(
                &db,
                format!(
                    "SELECT cl.id FROM case_locations cl JOIN locations l ON l.id = cl.location_id \
                     WHERE {}",
                    placement_visible_sql("cl", "l", access)
                ),
            )
            .await;
            let by_condition = ids_by::<case_location::Entity>(
                &db,
                case_location::Column::Id,
                visible_placements(access),
            )
            .await;
            assert_eq!(placements, by_condition, "placements, {access:?}");
            // A placement shows when its location and the site it comes from both do.
            let visible_location = |l: i64| l == 1 || (access.see_restricted && l == 2);
            let mut expected = Vec::new();
            for (id, (case_id, location_id)) in (1..=4)
                .flat_map(|c| (1..=4).map(move |l| (c, l)))
                .enumerate()
            {
                let via_visible = case_id == location_id || visible_location(case_id);
                if visible_location(location_id) && via_visible {
                    expected.push(id as i64 + 1);
                }
            }
            assert_eq!(placements, expected, "placements, {access:?}");
        }
    }

    #[tokio::test]
    async fn links_show_by_state_and_visibility_alike_in_conditions_and_fragments() {
        let db = database().await;
        let suggested_or_rejected = LinkStates::of([LinkState::Suggested, LinkState::Rejected]);
        for access in [Access::PUBLIC, Access::FULL] {
            for states in [
                LinkStates::CONFIRMED,
                LinkStates::ALL,
                suggested_or_rejected,
            ] {
                let fragment = ids_of(
                    &db,
                    format!(
                        "SELECT l.id FROM news_links l WHERE {}",
                        link_visible_sql("l", access, states)
                    ),
                )
                .await;
                let by_condition = ids_by::<news_link::Entity>(
                    &db,
                    news_link::Column::Id,
                    listed_links(access, states),
                )
                .await;
                assert_eq!(fragment, by_condition, "{access:?}, {states:?}");
                // Anonymous callers: public, confirmed links only, whatever they ask for;
                // others: every state asked for, all but hidden.
                let expected: Vec<i64> = (0..3)
                    .flat_map(|s| (0..3).map(move |e| (s, e)))
                    .filter(|(s, e)| {
                        let state = LinkState::ALL[*s];
                        let seen = if access.see_restricted {
                            *e < 2
                        } else {
                            *e == 0 && state == LinkState::Confirmed
                        };
                        seen && states.contains(state)
                    })
                    .map(|(s, e)| 1 + 3 * s as i64 + e as i64)
                    .collect();
                assert_eq!(fragment, expected, "{access:?}, {states:?}");
            }
        }
        assert_eq!(
            LinkStates::ALL.seen_by(Access::PUBLIC),
            LinkStates::CONFIRMED
        );
        assert_eq!(
            suggested_or_rejected.seen_by(Access::PUBLIC),
            LinkStates::of([])
        );
        assert_eq!(LinkStates::default(), LinkStates::CONFIRMED);
    }

    /// The built SQL of a condition holds the fragment it stands for, on both engines.
    #[test]
    fn conditions_are_made_of_the_fragments() {
        for access in [Access::PUBLIC, Access::FULL] {
            for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
                let holds = |query: String, fragment: String| {
                    assert!(
                        query.contains(&fragment),
                        "({backend:?}, {access:?}): `{fragment}` not in `{query}`"
                    );
                };
                use sea_orm::QueryTrait;
                let events = event::Entity::find().filter(visible_events(access));
                holds(
                    events.build(backend).to_string(),
                    effective_visible_sql("\"events\"", access),
                );
                let changes = status_change::Entity::find().filter(visible_status_changes(access));
                holds(
                    changes.build(backend).to_string(),
                    effective_visible_sql("\"status_changes\"", access),
                );
                let links = news_link::Entity::find().filter(visible_links(access));
                holds(
                    links.build(backend).to_string(),
                    link_visible_sql("\"news_links\"", access, LinkStates::ALL),
                );
                let cases = case::Entity::find().filter(visible_cases(access));
                if let Some(rule) = own_visible_sql("\"cases\"", access, true) {
                    holds(cases.build(backend).to_string(), rule);
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
