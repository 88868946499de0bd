//! The filter and the order of case lists; the filter also selects the cases that
//! `caseStats` counts and `casesGeoJson` maps.

use crate::error::ApiResult;
use crate::ids::{NodeType, decode_named};
use crate::scalars::PartialDate;
use crate::types::enums::{
    CaseKind, CaseOrderField, CaseStatus, ConflictPhase, ConflictType, GovernmentLevel,
    OrderDirection,
};
use crate::types::input::any_of;
use crate::types::spatial::{BoundingBox, NearPoint, region_paths, spatial_conditions};
use async_graphql::{ID, InputObject, Json};
use chasqui_store::{Access, Store};

/// Filters for case lists and counts. Lists mean "any of". An actor or a place the
/// caller may not see matches nothing, exactly as one that does not exist.
#[derive(InputObject, Default, Clone)]
pub struct CaseFilter {
    pub kinds: Option<Vec<CaseKind>>,
    pub statuses: Option<Vec<CaseStatus>>,
    pub phases: Option<Vec<ConflictPhase>>,
    pub conflict_types: Option<Vec<ConflictType>>,
    /// Locations by code ("03") or id: cases placed on any of them or anywhere below.
    pub region: Option<Vec<String>>,
    /// Cases in which this actor (by id or slug) has a role.
    pub actor: Option<ID>,
    /// Cases tagged with any of these topics.
    pub topics: Option<Vec<String>>,
    /// Cases active (between their first and their last dated record: the start, or else
    /// the first event, news item or dated status change, to the latest) on or after this
    /// date. A case without any dated record is active in no period.
    pub active_from: Option<PartialDate>,
    /// Cases active on or before this date.
    pub active_to: Option<PartialDate>,
    /// Cases whose status (and phase) in effect at the end of a date, by their status
    /// history, is one of these: the state of the register as of that date.
    pub status_as_of: Option<StatusAsOfFilter>,
    /// Cases with a point (an exact site, or a district's point) inside this box.
    pub within: Option<BoundingBox>,
    /// Cases with a point inside this GeoJSON Polygon or MultiPolygon (lon/lat, WGS84; at
    /// most 10000 positions and 100 rings; each position counts 1 toward the request's
    /// cost).
    pub in_area: Option<Json<serde_json::Value>>,
    /// Cases with a point within `km` kilometres of a point (geodesic).
    pub near: Option<NearPoint>,
    /// Cases whose latest register reports violence (true) or reports none (false).
    pub violence_reported: Option<bool>,
    /// Cases whose latest register reports a dialogue under way (true) or none (false).
    pub dialogue_under_way: Option<bool>,
    /// Cases whose latest register makes any of these levels of government responsible.
    pub responsible_levels: Option<Vec<GovernmentLevel>>,
}

impl CaseFilter {
    /// Resolves the filter into store terms; unknown regions match nothing.
    pub async fn resolve(
        &self,
        store: &Store,
        access: Access,
    ) -> ApiResult<chasqui_store::CaseFilter> {
        let mut filter = chasqui_store::CaseFilter {
            kinds: any_of(&self.kinds),
            statuses: any_of(&self.statuses),
            phases: any_of(&self.phases),
            conflict_types: any_of(&self.conflict_types),
            topics: self
                .topics
                .iter()
                .flatten()
                .map(|t| t.trim().to_lowercase())
                .collect(),
            active_from: self.active_from.map(|d| d.0.first_day()),
            active_to: self.active_to.map(|d| d.0.last_day()),
            status_as_of: self.status_as_of.as_ref().map(StatusAsOfFilter::resolve),
            violence_reported: self.violence_reported,
            dialogue_under_way: self.dialogue_under_way,
            responsible_levels: any_of(&self.responsible_levels),
            ..Default::default()
        };
        if let Some(actor) = &self.actor {
            filter
                .actors
                .push(decode_named(NodeType::Actor, actor, "filter.actor")?);
        }
        if let Some(regions) = &self.region {
            filter.region_paths = region_paths(store, access, regions).await?;
        }
        filter.spatial = spatial_conditions(self.within, self.in_area.as_ref(), self.near).await?;
        store.resolve_spatial(access, &mut filter).await?;
        Ok(filter)
    }
}

/// The status of cases as of a date: the change in effect at the end of `date` (a day, a
/// month or a year) is the latest dated status change on or before it; a case with no
/// dated change by then has no status as of that date and never matches.
#[derive(InputObject, Clone)]
pub struct StatusAsOfFilter {
    pub date: PartialDate,
    /// Any of these statuses (any status when absent or empty).
    pub statuses: Option<Vec<CaseStatus>>,
    /// Any of these phases (any phase, or none, when absent or empty).
    pub phases: Option<Vec<ConflictPhase>>,
}

impl StatusAsOfFilter {
    fn resolve(&self) -> chasqui_store::StatusAsOf {
        chasqui_store::StatusAsOf {
            day: self.date.0.last_day(),
            statuses: any_of(&self.statuses),
            phases: any_of(&self.phases),
        }
    }
}

#[derive(InputObject, Clone, Copy, Default)]
pub struct CaseOrder {
    #[graphql(default)]
    pub field: CaseOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}
