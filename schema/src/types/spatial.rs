//! Maps in GraphQL: `locate`, the spatial parts of the case filter, and `casesGeoJson`.

use super::case::CaseFilter;
use super::common::{access, store as store_of};
use super::location::Location;
use crate::error::{ApiError, ApiResult};
use crate::ids::{NodeType, decode_any, encode};
use async_graphql::{Context, InputObject, Json, Object};
use chasqui_domain::spatial::{self, SpatialFilter};
use chasqui_store::{Access, LocatedCases, Store};

/// A longitude/latitude box (WGS84 degrees), edges included.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct BoundingBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

/// A point and a radius: everything within `km` kilometres (geodesic, WGS84).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct NearPoint {
    pub latitude: f64,
    pub longitude: f64,
    pub km: f64,
}

/// Checks the spatial conditions of a filter (errors name the field). An area is read,
/// checked and prepared on a blocking thread: its work is bounded (n log n of at most
/// `MAX_AREA_VERTICES` positions), but it is CPU work that must not hold up the
/// runtime's threads.
pub async fn spatial_conditions(
    within: Option<BoundingBox>,
    in_area: Option<&Json<serde_json::Value>>,
    near: Option<NearPoint>,
) -> ApiResult<Vec<SpatialFilter>> {
    let mut conditions = Vec::new();
    if let Some(b) = within {
        let rect = spatial::bounding_box(b.west, b.south, b.east, b.north)
            .map_err(|m| ApiError::bad_input("filter.within", m))?;
        conditions.push(SpatialFilter::Within(rect));
    }
    if let Some(area) = in_area {
        let value = area.0.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            let shape = spatial::area_from_geojson(&value, true)?
                .ok_or_else(|| "the Feature has no geometry".to_owned())?;
            spatial::Area::new(shape).ok_or_else(|| "the area is empty".to_owned())
        })
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "preparing a query area failed");
            ApiError::Internal
        })?
        .map_err(|m| ApiError::bad_input("filter.inArea", m))?;
        conditions.push(SpatialFilter::InArea(std::sync::Arc::new(prepared)));
    }
    if let Some(near) = near {
        let condition = chasqui_store::near_filter(near.latitude, near.longitude, near.km)
            .map_err(|m| ApiError::bad_input("filter.near", m))?;
        conditions.push(condition);
    }
    Ok(conditions)
}

/// The materialised paths of a region filter's places, given by code or id; an unknown
/// or hidden place gets a path no place has, so it matches nothing (not everything).
pub async fn region_paths(
    store: &Store,
    access: Access,
    regions: &[String],
) -> ApiResult<Vec<String>> {
    let mut paths = Vec::with_capacity(regions.len());
    for region in regions {
        let id = decode_any(region)
            .filter(|(k, _)| *k == NodeType::Location)
            .map(|(_, id)| id);
        let path = match id {
            Some(id) => store.location_path(access, None, Some(id)).await?,
            None => {
                store
                    .location_path(access, Some(region.as_str()), None)
                    .await?
            }
        };
        paths.push(path.unwrap_or_else(|| "/unknown-region/".to_owned()));
    }
    Ok(paths)
}

/// The places a point falls in.
pub struct Located(pub chasqui_domain::spatial::Located);

#[Object]
impl Located {
    async fn district(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.district).await
    }

    async fn province(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.province).await
    }

    /// The department (REGION level).
    async fn region(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.region).await
    }

    async fn country(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        Location::load_opt(ctx, self.0.country).await
    }
}

impl Located {
    /// `Query.locate`.
    pub async fn locate(ctx: &Context<'_>, latitude: f64, longitude: f64) -> ApiResult<Located> {
        let latitude =
            chasqui_domain::validate::latitude("latitude", Some(latitude))?.unwrap_or_default();
        let longitude =
            chasqui_domain::validate::longitude("longitude", Some(longitude))?.unwrap_or_default();
        let located = store_of(ctx)?
            .locate(access(ctx), latitude, longitude)
            .await?;
        Ok(Located(located))
    }
}

/// The most features one GeoJSON answer holds.
pub const MAX_GEOJSON_FEATURES: u64 = 100_000;
/// Features in a GeoJSON answer when no limit is given.
pub const DEFAULT_GEOJSON_FEATURES: u64 = 10_000;

/// Checks a feature limit.
pub fn geojson_limit(limit: Option<i32>) -> ApiResult<u64> {
    match limit {
        None => Ok(DEFAULT_GEOJSON_FEATURES),
        Some(n) if n >= 1 && n as u64 <= MAX_GEOJSON_FEATURES => Ok(n as u64),
        Some(_) => Err(ApiError::bad_input(
            "limit",
            format!("must be between 1 and {MAX_GEOJSON_FEATURES}"),
        )),
    }
}

/// `Query.casesGeoJson`: the cases of a filter as a GeoJSON FeatureCollection.
pub async fn cases_geojson(
    ctx: &Context<'_>,
    filter: Option<CaseFilter>,
    limit: Option<i32>,
) -> ApiResult<Json<serde_json::Value>> {
    let store = store_of(ctx)?;
    let access = access(ctx);
    let limit = geojson_limit(limit)?;
    let filter = filter.unwrap_or_default().resolve(store, access).await?;
    let located = store.located_cases(access, &filter, limit).await?;
    Ok(Json(cases_feature_collection(&located)))
}

/// Located cases as GeoJSON features, each carrying the case's global id: what
/// `casesGeoJson` and the `/geojson/cases` route answer.
pub fn cases_feature_collection(located: &LocatedCases) -> serde_json::Value {
    chasqui_domain::map_output::cases_feature_collection(&located.rows, located.total, |id| {
        encode(NodeType::Case, id).0
    })
}
