//! Case counts for analysts.

use super::common::FuzzyDate;
use super::enums::{CaseKind, CaseStatus};
use super::location::Location;
use crate::error::ApiResult;
use async_graphql::{Context, Object};
use chasqui_entities::{DatePrecision, PartialDate};

/// A group of cases and how many there are; only the grouped-by fields are set.
pub struct CaseStatBucket(pub chasqui_store::StatBucket);

#[Object]
impl CaseStatBucket {
    async fn count(&self) -> u64 {
        self.0.count
    }

    async fn status(&self) -> Option<CaseStatus> {
        self.0.status.map(Into::into)
    }

    async fn kind(&self) -> Option<CaseKind> {
        self.0.kind.map(Into::into)
    }

    /// The department (REGION level location).
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.0.region_id {
            Some(id) => Location::load(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The province (PROVINCE level location).
    async fn province(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.0.province_id {
            Some(id) => Location::load(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The month, as a MONTH-precision date.
    async fn month(&self) -> Option<FuzzyDate> {
        self.0
            .month
            .map(|m| FuzzyDate(PartialDate::truncate(m, DatePrecision::Month)))
    }
}
