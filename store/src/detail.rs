//! A case page in one statement: the case row and, as the request asks, its placements
//! with their places, its actor roles with their actors, a window of its events, a
//! window of its confirmed news links with their items, and a window of its timeline
//! (events, links with their items and status changes, merged).
//!
//! The statement is a `UNION ALL` with one branch per relation. Every branch returns the
//! same row: a tag naming the branch, then typed slots that the branches share (see
//! [`Layout`]), typed `NULL`s where the branch has nothing to say. The rows decode by
//! position into the ordinary entity models ([`SlotRead`]). Each branch applies the visibility and archive
//! rules the loaders apply (`visibility.rs`) and joins the case with its own rule, so the
//! statement answers exactly what the separate loads would, in one round trip.

use super::timeline::{event_row, news_row, order_sql, precision_rank_sql, push_after, status_row};
use super::visibility::{own_visible_sql, placement_visible_sql};
use super::{Access, Page, Sql, Store, StoreResult, TimelineKind, TimelineRow, TimelineWindow};
use chasqui_entities::tables::*;
use sea_orm::sea_query::ColumnType;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, QueryResult, TryGetable};
use std::sync::OnceLock;

/// How the request names the case.
#[derive(Clone, Copy, Debug)]
pub enum CaseKey<'a> {
    Id(i64),
    Slug(&'a str),
}

/// What to read with the case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailSpec {
    /// Placements, each with its place.
    pub placements: bool,
    /// Actor roles, each with its actor.
    pub roles: bool,
    /// A window of the case's events (`kinds` is `[Event]`).
    pub events: Option<TimelineWindow>,
    /// A window of the case's confirmed news links (`kinds` is `[News]`).
    pub news: Option<TimelineWindow>,
    /// A window of the case's timeline, of the kinds the window names.
    pub timeline: Option<TimelineWindow>,
}

/// One entry of a case's timeline with its record: an event, a confirmed news link with
/// its item, or a status change.
#[derive(Clone, Debug)]
pub enum TimelineRecord {
    Event(event::Model),
    News(news_link::Model, Box<news_item::Model>),
    Status(status_change::Model),
}

impl TimelineRecord {
    /// The entry's place in the timeline (its cursor).
    pub fn row(&self) -> TimelineRow {
        match self {
            TimelineRecord::Event(e) => event_row(e),
            TimelineRecord::News(l, n) => news_row(l, n),
            TimelineRecord::Status(s) => status_row(s),
        }
    }
}

/// A window's page of `rows` (each kind's first `limit + 1` after the cursor, as the
/// statement reads them): sorted in the timeline's order (date, precision, kind, id),
/// the first `limit`, and whether more follow. For a window of several kinds the cut is
/// exact: the window's first `limit + 1` entries are among each kind's own.
fn window_page<T>(
    window: &TimelineWindow,
    mut rows: Vec<T>,
    row: impl Fn(&T) -> TimelineRow,
) -> (TimelineWindow, Page<T>) {
    rows.sort_by_cached_key(|r| row(r).order_key());
    if window.newest_first {
        rows.reverse();
    }
    (window.clone(), Page::from_overfetch_pub(rows, window.limit))
}

/// A case and what [`DetailSpec`] asked for (`None` for what it did not).
#[derive(Clone, Debug)]
pub struct CaseDetail {
    pub case: case::Model,
    pub placements: Option<Vec<(case_location::Model, location::Model)>>,
    pub roles: Option<Vec<(case_actor::Model, actor::Model)>>,
    pub events: Option<(TimelineWindow, Page<event::Model>)>,
    pub news: Option<(TimelineWindow, Page<(news_link::Model, news_item::Model)>)>,
    pub timeline: Option<(TimelineWindow, Page<TimelineRecord>)>,
}

/// The tables the statement reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Case,
    Placement,
    Location,
    Role,
    Actor,
    Event,
    Link,
    Item,
    Status,
}

