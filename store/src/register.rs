//! Monthly registers: the Ombudsman's case tables, imported month after month, as the
//! history they describe.
//!
//! A register (a `sources` row of kind REGISTER) describes a month. What it says of each
//! case it lists is kept as a `register_entries` row: status, phase, violence reported,
//! dialogue under way, the level of government responsible. From them:
//!
//! - **Status history.** A row's status and phase become a status change dated by the
//!   register's month (month precision), pointing to the register, only when they differ
//!   from the case's status and phase as of that month ([`state_as_of`]: the public
//!   status change in effect where the month's change takes its place,
//!   `history::in_effect_at`). So the same register twice writes nothing, and a register
//!   of an older month imported after a newer one inserts its change at its date; the
//!   registers after it that list the case are then checked again, so that each still
//!   holds as of its month. A register without a month records a status the case does
//!   not have as an undated change.
//! - **The case's register columns** (`violence_reported`, `dialogue_under_way`,
//!   `responsible_level`) are those of the latest register that lists the case, whatever
//!   the order the registers were imported in ([`record_entry`]).
//! - **Cases absent** from a register that earlier registers list are reported, never
//!   given a status the register does not state ([`absent_from`]).

use super::audit::{self, Author, Entry};
use super::case::NewStatusChange;
use super::history;
use super::visibility::visible_status_changes;
use super::{Access, Store, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::*;
use std::collections::HashMap;

/// What a register's row says of a case besides its status and phase: the columns a case
/// keeps (`vio_if`, `dial_if`, `competencia` in the Ombudsman's tables). `None`: the row
/// leaves it blank.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterColumns {
    pub violence_reported: Option<bool>,
    pub dialogue_under_way: Option<bool>,
    pub responsible_level: Option<GovernmentLevel>,
}

/// A case that an earlier register lists and this one does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbsentCase {
    pub slug: String,
    pub title: String,
    /// The month of the latest earlier register that lists it (`None`: undated ones only).
    pub last_listed: Option<PartialDate>,
    /// The status that register gives it.
    pub last_status: CaseStatus,
}

/// The month a register describes.
pub(crate) fn month_of(register: &source::Model) -> Option<PartialDate> {
    register
        .as_of
        .map(|day| PartialDate::truncate(day, DatePrecision::Month))
}

/// A case's status and phase as of `date`: those of the public status change in effect
/// where a change dated `date` takes its place (`history::in_effect_at`); `None` when it
/// has none by then. Public only, as the case's own status is derived (`refresh_case`).
pub(crate) async fn state_as_of(
    txn: &DatabaseTransaction,
    case_id: i64,
    date: PartialDate,
) -> StoreResult<Option<(CaseStatus, Option<ConflictPhase>)>> {
    let changes = status_change::Entity::find()
        .filter(status_change::Column::CaseId.eq(case_id))
        .filter(status_change::Column::OccurredOn.lte(date.first_day()))
        .filter(visible_status_changes(Access::PUBLIC))
        .all(txn)
        .await?;
    Ok(history::in_effect_at(&changes, date).map(|c| (c.status, c.phase)))
}

/// What a register's row says of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RegisterRow {
    pub status: CaseStatus,
    pub phase: Option<ConflictPhase>,
    pub columns: RegisterColumns,
}

impl RegisterRow {
    fn of_entry(entry: &register_entry::Model) -> Self {
        Self {
            status: entry.status,
            phase: entry.phase,
            columns: RegisterColumns {
                violence_reported: entry.violence_reported,
                dialogue_under_way: entry.dialogue_under_way,
                responsible_level: entry.responsible_level,
            },
        }
    }
}

/// Whether `register` already lists the case with these values (an import of the same
/// file again): then nothing is to be written for the row.
pub(crate) async fn already_listed(
    txn: &DatabaseTransaction,
    register: &source::Model,
    case_id: i64,
    row: RegisterRow,
) -> StoreResult<bool> {
    let entry = register_entry::Entity::find()
        .filter(register_entry::Column::SourceId.eq(register.id))
        .filter(register_entry::Column::CaseId.eq(case_id))
        .one(txn)
        .await?;
    Ok(entry.is_some_and(|e| RegisterRow::of_entry(&e) == row))
}

/// Whether a register of a later month than `register` lists the case: `register` then
/// adds to the case's history, and what the case is now is the later one's to say.
pub(crate) async fn listed_later(
    txn: &DatabaseTransaction,
    register: &source::Model,
    case_id: i64,
) -> StoreResult<bool> {
    let Some(month) = register.as_of else {
        return Ok(false);
    };
    let entries = register_entry::Entity::find()
        .filter(register_entry::Column::CaseId.eq(case_id))
        .all(txn)
        .await?;
    let registers = registers_of(txn, &entries).await?;
    Ok(registers
        .values()
        .any(|r| r.as_of.is_some_and(|other| other > month)))
}

