//! The status report the Ombudsman publishes each month, computed from the status histories
//! for any period: the cases by status at the period's end; the active ones by phase,
//! conflict type and department; and the movements of the period (new, reactivated, moved
//! to latent, resolved, withdrawn), each with its case and the status change that made it.
//! Every number is read through the rule of `history.rs`, from the status changes the
//! caller may see.

use super::{Access, CaseFilter, Store, StoreResult};
use chasqui_entities::tables::*;
use chasqui_entities::*;
use chrono::NaiveDate;
use sea_orm::*;
use std::collections::{BTreeMap, HashMap};

/// A movement of the period: how a status change moved a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MovementKind {
    /// The case's first dated status lies in the period.
    New,
    /// From LATENT to ACTIVE.
    Reactivated,
    /// From ACTIVE to LATENT.
    MovedToLatent,
    /// To RESOLVED.
    Resolved,
    /// To WITHDRAWN.
    Withdrawn,
}

impl MovementKind {
    /// What the change `change`, following `previous` (the change in effect before it, if
    /// any), moved; `None` for a change that keeps the status (a new phase, a repetition).
    fn of(
        previous: Option<&status_change::Model>,
        change: &status_change::Model,
    ) -> Option<MovementKind> {
        let Some(previous) = previous else {
            return Some(MovementKind::New);
        };
        use CaseStatus::*;
        match (previous.status, change.status) {
            (a, b) if a == b => None,
            (Latent, Active) => Some(MovementKind::Reactivated),
            (Active, Latent) => Some(MovementKind::MovedToLatent),
            (_, Resolved) => Some(MovementKind::Resolved),
            (_, Withdrawn) => Some(MovementKind::Withdrawn),
            _ => None,
        }
    }
}

/// One movement: the case, the change that moved it and the change before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Movement {
    pub kind: MovementKind,
    pub case_id: i64,
    pub change: status_change::Model,
    pub previous: Option<status_change::Model>,
}

/// A group of cases of the report, with the cases in it (by id, in title order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportGroup {
    pub status: Option<CaseStatus>,
    pub phase: Option<ConflictPhase>,
    pub conflict_type: Option<ConflictType>,
    pub region_id: Option<i64>,
    pub case_ids: Vec<i64>,
}

/// The report of a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The cases by their status at the end of the period (cases without a dated status
    /// by then are in none).
    pub by_status: Vec<ReportGroup>,
    /// The cases ACTIVE at the end of the period, by phase (no phase: `phase: None`), by
    /// conflict type and by department (a case in two departments counts in both).
    pub active_by_phase: Vec<ReportGroup>,
    pub active_by_conflict_type: Vec<ReportGroup>,
    pub active_by_region: Vec<ReportGroup>,
    /// The movements of the period, in the history's order.
    pub movements: Vec<Movement>,
}

impl Store {
    /// The status report of the matching cases for the period `from..=to`.
    pub async fn status_report(
        &self,
        access: Access,
        filter: &CaseFilter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<StatusReport> {
        // The matching cases, in title order so that every list of the report is stable.
        let cases: Vec<(i64, Option<ConflictType>)> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::ConflictType)
            .filter(filter.condition(access))
            .order_by_asc(case::Column::Title)
            .order_by_asc(case::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        let matching = || filter.matching_ids(access);
        let changes = status_change::Entity::find()
            .filter(status_change::Column::CaseId.in_subquery(matching()))
            .filter(super::visibility::visible_status_changes(access))
            .filter(status_change::Column::Undated.eq(false))
            .filter(status_change::Column::OccurredOn.lte(to))
            .all(&self.db)
            .await?;
        let mut history: HashMap<i64, Vec<status_change::Model>> = HashMap::new();
        for change in changes {
            history.entry(change.case_id).or_default().push(change);
        }
        for changes in history.values_mut() {
            changes.sort_by_key(super::history::order_key);
        }
        let regions = self
            .places_of_cases(access, &matching, &[LocationLevel::Region])
            .await?;

        let mut report = StatusReport {
            from,
            to,
            ..Default::default()
        };
        let mut by_status: BTreeMap<CaseStatus, Vec<i64>> = BTreeMap::new();
        let mut by_phase: BTreeMap<Option<ConflictPhase>, Vec<i64>> = BTreeMap::new();
        let mut by_type: BTreeMap<Option<ConflictType>, Vec<i64>> = BTreeMap::new();
        let mut by_region: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (id, conflict_type) in &cases {
            let Some(changes) = history.get(id) else {
                continue;
            };
            // Sorted: the change in effect at the end is the last one (all are on or
            // before `to`), and each change's previous is the one before it.
            if let Some(end) = changes.last() {
                by_status.entry(end.status).or_default().push(*id);
                if end.status == CaseStatus::Active {
                    by_phase.entry(end.phase).or_default().push(*id);
                    by_type.entry(*conflict_type).or_default().push(*id);
                    for place in regions.get(id).into_iter().flatten() {
                        by_region.entry(place.id).or_default().push(*id);
                    }
                }
            }
            for (i, change) in changes.iter().enumerate() {
                if change.occurred_on < from {
                    continue;
                }
                let previous = i.checked_sub(1).and_then(|p| changes.get(p));
                if let Some(kind) = MovementKind::of(previous, change) {
                    report.movements.push(Movement {
                        kind,
                        case_id: *id,
                        change: change.clone(),
                        previous: previous.cloned(),
                    });
                }
            }
        }
        report
            .movements
            .sort_by_key(|m| super::history::order_key(&m.change));
        report.by_status = by_status
            .into_iter()
            .map(|(status, case_ids)| ReportGroup {
                status: Some(status),
                case_ids,
                ..Default::default()
            })
            .collect();
        report.active_by_phase = by_phase
            .into_iter()
            .map(|(phase, case_ids)| ReportGroup {
                status: Some(CaseStatus::Active),
                phase,
                case_ids,
                ..Default::default()
            })
            .collect();
        report.active_by_conflict_type = by_type
            .into_iter()
            .map(|(conflict_type, case_ids)| ReportGroup {
                status: Some(CaseStatus::Active),
                conflict_type,
                case_ids,
                ..Default::default()
            })
            .collect();
        report.active_by_region = by_region
            .into_iter()
            .map(|(region, case_ids)| ReportGroup {
                status: Some(CaseStatus::Active),
                region_id: Some(region),
                case_ids,
                ..Default::default()
            })
            .collect();
        Ok(report)
    }
}