impl Part {
    /// The table's alias in the statement.
    fn alias(self) -> &'static str {
        match self {
            Part::Case => "c",
            Part::Placement => "cl",
            Part::Location => "loc",
            Part::Role => "r",
            Part::Actor => "a",
            Part::Event => "e",
            Part::Link => "l",
            Part::Item => "n",
            Part::Status => "s",
        }
    }

    /// The columns the statement reads from the table, in the order its reader takes them,
    /// each with its SQL type.
    fn columns(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Part::Case => typed_columns::<case::Model>(),
            Part::Placement => typed_columns::<case_location::Model>(),
            Part::Location => typed_columns::<location::Model>(),
            Part::Role => typed_columns::<case_actor::Model>(),
            Part::Actor => typed_columns::<actor::Model>(),
            Part::Event => typed_columns::<event::Model>(),
            Part::Link => typed_columns::<news_link::Model>(),
            Part::Item => typed_columns::<news_item::Model>(),
            Part::Status => typed_columns::<status_change::Model>(),
        }
    }
}

/// A branch of the `UNION ALL`: its tag (the row's first column) and the tables it reads,
/// in the order the rows are decoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Branch {
    Case,
    Placements,
    Roles,
    Events,
    News,
    /// The timeline's branches: one per kind, each limited to the window, merged in Rust.
    TimelineEvents,
    TimelineNews,
    TimelineStatus,
}

impl Branch {
    const ALL: [Branch; 8] = [
        Branch::Case,
        Branch::Placements,
        Branch::Roles,
        Branch::Events,
        Branch::News,
        Branch::TimelineEvents,
        Branch::TimelineNews,
        Branch::TimelineStatus,
    ];

    fn tag(self) -> &'static str {
        match self {
            Branch::Case => "c",
            Branch::Placements => "l",
            Branch::Roles => "r",
            Branch::Events => "e",
            Branch::News => "n",
            Branch::TimelineEvents => "te",
            Branch::TimelineNews => "tn",
            Branch::TimelineStatus => "ts",
        }
    }

    fn parts(self) -> &'static [Part] {
        match self {
            Branch::Case => &[Part::Case],
            Branch::Placements => &[Part::Placement, Part::Location],
            Branch::Roles => &[Part::Role, Part::Actor],
            Branch::Events | Branch::TimelineEvents => &[Part::Event],
            Branch::News | Branch::TimelineNews => &[Part::Link, Part::Item],
            Branch::TimelineStatus => &[Part::Status],
        }
    }
}

/// A model read from its branch's slots, by position (see [`Layout`]).
trait SlotRead: Sized {
    /// The columns read, in the order [`SlotRead::read`] takes them.
    const COLUMNS: &'static [&'static str];
    /// The SQL type of a column of the table.
    fn column_type(name: &str) -> Option<&'static str>;
    fn read(row: &QueryResult, at: &mut Slots<'_>) -> Result<Self, DbErr>;
}

/// Implements [`SlotRead`] for an entity's model: every field listed is read in that
/// order (the struct literal makes the compiler check that none is missing or unknown);
/// the `none` fields are never read here (a place's geometry, a news item's body: their
/// own loaders fetch them when a request selects them).
macro_rules! slot_read {
    ($module:ident { $($field:ident),* $(,)? } $(none { $($none:ident),* $(,)? })?) => {
        impl SlotRead for $module::Model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn column_type(name: &str) -> Option<&'static str> {
                <$module::Column as std::str::FromStr>::from_str(name)
                    .ok()
                    .map(|column| sql_type(column.def().get_column_type()))
            }

            fn read(row: &QueryResult, at: &mut Slots<'_>) -> Result<Self, DbErr> {
                Ok($module::Model {
                    $($field: at.next(row)?,)*
                    $($($none: None,)*)?
                })
            }
        }
    };
}

