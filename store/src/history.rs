//! A case's status history read at a date: the one rule for which status change is in
//! effect. The case's current status and phase (`refresh_case`), `Case.statusOn`, the
//! `statusAsOf` filter, month counts and the monthly report all apply it, in Rust
//! ([`in_effect`], [`current`]) or in SQL ([`in_effect_sql`]), and nowhere else.
//!
//! The rule:
//! - dated changes are ordered by their date's first day, then the coarser date first
//!   (the timeline's order: "2017" before "2017-02" before "2017-02-10"), then by id;
//! - the change in effect at a day is the last dated change whose first day is on or
//!   before it; before the first dated change the status is unknown;
//! - a change states both the status and the phase: a change without a phase says the
//!   phase is unknown, it does not keep an earlier one;
//! - an undated change (a status recorded without a date) is never placed in time; it
//!   gives the case its current status only while no dated change does.

use super::Access;
use super::timeline::{precision_rank, precision_rank_sql};
use super::visibility::effective_visible_sql;
use chasqui_entities::tables::status_change;
use chasqui_entities::*;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, SimpleExpr};

/// The order key of a dated change: first day, precision rank, id.
pub(crate) fn order_key(change: &status_change::Model) -> (NaiveDate, i32, i64) {
    (
        change.occurred_on,
        precision_rank(change.occurred_precision),
        change.id,
    )
}

/// The change in effect at the end of `day`: the last dated change on or before it.
pub fn in_effect(
    changes: &[status_change::Model],
    day: NaiveDate,
) -> Option<&status_change::Model> {
    changes
        .iter()
        .filter(|c| !c.undated && c.occurred_on <= day)
        .max_by_key(|c| order_key(c))
}

/// The change in effect where a change dated `date` takes its place in the order: the last
/// dated change ordered at or before `date` ([`order_key`]; at the same date and precision,
/// any id): the change a new one dated `date` would follow (a register's month).
pub(crate) fn in_effect_at(
    changes: &[status_change::Model],
    date: PartialDate,
) -> Option<&status_change::Model> {
    let place = (date.first_day(), precision_rank(date.precision()), i64::MAX);
    changes
        .iter()
        .filter(|c| !c.undated && order_key(c) <= place)
        .max_by_key(|c| order_key(c))
}

/// The change that gives a case its current status: the latest dated change, or, when no
/// change is dated, the last undated one recorded.
pub(crate) fn current(changes: &[status_change::Model]) -> Option<&status_change::Model> {
    changes
        .iter()
        .filter(|c| !c.undated)
        .max_by_key(|c| order_key(c))
        .or_else(|| changes.iter().filter(|c| c.undated).max_by_key(|c| c.id))
}

/// What an "as of" question asks: the day, and the statuses and phases wanted (empty:
/// any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusAsOf {
    pub day: NaiveDate,
    pub statuses: Vec<CaseStatus>,
    pub phases: Vec<ConflictPhase>,
}

/// `EXISTS (…)`: the case `case_id` (an SQL expression) has, among the status changes the
/// caller may see, a change in effect at the end of `as_of.day` ([`in_effect`]) with one of
/// the statuses and phases asked for.
pub(crate) fn in_effect_sql(case_id: &str, as_of: &StatusAsOf, access: Access) -> SimpleExpr {
    let visible = |alias: &str| effective_visible_sql(alias, access);
    // A date literal both engines compare with a DATE column (SQLite stores the same text).
    let day = format!("'{}'", as_of.day.format("%Y-%m-%d"));
    let rank = |alias: &str| precision_rank_sql(&format!("{alias}.occurred_precision"));
    let list = |values: Vec<&'static str>| {
        values
            .iter()
            .map(|v| format!("'{v}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut wanted = String::new();
    if !as_of.statuses.is_empty() {
        let statuses = list(as_of.statuses.iter().map(|s| s.as_str()).collect());
        wanted.push_str(&format!(" AND sc.status IN ({statuses})"));
    }
    if !as_of.phases.is_empty() {
        let phases = list(as_of.phases.iter().map(|p| p.as_str()).collect());
        wanted.push_str(&format!(" AND sc.phase IN ({phases})"));
    }
    let sql = format!(
        "EXISTS (SELECT 1 FROM status_changes sc WHERE sc.case_id = {case_id} \
         AND sc.undated = FALSE AND sc.occurred_on <= {day} AND {sc_visible}{wanted} \
         AND NOT EXISTS (SELECT 1 FROM status_changes later \
         WHERE later.case_id = sc.case_id AND later.undated = FALSE \
         AND later.occurred_on <= {day} AND {later_visible} \
         AND (later.occurred_on > sc.occurred_on OR (later.occurred_on = sc.occurred_on \
         AND ({later_rank} > {sc_rank} OR ({later_rank} = {sc_rank} AND later.id > sc.id))))))",
        sc_visible = visible("sc"),
        later_visible = visible("later"),
        later_rank = rank("later"),
        sc_rank = rank("sc"),
    );
    Expr::cust(sql)
}

/// A status history in its order: undated changes first (they are not placed in time; by
/// the order they were recorded), then the dated ones by [`order_key`].
pub fn sort_history(changes: &mut [status_change::Model]) {
    changes.sort_by_key(|c| {
        if c.undated {
            (false, NaiveDate::MIN, 0, c.id)
        } else {
            let (on, rank, id) = order_key(c);
            (true, on, rank, id)
        }
    });
}
