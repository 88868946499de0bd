//! Case counts for analysts (`Query.caseStats`).

use super::case::CaseFilter;
use super::common::{FuzzyDate, access, store};
use super::enums::{CaseKind, CaseStatDimension, CaseStatus, ConflictPhase, ConflictType};
use super::location::Location;
use crate::error::ApiResult;
use async_graphql::{Context, Object};
use chasqui_entities::{DatePrecision, PartialDate};
use chasqui_store::StatDimension;

/// A group of cases and how many there are; only the grouped-by fields are set.
pub struct CaseStatBucket(pub chasqui_store::StatBucket);

impl CaseStatBucket {
    /// `Query.caseStats`: the cases of a filter counted in groups.
    pub async fn group(
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        group_by: Vec<CaseStatDimension>,
    ) -> ApiResult<Vec<CaseStatBucket>> {
        let store = store(ctx)?;
        let access = access(ctx);
        let filter = filter.unwrap_or_default().resolve(store, access).await?;
        let dimensions: Vec<StatDimension> = group_by
            .into_iter()
            .map(|d| match d {
                CaseStatDimension::Status => StatDimension::Status,
                CaseStatDimension::Phase => StatDimension::Phase,
                CaseStatDimension::Kind => StatDimension::Kind,
                CaseStatDimension::ConflictType => StatDimension::ConflictType,
                CaseStatDimension::Region => StatDimension::Region,
                CaseStatDimension::Province => StatDimension::Province,
                CaseStatDimension::Month => StatDimension::Month,
            })
            .collect();
        Ok(store
            .case_stats(access, &filter, &dimensions)
            .await?
            .into_iter()
            .map(CaseStatBucket)
            .collect())
    }
}

#[Object]
impl CaseStatBucket {
    async fn count(&self) -> u64 {
        self.0.count
    }

    async fn status(&self) -> Option<CaseStatus> {
        self.0.status.map(Into::into)
    }

    /// The phase, when grouped by PHASE (`null` also for the cases without a phase).
    async fn phase(&self) -> Option<ConflictPhase> {
        self.0.phase.map(Into::into)
    }

    async fn kind(&self) -> Option<CaseKind> {
        self.0.kind.map(Into::into)
    }

    async fn conflict_type(&self) -> Option<ConflictType> {
        self.0.conflict_type.map(Into::into)
    }

    /// The department (REGION level location).
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.region_id).await
    }

    /// The province (PROVINCE level location).
    async fn province(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.province_id).await
    }

    /// The month, as a MONTH-precision date.
    async fn month(&self) -> Option<FuzzyDate> {
        self.0
            .month
            .map(|m| FuzzyDate(PartialDate::truncate(m, DatePrecision::Month)))
    }
}