slot_read!(case {
    id,
    slug,
    kind,
    title,
    summary,
    status,
    phase,
    conflict_type,
    started_on,
    started_precision,
    first_activity_on,
    last_activity_on,
    last_activity_precision,
    details,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
    violence_reported,
    dialogue_under_way,
    responsible_level,
});
slot_read!(case_location {
    id,
    case_id,
    location_id,
    precision,
    via_site_id,
    source_id,
});
slot_read!(location {
    id, code, name, level, parent_id, path, latitude, longitude, visibility, version,
    archived_at, created_at, updated_at,
} none { geometry });
slot_read!(case_actor {
    id,
    case_id,
    actor_id,
    role,
    started_on,
    started_precision,
    ended_on,
    ended_precision,
    note,
    visibility,
});
slot_read!(actor {
    id,
    slug,
    name,
    kind,
    description,
    visibility,
    version,
    archived_at,
    created_at,
    updated_at,
});
slot_read!(event {
    id,
    case_id,
    kind,
    title,
    description,
    occurred_on,
    occurred_precision,
    ended_on,
    ended_precision,
    location_id,
    deaths,
    injuries,
    visibility,
    effective_visibility,
    version,
    archived_at,
    created_at,
    updated_at,
    source_id,
});
slot_read!(news_link {
    id,
    news_item_id,
    case_id,
    update_kind,
    reported_status,
    status_change_id,
    event_id,
    note,
    state,
    confidence,
    matched_terms,
    visibility,
    effective_visibility,
    created_at,
    updated_at,
});
slot_read!(news_item {
    id, title, published_on, published_precision, summary, url, publisher, language,
    visibility, title_key, version, archived_at, created_at, updated_at,
} none { body });
slot_read!(status_change {
    id,
    case_id,
    status,
    phase,
    occurred_on,
    occurred_precision,
    undated,
    news_item_id,
    source_url,
    note,
    created_at,
    visibility,
    effective_visibility,
    source_id,
});

fn typed_columns<M: SlotRead>() -> Vec<(&'static str, &'static str)> {
    M::COLUMNS
        .iter()
        .map(|name| (*name, M::column_type(name).unwrap_or("TEXT")))
        .collect()
}

/// The positions of one branch's columns in the row, taken in order by the readers.
struct Slots<'a> {
    positions: &'a [usize],
    next: usize,
}

impl Slots<'_> {
    fn next<T: TryGetable>(&mut self, row: &QueryResult) -> Result<T, DbErr> {
        let position = self.positions.get(self.next).copied().ok_or_else(|| {
            DbErr::Type("case detail row: a reader took more columns than its branch has".into())
        })?;
        self.next += 1;
        row.try_get_by_index(position)
    }
}

fn sql_type(column_type: &ColumnType) -> &'static str {
    match column_type {
        ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::Integer => "INTEGER",
        ColumnType::BigInteger => "BIGINT",
        ColumnType::Float | ColumnType::Double => "DOUBLE PRECISION",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Date => "DATE",
        ColumnType::TimestampWithTimeZone => "TIMESTAMPTZ",
        ColumnType::DateTime | ColumnType::Timestamp => "TIMESTAMP",
        _ => "TEXT",
    }
}

/// Where each branch puts its columns in the row. The row is a tag and then typed slots,
/// shared between branches: a branch puts each of its columns in the first slot of the
/// same SQL type that it has not used yet (PostgreSQL types a `UNION` column by column, so
/// a slot holds one type in every branch), and `CAST(NULL AS type)` in the slots it does not
/// use. The row is as wide as the widest branch needs (32 slots), not the sum of
/// every table (about 100).
struct Layout {
    /// The SQL type of each slot; slot `i` is the row's column `i + 1` (`s{i + 1}`). Built
    /// into the select lists; kept for the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    slot_types: Vec<&'static str>,
    /// Per branch (in [`Branch::ALL`] order): the row position of each column, in reading
    /// order, and what each position holds (`None`: `NULL`).
    branches: Vec<BranchLayout>,
}

struct BranchLayout {
    positions: Vec<usize>,
    /// Indexed by row position (0, the tag, is `None`).
    columns: Vec<Option<(Part, &'static str)>>,
    /// The branch's select list from its tables, from its window subquery `x`, and the
    /// select list of that subquery.
    select_table: String,
    select_window: String,
    select_inner: String,
}

impl Layout {
    fn get() -> &'static Layout {
        static LAYOUT: OnceLock<Layout> = OnceLock::new();
        LAYOUT.get_or_init(Layout::build)
    }

