//! The filter of the event list.

use crate::error::ApiResult;
use crate::ids::{NodeType, decode_named_opt};
use crate::types::enums::EventKind;
use crate::types::input::any_of;
use crate::types::spatial::{BoundingBox, NearPoint, region_paths, spatial_conditions};
use async_graphql::{ID, InputObject, Json};
use chasqui_store::{Access, Store};

/// Filters for the event list. Lists mean "any of"; every condition given must hold.
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
}

impl EventFilter {
    /// Resolves the filter into store terms (checked: errors name the field).
    pub async fn resolve(
        &self,
        store: &Store,
        access: Access,
    ) -> ApiResult<chasqui_store::EventFilter> {
        let mut filter = chasqui_store::EventFilter {
            case: decode_named_opt(NodeType::Case, self.case.as_ref(), "filter.case")?,
            kinds: any_of(&self.kinds),
            spatial: spatial_conditions(self.within, self.in_area.as_ref(), self.near).await?,
            ..Default::default()
        };
        if let Some(regions) = &self.region {
            filter.region_paths = region_paths(store, access, regions).await?;
        }
        store.resolve_event_spatial(access, &mut filter).await?;
        Ok(filter)
    }
}
