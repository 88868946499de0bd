//! Maps over plain HTTP: `GET /geojson/cases` (RFC 7946, `application/geo+json`) and
//! `GET /map.svg`, both with the filters of the `cases` query as query parameters:
//!
//! - lists, comma-separated or repeated: `kinds`, `statuses`, `phases`, `conflictTypes`,
//!   `region` (codes or ids), `topics`, `responsibleLevels`;
//! - `actor`, `activeFrom`, `activeTo`; `violenceReported`, `dialogueUnderWay` (`true` or
//!   `false`);
//! - `asOf` (a date) with `asOfStatuses` and `asOfPhases` (lists): the `statusAsOf` filter;
//! - `bbox=west,south,east,north`, `near=latitude,longitude,km`, `area=<GeoJSON polygon>`;
//! - `limit` (GeoJSON only: the most features, default 10000).
//!
//! The parameters become the GraphQL `CaseFilter` input and go through the same checks
//! and the same store calls as the `cases` query, so visibility is decided in one place.

// A refusal is a whole HTTP response, built at most once per request.
#![allow(clippy::result_large_err)]

use crate::http::AppState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chasqui_domain::map_output::{self, MapPicture};
use chasqui_entities::LocationLevel;
use chasqui_schema::auth::Caller;
use chasqui_schema::error::ApiError;
use chasqui_schema::types::case::CaseFilter;
use chasqui_schema::types::spatial::geojson_limit;
use chasqui_store::{Access, StatDimension, Store};
use serde_json::{Map, Value, json};
use tokio::sync::OwnedSemaphorePermit;

const LIST_PARAMETERS: [&str; 7] = [
    "kinds",
    "statuses",
    "phases",
    "conflictTypes",
    "region",
    "topics",
    "responsibleLevels",
];
const TEXT_PARAMETERS: [&str; 3] = ["actor", "activeFrom", "activeTo"];
const BOOLEAN_PARAMETERS: [&str; 2] = ["violenceReported", "dialogueUnderWay"];

/// A refusal with a GraphQL-style error body.
pub(crate) fn refusal(
    status: StatusCode,
    code: &str,
    field: Option<&str>,
    message: &str,
) -> Response {
    let mut extensions = json!({ "code": code });
    if let Some(field) = field {
        extensions["field"] = json!(field);
    }
    let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(crate) fn bad(field: &str, message: impl AsRef<str>) -> Response {
    refusal(
        StatusCode::BAD_REQUEST,
        "BAD_USER_INPUT",
        Some(field),
        message.as_ref(),
    )
}

/// A refusal of the admission's argument rules or price, as the GraphQL endpoint gives it.
pub(crate) fn admission_refusal(r: chasqui_schema::admission::Refusal) -> Response {
    refusal(
        StatusCode::BAD_REQUEST,
        r.code,
        r.field.as_deref(),
        &r.message,
    )
}

pub(crate) fn api_refusal(err: ApiError) -> Response {
    let err: async_graphql::Error = err.into();
    let extensions = err
        .extensions
        .as_ref()
        .and_then(|e| serde_json::to_value(e).ok())
        .unwrap_or_else(|| json!({}));
    let code = extensions
        .get("code")
        .and_then(|c| c.as_str())
        .unwrap_or("INTERNAL_SERVER_ERROR")
        .to_owned();
    let field = extensions
        .get("field")
        .and_then(|c| c.as_str())
        .map(str::to_owned);
    let status = match code.as_str() {
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refusal(status, &code, field.as_deref(), &err.message)
}

fn numbers<const N: usize>(field: &str, text: &str, names: &str) -> Result<[f64; N], Response> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let mut out = [0.0; N];
    if parts.len() != N {
        return Err(bad(field, format!("must be {names}")));
    }
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = part
            .parse::<f64>()
            .map_err(|_| bad(field, format!("must be {names}; `{part}` is not a number")))?;
    }
    Ok(out)
}

/// The parameters as a `CaseFilter` input object, and the `limit`.
fn filter_input(
    parameters: &[(String, String)],
    allow_limit: bool,
) -> Result<(Map<String, Value>, Option<i32>), Response> {
    let mut filter = Map::new();
    let mut limit = None;
    for (name, value) in parameters {
        let name = name.as_str();
        if LIST_PARAMETERS.contains(&name) {
            let list = filter
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = list {
                items.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| json!(v)),
                );
            }
        } else if TEXT_PARAMETERS.contains(&name) {
            filter.insert(name.to_owned(), json!(value));
        } else if BOOLEAN_PARAMETERS.contains(&name) {
            let yes = match value.trim() {
                "true" => true,
                "false" => false,
                _ => return Err(bad(name, "must be true or false")),
            };
            filter.insert(name.to_owned(), json!(yes));
        } else if name == "bbox" {
            let [west, south, east, north] = numbers::<4>("bbox", value, "west,south,east,north")?;
            filter.insert(
                "within".into(),
                json!({"west": west, "south": south, "east": east, "north": north}),
            );
        } else if name == "near" {
            let [latitude, longitude, km] = numbers::<3>("near", value, "latitude,longitude,km")?;
            filter.insert(
                "near".into(),
                json!({"latitude": latitude, "longitude": longitude, "km": km}),
            );
        } else if name == "area" {
            let area: Value = serde_json::from_str(value)
                .map_err(|e| bad("area", format!("is not JSON: {e}")))?;
            filter.insert("inArea".into(), area);
        } else if let Some(key) = match name {
            "asOf" => Some("date"),
            "asOfStatuses" => Some("statuses"),
            "asOfPhases" => Some("phases"),
            _ => None,
        } {
            let as_of = filter
                .entry("statusAsOf".to_owned())
                .or_insert_with(|| json!({}));
            let value = if key == "date" {
                json!(value)
            } else {
                json!(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .collect::<Vec<_>>()
                )
            };
            if let Value::Object(fields) = as_of {
                fields.insert(key.to_owned(), value);
            }
        } else if name == "limit" && allow_limit {
            limit = Some(
                value
                    .parse::<i32>()
                    .map_err(|_| bad("limit", "must be a whole number"))?,
            );
        } else {
            return Err(bad(name, format!("unknown parameter `{name}`")));
        }
    }
    if filter
        .get("statusAsOf")
        .is_some_and(|as_of| as_of.get("date").is_none())
    {
        return Err(bad(
            "asOf",
            "is required with `asOfStatuses` and `asOfPhases`",
        ));
    }
    Ok((filter, limit))
}