    fn build() -> Layout {
        let mut slot_types: Vec<&'static str> = Vec::new();
        let mut branches = Vec::new();
        for branch in Branch::ALL {
            let mut used = vec![false; slot_types.len()];
            let mut positions = Vec::new();
            let mut columns = Vec::new();
            for &part in branch.parts() {
                for (name, ty) in part.columns() {
                    let free = (0..slot_types.len()).find(|&i| slot_types[i] == ty && !used[i]);
                    let slot = free.unwrap_or_else(|| {
                        slot_types.push(ty);
                        used.push(false);
                        slot_types.len() - 1
                    });
                    used[slot] = true;
                    positions.push(slot + 1);
                    columns.push((slot + 1, part, name));
                }
            }
            branches.push((positions, columns));
        }
        let width = slot_types.len() + 1;
        let branches = Branch::ALL
            .into_iter()
            .zip(branches)
            .map(|(branch, (positions, placed))| {
                let mut columns = vec![None; width];
                for (position, part, name) in placed {
                    columns[position] = Some((part, name));
                }
                let mut layout = BranchLayout {
                    positions,
                    columns,
                    select_table: String::new(),
                    select_window: String::new(),
                    select_inner: String::new(),
                };
                layout.select_table = layout.select(branch.tag(), &slot_types, Source::Table);
                layout.select_window = layout.select(branch.tag(), &slot_types, Source::Window);
                layout.select_inner = layout.select_inner();
                layout
            })
            .collect();
        Layout {
            slot_types,
            branches,
        }
    }

    fn branch(&self, branch: Branch) -> &BranchLayout {
        let index = Branch::ALL
            .iter()
            .position(|b| *b == branch)
            .unwrap_or_default();
        &self.branches[index]
    }
}

/// Where a branch reads its columns from.
#[derive(Clone, Copy)]
enum Source {
    /// The tables themselves, under their aliases.
    Table,
    /// The branch's ordered, limited subquery `x`, under the slot names.
    Window,
}

/// `SELECT 'tag' AS t, <every slot>`: the branch's columns from `from`, the other slots
/// `NULL` (written once, the layout being fixed).
fn select_slots(sql: &mut Sql, branch: Branch, from: Source) {
    let placed = Layout::get().branch(branch);
    sql.push(match from {
        Source::Table => &placed.select_table,
        Source::Window => &placed.select_window,
    });
}

/// The inner select list of a window subquery: the branch's columns under their slot names.
fn select_window(sql: &mut Sql, branch: Branch) {
    sql.push(&Layout::get().branch(branch).select_inner);
}

impl BranchLayout {
    fn select(&self, tag: &str, slot_types: &[&str], from: Source) -> String {
        let mut out = format!("SELECT '{tag}' AS t");
        for (position, column) in self.columns.iter().enumerate().skip(1) {
            match (column, from) {
                (Some((part, name)), Source::Table) => {
                    out.push_str(&format!(", {}.{name}", part.alias()))
                }
                (Some(_), Source::Window) => out.push_str(&format!(", x.s{position}")),
                (None, _) => {
                    let ty = slot_types.get(position - 1).copied().unwrap_or("TEXT");
                    out.push_str(&format!(", CAST(NULL AS {ty})"));
                }
            }
            out.push_str(&format!(" AS s{position}"));
        }
        out
    }

    fn select_inner(&self) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(position, column)| {
                let (part, name) = column.as_ref()?;
                Some(format!("{}.{name} AS s{position}", part.alias()))
            })
            .collect();
        format!("SELECT {}", columns.join(", "))
    }
}

/// ` AND <visible>` for a record with a visibility of its own (`visibility::own_visible_sql`).
fn visible(sql: &mut Sql, alias: &str, access: Access, archived: bool) {
    if let Some(rule) = own_visible_sql(alias, access, archived) {
        sql.push(" AND ").push(&rule);
    }
}

/// `cases c … WHERE <key> AND <case visible>`, the start of every branch's condition.
fn case_condition(sql: &mut Sql, key: CaseKey<'_>, access: Access) {
    match key {
        CaseKey::Id(id) => sql.push(" WHERE c.id = ").bind(id),
        CaseKey::Slug(slug) => sql.push(" WHERE c.slug = ").bind(slug.to_owned()),
    };
    visible(sql, "c", access, true);
}