/// Records the register's status for a case, as of the register's month, when the case's
/// history does not already say so then; then checks the later registers that list the
/// case again. `author` writes as the register. Returns whether anything was written.
pub(crate) async fn record_register_status(
    txn: &DatabaseTransaction,
    author: &Author,
    register: &source::Model,
    case_id: i64,
    status: CaseStatus,
    phase: Option<ConflictPhase>,
) -> StoreResult<bool> {
    let Some(month) = month_of(register) else {
        return Ok(false);
    };
    if state_as_of(txn, case_id, month).await? == Some((status, phase)) {
        return Ok(false);
    }
    record_at(txn, author, register, case_id, status, phase, month).await?;
    // The registers of later months that list the case: each must still hold as of its
    // month (one that agreed with the history before this change may not any more).
    let later = later_entries(txn, case_id, month).await?;
    for (entry, later_register) in later {
        let Some(later_month) = month_of(&later_register) else {
            continue;
        };
        if state_as_of(txn, case_id, later_month).await? != Some((entry.status, entry.phase)) {
            let author = author.importing(later_register.id);
            record_at(
                txn,
                &author,
                &later_register,
                case_id,
                entry.status,
                entry.phase,
                later_month,
            )
            .await?;
        }
    }
    Ok(true)
}

/// The note of the status changes a register records.
pub(crate) fn register_note(register: &source::Model) -> String {
    format!("as reported in the case table `{}`", register.file_name)
}

async fn record_at(
    txn: &DatabaseTransaction,
    author: &Author,
    register: &source::Model,
    case_id: i64,
    status: CaseStatus,
    phase: Option<ConflictPhase>,
    month: PartialDate,
) -> StoreResult<()> {
    let change = NewStatusChange {
        case_id,
        status,
        phase,
        date: Some(month),
        news_item_id: None,
        source_url: None,
        note: Some(register_note(register)),
        visibility: Visibility::Public,
    };
    Store::record_status_change_in(txn, author, change).await?;
    Ok(())
}

/// The entries of the case in registers of months after `month`, oldest month first.
async fn later_entries(
    txn: &DatabaseTransaction,
    case_id: i64,
    month: PartialDate,
) -> StoreResult<Vec<(register_entry::Model, source::Model)>> {
    let entries = register_entry::Entity::find()
        .filter(register_entry::Column::CaseId.eq(case_id))
        .all(txn)
        .await?;
    let registers = registers_of(txn, &entries).await?;
    let mut later: Vec<(register_entry::Model, source::Model)> = entries
        .into_iter()
        .filter_map(|e| registers.get(&e.source_id).cloned().map(|r| (e, r)))
        .filter(|(_, r)| r.as_of.is_some_and(|day| day > month.last_day()))
        .collect();
    later.sort_by_key(|(_, r)| (r.as_of, r.id));
    Ok(later)
}

