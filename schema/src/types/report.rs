//! The status report of a period (`Query.statusReport`): the Ombudsman's monthly report,
//! computed from the status histories (`store/src/report.rs`).

use super::case::{Case, CaseFilter};
use super::common::{FuzzyDate, access, loaders, page_limits, store};
use super::enums::{CaseStatus, ConflictPhase, ConflictType};
use super::location::Location;
use super::status_change::StatusChange;
use crate::error::{ApiError, ApiResult};
use crate::loaders::CaseById;
use crate::scalars::PartialDate;
use async_graphql::{Context, Enum, Object};
use chasqui_entities::{DatePrecision, PartialDate as StoredDate};

/// How a status change moved a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
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

impl From<chasqui_store::MovementKind> for MovementKind {
    fn from(kind: chasqui_store::MovementKind) -> Self {
        use chasqui_store::MovementKind as K;
        match kind {
            K::New => Self::New,
            K::Reactivated => Self::Reactivated,
            K::MovedToLatent => Self::MovedToLatent,
            K::Resolved => Self::Resolved,
            K::Withdrawn => Self::Withdrawn,
        }
    }
}

/// The status report of a period, from the status histories the caller may see.
pub struct StatusReport(chasqui_store::StatusReport);

impl StatusReport {
    /// `Query.statusReport`.
    pub async fn compute(
        ctx: &Context<'_>,
        period: Option<PartialDate>,
        through: Option<PartialDate>,
        filter: Option<CaseFilter>,
    ) -> ApiResult<StatusReport> {
        let period = period.map_or_else(
            || StoredDate::truncate(chrono::Utc::now().date_naive(), DatePrecision::Month),
            |p| p.0,
        );
        let from = period.first_day();
        let to = through.map_or(period.last_day(), |t| t.0.last_day());
        if to < from {
            return Err(ApiError::bad_input(
                "through",
                format!("{to} is before the period's start {from}"),
            ));
        }
        let store = store(ctx)?;
        let access = access(ctx);
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let report = store.status_report(access, &filter, from, to).await?;
        Ok(StatusReport(report))
    }
}

fn groups(groups: &[chasqui_store::ReportGroup]) -> Vec<ReportGroup> {
    groups.iter().cloned().map(ReportGroup).collect()
}

#[Object]
impl StatusReport {
    /// The period's first day.
    async fn from(&self) -> FuzzyDate {
        FuzzyDate(StoredDate::truncate(self.0.from, DatePrecision::Day))
    }

    /// The period's last day: the day the totals are "as of".
    async fn to(&self) -> FuzzyDate {
        FuzzyDate(StoredDate::truncate(self.0.to, DatePrecision::Day))
    }

    /// The cases by their status at the end of the period; a case without a dated status
    /// by then is in none.
    async fn by_status(&self) -> Vec<ReportGroup> {
        groups(&self.0.by_status)
    }

    /// The cases ACTIVE at the end of the period, by phase (`phase: null`: no phase).
    async fn active_by_phase(&self) -> Vec<ReportGroup> {
        groups(&self.0.active_by_phase)
    }

    /// The cases ACTIVE at the end of the period, by conflict type.
    async fn active_by_conflict_type(&self) -> Vec<ReportGroup> {
        groups(&self.0.active_by_conflict_type)
    }

    /// The cases ACTIVE at the end of the period, by department (a case in two
    /// departments counts in both).
    async fn active_by_region(&self) -> Vec<ReportGroup> {
        groups(&self.0.active_by_region)
    }

    /// The movements of the period, in the order of their dates; only those of `kinds`
    /// when given; the first `first` of them (`totalCount` says how many there are).
    async fn movements(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<MovementKind>>,
        first: Option<i32>,
    ) -> ApiResult<MovementList> {
        let size = page_limits(ctx).size(first)? as usize;
        let kinds = kinds.unwrap_or_default();
        let matching: Vec<&chasqui_store::Movement> = self
            .0
            .movements
            .iter()
            .filter(|m| kinds.is_empty() || kinds.contains(&m.kind.into()))
            .collect();
        Ok(MovementList {
            total: matching.len(),
            items: matching
                .into_iter()
                .take(size)
                .cloned()
                .map(Movement)
                .collect(),
        })
    }
}

/// A group of the report's cases.
pub struct ReportGroup(chasqui_store::ReportGroup);

#[Object]
impl ReportGroup {
    /// How many cases are in the group.
    async fn count(&self) -> usize {
        self.0.case_ids.len()
    }

    async fn status(&self) -> Option<CaseStatus> {
        self.0.status.map(Into::into)
    }

    async fn phase(&self) -> Option<ConflictPhase> {
        self.0.phase.map(Into::into)
    }

    async fn conflict_type(&self) -> Option<ConflictType> {
        self.0.conflict_type.map(Into::into)
    }

    /// The department, in a group by region.
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.region_id).await
    }

    /// The first `first` cases of the group, by title (`count` says how many there are).
    async fn cases(&self, ctx: &Context<'_>, first: Option<i32>) -> ApiResult<Vec<Case>> {
        let size = page_limits(ctx).size(first)? as usize;
        let ids: Vec<i64> = self.0.case_ids.iter().take(size).copied().collect();
        let mut found = loaders(ctx)?
            .load_many(ids.iter().copied().map(CaseById))
            .await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| found.remove(&CaseById(id)))
            .map(Case::from_model)
            .collect())
    }
}

/// Movements of the report.
pub struct MovementList {
    total: usize,
    items: Vec<Movement>,
}

#[Object]
impl MovementList {
    /// How many movements there are (of the kinds asked for).
    async fn total_count(&self) -> usize {
        self.total
    }

    async fn items(&self) -> &[Movement] {
        &self.items
    }
}

/// A movement: a case, and the status change that moved it.
pub struct Movement(chasqui_store::Movement);

#[Object]
impl Movement {
    async fn kind(&self) -> MovementKind {
        self.0.kind.into()
    }

    async fn case(&self, ctx: &Context<'_>) -> ApiResult<Option<Case>> {
        Case::load(ctx, self.0.case_id).await
    }

    /// The status change that moved the case, with its date and sources.
    async fn change(&self) -> StatusChange {
        StatusChange::new(self.0.change.clone())
    }

    /// The status change in effect before it (`null` for a new case).
    async fn previous(&self) -> Option<StatusChange> {
        self.0.previous.clone().map(StatusChange::new)
    }
}