/// The keyset condition and order of a timeline window over one kind, in the order of
/// the timeline statement (`timeline::push_after`, `timeline::order_sql`).
fn window_tail(sql: &mut Sql, window: &TimelineWindow, kind: TimelineKind) {
    let from = kind.sql();
    let rank = precision_rank_sql(from.precision);
    let code = (kind as i64).to_string();
    if window.after.is_some() {
        sql.push(" AND ");
        push_after(sql, window, [from.date, &rank, &code, from.id]);
    }
    // The limit is written into the text, not bound: SQLite looks at a bound LIMIT when it
    // plans the statement and then marks the prepared statement stale whenever the value
    // is bound again, re-parsing and re-planning the whole `UNION ALL` on every request
    // (half of SQLite's time for the case page). The few page sizes give a few texts.
    sql.push(&format!(
        " ORDER BY {} LIMIT {}",
        order_sql(window, &[from.date, &rank, from.id]),
        window.limit + 1
    ));
}

/// ` UNION ALL <one kind's window>`: the case's entries of `kind` after the window's
/// cursor, in the window's order, `limit + 1` of them, from the kind's branch as the
/// timeline statement reads it (`TimelineKind::sql`, `TimelineKind::push_visible`).
fn window_branch(
    sql: &mut Sql,
    branch: Branch,
    kind: TimelineKind,
    window: &TimelineWindow,
    key: CaseKey<'_>,
    access: Access,
) {
    sql.push(" UNION ALL ");
    select_slots(sql, branch, Source::Window);
    sql.push(" FROM (");
    select_window(sql, branch);
    let from = kind.sql();
    sql.push(&format!(
        " FROM {} JOIN cases c ON c.id = {}.case_id",
        from.tables, from.alias
    ));
    case_condition(sql, key, access);
    sql.push(" AND ");
    kind.push_visible(sql, access);
    window_tail(sql, window, kind);
    sql.push(") x");
}