/// Checks the parameters as the GraphQL input would be (the admission's argument rules,
/// and the price of `features` points), waits for the price to fit among the requests
/// running, then resolves them for the store; the permit is held until the answer is
/// built.
async fn store_filter(
    state: &AppState,
    access: Access,
    filter: Map<String, Value>,
    features: u64,
) -> Result<(chasqui_store::CaseFilter, OwnedSemaphorePermit), Response> {
    let deadline = tokio::time::Instant::now() + state.config.request_timeout;
    use async_graphql::InputType;
    let store = &state.store;
    let value = async_graphql::Value::from_json(Value::Object(filter))
        .map_err(|e| bad("filter", e.to_string()))?;
    state
        .admission
        .check_input("CaseFilter", &value, "")
        .map_err(admission_refusal)?;
    let price = state
        .admission
        .map_cost(features, Some(&value))
        .map_err(admission_refusal)?;
    let running = state.hold_cost(price, deadline).await.ok_or_else(|| {
        refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "REQUEST_TIMEOUT",
            None,
            "the server is busy with other requests; try again shortly",
        )
    })?;
    let input = <CaseFilter as InputType>::parse(Some(value))
        .map_err(|e| bad("filter", e.into_server_error(Default::default()).message))?;
    let filter = input.resolve(store, access).await.map_err(api_refusal)?;
    Ok((filter, running))
}

/// `GET /geojson/cases`.
pub async fn cases_geojson(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(parameters): Query<Vec<(String, String)>>,
) -> Response {
    let access = caller.access();
    let (filter, limit) = match filter_input(&parameters, true) {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    let limit = match geojson_limit(limit) {
        Ok(limit) => limit,
        Err(err) => return api_refusal(err),
    };
    let (filter, _running) = match store_filter(&state, access, filter, limit).await {
        Ok(resolved) => resolved,
        Err(response) => return response,
    };
    let located = match state.store.located_cases(access, &filter, limit).await {
        Ok(located) => located,
        Err(err) => return api_refusal(err.into()),
    };
    let body = chasqui_schema::types::spatial::cases_feature_collection(&located).to_string();
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    response
}

/// The most case points the SVG map draws.
const MAP_POINTS: u64 = 20_000;

/// `GET /map.svg`.
pub async fn map_svg(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(parameters): Query<Vec<(String, String)>>,
) -> Response {
    let access = caller.access();
    let (filter, _) = match filter_input(&parameters, false) {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    // The map draws at most MAP_POINTS points: a fixed cost, apart from the filter's.
    let (filter, _running) = match store_filter(&state, access, filter, 0).await {
        Ok(resolved) => resolved,
        Err(response) => return response,
    };
    let store = &state.store;
    let drawn = async {
        let index = store.spatial_index().await?;
        let counts = store
            .case_stats(access, &filter, &[StatDimension::Region])
            .await?;
        let located = store.located_cases(access, &filter, MAP_POINTS).await?;
        Ok::<_, chasqui_store::StoreError>((index, counts, located))
    }
    .await;
    let (index, counts, located) = match drawn {
        Ok(parts) => parts,
        Err(err) => return api_refusal(err.into()),
    };
    let areas = index
        .shapes_at(LocationLevel::Region, access.see_restricted)
        .into_iter()
        .map(|place| {
            let count = counts
                .iter()
                .filter(|b| b.region_id == Some(place.id))
                .map(|b| b.count)
                .sum();
            (place, count)
        })
        .collect();
    let points = located
        .rows
        .iter()
        .filter_map(|(case, point)| Some((point.as_ref()?.point, case.title.clone())))
        .collect();
    let picture = MapPicture {
        title: format!("chasqui: {} cases by department", located.total),
        areas,
        points,
    };
    let mut response = (StatusCode::OK, map_output::svg_map(&picture)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    response
}

/// Builds the spatial index in the background as the service starts, so the first map
/// request does not pay for it; it logs how long the load took.
pub fn warm_spatial_index(store: &Store) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let store = store.clone();
    runtime.spawn(async move {
        let started = std::time::Instant::now();
        match store.spatial_index().await {
            Ok(index) => tracing::info!(
                places = index.place_count(),
                points = index.point_count(),
                ms = started.elapsed().as_millis() as u64,
                "spatial index loaded"
            ),
            Err(err) => tracing::warn!(error = %err, "spatial index not loaded at start"),
        }
    });
}
