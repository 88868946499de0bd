//! The filter of the event list and of the event counts.

use crate::error::ApiResult;
use crate::ids::{NodeType, decode_named, decode_named_opt};
use crate::scalars::PartialDate;
use crate::types::enums::{CaseStatus, EventKind};
use crate::types::input::any_of;
use crate::types::spatial::{BoundingBox, NearPoint, region_paths, spatial_conditions};
use async_graphql::{ID, InputObject, Json};
use chasqui_domain::validate;
use chasqui_store::{Access, Store};

/// Filters for the event list and `eventStats`. Lists mean "any of"; every condition
/// given must hold. A case, an actor or a place the caller may not see matches nothing,
/// exactly as one that does not exist.
#[derive(InputObject, Default, Clone)]
pub struct EventFilter {
    /// Events of this case (by id or slug).
    pub case: Option<ID>,
    pub kinds: Option<Vec<EventKind>>,
    /// Locations by code ("03") or id: events at a location on or below any of them, or
    /// at a site whose point lies inside one of them.
    pub region: Option<Vec<String>>,
    /// Events whose location's point (an exact site, or a place's point) is inside this box.
    pub within: Option<BoundingBox>,
    /// Events whose location's point is inside this GeoJSON Polygon or MultiPolygon (at
    /// most 10000 positions and 100 rings; each position counts 1 toward the request's
    /// cost).
    pub in_area: Option<Json<serde_json::Value>>,
    /// Events whose location's point is within `km` kilometres of a point (geodesic).
    pub near: Option<NearPoint>,
    /// Events that overlap the period starting with this date ("2017", "2017-02" or
    /// "2017-02-18": from its first day). An event lasts from its `date` to the end of
    /// its `endDate` (or of its `date`, when it has none): "February 2017" overlaps
    /// `from: "2017-02-18"`.
    pub from: Option<PartialDate>,
    /// Events that overlap the period ending with this date (to its last day: `to:
    /// "2017"` is up to 31 December 2017).
    pub to: Option<PartialDate>,
    /// Actors by slug ("mmg") or id: events in which any of them took part.
    pub actors: Option<Vec<String>>,
    /// Events of cases whose current status is one of these.
    pub case_statuses: Option<Vec<CaseStatus>>,
}

impl EventFilter {
    /// Resolves the filter into store terms (checked: errors name the field).
    pub async fn resolve(
        &self,
        store: &Store,
        access: Access,
    ) -> ApiResult<chasqui_store::EventFilter> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            validate::period("filter.to", from.0, Some(to.0))?;
        }
        let mut filter = chasqui_store::EventFilter {
            case: decode_named_opt(NodeType::Case, self.case.as_ref(), "filter.case")?,
            kinds: any_of(&self.kinds),
            spatial: spatial_conditions(self.within, self.in_area.as_ref(), self.near).await?,
            from: self.from.map(|d| d.0.first_day()),
            to: self.to.map(|d| d.0.last_day()),
            case_statuses: any_of(&self.case_statuses),
            ..Default::default()
        };
        filter.actors = self
            .actors
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, actor)| {
                decode_named(
                    NodeType::Actor,
                    &ID::from(actor.as_str()),
                    &format!("filter.actors[{i}]"),
                )
            })
            .collect::<Result<_, _>>()?;
        if let Some(regions) = &self.region {
            filter.region_paths = region_paths(store, access, regions).await?;
        }
        store.resolve_event_spatial(access, &mut filter).await?;
        Ok(filter)
    }
}