impl Store {
    /// The case named by `key`, if the caller may see it, with what `spec` asks for, in
    /// one statement.
    pub async fn case_detail(
        &self,
        access: Access,
        key: CaseKey<'_>,
        spec: &DetailSpec,
    ) -> StoreResult<Option<CaseDetail>> {
        let mut sql = Sql::with_capacity(self.db.get_database_backend(), 16 * 1024);
        select_slots(&mut sql, Branch::Case, Source::Table);
        sql.push(" FROM cases c");
        case_condition(&mut sql, key, access);

        if spec.placements {
            sql.push(" UNION ALL ");
            select_slots(&mut sql, Branch::Placements, Source::Table);
            sql.push(
                " FROM cases c JOIN case_locations cl ON cl.case_id = c.id \
                 JOIN locations loc ON loc.id = cl.location_id",
            );
            case_condition(&mut sql, key, access);
            sql.push(" AND ")
                .push(&placement_visible_sql("cl", "loc", access));
        }
        if spec.roles {
            sql.push(" UNION ALL ");
            select_slots(&mut sql, Branch::Roles, Source::Table);
            sql.push(
                " FROM cases c JOIN case_actors r ON r.case_id = c.id \
                 JOIN actors a ON a.id = r.actor_id",
            );
            case_condition(&mut sql, key, access);
            visible(&mut sql, "a", access, true);
            visible(&mut sql, "r", access, false);
        }
        if let Some(window) = &spec.events {
            window_branch(
                &mut sql,
                Branch::Events,
                TimelineKind::Event,
                window,
                key,
                access,
            );
        }
        if let Some(window) = &spec.news {
            window_branch(
                &mut sql,
                Branch::News,
                TimelineKind::News,
                window,
                key,
                access,
            );
        }
        if let Some(window) = &spec.timeline {
            for kind in &window.kinds {
                let branch = match kind {
                    TimelineKind::Event => Branch::TimelineEvents,
                    TimelineKind::News => Branch::TimelineNews,
                    TimelineKind::Status => Branch::TimelineStatus,
                };
                window_branch(&mut sql, branch, *kind, window, key, access);
            }
        }

        let rows = self.db.query_all_raw(sql.build()).await?;
        let mut case: Option<case::Model> = None;
        let mut placements: Vec<(case_location::Model, location::Model)> = Vec::new();
        let mut roles: Vec<(case_actor::Model, actor::Model)> = Vec::new();
        let mut events: Vec<event::Model> = Vec::new();
        let mut news: Vec<(news_link::Model, news_item::Model)> = Vec::new();
        let mut timeline: Vec<TimelineRecord> = Vec::new();
        let layout = Layout::get();
        let slots = |branch| Slots {
            positions: &layout.branch(branch).positions,
            next: 0,
        };
        for row in rows {
            let tag: String = row.try_get_by_index(0)?;
            match tag.as_str() {
                "c" => case = Some(SlotRead::read(&row, &mut slots(Branch::Case))?),
                "l" => {
                    let at = &mut slots(Branch::Placements);
                    placements.push((SlotRead::read(&row, at)?, SlotRead::read(&row, at)?));
                }
                "r" => {
                    let at = &mut slots(Branch::Roles);
                    roles.push((SlotRead::read(&row, at)?, SlotRead::read(&row, at)?));
                }
                "e" => events.push(SlotRead::read(&row, &mut slots(Branch::Events))?),
                "n" => {
                    let at = &mut slots(Branch::News);
                    news.push((SlotRead::read(&row, at)?, SlotRead::read(&row, at)?));
                }
                "te" => timeline.push(TimelineRecord::Event(SlotRead::read(
                    &row,
                    &mut slots(Branch::TimelineEvents),
                )?)),
                "tn" => {
                    let at = &mut slots(Branch::TimelineNews);
                    timeline.push(TimelineRecord::News(
                        SlotRead::read(&row, at)?,
                        Box::new(SlotRead::read(&row, at)?),
                    ));
                }
                "ts" => timeline.push(TimelineRecord::Status(SlotRead::read(
                    &row,
                    &mut slots(Branch::TimelineStatus),
                )?)),
                other => {
                    return Err(
                        DbErr::Type(format!("case detail row of unknown tag {other}")).into(),
                    );
                }
            }
        }
        let Some(case) = case else {
            return Ok(None);
        };
        placements.sort_by_key(|(placement, _)| placement.id);
        roles.sort_by_key(|(role, _)| role.id);
        let events = spec
            .events
            .as_ref()
            .map(|window| window_page(window, events, event_row));
        let news = spec
            .news
            .as_ref()
            .map(|window| window_page(window, news, |(l, n)| news_row(l, n)));
        let timeline = spec
            .timeline
            .as_ref()
            .map(|window| window_page(window, timeline, TimelineRecord::row));
        Ok(Some(CaseDetail {
            case,
            placements: spec.placements.then_some(placements),
            roles: spec.roles.then_some(roles),
            events,
            news,
            timeline,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untyped<M: SlotRead>() -> Vec<&'static str> {
        let columns = M::COLUMNS.iter().copied();
        columns.filter(|n| M::column_type(n).is_none()).collect()
    }

    #[test]
    fn every_column_read_is_a_column_of_its_table() {
        let unknown = [
            untyped::<case::Model>(),
            untyped::<case_location::Model>(),
            untyped::<location::Model>(),
            untyped::<case_actor::Model>(),
            untyped::<actor::Model>(),
            untyped::<event::Model>(),
            untyped::<news_link::Model>(),
            untyped::<news_item::Model>(),
            untyped::<status_change::Model>(),
        ];
        assert!(unknown.iter().all(Vec::is_empty), "{unknown:?}");
    }

    #[test]
    fn branches_share_slots_of_one_type() {
        let layout = Layout::get();
        let mut widest = 0;
        for branch in Branch::ALL {
            let placed = &layout.branch(branch);
            let columns: Vec<_> = branch.parts().iter().flat_map(|p| p.columns()).collect();
            assert_eq!(placed.positions.len(), columns.len());
            for (position, (_, ty)) in placed.positions.iter().zip(&columns) {
                assert_eq!(layout.slot_types[position - 1], *ty);
            }
            let mut distinct = placed.positions.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), placed.positions.len());
            widest = widest.max(columns.len());
        }
        let all: usize = Branch::ALL
            .iter()
            .flat_map(|b| b.parts())
            .map(|p| p.columns().len())
            .sum();
        assert!(
            layout.slot_types.len() < all / 2,
            "{} slots",
            layout.slot_types.len()
        );
        assert!(layout.slot_types.len() >= widest);
    }
}