async fn registers_of(
    txn: &DatabaseTransaction,
    entries: &[register_entry::Model],
) -> StoreResult<HashMap<i64, source::Model>> {
    let mut ids: Vec<i64> = entries.iter().map(|e| e.source_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(source::Entity::find()
        .filter(source::Column::Id.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// Stores what `register` says of the case on its row `line` (replacing what it said
/// before, for a file whose rows were read differently), and brings the case's register
/// columns in line with its latest register. A change of those columns is one audited
/// write of the case (`recordRegisterEntry`). Returns whether the case's columns changed.
pub(crate) async fn record_entry(
    txn: &DatabaseTransaction,
    author: &Author,
    register: &source::Model,
    case_id: i64,
    line: usize,
    row: RegisterRow,
) -> StoreResult<bool> {
    register_entry::Entity::delete_many()
        .filter(register_entry::Column::SourceId.eq(register.id))
        .filter(register_entry::Column::CaseId.eq(case_id))
        .exec(txn)
        .await?;
    let entry = register_entry::ActiveModel {
        id: NotSet,
        source_id: Set(register.id),
        case_id: Set(case_id),
        line: Set(i32::try_from(line).unwrap_or(i32::MAX)),
        status: Set(row.status),
        phase: Set(row.phase),
        violence_reported: Set(row.columns.violence_reported),
        dialogue_under_way: Set(row.columns.dialogue_under_way),
        responsible_level: Set(row.columns.responsible_level),
    }
    .insert(txn)
    .await?;
    let Some((case, columns)) = register_columns_due(txn, case_id).await? else {
        return Ok(false);
    };
    let before = audit::case_snapshot(txn, case_id).await?;
    write_register_columns(txn, case, columns).await?;
    let mut after = audit::case_snapshot(txn, case_id).await?;
    after["registerEntry"] = audit::snapshot(&entry)?;
    let entry = Entry {
        action: "recordRegisterEntry",
        entity: "case",
        id: case_id,
        case_id: Some(case_id),
        before: Some(before),
        after: Some(after),
    };
    audit::record(txn, author, entry).await?;
    Ok(true)
}

/// The case's register columns as its latest register entry gives them, when they are not
/// what the case holds (`None` when they are): the latest month, undated registers before
/// dated ones, and among registers of one month (or undated ones) the one imported last.
async fn register_columns_due(
    txn: &DatabaseTransaction,
    case_id: i64,
) -> StoreResult<Option<(case::Model, RegisterColumns)>> {
    let entries = register_entry::Entity::find()
        .filter(register_entry::Column::CaseId.eq(case_id))
        .all(txn)
        .await?;
    let registers = registers_of(txn, &entries).await?;
    let latest = entries.iter().max_by_key(|e| {
        let as_of = registers.get(&e.source_id).and_then(|r| r.as_of);
        (as_of.is_some(), as_of, e.source_id)
    });
    let columns = latest
        .map(|e| RegisterRow::of_entry(e).columns)
        .unwrap_or_default();
    let Some(case) = case::Entity::find_by_id(case_id).one(txn).await? else {
        return Ok(None);
    };
    let stored = RegisterColumns {
        violence_reported: case.violence_reported,
        dialogue_under_way: case.dialogue_under_way,
        responsible_level: case.responsible_level,
    };
    Ok((stored != columns).then_some((case, columns)))
}

async fn write_register_columns(
    txn: &DatabaseTransaction,
    case: case::Model,
    columns: RegisterColumns,
) -> StoreResult<()> {
    let mut active: case::ActiveModel = case.into();
    active.violence_reported = Set(columns.violence_reported);
    active.dialogue_under_way = Set(columns.dialogue_under_way);
    active.responsible_level = Set(columns.responsible_level);
    active.update(txn).await?;
    Ok(())
}

/// The unarchived cases that a register earlier than `register` lists and `register`
/// does not, by slug: earlier by month for a dated register, imported before it for an
/// undated one.
pub(crate) async fn absent_from(
    txn: &DatabaseTransaction,
    register: &source::Model,
) -> StoreResult<Vec<AbsentCase>> {
    let registers: Vec<source::Model> = source::Entity::find()
        .filter(source::Column::Kind.eq(SourceKind::Register))
        .all(txn)
        .await?;
    let earlier: HashMap<i64, &source::Model> = registers
        .iter()
        .filter(|r| r.id != register.id)
        .filter(|r| match (register.as_of, r.as_of) {
            (Some(month), Some(other)) => other < month,
            (Some(_), None) => false,
            (None, _) => r.id < register.id,
        })
        .map(|r| (r.id, r))
        .collect();
    if earlier.is_empty() {
        return Ok(Vec::new());
    }
    let listed: std::collections::HashSet<i64> = register_entry::Entity::find()
        .select_only()
        .column(register_entry::Column::CaseId)
        .filter(register_entry::Column::SourceId.eq(register.id))
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let ids: Vec<i64> = earlier.keys().copied().collect();
    let mut last: HashMap<i64, (Option<chrono::NaiveDate>, i64, CaseStatus)> = HashMap::new();
    for chunk in super::sql::fixed_chunks(&ids, 500) {
        for entry in register_entry::Entity::find()
            .filter(register_entry::Column::SourceId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            if listed.contains(&entry.case_id) {
                continue;
            }
            let as_of = earlier.get(&entry.source_id).and_then(|r| r.as_of);
            let key = (as_of, entry.source_id, entry.status);
            let slot = last.entry(entry.case_id).or_insert(key);
            if (key.0, key.1) > (slot.0, slot.1) {
                *slot = key;
            }
        }
    }
    let case_ids: Vec<i64> = last.keys().copied().collect();
    let mut out = Vec::with_capacity(case_ids.len());
    for chunk in super::sql::fixed_chunks(&case_ids, 500) {
        for case in case::Entity::find()
            .filter(case::Column::Id.is_in(chunk.iter().copied()))
            .filter(case::Column::ArchivedAt.is_null())
            .all(txn)
            .await?
        {
            if let Some((as_of, _, status)) = last.get(&case.id) {
                out.push(AbsentCase {
                    slug: case.slug,
                    title: case.title,
                    last_listed: as_of.map(|d| PartialDate::truncate(d, DatePrecision::Month)),
                    last_status: *status,
                });
            }
        }
    }
    out.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(out)
}
